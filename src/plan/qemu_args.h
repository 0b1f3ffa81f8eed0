/* QEMU's command line and the files its jail must show it. QEMU opens no
 * host path itself except these read-only binds: every disk, the QMP
 * channel and the console arrive as inherited fds. */
#ifndef BULKHEAD_QEMU_ARGS_H
#define BULKHEAD_QEMU_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/config.h"
#include "../jail/jail.h"
#include "fdtab.h"

#define QEMU_ARGV_MAX 256

struct qemu_argv {
	char *argv[QEMU_ARGV_MAX + 1];
	size_t n;
};

/* Queues of an isolated disk: one per vCPU, at most 8. */
unsigned qemu_blk_queues(const struct vm_config *cfg);
/* QEMU's argv for cfg; every fd it names is a slot of t. incoming
 * (restore): wait for migrate-incoming (-incoming defer). 0 or -1. */
int qemu_args_build(const struct vm_config *cfg, const struct plan_fdtab *t,
		    bool incoming, struct qemu_argv *out);
void qemu_args_free(struct qemu_argv *a);
/* Read-only binds QEMU needs besides its libraries: its prefix's data
 * directories and TCG module (each root's alone: safe_check_root), the
 * kernel and ramdisk. Returns count, or -1 with why. */
int qemu_binds(const struct vm_config *cfg, struct jail_bind *out, size_t max,
	       char *why, size_t whylen);
/* RLIMIT_NOFILE for this config. */
unsigned long qemu_nofile(const struct vm_config *cfg);

#endif
