#include "nsswitch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/util.h"

#define NSSWITCH_MAX (1u << 20)

static bool
space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* The first word after "subid:" in line s (n bytes, its newline
 * included when it has one, as getline gives it to shadow); false when
 * the line does not decide. shadow stops at a NUL (strlen), skips lines
 * shorter than 8 bytes and those starting with '#', skips isspace()
 * after the colon and ends the word at ' ', '\t' or '\n'. */
static bool
line_source(const char *s, size_t n, struct subid_source *out)
{
	const char *z = memchr(s, '\0', n);
	size_t i = 6, w, k;

	n = z ? (size_t)(z - s) : n;
	if (n < 8 || s[0] == '#' || strncasecmp(s, "subid:", 6) != 0)
		return false;
	while (i < n && space(s[i]))
		i++;
	if (i == n)
		return false;
	for (w = i; w < n && s[w] != ' ' && s[w] != '\t' && s[w] != '\n';)
		w++;
	for (k = 0; k < w - i && k + 1 < sizeof(out->name); k++)
		out->name[k] =
			(s[i + k] > ' ' && s[i + k] < 0x7f) ? s[i + k] : '?';
	out->name[k] = '\0';
	out->module = !(w - i == 5 && memcmp(s + i, "files", 5) == 0);
	return true;
}

void
nsswitch_subid(const char *text, size_t len, struct subid_source *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "files");
	for (size_t off = 0; off < len;) {
		const char *l = text + off;
		const char *nl = memchr(l, '\n', len - off);
		size_t n = nl ? (size_t)(nl - l) + 1 : len - off;

		off += n;
		if (line_source(l, n, s))
			return;
	}
}

int
nsswitch_subid_file(const char *path, struct subid_source *s, char *why,
		    size_t whylen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = file_read_all(path, NSSWITCH_MAX, &text, &len);

	if (rc < 0 && rc != -ENOENT) {
		snprintf(why, whylen,
			 "%s: %s: cannot tell where subordinate "
			 "ids come from",
			 path, strerror(-rc));
		return -1;
	}
	nsswitch_subid(text ? text : "", rc < 0 ? 0 : len, s);
	free(text);
	return 0;
}
