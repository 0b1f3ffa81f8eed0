#include "prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool
bit_set(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static int
prefix_len(const char *s, unsigned max, unsigned *out)
{
	char *end;

	/* Digits only: strtoul would take " 8", "+8" and "0x8". */
	if (!*s || strlen(s) > 3 || strspn(s, "0123456789") != strlen(s))
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
ip_prefix_parse(const char *s, struct ip_prefix *out, char *why, size_t whylen)
{
	char buf[PREFIX_TEXT_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (strlen(s) > PREFIX_TEXT_MAX) {
		snprintf(why, whylen, "longer than %d characters",
			 PREFIX_TEXT_MAX);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	out->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	unsigned max = out->family == AF_INET ? 32 : 128;
	if (inet_pton(out->family, buf, out->addr) != 1) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 prefix", s);
		return -1;
	}
	out->len = max;
	if (slash && prefix_len(slash + 1, max, &out->len) < 0) {
		snprintf(why, whylen, "'%s': the length must be 1..%u", s, max);
		return -1;
	}
	if (out->len == 0) {
		snprintf(why, whylen,
			 "'%s' would grant every address (a length of 0)", s);
		return -1;
	}
	for (unsigned i = out->len; i < max; i++)
		if (bit_set(out->addr, i)) {
			snprintf(why, whylen,
				 "'%s' has bits set past its length (the "
				 "network is not what it says)",
				 s);
			return -1;
		}
	struct vif_ip as_ip = { .family = out->family };
	memcpy(as_ip.addr, out->addr, sizeof(as_ip.addr));
	if (vif_ip_mapped(&as_ip)) {
		snprintf(why, whylen,
			 "'%s' is IPv4-mapped IPv6 (::ffff:0:0/96): grant the "
			 "IPv4 prefix itself",
			 s);
		return -1;
	}
	return 0;
}

bool
ip_prefix_contains(const struct ip_prefix *p, const struct vif_ip *ip)
{
	if (p->family != ip->family)
		return false;
	for (unsigned i = 0; i < p->len; i++)
		if (bit_set(p->addr, i) != bit_set(ip->addr, i))
			return false;
	return true;
}

void
ip_prefix_format(const struct ip_prefix *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(out, len, "%s/%u", a, p->len);
}
