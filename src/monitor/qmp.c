#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
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
		if (!json_is_string(v) || !json_is_object(ts) ||
		    keys != (data ? 3u : 2u) || (data && !json_is_object(data)))
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
qmp_init(struct qmp_conn *c, int fd)
{
	c->fd = fd;
	c->next_id = 1;
	c->len = 0;
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

int
qmp_read(struct qmp_conn *c, uint64_t deadline_ms, struct qmp_msg *m,
	 char *why, size_t whylen)
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
		if (pr <= 0)
			continue;
		ssize_t n = read(c->fd, c->buf + c->len, QMP_LINE_MAX - c->len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return bad(why, whylen, "read failed");
		}
		if (n == 0)
			return bad(why, whylen, "QEMU closed the channel");
		c->len += (size_t)n;
	}
}

int
qmp_execute(struct qmp_conn *c, const char *cmd, uint64_t deadline_ms,
	    void (*on_event)(const struct qmp_msg *, void *), void *arg,
	    json_t **ret, char *why, size_t whylen)
{
	uint64_t id = c->next_id++;
	char line[256];
	int n = snprintf(line, sizeof(line),
			 "{\"execute\":\"%s\",\"id\":%llu}\n", cmd,
			 (unsigned long long)id);

	if (n < 0 || (size_t)n >= sizeof(line))
		return bad(why, whylen, "command too long");
	if (write_all(c->fd, line, (size_t)n) < 0)
		return bad(why, whylen, "write failed");
	for (unsigned events = 0;;) {
		struct qmp_msg m;
		if (qmp_read(c, deadline_ms, &m, why, whylen) < 0)
			return -1;
		if (m.kind == QMP_EVENT) {
			if (on_event)
				on_event(&m, arg);
			qmp_msg_free(&m);
			if (++events > QMP_EVENTS_PER_WAIT)
				return bad(why, whylen, "event flood");
			continue;
		}
		if (m.kind == QMP_GREETING || m.id != id) {
			qmp_msg_free(&m);
			return bad(why, whylen, "reply out of order");
		}
		if (m.kind == QMP_ERROR) {
			snprintf(why, whylen, "qmp: %s failed: %.200s", cmd,
				 json_string_value(
					 json_object_get(m.value, "desc")));
			qmp_msg_free(&m);
			return -1;
		}
		if (ret)
			*ret = json_incref(m.value);
		qmp_msg_free(&m);
		return 0;
	}
}

int
qmp_handshake(struct qmp_conn *c, uint64_t deadline_ms, char *why,
	      size_t whylen)
{
	struct qmp_msg m;
	json_t *st = NULL;

	if (qmp_read(c, deadline_ms, &m, why, whylen) < 0)
		return -1;
	bool greeting = m.kind == QMP_GREETING;
	qmp_msg_free(&m);
	if (!greeting)
		return bad(why, whylen, "expected the greeting");
	if (qmp_execute(c, "qmp_capabilities", deadline_ms, NULL, NULL, NULL,
			why, whylen) < 0)
		return -1;
	if (qmp_execute(c, "query-status", deadline_ms, NULL, NULL, &st, why,
			whylen) < 0)
		return -1;
	json_t *status = json_object_get(st, "status");
	json_t *running = json_object_get(st, "running");
	bool ok = json_is_object(st) && json_is_string(status) &&
		  json_is_false(running) &&
		  (strcmp(json_string_value(status), "prelaunch") == 0 ||
		   strcmp(json_string_value(status), "paused") == 0);
	json_decref(st);
	if (!ok)
		return bad(why, whylen, "query-status: not a paused VM");
	return qmp_execute(c, "cont", deadline_ms, NULL, NULL, NULL, why,
			   whylen);
}

int
qmp_pump(struct qmp_conn *c, void (*on_event)(const struct qmp_msg *, void *),
	 void *arg, char *why, size_t whylen)
{
	if (c->len == QMP_LINE_MAX)
		return bad(why, whylen, "message too long");
	ssize_t n = read(c->fd, c->buf + c->len, QMP_LINE_MAX - c->len);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN)
			       ? 0
			       : bad(why, whylen, "read failed");
	if (n == 0)
		return bad(why, whylen, "QEMU closed the channel");
	c->len += (size_t)n;
	for (;;) {
		struct qmp_msg m;
		int rc;
		if (!take_line(c, &m, &rc, why, whylen))
			return c->len == QMP_LINE_MAX
				       ? bad(why, whylen, "message too long")
				       : 0;
		if (rc < 0)
			return -1;
		bool is_event = m.kind == QMP_EVENT;
		if (is_event && on_event)
			on_event(&m, arg);
		qmp_msg_free(&m);
		if (!is_event)
			return bad(why, whylen, "unsolicited reply");
	}
}
