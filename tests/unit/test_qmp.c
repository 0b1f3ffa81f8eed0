/* QMP replies are hostile input: shapes are checked exactly, sizes and
 * nesting are bounded, and a peer that stalls or floods is cut off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/cgroup.h"
#include "../../src/host/hostfile.h"
#include "../../src/host/safe_open.h"
#include "../../src/monitor/copier_spawn.h"
#include "../../src/qmpworker/cdrom.h"
#include "../../src/qmpworker/vnc.h"
#include "../../src/qmpworker/lifecycle.h"
#include "../../src/qmpworker/migrate.h"
#include "../../src/qmpworker/qmp.h"

static int
parse(const char *s, struct qmp_msg *m, char *why)
{
	return qmp_parse_line(s, strlen(s), m, why, 256);
}

static void
test_good_shapes(void **state)
{
	(void)state;
	struct qmp_msg m;
	char why[256];

	assert_int_equal(parse("{\"QMP\": {\"version\": {\"qemu\": {}}, "
			       "\"capabilities\": []}}",
			       &m, why),
			 0);
	assert_int_equal(m.kind, QMP_GREETING);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"return\": {}, \"id\": 7}", &m, why), 0);
	assert_int_equal(m.kind, QMP_RETURN);
	assert_int_equal(m.id, 7);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"error\": {\"class\": \"GenericError\", "
			       "\"desc\": \"no\"}, \"id\": 2}",
			       &m, why),
			 0);
	assert_int_equal(m.kind, QMP_ERROR);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"event\": \"STOP\", \"timestamp\": "
			       "{\"seconds\": 1, \"microseconds\": 2}}",
			       &m, why),
			 0);
	assert_int_equal(m.kind, QMP_EVENT);
	assert_string_equal(m.event, "STOP");
	qmp_msg_free(&m);
}

static void
test_bad_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"garbage",
		"[1,2,3]",
		"\"string\"",
		"{}",
		"{\"return\": {}}",                /* no id */
		"{\"return\": {}, \"id\": \"7\"}", /* id not a number */
		"{\"return\": {}, \"id\": -1}",
		"{\"return\": {}, \"id\": 1, \"x\": 1}", /* extra key */
		"{\"error\": \"no\", \"id\": 1}",
		"{\"error\": {\"class\": 1, \"desc\": \"x\"}, \"id\": 1}",
		"{\"event\": 5, \"timestamp\": {}}",
		"{\"event\": \"X\"}",
		"{\"event\": \"X\", \"timestamp\": {}, \"data\": 3}",
		"{\"QMP\": 1}",
		"{\"return\": {}, \"id\": 1, \"id\": 2}", /* duplicate key */
		"{\"return\": {}, \"id\": 1} trailing",
		/* event names that could forge log lines */
		"{\"event\": \"STOP\\nbulkhead: forged\", \"timestamp\": {}}",
		"{\"event\": \"\", \"timestamp\": {}}",
		"{\"event\": \"stop\", \"timestamp\": {}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qmp_msg m;
		char why[256];
		if (parse(bad[i], &m, why) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_null(m.root);
	}
}

static void
test_deep_nesting(void **state)
{
	(void)state;
	char s[4096];
	size_t n = (size_t)snprintf(s, sizeof(s), "{\"return\": ");
	for (int i = 0; i < 1000; i++)
		s[n++] = '[';
	for (int i = 0; i < 1000; i++)
		s[n++] = ']';
	n += (size_t)snprintf(s + n, sizeof(s) - n, ", \"id\": 1}");
	struct qmp_msg m;
	char why[256];
	assert_int_equal(qmp_parse_line(s, n, &m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nested too deeply"));
	/* Brackets inside strings do not count. */
	assert_int_equal(parse("{\"return\": \"[[[[[[[[[[[[[[[[[[[[[[\", "
			       "\"id\": 1}",
			       &m, why),
			 0);
	qmp_msg_free(&m);
}

static void
test_nul_inside(void **state)
{
	(void)state;
	const char s[] = "{\"return\": {}, \"id\": 1}\0";
	struct qmp_msg m;
	char why[256];
	assert_int_equal(qmp_parse_line(s, sizeof(s), &m, why, sizeof(why)),
			 -1);
}

/* A peer on a socketpair: what it "sent" is written before we read. */
static int
peer(const char *data, struct qmp_conn *c, int *other)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	qmp_init(c, sv[0], NULL, NULL);
	if (data)
		assert_int_equal(write_all(sv[1], data, strlen(data)), 0);
	*other = sv[1];
	return sv[0];
}

static struct qmp_conn conn;

static void
test_handshake_ok(void **state)
{
	(void)state;
	int o;
	char why[256];
	peer("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n"
	     "{\"return\": {}, \"id\": 1}\n"
	     "{\"event\": \"X\", \"timestamp\": {}}\n"
	     "{\"return\": {\"status\": \"prelaunch\", \"running\": false}, \"id\": 2}\n"
	     "{\"return\": {}, \"id\": 3}\n",
	     &conn, &o);
	assert_int_equal(
		qmp_handshake(&conn, now_ms() + 2000, why, sizeof(why)), 0);
	close(o);
	close(conn.fd);
}

static void
expect_handshake_fails(const char *data, const char *what)
{
	int o;
	char why[256] = "";
	peer(data, &conn, &o);
	assert_int_equal(qmp_handshake(&conn, now_ms() + 300, why, sizeof(why)),
			 -1);
	if (!strstr(why, what))
		fail_msg("why '%s' want '%s'", why, what);
	close(o);
	close(conn.fd);
}

static void
test_handshake_hostile(void **state)
{
	(void)state;
	const char *g = "{\"QMP\": {\"version\": {}}}\n";
	char buf[1024];

	expect_handshake_fails("", "timed out");
	expect_handshake_fails("{\"return\": {}, \"id\": 1}\n",
			       "expected the greeting");
	snprintf(buf, sizeof(buf), "%s{\"return\": {}, \"id\": 9}\n", g);
	expect_handshake_fails(buf, "out of order");
	snprintf(
		buf, sizeof(buf),
		"%s{\"return\": {}, \"id\": 1}\n"
		"{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 2}\n",
		g);
	expect_handshake_fails(buf, "not a paused VM");
	snprintf(
		buf, sizeof(buf),
		"%s{\"error\": {\"class\": \"E\", \"desc\": \"nope\"}, \"id\": 1}\n",
		g);
	expect_handshake_fails(buf, "nope");
	snprintf(buf, sizeof(buf), "%s{\"return\": {}, \"id\": 1}\n{\"ret", g);
	expect_handshake_fails(buf, "timed out");
}

/* One event more than a second's allowance, as one text. */
static char *
flood_text(void)
{
	const char *ev = "{\"event\": \"E\", \"timestamp\": {}}\n";
	size_t len = 0;
	char *buf = malloc((QMP_EVENTS_PER_SEC + 1) * strlen(ev) + 1);

	assert_non_null(buf);
	for (int i = 0; i <= QMP_EVENTS_PER_SEC; i++) {
		memcpy(buf + len, ev, strlen(ev));
		len += strlen(ev);
	}
	buf[len] = '\0';
	return buf;
}

static void
test_event_flood(void **state)
{
	(void)state;
	int o;
	char why[256];
	char *buf = flood_text();
	peer(buf, &conn, &o);
	assert_int_equal(qmp_call(&conn, "cont", NULL, -1, qmp_shape_empty,
				  now_ms() + 1000, NULL, why, sizeof(why)),
			 QMP_BROKEN);
	assert_non_null(strstr(why, "event flood"));
	free(buf);
	close(o);
	close(conn.fd);
}

/* Events below the flood rate but without end, and never a reply: the
 * deadline still holds. */
static void
test_event_drip_never_replies(void **state)
{
	(void)state;
	int o;
	char why[256];
	peer(NULL, &conn, &o);
	pid_t pid = fork();
	if (pid == 0) {
		const char *ev = "{\"event\": \"E\", \"timestamp\": {}}\n";
		for (int i = 0; i < 400; i++) {
			if (write_all(o, ev, strlen(ev)) < 0)
				_exit(0);
			sleep_ms(5);
		}
		_exit(0);
	}
	uint64_t t0 = now_ms();
	assert_int_equal(qmp_call(&conn, "cont", NULL, -1, qmp_shape_empty,
				  t0 + 300, NULL, why, sizeof(why)),
			 QMP_BROKEN);
	assert_true(now_ms() - t0 < 1000);
	assert_non_null(strstr(why, "timed out"));
	close(conn.fd);
	close(o);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
test_oversize_line(void **state)
{
	(void)state;
	int o;
	char why[256];
	peer(NULL, &conn, &o);
	char *big = malloc(QMP_LINE_MAX + 10);
	memset(big, 'x', QMP_LINE_MAX + 10);
	/* Write from a child: the socket buffer is smaller than the line. */
	pid_t pid = fork();
	if (pid == 0) {
		(void)write_all(o, big, QMP_LINE_MAX + 10);
		_exit(0);
	}
	struct qmp_msg m;
	assert_int_equal(qmp_read(&conn, now_ms() + 2000, &m, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "too long"));
	close(conn.fd);
	close(o);
	waitpid(pid, NULL, 0);
	free(big);
}

static void
test_pump(void **state)
{
	(void)state;
	int o;
	char why[256];
	peer("{\"event\": \"A\", \"timestamp\": {}}\n{\"event\": \"B\", "
	     "\"timestamp\": {}}\n{\"eve",
	     &conn, &o);
	assert_int_equal(qmp_pump(&conn, why, sizeof(why)), 0);
	assert_int_equal(conn.len, 5); /* partial line kept */
	assert_int_equal(write_all(o, "{\"return\": {}, \"id\": 4}\n", 24), 0);
	close(o);
	conn.len = 0;
	assert_int_equal(qmp_pump(&conn, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unsolicited"));
	assert_int_equal(qmp_pump(&conn, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "closed"));
	assert_true(conn.eof);
	close(conn.fd);
}

static void
test_reply_shapes(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		bool empty, status, add_fd;
	} cases[] = {
		{ "{}", true, false, false },
		{ "{\"x\": 1}", false, false, false },
		{ "[]", false, false, false },
		{ "{\"status\": \"paused\", \"running\": false}", false, true,
		  false },
		{ "{\"status\": \"paused\", \"running\": false, \"singlestep\": false}",
		  false, true, false },
		{ "{\"status\": \"paused\", \"running\": false, \"extra\": false}",
		  false, false, false },
		{ "{\"status\": 1, \"running\": false}", false, false, false },
		{ "{\"status\": \"paused\", \"running\": 0}", false, false,
		  false },
		{ "{\"fdset-id\": 0, \"fd\": 3}", false, false, true },
		{ "{\"fdset-id\": -1, \"fd\": 3}", false, false, false },
		{ "{\"fdset-id\": \"0\", \"fd\": 3}", false, false, false },
		{ "{\"fdset-id\": 0}", false, false, false },
		{ "{\"fdset-id\": 0, \"fd\": 3, \"x\": 0}", false, false,
		  false },
		{ "{\"fdset-id\": 4294967296, \"fd\": 3}", false, false,
		  false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].json, 0, NULL);
		assert_non_null(v);
		if (qmp_shape_empty(v) != cases[i].empty ||
		    qmp_shape_status(v) != cases[i].status ||
		    qmp_shape_add_fd(v) != cases[i].add_fd)
			fail_msg("shape of %s", cases[i].json);
		json_decref(v);
	}
}

/* A scripted device model: for each request it reads, it checks the
 * command name, then sends the canned answer ("%d" becomes the id). It
 * exits 0 only if every request was the expected one; a received fd is
 * counted and reported in the exit status (+10 per fd). */
static pid_t
scripted_peer(int sock, const char *const *expect, const char *const *answer,
	      size_t n)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	int fds = 0;
	for (size_t i = 0; i < n; i++) {
		char line[1024];
		size_t got = 0;
		for (;;) {
			char ctl[CMSG_SPACE(sizeof(int))];
			struct iovec iov = { .iov_base = line + got,
					     .iov_len = 1 };
			struct msghdr mh = { .msg_iov = &iov,
					     .msg_iovlen = 1,
					     .msg_control = ctl,
					     .msg_controllen = sizeof(ctl) };
			if (recvmsg(sock, &mh, 0) != 1)
				_exit(1);
			if (CMSG_FIRSTHDR(&mh))
				fds++;
			if (line[got] == '\n' || ++got == sizeof(line) - 1)
				break;
		}
		line[got] = '\0';
		json_t *req = json_loads(line, 0, NULL);
		const char *cmd =
			json_string_value(json_object_get(req, "execute"));
		if (!cmd || strcmp(cmd, expect[i]) != 0)
			_exit(2);
		char out[1024];
		int len = snprintf(
			out, sizeof(out), answer[i],
			(int)json_integer_value(json_object_get(req, "id")));
		json_decref(req);
		if (write_all(sock, out, (size_t)len) < 0)
			_exit(3);
	}
	_exit(fds * 10);
}

static int
peer_status(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* A scripted peer on a fresh socketpair, conn connected to it. */
static pid_t
script(const char *const *expect, const char *const *answer, size_t n,
       int *other)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = scripted_peer(sv[1], expect, answer, n);
	qmp_init(&conn, sv[0], NULL, NULL);
	*other = sv[1];
	return pid;
}

static void
test_call_refused_and_sanitized(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "eject" };
	static const char *const answer[] = {
		"{\"error\": {\"class\": \"GenericError\", \"desc\": "
		"\"Device 'hdc' is locked\\u001b[31m\\nforged\"}, \"id\": %d}\n"
	};
	pid_t pid = script(expect, answer, 1, &other);
	assert_int_equal(
		cdrom_eject(&conn, "hdc", now_ms() + 2000, why, sizeof(why)),
		QMP_REFUSED);
	assert_string_equal(why, "Device 'hdc' is locked?[31m?forged");
	assert_int_equal(peer_status(pid), 0);
	close(conn.fd);
	close(other);
}

static void
test_call_wrong_shape(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "stop" };
	static const char *const answer[] = {
		"{\"return\": {\"x\": 1}, \"id\": %d}\n"
	};
	pid_t pid = script(expect, answer, 1, &other);
	assert_int_equal(qmp_call(&conn, "stop", NULL, -1, qmp_shape_empty,
				  now_ms() + 2000, NULL, why, sizeof(why)),
			 QMP_BROKEN);
	assert_non_null(strstr(why, "wrong shape"));
	assert_int_equal(peer_status(pid), 0);
	close(conn.fd);
	close(other);
}

static int
iso_fd(void)
{
	char path[] = "/tmp/bh-test-iso-XXXXXX";
	int w = mkstemp(path);
	assert_true(w >= 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	close(w);
	assert_true(fd >= 0);
	return fd;
}

static void
test_cdrom_insert_sequence(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "add-fd",
					      "blockdev-change-medium",
					      "remove-fd" };
	static const char *const answer[] = {
		"{\"return\": {\"fdset-id\": 7, \"fd\": 9}, \"id\": %d}\n",
		"{\"event\": \"DEVICE_TRAY_MOVED\", \"timestamp\": {}}\n"
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
	};
	pid_t pid = script(expect, answer, 3, &other);
	int fd = iso_fd();
	assert_int_equal(cdrom_insert(&conn, "hdc", fd, now_ms() + 2000, why,
				      sizeof(why)),
			 QMP_OK);
	assert_int_equal(peer_status(pid), 10); /* exactly one fd passed */
	close(fd);
	close(conn.fd);
	close(other);
}

static void
test_cdrom_insert_refused_drops_the_set(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "add-fd",
					      "blockdev-change-medium",
					      "remove-fd" };
	static const char *const answer[] = {
		"{\"return\": {\"fdset-id\": 0, \"fd\": 9}, \"id\": %d}\n",
		"{\"error\": {\"class\": \"GenericError\", \"desc\": \"locked\"}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
	};
	pid_t pid = script(expect, answer, 3, &other);
	int fd = iso_fd();
	assert_int_equal(cdrom_insert(&conn, "hdc", fd, now_ms() + 2000, why,
				      sizeof(why)),
			 QMP_REFUSED);
	assert_string_equal(why, "locked");
	assert_int_equal(peer_status(pid), 10);
	close(fd);
	close(conn.fd);
	close(other);
}

static void
test_cdrom_insert_hostile_add_fd(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "add-fd" };
	static const char *const answer[] = {
		"{\"return\": {\"fdset-id\": \"/etc/shadow\", \"fd\": 9}, \"id\": %d}\n",
	};
	pid_t pid = script(expect, answer, 1, &other);
	int fd = iso_fd();
	assert_int_equal(cdrom_insert(&conn, "hdc", fd, now_ms() + 2000, why,
				      sizeof(why)),
			 QMP_BROKEN);
	assert_int_equal(peer_status(pid), 10);
	close(fd);
	close(conn.fd);
	close(other);
}

/* A VNC client: its socket goes with getfd, then add_client names it. */
static void
test_vnc_add_client(void **state)
{
	(void)state;
	int other, sv[2];
	char why[256];
	static const char *const expect[] = { "getfd", "add_client" };
	static const char *const answer[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
	};
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = script(expect, answer, 2, &other);
	assert_int_equal(
		vnc_add_client(&conn, sv[0], now_ms() + 2000, why, sizeof(why)),
		QMP_OK);
	assert_int_equal(peer_status(pid), 10); /* exactly one fd passed */
	close(conn.fd);
	close(other);

	/* No VNC display: refused, and the named fd is closed again. */
	static const char *const expect2[] = { "getfd", "add_client",
					       "closefd" };
	static const char *const answer2[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"error\": {\"class\": \"GenericError\", \"desc\": "
		"\"no vnc\"}, \"id\": %d}\n",
		"{\"error\": {\"class\": \"GenericError\", \"desc\": "
		"\"not found\"}, \"id\": %d}\n",
	};
	pid = script(expect2, answer2, 3, &other);
	assert_int_equal(
		vnc_add_client(&conn, sv[0], now_ms() + 2000, why, sizeof(why)),
		QMP_REFUSED);
	assert_string_equal(why, "no vnc");
	assert_int_equal(peer_status(pid), 10);
	close(conn.fd);
	close(other);

	/* A hostile answer to getfd breaks the session. */
	static const char *const expect3[] = { "getfd" };
	static const char *const answer3[] = {
		"{\"return\": {\"fd\": 3}, \"id\": %d}\n",
	};
	pid = script(expect3, answer3, 1, &other);
	assert_int_equal(
		vnc_add_client(&conn, sv[0], now_ms() + 2000, why, sizeof(why)),
		QMP_BROKEN);
	assert_int_equal(peer_status(pid), 10);
	close(conn.fd);
	close(other);
	close(sv[0]);
	close(sv[1]);
}

/* Only a connected unix stream socket is a VNC client's fd: never a TCP
 * socket of the host's network namespace, a listener or a file. */
static void
test_vnc_checks(void **state)
{
	(void)state;
	char why[256];
	int sv[2], p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vnc_check_fd(sv[0], why, sizeof(why)), 0);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(vnc_check_fd(sv[0], why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a unix stream socket"));
	close(sv[0]);
	close(sv[1]);
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(tcp >= 0);
	assert_int_equal(vnc_check_fd(tcp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a unix stream socket"));
	close(tcp);
	int lone = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(vnc_check_fd(lone, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not connected"));
	close(lone);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vnc_check_fd(p[0], why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a socket"));
	/* The worker refuses it too, before QEMU hears of it. */
	int other;
	pid_t pid = script(NULL, NULL, 0, &other);
	assert_int_equal(
		vnc_add_client(&conn, p[0], now_ms() + 2000, why, sizeof(why)),
		QMP_REFUSED);
	assert_int_equal(peer_status(pid), 0);
	close(conn.fd);
	close(other);
	close(p[0]);
	close(p[1]);
}

static void
test_medium_checks(void **state)
{
	(void)state;
	char why[256];
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(medium_check_fd(p[0], why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file or block device"));
	int rw = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(medium_check_fd(rw, why, sizeof(why)), -1);
	close(rw);
	char path[] = "/tmp/bh-test-iso-XXXXXX";
	int w = mkstemp(path);
	assert_int_equal(medium_check_fd(w, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not read-only"));
	int fd = safe_open(path, O_RDONLY, SAFE_REG | SAFE_BLK, why,
			   sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(medium_check_fd(fd, why, sizeof(why)), 0);
	assert_int_equal(safe_open("/nonexistent/x.iso", O_RDONLY, SAFE_REG,
				   why, sizeof(why)),
			 -ENOENT);
	assert_non_null(strstr(why, "No such file"));
	unlink(path);
	close(w);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void
test_pump_event_flood(void **state)
{
	(void)state;
	int o;
	char why[256];
	char *buf = flood_text();
	peer(buf, &conn, &o);
	int rc = 0;
	while (rc == 0)
		rc = qmp_pump(&conn, why, sizeof(why));
	assert_non_null(strstr(why, "event flood"));
	free(buf);
	close(o);
	close(conn.fd);
}

static enum lifecycle_event
classify(const char *line)
{
	struct qmp_msg m;
	char why[256];
	assert_int_equal(parse(line, &m, why), 0);
	enum lifecycle_event e = lifecycle_classify(&m);
	qmp_msg_free(&m);
	return e;
}

#define EV(name, data) "{\"event\": \"" name "\", \"timestamp\": {}" data "}"

static void
test_lifecycle_classify(void **state)
{
	(void)state;
	assert_int_equal(
		classify(EV(
			"SHUTDOWN",
			", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}")),
		LC_POWEROFF);
	assert_int_equal(
		classify(EV(
			"SHUTDOWN",
			", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}")),
		LC_REBOOT);
	assert_int_equal(
		classify(EV(
			"SHUTDOWN",
			", \"data\": {\"guest\": true, \"reason\": \"guest-panic\"}")),
		LC_CRASH);
	assert_int_equal(
		classify(EV(
			"SHUTDOWN",
			", \"data\": {\"guest\": false, \"reason\": \"host-signal\"}")),
		LC_POWEROFF);
	assert_int_equal(classify(EV("GUEST_PANICKED",
				     ", \"data\": {\"action\": \"pause\"}")),
			 LC_CRASH);
	assert_int_equal(
		classify(EV(
			"RESET",
			", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}")),
		LC_NONE);
	assert_int_equal(classify(EV("STOP", "")), LC_NONE);
	/* Shapes a compromised device model might send instead. */
	assert_int_equal(classify(EV("SHUTDOWN", "")), LC_INVALID);
	assert_int_equal(
		classify(EV(
			"SHUTDOWN",
			", \"data\": {\"guest\": \"yes\", \"reason\": \"x\"}")),
		LC_INVALID);
	assert_int_equal(
		classify(EV("SHUTDOWN",
			    ", \"data\": {\"guest\": true, \"reason\": 5}")),
		LC_INVALID);
	assert_int_equal(classify(EV("GUEST_PANICKED", "")), LC_INVALID);
	assert_int_equal(
		classify(EV("GUEST_PANICKED", ", \"data\": {\"action\": []}")),
		LC_INVALID);
}

static void
test_lifecycle_restart_sequence(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "system_reset", "query-status",
					      "query-status", "cont" };
	static const char *const answer[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"shutdown\", \"running\": false}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"prelaunch\", \"running\": false}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
	};
	pid_t pid = script(expect, answer, 4, &other);
	assert_int_equal(
		lifecycle_restart(&conn, now_ms() + 2000, why, sizeof(why)),
		QMP_OK);
	assert_int_equal(peer_status(pid), 0);
	close(conn.fd);
	close(other);
}

static void
test_save_sequence(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "migrate-set-parameters", "getfd",
					      "migrate", "query-migrate",
					      "query-migrate" };
	static const char *const answer[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"active\", \"ram\": {}}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"completed\"}, \"id\": %d}\n",
	};
	if (geteuid() != 0) {
		print_message(
			"SKIPPED: the copier drops to another uid: needs root\n");
		skip();
	}
	char path[] = "/tmp/bh-test-save-XXXXXX";
	int file = mkstemp(path);
	assert_true(file >= 0);
	unlink(path);
	pid_t pid = script(expect, answer, 5, &other);
	int qemu_end;
	char root[] = "/tmp/bh-test-root-XXXXXX"; /* the copier's empty / */
	assert_non_null(mkdtemp(root));
	char vm[64], group[CG_NAME_MAX];
	snprintf(vm, sizeof(vm), "bhtest-unit-qmp-%d", (int)getpid());
	snprintf(group, sizeof(group), "%s+copier", vm);
	pid_t copier = save_copier_start(vm, file, true, root, 65534, 65534,
					 &qemu_end, why, sizeof(why));
	rmdir(root); /* mounted on in the copier's namespace, not here */
	if (copier < 0)
		fail_msg("%s", why);
	assert_int_equal(save_migrate_out(&conn, qemu_end, now_ms() + 5000, why,
					  sizeof(why)),
			 QMP_OK);
	close(qemu_end);
	/* The peer exits after its answers, closing the pipe's write end it
	 * was given: the copier sees EOF, fdatasyncs and finishes. */
	assert_int_equal(peer_status(pid), 10); /* one fd: the pipe */
	assert_int_equal(save_copier_finish(copier, true, true, now_ms() + 5000,
					    why, sizeof(why)),
			 0);
	/* The copier ran in a group of its own (CG_HELPER_* limits). */
	assert_int_equal(cgroup_count(group), 0);
	assert_int_equal(cgroup_remove(group), 0);
	/* A read-only fd is no save file. */
	int ro = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(save_check_fd(ro, true, why, sizeof(why)), -1);
	close(ro);
	assert_int_equal(save_check_fd(file, false, why, sizeof(why)), -1);
	close(file);
	close(conn.fd);
	close(other);
}

static void
test_save_migration_failed(void **state)
{
	(void)state;
	int other;
	char why[256];
	static const char *const expect[] = { "migrate-set-parameters", "getfd",
					      "migrate", "query-migrate" };
	static const char *const answer[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"failed\"}, \"id\": %d}\n",
	};
	if (geteuid() != 0) {
		print_message(
			"SKIPPED: the copier drops to another uid: needs root\n");
		skip();
	}
	char path[] = "/tmp/bh-test-save-XXXXXX";
	int file = mkstemp(path);
	unlink(path);
	pid_t pid = script(expect, answer, 4, &other);
	int qemu_end;
	char root[] = "/tmp/bh-test-root-XXXXXX"; /* the copier's empty / */
	assert_non_null(mkdtemp(root));
	char vm[64], group[CG_NAME_MAX];
	snprintf(vm, sizeof(vm), "bhtest-unit-qmp-%d", (int)getpid());
	snprintf(group, sizeof(group), "%s+copier", vm);
	pid_t copier = save_copier_start(vm, file, true, root, 65534, 65534,
					 &qemu_end, why, sizeof(why));
	rmdir(root); /* mounted on in the copier's namespace, not here */
	if (copier < 0)
		fail_msg("%s", why);
	assert_int_equal(save_migrate_out(&conn, qemu_end, now_ms() + 5000, why,
					  sizeof(why)),
			 QMP_REFUSED);
	close(qemu_end);
	assert_string_equal(why, "migration failed");
	assert_int_equal(peer_status(pid), 10);
	assert_int_equal(save_copier_finish(copier, true, false, 0, NULL, 0),
			 0);
	assert_int_equal(cgroup_remove(group), 0);
	close(file);
	close(conn.fd);
	close(other);
}

/* An incoming migration: QEMU answers query-migrate with no status until
 * the stream's first bytes arrive; that is "not yet", not a violation. A
 * status that is not a string still is one. */
static void
test_restore_status_absent(void **state)
{
	(void)state;
	int other, p[2];
	char why[256];
	static const char *const expect[] = { "getfd", "migrate-incoming",
					      "query-migrate",
					      "query-migrate" };
	static const char *const answer[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {\"status\": \"completed\"}, \"id\": %d}\n",
	};
	static const char *const bad[] = {
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {}, \"id\": %d}\n",
		"{\"return\": {\"status\": 7}, \"id\": %d}\n",
	};
	assert_int_equal(pipe(p), 0);
	pid_t pid = script(expect, answer, 4, &other);
	assert_int_equal(
		save_migrate_in(&conn, p[0], now_ms() + 5000, why, sizeof(why)),
		QMP_OK);
	assert_int_equal(peer_status(pid), 10); /* one fd: the pipe */
	close(conn.fd);
	close(other);
	pid = script(expect, bad, 3, &other);
	assert_int_equal(
		save_migrate_in(&conn, p[0], now_ms() + 5000, why, sizeof(why)),
		QMP_BROKEN);
	(void)peer_status(pid);
	close(conn.fd);
	close(other);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_shapes),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_handshake_ok),
		cmocka_unit_test(test_handshake_hostile),
		cmocka_unit_test(test_event_flood),
		cmocka_unit_test(test_event_drip_never_replies),
		cmocka_unit_test(test_oversize_line),
		cmocka_unit_test(test_pump),
		cmocka_unit_test(test_reply_shapes),
		cmocka_unit_test(test_call_refused_and_sanitized),
		cmocka_unit_test(test_call_wrong_shape),
		cmocka_unit_test(test_cdrom_insert_sequence),
		cmocka_unit_test(test_cdrom_insert_refused_drops_the_set),
		cmocka_unit_test(test_cdrom_insert_hostile_add_fd),
		cmocka_unit_test(test_vnc_add_client),
		cmocka_unit_test(test_vnc_checks),
		cmocka_unit_test(test_medium_checks),
		cmocka_unit_test(test_pump_event_flood),
		cmocka_unit_test(test_lifecycle_classify),
		cmocka_unit_test(test_lifecycle_restart_sequence),
		cmocka_unit_test(test_save_sequence),
		cmocka_unit_test(test_save_migration_failed),
		cmocka_unit_test(test_restore_status_absent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
