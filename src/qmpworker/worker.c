#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../ipc/deadlines.h"
#include "../ipc/worker_msg.h"
#include "cdrom.h"
#include "lifecycle.h"
#include "migrate.h"
#include "qmp.h"
#include "vnc.h"

/* Events are logged, but not without end: the first ones, then one line
 * per this many. */
#define EVENTS_LOGGED 100
#define EVENTS_LOG_EVERY 1000

struct worker {
	struct qmp_conn *qmp;
	uint64_t events;
	enum lifecycle_event pending;
	bool bad_event;
	bool talking; /* the handshake is done: QMP may speak unasked */
};

static void
on_event(const struct qmp_msg *msg, void *arg)
{
	struct worker *w = arg;

	w->events++;
	if (w->events <= EVENTS_LOGGED || w->events % EVENTS_LOG_EVERY == 0)
		log_info("qmp event %s (%llu so far)", msg->event,
			 (unsigned long long)w->events);
	enum lifecycle_event e = lifecycle_classify(msg);
	if (e == LC_INVALID)
		w->bad_event = true;
	else if (e != LC_NONE && w->pending == LC_NONE)
		w->pending = e;
}

static noreturn void
finish(const struct wk_msg *last)
{
	if (last)
		(void)wk_send(WORKER_CHAN_FD, last, -1);
	_exit(0);
}

/* Tell the monitor about a lifecycle event, or end on a bad one. */
static void
flush_events(struct worker *w)
{
	struct wk_msg m;

	if (w->bad_event) {
		wk_msg_set(&m, WK_VIOLATION, 0, 0,
			   "a lifecycle event of the wrong shape");
		finish(&m);
	}
	if (w->pending != LC_NONE) {
		wk_msg_set(&m, WK_EVENT, 0, (unsigned)w->pending, "");
		w->pending = LC_NONE;
		if (wk_send(WORKER_CHAN_FD, &m, -1) < 0)
			_exit(0);
	}
}

static int
run(struct worker *w, const struct wk_msg *req, int fd, char *text, size_t len)
{
	struct qmp_conn *c = w->qmp;
	/* The monitor waits a margin longer (ipc/deadlines.h). */
	uint64_t deadline = now_ms() + (uint64_t)deadline_qmp_ms(
					       deadline_kind_of(req->type));

	text[0] = '\0';
	switch (req->type) {
	case WK_HANDSHAKE:
		if (req->arg == 1)
			return qmp_handshake(c, deadline, text, len) < 0
				       ? QMP_BROKEN
				       : QMP_OK;
		return qmp_attach(c, deadline, text, len, text, len) < 0
			       ? QMP_BROKEN
			       : QMP_OK;
	case WK_INSERT:
		if (fd < 0) {
			snprintf(text, len, "no medium fd");
			return QMP_REFUSED;
		}
		return cdrom_insert(c, req->vdev, fd, deadline, text, len);
	case WK_EJECT:
		return cdrom_eject(c, req->vdev, deadline, text, len);
	case WK_STOP:
	case WK_CONT:
		return qmp_call(c, req->type == WK_STOP ? "stop" : "cont", NULL,
				-1, qmp_shape_empty, deadline, NULL, text, len);
	case WK_RESTART:
		return lifecycle_restart(c, deadline, text, len);
	case WK_POWERDOWN:
		/* The ACPI power button: the guest may act on it or not;
		 * if it powers off, QEMU says so in a SHUTDOWN event. */
		return qmp_call(c, "system_powerdown", NULL, -1,
				qmp_shape_empty, deadline, NULL, text, len);
	case WK_SAVE:
	case WK_RESTORE:
		if (fd < 0) {
			snprintf(text, len, "no pipe fd");
			return QMP_REFUSED;
		}
		return req->type == WK_SAVE
			       ? save_migrate_out(c, fd, deadline, text, len)
			       : save_migrate_in(c, fd, deadline, text, len);
	case WK_VNC:
		if (fd < 0) {
			snprintf(text, len, "no client fd");
			return QMP_REFUSED;
		}
		return vnc_add_client(c, fd, deadline, text, len);
	default:
		snprintf(text, len, "unknown request");
		return QMP_REFUSED;
	}
}

static noreturn void
serve(struct worker *w)
{
	for (;;) {
		/* Before the handshake the greeting waits for it: QMP is
		 * read only on request until then. */
		struct pollfd p[2] = { { .fd = w->talking ? WORKER_QMP_FD : -1,
					 .events = POLLIN },
				       { .fd = WORKER_CHAN_FD,
					 .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		struct wk_msg m;
		char why[WK_TEXT_MAX];
		if (p[0].revents && qmp_pump(w->qmp, why, sizeof(why)) < 0) {
			flush_events(w);
			wk_msg_set(&m, w->qmp->eof ? WK_QMP_EOF : WK_VIOLATION,
				   0, 0, why);
			finish(&m);
		}
		flush_events(w);
		if (!p[1].revents)
			continue;
		int fd = -1;
		struct wk_msg req;
		int rc = wk_recv(WORKER_CHAN_FD, &req, &fd, 0);
		if (rc == -ETIMEDOUT || rc == -EINTR)
			continue;
		if (rc <= 0 || wk_msg_check(&req, false, why, sizeof(why)) < 0)
			_exit(rc == 0 ? 0
				      : 1); /* the monitor is gone or confused */
		char text[WK_TEXT_MAX];
		rc = run(w, &req, fd, text, sizeof(text));
		if (req.type == WK_HANDSHAKE && rc == QMP_OK)
			w->talking = true;
		if (fd >= 0)
			close(fd);
		wk_msg_set(&m, WK_RESULT, rc, 0, text);
		if (wk_send(WORKER_CHAN_FD, &m, -1) < 0)
			_exit(0);
		/* Events that came in the read with the call's reply. */
		if (w->talking && rc != QMP_BROKEN &&
		    qmp_drain(w->qmp, why, sizeof(why)) < 0) {
			flush_events(w);
			wk_msg_set(&m, WK_VIOLATION, 0, 0, why);
			finish(&m);
		}
		flush_events(w);
		if (rc == QMP_BROKEN)
			_exit(0); /* the session is no longer trustworthy */
	}
}

noreturn void
worker_run(void)
{
	static struct qmp_conn qmp; /* 64 KiB line buffer */
	struct worker w = { .qmp = &qmp, .pending = LC_NONE };
	qmp_init(&qmp, WORKER_QMP_FD, on_event, &w);
	fd_set_nonblock(WORKER_QMP_FD, true);
	serve(&w);
}
