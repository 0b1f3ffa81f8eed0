#include "monitor.h"

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
#include "../dm/qemu_args.h"
#include "../jail/cgroup.h"
#include "../state/procscan.h"
#include "../state/teardown.h"
#include "backends.h"
#include "cdrom.h"
#include "console_log.h"
#include "control.h"
#include "lifecycle.h"
#include "save.h"
#include "worker.h"
#include "worker_msg.h"
#include "qmp.h"

/* The worker's own deadlines are 20 s (handshake), 10 s (a command) and
 * 300 s (a save or restore); the monitor allows a little more. */
#define WORKER_HANDSHAKE_MS 25000
#define WORKER_COMMAND_MS 15000
#define WORKER_MIGRATE_MS 305000
#define SAVE_MS 300000 /* the copier's fdatasync after a save */
#define WORKER_MSGS_PER_CALL 64
#define CONTROL_CLIENTS_MAX 4

struct monitor {
	struct monitor_launch *ml;
	struct vm_record *rec;
	pid_t dm_pid;
	int pidfd;
	int chan;      /* to the QMP worker; -1 once it is gone */
	pid_t worker;
	int console_fd;   /* our end of the serial port; -1 after EOF */
	int listen_fd;
	int console_client;
	int clients[CONTROL_CLIENTS_MAX];
	struct console_log log;
	int qemu_out_fd; /* read end of QEMU's stdout/stderr; -1 after EOF */
	struct console_log qemu_log;
	bool broken; /* destroy failed: retried until nothing survives */
	uint64_t qmp_eof_deadline; /* QMP closed: the DM must exit by then */
	enum lifecycle_event pending; /* to act on once the event is read */
	struct backend backends[BACKENDS_MAX]; /* started by this monitor */
	size_t nbackends;
};

/* QEMU closes QMP as it exits; one that closes it and keeps running has
 * left the toolstack without control and is destroyed. */
#define QMP_EOF_GRACE_MS 2000

static void
report_ready(struct monitor_launch *ml, const char *msg)
{
	if (ml->ready_fd < 0)
		return;
	(void)write_all(ml->ready_fd, msg, strlen(msg));
	close(ml->ready_fd);
	ml->ready_fd = -1;
}

static void
set_state(struct monitor *m, const char *state)
{
	snprintf(m->rec->state, sizeof(m->rec->state), "%s", state);
	int rc = record_write(m->rec);
	if (rc < 0)
		log_error("record write: %s", strerror(-rc));
}

static void worker_stop(struct monitor *m);

/* Destroy and exit, or, if processes survive, stay up as "broken" with the
 * record kept: the VM id and uid must not be reused while they live.
 * reply_fd (or -1) is a CLI waiting for the outcome. */
static void
monitor_destroy(struct monitor *m, const char *reason, int reply_fd)
{
	char why[256];

	log_info("destroying %s: %s", m->rec->name, reason);
	set_state(m, "stopping");
	worker_stop(m); /* it may run as the VM's uid: gone before the reaper counts */
	if (teardown_vm(m->rec, m->pidfd, why, sizeof(why)) < 0) {
		log_error("destroy failed: %s; retrying", why);
		set_state(m, "broken");
		m->broken = true;
		if (reply_fd >= 0) {
			dprintf(reply_fd, "error: %s\n", why);
			close(reply_fd);
		}
		return;
	}
	log_info("%s destroyed", m->rec->name);
	if (reply_fd >= 0)
		(void)write_all(reply_fd, "ok\n", 3);
	exit(0);
}

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

/* Copy what QEMU wrote into its capped log; at EOF stop polling. */
static void
qemu_output(struct monitor *m)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(m->qemu_out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(m->qemu_out_fd);
			m->qemu_out_fd = -1;
			return;
		}
		if (console_log_write(&m->qemu_log, buf, (size_t)n) < 0)
			log_warn("qemu log write failed");
	}
}

static void
worker_stop(struct monitor *m)
{
	if (m->chan >= 0)
		close(m->chan);
	m->chan = -1;
	if (m->worker > 0) {
		kill(m->worker, SIGKILL);
		waitpid(m->worker, NULL, 0);
	}
	m->worker = -1;
}

/* A checked lifecycle event from the worker, acted on by the event loop
 * (the first one wins until it is). */
static void
note_event(struct monitor *m, const struct wk_msg *ev)
{
	if (m->pending == LC_NONE)
		m->pending = (enum lifecycle_event)ev->arg;
}

/* One request to the QMP worker and its result: QMP_OK, QMP_REFUSED or
 * QMP_BROKEN, with text (why, or the run state after a handshake).
 * Lifecycle events that arrive meanwhile are kept for the event loop.
 * Anything else from the worker, silence past the deadline or its end
 * is QMP_BROKEN, and the worker is stopped. */
static int
worker_call(struct monitor *m, enum wk_type type, const char *vdev,
	    unsigned arg, int fd, int timeout_ms, char *text, size_t len)
{
	struct wk_msg req, rep;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	if (m->chan < 0) {
		snprintf(text, len, "the QMP worker is gone");
		return QMP_BROKEN;
	}
	wk_msg_set(&req, type, 0, arg, "");
	snprintf(req.vdev, sizeof(req.vdev), "%s", vdev ? vdev : "");
	if (wk_send(m->chan, &req, fd) < 0) {
		/* It may have said why before it ended. */
		char why[256];
		int rc = wk_recv(m->chan, &rep, NULL, 0);
		bool said = rc > 0 && wk_msg_check(&rep, true, why, sizeof(why)) == 0 &&
			    (rep.type == WK_VIOLATION || rep.type == WK_QMP_EOF);
		snprintf(text, len, "%s", said ? rep.text : "the QMP worker is gone");
		worker_stop(m);
		return QMP_BROKEN;
	}
	for (int i = 0; i < WORKER_MSGS_PER_CALL; i++) {
		uint64_t now = now_ms();
		int rc = now >= deadline ? -ETIMEDOUT
					 : wk_recv(m->chan, &rep, NULL,
						   (int)(deadline - now));
		char why[256];
		if (rc == -EINTR)
			continue;
		if (rc <= 0 || wk_msg_check(&rep, true, why, sizeof(why)) < 0) {
			snprintf(text, len, "%s", rc == 0 ? "the QMP worker ended"
				 : rc == -ETIMEDOUT ? "the QMP worker did not answer in time"
				 : rc < 0 ? "a malformed message from the QMP worker" : why);
			worker_stop(m);
			return QMP_BROKEN;
		}
		if (rep.type == WK_EVENT) {
			note_event(m, &rep);
			continue;
		}
		snprintf(text, len, "%s", rep.type == WK_RESULT ? rep.text
					  : rep.type == WK_QMP_EOF ? "QEMU closed the channel"
								   : rep.text);
		if (rep.type != WK_RESULT || rep.rc == QMP_BROKEN) {
			worker_stop(m);
			return QMP_BROKEN;
		}
		return rep.rc;
	}
	snprintf(text, len, "the QMP worker sent too many messages");
	worker_stop(m);
	return QMP_BROKEN;
}

/* The device model's listening QMP and console sockets. */
static int
channel_paths(const char *name, char *qmp_path, char *con_path)
{
	if (vm_file_path(qmp_path, PATH_MAX, name, "qmp.sock") < 0 ||
	    vm_file_path(con_path, PATH_MAX, name, "console.sock") < 0)
		return -1;
	return 0;
}

/* Connect to the device model's console and QMP sockets; QMP goes to a
 * new worker. */
static int
connect_channels(struct monitor *m, char *why, size_t whylen)
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
		if (path_fmt(root, sizeof(root), "%s-%s", ml->root_dir, dev) < 0 ||
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

static int
launch(struct monitor *m, char *why, size_t whylen)
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
	if (connect_channels(m, why, whylen) < 0)
		return -1;
	m->rec->dm_pid = m->dm_pid;
	m->rec->dm_start = procscan_starttime(m->dm_pid);
	set_state(m, "paused");
	return 0;
}

static void
console_input(struct monitor *m)
{
	char buf[4096];
	ssize_t n = read(m->console_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(m->console_fd);
		m->console_fd = -1;
		return;
	}
	if (console_log_write(&m->log, buf, (size_t)n) < 0)
		log_warn("console log write failed");
	if (m->console_client >= 0 &&
	    send(m->console_client, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN) {
		close(m->console_client); /* a slow viewer only misses output */
		m->console_client = -1;
	}
}

static void
console_client_input(struct monitor *m)
{
	char buf[4096];
	ssize_t n = read(m->console_client, buf, sizeof(buf));

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(m->console_client);
		m->console_client = -1;
		return;
	}
	if (m->console_fd >= 0)
		(void)write_all(m->console_fd, buf, (size_t)n);
}

/* The VM's CD-ROM drive called vdev, or NULL. */
static const struct disk_spec *
find_cdrom(const struct monitor *m, const char *vdev)
{
	for (size_t i = 0; i < m->ml->cfg.ndisks; i++) {
		const struct disk_spec *d = &m->ml->cfg.disks[i];
		if (d->cdrom && strcmp(d->vdev, vdev) == 0)
			return d;
	}
	return NULL;
}

/* Answer a CLI request with the outcome of its QMP operation. A device
 * model (or worker) that broke the protocol is compromised or broken: the
 * VM is destroyed by policy. */
static void
answer_qmp(struct monitor *m, int fd, const char *what, int rc,
	    const char *why, const char *new_state)
{
	if (rc == QMP_OK) {
		if (new_state)
			set_state(m, new_state);
		(void)write_all(fd, "ok\n", 3);
		close(fd);
		return;
	}
	if (rc == QMP_REFUSED) {
		/* The one refusal an admin must act on gets plain words. */
		dprintf(fd, "error: %s: %s: %s\n", what,
			strstr(why, "is locked") ? "medium locked by the guest "
						   "(QEMU asked it to open "
						   "the tray; try again)"
						 : "QEMU refused",
			why);
		close(fd);
		return;
	}
	log_error("%s: %s", what, why);
	dprintf(fd, "error: %s: the device model broke the QMP protocol (%s); "
		    "the VM is destroyed\n", what, why);
	close(fd);
	monitor_destroy(m, "QMP protocol violation", -1);
}

/* save / save-continue: stop the vCPUs, migrate into the file, then
 * destroy the VM (as xl save does) or continue it. A failed save leaves
 * the VM as it was (running or paused). */
static void
save_request(struct monitor *m, int fd, int file_fd, bool keep_running)
{
	char why[512];
	bool was_running = strcmp(m->rec->state, "running") == 0;
	int qemu_end = -1;
	pid_t copier = -1;
	int rc;

	/* The backends keep device state QEMU cannot migrate (they offer
	 * no dirty logging): refuse before anything is stopped. */
	if (config_has_backends(&m->ml->cfg)) {
		dprintf(fd, "error: save is not supported for a VM with "
			"isolated backends in this version\n");
		close(fd);
		return;
	}
	rc = worker_call(m, WK_STOP, NULL, 0, -1, WORKER_COMMAND_MS, why,
			 sizeof(why));

	if (rc == QMP_OK) {
		copier = save_copier_start(file_fd, true, m->rec->uid, m->rec->gid,
					   &qemu_end, why, sizeof(why));
		if (copier < 0)
			rc = QMP_REFUSED;
	}
	if (rc == QMP_OK) {
		rc = worker_call(m, WK_SAVE, NULL, 0, qemu_end, WORKER_MIGRATE_MS,
				 why, sizeof(why));
		close(qemu_end);
		if (save_copier_finish(copier, true, rc == QMP_OK,
				       now_ms() + SAVE_MS, why, sizeof(why)) < 0)
			rc = QMP_REFUSED;
	}
	log_info("save: %s", rc == QMP_OK ? "done" : why);
	if (rc == QMP_OK && !keep_running) {
		monitor_destroy(m, "saved", fd); /* replies ok and exits */
		return;
	}
	if (rc != QMP_BROKEN && was_running) {
		char w2[256];
		if (worker_call(m, WK_CONT, NULL, 0, -1, WORKER_COMMAND_MS, w2,
				sizeof(w2)) != QMP_OK) {
			snprintf(why, sizeof(why), "%s", w2);
			rc = QMP_BROKEN;
		}
	}
	answer_qmp(m, fd, "save", rc, why, NULL);
}

static void
client_command(struct monitor *m, int slot)
{
	int fd = m->clients[slot], passed = -1;
	char line[CONTROL_LINE_MAX], why[512];
	const char *reply = "error: unknown command\n";

	m->clients[slot] = -1;
	if (control_read_request(fd, line, sizeof(line), 1000, &passed) < 0) {
		close(fd);
		return;
	}
	const char *vdev = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";
	bool insert = strncmp(line, "cd-insert ", 10) == 0;
	bool eject = strncmp(line, "cd-eject ", 9) == 0;
	bool save = !strcmp(line, "save") || !strcmp(line, "save-continue");
	if (passed >= 0 && !insert && !save) {
		reply = "error: an fd came with a request that takes none\n";
	} else if (strcmp(line, "destroy") == 0) {
		/* Reply after the teardown: the CLI returns only when the VM
		 * is gone. On success monitor_destroy exits, closing fd. */
		monitor_destroy(m, "requested", fd);
		return;
	} else if (strcmp(line, "console") == 0) {
		if (m->console_client >= 0) {
			reply = "error: a console is already attached\n";
		} else {
			(void)write_all(fd, "ok\n", 3);
			fd_set_nonblock(fd, true);
			m->console_client = fd;
			return;
		}
	} else if (m->chan < 0 &&
		   (insert || eject || save || !strcmp(line, "pause") ||
		    !strcmp(line, "unpause"))) {
		reply = "error: the device model is exiting\n";
	} else if (strcmp(line, "pause") == 0 || strcmp(line, "unpause") == 0) {
		bool stop = line[0] == 'p';
		int rc = worker_call(m, stop ? WK_STOP : WK_CONT, NULL, 0, -1,
				     WORKER_COMMAND_MS, why, sizeof(why));
		answer_qmp(m, fd, line, rc, why, stop ? "paused" : "running");
		return;
	} else if ((insert || eject) && !find_cdrom(m, vdev)) {
		dprintf(fd, "error: %s is not a cdrom drive of this VM\n", vdev);
		close(fd);
		if (passed >= 0)
			close(passed);
		return;
	} else if ((insert || save) && passed < 0) {
		reply = "error: the request came without its fd\n";
	} else if ((insert && medium_check_fd(passed, why, sizeof(why)) < 0) ||
		   (save && save_check_fd(passed, true, why, sizeof(why)) < 0)) {
		dprintf(fd, "error: %s: refused: %s\n", line, why);
		close(fd);
		close(passed);
		return;
	} else if (save) {
		save_request(m, fd, passed, strcmp(line, "save") != 0);
		close(passed);
		return;
	} else if (insert || eject) {
		int rc = worker_call(m, insert ? WK_INSERT : WK_EJECT, vdev, 0,
				     passed, WORKER_COMMAND_MS, why, sizeof(why));
		if (passed >= 0)
			close(passed);
		log_info("%s: %s", line, rc == QMP_OK ? "done" : why);
		answer_qmp(m, fd, line, rc, why, NULL);
		return;
	}
	if (passed >= 0)
		close(passed);
	(void)write_all(fd, reply, strlen(reply));
	close(fd);
}

/* The guest stopped by powering off, rebooting or crashing: apply
 * on_poweroff / on_reboot / on_crash. */
static void
lifecycle_apply(struct monitor *m)
{
	const struct vm_config *cfg = &m->ml->cfg;
	enum lifecycle_event e = m->pending;
	enum vm_action act = e == LC_POWEROFF ? cfg->on_poweroff
			     : e == LC_REBOOT ? cfg->on_reboot
					      : cfg->on_crash;
	char why[300];

	m->pending = LC_NONE;
	log_info("guest %s: on_%s = %s", lifecycle_name(e), lifecycle_name(e),
		 config_action_name(act));
	if (act == ACTION_DESTROY) {
		snprintf(why, sizeof(why), "guest %s", lifecycle_name(e));
		monitor_destroy(m, why, -1);
		return;
	}
	if (act == ACTION_PRESERVE) {
		set_state(m, e == LC_CRASH ? "crashed" : "shutdown");
		return;
	}
	if (m->chan < 0)
		return; /* exiting anyway */
	int rc = worker_call(m, WK_RESTART, NULL, 0, -1, WORKER_COMMAND_MS, why,
			     sizeof(why));
	if (rc != QMP_OK) {
		log_error("restart failed: %s", why);
		monitor_destroy(m, "restart failed", -1);
		return;
	}
	set_state(m, "running");
	log_info("restarted in the same device model (pid %d, uid %u)",
		 (int)m->dm_pid, (unsigned)m->rec->uid);
}

/* A watched process (QEMU or a backend, named who) has ended: log how,
 * when it was our child and can still be reaped, copy its last output,
 * and destroy the VM for reason. */
static void
process_ended(struct monitor *m, int pidfd, const char *who,
	      const char *reason)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 &&
	    si.si_pid != 0) {
		if (si.si_code == CLD_EXITED)
			log_info("%s exited with status %d", who, si.si_status);
		else
			log_info("%s killed by signal %d", who, si.si_status);
	}
	if (m->qemu_out_fd >= 0)
		qemu_output(m); /* its last words, if any */
	monitor_destroy(m, reason, -1);
}

static void
dm_exited(struct monitor *m)
{
	/* A guest's poweroff, reboot or crash only stops QEMU (-action);
	 * QEMU itself ending means it crashed or was killed. */
	process_ended(m, m->pidfd, "device model", "device model exited");
}

/* A backend ended (it exits when QEMU hangs up, or on a protocol
 * violation by QEMU) or was killed. Its device is gone for good (no
 * reconnect over a socketpair), so, as with QEMU, the VM is destroyed. */
static void
backend_exited(struct monitor *m, struct backend *b)
{
	char who[32], reason[64];

	snprintf(who, sizeof(who), "%s backend", b->dev);
	snprintf(reason, sizeof(reason), "%s backend exited", b->dev);
	process_ended(m, b->pidfd, who, reason);
}

/* What the worker says unasked: a lifecycle event, QEMU closing QMP, or
 * a violation. Anything else, or its end, breaks the VM's QMP session:
 * the VM is destroyed by policy. */
static void
worker_message(struct monitor *m)
{
	struct wk_msg msg;
	char why[256];
	int rc = wk_recv(m->chan, &msg, NULL, 0);

	if (rc == -ETIMEDOUT || rc == -EINTR || rc == -EAGAIN)
		return;
	if (rc > 0 && wk_msg_check(&msg, true, why, sizeof(why)) == 0) {
		if (msg.type == WK_EVENT) {
			note_event(m, &msg);
			return;
		}
		if (msg.type == WK_QMP_EOF) {
			worker_stop(m);
			m->qmp_eof_deadline = now_ms() + QMP_EOF_GRACE_MS;
			return;
		}
		snprintf(why, sizeof(why), "%s", msg.type == WK_VIOLATION
							 ? msg.text
							 : "an unrequested result");
	} else if (rc >= 0 && rc != 1) {
		snprintf(why, sizeof(why), "the QMP worker ended");
	} else if (rc < 0) {
		snprintf(why, sizeof(why), "a malformed message from the QMP worker");
	}
	log_error("qmp: %s", why);
	monitor_destroy(m, "QMP protocol violation", -1);
}

static noreturn void
event_loop(struct monitor *m)
{
	for (;;) {
		struct pollfd p[6 + CONTROL_CLIENTS_MAX + BACKENDS_MAX];
		size_t n = 0;
		p[n++] = (struct pollfd){ .fd = m->pidfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->chan, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->console_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->console_client,
					  .events = POLLIN };
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			p[n++] = (struct pollfd){ .fd = m->clients[i],
						  .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->qemu_out_fd, .events = POLLIN };
		size_t be0 = n;
		for (size_t i = 0; i < m->nbackends; i++)
			p[n++] = (struct pollfd){ .fd = m->broken ? -1
								 : m->backends[i].pidfd,
						  .events = POLLIN };
		/* A failed destroy is retried; meanwhile the pidfd stays
		 * readable, so it is not polled. */
		if (m->broken)
			p[0].fd = -1;
		int timeout = m->broken ? 1000 : -1;
		if (m->qmp_eof_deadline)
			timeout = 100;
		if (m->pending != LC_NONE)
			timeout = 0; /* act on it now */
		int pr = poll(p, n, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %s", strerror(errno));
		}
		if (m->broken && pr == 0)
			monitor_destroy(m, "retrying", -1);
		if (m->qmp_eof_deadline && !p[0].revents &&
		    now_ms() > m->qmp_eof_deadline) {
			m->qmp_eof_deadline = 0;
			monitor_destroy(m, "QMP closed while the device model "
					   "still runs", -1);
		}
		if (p[0].revents)
			dm_exited(m);
		if (p[1].revents && m->chan >= 0)
			worker_message(m);
		if (m->pending != LC_NONE && !m->broken)
			lifecycle_apply(m);
		if (p[2].revents && m->console_fd >= 0)
			console_input(m);
		if (p[3].revents) {
			int c = control_accept(m->listen_fd);
			for (int i = 0; c >= 0 && i < CONTROL_CLIENTS_MAX; i++) {
				if (m->clients[i] < 0) {
					m->clients[i] = c;
					c = -1;
				}
			}
			if (c >= 0)
				close(c); /* all slots busy */
		}
		if (p[4].revents && m->console_client >= 0)
			console_client_input(m);
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			if (p[5 + i].revents && m->clients[i] >= 0)
				client_command(m, i);
		if (p[5 + CONTROL_CLIENTS_MAX].revents && m->qemu_out_fd >= 0)
			qemu_output(m);
		for (size_t i = 0; i < m->nbackends; i++)
			if (p[be0 + i].revents)
				backend_exited(m, &m->backends[i]);
	}
}

static void
monitor_init(struct monitor *m, struct monitor_launch *ml)
{
	memset(m, 0, sizeof(*m));
	m->ml = ml;
	m->rec = &ml->rec;
	m->pidfd = m->console_fd = m->listen_fd = m->console_client = -1;
	m->qemu_out_fd = m->chan = m->worker = -1;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		m->clients[i] = -1;
	signal(SIGPIPE, SIG_IGN);
}

/* Open the control socket, record the state, tell the waiting CLI and
 * run the event loop. Returns only on failure (why). */
static void
serve(struct monitor *m, const char *state, char *why, size_t whylen)
{
	char msg[64];

	m->listen_fd = control_listen(m->rec->name);
	if (m->listen_fd < 0) {
		snprintf(why, whylen, "control socket: %s", strerror(-m->listen_fd));
		return;
	}
	set_state(m, state);
	snprintf(msg, sizeof(msg), "ok %d\n", (int)m->dm_pid);
	report_ready(m->ml, msg);
	event_loop(m);
}

/* CD-ROMs configured with a medium get it while the VM is still paused,
 * through the same path as cd-insert. Any failure fails the start. */
static int
insert_first_media(struct monitor *m, char *why, size_t whylen)
{
	int rc = 0;

	for (size_t i = 0; i < m->ml->cfg.ndisks; i++) {
		int fd = m->ml->cd_fds[i];
		if (fd < 0)
			continue;
		m->ml->cd_fds[i] = -1;
		if (rc == 0) {
			char w[400];
			const char *vdev = m->ml->cfg.disks[i].vdev;
			if (worker_call(m, WK_INSERT, vdev, 0, fd,
					WORKER_COMMAND_MS, w, sizeof(w)) != QMP_OK) {
				snprintf(why, whylen, "cdrom %s: %s", vdev, w);
				rc = -1;
			}
		}
		close(fd);
	}
	return rc;
}

/* When the start fails because the device model died (a wrong
 * device_model_override, a QEMU that cannot start), say so first: what
 * the QMP side saw (a closed or refused connection) depends on timing. */
static void
dm_exit_reason(struct monitor *m, char *out, size_t len)
{
	struct pollfd p = { .fd = m->pidfd, .events = POLLIN };
	siginfo_t si;

	out[0] = '\0';
	if (m->pidfd < 0 || poll(&p, 1, 1000) <= 0)
		return;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)m->pidfd, &si, WEXITED | WNOWAIT | WNOHANG) < 0 ||
	    si.si_pid == 0)
		snprintf(out, len, "the device model exited: ");
	else if (si.si_code == CLD_EXITED)
		snprintf(out, len, "the device model exited with status %d: ",
			 si.si_status);
	else
		snprintf(out, len, "the device model was killed by signal %d: ",
			 si.si_status);
}

/* restore: QEMU (-incoming defer) reads the save file through a pipe
 * from the copier; the worker drives the migration. */
static int
restore(struct monitor *m, char *why, size_t whylen)
{
	struct monitor_launch *ml = m->ml;
	char w[400];
	int qemu_end, rc = QMP_REFUSED;
	pid_t copier = save_copier_start(ml->restore_fd, false, ml->id.uid,
					 ml->id.gid, &qemu_end, w, sizeof(w));

	if (copier >= 0) {
		rc = worker_call(m, WK_RESTORE, NULL, 0, qemu_end,
				 WORKER_MIGRATE_MS, w, sizeof(w));
		close(qemu_end);
		save_copier_finish(copier, false, rc == QMP_OK, 0, NULL, 0);
	}
	close(ml->restore_fd);
	ml->restore_fd = -1;
	if (rc != QMP_OK) {
		snprintf(why, whylen, "restore: %s", w);
		return -1;
	}
	log_info("restored from the save file");
	return 0;
}

noreturn void
monitor_main(struct monitor_launch *ml)
{
	struct monitor m;
	char why[512], msg[600];

	monitor_init(&m, ml);
	m.rec->monitor_pid = getpid();
	m.rec->monitor_start = procscan_starttime(getpid());
	if (console_log_open(&m.log, m.rec->console_log, CONSOLE_LOG_MAX) < 0) {
		snprintf(why, sizeof(why), "cannot open console log %s",
			 m.rec->console_log);
		goto fail;
	}
	if (console_log_open(&m.qemu_log, ml->qemu_log, QEMU_LOG_MAX) < 0) {
		snprintf(why, sizeof(why), "cannot open %s", ml->qemu_log);
		goto fail;
	}
	if (launch(&m, why, sizeof(why)) < 0)
		goto fail;
	log_info("device model pid %d uid %u gid %u", (int)m.dm_pid,
		 (unsigned)ml->id.uid, (unsigned)ml->id.gid);
	if (worker_call(&m, WK_HANDSHAKE, NULL, 1, -1, WORKER_HANDSHAKE_MS, why,
			sizeof(why)) != QMP_OK ||
	    insert_first_media(&m, why, sizeof(why)) < 0 ||
	    (ml->restore_fd >= 0 && restore(&m, why, sizeof(why)) < 0))
		goto fail;
	if (!ml->start_paused &&
	    worker_call(&m, WK_CONT, NULL, 0, -1, WORKER_COMMAND_MS, why,
			sizeof(why)) != QMP_OK)
		goto fail;
	serve(&m, ml->start_paused ? "paused" : "running", why, sizeof(why));

fail:
	/* Keep what QEMU said about its failure. */
	if (m.qemu_out_fd >= 0)
		qemu_output(&m);
	char reason[80];
	dm_exit_reason(&m, reason, sizeof(reason));
	log_error("start failed: %s%s", reason, why);
	snprintf(msg, sizeof(msg), "error: %s%s\n", reason, why);
	{
		char why2[256];
		worker_stop(&m);
		if (teardown_vm(m.rec, m.pidfd, why2, sizeof(why2)) < 0) {
			log_error("teardown after failed start: %s", why2);
			set_state(&m, "broken");
		}
	}
	report_ready(ml, msg);
	exit(1);
}

/* What a re-attached monitor makes of QEMU's run state: the state to
 * record, and an on_* action the dead monitor may have missed. */
/* A monitor taking a VM over finds its backends by their cgroups
 * (bulkhead/NAME+DEV, one process each) and watches them as the first
 * monitor did: a pidfd becomes readable when its process exits, child
 * of ours or not. */
static void
adopt_backends(struct monitor *m)
{
	char names[BACKENDS_MAX][CG_NAME_MAX], pid[32];
	size_t n = cgroup_backend_groups(m->rec->name, names, BACKENDS_MAX);
	for (size_t i = 0; i < n && m->nbackends < BACKENDS_MAX; i++) {
		struct backend *b = &m->backends[m->nbackends];
		uint64_t p;
		int fd;

		/* v2 ignores the controller; on v1 pids is always there. */
		if (cgroup_read(names[i], "pids", "cgroup.procs", pid,
				sizeof(pid)) < 0 ||
		    parse_u64(pid, 1, INT32_MAX, &p) < 0 ||
		    (fd = (int)syscall(SYS_pidfd_open, (pid_t)p, 0)) < 0) {
			log_error("backend %s: no process to watch", names[i]);
			continue;
		}
		snprintf(b->dev, sizeof(b->dev), "%s",
			 names[i] + strlen(m->rec->name) + 1);
		b->pid = (pid_t)p;
		b->pidfd = fd;
		m->nbackends++;
		log_info("%s backend (pid %d) watched again", b->dev, (int)p);
	}
}

static const char *
attach_state(const char *status, enum lifecycle_event *pending)
{
	*pending = LC_NONE;
	if (strcmp(status, "running") == 0)
		return "running";
	if (strcmp(status, "shutdown") == 0) {
		/* A reboot stopped by reboot=shutdown looks the same; the
		 * reason went with the event the dead monitor missed. */
		*pending = LC_POWEROFF;
		return "shutdown";
	}
	if (strcmp(status, "guest-panicked") == 0) {
		*pending = LC_CRASH;
		return "crashed";
	}
	return "paused";
}

noreturn void
monitor_reattach(struct monitor_launch *ml)
{
	struct monitor m;
	char why[512], msg[600], status[32];

	monitor_init(&m, ml);
	m.dm_pid = m.rec->dm_pid;
	m.pidfd = procscan_pidfd_open(m.rec->dm_pid, m.rec->dm_start);
	if (m.pidfd < 0) {
		snprintf(why, sizeof(why), "its device model is gone");
		goto fail;
	}
	/* QEMU's stdout/stderr pipe died with the old monitor. */
	if (console_log_append(&m.log, m.rec->console_log, CONSOLE_LOG_MAX) < 0) {
		snprintf(why, sizeof(why), "cannot open console log %s",
			 m.rec->console_log);
		goto fail;
	}
	if (connect_channels(&m, why, sizeof(why)) < 0 ||
	    worker_call(&m, WK_HANDSHAKE, NULL, 0, -1, WORKER_HANDSHAKE_MS, why,
			sizeof(why)) != QMP_OK)
		goto fail;
	snprintf(status, sizeof(status), "%s", why); /* the run state */
	adopt_backends(&m);
	m.rec->monitor_pid = getpid();
	m.rec->monitor_start = procscan_starttime(getpid());
	log_info("taking over %s (device model pid %d, QEMU state %s)",
		 m.rec->name, (int)m.dm_pid, status);
	serve(&m, attach_state(status, &m.pending), why, sizeof(why));

fail:
	/* The VM is left as it is: destroy still works without a monitor. */
	worker_stop(&m);
	log_error("take-over failed: %s", why);
	snprintf(msg, sizeof(msg), "error: %s\n", why);
	report_ready(ml, msg);
	exit(1);
}
