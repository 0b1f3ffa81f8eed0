/* The jail: one short, linear sequence, run in a freshly cloned child,
 * that ends in execve of a device model or backend. Every failure before
 * exec is fatal to the child and reported to the parent over a pipe. */
#ifndef BULKHEAD_JAIL_H
#define BULKHEAD_JAIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_BINDS_MAX 256
#define JAIL_FDS_MAX 64

/* A read-only, nosuid, nodev bind mount of host path src at the same
 * path inside the jail. exec allows mapping it executable (libraries). */
struct jail_bind {
	char path[PATH_MAX];
	bool exec;
};

struct jail_spec {
	const char *root_dir; /* host dir: empty, root-owned, per VM */
	const char *hostname;
	bool confine;         /* false only for dm_restrict = 0 */
	uid_t uid;
	gid_t gid;
	const char *exec_path;  /* host binary; copied in execute-only */
	char *const *argv;
	struct jail_bind *binds;
	size_t nbinds;
	bool dev_kvm;
	/* An empty root: only the copied binary, no /dev nodes and no
	 * library links (a static backend that opens nothing). */
	bool bare;
	const int *fds; /* fds[i] becomes fd i in the jail */
	size_t nfds;
	unsigned long nofile; /* RLIMIT_NOFILE, soft = hard */
	/* RLIMIT_FSIZE, soft = hard. The kernel refuses any write that
	 * ends past it, at any offset, so it must cover the largest
	 * read-write disk; JAIL_FSIZE_MIN otherwise (Xen's 256 KiB). */
	unsigned long long fsize;
	const char *cgroup;   /* group name to enter, or NULL */
	/* >= 0: join the pid, net, ipc and uts namespaces of this pidfd's
	 * process instead of creating them (bulkhead check); the mount
	 * namespace is always new and built by the same code. */
	int join_pidfd;
};

/* Clone, confine and exec. On success *pid and *pidfd describe the child
 * (the pid-namespace init when confined). -1 with why on failure. */
int jail_spawn(const struct jail_spec *s, pid_t *pid, int *pidfd, char *why,
	       size_t whylen);

/* Pieces of the sequence, exposed for tests. All return 0 or -errno and
 * write a reason to why. */
int jail_fds_install(const int *fds, size_t n, int keep_fd, int *kept);
int jail_rootfs_build(const struct jail_spec *s, char *why, size_t whylen);
#define JAIL_FSIZE_MIN (256ull * 1024)
int jail_set_rlimits(unsigned long nofile, unsigned long long fsize, char *why,
		     size_t whylen);
int jail_drop_privileges(uid_t uid, gid_t gid, char *why, size_t whylen);

/* Outer seccomp filter (deny-list, EPERM) and Landlock ruleset, applied
 * after the privilege drop (both need no_new_privs). */
struct jail_denied_syscall {
	const char *name;
	const char *why;
};
const struct jail_denied_syscall *jail_seccomp_denied(size_t *n);
int jail_seccomp_apply(char *why, size_t whylen);
int jail_landlock_abi(void);
int jail_landlock_apply(const struct jail_spec *s, char *why, size_t whylen);

/* Libraries (and the ELF interpreter) a dynamic binary needs, found by
 * running the dynamic loader's --list as an unprivileged uid. Adds binds
 * to out; returns count added or -1 with why. */
int jail_libdeps(const char *binary, uid_t run_uid, gid_t run_gid,
		 struct jail_bind *out, size_t max, char *why, size_t whylen);

#endif
