#include "cpuset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

static void
bit_set(uint64_t *b, unsigned n, bool on)
{
	if (on)
		b[n / 64] |= 1ull << (n % 64);
	else
		b[n / 64] &= ~(1ull << (n % 64));
}

static bool
bit_get(const uint64_t *b, unsigned n)
{
	return (b[n / 64] >> (n % 64)) & 1;
}

/* A decimal CPU number below CPUSET_MAX at *p; advances *p. */
static int
cpu_num(const char **p, unsigned *out)
{
	unsigned v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v >= CPUSET_MAX)
			return -1;
	}
	*p = s;
	*out = v;
	return 0;
}

/* "N" or "N-M" at *p into lo..hi. */
static int
cpu_range(const char **p, unsigned *lo, unsigned *hi)
{
	if (cpu_num(p, lo) < 0)
		return -1;
	*hi = *lo;
	if (**p == '-') {
		(*p)++;
		if (cpu_num(p, hi) < 0 || *hi < *lo)
			return -1;
	}
	return 0;
}

int
cpuset_parse(const char *s, struct cpuset_spec *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "all"))
		return 0;
	if (!strncmp(s, "nodes:", 6)) {
		snprintf(why, whylen,
			 "NUMA node sets (nodes:) are not in this version: "
			 "name the CPUs");
		return -1;
	}
	out->given = true;
	out->from_all = *s == '^';
	if (out->from_all)
		memset(out->set, 0xff, sizeof(out->set));
	for (const char *p = s;; p++) {
		bool neg = *p == '^';
		unsigned lo, hi;
		if (neg)
			p++;
		if (cpu_range(&p, &lo, &hi) < 0 || (*p && *p != ',')) {
			snprintf(why, whylen,
				 "'%.64s' is not a CPU list (\"all\", or N, "
				 "N-M, ^N joined by ',', CPUs below %d)",
				 s, CPUSET_MAX);
			return -1;
		}
		for (unsigned c = lo; c <= hi; c++) {
			bit_set(out->set, c, !neg);
			if (!neg)
				bit_set(out->named, c, true);
		}
		if (!*p)
			return 0;
	}
}

bool
cpuset_same(const struct cpuset_spec *a, const struct cpuset_spec *b)
{
	return a->given == b->given && a->from_all == b->from_all &&
	       !memcmp(a->set, b->set, sizeof(a->set)) &&
	       !memcmp(a->named, b->named, sizeof(a->named));
}

int
cpuset_list_parse(const char *s, uint64_t bits[CPUSET_WORDS])
{
	memset(bits, 0, CPUSET_WORDS * sizeof(*bits));
	for (const char *p = s; *p && *p != '\n'; p++) {
		unsigned lo, hi;
		if (cpu_range(&p, &lo, &hi) < 0 ||
		    (*p && *p != ',' && *p != '\n'))
			return -1;
		for (unsigned c = lo; c <= hi; c++)
			bit_set(bits, c, true);
		if (!*p || *p == '\n')
			break;
	}
	return 0;
}

void
cpuset_format(const uint64_t bits[CPUSET_WORDS], char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < CPUSET_MAX && n < len; c++) {
		if (!bit_get(bits, c))
			continue;
		unsigned e = c;
		while (e + 1 < CPUSET_MAX && bit_get(bits, e + 1))
			e++;
		int w = e == c ? snprintf(buf + n, len - n, "%s%u",
					  n ? "," : "", c)
			       : snprintf(buf + n, len - n, "%s%u-%u",
					  n ? "," : "", c, e);
		if (w < 0)
			break;
		n += (size_t)w;
		c = e;
	}
	if (n >= len)
		buf[len - 1] = '\0';
}

int
cpuset_resolve(const struct cpuset_spec *s, const uint64_t online[CPUSET_WORDS],
	       uint64_t out[CPUSET_WORDS], char *why, size_t whylen)
{
	char on[CPUSET_LIST_MAX];
	bool any = false;

	cpuset_format(online, on, sizeof(on));
	for (unsigned c = 0; c < CPUSET_MAX; c++) {
		if (bit_get(s->named, c) && !bit_get(online, c)) {
			snprintf(why, whylen,
				 "CPU %u is not online on this host (online: "
				 "%.200s)",
				 c, on);
			return -1;
		}
	}
	for (size_t i = 0; i < CPUSET_WORDS; i++) {
		out[i] = s->set[i] & online[i];
		any |= out[i] != 0;
	}
	if (!any) {
		snprintf(why, whylen,
			 "leaves no CPU to run on (online: %.200s)", on);
		return -1;
	}
	return 0;
}

int
cpuset_online(uint64_t bits[CPUSET_WORDS])
{
	char *text;
	int rc = file_read_all("/sys/devices/system/cpu/online", 65536, &text,
			       NULL);

	if (rc < 0)
		return -1;
	rc = cpuset_list_parse(text, bits);
	free(text);
	return rc;
}
