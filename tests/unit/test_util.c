/* Connecting to a listener that takes no connection ends in time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../src/common/util.h"

#define FILL_MAX 64

/* A code that hangs fails the test instead of the suite. */
static void
on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "connect hung: no deadline\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

/* A listener like a hostile device model's: backlog 0, never accepts,
 * and its queue filled with connections nobody takes. */
static int
full_listener(const char *path, int *fill, size_t *nfill)
{
	int l = unix_listen_path(path, false);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_true(l >= 0);
	assert_int_equal(listen(l, 0), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (*nfill = 0; *nfill < FILL_MAX; (*nfill)++) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(c >= 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			assert_int_equal(errno, EAGAIN); /* full now */
			close(c);
			break;
		}
		fill[*nfill] = c;
	}
	assert_true(*nfill < FILL_MAX);
	return l;
}

static void
test_connect_full_backlog_times_out(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-test-conn-XXXXXX", path[128];
	int fill[FILL_MAX];
	size_t nfill;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qmp.sock", dir);
	int l = full_listener(path, fill, &nfill);

	signal(SIGALRM, on_alarm);
	alarm(5);
	uint64_t t0 = now_ms();
	int fd = unix_connect_path(path, 300);
	uint64_t took = now_ms() - t0;
	alarm(0);
	assert_int_equal(fd, -ETIMEDOUT);
	assert_true(took >= 250 && took < 2000);

	/* Room again: the same call connects. */
	close(fill[--nfill]);
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	fd = unix_connect_path(path, 300);
	assert_true(fd >= 0);
	close(fd);
	close(a);
	while (nfill > 0)
		close(fill[--nfill]);
	close(l);
	unlink(path);
	rmdir(dir);
}

static void
test_connect_errors_pass_through(void **state)
{
	(void)state;
	assert_int_equal(unix_connect_path("/nonexistent/bh.sock", 300),
			 -ENOENT);
}

/* Printable ASCII passes; the backslash and every other byte become
 * \xNN; a byte that would not fit whole is left out. */
static void
test_text_escape(void **state)
{
	(void)state;
	char out[32];
	size_t n = text_escape(out, sizeof(out), "a\\b\xff\n", 5);

	assert_int_equal(n, 14);
	assert_memory_equal(out, "a\\x5cb\\xff\\x0a", 14);
	assert_int_equal(text_escape(out, 3, "a\xff", 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_full_backlog_times_out),
		cmocka_unit_test(test_connect_errors_pass_through),
		cmocka_unit_test(test_text_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
