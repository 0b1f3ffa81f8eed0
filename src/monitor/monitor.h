/* The per-VM monitor: started by `create`, it outlives the CLI. It
 * launches the device model through the jail, hands the QMP connection
 * to its unprivileged QMP worker and drives QMP through it, logs the
 * console with a size cap, notices the device model's exit and tears the
 * VM down, and serves the CLI over a root-only socket. */
#ifndef BULKHEAD_MONITOR_H
#define BULKHEAD_MONITOR_H

#include <stdnoreturn.h>

#include "../config/config.h"
#include "../host/accounts.h"
#include "../host/cgroup.h"
#include "../host/record.h"
#include "../jail/jail.h"

struct monitor_launch {
	struct vm_config cfg;
	struct vm_record rec;
	struct dm_identity id;
	int disk_fds[2 * CONFIG_DISKS_MAX]; /* qemu_disk_fd() order */
	size_t ndisk_fds;
	int cd_fds[CONFIG_DISKS_MAX]; /* per disk: a CD-ROM's first medium, or -1 */
	int backend_disk_fds[CONFIG_DISKS_MAX]; /* per disk: an isolated disk, or -1 */
	struct dm_identity be_id; /* the backends' identity (ident_backend) */
	int tap_fds[CONFIG_VIFS_MAX];       /* qemu_vif_fd() order */
	struct blockdev io_devs[CG_IO_DEVS_MAX]; /* disks' devices, if throttled */
	size_t nio_devs;
	char qemu_log[PATH_MAX]; /* QEMU's stdout/stderr, capped by the monitor */
	struct jail_bind binds[JAIL_BINDS_MAX];
	size_t nbinds;
	char root_dir[PATH_MAX];
	int ready_fd; /* "ok ..." or "error: ..." for the waiting CLI */
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
