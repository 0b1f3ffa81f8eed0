/* QMP client. Everything QEMU sends is hostile input: lines are bounded,
 * nesting is bounded before the JSON library sees the text, every message
 * is classified by exact shape, and every wait has a deadline. */
#ifndef BULKHEAD_QMP_H
#define BULKHEAD_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QMP_LINE_MAX (64 * 1024)
#define QMP_DEPTH_MAX 16
#define QMP_EVENTS_PER_WAIT 64

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT };

struct qmp_msg {
	enum qmp_kind kind;
	json_t *root;      /* owned; free with qmp_msg_free */
	json_t *value;     /* "return" value, "error" object, event "data" */
	uint64_t id;       /* for RETURN/ERROR: our numeric id */
	const char *event; /* for EVENT: name (points into root) */
};

struct qmp_conn {
	int fd;
	uint64_t next_id;
	size_t len;
	char buf[QMP_LINE_MAX + 1];
};

/* Classify one line (without its newline). -1 with why for anything that
 * is not exactly a greeting, a return/error with our id, or an event. */
int qmp_parse_line(const char *line, size_t len, struct qmp_msg *m, char *why,
		   size_t whylen);
void qmp_msg_free(struct qmp_msg *m);

void qmp_init(struct qmp_conn *c, int fd);
/* Next message, waiting at most until deadline_ms (now_ms clock).
 * 0, or -1 with why (timeout, EOF, oversize, malformed). */
int qmp_read(struct qmp_conn *c, uint64_t deadline_ms, struct qmp_msg *m,
	     char *why, size_t whylen);
/* Run a command and return its "return" value (caller frees *ret).
 * Events read meanwhile are passed to on_event (may be NULL); more than
 * QMP_EVENTS_PER_WAIT of them while waiting is a protocol violation. */
int qmp_execute(struct qmp_conn *c, const char *cmd, uint64_t deadline_ms,
		void (*on_event)(const struct qmp_msg *, void *), void *arg,
		json_t **ret, char *why, size_t whylen);
/* Greeting, qmp_capabilities, query-status (must be paused), cont. */
int qmp_handshake(struct qmp_conn *c, uint64_t deadline_ms, char *why,
		  size_t whylen);



/* Event loop use: read what is available once and pass each complete
 * event to on_event. Anything but an event here is a violation. 0, or -1
 * with why (EOF, oversize, malformed, unsolicited reply). */
int qmp_pump(struct qmp_conn *c,
	     void (*on_event)(const struct qmp_msg *, void *), void *arg,
	     char *why, size_t whylen);
#endif
