#include "cfgfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hand-written: xl.cfg syntax is not a format any Debian-packaged parser
 * reads (libxlutil is Xen's and not packaged separately), and the grammar
 * is small enough to review in one sitting. */

struct lexer {
	const char *p;
	const char *end;
	const char *fname;
	int line;
	bool no_line;    /* one statement given alone: no line in messages */
	const char *key; /* current statement's key, for messages */
	struct cfg_error *err;
};

static int __attribute__((format(printf, 2, 3)))
lex_fail(struct lexer *lx, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	char where[256];

	if (lx->no_line)
		snprintf(where, sizeof(where), "%s", lx->fname);
	else
		snprintf(where, sizeof(where), "%s:%d", lx->fname, lx->line);
	if (lx->key)
		snprintf(lx->err->msg, sizeof(lx->err->msg), "%s: %s: %s",
			 where, lx->key, what);
	else
		snprintf(lx->err->msg, sizeof(lx->err->msg), "%s: %s", where,
			 what);
	return -1;
}

static bool
lex_eof(const struct lexer *lx)
{
	return lx->p >= lx->end;
}

/* Skip spaces/tabs and a trailing comment; newlines too if nl is set. */
static void
lex_skip(struct lexer *lx, bool nl)
{
	while (!lex_eof(lx)) {
		char c = *lx->p;
		if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == '#') {
			while (!lex_eof(lx) && *lx->p != '\n')
				lx->p++;
		} else if (c == '\n' && nl) {
			lx->line++;
			lx->p++;
		} else {
			break;
		}
	}
}

static bool
is_key_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

static int
lex_string(struct lexer *lx, struct cfg_value *v)
{
	char quote = *lx->p++;
	char *buf = malloc(CFG_STR_MAX);
	size_t n = 0;

	if (!buf)
		return lex_fail(lx, "out of memory");
	for (;;) {
		if (lex_eof(lx) || *lx->p == '\n') {
			free(buf);
			return lex_fail(lx, "unterminated string");
		}
		unsigned char c = (unsigned char)*lx->p++;
		if (c == (unsigned char)quote)
			break;
		if (c == '\\') {
			if (lex_eof(lx) || (*lx->p != '\\' && *lx->p != '\'' &&
					    *lx->p != '"')) {
				free(buf);
				return lex_fail(lx,
						"bad escape in string "
						"(only \\\\, \\' and \\\")");
			}
			c = (unsigned char)*lx->p++;
		} else if (c < 0x20 || c == 0x7f) {
			free(buf);
			return lex_fail(
				lx, "control character 0x%02x in string", c);
		}
		if (n + 1 >= CFG_STR_MAX) {
			free(buf);
			return lex_fail(lx, "string longer than %d bytes",
					CFG_STR_MAX - 1);
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	v->type = CFG_STR;
	v->str = buf;
	return 0;
}

static int
lex_number(struct lexer *lx, struct cfg_value *v)
{
	uint64_t num = 0;

	if (*lx->p == '0' && lx->end - lx->p > 1 && lx->p[1] >= '0' &&
	    lx->p[1] <= '9')
		return lex_fail(lx, "number with leading zero");
	while (!lex_eof(lx) && *lx->p >= '0' && *lx->p <= '9') {
		unsigned d = (unsigned)(*lx->p - '0');
		if (num > (UINT64_MAX - d) / 10)
			return lex_fail(lx, "number out of range");
		num = num * 10 + d;
		lx->p++;
	}
	if (!lex_eof(lx) && (is_key_char(*lx->p) || *lx->p == '.'))
		return lex_fail(lx, "bad number");
	v->type = CFG_NUM;
	v->num = num;
	return 0;
}

static void
value_free(struct cfg_value *v)
{
	free(v->str);
	for (size_t i = 0; i < v->nitems; i++)
		value_free(&v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static int
lex_scalar(struct lexer *lx, struct cfg_value *v)
{
	v->line = lx->line;
	if (lex_eof(lx))
		return lex_fail(lx, "missing value");
	char c = *lx->p;
	if (c == '"' || c == '\'')
		return lex_string(lx, v);
	if (c >= '0' && c <= '9')
		return lex_number(lx, v);
	if (c == '-')
		return lex_fail(lx, "negative numbers are not allowed");
	if (c == '[')
		return lex_fail(lx, "nested lists are not allowed");
	if (c == '\n' || c == ';')
		return lex_fail(lx, "missing value");
	return lex_fail(lx, "bad value (expected a number, a quoted string "
			    "or a [list])");
}

static int
lex_list(struct lexer *lx, struct cfg_value *v)
{
	v->type = CFG_LIST;
	v->line = lx->line;
	lx->p++; /* '[' */
	v->items = calloc(CFG_LIST_MAX, sizeof(*v->items));
	if (!v->items)
		return lex_fail(lx, "out of memory");
	for (;;) {
		lex_skip(lx, true);
		if (lex_eof(lx))
			return lex_fail(lx, "unterminated list");
		if (*lx->p == ']') {
			lx->p++;
			return 0;
		}
		if (v->nitems == CFG_LIST_MAX)
			return lex_fail(lx, "list longer than %d items",
					CFG_LIST_MAX);
		if (lex_scalar(lx, &v->items[v->nitems]) < 0)
			return -1;
		v->nitems++;
		lex_skip(lx, true);
		if (lex_eof(lx))
			return lex_fail(lx, "unterminated list");
		if (*lx->p == ',')
			lx->p++;
		else if (*lx->p != ']')
			return lex_fail(lx, "expected ',' or ']' in list");
	}
}

static int
lex_statement(struct lexer *lx, struct cfg_entry *e)
{
	size_t n = 0;

	lx->key = NULL;
	if (!is_key_start(*lx->p))
		return lex_fail(lx, "expected a key name");
	e->line = lx->line;
	while (!lex_eof(lx) && is_key_char(*lx->p)) {
		if (n + 1 >= CFG_KEY_MAX)
			return lex_fail(lx, "key name too long");
		e->key[n++] = *lx->p++;
	}
	e->key[n] = '\0';
	lx->key = e->key;
	lex_skip(lx, false);
	if (lex_eof(lx) || *lx->p != '=')
		return lex_fail(lx, "expected '=' after the key");
	lx->p++;
	lex_skip(lx, false);
	int rc = (!lex_eof(lx) && *lx->p == '[') ? lex_list(lx, &e->val)
						 : lex_scalar(lx, &e->val);
	if (rc < 0)
		return -1;
	lex_skip(lx, false);
	if (!lex_eof(lx) && *lx->p == ';')
		lx->p++;
	lex_skip(lx, false);
	if (!lex_eof(lx) && *lx->p != '\n')
		return lex_fail(lx, "unexpected text after the value");
	return 0;
}

static int
parse_all(struct lexer *lx, size_t len, struct cfg_file *out)
{
	const char *text = lx->p;

	memset(out, 0, sizeof(*out));
	if (len > CFG_FILE_MAX)
		return lex_fail(lx, "file larger than %d bytes", CFG_FILE_MAX);
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		for (const char *q = text; q < nul; q++)
			lx->line += (*q == '\n');
		return lex_fail(lx, "NUL byte in file");
	}
	out->entries = calloc(CFG_ENTRIES_MAX, sizeof(*out->entries));
	if (!out->entries)
		return lex_fail(lx, "out of memory");
	for (;;) {
		lex_skip(lx, true);
		if (lex_eof(lx))
			return 0;
		if (out->n == CFG_ENTRIES_MAX) {
			lx->key = NULL;
			lex_fail(lx, "more than %d settings", CFG_ENTRIES_MAX);
			break;
		}
		struct cfg_entry *e = &out->entries[out->n];
		int rc = lex_statement(lx, e);
		out->n++; /* counted even on error so cfgfile_free frees it */
		if (rc < 0)
			break;
	}
	cfgfile_free(out);
	return -1;
}

int
cfgfile_parse(const char *text, size_t len, const char *fname,
	      struct cfg_file *out, struct cfg_error *err)
{
	struct lexer lx = { .p = text,
			    .end = text + len,
			    .fname = fname,
			    .line = 1,
			    .err = err };

	return parse_all(&lx, len, out);
}

static void
stamp_line(struct cfg_value *v, int line)
{
	v->line = line;
	for (size_t i = 0; i < v->nitems; i++)
		stamp_line(&v->items[i], line);
}

int
cfgfile_parse_one(const char *text, size_t len, const char *label, int line,
		  struct cfg_file *out, struct cfg_error *err)
{
	struct lexer lx = { .p = text,
			    .end = text + len,
			    .fname = label,
			    .line = 1,
			    .no_line = true,
			    .err = err };

	memset(out, 0, sizeof(*out));
	/* One line, as xl appends it: a newline would smuggle in a second
	 * statement the caller did not count. */
	if (memchr(text, '\n', len))
		return lex_fail(&lx, "a newline in a key=value argument");
	if (parse_all(&lx, len, out) < 0)
		return -1;
	if (out->n != 1) {
		cfgfile_free(out);
		return lex_fail(&lx, "expected key=value");
	}
	out->entries[0].line = line;
	stamp_line(&out->entries[0].val, line);
	return 0;
}

void
cfgfile_free(struct cfg_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		value_free(&f->entries[i].val);
	free(f->entries);
	f->entries = NULL;
	f->n = 0;
}
