/* QMP replies are hostile input: shapes are checked exactly, sizes and
 * nesting are bounded, and a peer that stalls or floods is cut off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/monitor/qmp.h"

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
			       "\"capabilities\": []}}", &m, why), 0);
	assert_int_equal(m.kind, QMP_GREETING);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"return\": {}, \"id\": 7}", &m, why), 0);
	assert_int_equal(m.kind, QMP_RETURN);
	assert_int_equal(m.id, 7);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"error\": {\"class\": \"GenericError\", "
			       "\"desc\": \"no\"}, \"id\": 2}", &m, why), 0);
	assert_int_equal(m.kind, QMP_ERROR);
	qmp_msg_free(&m);
	assert_int_equal(parse("{\"event\": \"STOP\", \"timestamp\": "
			       "{\"seconds\": 1, \"microseconds\": 2}}", &m, why), 0);
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
		"{\"return\": {}}",                      /* no id */
		"{\"return\": {}, \"id\": \"7\"}",       /* id not a number */
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
			       "\"id\": 1}", &m, why), 0);
	qmp_msg_free(&m);
}

static void
test_nul_inside(void **state)
{
	(void)state;
	const char s[] = "{\"return\": {}, \"id\": 1}\0";
	struct qmp_msg m;
	char why[256];
	assert_int_equal(qmp_parse_line(s, sizeof(s), &m, why, sizeof(why)), -1);
}

/* A peer on a socketpair: what it "sent" is written before we read. */
static int
peer(const char *data, struct qmp_conn *c, int *other)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	qmp_init(c, sv[0]);
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
	     "{\"return\": {}, \"id\": 3}\n", &conn, &o);
	assert_int_equal(qmp_handshake(&conn, now_ms() + 2000, why, sizeof(why)), 0);
	close(o);
	close(conn.fd);
}

static void
expect_handshake_fails(const char *data, const char *what)
{
	int o;
	char why[256] = "";
	peer(data, &conn, &o);
	assert_int_equal(qmp_handshake(&conn, now_ms() + 300, why, sizeof(why)), -1);
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
	expect_handshake_fails("{\"return\": {}, \"id\": 1}\n", "expected the greeting");
	snprintf(buf, sizeof(buf), "%s{\"return\": {}, \"id\": 9}\n", g);
	expect_handshake_fails(buf, "out of order");
	snprintf(buf, sizeof(buf), "%s{\"return\": {}, \"id\": 1}\n"
		 "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 2}\n", g);
	expect_handshake_fails(buf, "not a paused VM");
	snprintf(buf, sizeof(buf), "%s{\"error\": {\"class\": \"E\", \"desc\": \"nope\"}, \"id\": 1}\n", g);
	expect_handshake_fails(buf, "nope");
	snprintf(buf, sizeof(buf), "%s{\"return\": {}, \"id\": 1}\n{\"ret", g);
	expect_handshake_fails(buf, "timed out");
}

static void
test_event_flood(void **state)
{
	(void)state;
	int o;
	char why[256];
	size_t len = 0;
	char *buf = malloc(100 * 64);
	const char *ev = "{\"event\": \"E\", \"timestamp\": {}}\n";
	for (int i = 0; i < 100; i++) {
		memcpy(buf + len, ev, strlen(ev));
		len += strlen(ev);
	}
	buf[len] = '\0';
	peer(buf, &conn, &o);
	assert_int_equal(qmp_execute(&conn, "cont", now_ms() + 1000, NULL, NULL,
				     NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "event flood"));
	free(buf);
	close(o);
	close(conn.fd);
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
	assert_int_equal(qmp_read(&conn, now_ms() + 2000, &m, why, sizeof(why)), -1);
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
	     "\"timestamp\": {}}\n{\"eve", &conn, &o);
	assert_int_equal(qmp_pump(&conn, NULL, NULL, why, sizeof(why)), 0);
	assert_int_equal(conn.len, 5); /* partial line kept */
	assert_int_equal(write_all(o, "{\"return\": {}, \"id\": 4}\n", 24), 0);
	close(o);
	conn.len = 0;
	assert_int_equal(qmp_pump(&conn, NULL, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unsolicited"));
	assert_int_equal(qmp_pump(&conn, NULL, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "closed"));
	close(conn.fd);
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
		cmocka_unit_test(test_oversize_line),
		cmocka_unit_test(test_pump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
