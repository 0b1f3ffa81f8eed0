#include "subid.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

#define SUBID_FILE_MAX (8u << 20)

/* A plain decimal number: digits only, no sign, blank or leading zero
 * (shadow has read numbers with strtoul base 0, where 010 is 8: a form
 * two readers could disagree on is refused). Too large saturates. */
static bool
parse_num(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return true;
}

static void
set_owner(struct subid_range *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < sizeof(r->owner); i++)
		r->owner[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	r->owner[i] = '\0';
}

/* One line (without its newline) into r. */
static bool
parse_line(const char *s, size_t n, struct subid_range *r)
{
	const char *c1 = memchr(s, ':', n);
	const char *c2 =
		c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s)) : NULL;
	uint64_t count;

	if (!c1 || !c2 || c1 == s)
		return false;
	const char *num2 = c2 + 1;
	size_t n2 = n - (size_t)(num2 - s);
	if (!parse_num(c1 + 1, (size_t)(c2 - c1 - 1), &r->start) ||
	    !parse_num(num2, n2, &count))
		return false; /* a third ':' is not a digit either */
	set_owner(r, s, (size_t)(c1 - s));
	r->end = r->start > UINT64_MAX - count ? UINT64_MAX : r->start + count;
	return true;
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

int
subid_parse(const char *text, size_t len,
	    int (*fn)(const struct subid_range *r, void *arg), void *arg,
	    char *why, size_t whylen)
{
	unsigned line = 0;

	for (size_t off = 0; off < len;) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		struct subid_range r;

		off += n + 1;
		line++;
		if (blank(s, n) || s[0] == '#')
			continue;
		memset(&r, 0, sizeof(r));
		r.line = line;
		if (memchr(s, '\0', n) || !parse_line(s, n, &r)) {
			snprintf(why, whylen,
				 "line %u is not owner:start:count with "
				 "plain decimal numbers",
				 line);
			return -1;
		}
		int rc = fn(&r, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* Whether r is exactly e. An owner set_owner cut or changed cannot
 * match: e's owner must fit whole and hold no '?'. */
static bool
is_entry(const struct subid_range *r, const struct subid_entry *e)
{
	size_t n = strlen(e->owner);

	return n > 0 && n + 1 < sizeof(r->owner) && !strchr(e->owner, '?') &&
	       strcmp(r->owner, e->owner) == 0 && r->start == e->start &&
	       e->count <= UINT64_MAX - e->start &&
	       r->end == e->start + e->count;
}

struct overlap {
	uint64_t lo, hi; /* [lo, hi) */
	const struct subid_entry *ex;
	struct subid_range *hit;
};

static int
overlap_one(const struct subid_range *r, void *arg)
{
	struct overlap *o = arg;

	if (o->ex && is_entry(r, o->ex))
		return 0;
	if (r->start < r->end && r->start < o->hi && o->lo < r->end) {
		*o->hit = *r;
		return 1;
	}
	return 0;
}

int
subid_overlap_except(const char *text, size_t len, uint64_t lo, uint64_t n,
		     const struct subid_entry *ex, struct subid_range *hit,
		     char *why, size_t whylen)
{
	struct overlap o = { lo, lo > UINT64_MAX - n ? UINT64_MAX : lo + n, ex,
			     hit };

	return subid_parse(text, len, overlap_one, &o, why, whylen);
}

int
subid_overlap(const char *text, size_t len, uint64_t lo, uint64_t n,
	      struct subid_range *hit, char *why, size_t whylen)
{
	return subid_overlap_except(text, len, lo, n, NULL, hit, why, whylen);
}

struct wanted {
	const struct subid_entry *e;
};

static int
has_one(const struct subid_range *r, void *arg)
{
	const struct wanted *w = arg;

	return is_entry(r, w->e) ? 1 : 0;
}

int
subid_has(const char *text, size_t len, const struct subid_entry *e, char *why,
	  size_t whylen)
{
	struct wanted w = { e };

	return subid_parse(text, len, has_one, &w, why, whylen);
}

static int
max_one(const struct subid_range *r, void *arg)
{
	uint64_t *end = arg;

	if (r->start < r->end && r->end > *end)
		*end = r->end;
	return 0;
}

int
subid_max_end(const char *text, size_t len, uint64_t *end, char *why,
	      size_t whylen)
{
	*end = 0;
	return subid_parse(text, len, max_one, end, why, whylen);
}

/* The file's text; NULL with *len 0 when it does not exist. */
static int
read_file(const char *path, char **text, size_t *len, char *why, size_t whylen)
{
	int rc = file_read_all(path, SUBID_FILE_MAX, text, len);

	if (rc == -ENOENT) {
		*text = NULL;
		*len = 0;
		return 0;
	}
	if (rc < 0)
		snprintf(why, whylen, "%s: %s", path, strerror(-rc));
	return rc < 0 ? -1 : 0;
}

int
subid_overlap_file(const char *path, uint64_t lo, uint64_t n,
		   struct subid_range *hit, char *why, size_t whylen)
{
	return subid_overlap_file_except(path, lo, n, NULL, hit, why, whylen);
}

int
subid_has_file(const char *path, const struct subid_entry *e, char *why,
	       size_t whylen)
{
	char *text, msg[160];
	size_t len;

	if (read_file(path, &text, &len, why, whylen) < 0)
		return -1;
	int rc = subid_has(text ? text : "", len, e, msg, sizeof(msg));
	if (rc < 0)
		snprintf(why, whylen, "%s: %s", path, msg);
	free(text);
	return rc;
}

int
subid_overlap_file_except(const char *path, uint64_t lo, uint64_t n,
			  const struct subid_entry *ex, struct subid_range *hit,
			  char *why, size_t whylen)
{
	char *text, msg[160];
	size_t len;

	if (read_file(path, &text, &len, why, whylen) < 0)
		return -1;
	int rc = subid_overlap_except(text ? text : "", len, lo, n, ex, hit,
				      msg, sizeof(msg));
	if (rc < 0)
		snprintf(why, whylen, "%s: %s", path, msg);
	free(text);
	return rc;
}

int
subid_max_end_file(const char *path, uint64_t *end, char *why, size_t whylen)
{
	char *text, msg[160];
	size_t len;

	if (read_file(path, &text, &len, why, whylen) < 0)
		return -1;
	int rc = subid_max_end(text ? text : "", len, end, msg, sizeof(msg));
	if (rc < 0)
		snprintf(why, whylen, "%s: %s", path, msg);
	free(text);
	return rc;
}
