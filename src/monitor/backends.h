/* A VM's device backends, as the monitor starts them: bulkhead-blk for
 * each isolated disk, bulkhead-rng for the rng and bulkhead-net for each
 * isolated vif. Each is one process in a jail of its own at level
 * JAIL_BACKEND (its row in src/jail/levels.c: an empty read-only root
 * holding only its static binary; new pid, mount, net, ipc and uts
 * namespaces; the backend identity of accounts.h; no capabilities;
 * no_new_privs; Landlock that grants only its own binary; the outer
 * seccomp deny-list, then its own allowlist), in a cgroup of its own
 * (bulkhead/VM+DEV), holding only the fds it was given: its end of the
 * vhost-user socket and, for a disk, the disk, for a vif, the tap. */
#ifndef BULKHEAD_BACKENDS_H
#define BULKHEAD_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../config/config.h"
#include "../config/disk.h"
#include "../plan/vm_plan.h"

/* An isolated disk's, the rng's, and per vif its bulkhead-net or passt. */
#define BACKENDS_MAX PLAN_BACKENDS_MAX
#define BACKEND_MEMORY_EXTRA_MIB 64 /* a backend's group: the VM's + this */

struct backend {
	char dev[DISK_VDEV_MAX]; /* the disk's vdev, "vifN" or "rng" */
	pid_t pid;
	int pidfd;
};

struct backend_spec {
	const char *vm;  /* VM name */
	const char *dev; /* vdev, "vifN" or "rng" */
	enum backend_kind kind;
	const char *root_dir; /* empty host dir for its tmpfs root */
	uid_t uid;
	gid_t gid;
	int sock; /* its end of the vhost-user socket */
	int disk; /* the disk (blk) or the tap (net), or -1 */
	bool read_only;
	unsigned queues;
	int log_fd;          /* its stderr */
	unsigned memory_mib; /* the VM's memory: bounds what it can fault */
	unsigned cpu_weight, cpu_cap;
	const char *exec_dir; /* where bulkhead-blk/-rng/-net are; NULL:
				* beside the running binary */
};

/* The backend binary in dir, or beside the running binary if dir is
 * NULL. 0 or -errno. */
int backend_exec_path(const char *dir, enum backend_kind kind, char *out,
		      size_t len);
/* "blk", "rng" or "net". */
const char *backend_kind_name(enum backend_kind kind);
/* Spawn one backend. 0, or -1 with why. */
int backend_spawn(const struct backend_spec *b, struct backend *out, char *why,
		  size_t whylen);

#endif
