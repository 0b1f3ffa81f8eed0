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
#include "../host/teardown.h"
#include "../ipc/control.h"

void
monitor_report_ready(struct monitor_launch *ml, const char *msg)
{
	if (ml->ready_fd < 0)
		return;
	(void)write_all(ml->ready_fd, msg, strlen(msg));
	close(ml->ready_fd);
	ml->ready_fd = -1;
}

void
monitor_set_state(struct monitor *m, const char *state)
{
	snprintf(m->rec->state, sizeof(m->rec->state), "%s", state);
	int rc = record_write(m->rec);
	if (rc < 0)
		log_error("record write: %s", strerror(-rc));
}

/* Destroy the VM and mark the monitor finished: the event loop ends and
 * monitor_serve() exits. If processes survive, stay up as "broken" with
 * the record kept: the VM id and uid must not be reused while they
 * live. reply_fd (or -1) is a CLI waiting for the outcome: it hears "ok"
 * only once the teardown succeeded, and is closed. */
void
monitor_destroy(struct monitor *m, const char *reason, int reply_fd)
{
	char why[256];

	log_info("destroying %s: %s", m->rec->name, reason);
	monitor_set_state(m, "stopping");
	worker_stop(
		m); /* it may run as the VM's uid: gone before the reaper counts */
	if (teardown_vm(m->rec, m->pidfd, why, sizeof(why)) < 0) {
		log_error("destroy failed: %s; retrying", why);
		monitor_set_state(m, "broken");
		if (!m->broken)
			monitor_event(m, "broken", "destroy failed: %s", why);
		m->broken = true;
		if (reply_fd >= 0) {
			dprintf(reply_fd, "error: %s\n", why);
			close(reply_fd);
		}
		return;
	}
	log_info("%s destroyed", m->rec->name);
	monitor_event(m, "destroyed", "%s", reason);
	m->finished = true;
	if (reply_fd >= 0) {
		(void)write_all(reply_fd, "ok\n", 3);
		close(reply_fd);
	}
}

void
monitor_init(struct monitor *m, struct monitor_launch *ml)
{
	memset(m, 0, sizeof(*m));
	m->ml = ml;
	m->rec = &ml->rec;
	m->pidfd = m->console_fd = m->listen_fd = m->console_client = -1;
	m->qemu_out_fd = m->chan = m->worker = -1;
	child_log_init(&m->worker_log, -1, STDERR_FILENO,
		       "bulkhead-monitor: qmp-worker", CHILD_LOG_MAX);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		m->clients[i] = -1;
	for (int i = 0; i < WAITERS_MAX; i++)
		m->waiters[i] = -1;
	signal(SIGPIPE, SIG_IGN);
}

/* Open the control socket, record the state, tell the waiting CLI and
 * run the event loop. When the loop ends the VM is destroyed, and this
 * is where the monitor exits. Returns only on failure (why). */
void
monitor_serve(struct monitor *m, const char *state, char *why, size_t whylen)
{
	char msg[64];

	m->listen_fd = control_listen(m->rec->name);
	if (m->listen_fd < 0) {
		snprintf(why, whylen, "control socket: %s",
			 strerror(-m->listen_fd));
		return;
	}
	monitor_set_state(m, state);
	snprintf(msg, sizeof(msg), "ok %d\n", (int)m->dm_pid);
	monitor_report_ready(m->ml, msg);
	monitor_event_loop(m);
	waiters_tell(m, m->end_word ? m->end_word : "ended");
	exit(0);
}
