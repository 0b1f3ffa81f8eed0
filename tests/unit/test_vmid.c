/* VM ids: lowest free first, never handed out twice, reusable only after
 * release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/host/accounts.h"
#include "../../src/host/vmid.h"

static void
test_alloc_release(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-test-ids-XXXXXX";
	char p[128];

	assert_non_null(mkdtemp(dir));
	assert_int_equal(vmid_peek(dir), 1);
	assert_int_equal(vmid_alloc(dir, "a"), 1);
	assert_int_equal(vmid_alloc(dir, "b"), 2);
	assert_int_equal(vmid_alloc(dir, "c"), 3);
	assert_int_equal(vmid_peek(dir), 4);
	assert_int_equal(vmid_release(dir, 2), 0);
	assert_int_equal(vmid_peek(dir), 2);
	assert_int_equal(vmid_alloc(dir, "d"), 2);
	assert_int_equal(vmid_alloc(dir, "e"), 4);
	for (unsigned i = 1; i <= 4; i++)
		assert_int_equal(vmid_release(dir, i), 0);
	assert_int_equal(vmid_release(dir, 4), 0); /* idempotent */
	rmdir(dir);
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_true(vmid_alloc(p, "x") < 0);
}

static void
test_exhaustion(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-test-ids-XXXXXX";
	char p[128];
	assert_non_null(mkdtemp(dir));
	/* Fill all but the last id directly (alloc scans from 1, so filling
	 * through it would take quadratic time), then take the last. */
	for (unsigned i = VMID_MIN; i < VMID_MAX; i++) {
		snprintf(p, sizeof(p), "%s/%u", dir, i);
		close(open(p, O_CREAT | O_WRONLY, 0600));
	}
	assert_int_equal(vmid_alloc(dir, "x"), VMID_MAX);
	assert_int_equal(vmid_alloc(dir, "x"), -28 /* ENOSPC */);
	assert_int_equal(vmid_peek(dir), -28);
	for (unsigned i = VMID_MIN; i <= VMID_MAX; i++)
		vmid_release(dir, i);
	rmdir(dir);
}

static void
test_lock(void **state)
{
	(void)state;
	char path[] = "/tmp/bh-test-lock-XXXXXX";
	int t = mkstemp(path);
	assert_true(t >= 0);
	close(t);
	int fd = lock_take(path);
	assert_true(fd >= 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* A second holder must wait: non-blocking try fails. */
		int f2 = open(path, O_RDWR);
		_exit(flock(f2, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	lock_release(fd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_release),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
