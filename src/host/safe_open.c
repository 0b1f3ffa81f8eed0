#include "safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "safe_who.h"

/* Where a walk stands: the leaf's parent, open O_PATH, and what the
 * directories on the way allow of the leaf. */
struct walk {
	char path[PATH_MAX]; /* absolute, as walked */
	int dirfd;           /* the leaf's parent */
	char leaf[NAME_MAX + 1];
	bool has_user;      /* a directory on the way is owned by user */
	uid_t user;         /* ... this one, not root */
	bool parent_shared; /* the parent is writable by others (sticky) */
	bool parent_root;   /* the parent is root's, written by root only */
	const struct safe_who *who; /* whose path: NULL or uid 0 for root */
	int want;                   /* R_OK|W_OK on the file, for who */
};

static int
refuse(int err, char *why, size_t whylen, const char *path, const char *fmt,
       const char *arg)
{
	char what[320];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(why, whylen, "%s: %s", path, what);
	return err > 0 ? -err : -EIO; /* never a success, whatever errno was */
}

/* who (a config's owner, not root) may access the inode at fd with want,
 * as the kernel would let it: else refused, saying why. */
static int
check_who(const struct walk *w, int fd, const struct stat *st, int want,
	  const char *name, char *why, size_t whylen)
{
	char what[256];
	int rc = safe_who_may(w->who, fd, st, want);

	if (rc == 0)
		return 0;
	snprintf(what, sizeof(what),
		 "uid %u, the config's owner, may not %s%s (mode %04o, owner "
		 "%u, group %u%s); a user's config names only files that "
		 "user may open",
		 (unsigned)w->who->uid,
		 want == X_OK    ? "search directory "
		 : (want & W_OK) ? "read and write "
				 : "read ",
		 name, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
		 (unsigned)st->st_gid, rc == -EACCES ? "" : ", unreadable ACL");
	return refuse(rc == -EACCES ? EACCES : -rc, why, whylen, w->path, "%s",
		      what);
}

/* path as an absolute name: a relative one from the working directory
 * (getcwd: the kernel's name of it, checked like the rest). */
static int
make_absolute(const char *path, char *out, size_t len, char *why, size_t whylen)
{
	char cwd[PATH_MAX];

	if (path[0] == '\0')
		return refuse(ENOENT, why, whylen, "''", "%s", "empty path");
	if (path[0] == '/') {
		if (path_fmt(out, len, "%s", path) < 0)
			return refuse(ENAMETOOLONG, why, whylen, "path", "%s",
				      "too long");
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)) ||
	    path_fmt(out, len, "%s/%s", cwd, path) < 0)
		return refuse(ENAMETOOLONG, why, whylen, path, "%s",
			      "too long from the working directory");
	return 0;
}

bool
safe_fs_user_mounted(const char *fstype)
{
	/* The kernel names a FUSE mount "fuse" or "fuseblk", with ".SUBTYPE"
	 * when the server gives one (fuse.sshfs, fuseblk.ntfs-3g). */
	return strcmp(fstype, "fuse") == 0 || strcmp(fstype, "fuseblk") == 0 ||
	       strncmp(fstype, "fuse.", 5) == 0 ||
	       strncmp(fstype, "fuseblk.", 8) == 0;
}

bool
safe_fs_kernel_view(const char *fstype)
{
	/* Files the kernel makes up, whose meaning (and permission check)
	 * is not a disk's: /proc/PID/uid_map written through root's fd maps
	 * its owner's namespace to host root; cgroup.procs, /proc/PID/mem,
	 * sysfs attributes act at write time with the opener's rights. */
	static const char *const kinds[] = {
		"proc",      "sysfs",     "cgroup",     "cgroup2",
		"debugfs",   "tracefs",   "securityfs", "configfs",
		"bpf",       "efivarfs",  "pstore",     "binfmt_misc",
		"fusectl",   "mqueue",    "devpts",     "nsfs",
		"pidfs",     "selinuxfs", "smackfs",    "rpc_pipefs",
		"hugetlbfs", "autofs",
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(fstype, kinds[i]) == 0)
			return true;
	return false;
}

/* The type of the mount id's filesystem, from /proc/self/mountinfo:
 * "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE SUPEROPTS"
 * (spaces in names are escaped). 0 or -errno. */
static int
mount_type(unsigned long long id, char *type, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc == -ENOENT && getline(&line, &cap, f) > 0) {
		char *end, *sep = strstr(line, " - ");
		unsigned long long got = strtoull(line, &end, 10);
		if (got != id || end == line || *end != ' ' || !sep)
			continue;
		size_t n = strcspn(sep + 3, " \n");
		rc = n < len ? 0 : -ENAMETOOLONG;
		if (rc == 0)
			snprintf(type, len, "%.*s", (int)n, sep + 3);
	}
	free(line);
	fclose(f);
	return rc;
}

/* fd (O_PATH) is on no filesystem a user mounted. Asked before fd is
 * stat'ed or anything is looked up below it; statx with DONT_SYNC
 * answers from the VFS, without a request to a FUSE server. */
static int
check_fs(const struct walk *w, int fd, const char *name, char *why,
	 size_t whylen)
{
	struct statx sx;
	char type[64];

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID,
		  &sx) < 0)
		return refuse(errno, why, whylen, w->path, "%s: cannot stat",
			      name);
	int rc = (sx.stx_mask & STATX_MNT_ID)
			 ? mount_type(sx.stx_mnt_id, type, sizeof(type))
			 : -ENOSYS;
	if (rc < 0)
		return refuse(-rc, why, whylen, w->path,
			      "%s: its mount is not in the mount table", name);
	if (safe_fs_user_mounted(type))
		return refuse(EPERM, why, whylen, w->path,
			      "%s is on a filesystem a user mounts (FUSE)",
			      name);
	if (safe_fs_kernel_view(type)) {
		snprintf(why, whylen,
			 "%s: %s is on %s, a filesystem the kernel makes up, "
			 "not storage",
			 w->path, name, type);
		return -EPERM;
	}
	return 0;
}

/* One directory on the way, open as fd, checked against the rule. */
static int
check_dir(struct walk *w, int fd, const char *name, char *why, size_t whylen)
{
	struct stat st;
	int rc = check_fs(w, fd, name, why, whylen);

	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0)
		return refuse(errno, why, whylen, w->path, "%s: cannot stat",
			      name);
	if (!S_ISDIR(st.st_mode))
		return refuse(ENOTDIR, why, whylen, w->path,
			      "%s: not a directory", name);
	rc = check_who(w, fd, &st, X_OK, name, why, whylen);
	if (rc < 0)
		return rc;
	bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
	if (others_write && !(st.st_mode & S_ISVTX))
		return refuse(EPERM, why, whylen, w->path,
			      "directory %s is writable by group or others "
			      "and not sticky",
			      name);
	if (st.st_uid != 0) {
		if (w->has_user && w->user != st.st_uid)
			return refuse(EPERM, why, whylen, w->path,
				      "directory %s belongs to a second user",
				      name);
		w->has_user = true;
		w->user = st.st_uid;
	}
	w->parent_shared = others_write;
	w->parent_root = st.st_uid == 0 && !others_write;
	return 0;
}

/* The next directory below w->dirfd, never through a symlink. */
static int
step_into(struct walk *w, const char *name, char *why, size_t whylen)
{
	int fd = openat(w->dirfd, name,
			O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		int e = errno;
		if (fstatat(w->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return refuse(ELOOP, why, whylen, w->path,
				      "%s is a symlink (not followed)", name);
		return refuse(e, why, whylen, w->path, "%s", strerror(e));
	}
	close(w->dirfd);
	w->dirfd = fd;
	return check_dir(w, fd, name, why, whylen);
}

/* Walk every directory of the absolute path in w->path, leaving the
 * last component in w->leaf and its parent open in w->dirfd. */
static int
walk_parent(struct walk *w, char *why, size_t whylen)
{
	char copy[PATH_MAX];
	char *save = NULL, *next;

	size_t len = strlen(w->path);
	if (len > 1 && (w->path[len - 1] == '/' ||
			(len > 2 && strcmp(w->path + len - 2, "/.") == 0)))
		return refuse(ENOTDIR, why, whylen, w->path, "%s",
			      "ends in '/': names a directory, not a file");
	w->has_user = false;
	w->dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0)
		return refuse(errno, why, whylen, "/", "%s", strerror(errno));
	int rc = check_dir(w, w->dirfd, "/", why, whylen);
	if (rc < 0)
		return rc;
	snprintf(copy, sizeof(copy), "%s", w->path);
	char *c = strtok_r(copy, "/", &save);
	for (; c; c = next) {
		next = strtok_r(NULL, "/", &save);
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return refuse(EPERM, why, whylen, w->path, "%s",
				      "a '..' component is not followed");
		if (strlen(c) > NAME_MAX)
			return refuse(ENAMETOOLONG, why, whylen, w->path, "%s",
				      "a component is too long");
		if (!next) {
			snprintf(w->leaf, sizeof(w->leaf), "%s", c);
			return 0;
		}
		rc = step_into(w, c, why, whylen);
		if (rc < 0)
			return rc;
	}
	return refuse(EISDIR, why, whylen, w->path, "%s", "names no file");
}

/* The leaf, judged by what the walk found above it. */
static int
check_leaf(const struct walk *w, const struct stat *st, unsigned allow,
	   char *why, size_t whylen)
{
	bool ok = (S_ISREG(st->st_mode) && (allow & SAFE_REG)) ||
		  (S_ISBLK(st->st_mode) && (allow & SAFE_BLK)) ||
		  (S_ISDIR(st->st_mode) && (allow & SAFE_DIR));

	if (!ok)
		return refuse(EINVAL, why, whylen, w->path, "%s",
			      (allow & SAFE_DIR)   ? "not a directory"
			      : (allow & SAFE_BLK) ? "not a regular file or "
						     "block device"
						   : "not a regular file");
	if (w->has_user && st->st_uid != w->user)
		return refuse(EPERM, why, whylen, w->path, "%s",
			      "the file's owner does not own the directory "
			      "it is in (only root's or the file owner's "
			      "directories are trusted)");
	if (w->parent_shared && st->st_nlink > 1)
		return refuse(EPERM, why, whylen, w->path, "%s",
			      "a file with several hard links in a directory "
			      "others may write");
	return 0;
}

/* Lexically resolve "." and ".." of an absolute name in place. Used only
 * for the target of a /dev symlink, whose directories are root's. */
static void
normalize(char *p)
{
	char out[PATH_MAX] = "";
	char *save = NULL;
	size_t n = 0;

	for (char *c = strtok_r(p, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *s = strrchr(out, '/');
			n = s ? (size_t)(s - out) : 0;
			out[n] = '\0';
			continue;
		}
		int k = snprintf(out + n, sizeof(out) - n, "/%s", c);
		n += (size_t)k < sizeof(out) - n ? (size_t)k : 0;
	}
	snprintf(p, PATH_MAX, "%s", n ? out : "/");
}

/* A symlink as leaf: followed only to a block device under /dev. The
 * next name to walk is left in w->path. */
static int
follow_dev_link(struct walk *w, const struct stat *st, unsigned allow,
		int *links, char *why, size_t whylen)
{
	char target[PATH_MAX], next[PATH_MAX * 2];

	if (!(allow & SAFE_BLK) || strncmp(w->path, "/dev/", 5) != 0)
		return refuse(ELOOP, why, whylen, w->path, "%s",
			      "is a symlink (not followed)");
	if (st->st_uid != 0 || !w->parent_root || w->has_user ||
	    ++*links > SAFE_LINKS_MAX)
		return refuse(ELOOP, why, whylen, w->path, "%s",
			      "a /dev symlink not root's alone, or too many");
	ssize_t n = readlinkat(w->dirfd, w->leaf, target, sizeof(target) - 1);
	if (n <= 0)
		return refuse(ELOOP, why, whylen, w->path, "%s",
			      "unreadable symlink");
	target[n] = '\0';
	if (target[n - 1] == '/')
		return refuse(ENOTDIR, why, whylen, w->path, "%s",
			      "a /dev symlink to a directory");
	if (target[0] == '/')
		snprintf(next, sizeof(next), "%s", target);
	else {
		snprintf(next, sizeof(next), "%s", w->path);
		*strrchr(next, '/') = '\0';
		snprintf(next + strlen(next), sizeof(next) - strlen(next),
			 "/%s", target);
	}
	if (strlen(next) >= PATH_MAX)
		return refuse(ENAMETOOLONG, why, whylen, w->path, "%s",
			      "symlink target too long");
	normalize(next);
	if (strncmp(next, "/dev/", 5) != 0)
		return refuse(ELOOP, why, whylen, w->path, "%s",
			      "a /dev symlink that leaves /dev");
	snprintf(w->path, sizeof(w->path), "%s", next);
	return 0;
}

/* The leaf, open O_PATH without following it, its filesystem checked
 * before it is stat'ed. fd, or -errno. */
static int
look_leaf(struct walk *w, struct stat *st, char *why, size_t whylen)
{
	int fd = openat(w->dirfd, w->leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	memset(st, 0, sizeof(*st)); /* never read unfilled on a failure path */
	if (fd < 0)
		return refuse(errno, why, whylen, w->path, "%s",
			      strerror(errno));
	int rc = check_fs(w, fd, w->leaf, why, whylen);
	if (rc == 0 && fstat(fd, st) == 0)
		return fd; /* only with st filled */
	if (rc == 0)
		rc = refuse(errno, why, whylen, w->path, "%s", strerror(errno));
	close(fd);
	return rc;
}

/* Walk to the leaf and check it (O_PATH only): the leaf's O_PATH fd,
 * with the walk left at its parent and st the checked leaf; or -errno. */
static int
resolve(struct walk *w, unsigned allow, struct stat *st, char *why,
	size_t whylen)
{
	int links = 0;

	for (;;) {
		int rc = walk_parent(w, why, whylen);
		if (rc < 0)
			return rc;
		int fd = look_leaf(w, st, why, whylen);
		if (fd < 0)
			return fd;
		if (!S_ISLNK(st->st_mode)) {
			rc = check_leaf(w, st, allow, why, whylen);
			if (rc == 0)
				rc = check_who(w, fd, st, w->want, "it", why,
					       whylen);
			if (rc == 0)
				return fd;
			close(fd);
			return rc;
		}
		close(fd);
		rc = follow_dev_link(w, st, allow, &links, why, whylen);
		if (rc < 0)
			return rc;
		allow = SAFE_BLK; /* a link leads to a block device only */
		close(w->dirfd);
		w->dirfd = -1;
	}
}

static int
walk_start(struct walk *w, const struct safe_who *who, int flags,
	   const char *path, char *why, size_t whylen)
{
	memset(w, 0, sizeof(*w));
	w->dirfd = -1;
	w->who = who;
	w->want = safe_who_want(flags);
	return make_absolute(path, w->path, sizeof(w->path), why, whylen);
}

int
safe_check_as(const struct safe_who *who, const char *path, int flags,
	      unsigned allow, char *why, size_t whylen)
{
	struct walk w;
	struct stat st;
	int rc = walk_start(&w, who, flags, path, why, whylen);

	if (rc == 0)
		rc = resolve(&w, allow, &st, why, whylen);
	if (rc >= 0) {
		close(rc);
		rc = 0;
	}
	if (w.dirfd >= 0)
		close(w.dirfd);
	return rc;
}

int
safe_check_root(const char *path, unsigned allow, char *why, size_t whylen)
{
	struct walk w;
	struct stat st;
	int rc = walk_start(&w, NULL, O_RDONLY, path, why, whylen);

	if (rc == 0)
		rc = resolve(&w, allow, &st, why, whylen);
	if (rc >= 0) {
		close(rc);
		rc = 0;
		if (w.has_user)
			rc = refuse(EPERM, why, whylen, w.path, "%s",
				    "a directory on the way is not root's "
				    "(root binds only what root alone can "
				    "change)");
		else if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
			rc = refuse(EPERM, why, whylen, w.path, "%s",
				    "not root's alone (owned by another, or "
				    "writable by group or others)");
	}
	if (w.dirfd >= 0)
		close(w.dirfd);
	return rc;
}

/* The checked leaf opened for I/O through its O_PATH fd: the very inode
 * checked, with no second lookup of its name. O_NONBLOCK while opening
 * (no FIFO gets here, but nothing can block), cleared after. */
static int
reopen(const struct walk *w, int pathfd, const struct stat *want, int flags,
       char *why, size_t whylen)
{
	char proc[64];
	struct stat got;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	int fd = open(proc, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return refuse(errno, why, whylen, w->path, "%s",
			      strerror(errno));
	if (fstat(fd, &got) < 0 || got.st_dev != want->st_dev ||
	    got.st_ino != want->st_ino ||
	    (got.st_mode & S_IFMT) != (want->st_mode & S_IFMT)) {
		close(fd);
		return refuse(EAGAIN, why, whylen, w->path, "%s",
			      "changed while it was being opened");
	}
	if (fd_set_nonblock(fd, false) < 0) {
		int e = errno;
		close(fd);
		return refuse(e, why, whylen, w->path, "%s", strerror(e));
	}
	return fd;
}

int
safe_open_as(const struct safe_who *who, const char *path, int flags,
	     unsigned allow, char *why, size_t whylen)
{
	struct walk w;
	struct stat want = { 0 };
	int rc = walk_start(&w, who, flags, path, why, whylen);

	if (rc == 0)
		rc = resolve(&w, allow, &want, why, whylen);
	if (rc >= 0) {
		int pathfd = rc;
		rc = reopen(&w, pathfd, &want, flags, why, whylen);
		close(pathfd);
	}
	if (w.dirfd >= 0)
		close(w.dirfd);
	return rc;
}

int
safe_check(const char *path, unsigned allow, char *why, size_t whylen)
{
	return safe_check_as(NULL, path, O_RDONLY, allow, why, whylen);
}

int
safe_open(const char *path, int flags, unsigned allow, char *why, size_t whylen)
{
	return safe_open_as(NULL, path, flags, allow, why, whylen);
}

int
safe_read_all(const char *path, size_t max, char **out, size_t *len,
	      struct stat *st, char *why, size_t whylen)
{
	int fd = safe_open(path, O_RDONLY, SAFE_REG, why, whylen);

	if (fd < 0)
		return fd;
	if (st && fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		return refuse(e, why, whylen, path, "%s", strerror(e));
	}
	int rc = fd_read_all(fd, max, out, len);
	close(fd);
	if (rc < 0)
		return refuse(-rc, why, whylen, path, "%s",
			      rc == -EFBIG ? "file too large" : strerror(-rc));
	return 0;
}

int
safe_create(const char *path, struct safe_new *n, char *why, size_t whylen)
{
	struct walk w;
	struct stat st;
	int rc = walk_start(&w, NULL, O_WRONLY, path, why, whylen);

	n->dirfd = n->fd = -1;
	if (rc == 0)
		rc = walk_parent(&w, why, whylen);
	if (rc == 0 && w.has_user)
		rc = refuse(EPERM, why, whylen, w.path, "%s",
			    "a directory on the way is not root's: a file "
			    "root creates goes in root's directories only");
	if (rc < 0)
		goto fail;
	n->fd = openat(w.dirfd, w.leaf,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (n->fd < 0 || fstat(n->fd, &st) < 0) {
		rc = refuse(errno, why, whylen, w.path, "%s", strerror(errno));
		goto fail;
	}
	n->dirfd = w.dirfd;
	snprintf(n->leaf, sizeof(n->leaf), "%s", w.leaf);
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	return 0;
fail:
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (w.dirfd >= 0)
		close(w.dirfd);
	return rc;
}

int
safe_parent_root(const char *path, int *dirfd, char *leaf, size_t leaflen,
		 char *why, size_t whylen)
{
	struct walk w;
	int rc = walk_start(&w, NULL, O_RDONLY, path, why, whylen);

	*dirfd = -1;
	if (rc == 0)
		rc = walk_parent(&w, why, whylen);
	if (rc == 0 && w.has_user)
		rc = refuse(EPERM, why, whylen, w.path, "%s",
			    "a directory on the way is not root's: a name "
			    "root makes goes in root's directories only");
	if (rc == 0 && strlen(w.leaf) >= leaflen)
		rc = refuse(ENAMETOOLONG, why, whylen, w.path, "%s",
			    "the name is too long");
	if (rc < 0) {
		if (w.dirfd >= 0)
			close(w.dirfd);
		return rc;
	}
	snprintf(leaf, leaflen, "%s", w.leaf);
	*dirfd = w.dirfd;
	return 0;
}

void
safe_new_discard(struct safe_new *n)
{
	struct stat st;

	if (n->dirfd >= 0 &&
	    fstatat(n->dirfd, n->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == n->dev && st.st_ino == n->ino)
		unlinkat(n->dirfd, n->leaf, 0);
	safe_new_close(n);
}

void
safe_new_close(struct safe_new *n)
{
	if (n->fd >= 0)
		close(n->fd);
	if (n->dirfd >= 0)
		close(n->dirfd);
	n->fd = n->dirfd = -1;
}
