/* The per-VM monitor: started by `create`, it outlives the CLI. It
 * launches the device model through the jail, hands the QMP connection
 * to its unprivileged QMP worker and drives QMP through it, logs the
 * console with a size cap, notices the device model's exit and tears the
 * VM down, and serves the CLI over a root-only socket. */
#ifndef BULKHEAD_MONITOR_H
#define BULKHEAD_MONITOR_H

#include <stdnoreturn.h>

#include "../config/config.h"
#include "../host/record.h"
#include "../plan/vm_plan.h"

struct monitor_launch {
	struct vm_config cfg;
	struct vm_record rec;
	/* Everything the device model is started with, and who runs it
	 * (vm_plan_build); it holds the host fds the CLI opened. A
	 * take-over's plan has no fds: it uses the identities. */
	struct vm_plan plan;
	int cd_fds
		[CONFIG_DISKS_MAX]; /* per disk: a CD-ROM's first medium, or -1 */
	char qemu_log
		[PATH_MAX]; /* QEMU's stdout/stderr, capped by the monitor */
	char root_dir[PATH_MAX];
	int ready_fd;      /* "ok ..." or "error: ..." for the waiting CLI */
	bool start_paused; /* create -p: leave the vCPUs stopped */
	int restore_fd;    /* restore: the save file (read-only), or -1 */
};

noreturn void monitor_main(struct monitor_launch *ml);
/* Take over a running VM whose monitor died: ml holds its record and its
 * config (from the runtime dir). Connects to the device model's QMP and
 * console sockets, learns its state, and serves it as monitor_main does.
 * Reports "ok PID" or "error: ..." on ml->ready_fd. */
noreturn void monitor_reattach(struct monitor_launch *ml);

#endif
