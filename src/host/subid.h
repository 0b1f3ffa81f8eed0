/* Subordinate id ranges: /etc/subuid and /etc/subgid, shadow's
 * "owner:start:count" lines, from which newuidmap/newgidmap let an
 * unprivileged owner map host ids into a user namespace. An id inside
 * such a range is reachable by that owner, so none of the ids bulkhead
 * gives a VM may lie in one. The files are the host's (written by root),
 * but every user named in them is untrusted; the parser fails closed: a
 * line it cannot read is an error, never skipped, since shadow might read
 * a range from it. */
#ifndef BULKHEAD_SUBID_H
#define BULKHEAD_SUBID_H

#include <stddef.h>
#include <stdint.h>

#define SUBUID_PATH "/etc/subuid"
#define SUBGID_PATH "/etc/subgid"

struct subid_range {
	char owner[40]; /* as written, cut, unprintable bytes as '?' */
	uint64_t start;
	uint64_t end; /* start + count, saturated: never wraps */
	unsigned line;
};

/* Call fn for each range in text (comments '#' and blank lines skipped);
 * fn returns non-zero to stop, and that value is returned. 0 after the
 * last line; -1 with why for a line that is not owner:start:count with
 * plain decimal numbers. */
int subid_parse(const char *text, size_t len,
		int (*fn)(const struct subid_range *r, void *arg), void *arg,
		char *why, size_t whylen);
/* Whether a range in text overlaps [lo, lo + n): 1 with the first such
 * range in *hit, 0 if none, -1 with why if the text cannot be read. */
int subid_overlap(const char *text, size_t len, uint64_t lo, uint64_t n,
		  struct subid_range *hit, char *why, size_t whylen);
/* The highest end of any range in text (0 for none); -1 with why. */
int subid_max_end(const char *text, size_t len, uint64_t *end, char *why,
		  size_t whylen);
/* One entry by its exact owner, start and count: host-init's
 * reservation of the VM id range (owner the range base account), which
 * keeps useradd from giving those ids to a new user. An entry matches
 * only if its owner is exactly owner (not cut, no unprintable byte) and
 * its start and count are exactly these. */
struct subid_entry {
	const char *owner;
	uint64_t start;
	uint64_t count;
};
/* subid_overlap, skipping the one entry ex (NULL: none). */
int subid_overlap_except(const char *text, size_t len, uint64_t lo, uint64_t n,
			 const struct subid_entry *ex, struct subid_range *hit,
			 char *why, size_t whylen);
/* 1 when text holds entry e, 0 if not, -1 with why. */
int subid_has(const char *text, size_t len, const struct subid_entry *e,
	      char *why, size_t whylen);
/* subid_overlap on a file; a file that does not exist has no ranges. */
int subid_overlap_file(const char *path, uint64_t lo, uint64_t n,
		       struct subid_range *hit, char *why, size_t whylen);
int subid_overlap_file_except(const char *path, uint64_t lo, uint64_t n,
			      const struct subid_entry *ex,
			      struct subid_range *hit, char *why,
			      size_t whylen);
int subid_has_file(const char *path, const struct subid_entry *e, char *why,
		   size_t whylen);
int subid_max_end_file(const char *path, uint64_t *end, char *why,
		       size_t whylen);

#endif
