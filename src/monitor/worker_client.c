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

void
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
	child_log_close(&m->worker_log); /* its last words */
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
int
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
		bool said =
			rc > 0 &&
			wk_msg_check(&rep, true, why, sizeof(why)) == 0 &&
			(rep.type == WK_VIOLATION || rep.type == WK_QMP_EOF);
		snprintf(text, len, "%s",
			 said ? rep.text : "the QMP worker is gone");
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
			snprintf(
				text, len, "%s",
				rc == 0 ? "the QMP worker ended"
				: rc == -ETIMEDOUT
					? "the QMP worker did not answer in time"
				: rc < 0
					? "a malformed message from the QMP worker"
					: why);
			worker_stop(m);
			return QMP_BROKEN;
		}
		if (rep.type == WK_EVENT) {
			note_event(m, &rep);
			continue;
		}
		snprintf(text, len, "%s",
			 rep.type == WK_RESULT    ? rep.text
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

/* What the worker says unasked: a lifecycle event, QEMU closing QMP, or
 * a violation. Anything else, or its end, breaks the VM's QMP session:
 * the VM is destroyed by policy. */
void
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
		snprintf(why, sizeof(why), "%s",
			 msg.type == WK_VIOLATION ? msg.text
						  : "an unrequested result");
	} else if (rc >= 0 && rc != 1) {
		snprintf(why, sizeof(why), "the QMP worker ended");
	} else if (rc < 0) {
		snprintf(why, sizeof(why),
			 "a malformed message from the QMP worker");
	}
	log_error("qmp: %s", why);
	monitor_destroy(m, "QMP protocol violation", -1);
}
