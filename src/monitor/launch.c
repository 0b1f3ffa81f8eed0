#include "monitor_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../host/cgroup.h"
#include "../host/procscan.h"
#include "../host/vmdir.h"
#include "../ipc/control.h"
#include "../plan/qemu_args.h"
#include "worker_spawn.h"

/* RLIMIT_FSIZE: the largest disk, so writes to its last block work;
 * with no disk bigger than Xen's 256 KiB, that (or guest RAM, below). */
static unsigned long long
disk_fsize(const struct monitor_launch *ml)
{
	unsigned long long max = JAIL_FSIZE_MIN;
	struct stat st;

	/* With backends, guest RAM is a memfd QEMU sizes with ftruncate,
	 * which RLIMIT_FSIZE also bounds. */
	if (config_has_backends(&ml->cfg))
		max = (unsigned long long)ml->cfg.memory_mib << 20;

	for (size_t i = 0; i < ml->ndisk_fds; i++)
		if (fstat(ml->disk_fds[i], &st) == 0 &&
		    (unsigned long long)st.st_size > max)
			max = (unsigned long long)st.st_size;
	return max;
}

/* The device model's listening QMP and console sockets. */
static int
channel_paths(const char *name, char *qmp_path, char *con_path)
{
	if (vmdir_file(qmp_path, PATH_MAX, name, VMF_QMP_SOCK) < 0 ||
	    vmdir_file(con_path, PATH_MAX, name, VMF_CONSOLE_SOCK) < 0)
		return -1;
	return 0;
}

/* Connect to the device model's console and QMP sockets; QMP goes to a
 * new worker. */
int
monitor_connect_channels(struct monitor *m, char *why, size_t whylen)
{
	char qmp_path[PATH_MAX], con_path[PATH_MAX];

	if (channel_paths(m->rec->name, qmp_path, con_path) < 0) {
		snprintf(why, whylen, "socket paths too long");
		return -1;
	}
	int con = unix_connect_path(con_path);
	int qmp = con < 0 ? con : unix_connect_path(qmp_path);

	if (qmp < 0) {
		snprintf(why, whylen, "connect to the device model: %s",
			 strerror(-qmp));
		if (con >= 0)
			close(con);
		return -1;
	}
	/* QMP is read by the unprivileged worker only; the monitor keeps
	 * the console (bytes it never interprets). */
	bool own_uid = m->ml->id.exclusive;
	m->worker = worker_start(qmp, 2, own_uid ? m->ml->id.uid : 65534,
				 own_uid ? m->ml->id.gid : 65534, &m->chan);
	close(qmp);
	if (m->worker < 0) {
		snprintf(why, whylen, "starting the QMP worker: %s", strerror(errno));
		close(con);
		return -1;
	}
	m->console_fd = con;
	fd_set_nonblock(con, true);
	return 0;
}

/* Spawn the VM's backends, each with one end of a fresh socketpair;
 * dm_ends[i] gets the other end for QEMU (disk i, or the rng at
 * index ndisks). */
static int
start_backends(struct monitor *m, int log_fd, int *dm_ends, char *why,
	       size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	const struct vm_config *cfg = &ml->cfg;

	for (size_t i = 0; i <= cfg->ndisks; i++) {
		bool rng = i == cfg->ndisks;
		const struct disk_spec *d = rng ? NULL : &cfg->disks[i];
		const char *dev = rng ? "rng" : d->vdev;
		char root[PATH_MAX];
		int sv[2], rc;

		if (rng ? !cfg->rng_isolated : !d->isolated)
			continue;
		if (vmdir_backend_root(root, sizeof(root), ml->rec.name, dev) < 0 ||
		    (mkdir(root, 0755) < 0 && errno != EEXIST) ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			snprintf(why, whylen, "%s backend: %s", dev,
				 strerror(errno));
			return -1;
		}
		struct backend_spec b = {
			.vm = ml->rec.name,
			.dev = dev,
			.blk = !rng,
			.root_dir = root,
			.uid = ml->be_id.uid,
			.gid = ml->be_id.gid,
			.sock = sv[1],
			.disk = rng ? -1 : ml->backend_disk_fds[i],
			.read_only = !rng && d->readonly,
			.queues = qemu_blk_queues(cfg),
			.log_fd = log_fd,
			.memory_mib = cfg->memory_mib,
			.cpu_weight = cfg->cpu_weight,
			.cpu_cap = cfg->cpu_cap,
		};
		rc = backend_spawn(&b, &m->backends[m->nbackends], why, whylen);
		close(sv[1]);
		if (rc < 0) {
			close(sv[0]);
			return -1;
		}
		log_info("%s backend started: pid %d, uid %u", dev,
			 (int)m->backends[m->nbackends].pid,
			 (unsigned)ml->be_id.uid);
		m->nbackends++;
		dm_ends[i] = sv[0];
	}
	return 0;
}

static void
close_backend_fds(struct monitor_launch *ml, int *dm_ends)
{
	for (size_t i = 0; i < BACKENDS_MAX; i++)
		if (dm_ends[i] >= 0)
			close(dm_ends[i]);
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		if (ml->backend_disk_fds[i] >= 0) {
			close(ml->backend_disk_fds[i]);
			ml->backend_disk_fds[i] = -1;
		}
}

int
monitor_launch_vm(struct monitor *m, char *why, size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	struct qemu_argv av;
	int fds[JAIL_FDS_MAX];
	size_t nfds = 0;
	char qmp_path[PATH_MAX], con_path[PATH_MAX];

	/* QEMU gets listening sockets in the VM's root-only runtime dir;
	 * only root can reach them, and a later monitor can reconnect. */
	int qmp_l = -1, con_l = -1;
	if (channel_paths(ml->rec.name, qmp_path, con_path) < 0 ||
	    (qmp_l = unix_listen_path(qmp_path, false)) < 0 ||
	    (con_l = unix_listen_path(con_path, false)) < 0) {
		snprintf(why, whylen, "QMP/console sockets: %s",
			 strerror(-(qmp_l < 0 ? qmp_l : con_l)));
		if (qmp_l >= 0)
			close(qmp_l);
		return -1;
	}
	if (qemu_args_build(&ml->cfg, &av) < 0 ||
	    (ml->restore_fd >= 0 && qemu_args_incoming(&av) < 0)) {
		snprintf(why, whylen, "building QEMU arguments failed");
		return -1;
	}
	struct cg_limits lim = {
		.memory_bytes = ((uint64_t)ml->cfg.memory_mib +
				 ml->cfg.memory_overhead_mib) << 20,
		.pids_max = ml->cfg.pids_max,
		.cpu_weight = ml->cfg.cpu_weight,
		.cpu_cap = ml->cfg.cpu_cap,
		.read_bps = ml->cfg.disk_read_bps,
		.write_bps = ml->cfg.disk_write_bps,
		.read_iops = ml->cfg.disk_read_iops,
		.write_iops = ml->cfg.disk_write_iops,
		.nio_devs = ml->nio_devs,
	};
	memcpy(lim.io_devs, ml->io_devs, sizeof(lim.io_devs));
	if (cgroup_create(ml->rec.name, &lim, why, whylen) < 0) {
		qemu_args_free(&av);
		return -1;
	}
	/* QEMU's output goes through a pipe the monitor caps, so the
	 * device model holds no writable log file of its own. */
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		qemu_args_free(&av);
		return -1;
	}
	m->qemu_out_fd = out[0];
	fd_set_nonblock(out[0], true);
	/* The backends first: QEMU talks to them while it starts. Their
	 * stderr shares QEMU's capped output pipe. */
	int dm_ends[BACKENDS_MAX];
	for (size_t i = 0; i < BACKENDS_MAX; i++)
		dm_ends[i] = -1;
	if (start_backends(m, out[1], dm_ends, why, whylen) < 0) {
		close_backend_fds(ml, dm_ends);
		close(out[1]);
		qemu_args_free(&av);
		return -1;
	}
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[nfds++] = devnull;
	fds[nfds++] = out[1];
	fds[nfds++] = out[1];
	fds[nfds++] = qmp_l;
	fds[nfds++] = con_l;
	/* In qemu_disk_fd() order: a disk's own fds, or its socket. */
	for (size_t i = 0, k = 0; i < ml->cfg.ndisks; i++) {
		const struct disk_spec *d = &ml->cfg.disks[i];

		if (d->isolated) {
			fds[nfds++] = dm_ends[i];
			continue;
		}
		for (size_t j = 0; j < disk_fd_count(d) && k < ml->ndisk_fds; j++)
			fds[nfds++] = ml->disk_fds[k++];
	}
	for (size_t i = 0; i < ml->cfg.nvifs; i++)
		fds[nfds++] = ml->tap_fds[i];
	if (ml->cfg.rng_isolated)
		fds[nfds++] = dm_ends[ml->cfg.ndisks];
	struct jail_spec js = {
		.root_dir = ml->root_dir,
		.hostname = "bulkhead-dm",
		.confine = ml->id.kind != IDENT_ROOT,
		.uid = ml->id.uid,
		.gid = ml->id.gid,
		.exec_path = ml->cfg.dm_binary,
		.argv = av.argv,
		.binds = ml->binds,
		.nbinds = ml->nbinds,
		.dev_kvm = ml->cfg.accel == ACCEL_KVM,
		.fds = fds,
		.nfds = nfds,
		.nofile = qemu_nofile(&ml->cfg),
		.fsize = disk_fsize(ml),
		.cgroup = ml->rec.name,
		.join_pidfd = -1,
	};
	int rc = jail_spawn(&js, &m->dm_pid, &m->pidfd, why, whylen);
	qemu_args_free(&av);
	/* The device model holds these now; the monitor keeps none. */
	close(devnull);
	close(qmp_l);
	close(con_l);
	close(out[1]);
	for (size_t i = 0; i < ml->ndisk_fds; i++)
		close(ml->disk_fds[i]);
	close_backend_fds(ml, dm_ends);
	/* QEMU holds the only tap fds now: the taps die with it. */
	for (size_t i = 0; i < ml->cfg.nvifs; i++)
		close(ml->tap_fds[i]);
	if (rc < 0)
		return -1;
	/* Queued in the backlog until QEMU's main loop accepts; the console
	 * first, so no byte of the guest's is sent before it is connected. */
	if (monitor_connect_channels(m, why, whylen) < 0)
		return -1;
	m->rec->dm_pid = m->dm_pid;
	m->rec->dm_start = procscan_starttime(m->dm_pid);
	monitor_set_state(m, "paused");
	return 0;
}
