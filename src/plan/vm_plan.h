/* The VM plan: the whole contract between the toolstack and one device
 * model, computed once from the config, the identity and the host fds
 * the CLI opened. It holds QEMU's argv, the fd table QEMU inherits (each
 * slot named by what it holds, so every fd=N in the argv is looked up in
 * the table, never counted twice), the read-only binds, the cgroup
 * limits, the backends to start and who each process runs as. create,
 * create -n, restore, the monitor's launch and a take-over all use it. */
#ifndef BULKHEAD_VM_PLAN_H
#define BULKHEAD_VM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../config/config.h"
#include "../config/disk.h"
#include "../host/accounts.h"
#include "../host/blockdev.h"
#include "../host/cgroup.h"
#include "../jail/jail.h"
#include "fdtab.h"
#include "qemu_args.h"

#define PLAN_BACKENDS_MAX (CONFIG_DISKS_MAX + CONFIG_VIFS_MAX + 1)

/* Which backend program serves a device. */
enum backend_kind {
	BACKEND_BLK, /* bulkhead-blk: an isolated disk */
	BACKEND_RNG, /* bulkhead-rng */
	BACKEND_NET, /* bulkhead-net: an isolated vif, holding its tap */
};

/* A backend the monitor starts before QEMU. */
struct plan_backend {
	char dev[DISK_VDEV_MAX]; /* the disk's vdev, "vifN" or "rng" */
	enum backend_kind kind;
	unsigned disk; /* the disk's or vif's index (the socket's slot) */
	bool read_only;
	unsigned queues;
	/* Its device: blk's disk, net's tap, opened by the CLI; or -1. */
	int disk_fd;
	/* The slot QEMU's end of its socket goes in; PFD_NULL for net,
	 * whose socket QEMU connects to by path (vmdir_vif_socket). */
	enum plan_fd_kind sock;
};

/* What the CLI opened for a VM: every entry -1 where there is none. */
struct plan_host {
	int disk[CONFIG_DISKS_MAX][2]; /* QEMU's: read-only, read-write */
	int backend_disk
		[CONFIG_DISKS_MAX]; /* an isolated disk, for its backend */
	int tap[CONFIG_VIFS_MAX];
	struct blockdev io_devs[CG_IO_DEVS_MAX]; /* throttled disks' devices */
	size_t nio_devs;
};

struct plan_input {
	const struct vm_config *cfg;
	const struct dm_identity *id;    /* the device model's */
	const struct dm_identity *be_id; /* the backends', or NULL */
	bool restore;                    /* QEMU waits for the save stream */
	/* NULL for a dry run or a take-over: then the plan has no host fds
	 * and no binds (the binds are what the launch mounts). */
	const struct plan_host *host;
};

struct vm_plan {
	struct qemu_argv argv;
	struct plan_fdtab fds;
	struct jail_bind binds[JAIL_BINDS_MAX];
	size_t nbinds;
	struct cg_limits limits;
	struct plan_backend backends[PLAN_BACKENDS_MAX];
	size_t nbackends;
	struct dm_identity id;    /* the device model */
	struct dm_identity be_id; /* the backends (if any) */
	uid_t worker_uid;         /* the QMP worker */
	gid_t worker_gid;
	unsigned long nofile;     /* the device model's RLIMIT_NOFILE */
	unsigned long long fsize; /* and RLIMIT_FSIZE */
};

/* Initialise a host set with no fds; close those it holds. */
void plan_host_init(struct plan_host *h);
void plan_host_close(struct plan_host *h);
/* The one constructor. On success the plan owns the host fds of in->host
 * (vm_plan_close_fds closes them); on failure they are left to the
 * caller. 0, or -1 with why. */
int vm_plan_build(const struct plan_input *in, struct vm_plan *p, char *why,
		  size_t whylen);
/* The device model's RLIMIT_FSIZE for the fds in t (exposed for tests):
 * the largest read-write disk, or guest RAM where QEMU sizes a memfd. */
unsigned long long vm_plan_fsize(const struct vm_config *cfg,
				 const struct plan_fdtab *t);
/* Put the monitor's own fds (listeners, pipe, sockets) in their slots:
 * every slot of that kind and index. 0, or -ENOENT for no such slot. */
int vm_plan_set_fd(struct vm_plan *p, enum plan_fd_kind kind, unsigned index,
		   int fd);
/* The fd array for jail_spawn; -EBADF if a slot has no fd yet. */
int vm_plan_fd_array(const struct vm_plan *p, int *out, size_t max);
/* Close every host fd the plan holds, each once, and forget them. */
void vm_plan_close_fds(struct vm_plan *p);
void vm_plan_free(struct vm_plan *p);

#endif
