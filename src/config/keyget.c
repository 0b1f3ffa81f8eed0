#include "keyget.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pathcheck.h"

int
key_fail(struct key_ctx *k, int line, const char *fmt, ...)
{
	char what[400], w[CONFIG_WHERE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(k->err->msg, sizeof(k->err->msg), "%s: %s: %s",
		 config_where(k->cfg, line, w, sizeof(w)), k->e->key, what);
	return -1;
}

static const char *
type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_NUM:
		return "a number";
	case CFG_STR:
		return "a string";
	case CFG_LIST:
		return "a list";
	default:
		return "?";
	}
}

int
want_type(struct key_ctx *k, enum cfg_type t)
{
	if (k->e->val.type != t)
		return key_fail(k, k->e->line, "expected %s, got %s",
				type_name(t), type_name(k->e->val.type));
	return 0;
}

/* The entry's number; xl reads a quoted one ('4') as the number too.
 * Decimal only, without leading zeros: xl's strtol would read '010' as
 * octal and '0x10' as hex, and a config should not mean two things. */
static int
num_value(struct key_ctx *k, uint64_t *out)
{
	const struct cfg_value *v = &k->e->val;

	if (v->type == CFG_NUM) {
		*out = v->num;
		return 0;
	}
	if (v->type != CFG_STR) {
		want_type(k, CFG_NUM); /* says what it got */
		return -1;
	}
	const char *s = v->str;
	size_t n = strlen(s);
	bool digits = n > 0 && n <= 19 && (s[0] != '0' || n == 1);
	for (size_t i = 0; digits && i < n; i++)
		digits = s[i] >= '0' && s[i] <= '9';
	if (!digits)
		return key_fail(k, k->e->line,
				"expected a number, got '%.40s' (a quoted "
				"number is read in decimal, without leading "
				"zeros)",
				s);
	uint64_t num = 0;
	for (size_t i = 0; i < n; i++)
		num = num * 10 + (uint64_t)(s[i] - '0');
	*out = num;
	return 0;
}

int
get_num(struct key_ctx *k, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v = 0;

	if (num_value(k, &v) < 0)
		return -1;
	if (v < min || v > max)
		return key_fail(k, k->e->line, "%llu is out of range %u..%u",
				(unsigned long long)v, min, max);
	*out = (unsigned)v;
	return 0;
}

/* A rate: 0 (no limit) or min..max. */
int
get_rate(struct key_ctx *k, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (num_value(k, &v) < 0)
		return -1;
	if (v != 0 && (v < min || v > max))
		return key_fail(
			k, k->e->line,
			"%llu is out of range: 0 (no limit) or %llu..%llu",
			(unsigned long long)v, (unsigned long long)min,
			(unsigned long long)max);
	*out = v;
	return 0;
}

int
get_str(struct key_ctx *k, char *dst, size_t len)
{
	if (want_type(k, CFG_STR) < 0)
		return -1;
	if (strlen(k->e->val.str) >= len)
		return key_fail(k, k->e->line, "longer than %zu bytes",
				len - 1);
	memcpy(dst, k->e->val.str, strlen(k->e->val.str) + 1);
	return 0;
}

int
get_path(struct key_ctx *k, char *dst)
{
	char why[300];

	if (get_str(k, dst, PATH_MAX) < 0)
		return -1;
	if (pathcheck_absolute(dst, why, sizeof(why)) < 0)
		return key_fail(k, k->e->line, "%s", why);
	return 0;
}
