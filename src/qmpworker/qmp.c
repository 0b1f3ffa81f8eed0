#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"

/* Bound nesting before parsing: the library recurses per level. */
static bool
depth_ok(const char *s, size_t len)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[') {
			if (++depth > QMP_DEPTH_MAX)
				return false;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return true;
}

/* QEMU's event names are upper case, digits and '_'; anything else (a
 * newline to forge log lines, say) is not an event. */
static bool
event_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

void
qmp_msg_free(struct qmp_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

static int
bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "qmp: %s", what);
	return -1;
}

static int
parse_id(json_t *o, struct qmp_msg *m)
{
	json_t *id = json_object_get(o, "id");
	if (!json_is_integer(id) || json_integer_value(id) < 0)
		return -1;
	m->id = (uint64_t)json_integer_value(id);
	return 0;
}

int
qmp_parse_line(const char *line, size_t len, struct qmp_msg *m, char *why,
	       size_t whylen)
{
	json_error_t jerr;

	memset(m, 0, sizeof(*m));
	if (len > QMP_LINE_MAX)
		return bad(why, whylen, "message too long");
	if (memchr(line, '\0', len))
		return bad(why, whylen, "NUL in message");
	if (!depth_ok(line, len))
		return bad(why, whylen, "message nested too deeply");
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return bad(why, whylen, "not a JSON object");
	}
	m->root = o;
	size_t keys = json_object_size(o);
	json_t *v;
	if ((v = json_object_get(o, "QMP")) != NULL) {
		if (keys != 1 || !json_is_object(v) ||
		    !json_is_object(json_object_get(v, "version")))
			goto malformed;
		m->kind = QMP_GREETING;
		m->value = v;
		return 0;
	}
	if ((v = json_object_get(o, "return")) != NULL) {
		if (keys != 2 || parse_id(o, m) < 0)
			goto malformed;
		m->kind = QMP_RETURN;
		m->value = v;
		return 0;
	}
	if ((v = json_object_get(o, "error")) != NULL) {
		if (keys != 2 || parse_id(o, m) < 0 || !json_is_object(v) ||
		    !json_is_string(json_object_get(v, "class")) ||
		    !json_is_string(json_object_get(v, "desc")))
			goto malformed;
		m->kind = QMP_ERROR;
		m->value = v;
		return 0;
	}
	if ((v = json_object_get(o, "event")) != NULL) {
		json_t *ts = json_object_get(o, "timestamp");
		json_t *data = json_object_get(o, "data");
		if (!json_is_string(v) ||
		    !event_name_ok(json_string_value(v)) ||
		    !json_is_object(ts) || keys != (data ? 3u : 2u) ||
		    (data && !json_is_object(data)))
			goto malformed;
		m->kind = QMP_EVENT;
		m->event = json_string_value(v);
		m->value = data;
		return 0;
	}
malformed:
	qmp_msg_free(m);
	return bad(why, whylen, "message of unknown shape");
}

void
qmp_init(struct qmp_conn *c, int fd, qmp_event_fn on_event, void *arg)
{
	c->fd = fd;
	c->eof = false;
	c->next_id = 1;
	c->on_event = on_event;
	c->event_arg = arg;
	c->window_ms = 0;
	c->window_events = 0;
	c->len = 0;
}

/* Hand an event to the handler, within the rate budget. */
static int
take_event(struct qmp_conn *c, const struct qmp_msg *m, char *why,
	   size_t whylen)
{
	uint64_t now = now_ms();

	if (now - c->window_ms >= 1000) {
		c->window_ms = now;
		c->window_events = 0;
	}
	if (++c->window_events > QMP_EVENTS_PER_SEC)
		return bad(why, whylen, "event flood");
	if (c->on_event)
		c->on_event(m, c->event_arg);
	return 0;
}

/* Parse and consume the first complete line of the buffer. 1 if there
 * was one (rc in *rc), 0 if no line is complete yet. */
static int
take_line(struct qmp_conn *c, struct qmp_msg *m, int *rc, char *why,
	  size_t whylen)
{
	char *nl = memchr(c->buf, '\n', c->len);

	if (!nl)
		return 0;
	size_t ll = (size_t)(nl - c->buf);
	*rc = qmp_parse_line(c->buf, ll, m, why, whylen);
	memmove(c->buf, nl + 1, c->len - ll - 1);
	c->len -= ll + 1;
	return 1;
}

/* One read into the buffer. 0, or -1 with why (EOF sets c->eof). */
static int
fill(struct qmp_conn *c, char *why, size_t whylen)
{
	ssize_t n = read(c->fd, c->buf + c->len, QMP_LINE_MAX - c->len);

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		snprintf(why, whylen, "qmp: read failed: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		c->eof = true;
		return bad(why, whylen, "QEMU closed the channel");
	}
	c->len += (size_t)n;
	return 0;
}

int
qmp_read(struct qmp_conn *c, uint64_t deadline_ms, struct qmp_msg *m, char *why,
	 size_t whylen)
{
	for (;;) {
		int rc;
		if (take_line(c, m, &rc, why, whylen))
			return rc;
		if (c->len == QMP_LINE_MAX)
			return bad(why, whylen, "message too long");
		uint64_t now = now_ms();
		if (now >= deadline_ms)
			return bad(why, whylen, "timed out waiting for QEMU");
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)(deadline_ms - now));
		if (pr < 0 && errno != EINTR)
			return bad(why, whylen, "poll failed");
		if (pr > 0 && fill(c, why, whylen) < 0)
			return -1;
	}
}

bool
qmp_shape_empty(const json_t *ret)
{
	return json_is_object(ret) && json_object_size(ret) == 0;
}

static bool
nonneg_int(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       json_integer_value(v) <= INT32_MAX;
}

bool
qmp_shape_status(const json_t *ret)
{
	if (!json_is_object(ret) ||
	    !json_is_string(json_object_get(ret, "status")) ||
	    !json_is_boolean(json_object_get(ret, "running")))
		return false;
	/* QEMU 7.2 adds the deprecated "singlestep"; nothing else. */
	json_t *ss = json_object_get(ret, "singlestep");
	return json_object_size(ret) == (ss ? 3u : 2u) &&
	       (!ss || json_is_boolean(ss));
}

bool
qmp_shape_add_fd(const json_t *ret)
{
	return json_is_object(ret) && json_object_size(ret) == 2 &&
	       nonneg_int(ret, "fdset-id") && nonneg_int(ret, "fd");
}

/* QEMU's error text reaches the admin's terminal: printable ASCII only. */
static void
refused(char *why, size_t whylen, const json_t *err)
{
	text_printable(why,
		       whylen < QMP_DESC_MAX + 1 ? whylen : QMP_DESC_MAX + 1,
		       json_string_value(json_object_get(err, "desc")));
}

int
qmp_call(struct qmp_conn *c, const char *cmd, json_t *args, int pass_fd,
	 qmp_shape_fn shape, uint64_t deadline_ms, json_t **ret, char *why,
	 size_t whylen)
{
	uint64_t id = c->next_id++;
	json_t *req =
		json_pack("{s:s, s:I}", "execute", cmd, "id", (json_int_t)id);

	if (!req || (args && json_object_set_new(req, "arguments", args) < 0)) {
		json_decref(req);
		return bad(why, whylen, "cannot build the command");
	}
	args = NULL;
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return bad(why, whylen, "cannot build the command");
	size_t tl = strlen(text);
	text[tl] = '\n'; /* json_dumps' NUL becomes the line end */
	int wr = send_with_fd(c->fd, text, tl + 1, pass_fd);
	free(text);
	if (wr < 0)
		return bad(why, whylen, "write failed");
	for (;;) {
		struct qmp_msg m;
		if (qmp_read(c, deadline_ms, &m, why, whylen) < 0)
			return QMP_BROKEN;
		if (m.kind == QMP_EVENT) {
			int rc = take_event(c, &m, why, whylen);
			qmp_msg_free(&m);
			if (rc < 0)
				return QMP_BROKEN;
			/* A steady stream of events must not outlast the
			 * deadline that a silent peer would hit. */
			if (now_ms() >= deadline_ms)
				return bad(why, whylen,
					   "timed out waiting "
					   "for a reply among events");
			continue;
		}
		if (m.kind == QMP_GREETING || m.id != id) {
			qmp_msg_free(&m);
			return bad(why, whylen, "reply out of order");
		}
		if (m.kind == QMP_ERROR) {
			refused(why, whylen, m.value);
			qmp_msg_free(&m);
			return QMP_REFUSED;
		}
		if (!shape(m.value)) {
			qmp_msg_free(&m);
			snprintf(why, whylen,
				 "qmp: %s: reply of the wrong shape", cmd);
			return QMP_BROKEN;
		}
		if (ret)
			*ret = json_incref(m.value);
		qmp_msg_free(&m);
		return QMP_OK;
	}
}

/* QEMU's RunState names (qapi/run-state.json, QEMU 7.2). */
static bool
run_state_known(const char *s)
{
	static const char *const known[] = {
		"debug",      "inmigrate",   "internal-error", "io-error",
		"paused",     "postmigrate", "prelaunch",      "finish-migrate",
		"restore-vm", "running",     "save-vm",        "shutdown",
		"suspended",  "watchdog",    "guest-panicked", "colo",
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

int
qmp_attach(struct qmp_conn *c, uint64_t deadline_ms, char *status,
	   size_t statuslen, char *why, size_t whylen)
{
	struct qmp_msg m;
	json_t *st = NULL;

	if (qmp_read(c, deadline_ms, &m, why, whylen) < 0)
		return -1;
	bool greeting = m.kind == QMP_GREETING;
	qmp_msg_free(&m);
	if (!greeting)
		return bad(why, whylen, "expected the greeting");
	if (qmp_call(c, "qmp_capabilities", NULL, -1, qmp_shape_empty,
		     deadline_ms, NULL, why, whylen) != QMP_OK)
		return -1;
	if (qmp_call(c, "query-status", NULL, -1, qmp_shape_status, deadline_ms,
		     &st, why, whylen) != QMP_OK)
		return -1;
	const char *s = json_string_value(json_object_get(st, "status"));
	bool ok = run_state_known(s) &&
		  json_is_true(json_object_get(st, "running")) ==
			  (strcmp(s, "running") == 0);
	snprintf(status, statuslen, "%s", ok ? s : "");
	json_decref(st);
	return ok ? 0 : bad(why, whylen, "query-status: unknown run state");
}

int
qmp_handshake(struct qmp_conn *c, uint64_t deadline_ms, char *why,
	      size_t whylen)
{
	char status[32];

	if (qmp_attach(c, deadline_ms, status, sizeof(status), why, whylen) < 0)
		return -1;
	if (strcmp(status, "prelaunch") != 0 && strcmp(status, "paused") != 0 &&
	    strcmp(status, "inmigrate") != 0) /* -incoming defer */
		return bad(why, whylen, "query-status: not a paused VM");
	return 0;
}

int
qmp_pump(struct qmp_conn *c, char *why, size_t whylen)
{
	if (c->len == QMP_LINE_MAX)
		return bad(why, whylen, "message too long");
	if (fill(c, why, whylen) < 0)
		return -1;
	return qmp_drain(c, why, whylen);
}

int
qmp_drain(struct qmp_conn *c, char *why, size_t whylen)
{
	for (;;) {
		struct qmp_msg m;
		int rc;
		if (!take_line(c, &m, &rc, why, whylen))
			return c->len == QMP_LINE_MAX
				       ? bad(why, whylen, "message too long")
				       : 0;
		if (rc < 0)
			return -1;
		if (m.kind != QMP_EVENT) {
			qmp_msg_free(&m);
			return bad(why, whylen, "unsolicited reply");
		}
		rc = take_event(c, &m, why, whylen);
		qmp_msg_free(&m);
		if (rc < 0)
			return -1;
	}
}
