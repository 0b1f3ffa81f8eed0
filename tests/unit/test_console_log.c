/* A guest flooding its console uses at most two capped files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/monitor/console_log.h"

static void
test_cap_and_rotate(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-test-log-XXXXXX";
	char path[256], old[260];
	struct console_log l;
	struct stat st;
	char buf[700];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/console.log", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(console_log_open(&l, path, 1000), 0);
	memset(buf, 'a', sizeof(buf));
	for (int i = 0; i < 50; i++)
		assert_int_equal(console_log_write(&l, buf, sizeof(buf)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 1000);
	assert_int_equal(stat(old, &st), 0);
	assert_int_equal(st.st_size, 1000);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* 50 * 700 = 35000 bytes: 35 full files were written in turn. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 35000 % 1000 ? 35000 % 1000 : 1000);
	console_log_close(&l);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

static void
test_refuses_symlink(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-test-log-XXXXXX";
	char path[256];
	struct console_log l;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/console.log", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_true(console_log_open(&l, path, 1000) < 0);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_and_rotate),
		cmocka_unit_test(test_refuses_symlink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
