/* A VM's device backends, as the monitor starts them: bulkhead-blk for
 * each isolated disk and bulkhead-rng for the rng. Each is one process
 * in a jail of its own at level JAIL_BACKEND (its row in
 * src/jail/levels.c: an empty read-only root holding only its static
 * binary; new pid, mount, net, ipc and uts namespaces; the backend
 * identity of accounts.h; no capabilities; no_new_privs; Landlock that
 * grants only its own binary; the outer seccomp deny-list, then its own
 * allowlist), in a cgroup of its own (bulkhead/VM+DEV), holding only the
 * fds it was given: its end of the vhost-user socket and, for a disk,
 * the disk. */
#ifndef BULKHEAD_BACKENDS_H
#define BULKHEAD_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../config/config.h"
#include "../config/disk.h"

/* An isolated disk's, the rng's, and a user vif's passt (passt.h). */
#define BACKENDS_MAX (CONFIG_DISKS_MAX + 1 + CONFIG_VIFS_MAX)
#define BACKEND_MEMORY_EXTRA_MIB 64 /* a backend's group: the VM's + this */

struct backend {
	char dev[DISK_VDEV_MAX]; /* the disk's vdev, or "rng" */
	pid_t pid;
	int pidfd;
};

struct backend_spec {
	const char *vm;       /* VM name */
	const char *dev;      /* vdev or "rng" */
	bool blk;             /* bulkhead-blk (else bulkhead-rng) */
	const char *root_dir; /* empty host dir for its tmpfs root */
	uid_t uid;
	gid_t gid;
	int sock; /* its end of the vhost-user socket */
	int disk; /* the disk (blk), or -1 */
	bool read_only;
	unsigned queues;
	int log_fd;          /* its stderr */
	unsigned memory_mib; /* the VM's memory: bounds what it can fault */
	unsigned cpu_weight, cpu_cap;
	const char *exec_dir; /* where bulkhead-blk/-rng are; NULL: beside
				* the running binary */
};

/* The backend binary in dir, or beside the running binary if dir is
 * NULL. 0 or -errno. */
int backend_exec_path(const char *dir, bool blk, char *out, size_t len);
/* Spawn one backend. 0, or -1 with why. */
int backend_spawn(const struct backend_spec *b, struct backend *out, char *why,
		  size_t whylen);

#endif
