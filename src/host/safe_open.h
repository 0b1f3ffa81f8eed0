/* Opening a host path that a config or a command line names, as root, on
 * a VM's behalf, without being a confused deputy. Every path of that kind
 * (disk targets, CD media, kernel, ramdisk, save and restore files, the
 * config itself) goes through here and nowhere else.
 *
 * The path is walked one component at a time from "/" (openat relative to
 * the parent, O_PATH|O_NOFOLLOW, O_DIRECTORY but for the last), so no
 * symlink, magic link or ".." is ever followed, and each directory is
 * checked on the way (the rule, as OpenSSH's StrictModes):
 *   - a directory writable by group or others must have the sticky bit;
 *   - a directory is owned by root or by one other user U; once such a
 *     U appears, the file must be owned by U (U can rename what is under
 *     its directory, so only U's own files are trusted there);
 *   - a file whose directory others may write (sticky) must have one
 *     link: anyone could have made a second name of it there;
 *   - the file must be of a type the caller allows (regular, or block
 *     device for disks and media): a FIFO, socket, char device or
 *     directory is refused after an O_PATH look, before any real open;
 *   - a symlink is followed in one case only: a block-device caller, a
 *     root-owned link in a root-owned directory that only root writes,
 *     under /dev, pointing (after at most SAFE_LINKS_MAX such steps) to a
 *     block device under /dev, as /dev/vg/lv and /dev/disk/by-id/... are.
 * The real open is then of the checked leaf's O_PATH fd (through
 * /proc/self/fd/N, O_NONBLOCK), and it must be the very inode that was
 * checked; O_NONBLOCK is then cleared.
 * A relative path is taken from the working directory's absolute name,
 * and every directory from "/" down is checked just the same. A path
 * that ends in "/" (or "/.") names a directory and is refused.
 *
 * No filesystem a user can mount is walked: before anything is looked
 * up in a directory, and before the leaf is stat'ed or opened, its mount
 * is found in /proc/self/mountinfo (statx's mount id, asked with
 * AT_STATX_DONT_SYNC: the filesystem itself is not asked) and a FUSE
 * mount (fuse, fuseblk, fuse.*, fuseblk.*) is refused: its server, a user's
 * process, answers every lookup, could stall it forever and report any
 * owner. (The real open, through the checked O_PATH fd, looks nothing
 * up again: a mount made on the name meanwhile is not entered.)
 */
#ifndef BULKHEAD_SAFE_OPEN_H
#define BULKHEAD_SAFE_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct safe_who;

/* What the named file may be (a bit set). SAFE_DIR: safe_check_root
 * only. */
enum { SAFE_REG = 1, SAFE_BLK = 2, SAFE_DIR = 4 };

#define SAFE_LINKS_MAX 8

/* Open path with flags (O_RDONLY or O_RDWR, optionally O_DIRECT) if the
 * rules above allow it. The fd is O_CLOEXEC and blocking. fd, or -errno
 * with why (which names the component at fault). */
int safe_open(const char *path, int flags, unsigned allow, char *why,
	      size_t whylen);

/* The checks of safe_open without opening the file for I/O (only
 * O_PATH): for reporting a config's errors before anything is opened. */
int safe_check(const char *path, unsigned allow, char *why, size_t whylen);

/* The same, for a path that who (safe_who.h: a config's owner) names:
 * when who is a user, not root, every directory walked must be one who
 * may search and the file one who may open with flags' access (read;
 * read and write for O_RDWR), or it is refused (EACCES) saying so. NULL
 * who is root: the calls above. */
int safe_open_as(const struct safe_who *who, const char *path, int flags,
		 unsigned allow, char *why, size_t whylen);
int safe_check_as(const struct safe_who *who, const char *path, int flags,
		  unsigned allow, char *why, size_t whylen);

/* A path root binds into a jail by name as its own (a device model's
 * firmware and module directories): the walk above with no user at all
 * (every directory on the way root's, no symlink, no FUSE), and the leaf
 * (a directory with SAFE_DIR) root's and writable by no one else, not
 * even sticky (anyone could add a file QEMU would load). Then only root
 * can change what the name leads to between this check and the bind.
 * 0, or -errno with why naming the component. */
int safe_check_root(const char *path, unsigned allow, char *why, size_t whylen);

/* Whether a filesystem type (mountinfo's) is one a user can mount. */
bool safe_fs_user_mounted(const char *fstype);
/* Whether fstype is a kernel pseudo-filesystem (proc, sysfs, cgroup,
 * ...): refused on every path, since its files act on the opener's
 * rights, not a disk's. devtmpfs (/dev) is not one of them. */
bool safe_fs_kernel_view(const char *fstype);

/* Read a whole regular file opened by safe_open, at most max bytes, into
 * a NUL-terminated heap buffer, with its fstat in st if st is not NULL.
 * 0, or -errno (-EFBIG: too large). */
int safe_read_all(const char *path, size_t max, char **out, size_t *len,
		  struct stat *st, char *why, size_t whylen);

/* A file this process creates (a save file), root-owned, mode 0600, in a
 * directory every component of which is owned by root (the rule for a
 * root-owned file, which restore then accepts). O_CREAT|O_EXCL relative
 * to the parent: nothing existing is followed or reused. */
struct safe_new {
	int dirfd; /* the parent, O_PATH */
	int fd;    /* the new file, O_WRONLY */
	char leaf[256];
	dev_t dev;
	ino_t ino;
};
int safe_create(const char *path, struct safe_new *n, char *why, size_t whylen);
/* The parent of a name root is about to make itself (a listening
 * socket): every directory on the way walked as above and owned by
 * root (one writable by others only if sticky), no symlink followed.
 * The parent's O_PATH fd in *dirfd and the last component in leaf; the
 * name itself is not looked at. 0, or -errno with why. */
int safe_parent_root(const char *path, int *dirfd, char *leaf, size_t leaflen,
		     char *why, size_t whylen);
/* Remove the new file if its name still names it (an incomplete save),
 * and close both fds. */
void safe_new_discard(struct safe_new *n);
/* Close both fds, keeping the file. */
void safe_new_close(struct safe_new *n);

#endif
