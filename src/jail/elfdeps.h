/* What one ELF object asks of the dynamic loader, read with elfutils'
 * libelf (the maintained library Debian ships), never by running any of
 * its code: its interpreter (PT_INTERP), the libraries it needs
 * (DT_NEEDED), where it asks them to be looked for (DT_RUNPATH,
 * DT_RPATH) and its own name (DT_SONAME). Read as the loader reads it:
 * through the program headers (the section headers are optional and
 * the loader ignores them), the string table found by its address in
 * a PT_LOAD segment. Every offset and size is checked against the file;
 * anything odd refuses the object. */
#ifndef BULKHEAD_ELFDEPS_H
#define BULKHEAD_ELFDEPS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define ELFDEPS_NEEDED_MAX 128
#define ELFDEPS_NAME_MAX 255    /* a DT_NEEDED or DT_SONAME string */
#define ELFDEPS_SEARCH_MAX 1024 /* a DT_RUNPATH or DT_RPATH string */

struct elfdeps {
	char interp[PATH_MAX]; /* PT_INTERP, or "" */
	bool dynamic;          /* has PT_DYNAMIC */
	char soname[ELFDEPS_NAME_MAX + 1];
	char needed[ELFDEPS_NEEDED_MAX][ELFDEPS_NAME_MAX + 1];
	size_t nneeded;
	bool has_runpath, has_rpath;
	char runpath[ELFDEPS_SEARCH_MAX];
	char rpath[ELFDEPS_SEARCH_MAX];
};

enum elfdeps_rc {
	ELFDEPS_OK = 0,
	ELFDEPS_BAD = -1,     /* not ELF, truncated, malformed, too big */
	ELFDEPS_FOREIGN = -2, /* an ELF, but not x86_64 little-endian 64-bit
			       * (the loader skips such a library) */
};

/* From an open file (read with pread, not mapped: a file that shrinks
 * meanwhile is an error, not a SIGBUS). */
enum elfdeps_rc elfdeps_read_fd(int fd, struct elfdeps *d, char *why,
				size_t whylen);
/* From memory (the fuzz harness). */
enum elfdeps_rc elfdeps_read_mem(const void *buf, size_t len, struct elfdeps *d,
				 char *why, size_t whylen);

#endif
