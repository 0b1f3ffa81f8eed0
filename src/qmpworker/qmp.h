/* QMP client. Everything QEMU sends is hostile input: lines are bounded,
 * nesting is bounded before the JSON library sees the text, every message
 * is classified by exact shape, every reply is checked against the shape
 * its command returns, events are rate-limited, and every wait has a
 * deadline. */
#ifndef BULKHEAD_QMP_H
#define BULKHEAD_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipc/worker_msg.h" /* QMP_OK, QMP_REFUSED, QMP_BROKEN */

#define QMP_LINE_MAX (64 * 1024)
#define QMP_DEPTH_MAX 16
/* More events than this within one second is a flood. QEMU rate-limits
 * its chatty ones (RTC_CHANGE, BALLOON_CHANGE) to 1/s; the busiest honest
 * source is our own cd-insert/cd-eject (three tray events a cycle). */
#define QMP_EVENTS_PER_SEC 1000
#define QMP_DESC_MAX 200 /* QEMU's error text, as shown to the admin */

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT };

struct qmp_msg {
	enum qmp_kind kind;
	json_t *root;      /* owned; free with qmp_msg_free */
	json_t *value;     /* "return" value, "error" object, event "data" */
	uint64_t id;       /* for RETURN/ERROR: our numeric id */
	const char *event; /* for EVENT: name (points into root) */
};

typedef void (*qmp_event_fn)(const struct qmp_msg *, void *);
/* Does a "return" value have the shape its command promises? */
typedef bool (*qmp_shape_fn)(const json_t *ret);

struct qmp_conn {
	int fd;
	bool eof; /* QEMU closed the channel */
	uint64_t next_id;
	qmp_event_fn on_event; /* may be NULL */
	void *event_arg;
	uint64_t window_ms; /* start of the current one-second event window */
	unsigned window_events;
	size_t len;
	char buf[QMP_LINE_MAX + 1];
};

/* Classify one line (without its newline). -1 with why for anything that
 * is not exactly a greeting, a return/error with our id, or an event. */
int qmp_parse_line(const char *line, size_t len, struct qmp_msg *m, char *why,
		   size_t whylen);
void qmp_msg_free(struct qmp_msg *m);

void qmp_init(struct qmp_conn *c, int fd, qmp_event_fn on_event, void *arg);
/* Next message, waiting at most until deadline_ms (now_ms clock).
 * 0, or -1 with why (timeout, EOF, oversize, malformed). */
int qmp_read(struct qmp_conn *c, uint64_t deadline_ms, struct qmp_msg *m,
	     char *why, size_t whylen);

/* Return-value shapes. */
bool qmp_shape_empty(const json_t *ret);  /* {} */
bool qmp_shape_status(const json_t *ret); /* query-status */
bool qmp_shape_add_fd(const json_t *ret); /* {"fdset-id": N, "fd": N} */

/* Run cmd with args (a JSON object, or NULL; the reference is taken),
 * passing pass_fd (or -1) with SCM_RIGHTS. The reply must be ours, in
 * order, and its return value must satisfy shape; the value is stored in
 * *ret (caller decrefs) when ret is not NULL. Events read meanwhile go to
 * the connection's handler. QMP_OK, QMP_REFUSED (why: "Class: desc",
 * printable ASCII only) or QMP_BROKEN (why). */
int qmp_call(struct qmp_conn *c, const char *cmd, json_t *args, int pass_fd,
	     qmp_shape_fn shape, uint64_t deadline_ms, json_t **ret, char *why,
	     size_t whylen);
/* Greeting, qmp_capabilities, query-status: the VM's run state (one of
 * QEMU's, checked) in status. */
int qmp_attach(struct qmp_conn *c, uint64_t deadline_ms, char *status,
	       size_t statuslen, char *why, size_t whylen);
/* qmp_attach to a freshly started QEMU, which must be paused (-S). The VM
 * stays paused; the caller continues it with "cont". */
int qmp_handshake(struct qmp_conn *c, uint64_t deadline_ms, char *why,
		  size_t whylen);

/* Event loop use: read what is available once and pass each complete
 * event to the handler. Anything but an event here is a violation. 0, or
 * -1 with why (EOF, oversize, malformed, unsolicited reply, flood). */
int qmp_pump(struct qmp_conn *c, char *why, size_t whylen);
/* The same for lines already read but not yet handled: a call's reply
 * can arrive in one read with the events after it, which no poll of
 * the socket would announce again. */
int qmp_drain(struct qmp_conn *c, char *why, size_t whylen);
#endif
