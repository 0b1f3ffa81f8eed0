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
#include "../host/hostfile.h"
#include "../ipc/control.h"
#include "copier_spawn.h"

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
			monitor_set_state(m, new_state);
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

void
requests_handle(struct monitor *m, int slot)
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
