#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"

/* Debian 12's headers stop at ABI 2; these are the kernel's uapi values
 * for the later ABIs, used only when the running kernel reports them. */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_FS_ABI1 ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

int
jail_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

/* What each ABI after the first adds to bulkhead's rules, and what
 * confines a jailed child where the kernel lacks it (Debian 12's 6.1
 * has ABI 2). */
static const struct {
	int abi;
	const char *rule;
} ll_rules[] = {
	{ 3, "truncate rules (Linux 6.2; files are opened by the toolstack "
	     "and the root holds nothing writable)" },
	{ 4, "TCP bind/connect rules (Linux 6.7; the network namespace is "
	     "empty and seccomp allows no socket family)" },
	{ 5, "device ioctl rules (Linux 6.10; the root has only the nodes "
	     "the VM needs and seccomp denies TIOCSTI/TIOCLINUX)" },
	{ 6, "signal and abstract-socket scoping (Linux 6.12; the pid and "
	     "network namespaces, and the uid, stand in)" },
};

const char *
jail_landlock_missing(int abi, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ll_rules) / sizeof(ll_rules[0]); i++) {
		if (abi >= ll_rules[i].abi)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s",
				 used ? "; " : "", ll_rules[i].rule);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole rules only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

static int
add_path(int rfd, const char *path, uint64_t access, uint64_t handled,
	 char *why, size_t whylen)
{
	struct landlock_path_beneath_attr pb = { 0 };
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "landlock: open %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	/* Directory rights on a file are invalid: keep only file rights. */
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LANDLOCK_ACCESS_FS_EXECUTE |
			  LANDLOCK_ACCESS_FS_READ_FILE |
			  LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE |
			  LL_FS_IOCTL_DEV;
	pb.parent_fd = fd;
	pb.allowed_access = access & handled;
	long rc = syscall(SYS_landlock_add_rule, rfd,
			  LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	int e = errno;
	close(fd);
	if (rc < 0) {
		snprintf(why, whylen, "landlock: rule for %s: %s", path,
			 strerror(e));
		return -e;
	}
	return 0;
}

/* Everything the jail shows is read-only already; Landlock makes that
 * hold even against a mount or a file the jail did not mean to show:
 * read (and execute for libraries) under the binds, read+execute for the
 * binary (its mode stays 0111), read/write on the device nodes, nothing else. With ABI 4 no
 * TCP bind or connect; with ABI 6 no signals or abstract Unix sockets
 * outside the jail. With s NULL, or an empty root, no rule at all: no
 * file may be opened (JAIL_LL_NO_RULES). Returns 0 and does nothing when the kernel has no
 * Landlock (host-init reports that). */
int
jail_landlock_apply(const struct jail_spec *s, char *why, size_t whylen)
{
	int abi = jail_landlock_abi();
	struct ll_ruleset_attr attr = { 0 };
	size_t attr_size = sizeof(uint64_t);

	if (abi < 1)
		return 0;
	attr.handled_access_fs = LL_FS_ABI1;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = 2 * sizeof(uint64_t);
	}
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	uint64_t h = attr.handled_access_fs;
	int rfd =
		(int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rfd < 0) {
		snprintf(why, whylen, "landlock_create_ruleset: %s",
			 strerror(errno));
		return -errno;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && s && i < s->nbinds; i++)
		rc = add_path(rfd, s->binds[i].path,
			      LL_READ | (s->binds[i].exec
						 ? LANDLOCK_ACCESS_FS_EXECUTE
						 : 0),
			      h, why, whylen);
	const struct jail_policy *p = s ? jail_policy_get(s->level) : NULL;
	if (rc == 0 && p && p->root != JAIL_ROOT_EMPTY)
		/* exec opens the file for reading, so Landlock wants both;
		 * the 0111 mode still keeps the uid from reading it. */
		rc = add_path(rfd, s->exec_path,
			      LANDLOCK_ACCESS_FS_EXECUTE |
				      LANDLOCK_ACCESS_FS_READ_FILE,
			      h, why, whylen);
	static const char *const devs[] = { "/dev/null", "/dev/zero",
					    "/dev/urandom" };
	/* Only the device model's root has /dev; in a bare one the process
	 * may open nothing but its own binary, in an empty one nothing. */
	bool dev = p && p->root == JAIL_ROOT_DM;
	for (size_t i = 0; rc == 0 && dev && i < sizeof(devs) / sizeof(devs[0]);
	     i++)
		rc = add_path(rfd, devs[i],
			      LANDLOCK_ACCESS_FS_READ_FILE |
				      LANDLOCK_ACCESS_FS_WRITE_FILE,
			      h, why, whylen);
	if (rc == 0 && dev && s->dev_kvm)
		rc = add_path(rfd, "/dev/kvm",
			      LANDLOCK_ACCESS_FS_READ_FILE |
				      LANDLOCK_ACCESS_FS_WRITE_FILE |
				      LL_FS_IOCTL_DEV,
			      h, why, whylen);
	/* Symlinks such as /lib64 are resolved through the root directory,
	 * which needs no right: path walks are not access-checked. */
	if (rc == 0 && syscall(SYS_landlock_restrict_self, rfd, 0) < 0) {
		snprintf(why, whylen, "landlock_restrict_self: %s",
			 strerror(errno));
		rc = -errno;
	}
	close(rfd);
	return rc;
}
