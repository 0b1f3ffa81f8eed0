/* Per-VM cgroups for real (root, and a cgroup hierarchy, required): the
 * limits are written, a fork bomb inside the group is stopped by
 * pids.max, the group is killed as a whole, and removed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/cgroup.h"

static char name[64];

static void
test_limits_written(void **state)
{
	(void)state;
	char why[256] = "", v[64];
	struct cg_limits l = { .memory_bytes = 300ull << 20, .pids_max = 40,
			       .cpu_weight = 50, .cpu_cap = 25 };
	assert_int_equal(cgroup_create(name, &l, why, sizeof(why)), 0);
	if (cgroup_detect() == CG_V2) {
		assert_int_equal(cgroup_read(name, NULL, "memory.max", v, sizeof(v)), 0);
		assert_string_equal(v, "314572800");
		assert_int_equal(cgroup_read(name, NULL, "pids.max", v, sizeof(v)), 0);
		assert_string_equal(v, "40");
		assert_int_equal(cgroup_read(name, NULL, "cpu.weight", v, sizeof(v)), 0);
		assert_string_equal(v, "50");
		assert_int_equal(cgroup_read(name, NULL, "cpu.max", v, sizeof(v)), 0);
		assert_string_equal(v, "25000 100000");
	} else {
		assert_int_equal(cgroup_read(name, "memory", "memory.limit_in_bytes", v, sizeof(v)), 0);
		assert_string_equal(v, "314572800");
		assert_int_equal(cgroup_read(name, "pids", "pids.max", v, sizeof(v)), 0);
		assert_string_equal(v, "40");
		assert_int_equal(cgroup_read(name, "cpu", "cpu.shares", v, sizeof(v)), 0);
		assert_string_equal(v, "512");
		assert_int_equal(cgroup_read(name, "cpu", "cpu.cfs_quota_us", v, sizeof(v)), 0);
		assert_string_equal(v, "25000");
	}
	assert_int_equal(cgroup_count(name), 0);
}

static void
test_fork_bomb_contained(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char why[256];
		if (cgroup_enter_self(name, why, sizeof(why)) < 0)
			_exit(90);
		/* Fork until the kernel says no; report how far we got. */
		int n = 0;
		for (; n < 1000; n++) {
			pid_t c = fork();
			if (c < 0)
				break;
			if (c == 0) {
				pause();
				_exit(0);
			}
		}
		(void)!write(p[1], &n, sizeof(n));
		pause();
		_exit(0);
	}
	int n = -1;
	assert_int_equal(read(p[0], &n, sizeof(n)), sizeof(n));
	/* 40 tasks in all: the bomber plus at most 39 children. */
	assert_true(n >= 30 && n <= 39);
	assert_int_equal(cgroup_count(name), n + 1);
	/* A stale group that holds processes is not silently reused. */
	char why[256] = "";
	struct cg_limits l = { 0 };
	assert_true(cgroup_create(name, &l, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "still holds processes"));
	/* Killed as a whole. */
	assert_int_equal(cgroup_kill(name), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	for (int i = 0; i < 100 && cgroup_count(name) > 0; i++)
		sleep_ms(20);
	assert_int_equal(cgroup_count(name), 0);
	close(p[0]);
	close(p[1]);
}

static void
test_remove(void **state)
{
	(void)state;
	int rc = -EBUSY;
	for (int i = 0; i < 50 && rc == -EBUSY; i++) {
		rc = cgroup_remove(name);
		if (rc == -EBUSY)
			sleep_ms(20);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(cgroup_count(name), 0);
	char v[64];
	assert_true(cgroup_read(name, cgroup_detect() == CG_V2 ? NULL : "pids",
				"pids.max", v, sizeof(v)) < 0);
}

int
main(void)
{
	if (geteuid() != 0 || cgroup_detect() == CG_NONE) {
		printf("test_cgroup: SKIPPED: needs root and a cgroup hierarchy\n");
		return 0;
	}
	snprintf(name, sizeof(name), "bhtest-unit-%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_written),
		cmocka_unit_test(test_fork_bomb_contained),
		cmocka_unit_test(test_remove),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cgroup_kill(name);
	sleep_ms(100);
	cgroup_remove(name);
	return rc;
}
