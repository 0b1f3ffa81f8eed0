/* Per-VM cgroups, enforced by the host kernel (not by QEMU): memory,
 * pids and CPU limits, kill-through-the-cgroup, removal. Pure v2 hosts
 * and v1/hybrid hosts, detected once per process (what differs between
 * the versions is in cgroup_v1.c and cgroup_v2.c, behind cgroup_ops.h).
 * Block I/O throttling (v1 blkio.throttle.*, v2 io.max) of the VM's
 * disks' devices. A VM's group is bulkhead/NAME in each hierarchy; the
 * monitor is never in it, so an OOM kill inside the VM cannot take the
 * toolstack with it. */
#ifndef BULKHEAD_CGROUP_H
#define BULKHEAD_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

#define CG_IO_DEVS_MAX 16

/* The folder of the VMs' groups in each hierarchy: bulkhead/NAME. */
#define CG_PARENT "bulkhead"

enum cg_mode { CG_NONE, CG_V1, CG_V2 };

struct cg_limits {
	uint64_t memory_bytes; /* 0 = no limit */
	uint64_t pids_max;     /* 0 = no limit */
	unsigned cpu_weight;   /* 1..10000 (v2 scale; v1 shares derived) */
	unsigned cpu_cap;      /* percent of one CPU, 0 = none */
	/* Block I/O, the same limits on each device; 0 = no limit. */
	uint64_t read_bps, write_bps, read_iops, write_iops;
	struct blockdev io_devs[CG_IO_DEVS_MAX];
	size_t nio_devs;
	/* The CPUs it may run on, a kernel CPU list; "" = its parent's. */
	char cpus[4096];
};

enum cg_mode cgroup_detect(void);
const char *cgroup_mode_name(enum cg_mode m);
/* Create NAME's group(s) and write the limits. A stale empty group is
 * replaced; one that still holds processes is refused. */
/* A backend's own group (VM+DEV) holds this many tasks; shared by the
 * monitor, which makes it, and check --as backend, which copies it. */
#define BACKEND_PIDS 4
/* A VM's helper children (the QMP worker, the save/restore copier) get
 * a group of their own, VM+WHAT beside the backends' VM+DEV groups (so
 * teardown kills and removes it with them): a helper its device model
 * took over can exhaust neither the host's pids nor its memory. */
#define CG_HELPER_PIDS 8
#define CG_HELPER_MEMORY_MIB 256
/* The CG_HELPER_* limits, all others unset (check --as copies them). */
void cgroup_helper_limits(struct cg_limits *l);
/* The CPUs VM's own group may run on ("" if its parent's, or none to
 * read): a VM's backends and helpers run on them too, so work the guest
 * drives stays on the CPUs its cpus (or its owner's policy) gives. */
void cgroup_vm_cpus(const char *vm, char *cpus, size_t len);
/* Make VM+what with the CG_HELPER_* limits and the VM's CPUs; its name
 * in group. */
int cgroup_helper_create(const char *vm, const char *what, char *group,
			 size_t len, char *why, size_t whylen);
int cgroup_create(const char *name, const struct cg_limits *l, char *why,
		  size_t whylen);
/* Move the calling process into NAME's group(s) (the jail child). */
int cgroup_enter_self(const char *name, char *why, size_t whylen);
/* NAME's group in a v2 hierarchy, which cgroup BPF programs attach to,
 * in buf: on a v2 host its group; on a hybrid v1 host one made (if
 * missing) in the v2 hierarchy mounted beside the controllers', which
 * cgroup_enter_self enters and cgroup_remove removes with the others.
 * 0, or -ENOTSUP on a host with no v2 hierarchy, or -errno. */
int cgroup_v2_dir(const char *name, char *buf, size_t len);
/* Processes in NAME's group; 0 if the group does not exist. */
int cgroup_count(const char *name);
/* Kill everything in the group: cgroup.kill on v2, freeze-kill-thaw on
 * v1. 0, or -errno. */
int cgroup_kill(const char *name);
/* Remove NAME's group(s), retrying for up to a second while the last
 * task of an emptied group is released; -EBUSY if processes remain. */
int cgroup_remove(const char *name);
/* A VM's device backends each have a group of their own beside the VM's:
 * bulkhead/VM+DEV ('+' is never in a VM name). */
#define CG_NAME_MAX 96
/* The group name of VM's backend for DEV. 0 or -ENAMETOOLONG. */
int cgroup_backend_name(char *buf, size_t len, const char *vm, const char *dev);
/* The groups of VM's backends that exist, up to max; returns how many.
 * DEV is what follows strlen(vm) + 1 in each name. */
size_t cgroup_backend_groups(const char *vm, char (*names)[CG_NAME_MAX],
			     size_t max);
/* The limits currently set on NAME's group (not the I/O limits). */
int cgroup_get_limits(const char *name, struct cg_limits *l);
/* Read one limit file of NAME's group into buf (tests, list). */
int cgroup_read(const char *name, const char *controller, const char *file,
		char *buf, size_t len);

#endif
