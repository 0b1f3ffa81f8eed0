#include "sysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

/* Where the walk stands: dirfd is the directory named cur (canonical,
 * "" for "/"), rest what is still to walk. */
struct swalk {
	int dirfd;
	char cur[PATH_MAX];
	char rest[PATH_MAX];
	int links;
	const char *path; /* as asked, for messages */
};

static int
refuse(int err, char *why, size_t whylen, const struct swalk *w,
       const char *what)
{
	char p[PATH_MAX];

	text_printable(p, sizeof(p), w->path);
	snprintf(why, whylen, "%s (at %s): %s", p, w->cur[0] ? w->cur : "/",
		 what);
	return -err;
}

/* Root's alone: owned by root, written by no one else. */
static bool
root_only(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Make fd (a directory O_PATH) the walk's current one, if root's. */
static int
enter(struct swalk *w, int fd, char *why, size_t whylen)
{
	struct stat st;

	if (fd < 0)
		return refuse(errno, why, whylen, w, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || !root_only(&st)) {
		close(fd);
		return refuse(EPERM, why, whylen, w,
			      "a directory not owned by root or writable by "
			      "group or others");
	}
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = fd;
	return 0;
}

static int
go_root(struct swalk *w, char *why, size_t whylen)
{
	w->cur[0] = '\0';
	return enter(w, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), why,
		     whylen);
}

/* Take the next component of w->rest into name (empty: none left). */
static int
next_name(struct swalk *w, char *name, char *why, size_t whylen)
{
	char *r = w->rest;

	while (*r == '/')
		r++;
	size_t n = strcspn(r, "/");
	if (n > NAME_MAX)
		return refuse(ENAMETOOLONG, why, whylen, w, "name too long");
	memcpy(name, r, n);
	name[n] = '\0';
	memmove(w->rest, r + n, strlen(r + n) + 1);
	return 0;
}

/* name is a symlink in the current (root's) directory: walk its target
 * before what remained. */
static int
splice_link(struct swalk *w, const char *name, char *why, size_t whylen)
{
	char target[PATH_MAX], next[PATH_MAX];

	if (++w->links > SYSFILE_LINKS_MAX)
		return refuse(ELOOP, why, whylen, w, "too many symlinks");
	ssize_t n = readlinkat(w->dirfd, name, target, sizeof(target) - 1);
	if (n <= 0)
		return refuse(ELOOP, why, whylen, w, "unreadable symlink");
	target[n] = '\0';
	if (path_fmt(next, sizeof(next), "%s%s%s", target,
		     w->rest[0] ? "/" : "", w->rest) < 0)
		return refuse(ENAMETOOLONG, why, whylen, w, "path too long");
	memcpy(w->rest, next, sizeof(next));
	return target[0] == '/' ? go_root(w, why, whylen) : 0;
}

/* One step down into directory name (or up, for ".."). */
static int
step(struct swalk *w, const char *name, char *why, size_t whylen)
{
	if (strcmp(name, "..") == 0) {
		char *slash = strrchr(w->cur, '/');
		if (slash)
			*slash = '\0';
		return enter(
			w,
			openat(w->dirfd, "..",
			       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
			why, whylen);
	}
	size_t len = strlen(w->cur);
	if (path_fmt(w->cur + len, sizeof(w->cur) - len, "/%s", name) < 0)
		return refuse(ENAMETOOLONG, why, whylen, w, "path too long");
	return enter(w,
		     openat(w->dirfd, name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
		     why, whylen);
}

/* The last component, a regular file of root's alone. */
static int
open_leaf(struct swalk *w, const char *name, char *why, size_t whylen)
{
	struct stat st;
	size_t len = strlen(w->cur);

	if (path_fmt(w->cur + len, sizeof(w->cur) - len, "/%s", name) < 0)
		return refuse(ENAMETOOLONG, why, whylen, w, "path too long");
	/* O_NONBLOCK: whatever it is, the open cannot hang. */
	int fd = openat(w->dirfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				O_CLOEXEC);
	if (fd < 0)
		return refuse(errno, why, whylen, w, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !root_only(&st) ||
	    fd_set_nonblock(fd, false) < 0) {
		close(fd);
		return refuse(EPERM, why, whylen, w,
			      "not a regular file owned by root and "
			      "writable by root only");
	}
	return fd;
}

/* Walk w->rest to its end; the fd of what it names. */
static int
walk(struct swalk *w, enum sysfile_want want, char *why, size_t whylen)
{
	char name[NAME_MAX + 1];
	struct stat st;

	for (;;) {
		int rc = next_name(w, name, why, whylen);
		if (rc < 0)
			return rc;
		if (!name[0])
			break; /* the path ended on a directory */
		if (strcmp(name, ".") == 0)
			continue;
		bool up = strcmp(name, "..") == 0;
		if (!up &&
		    fstatat(w->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			size_t len = strlen(w->cur);
			snprintf(w->cur + len, sizeof(w->cur) - len, "/%s",
				 name);
			return refuse(errno, why, whylen, w, strerror(errno));
		}
		if (up || S_ISDIR(st.st_mode))
			rc = step(w, name, why, whylen);
		else if (S_ISLNK(st.st_mode))
			rc = splice_link(w, name, why, whylen);
		else if (want == SYSFILE_REG && !w->rest[0])
			return open_leaf(w, name, why, whylen);
		else
			rc = refuse(ENOTDIR, why, whylen, w, "not a directory");
		if (rc < 0)
			return rc;
	}
	if (want != SYSFILE_DIR)
		return refuse(EISDIR, why, whylen, w, "is a directory");
	int fd = w->dirfd;
	w->dirfd = -1;
	return fd;
}

int
sysfile_open(const char *path, enum sysfile_want want, char *real,
	     size_t reallen, char *why, size_t whylen)
{
	struct swalk w = { .dirfd = -1, .path = path };

	if (path[0] != '/' || path_fmt(w.rest, sizeof(w.rest), "%s", path) < 0)
		return refuse(EINVAL, why, whylen, &w,
			      "not an absolute path that fits");
	int rc = go_root(&w, why, whylen);
	if (rc == 0)
		rc = walk(&w, want, why, whylen);
	if (w.dirfd >= 0)
		close(w.dirfd);
	if (rc >= 0 && real &&
	    path_fmt(real, reallen, "%s", w.cur[0] ? w.cur : "/") < 0) {
		close(rc);
		return refuse(ENAMETOOLONG, why, whylen, &w, "path too long");
	}
	return rc;
}

int
sysfile_beneath(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return p[0] == '/';
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}
