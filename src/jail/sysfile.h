/* Opening a file of the system's own (a shared library, the ELF
 * interpreter) by the name the dynamic loader uses. Such names pass
 * through symlinks by design (libz.so.1 -> libz.so.1.2.13, /lib ->
 * usr/lib, /lib64/ld-linux-x86-64.so.2 -> ../lib/...), so links are
 * followed on purpose, but only where nobody but root could have made
 * them: the walk goes one component at a time from "/" (openat with
 * O_NOFOLLOW, never a path resolution by the kernel), and
 *   - every directory on the way, including each one a link is found in
 *     or leads through, is owned by root and not writable by group or
 *     others (so no sticky /tmp either);
 *   - the file is a regular file owned by root, not writable by group
 *     or others;
 *   - at most SYSFILE_LINKS_MAX links are followed.
 * What a non-root user owns or may write never takes part. */
#ifndef BULKHEAD_SYSFILE_H
#define BULKHEAD_SYSFILE_H

#include <stddef.h>

#define SYSFILE_LINKS_MAX 40

enum sysfile_want {
	SYSFILE_REG, /* a regular file, opened O_RDONLY */
	SYSFILE_DIR, /* a directory, opened O_PATH */
};

/* Open absolute path by the rules above. real (if not NULL) receives
 * the canonical name of what was opened (no link, "." or ".."). An fd
 * (O_CLOEXEC), or -errno with why: -ENOENT when a component does not
 * exist, -EPERM when one is not root's alone. */
int sysfile_open(const char *path, enum sysfile_want want, char *real,
		 size_t reallen, char *why, size_t whylen);

/* 1 if canonical path p is dir or lies beneath it, else 0. */
int sysfile_beneath(const char *p, const char *dir);

#endif
