/* The jail: one spawn path for every child the toolstack confines. A
 * child is a spec naming a confinement level; the table in levels.c says
 * what each level gets, and jail_spawn() runs one short, linear sequence
 * switched by that table, ending in execve of a binary or in a call of a
 * function. Every failure before that end is fatal to the child and
 * reported to the parent over a pipe. */
#ifndef BULKHEAD_JAIL_H
#define BULKHEAD_JAIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define JAIL_BINDS_MAX 256
#define JAIL_FDS_MAX 64

/* Which child. 0 is no level: a spec that names none is refused. */
enum jail_level {
	JAIL_LEVEL_NONE = 0,
	JAIL_DM,      /* the device model (QEMU), launch.c */
	JAIL_DM_ROOT, /* the device model with dm_restrict = 0 */
	JAIL_BACKEND, /* bulkhead-blk, bulkhead-rng, backends.c */
	JAIL_WORKER,  /* the QMP worker, worker_spawn.c */
	JAIL_COPIER,  /* the save/restore copier, copier_spawn.c */
	JAIL_PROBE,   /* bulkhead-probe in a VM's namespaces, cmd_check.c */
	/* bulkhead-probe as the worker and the copier: their rows but for
	 * a root holding the probe and an exec (check --as, cmd_check.c) */
	JAIL_PROBE_WORKER,
	JAIL_PROBE_COPIER,
	JAIL_PASST, /* Debian's passt for a type=user vif, passt.c */
	JAIL_LEVELS
};

/* What the child's / is. */
enum jail_root {
	JAIL_ROOT_HOST,  /* the host's (no new root) */
	JAIL_ROOT_BARE,  /* read-only tmpfs holding only the copied binary */
	JAIL_ROOT_DM,    /* read-only tmpfs: the binary, the spec's binds,
			  * /dev/{null,zero,urandom} (and kvm), top-level links */
	JAIL_ROOT_EMPTY, /* read-only tmpfs holding nothing: a child that
			  * calls a function and needs no file by name */
	/* JAIL_ROOT_DM's, plus what a binary that sandboxes itself at
	 * start needs (passt): /proc of the jail's own pid namespace,
	 * pids only (subset=pid), read-only, for /proc/self/exe; and an
	 * empty /tmp, the mount point of its own empty root. */
	JAIL_ROOT_SELF_SANDBOX,
};

enum jail_privs {
	JAIL_PRIVS_KEEP, /* stays root */
	JAIL_PRIVS_DROP, /* jail_drop_privileges(): capabilities, bounding
			  * set, ids, no_new_privs, not dumpable, verified */
};

enum jail_landlock {
	JAIL_LL_NONE,
	JAIL_LL_NO_RULES, /* every file access handled, none granted */
	JAIL_LL_ROOT,     /* rules for what the root shows (landlock.c) */
};

enum jail_end {
	JAIL_END_EXEC, /* execve of the spec's binary, empty environment */
	JAIL_END_CALL, /* the spec's function, in the parent's image */
};

/* Resource limits a level sets, soft = hard. The fixed ones are set to
 * 0 (Xen's dm_restrict values); NOFILE and FSIZE are sized per child. */
#define JAIL_RL_CORE (1u << 0)
#define JAIL_RL_MSGQUEUE (1u << 1)
#define JAIL_RL_LOCKS (1u << 2)
#define JAIL_RL_MEMLOCK (1u << 3)
#define JAIL_RL_NOFILE (1u << 4)
#define JAIL_RL_FSIZE (1u << 5)

/* A socket family in a level's allowlist (AF_* < AF_MAX < 64). */
#define JAIL_AF(family) (1ull << (family))

/* One row of the table: everything a child of that level gets. The
 * namespace masks are CLONE_NEW* flags. */
struct jail_policy {
	const char *name;
	const char *child;     /* who runs at this level */
	unsigned long ns_new;  /* created (clone3) */
	unsigned long ns_join; /* joined through the spec's join_pidfd */
	bool cgroup;           /* enters the spec's cgroup; else the parent's */
	bool clear_env;
	bool setsid;
	const char *hostname; /* set in its new UTS namespace, or NULL */
	enum jail_root root;
	unsigned rlimits;     /* JAIL_RL_* */
	unsigned long nofile; /* RLIMIT_NOFILE; 0: the spec's (per VM) */
	enum jail_privs privs;
	bool pdeathsig; /* SIGKILL when the parent dies */
	enum jail_landlock landlock;
	bool seccomp; /* the outer filter (seccomp.c) */
	/* With the filter: the socket families socket() and socketpair()
	 * may make, JAIL_AF() bits; every other family is refused. */
	uint64_t sockets;
	enum jail_end end;
};

/* The level's row, or NULL for a level that does not exist. */
const struct jail_policy *jail_policy_get(enum jail_level level);
/* 0 if the row is coherent (a root needs a mount namespace, Landlock
 * and seccomp need a privilege drop, ...); -1 with why. */
int jail_policy_check(const struct jail_policy *p, char *why, size_t whylen);
/* The table, one line per level after a header: whitespace-separated
 * columns, or a Markdown table for the documentation. */
void jail_policies_print(FILE *out, bool markdown);

/* A read-only, nosuid, nodev bind mount of host path src at the same
 * path inside the jail. exec allows mapping it executable (libraries).
 * kind says how the host path is opened for the bind. */
struct safe_who;
enum jail_bind_kind {
	JAIL_BIND_PLAIN, /* root's own directory (firmware), as named */
	/* A file a config names (kernel, ramdisk), which a user may own a
	 * directory of: opened by safe_open's rules and bound from that fd,
	 * never by resolving the name again. */
	JAIL_BIND_CHECKED,
	/* A library (jail_libdeps): opened by sysfile's rules (root's
	 * alone, links followed on purpose) and bound from that fd. */
	JAIL_BIND_SYSTEM,
};
struct jail_bind {
	char path[PATH_MAX];
	bool exec;
	enum jail_bind_kind kind;
	const struct safe_who *who; /* checked: whose file (NULL: root) */
};

/* One child. What it gets is its level's; the spec only names the
 * child's own things (identity, fds, binary or function, sizes). */
struct jail_spec {
	enum jail_level level;
	const char *root_dir; /* host dir for the tmpfs: empty, root-owned */
	uid_t uid;
	gid_t gid;
	const char *exec_path; /* JAIL_END_EXEC; copied in when the level
				 * has a root of its own */
	char *const *argv;
	void (*fn)(void *arg); /* JAIL_END_CALL: must not return */
	void *arg;
	struct jail_bind *binds; /* JAIL_ROOT_DM */
	size_t nbinds;
	bool dev_kvm;   /* JAIL_ROOT_DM: /dev/kvm for the uid */
	const int *fds; /* fds[i] becomes fd i in the child; no other */
	size_t nfds;
	unsigned long nofile; /* when the level's nofile is 0 */
	/* RLIMIT_FSIZE, when the level sets it. The kernel refuses any
	 * write that ends past it, at any offset, so it must cover the
	 * largest read-write disk; JAIL_FSIZE_MIN otherwise (Xen's). */
	unsigned long long fsize;
	const char *cgroup; /* group to enter, exactly when the level does */
	int join_pidfd;     /* the process whose namespaces are joined */
	/* Socket families beyond the level's (JAIL_AF bits): AF_UNIX for a
	 * device model that must connect to an isolated vif's backend by
	 * path (vmdir_vif_socket); 0 otherwise. */
	uint64_t sockets_extra;
};

/* Clone, confine, and exec or call. On success *pid (and *pidfd unless
 * pidfd is NULL) describe the child: the pid-namespace init when the
 * level makes one, the joining parent in join mode. Returns once the
 * child has reached its end. -1 with why on failure. */
int jail_spawn(const struct jail_spec *s, pid_t *pid, int *pidfd, char *why,
	       size_t whylen);

/* Pieces of the sequence, exposed for tests. All return 0 or -errno and
 * write a reason to why. */
int jail_fds_install(const int *fds, size_t n, int keep_fd, int *kept);
int jail_rootfs_build(const struct jail_spec *s, char *why, size_t whylen);
#define JAIL_FSIZE_MIN (256ull * 1024)
int jail_set_rlimits(unsigned which, unsigned long nofile,
		     unsigned long long fsize, char *why, size_t whylen);
int jail_drop_privileges(uid_t uid, gid_t gid, char *why, size_t whylen);

/* Outer seccomp filter (deny-list, EPERM; sockets of the families in
 * the sockets allowlist only) and Landlock ruleset, applied after the
 * privilege drop (both need no_new_privs). */
struct jail_denied_syscall {
	const char *name;
	const char *why;
};
const struct jail_denied_syscall *jail_seccomp_denied(size_t *n);
/* ioctl commands the filter denies: those whose low 32 bits, masked
 * with mask, equal cmd. */
struct jail_denied_ioctl {
	unsigned long cmd;
	unsigned long mask;
	const char *name;
	const char *why;
};
const struct jail_denied_ioctl *jail_seccomp_denied_ioctls(size_t *n);
int jail_seccomp_apply(uint64_t sockets, char *why, size_t whylen);
int jail_landlock_abi(void);
/* The Landlock rules a kernel of ABI abi lacks, each with the kernel
 * that adds it and what stands in meanwhile, "; "-separated into buf;
 * "" when it lacks none. Returns buf. */
const char *jail_landlock_missing(int abi, char *buf, size_t len);
int jail_landlock_apply(const struct jail_spec *s, char *why, size_t whylen);

/* Libraries (and the ELF interpreter) a dynamic binary needs, found
 * without running any of its code (libdeps.c): its ELF and each
 * library's read with libelf, each name looked up in the system library
 * directories only, as the jail's loader will. Adds JAIL_BIND_SYSTEM
 * binds at the paths that loader opens; returns the count added (0 for
 * a static binary) or -1 with why. */
int jail_libdeps(const char *binary, struct jail_bind *out, size_t max,
		 char *why, size_t whylen);
/* The same with other directories (tests): search is searched in
 * order, interp may hold PT_INTERP but is not searched. */
struct jail_libdirs {
	const char *const *search;
	size_t nsearch;
	const char *const *interp;
	size_t ninterp;
};
int jail_libdeps_in(const char *binary, const struct jail_libdirs *dirs,
		    struct jail_bind *out, size_t max, char *why,
		    size_t whylen);

#endif
