/* Where subordinate ids come from: the `subid:` line of
 * /etc/nsswitch.conf. shadow (newuidmap, newgidmap, libsubid) reads it
 * its own way, and bulkhead must see the source shadow will use: the
 * first line that starts with "subid:" (any case, at column 0) and has
 * a word after it decides, and only its first word counts; "files", or
 * no such line, means /etc/subuid and /etc/subgid. Any other word is a
 * module (libsubid_WORD.so, e.g. SSSD's) whose ranges the files do not
 * show. The file is root's, but this parser treats it as hostile text. */
#ifndef BULKHEAD_NSSWITCH_H
#define BULKHEAD_NSSWITCH_H

#include <stdbool.h>
#include <stddef.h>

#define NSSWITCH_PATH "/etc/nsswitch.conf"

struct subid_source {
	bool module;   /* a source other than the files */
	char name[56]; /* its first word, cut, unprintable bytes as '?' */
};

/* The source text names; never fails. */
void nsswitch_subid(const char *text, size_t len, struct subid_source *s);
/* The same for a file; one that does not exist names none (shadow reads
 * the files then). -1 with why if it cannot be read: the caller cannot
 * tell where shadow looks, and fails closed. */
int nsswitch_subid_file(const char *path, struct subid_source *s, char *why,
			size_t whylen);

#endif
