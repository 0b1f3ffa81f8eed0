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
#include "../plan/vm_plan.h"
#include "passt.h"
#include "worker_spawn.h"

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
	char qmp_path[PATH_MAX], con_path[PATH_MAX], root[PATH_MAX];

	if (channel_paths(m->rec->name, qmp_path, con_path) < 0 ||
	    vmdir_file(root, sizeof(root), m->rec->name, VMF_ROOT) < 0) {
		snprintf(why, whylen, "socket paths too long");
		return -1;
	}
	/* Bounded: a device model that stopped accepting (its backlog
	 * full) makes the take-over fail, not hang; destroy still works. */
	int con = unix_connect_path(con_path, DEADLINE_CONNECT_MS);
	int qmp = con < 0 ? con
			  : unix_connect_path(qmp_path, DEADLINE_CONNECT_MS);

	if (qmp < 0) {
		snprintf(why, whylen,
			 "connect to the device model's %s socket: %s",
			 con < 0 ? "console" : "QMP",
			 qmp == -ETIMEDOUT ? "it accepted no connection in time"
					   : strerror(-qmp));
		if (con >= 0)
			close(con);
		return -1;
	}
	/* QMP is read by the unprivileged worker only; the monitor keeps
	 * the console (bytes it never interprets) and copies the worker's
	 * stderr into its own log. */
	m->worker = worker_start(m->rec->name, qmp, root,
				 m->ml->plan.worker_uid, m->ml->plan.worker_gid,
				 &m->chan, &m->worker_log.in);
	close(qmp);
	if (m->worker < 0) {
		snprintf(why, whylen, "starting the QMP worker: %s",
			 strerror(errno));
		close(con);
		return -1;
	}
	m->console_fd = con;
	fd_set_nonblock(con, true);
	return 0;
}

/* A backend's socket: sv[1] is its end. blk and rng: a socketpair, sv[0]
 * for QEMU's slot. net: sv[1] listens at vmdir_vif_socket, owned by
 * QEMU's uid (only it may connect; the path is bound into its root),
 * sv[0] is -1. 0, or -1 with errno. */
static int
backend_socket(const struct monitor_launch *ml, const struct plan_backend *pb,
	       int sv[2])
{
	char path[PATH_MAX];
	int fd;

	if (pb->kind != BACKEND_NET)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	if (vmdir_vif_socket(path, sizeof(path), ml->rec.name, pb->disk) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = unix_listen_path(path, false);
	if (fd < 0 || chown(path, ml->plan.id.uid, ml->plan.id.gid) < 0) {
		int err = fd < 0 ? -fd : errno;

		if (fd >= 0)
			close(fd);
		errno = err;
		return -1;
	}
	sv[0] = -1;
	sv[1] = fd;
	return 0;
}

/* Spawn the plan's backends, each with one end of a fresh socketpair;
 * the other end goes in QEMU's slot for it (net: a listening socket QEMU
 * connects to by path). */
static int
start_backends(struct monitor *m, int log_fd, char *why, size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	struct vm_plan *p = &ml->plan;

	for (size_t i = 0; i < p->nbackends; i++) {
		const struct plan_backend *pb = &p->backends[i];
		char root[PATH_MAX];
		int sv[2], rc;

		if (vmdir_backend_root(root, sizeof(root), ml->rec.name,
				       pb->dev) < 0 ||
		    (mkdir(root, 0755) < 0 && errno != EEXIST) ||
		    backend_socket(ml, pb, sv) < 0) {
			snprintf(why, whylen, "%s backend: %s", pb->dev,
				 strerror(errno));
			return -1;
		}
		if (pb->kind != BACKEND_NET &&
		    vm_plan_set_fd(p, pb->sock, pb->disk, sv[0]) < 0) {
			/* The plan has no slot for it: QEMU would never get
			 * this end, and the monitor would hold it forever. */
			snprintf(why, whylen,
				 "%s backend: no slot in the "
				 "device model's fd table",
				 pb->dev);
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		struct backend_spec b = {
			.vm = ml->rec.name,
			.dev = pb->dev,
			.kind = pb->kind,
			.root_dir = root,
			.uid = p->be_id.uid,
			.gid = p->be_id.gid,
			.sock = sv[1],
			.disk = pb->disk_fd,
			.read_only = pb->read_only,
			.queues = pb->queues,
			.log_fd = log_fd,
			.memory_mib = ml->cfg.memory_mib,
			.cpu_weight = ml->cfg.cpu_weight,
			.cpu_cap = ml->cfg.cpu_cap,
		};
		rc = backend_spawn(&b, &m->backends[m->nbackends], why, whylen);
		close(sv[1]);
		if (rc < 0)
			return -1;
		log_info("%s backend started: pid %d, uid %u", pb->dev,
			 (int)m->backends[m->nbackends].pid,
			 (unsigned)p->be_id.uid);
		m->nbackends++;
	}
	return 0;
}

/* A passt for each type=user vif, each with one end of a fresh
 * socketpair; the other end goes in QEMU's slot for the vif. Started
 * with the backends, before QEMU. */
static int
start_passts(struct monitor *m, int log_fd, char *why, size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	struct vm_plan *p = &ml->plan;

	for (unsigned i = 0; i < ml->cfg.nvifs; i++) {
		char root[PATH_MAX], dev[DISK_VDEV_MAX];
		int sv[2], rc;

		if (!ml->cfg.vifs[i].user)
			continue;
		if (passt_dev_name(dev, sizeof(dev), i) < 0 ||
		    vmdir_backend_root(root, sizeof(root), ml->rec.name, dev) <
			    0 ||
		    (mkdir(root, 0755) < 0 && errno != EEXIST) ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) <
			    0) {
			snprintf(why, whylen, "vif %u passt: %s", i,
				 strerror(errno));
			return -1;
		}
		if (vm_plan_set_fd(p, PFD_PASST, i, sv[0]) < 0) {
			snprintf(why, whylen,
				 "vif %u: no slot in the device model's fd "
				 "table",
				 i);
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		struct passt_spec s = {
			.vm = ml->rec.name,
			.vif = i,
			.root_dir = root,
			.uid = p->be_id.uid,
			.gid = p->be_id.gid,
			.sock = sv[1],
			.log_fd = log_fd,
			.cpu_weight = ml->cfg.cpu_weight,
			.cpu_cap = ml->cfg.cpu_cap,
		};
		rc = passt_spawn(&s, &m->backends[m->nbackends], why, whylen);
		close(sv[1]);
		if (rc < 0)
			return -1;
		log_info("%s started: pid %d, uid %u", dev,
			 (int)m->backends[m->nbackends].pid,
			 (unsigned)p->be_id.uid);
		m->nbackends++;
	}
	return 0;
}

/* AF_UNIX for a device model with an isolated vif: QEMU 7.2 connects to
 * bulkhead-net only by path (vmdir_vif_socket, the one socket bound into
 * its root; its network namespace has no abstract socket of anyone's). */
static uint64_t
dm_sockets(const struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->nvifs; i++)
		if (cfg->vifs[i].isolated)
			return JAIL_AF(AF_UNIX);
	return 0;
}

/* Put fd (or a negative error) in a slot; returns it. */
static int
put_fd(struct vm_plan *p, enum plan_fd_kind kind, int fd)
{
	vm_plan_set_fd(p, kind, 0, fd);
	return fd;
}

/* The fds of QEMU's table the monitor makes itself: the listening QMP
 * and console sockets in the VM's root-only runtime dir (only root can
 * reach them, and a later monitor can reconnect), /dev/null, and the
 * output pipe, whose read end it keeps and caps: the device model holds
 * no writable log file of its own. The write end in *out_w. */
static int
open_dm_fds(struct monitor *m, int *out_w, char *why, size_t whylen)
{
	struct vm_plan *p = &m->ml->plan;
	char qmp_path[PATH_MAX], con_path[PATH_MAX];
	int fd, out[2];

	if (channel_paths(m->rec->name, qmp_path, con_path) < 0) {
		snprintf(why, whylen, "socket paths too long");
		return -1;
	}
	if ((fd = put_fd(p, PFD_QMP, unix_listen_path(qmp_path, false))) < 0 ||
	    (fd = put_fd(p, PFD_CONSOLE, unix_listen_path(con_path, false))) <
		    0) {
		snprintf(why, whylen, "QMP/console sockets: %s", strerror(-fd));
		return -1;
	}
	if (put_fd(p, PFD_NULL, open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "/dev/null or pipe: %s", strerror(errno));
		return -1;
	}
	vm_plan_set_fd(p, PFD_OUTPUT, 0, out[1]);
	m->qemu_out_fd = out[0];
	fd_set_nonblock(out[0], true);
	*out_w = out[1];
	return 0;
}

int
monitor_launch_vm(struct monitor *m, char *why, size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	struct vm_plan *p = &ml->plan;
	int fds[JAIL_FDS_MAX], nfds = -1, out_w = -1, rc = -1;

	if (open_dm_fds(m, &out_w, why, whylen) < 0 ||
	    cgroup_create(ml->rec.name, &p->limits, why, whylen) < 0)
		goto out;
	/* The backends first: QEMU talks to them while it starts. Their
	 * stderr shares QEMU's capped output pipe. */
	if (start_backends(m, out_w, why, whylen) < 0 ||
	    start_passts(m, out_w, why, whylen) < 0)
		goto out;
	nfds = vm_plan_fd_array(p, fds, JAIL_FDS_MAX);
	if (nfds < 0) {
		snprintf(why, whylen,
			 "the device model's fd table has an "
			 "empty slot: %s",
			 strerror(-nfds));
		goto out;
	}
	struct jail_spec js = {
		.level = p->id.kind != IDENT_ROOT ? JAIL_DM : JAIL_DM_ROOT,
		.root_dir = ml->root_dir,
		.uid = p->id.uid,
		.gid = p->id.gid,
		.exec_path = ml->cfg.dm_binary,
		.argv = p->argv.argv,
		.binds = p->binds,
		.nbinds = p->nbinds,
		.dev_kvm = ml->cfg.accel == ACCEL_KVM,
		.fds = fds,
		.nfds = (size_t)nfds,
		.nofile = p->nofile,
		.fsize = p->fsize,
		.cgroup = ml->rec.name,
		.join_pidfd = -1,
		.sockets_extra = dm_sockets(&ml->cfg),
	};
	rc = jail_spawn(&js, &m->dm_pid, &m->pidfd, why, whylen);
out:
	/* The device model holds its fds now, or nobody needs them: the
	 * monitor keeps none. QEMU holds the only tap fds, so the taps die
	 * with it. */
	vm_plan_close_fds(p);
	vm_plan_free(p);
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
