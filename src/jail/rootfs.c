#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/safe_open.h"
#include "jail.h"
#include "sysfile.h"

/* Every path handled here is canonical (no symlink components, see
 * jail_libdeps and sysfile.c), and symlinks are only created after the
 * last mkdir, so building the root never follows a link out of it. */

static int
fail(char *why, size_t whylen, const char *what, const char *path)
{
	int e = errno;
	snprintf(why, whylen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

/* mkdir -p of path (absolute, inside the jail) below root. */
static int
mkdir_below(const char *root, const char *path, char *why, size_t whylen)
{
	char p[PATH_MAX];

	if (path_fmt(p, sizeof(p), "%s%s", root, path) < 0) {
		errno = ENAMETOOLONG;
		return fail(why, whylen, "path", path);
	}
	for (char *c = p + strlen(root) + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return fail(why, whylen, "mkdir", p);
		*c = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return fail(why, whylen, "mkdir", p);
	return 0;
}

/* The source of a bind: the path itself, or for a checked or system
 * bind the inode safe_open or sysfile found, through its fd
 * (/proc/self/fd/N names exactly that open file; the mount follows
 * nothing else). fd -1 if none. */
static int
bind_source(const struct jail_bind *b, char *src, size_t len, int *fd,
	    struct stat *st, char *why, size_t whylen)
{
	*fd = -1;
	switch (b->kind) {
	case JAIL_BIND_PLAIN:
		snprintf(src, len, "%s", b->path);
		return stat(b->path, st) < 0
			       ? fail(why, whylen, "stat", b->path)
			       : 0;
	case JAIL_BIND_CHECKED:
		*fd = safe_open_as(b->who, b->path, O_RDONLY, SAFE_REG, why,
				   whylen);
		break;
	case JAIL_BIND_SYSTEM:
		*fd = sysfile_open(b->path, SYSFILE_REG, NULL, 0, why, whylen);
		break;
	default:
		snprintf(why, whylen, "bind %s: unknown kind", b->path);
		return -EINVAL;
	}
	if (*fd < 0)
		return *fd;
	snprintf(src, len, "/proc/self/fd/%d", *fd);
	if (fstat(*fd, st) < 0) {
		close(*fd);
		*fd = -1;
		return fail(why, whylen, "stat", b->path);
	}
	return 0;
}

static int
bind_at(const char *root, const struct jail_bind *b, const char *src,
	const struct stat *st, char *why, size_t whylen)
{
	char dst[PATH_MAX], parent[PATH_MAX];

	if (path_fmt(dst, sizeof(dst), "%s%s", root, b->path) < 0) {
		errno = ENAMETOOLONG;
		return fail(why, whylen, "path", b->path);
	}
	if (S_ISDIR(st->st_mode)) {
		if (mkdir_below(root, b->path, why, whylen) < 0)
			return -1;
	} else {
		snprintf(parent, sizeof(parent), "%s", b->path);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			if (mkdir_below(root, parent, why, whylen) < 0)
				return -1;
		}
		int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			      0444);
		if (fd < 0)
			return fail(why, whylen, "create", dst);
		close(fd);
	}
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return fail(why, whylen, "bind", b->path);
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
			   MS_NODEV | (b->exec ? 0 : MS_NOEXEC);
	if (mount(NULL, dst, NULL, fl, NULL) < 0)
		return fail(why, whylen, "remount read-only", dst);
	return 0;
}

static int
bind_one(const char *root, const struct jail_bind *b, char *why, size_t whylen)
{
	char src[64 + PATH_MAX];
	struct stat st;
	int fd;

	if (bind_source(b, src, sizeof(src), &fd, &st, why, whylen) < 0)
		return -1;
	int rc = bind_at(root, b, src, &st, why, whylen);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Copied, not bound: a file the jailed uid cannot read makes the kernel
 * mark the process non-dumpable at exec (fs/exec.c would_dump), which
 * PR_SET_DUMPABLE alone cannot do because exec resets it. Own copy also
 * means no .text pages shared with other VMs (as Firecracker's jailer). */
static int
copy_exec(const char *root, const char *path, char *why, size_t whylen)
{
	char dst[PATH_MAX], parent[PATH_MAX];
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir_below(root, parent, why, whylen) < 0)
			return -1;
	}
	if (path_fmt(dst, sizeof(dst), "%s%s", root, path) < 0) {
		errno = ENAMETOOLONG;
		return fail(why, whylen, "path", path);
	}
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail(why, whylen, "open", path);
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(in);
		errno = EINVAL;
		return fail(why, whylen, "not a regular file:", path);
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0111);
	if (out < 0) {
		close(in);
		return fail(why, whylen, "create", dst);
	}
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			close(in);
			close(out);
			if (n == 0)
				errno = EIO;
			return fail(why, whylen, "copy", path);
		}
		left -= n;
	}
	close(in);
	if (fchmod(out, 0111) < 0 || close(out) < 0)
		return fail(why, whylen, "chmod", dst);
	return 0;
}

static int
make_dev(const char *root, const char *name, unsigned maj, unsigned min,
	 uid_t uid, gid_t gid, mode_t mode, char *why, size_t whylen)
{
	char p[PATH_MAX];

	if (path_fmt(p, sizeof(p), "%s/dev/%s", root, name) < 0) {
		errno = ENAMETOOLONG;
		return fail(why, whylen, "path", name);
	}
	if (mknod(p, S_IFCHR | mode, makedev(maj, min)) < 0)
		return fail(why, whylen, "mknod", p);
	if (chown(p, uid, gid) < 0 || chmod(p, mode) < 0)
		return fail(why, whylen, "chown", p);
	return 0;
}

/* Merged-/usr hosts have /lib -> usr/lib etc.; the dynamic loader's
 * paths need the same links inside. */
static int
copy_toplevel_links(const char *root, char *why, size_t whylen)
{
	static const char *const links[] = { "/bin",   "/sbin",  "/lib",
					     "/lib32", "/lib64", "/libx32" };
	char target[PATH_MAX], p[PATH_MAX];

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		ssize_t n = readlink(links[i], target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (path_fmt(p, sizeof(p), "%s%s", root, links[i]) < 0)
			continue;
		if (symlink(target, p) < 0 && errno != EEXIST)
			return fail(why, whylen, "symlink", p);
	}
	return 0;
}

/* For a binary that sandboxes itself (passt): an empty /tmp to mount
 * its own root on, and a procfs of the jail's pid namespace (the child
 * is already in it) showing pids only, read-only, for /proc/self/exe.
 * No /proc/sys, /proc/net or other host-wide file is in it. */
static int
self_sandbox_dirs(const char *root, char *why, size_t whylen)
{
	char p[PATH_MAX];

	if (mkdir_below(root, "/tmp", why, whylen) < 0 ||
	    mkdir_below(root, "/proc", why, whylen) < 0)
		return -1;
	if (path_fmt(p, sizeof(p), "%s/proc", root) < 0) {
		errno = ENAMETOOLONG;
		return fail(why, whylen, "path", "/proc");
	}
	if (mount("proc", p, "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "subset=pid") < 0)
		return fail(why, whylen, "mount proc on", p);
	return 0;
}

/* The tmpfs, sized for the copied binary plus a little (an empty root:
 * a few KiB), with few inodes. */
static int
mount_tmpfs(const struct jail_spec *s, bool empty, char *opts, size_t len,
	    char *why, size_t whylen)
{
	struct stat st = { 0 };

	if (!empty && stat(s->exec_path, &st) < 0)
		return fail(why, whylen, "stat", s->exec_path);
	if (empty)
		snprintf(opts, len, "mode=0555,size=16k,nr_inodes=16");
	else
		snprintf(opts, len, "mode=0755,size=%lluk,nr_inodes=4096",
			 (unsigned long long)st.st_size / 1024 + 1024);
	if (mount("bulkhead-root", s->root_dir, "tmpfs", MS_NOSUID, opts) < 0)
		return fail(why, whylen, "mount tmpfs on", s->root_dir);
	return 0;
}

int
jail_rootfs_build(const struct jail_spec *s, char *why, size_t whylen)
{
	const char *root = s->root_dir;
	const struct jail_policy *p = jail_policy_get(s->level);
	bool empty = !p || p->root == JAIL_ROOT_EMPTY;
	char opts[64];

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(why, whylen, "make / private", "");
	if (mount_tmpfs(s, empty, opts, sizeof(opts), why, whylen) < 0)
		return -1;
	/* An empty root: nothing at all (a child that calls a function
	 * holds every resource as an fd). */
	if (empty)
		goto sealed;
	for (size_t i = 0; i < s->nbinds; i++)
		if (bind_one(root, &s->binds[i], why, whylen) < 0)
			return -1;
	if (copy_exec(root, s->exec_path, why, whylen) < 0)
		return -1;
	/* A bare root: only the copied binary, no /dev nodes and no
	 * library links (a static backend that opens nothing). */
	if (p->root == JAIL_ROOT_BARE)
		goto sealed;
	if (mkdir_below(root, "/dev", why, whylen) < 0 ||
	    make_dev(root, "null", 1, 3, 0, 0, 0666, why, whylen) < 0 ||
	    make_dev(root, "zero", 1, 5, 0, 0, 0666, why, whylen) < 0 ||
	    make_dev(root, "urandom", 1, 9, 0, 0, 0666, why, whylen) < 0)
		return -1;
	if (s->dev_kvm && make_dev(root, "kvm", 10, 232, s->uid, s->gid, 0600,
				   why, whylen) < 0)
		return -1;
	if (copy_toplevel_links(root, why, whylen) < 0)
		return -1;
	if (p->root == JAIL_ROOT_SELF_SANDBOX &&
	    self_sandbox_dirs(root, why, whylen) < 0)
		return -1;
sealed:
	if (mount(NULL, root, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, opts) <
	    0)
		return fail(why, whylen, "remount read-only", root);
	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * detached unmount then drops every host mount from this namespace. */
	if (chdir(root) < 0)
		return fail(why, whylen, "chdir", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(why, whylen, "pivot_root", root);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(why, whylen, "detach old root", "");
	if (chdir("/") < 0)
		return fail(why, whylen, "chdir", "/");
	return 0;
}
