#include "monitor_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include "../host/hostfile.h"
#include "../host/vmdir.h"
#include "../ipc/control_msg.h"
#include "copier_spawn.h"

/* A client has this long to send its request line. */
#define CONTROL_READ_MS 1000

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
answer_qmp(struct monitor *m, int fd, const char *what, int rc, const char *why,
	   const char *new_state)
{
	if (rc == QMP_OK) {
		if (new_state) {
			monitor_set_state(m, new_state);
			monitor_event(m,
				      strcmp(new_state, "paused") ? "resumed"
								  : "paused",
				      "%s", what);
		}
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
	dprintf(fd,
		"error: %s: the device model broke the QMP protocol (%s); "
		"the VM is destroyed\n",
		what, why);
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
		char root[PATH_MAX];
		if (vmdir_file(root, sizeof(root), m->rec->name, VMF_ROOT) < 0)
			root[0] = '\0'; /* the copier fails to mount it */
		copier = save_copier_start(m->rec->name, file_fd, true, root,
					   m->rec->uid, m->rec->gid, &qemu_end,
					   why, sizeof(why));
		if (copier < 0)
			rc = QMP_REFUSED;
	}
	if (rc == QMP_OK) {
		rc = worker_call(m, WK_SAVE, NULL, 0, qemu_end,
				 WORKER_MIGRATE_MS, why, sizeof(why));
		close(qemu_end);
		if (save_copier_finish(copier, true, rc == QMP_OK,
				       now_ms() + DEADLINE_SAVE_SYNC_MS, why,
				       sizeof(why)) < 0)
			rc = QMP_REFUSED;
	}
	log_info("save: %s", rc == QMP_OK ? "done" : why);
	if (rc == QMP_OK)
		monitor_event(m, "saved", "%s",
			      keep_running ? "still running"
					   : "to be destroyed");
	if (rc == QMP_OK && !keep_running) {
		monitor_destroy(m, "saved", fd); /* answers the CLI */
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

/* Refuse a request: "error: ..." to the client, which is closed with
 * the request's fd (or -1). */
static void __attribute__((format(printf, 3, 4)))
refuse(int client, int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(client, "error: %s\n", buf);
	close(client);
	if (fd >= 0)
		close(fd);
}

/* Each handler answers and closes the client (or keeps it: console) and
 * owns the request's fd. */
static void
request_destroy(struct monitor *m, int client, const struct ctl_msg *req)
{
	(void)req;
	/* monitor_destroy() answers after the teardown: the CLI returns
	 * only when the VM is gone. */
	monitor_destroy(m, "requested", client);
}

static void
request_console(struct monitor *m, int client, const struct ctl_msg *req)
{
	(void)req;
	if (m->console_client >= 0) {
		refuse(client, -1, "a console is already attached");
		return;
	}
	(void)write_all(client, "ok\n", 3);
	fd_set_nonblock(client, true);
	m->console_client = client;
}

static void
request_pause(struct monitor *m, int client, const struct ctl_msg *req)
{
	char why[512];
	bool stop = req->type == CTL_PAUSE;
	int rc = worker_call(m, stop ? WK_STOP : WK_CONT, NULL, 0, -1,
			     WORKER_COMMAND_MS, why, sizeof(why));

	answer_qmp(m, client, ctl_type_name(req->type), rc, why,
		   stop ? "paused" : "running");
}

static void
request_cdrom(struct monitor *m, int client, const struct ctl_msg *req)
{
	char what[32], why[512];
	bool insert = req->type == CTL_CD_INSERT;

	snprintf(what, sizeof(what), "%s %s", ctl_type_name(req->type),
		 req->vdev);
	if (!find_cdrom(m, req->vdev)) {
		refuse(client, req->fd, "%s is not a cdrom drive of this VM",
		       req->vdev);
		return;
	}
	if (insert && medium_check_fd(req->fd, why, sizeof(why)) < 0) {
		refuse(client, req->fd, "%s: refused: %s", what, why);
		return;
	}
	int rc = worker_call(m, insert ? WK_INSERT : WK_EJECT, req->vdev, 0,
			     req->fd, WORKER_COMMAND_MS, why, sizeof(why));
	if (req->fd >= 0)
		close(req->fd);
	log_info("%s: %s", what, rc == QMP_OK ? "done" : why);
	if (rc == QMP_OK)
		monitor_event(m, "media-changed", "%s", what);
	answer_qmp(m, client, what, rc, why, NULL);
}

static void
request_save(struct monitor *m, int client, const struct ctl_msg *req)
{
	char why[512];

	if (save_check_fd(req->fd, true, why, sizeof(why)) < 0) {
		refuse(client, req->fd, "%s: refused: %s",
		       ctl_type_name(req->type), why);
		return;
	}
	save_request(m, client, req->fd, req->type == CTL_SAVE_CONTINUE);
	close(req->fd);
}

/* shutdown / reboot: press the guest's ACPI power button. The answer
 * "ok" says it was pressed; the connection then stays open as a waiter
 * (waiters.c) until the guest goes down, for the CLI's -w. A reboot
 * marks the guest's next poweroff as its reboot (loop.c). */
static void
request_power(struct monitor *m, int client, const struct ctl_msg *req)
{
	const char *what = ctl_type_name(req->type);
	char why[512];

	if (strcmp(m->rec->state, "running") != 0) {
		refuse(client, -1, "%s: the guest is %s, not running", what,
		       m->rec->state);
		return;
	}
	if (waiters_full(m)) {
		refuse(client, -1, "%s: too many clients wait for this VM",
		       what);
		return;
	}
	int rc = worker_call(m, WK_POWERDOWN, NULL, 0, -1, WORKER_COMMAND_MS,
			     why, sizeof(why));
	if (rc != QMP_OK) {
		answer_qmp(m, client, what, rc, why, NULL);
		return;
	}
	m->reboot_until = req->type == CTL_REBOOT
				  ? now_ms() + DEADLINE_REBOOT_REQUEST_MS
				  : 0;
	log_info("%s: the power button was pressed", what);
	if (write_all(client, "ok\n", 3) < 0) {
		close(client);
		return;
	}
	waiters_add(m, client);
}

/* A VNC client's connected socket (the CLI's end of its relay): QEMU's
 * VNC server gets it over QMP. Only for a VM configured with vnc = 1,
 * whose device model has a display to serve. */
static void
request_vnc(struct monitor *m, int client, const struct ctl_msg *req)
{
	char why[512];

	if (!m->ml->cfg.vnc) {
		refuse(client, req->fd,
		       "vnc: the VM has no display (its config does not say "
		       "vnc = 1)");
		return;
	}
	if (vnc_check_fd(req->fd, why, sizeof(why)) < 0) {
		refuse(client, req->fd, "vnc: refused: %s", why);
		return;
	}
	int rc = worker_call(m, WK_VNC, NULL, 0, req->fd, WORKER_COMMAND_MS,
			     why, sizeof(why));
	close(req->fd);
	log_info("vnc: %s", rc == QMP_OK ? "a client handed over" : why);
	answer_qmp(m, client, "vnc", rc, why, NULL);
}

typedef void request_fn(struct monitor *m, int client,
			const struct ctl_msg *req);

static const struct {
	request_fn *fn;
	bool qmp; /* goes through the QMP worker */
} handlers[CTL_TYPES] = {
	[CTL_DESTROY] = { request_destroy, false },
	[CTL_CONSOLE] = { request_console, false },
	[CTL_PAUSE] = { request_pause, true },
	[CTL_UNPAUSE] = { request_pause, true },
	[CTL_CD_INSERT] = { request_cdrom, true },
	[CTL_CD_EJECT] = { request_cdrom, true },
	[CTL_SAVE] = { request_save, true },
	[CTL_SAVE_CONTINUE] = { request_save, true },
	[CTL_SHUTDOWN] = { request_power, true },
	[CTL_REBOOT] = { request_power, true },
	[CTL_VNC] = { request_vnc, true },
};

/* Read the request of the client in slot (ctl_msg_read() checks it
 * whole) and dispatch it by type. */
void
requests_handle(struct monitor *m, int slot)
{
	int client = m->clients[slot];
	struct ctl_msg req;
	char why[256];

	m->clients[slot] = -1;
	int rc = ctl_msg_read(client, &req, CONTROL_READ_MS, why, sizeof(why));
	if (rc == -EBADMSG) {
		refuse(client, -1, "%s", why);
		return;
	}
	if (rc < 0) {
		close(client); /* nothing usable came: no answer */
		return;
	}
	if (handlers[req.type].qmp && m->chan < 0) {
		refuse(client, req.fd, "the device model is exiting");
		return;
	}
	handlers[req.type].fn(m, client, &req);
}
