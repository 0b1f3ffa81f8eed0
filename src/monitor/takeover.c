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

/* What a re-attached monitor makes of QEMU's run state: the state to
 * record, and an on_* action the dead monitor may have missed. */
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
	/* QEMU runs already: of the plan, only who runs what is needed. */
	vm_plan_free(&ml->plan);
	m.dm_pid = m.rec->dm_pid;
	m.pidfd = procscan_pidfd_open(m.rec->dm_pid, m.rec->dm_start);
	if (m.pidfd < 0) {
		snprintf(why, sizeof(why), "its device model is gone");
		goto fail;
	}
	/* QEMU's stdout/stderr pipe died with the old monitor. */
	if (console_log_append(&m.log, m.rec->console_log, CONSOLE_LOG_MAX) <
	    0) {
		snprintf(why, sizeof(why), "cannot open console log %s",
			 m.rec->console_log);
		goto fail;
	}
	if (monitor_connect_channels(&m, why, sizeof(why)) < 0 ||
	    worker_call(&m, WK_HANDSHAKE, NULL, 0, -1, WORKER_HANDSHAKE_MS, why,
			sizeof(why)) != QMP_OK)
		goto fail;
	snprintf(status, sizeof(status), "%s", why); /* the run state */
	adopt_backends(&m);
	m.rec->monitor_pid = getpid();
	m.rec->monitor_start = procscan_starttime(getpid());
	log_info("taking over %s (device model pid %d, QEMU state %s)",
		 m.rec->name, (int)m.dm_pid, status);
	monitor_event(&m, "taken-over",
		      "a new monitor, device model pid %d, QEMU state %s",
		      (int)m.dm_pid, status);
	monitor_serve(&m, attach_state(status, &m.pending), why, sizeof(why));

fail:
	/* The VM is left as it is: destroy still works without a monitor. */
	worker_stop(&m);
	log_error("take-over failed: %s", why);
	snprintf(msg, sizeof(msg), "error: %s\n", why);
	monitor_report_ready(ml, msg);
	exit(1);
}
