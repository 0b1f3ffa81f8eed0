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
#include "../host/procscan.h"
#include "../host/teardown.h"
#include "copier_spawn.h"

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
					WORKER_COMMAND_MS, w,
					sizeof(w)) != QMP_OK) {
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
	if (waitid((idtype_t)P_PIDFD, (id_t)m->pidfd, &si,
		   WEXITED | WNOWAIT | WNOHANG) < 0 ||
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
	pid_t copier = save_copier_start(
		m->rec->name, ml->restore_fd, false, ml->root_dir,
		ml->plan.id.uid, ml->plan.id.gid, &qemu_end, w, sizeof(w));

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
	bool restoring = ml->restore_fd >= 0;

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
	if (monitor_launch_vm(&m, why, sizeof(why)) < 0)
		goto fail;
	log_info("device model pid %d uid %u gid %u", (int)m.dm_pid,
		 (unsigned)ml->plan.id.uid, (unsigned)ml->plan.id.gid);
	if (worker_call(&m, WK_HANDSHAKE, NULL, 1, -1, WORKER_HANDSHAKE_MS, why,
			sizeof(why)) != QMP_OK ||
	    insert_first_media(&m, why, sizeof(why)) < 0 ||
	    (ml->restore_fd >= 0 && restore(&m, why, sizeof(why)) < 0))
		goto fail;
	if (!ml->start_paused &&
	    worker_call(&m, WK_CONT, NULL, 0, -1, WORKER_COMMAND_MS, why,
			sizeof(why)) != QMP_OK)
		goto fail;
	monitor_event(&m, restoring ? "restored" : "created",
		      "device model pid %d uid %u, %s", (int)m.dm_pid,
		      (unsigned)m.rec->uid,
		      ml->start_paused ? "paused" : "running");
	monitor_serve(&m, ml->start_paused ? "paused" : "running", why,
		      sizeof(why));

fail:
	/* Keep what QEMU said about its failure. */
	if (m.qemu_out_fd >= 0)
		loop_qemu_output(&m);
	char reason[80];
	dm_exit_reason(&m, reason, sizeof(reason));
	log_error("start failed: %s%s", reason, why);
	snprintf(msg, sizeof(msg), "error: %s%s\n", reason, why);
	{
		char why2[256];
		worker_stop(&m);
		if (teardown_vm(m.rec, m.pidfd, why2, sizeof(why2)) < 0) {
			log_error("teardown after failed start: %s", why2);
			monitor_set_state(&m, "broken");
		}
	}
	monitor_report_ready(ml, msg);
	exit(1);
}
