/* A confined child's stderr reaches the monitor's log only as lines the
 * monitor wrote: prefixed, escaped, cut, capped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/monitor/child_log.h"

/* What the log holds: read back from a temporary file. */
static char *
log_text(int fd)
{
	static char buf[8 * CHILD_LOG_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int
tmp_log(void)
{
	char path[] = "/tmp/bh-test-childlog-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* A line that claims to be the monitor's, a terminal escape, a lone
 * backslash: each comes out after the prefix, escaped. */
static void
test_lines_prefixed_and_escaped(void **state)
{
	(void)state;
	struct child_log l;
	int out = tmp_log();
	static const char in[] = "\nbulkhead-monitor: forged\n\x1b[2Jx\\y\r\n"
				 "\n\nlast";

	child_log_init(&l, -1, out, "mon: wk", 4096);
	child_log_feed(&l, in, sizeof(in) - 1);
	assert_string_equal(log_text(out), "mon: wk| bulkhead-monitor: forged\n"
					   "mon: wk| \\x1b[2Jx\\x5cy\\x0d\n");
	child_log_close(&l); /* no pipe: the partial line stays unsaid */
	close(out);
}

/* A line past CHILD_LOG_LINE is cut and marked; the next one is whole. */
static void
test_long_line_cut(void **state)
{
	(void)state;
	struct child_log l;
	int out = tmp_log();
	char in[3 * CHILD_LOG_LINE];

	memset(in, 'a', sizeof(in));
	in[sizeof(in) - 3] = '\n';
	in[sizeof(in) - 2] = 'b';
	in[sizeof(in) - 1] = '\n';
	child_log_init(&l, -1, out, "p", 1 << 20);
	child_log_feed(&l, in, sizeof(in));
	char *t = log_text(out);
	char *nl = strchr(t, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - t,
			 strlen("p| ") + CHILD_LOG_LINE + strlen(" [cut]"));
	assert_string_equal(nl + 1, "p| b\n");
	close(out);
}

/* The total is capped, whatever the child writes; one line says so. */
static void
test_total_capped(void **state)
{
	(void)state;
	struct child_log l;
	int out = tmp_log();
	char in[100];

	memset(in, 'z', sizeof(in));
	in[sizeof(in) - 1] = '\n';
	child_log_init(&l, -1, out, "p", 1000);
	for (int i = 0; i < 10000; i++)
		child_log_feed(&l, in, sizeof(in));
	char *t = log_text(out);
	assert_true(strlen(t) <= 1000 + 64);
	char *last = strstr(t, "p| [more output dropped");
	assert_non_null(last); /* and it is the last line */
	assert_string_equal(strchr(last, '\n'), "\n");
	close(out);
}

/* Through a pipe: what is there now, then the end, whose unfinished
 * last line is still copied; the pipe is closed. */
static void
test_pipe(void **state)
{
	(void)state;
	struct child_log l;
	int out = tmp_log(), p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	child_log_init(&l, p[0], out, "p", 4096);
	assert_int_equal(write(p[1], "one\ntw", 6), 6);
	child_log_read(&l);
	assert_string_equal(log_text(out), "p| one\n");
	assert_true(l.in >= 0);
	assert_int_equal(write(p[1], "o", 1), 1);
	close(p[1]);
	child_log_read(&l);
	assert_string_equal(log_text(out), "p| one\np| two\n");
	assert_int_equal(l.in, -1);
	child_log_close(&l);
	close(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_prefixed_and_escaped),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_total_capped),
		cmocka_unit_test(test_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
