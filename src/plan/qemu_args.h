/* QEMU's command line and the files its jail must show it. QEMU opens no
 * host path itself except these read-only binds: every disk, the QMP
 * channel and the console arrive as inherited fds. */
#ifndef BULKHEAD_QEMU_ARGS_H
#define BULKHEAD_QEMU_ARGS_H

#include <stddef.h>

#include "../config/config.h"
#include "../jail/jail.h"

#define QEMU_ARGV_MAX 256

/* Fd numbers as the device model sees them (jail_spec.fds order). */
enum {
	DM_FD_STDIN = 0,
	DM_FD_STDOUT = 1,
	DM_FD_STDERR = 2,
	DM_FD_QMP = 3,
	DM_FD_CONSOLE = 4,
	DM_FD_DISKS = 5, /* per disk: a read-only fd, then (rw) a rw fd,
			  * or an isolated disk's vhost-user socket; then
			  * one tap fd per vif; then the rng's socket */
};

struct qemu_argv {
	char *argv[QEMU_ARGV_MAX + 1];
	size_t n;
};

/* Fd number of disk i's read-only and read-write fds. */
int qemu_disk_fd(const struct vm_config *cfg, size_t disk, int rw);
/* Fd number of vif i's tap (after all disk fds). */
int qemu_vif_fd(const struct vm_config *cfg, size_t vif);
/* Fd number of the isolated rng's vhost-user socket (after the taps). */
int qemu_rng_fd(const struct vm_config *cfg);
/* Queues of an isolated disk: one per vCPU, at most 8. */
unsigned qemu_blk_queues(const struct vm_config *cfg);
/* Number of fds the device model inherits. */
size_t qemu_fd_count(const struct vm_config *cfg);
int qemu_args_build(const struct vm_config *cfg, struct qemu_argv *out);
void qemu_args_free(struct qemu_argv *a);
/* For restore: wait for migrate-incoming (-incoming defer). */
int qemu_args_incoming(struct qemu_argv *a);
/* Read-only binds QEMU needs besides its libraries. Returns count or -1. */
int qemu_binds(const struct vm_config *cfg, struct jail_bind *out, size_t max);
/* RLIMIT_NOFILE for this config. */
unsigned long qemu_nofile(const struct vm_config *cfg);

#endif
