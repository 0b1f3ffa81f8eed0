/* The channel from the QMP worker is a trust boundary: a worker taken
 * over by a device model may send anything. Messages are exact-size,
 * typed, range-checked and carry at most the fds their type allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/ipc/worker_msg.h"
#include "../../src/qmpworker/lifecycle.h"
#include "../../src/qmpworker/qmp.h"

static void
test_check_from_worker(void **state)
{
	(void)state;
	struct wk_msg m;
	char why[256];

	wk_msg_set(&m, WK_RESULT, QMP_REFUSED, 0, "Device 'hdc' is locked");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), 0);
	wk_msg_set(&m, WK_EVENT, 0, LC_CRASH, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), 0);
	wk_msg_set(&m, WK_VIOLATION, 0, 0, "event flood");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), 0);

	/* What a hostile worker might send instead. */
	wk_msg_set(&m, WK_RESULT, 7, 0, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_EVENT, 0, LC_INVALID, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_EVENT, 0, 12345, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_INSERT, 0, 0, ""); /* a request, not a reply */
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_VNC, 0, 0, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, 999, 0, 0, "");
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_RESULT, 0, 0, "");
	memset(m.text, 'A', sizeof(m.text)); /* no terminator */
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_RESULT, 0, 0, "");
	strcpy(m.text, "ok\033[2J"); /* a terminal escape */
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_RESULT, 0, 0, "");
	memset(m.vdev, 'x', sizeof(m.vdev));
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
}

static void
test_check_requests(void **state)
{
	(void)state;
	struct wk_msg m;
	char why[256];

	wk_msg_set(&m, WK_INSERT, 0, 0, "");
	strcpy(m.vdev, "hdc");
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), 0);
	strcpy(m.vdev, "../x");
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_HANDSHAKE, 0, 2, "");
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_RESULT, 0, 0, ""); /* a reply is no request */
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_POWERDOWN, 0, 0, "");
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), 0);
	wk_msg_set(&m, WK_POWERDOWN, 0, 0, ""); /* the monitor's only */
	assert_int_equal(wk_msg_check(&m, true, why, sizeof(why)), -1);
	wk_msg_set(&m, WK_VNC, 0, 0, "");
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), 0);
	wk_msg_set(&m, WK_VNC + 1, 0, 0, ""); /* past the last request */
	assert_int_equal(wk_msg_check(&m, false, why, sizeof(why)), -1);
}

static void
test_set_sanitizes(void **state)
{
	(void)state;
	struct wk_msg m;
	char longtext[1000];

	memset(longtext, 'z', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	wk_msg_set(&m, WK_RESULT, 0, 0, longtext);
	assert_int_equal(strlen(m.text), WK_TEXT_MAX - 1);
	wk_msg_set(&m, WK_RESULT, 0, 0, "a\nb\tc");
	assert_string_equal(m.text, "a?b?c");
}

static int
pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
}

static void
test_recv_sizes_and_fds(void **state)
{
	(void)state;
	int sv[2], fd;
	struct wk_msg m, got;

	assert_int_equal(pair(sv), 0);
	wk_msg_set(&m, WK_RESULT, 0, 0, "fine");
	assert_int_equal(wk_send(sv[1], &m, -1), 0);
	assert_int_equal(wk_recv(sv[0], &got, &fd, 100), 1);
	assert_int_equal(fd, -1);
	assert_string_equal(got.text, "fine");

	/* Short and long messages are refused whole. */
	assert_int_equal(write(sv[1], &m, sizeof(m) - 1),
			 (ssize_t)sizeof(m) - 1);
	assert_int_equal(wk_recv(sv[0], &got, &fd, 100), -EPROTO);
	char big[sizeof(m) + 16];
	memset(big, 0, sizeof(big));
	assert_int_equal(write(sv[1], big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(wk_recv(sv[0], &got, &fd, 100), -EPROTO);

	/* An fd where none is wanted: closed, the message refused. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(wk_send(sv[1], &m, p[0]), 0);
	assert_int_equal(wk_recv(sv[0], &got, NULL, 100), -EPROTO);
	/* One where one is wanted: delivered. */
	assert_int_equal(wk_send(sv[1], &m, p[0]), 0);
	assert_int_equal(wk_recv(sv[0], &got, &fd, 100), 1);
	assert_true(fd >= 0);
	close(fd);

	/* Silence is a timeout; the peer's end is 0. */
	assert_int_equal(wk_recv(sv[0], &got, &fd, 50), -ETIMEDOUT);
	close(sv[1]);
	assert_int_equal(wk_recv(sv[0], &got, &fd, 100), 0);
	close(sv[0]);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_from_worker),
		cmocka_unit_test(test_check_requests),
		cmocka_unit_test(test_set_sanitizes),
		cmocka_unit_test(test_recv_sizes_and_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
