/* safe_open: root opens a host path on a VM's behalf only when no user
 * but the file's owner (or root) could have redirected it. Hostile
 * layouts, each made the way an unprivileged user would make it. Needs
 * root (chown, mknod, a mount namespace); skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../src/host/safe_open.h"
#include "../../src/host/safe_who.h"
#include "child.h"

#define USER 61234u
#define OTHER 61235u

static char dir[64];
static char why[512];

static const char *
at(const char *name)
{
	static char p[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
mkfile(const char *name, uid_t uid, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
	assert_int_equal(chown(at(name), uid, uid), 0);
	assert_int_equal(chmod(at(name), mode), 0);
}

static void
mkdir_as(const char *name, uid_t uid, mode_t mode)
{
	assert_int_equal(mkdir(at(name), mode), 0);
	assert_int_equal(chown(at(name), uid, uid), 0);
	assert_int_equal(chmod(at(name), mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bh-test-safe-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Refused with err, and why says what. */
static void
refused(const char *path, unsigned allow, int err, const char *what)
{
	why[0] = '\0';
	int fd = safe_open(path, O_RDONLY, allow, why, sizeof(why));
	if (fd >= 0)
		close(fd);
	assert_int_equal(fd, -err);
	if (!strstr(why, what))
		fail_msg("%s: why '%s' lacks '%s'", path, why, what);
}

static void
test_root_file_opens_blocking(void **state)
{
	(void)state;
	mkfile("img", 0, 0600);
	int fd = safe_open(at("img"), O_RDWR, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	int fl = fcntl(fd, F_GETFL);
	assert_int_equal(fl & O_ACCMODE, O_RDWR);
	assert_false(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void
test_symlink_last(void **state)
{
	(void)state;
	mkfile("secret", 0, 0600);
	assert_int_equal(symlink(at("secret"), at("link")), 0);
	refused(at("link"), SAFE_REG, ELOOP, "symlink");
	refused(at("link"), SAFE_REG | SAFE_BLK, ELOOP, "symlink");
	assert_int_equal(safe_check(at("link"), SAFE_REG, why, sizeof(why)),
			 -ELOOP);
}

static void
test_symlink_middle_and_swapped_dir(void **state)
{
	(void)state;
	mkdir_as("real", 0, 0755);
	mkfile("real/img", 0, 0600);
	assert_int_equal(symlink(at("real"), at("via")), 0);
	refused(at("via/img"), SAFE_REG, ELOOP, "via is a symlink");
	/* A directory swapped for a symlink to another (the race, done
	 * before the open instead of during it). */
	mkdir_as("d", 0, 0755);
	mkfile("d/img", 0, 0600);
	assert_int_equal(rename(at("d"), at("d.old")), 0);
	assert_int_equal(symlink(at("real"), at("d")), 0);
	refused(at("d/img"), SAFE_REG, ELOOP, "d is a symlink");
}

static void
test_writable_dirs(void **state)
{
	(void)state;
	mkdir_as("gw", 0, 0775);
	mkfile("gw/img", 0, 0600);
	refused(at("gw/img"), SAFE_REG, EPERM, "writable by group");
	mkdir_as("ow", 0, 0757);
	mkfile("ow/img", 0, 0600);
	refused(at("ow/img"), SAFE_REG, EPERM, "writable by group or others");
	/* Sticky, as /tmp: others cannot rename what is not theirs. */
	mkdir_as("sticky", 0, 01777);
	mkfile("sticky/img", USER, 0600);
	int fd = safe_open(at("sticky/img"), O_RDONLY, SAFE_REG, why,
			   sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	/* A user's directory, writable by the user's group. */
	mkdir_as("ugw", USER, 0775);
	mkfile("ugw/img", USER, 0600);
	refused(at("ugw/img"), SAFE_REG, EPERM, "writable by group");
}

static void
test_user_dir_owner_rule(void **state)
{
	(void)state;
	mkdir_as("u", USER, 0755);
	mkfile("u/own", USER, 0600);
	mkfile("u/other", OTHER, 0600);
	mkfile("u/rootfile", 0, 0600);
	int fd = safe_open(at("u/own"), O_RDWR, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	refused(at("u/other"), SAFE_REG, EPERM, "owner does not own");
	refused(at("u/rootfile"), SAFE_REG, EPERM, "owner does not own");
	/* A root directory under the user's: the user can rename it. */
	mkdir_as("u/rootdir", 0, 0755);
	mkfile("u/rootdir/img", 0, 0600);
	refused(at("u/rootdir/img"), SAFE_REG, EPERM, "owner does not own");
	/* A second user's directory under the first's. */
	mkdir_as("u/o", OTHER, 0755);
	mkfile("u/o/img", OTHER, 0600);
	refused(at("u/o/img"), SAFE_REG, EPERM, "second user");
}

static void
test_hard_links(void **state)
{
	(void)state;
	/* A hard link to root's 0600 file in a user's directory (as
	 * fs.protected_hardlinks=0 allows any user to make). */
	mkfile("shadow", 0, 0600);
	mkdir_as("u", USER, 0755);
	assert_int_equal(link(at("shadow"), at("u/hard")), 0);
	refused(at("u/hard"), SAFE_REG, EPERM, "owner does not own");
	/* ... and in a sticky directory anyone writes. */
	mkdir_as("tmp", 0, 01777);
	assert_int_equal(link(at("shadow"), at("tmp/hard")), 0);
	refused(at("tmp/hard"), SAFE_REG, EPERM, "hard links");
	/* In root's own directory, a second name is root's doing. */
	assert_int_equal(link(at("shadow"), at("hard")), 0);
	int fd = safe_open(at("hard"), O_RDONLY, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
}

static void
test_fifo_socket_devices(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	alarm(5); /* a FIFO open that blocked would end the test here */
	refused(at("fifo"), SAFE_REG | SAFE_BLK, EINVAL, "not a regular");
	int fd = safe_open(at("fifo"), O_RDWR, SAFE_REG, why, sizeof(why));
	assert_int_equal(fd, -EINVAL);
	alarm(0);

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	refused(at("sock"), SAFE_REG | SAFE_BLK, EINVAL, "not a regular");
	close(s);

	refused("/dev/null", SAFE_REG | SAFE_BLK, EINVAL, "not a regular");
	refused(dir, SAFE_REG, EINVAL, "not a regular");
	assert_int_equal(mknod(at("blk"), S_IFBLK | 0600, makedev(7, 0)), 0);
	refused(at("blk"), SAFE_REG, EINVAL, "not a regular file");
	assert_int_equal(safe_check(at("blk"), SAFE_BLK, why, sizeof(why)), 0);
	/* A block device in a user's directory is not the user's. */
	mkdir_as("u", USER, 0755);
	assert_int_equal(mknod(at("u/blk"), S_IFBLK | 0600, makedev(7, 0)), 0);
	assert_int_equal(safe_check(at("u/blk"), SAFE_BLK, why, sizeof(why)),
			 -EPERM);
}

static void
test_proc_magic_links(void **state)
{
	(void)state;
	char p[PATH_MAX];

	mkfile("secret", 0, 0600);
	int fd = open(at("secret"), O_RDONLY);
	/* /proc is refused as a whole, before its magic links are reached:
	 * the kernel makes up its files (next test). */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	refused(p, SAFE_REG, EPERM, "proc is on proc");
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)getpid(), fd);
	refused(p, SAFE_REG | SAFE_BLK, EPERM, "proc is on proc");
	snprintf(p, sizeof(p), "/proc/self/root%s", at("secret"));
	refused(p, SAFE_REG, EPERM, "proc is on proc");
	snprintf(p, sizeof(p), "/proc/%d/root%s", (int)getpid(), at("secret"));
	refused(p, SAFE_REG, EPERM, "proc is on proc");
	/* /dev/fd and /dev/stdin lead out of /dev, into /proc. */
	refused("/dev/stdin", SAFE_REG | SAFE_BLK, ELOOP, "leaves /dev");
	refused("/dev/fd/0", SAFE_REG | SAFE_BLK, ELOOP, "fd is a symlink");
	close(fd);
}

/* Files the kernel makes up are no disk: a user's /proc/PID/uid_map,
 * opened read-write by root, would map the user's namespace onto host
 * root (the follow-up review); a cgroup or sysfs file acts on the
 * opener's rights too. Refused for root's configs and users' alike. */
static void
test_kernel_views(void **state)
{
	(void)state;
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/uid_map", (int)getpid());
	refused(p, SAFE_REG, EPERM, "a filesystem the kernel makes up");
	refused("/sys/kernel/mm/transparent_hugepage/enabled", SAFE_REG, EPERM,
		"sys is on sysfs");
	refused("/sys/fs/cgroup/pids/cgroup.procs", SAFE_REG, EPERM,
		"is on sysfs");
	assert_true(safe_fs_kernel_view("cgroup2"));
	assert_true(safe_fs_kernel_view("proc"));
	assert_false(safe_fs_kernel_view("ext4"));
	assert_false(safe_fs_kernel_view("tmpfs"));
	assert_false(safe_fs_kernel_view("devtmpfs")); /* /dev's block nodes */
	assert_false(safe_fs_kernel_view("proc2"));
}

static void
test_names(void **state)
{
	(void)state;
	char p[PATH_MAX + 64];

	mkdir_as("a", 0, 0755);
	mkfile("img", 0, 0600);
	refused(at("a/../img"), SAFE_REG, EPERM, "'..'");
	refused("", SAFE_REG, ENOENT, "empty");
	refused("/", SAFE_REG, EISDIR, "names no file");
	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	refused(p, SAFE_REG, ENAMETOOLONG, "too long");
	snprintf(p, sizeof(p), "%s/", dir);
	memset(p + strlen(p), 'b', NAME_MAX + 1);
	p[strlen(dir) + 1 + NAME_MAX + 1] = '\0';
	refused(p, SAFE_REG, ENAMETOOLONG, "too long");
	/* "." and repeated slashes are harmless. */
	snprintf(p, sizeof(p), "%s/.//img", dir);
	int fd = safe_open(p, O_RDONLY, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	/* Relative: from the working directory, checked from "/". */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	fd = safe_open("img", O_RDONLY, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chdir(cwd), 0);
}

/* A path that ends in '/' names a directory, which the kernel would
 * refuse for a file: refused, not opened as the file before it. */
static void
test_trailing_slash(void **state)
{
	(void)state;
	mkfile("img", 0, 0600);
	refused(at("img/"), SAFE_REG, ENOTDIR, "ends in '/'");
	refused(at("img//"), SAFE_REG, ENOTDIR, "ends in '/'");
	refused(at("img/."), SAFE_REG, ENOTDIR, "ends in '/'");
	assert_int_equal(safe_check(at("img/"), SAFE_REG, why, sizeof(why)),
			 -ENOTDIR);
	assert_int_equal(safe_check(at("img"), SAFE_REG, why, sizeof(why)), 0);
}

/* FUSE, whose server is a user's process, is refused on the way. */
static void
test_fs_user_mounted(void **state)
{
	(void)state;
	assert_true(safe_fs_user_mounted("fuse"));
	assert_true(safe_fs_user_mounted("fuseblk"));
	assert_true(safe_fs_user_mounted("fuse.sshfs"));
	assert_true(safe_fs_user_mounted("fuseblk.ntfs-3g"));
	assert_false(safe_fs_user_mounted("fusectl"));
	assert_false(safe_fs_user_mounted("ext4"));
	assert_false(safe_fs_user_mounted("tmpfs"));
}

/* A FUSE mount whose server never answers, in a private mount namespace:
 * any lookup below its root, any stat or open that asks the server,
 * would hang (the alarm kills the child: red). The walk must refuse it
 * from the mount table alone. */
static int
fuse_child(void)
{
	char opts[128];
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fuse < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40755,user_id=%u,"
		 "group_id=%u,allow_other",
		 fuse, USER, USER);
	if (mount("bhtest", at("mnt"), "fuse.bhtest", MS_NOSUID | MS_NODEV,
		  opts) < 0)
		return 11;
	alarm(5);
	if (safe_check(at("mnt/img"), SAFE_REG, why, sizeof(why)) != -EPERM ||
	    !strstr(why, "FUSE"))
		return 12;
	if (safe_check(at("mnt"), SAFE_REG, why, sizeof(why)) != -EPERM ||
	    !strstr(why, "FUSE"))
		return 13;
	struct safe_new n;
	if (safe_create(at("mnt/new"), &n, why, sizeof(why)) != -EPERM)
		return 14;
	int fd = safe_open(at("mnt/d/img"), O_RDONLY, SAFE_REG, why,
			   sizeof(why));
	return fd == -EPERM ? 0 : 15;
}

static void
test_fuse_refused(void **state)
{
	(void)state;
	if (access("/dev/fuse", R_OK | W_OK) < 0) {
		print_message("SKIPPED: /dev/fuse: %s: no FUSE mount to try "
			      "(the mount table rule is tested without one by "
			      "test_fs_user_mounted)\n",
			      strerror(errno));
		skip();
	}
	mkdir_as("mnt", USER, 0755);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fuse_child());
	int st = child_status(pid);
	if (st != 0)
		fail_msg("fuse child: %d (142: hung on the server)", st);
}

/* safe_check_root: what root binds into a jail by name (a device
 * model's data directories and module) must be root's alone. */
static void
root_refused(const char *path, unsigned allow, int err, const char *what)
{
	int rc = safe_check_root(path, allow, why, sizeof(why));

	if (rc != -err || !strstr(why, what))
		fail_msg("%s: %d, '%s', wanted %d and '%s'", path, rc, why,
			 -err, what);
}

static void
test_check_root(void **state)
{
	(void)state;
	mkdir_as("p", 0, 0755);
	mkdir_as("p/share", 0, 0755);
	mkdir_as("p/share/qemu", 0, 0755);
	mkfile("p/mod.so", 0, 0644);
	assert_int_equal(
		safe_check_root(at("p/share/qemu"), SAFE_DIR, why, sizeof(why)),
		0);
	assert_int_equal(
		safe_check_root(at("p/mod.so"), SAFE_REG, why, sizeof(why)), 0);
	assert_int_equal(
		safe_check_root("/usr/share", SAFE_DIR, why, sizeof(why)), 0);
	root_refused(at("p/share"), SAFE_REG, EINVAL, "not a regular file");
	root_refused(at("p/mod.so"), SAFE_DIR, EINVAL, "not a directory");
	/* A symlink, last or on the way, even to a root-owned directory. */
	assert_int_equal(symlink(at("p/share/qemu"), at("p/link")), 0);
	root_refused(at("p/link"), SAFE_DIR, ELOOP, "symlink");
	assert_int_equal(symlink(at("p/share"), at("p/slink")), 0);
	root_refused(at("p/slink/qemu"), SAFE_DIR, ELOOP, "symlink");
	/* A user's directory on the way, even with root's inside it. */
	mkdir_as("u", USER, 0755);
	mkdir_as("u/qemu", 0, 0755);
	root_refused(at("u/qemu"), SAFE_DIR, EPERM, "owner");
	mkdir_as("u/own", USER, 0755);
	root_refused(at("u/own"), SAFE_DIR, EPERM, "not root's");
	/* Writable by others: group, other, and sticky too (anyone could
	 * add a file QEMU loads). */
	assert_int_equal(chmod(at("p/share/qemu"), 0775), 0);
	root_refused(at("p/share/qemu"), SAFE_DIR, EPERM, "not root's alone");
	assert_int_equal(chmod(at("p/share/qemu"), 01777), 0);
	root_refused(at("p/share/qemu"), SAFE_DIR, EPERM, "not root's alone");
	assert_int_equal(chmod(at("p/mod.so"), 0646), 0);
	root_refused(at("p/mod.so"), SAFE_REG, EPERM, "not root's alone");
}

/* The parent of a socket root makes (bulkhead vnc --unix): root's
 * directories only, sticky if others write, no symlink on the way. */
static void
parent_refused(const char *path, int err, const char *what)
{
	char leaf[64];
	int dfd;
	int rc = safe_parent_root(path, &dfd, leaf, sizeof(leaf), why,
				  sizeof(why));

	if (rc == 0)
		close(dfd);
	if (rc != -err || !strstr(why, what))
		fail_msg("%s: %d, '%s', wanted %d and '%s'", path, rc, why,
			 -err, what);
}

static void
test_parent_root(void **state)
{
	char leaf[64];
	struct stat st, want;
	int dfd;

	(void)state;
	mkdir_as("r", 0, 0755);
	assert_int_equal(safe_parent_root(at("r/vnc.sock"), &dfd, leaf,
					  sizeof(leaf), why, sizeof(why)),
			 0);
	assert_string_equal(leaf, "vnc.sock");
	assert_int_equal(fstat(dfd, &st), 0);
	assert_int_equal(stat(at("r"), &want), 0);
	assert_true(st.st_ino == want.st_ino && st.st_dev == want.st_dev);
	close(dfd);
	/* Sticky and world-writable, as /tmp: accepted. */
	mkdir_as("t", 0, 01777);
	assert_int_equal(safe_parent_root(at("t/s"), &dfd, leaf, sizeof(leaf),
					  why, sizeof(why)),
			 0);
	close(dfd);
	mkdir_as("w", 0, 0777);
	parent_refused(at("w/s"), EPERM, "not sticky");
	mkdir_as("u", USER, 0755);
	parent_refused(at("u/s"), EPERM, "not root's");
	assert_int_equal(symlink(at("r"), at("lnk")), 0);
	parent_refused(at("lnk/s"), ELOOP, "symlink");
	parent_refused(at("r/a-name-longer-than-the-sixty-four-bytes-"
			  "the-caller-has-room-for-in-leaf"),
		       ENAMETOOLONG, "too long");
}

/* USER as a config's owner, in group GROUP too (no account needed). */
#define GROUP 61236u
static const struct safe_who user = {
	.uid = USER, .gid = USER, .ngroups = 1, .groups = { GROUP }
};

static void
user_refused(const char *path, int flags, const char *what)
{
	int fd = safe_open_as(&user, path, flags, SAFE_REG, why, sizeof(why));

	if (fd >= 0)
		close(fd);
	if (fd != -EACCES || !strstr(why, what))
		fail_msg("%s: %d, '%s', wanted EACCES and '%s'", path, fd, why,
			 what);
	assert_int_equal(
		safe_check_as(&user, path, flags, SAFE_REG, why, sizeof(why)),
		-EACCES);
}

static void
user_opens(const char *path, int flags)
{
	int fd = safe_open_as(&user, path, flags, SAFE_REG, why, sizeof(why));

	if (fd < 0)
		fail_msg("%s: %d, '%s'", path, fd, why);
	close(fd);
}

/* A user's config names only what the user may open itself: root's
 * 0600 files (review F2), files of a group it is not in, files below a
 * directory it may not search, writing a file it may only read. Root's
 * config still opens them all. */
static void
test_config_owner_access(void **state)
{
	(void)state;
	user_refused("/etc/shadow", O_RDONLY, "may not read it");
	mkfile("secret", 0, 0600);
	user_refused(at("secret"), O_RDONLY, "uid 61234, the config's owner");
	user_refused(at("secret"), O_RDWR, "may not read and write it");
	int fd = safe_open(at("secret"), O_RDWR, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	mkfile("pub", 0, 0644);
	user_opens(at("pub"), O_RDONLY);
	user_refused(at("pub"), O_RDWR, "may not read and write it");
	mkfile("grp", 0, 0640);
	assert_int_equal(chown(at("grp"), 0, GROUP), 0);
	user_opens(at("grp"), O_RDONLY);
	assert_int_equal(chown(at("grp"), 0, OTHER), 0);
	user_refused(at("grp"), O_RDONLY, "may not read");
	/* The group's bits, not other's, bind a member (the kernel's rule). */
	mkfile("nogrp", 0, 0604);
	assert_int_equal(chown(at("nogrp"), 0, GROUP), 0);
	user_refused(at("nogrp"), O_RDONLY, "may not read");
	/* The owner's bits bind the owner. */
	mkdir_as("u", USER, 0755);
	mkfile("u/own", USER, 0600);
	user_opens(at("u/own"), O_RDWR);
	mkfile("u/wo", USER, 0244);
	user_refused(at("u/wo"), O_RDONLY, "may not read");
	/* A directory the user may not search hides what is below it. */
	mkdir_as("closed", 0, 0700);
	mkfile("closed/img", 0, 0644);
	user_refused(at("closed/img"), O_RDONLY,
		     "may not search directory closed");
	fd = safe_open(at("closed/img"), O_RDONLY, SAFE_REG, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
}

/* An on-disk POSIX ACL: version 2, { le16 tag, le16 perm, le32 id }. */
static void
set_acl(const char *path, const unsigned (*e)[3], int n)
{
	unsigned char buf[4 + 8 * 8] = { 2, 0, 0, 0 };

	for (int i = 0; i < n; i++) {
		unsigned char *p = buf + 4 + 8 * i;
		p[0] = (unsigned char)e[i][0];
		p[2] = (unsigned char)e[i][1];
		for (int b = 0; b < 4; b++)
			p[4 + b] = (unsigned char)(e[i][2] >> (8 * b));
	}
	if (setxattr(path, "system.posix_acl_access", buf, 4 + 8 * (size_t)n,
		     0) < 0)
		fail_msg("setxattr %s: %s", path, strerror(errno));
}

/* The ACL decides, not the mode: a named user entry grants, the mask
 * limits it, a group entry that matches without the bit refuses even
 * when other has it. */
static void
test_config_owner_acl(void **state)
{
	(void)state;
	mkfile("acl", 0, 0600);
	const unsigned grant[][3] = { { 1, 6, 0 },
				      { 2, 6, USER },
				      { 4, 0, 0 },
				      { 0x10, 4, 0 },
				      { 0x20, 0, 0 } };
	set_acl(at("acl"), grant, 5);
	user_opens(at("acl"), O_RDONLY);
	user_refused(at("acl"), O_RDWR, "may not read and write it");
	mkfile("aclg", 0, 0604);
	const unsigned deny[][3] = { { 1, 6, 0 },
				     { 4, 4, 0 },
				     { 8, 0, GROUP },
				     { 0x10, 4, 0 },
				     { 0x20, 4, 0 } };
	set_acl(at("aclg"), deny, 5);
	user_refused(at("aclg"), O_RDONLY, "may not read it");
}

static void
test_who_of(void **state)
{
	struct safe_who w;

	(void)state;
	assert_int_equal(safe_who_of(0, &w, why, sizeof(why)), 0);
	assert_int_equal(w.uid, 0);
	/* No account: any group or none, so group and other must grant. */
	assert_int_equal(safe_who_of(USER, &w, why, sizeof(why)), 0);
	assert_true(w.no_account);
	mkfile("g", 0, 0640);
	mkfile("o", 0, 0604);
	mkfile("go", 0, 0644);
	assert_int_equal(chown(at("go"), 0, GROUP), 0);
	assert_int_equal(chown(at("o"), 0, GROUP), 0);
	assert_int_equal(chown(at("g"), 0, GROUP), 0);
	assert_int_equal(safe_check_as(&w, at("g"), O_RDONLY, SAFE_REG, why,
				       sizeof(why)),
			 -EACCES);
	assert_int_equal(safe_check_as(&w, at("o"), O_RDONLY, SAFE_REG, why,
				       sizeof(why)),
			 -EACCES);
	assert_int_equal(safe_check_as(&w, at("go"), O_RDONLY, SAFE_REG, why,
				       sizeof(why)),
			 0);
}

static void
test_read_all_cap(void **state)
{
	(void)state;
	char *text;
	size_t len;
	struct stat st = { 0 };

	mkdir_as("u", USER, 0755);
	mkfile("u/cfg", USER, 0600);
	assert_int_equal(safe_read_all(at("u/cfg"), 4, &text, &len, &st, why,
				       sizeof(why)),
			 0);
	assert_int_equal(st.st_uid, USER);
	free(text);
	mkfile("cfg", 0, 0600);
	assert_int_equal(safe_read_all(at("cfg"), 4, &text, &len, NULL, why,
				       sizeof(why)),
			 0);
	assert_int_equal(len, 4);
	assert_string_equal(text, "data");
	free(text);
	assert_int_equal(safe_read_all(at("cfg"), 3, &text, &len, NULL, why,
				       sizeof(why)),
			 -EFBIG);
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	alarm(5);
	assert_int_equal(safe_read_all(at("fifo"), 4, &text, &len, NULL, why,
				       sizeof(why)),
			 -EINVAL);
	alarm(0);
}

static void
test_create(void **state)
{
	(void)state;
	struct safe_new n;
	struct stat st;

	assert_int_equal(safe_create(at("new.save"), &n, why, sizeof(why)), 0);
	assert_int_equal(fstat(n.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	safe_new_close(&n);
	/* Never over an existing name, a symlink included. */
	assert_int_equal(safe_create(at("new.save"), &n, why, sizeof(why)),
			 -EEXIST);
	assert_int_equal(symlink(at("elsewhere"), at("dangling")), 0);
	assert_int_equal(safe_create(at("dangling"), &n, why, sizeof(why)),
			 -EEXIST);
	assert_int_equal(access(at("elsewhere"), F_OK), -1);
	/* Not through a symlinked directory, not in a user's directory. */
	mkdir_as("rootdir", 0, 0700);
	assert_int_equal(symlink(at("rootdir"), at("via")), 0);
	assert_int_equal(safe_create(at("via/x"), &n, why, sizeof(why)),
			 -ELOOP);
	mkdir_as("u", USER, 0755);
	assert_int_equal(safe_create(at("u/x"), &n, why, sizeof(why)), -EPERM);
	assert_int_equal(access(at("u/x"), F_OK), -1);
	/* Discard removes our file, and only ours. */
	assert_int_equal(safe_create(at("gone"), &n, why, sizeof(why)), 0);
	safe_new_discard(&n);
	assert_int_equal(access(at("gone"), F_OK), -1);
	assert_int_equal(safe_create(at("kept"), &n, why, sizeof(why)), 0);
	assert_int_equal(rename(at("kept"), at("moved")), 0);
	mkfile("kept", 0, 0600);
	safe_new_discard(&n);
	assert_int_equal(access(at("kept"), F_OK), 0);
}

/* In a private mount namespace, a /dev of our own: LVM and udev style
 * links to a block device are followed; others are not. */
static int
dev_links_child(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") < 0)
		return 10;
	if (mknod("/dev/loop0", S_IFBLK | 0600, makedev(7, 0)) < 0 ||
	    mkdir("/dev/vg", 0755) < 0 || symlink("../loop0", "/dev/vg/lv") ||
	    mkdir("/dev/disk", 0755) || mkdir("/dev/disk/by-id", 0755) ||
	    symlink("../../loop0", "/dev/disk/by-id/x") ||
	    symlink("/dev/vg/lv", "/dev/disk/by-id/chain") ||
	    symlink("/etc/passwd", "/dev/out") || mkdir("/dev/shm", 0755) ||
	    chmod("/dev/shm", 01777) || symlink("../loop0", "/dev/shm/x") ||
	    symlink("../loop0", "/dev/vg/userlink") ||
	    lchown("/dev/vg/userlink", USER, USER) ||
	    symlink("loop", "/dev/loop") ||
	    mknod("/dev/zero", S_IFCHR | 0666, makedev(1, 5)) ||
	    symlink("zero", "/dev/z"))
		return 11;
	unsigned blk = SAFE_REG | SAFE_BLK;
	if (safe_check("/dev/vg/lv", blk, why, sizeof(why)) != 0 ||
	    safe_check("/dev/disk/by-id/x", blk, why, sizeof(why)) != 0 ||
	    safe_check("/dev/disk/by-id/chain", blk, why, sizeof(why)) != 0)
		return 12;
	static const struct {
		const char *path;
		unsigned allow;
		int rc;
	} no[] = {
		{ "/dev/vg/lv", SAFE_REG, -ELOOP },
		{ "/dev/out", SAFE_REG | SAFE_BLK, -ELOOP },
		{ "/dev/shm/x", SAFE_REG | SAFE_BLK, -ELOOP },
		{ "/dev/vg/userlink", SAFE_REG | SAFE_BLK, -ELOOP },
		{ "/dev/loop", SAFE_REG | SAFE_BLK, -ELOOP },
		{ "/dev/z", SAFE_REG | SAFE_BLK, -EINVAL },
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (safe_check(no[i].path, no[i].allow, why, sizeof(why)) !=
		    no[i].rc) {
			fprintf(stderr, "%s: %s\n", no[i].path, why);
			return 20 + (int)i;
		}
	return 0;
}

static void
test_dev_links(void **state)
{
	(void)state;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(dev_links_child());
	int st = child_status(pid);
	if (st != 0)
		fail_msg("dev links child: %d", st);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("SKIPPED: needs root (chown, mknod, mount namespace)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_file_opens_blocking,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_last, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_symlink_middle_and_swapped_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_dirs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_user_dir_owner_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hard_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo_socket_devices, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_magic_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kernel_views, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_slash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fs_user_mounted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fuse_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_owner_access, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_owner_acl, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_who_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_all_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parent_root, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
