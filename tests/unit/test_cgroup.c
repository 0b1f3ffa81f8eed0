/* Per-VM cgroups. Anywhere: what each version writes into its control
 * files and reads back, on a plain directory tree shaped like it. For
 * real (root, and a cgroup hierarchy, required): the limits are written,
 * a fork bomb inside the group is stopped by pids.max, the group is
 * killed as a whole, and removed; backend groups are listed. On a hybrid
 * host, the v2 implementation runs on the v2 hierarchy beside v1 too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/cgroup.h"
#include "../../src/host/cgroup_ops.h"

static char name[64];

static void
test_limits_written(void **state)
{
	(void)state;
	char why[256] = "", v[64];
	struct cg_limits l = { .memory_bytes = 300ull << 20,
			       .pids_max = 40,
			       .cpu_weight = 50,
			       .cpu_cap = 25,
			       .cpus = "0" };
	assert_int_equal(cgroup_create(name, &l, why, sizeof(why)), 0);
	if (cgroup_detect() == CG_V2) {
		assert_int_equal(
			cgroup_read(name, NULL, "memory.max", v, sizeof(v)), 0);
		assert_string_equal(v, "314572800");
		assert_int_equal(
			cgroup_read(name, NULL, "pids.max", v, sizeof(v)), 0);
		assert_string_equal(v, "40");
		assert_int_equal(
			cgroup_read(name, NULL, "cpu.weight", v, sizeof(v)), 0);
		assert_string_equal(v, "50");
		assert_int_equal(
			cgroup_read(name, NULL, "cpu.max", v, sizeof(v)), 0);
		assert_string_equal(v, "25000 100000");
	} else {
		assert_int_equal(cgroup_read(name, "memory",
					     "memory.limit_in_bytes", v,
					     sizeof(v)),
				 0);
		assert_string_equal(v, "314572800");
		assert_int_equal(
			cgroup_read(name, "pids", "pids.max", v, sizeof(v)), 0);
		assert_string_equal(v, "40");
		assert_int_equal(
			cgroup_read(name, "cpu", "cpu.shares", v, sizeof(v)),
			0);
		assert_string_equal(v, "512");
		assert_int_equal(cgroup_read(name, "cpu", "cpu.cfs_quota_us", v,
					     sizeof(v)),
				 0);
		assert_string_equal(v, "25000");
		/* cpus: the cpuset, with its parent's memory nodes. */
		assert_int_equal(cgroup_read(name, "cpuset", "cpuset.cpus", v,
					     sizeof(v)),
				 0);
		assert_string_equal(v, "0");
		assert_int_equal(cgroup_read(name, "cpuset", "cpuset.mems", v,
					     sizeof(v)),
				 0);
		assert_true(v[0] != '\0');
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

/* A plain directory tree shaped like a hierarchy: a version's control
 * files are ordinary files there, created empty (cgroupfs files are never
 * created by a write), so what it writes can be read back. */
static char fake[64];

static void
fake_files(const char *dir, const char *const *files)
{
	char p[512];

	assert_int_equal(mkdir(dir, 0755), 0);
	for (; *files; files++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *files);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
}

static void
fake_expect(const char *dir, const char *file, const char *want)
{
	char v[128];

	assert_int_equal(cg_file_read(dir, file, v, sizeof(v)), 0);
	assert_string_equal(v, want);
}

static int
fake_setup(void **state)
{
	(void)state;
	snprintf(fake, sizeof(fake), "/tmp/bhtest-cgroup-XXXXXX");
	return mkdtemp(fake) ? 0 : -1;
}

static int
fake_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", fake);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct cg_limits fake_lim = {
	.memory_bytes = 300ull << 20,
	.pids_max = 40,
	.cpu_weight = 50,
	.cpu_cap = 25,
	.read_bps = 1 << 20,
	.write_iops = 100,
	.io_devs = { { 8, 0 } },
	.nio_devs = 1,
	.cpus = "1,3",
};

static void
test_v2_files(void **state)
{
	(void)state;
	static const char *const files[] = {
		"memory.max", "memory.swap.max", "memory.oom.group",
		"pids.max",   "cpu.weight",      "cpu.max",
		"io.max",     "cpuset.cpus",     NULL
	};
	struct cg_host h = { .ops = &cgroup_v2_ops };
	char dir[512];
	struct cg_limits got;

	snprintf(h.root, sizeof(h.root), "%s", fake);
	assert_int_equal(
		cgroup_v2_ops.group_dir(&h, NULL, "", dir, sizeof(dir)), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(
		cgroup_v2_ops.group_dir(&h, NULL, "vm", dir, sizeof(dir)), 0);
	fake_files(dir, files);
	assert_int_equal(cgroup_v2_ops.set_limits(NULL, dir, &fake_lim), 0);
	fake_expect(dir, "memory.max", "314572800");
	fake_expect(dir, "memory.swap.max", "0");
	fake_expect(dir, "memory.oom.group", "1");
	fake_expect(dir, "pids.max", "40");
	fake_expect(dir, "cpu.weight", "50");
	fake_expect(dir, "cpu.max", "25000 100000");
	fake_expect(dir, "io.max", "8:0 rbps=1048576 wiops=100");
	fake_expect(dir, "cpuset.cpus", "1,3");
	assert_int_equal(cg_get_limits(&h, "vm", &got), 0);
	assert_string_equal(got.cpus, "1,3");
	assert_int_equal(got.memory_bytes, 300ull << 20);
	assert_int_equal(got.pids_max, 40);
	assert_int_equal(got.cpu_weight, 50);
	assert_int_equal(got.cpu_cap, 25);
	/* A missing controller's file is a clear -ENOENT, not a silent 0. */
	struct cg_limits l = { .memory_bytes = 1 << 20 };
	assert_int_equal(cgroup_v2_ops.set_limits(NULL, fake, &l), -ENOENT);
}

static void
test_v1_files(void **state)
{
	(void)state;
	static const char *const mem[] = { "memory.limit_in_bytes",
					   "memory.memsw.limit_in_bytes",
					   NULL };
	static const char *const pids[] = { "pids.max", NULL };
	static const char *const cpu[] = { "cpu.shares", "cpu.cfs_period_us",
					   "cpu.cfs_quota_us", NULL };
	static const char *const blkio[] = { "blkio.throttle.read_bps_device",
					     "blkio.throttle.write_bps_device",
					     "blkio.throttle.read_iops_device",
					     "blkio.throttle.write_iops_device",
					     NULL };
	static const char *const *const files[] = { mem, pids, cpu, blkio };
	struct cg_host h = { .ops = &cgroup_v1_ops };
	char dir[512];
	struct cg_limits got;

	snprintf(h.root, sizeof(h.root), "%s", fake);
	for (size_t i = 0; i < 4; i++) {
		const char *hier = cgroup_v1_ops.hiers[i];
		snprintf(dir, sizeof(dir), "%s/%s", fake, hier);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(
			cgroup_v1_ops.group_dir(&h, hier, "", dir, sizeof(dir)),
			0);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(cgroup_v1_ops.group_dir(&h, hier, "vm", dir,
							 sizeof(dir)),
				 0);
		fake_files(dir, files[i]);
		assert_int_equal(cgroup_v1_ops.set_limits(hier, dir, &fake_lim),
				 0);
	}
	snprintf(dir, sizeof(dir), "%s/memory/bulkhead/vm", fake);
	fake_expect(dir, "memory.limit_in_bytes", "314572800");
	fake_expect(dir, "memory.memsw.limit_in_bytes", "314572800");
	snprintf(dir, sizeof(dir), "%s/pids/bulkhead/vm", fake);
	fake_expect(dir, "pids.max", "40");
	snprintf(dir, sizeof(dir), "%s/cpu/bulkhead/vm", fake);
	fake_expect(dir, "cpu.shares", "512");
	fake_expect(dir, "cpu.cfs_period_us", "100000");
	fake_expect(dir, "cpu.cfs_quota_us", "25000");
	snprintf(dir, sizeof(dir), "%s/blkio/bulkhead/vm", fake);
	fake_expect(dir, "blkio.throttle.read_bps_device", "8:0 1048576");
	fake_expect(dir, "blkio.throttle.write_bps_device", "");
	fake_expect(dir, "blkio.throttle.read_iops_device", "");
	fake_expect(dir, "blkio.throttle.write_iops_device", "8:0 100");
	assert_int_equal(cg_get_limits(&h, "vm", &got), 0);
	assert_int_equal(got.memory_bytes, 300ull << 20);
	assert_int_equal(got.pids_max, 40);
	assert_int_equal(got.cpu_weight, 50);
	assert_int_equal(got.cpu_cap, 25);
	/* cpuset: bulkhead/ made empty gets the root's CPUs and nodes; a
	 * group gets cpus, or without them its parent's. */
	static const char *const cs[] = { "cpuset.cpus", "cpuset.mems", NULL };
	char top[512];
	snprintf(top, sizeof(top), "%s/cpuset", fake);
	fake_files(top, cs);
	assert_int_equal(cg_file_write(top, "cpuset.cpus", "0-3"), 0);
	assert_int_equal(cg_file_write(top, "cpuset.mems", "0"), 0);
	snprintf(top, sizeof(top), "%s/cpuset/bulkhead", fake);
	fake_files(top, cs);
	assert_int_equal(cgroup_v1_ops.prepare(&h, "cpuset"), 0);
	fake_expect(top, "cpuset.cpus", "0-3");
	fake_expect(top, "cpuset.mems", "0");
	snprintf(dir, sizeof(dir), "%s/vm", top);
	fake_files(dir, cs);
	assert_int_equal(cgroup_v1_ops.set_limits("cpuset", dir, &fake_lim), 0);
	fake_expect(dir, "cpuset.cpus", "1,3");
	fake_expect(dir, "cpuset.mems", "0");
	struct cg_limits all = { 0 };
	assert_int_equal(cgroup_v1_ops.set_limits("cpuset", dir, &all), 0);
	fake_expect(dir, "cpuset.cpus", "0-3");
	/* v1 names a hierarchy for every file. */
	assert_int_equal(cg_read(&h, "vm", NULL, "pids.max", dir, sizeof(dir)),
			 -EINVAL);
}

/* Neither version under a root: every operation says so or does nothing. */
static void
test_no_hierarchy(void **state)
{
	(void)state;
	struct cg_host h;
	struct cg_limits l = { 0 };
	char why[256] = "", names[1][CG_NAME_MAX], v[16];

	cg_detect_at(&h, fake);
	assert_null(h.ops);
	assert_int_equal(cg_create(&h, "vm", &l, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "no usable cgroup hierarchy"));
	why[0] = '\0';
	assert_int_equal(cg_enter_self(&h, "vm", why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "no usable cgroup hierarchy"));
	assert_int_equal(cg_count(&h, "vm"), 0);
	assert_int_equal(cg_kill(&h, "vm"), 0);
	assert_int_equal(cg_remove(&h, "vm"), 0);
	assert_int_equal(cg_backend_groups(&h, "vm", names, 1), 0);
	assert_int_equal(cg_get_limits(&h, "vm", &l), -ENOTSUP);
	assert_true(cg_read(&h, "vm", "pids", "pids.max", v, sizeof(v)) < 0);
}

/* The host's layout as the public functions see it, detected once. */
static void
test_detected_once(void **state)
{
	(void)state;
	struct cg_host h;

	cg_detect_at(&h, CG_ROOT);
	assert_non_null(h.ops);
	assert_int_equal(h.ops->mode, cgroup_detect());
	assert_string_equal(h.root, CG_ROOT);
}

static void
test_backend_groups(void **state)
{
	(void)state;
	char why[256] = "", g[3][CG_NAME_MAX], names[4][CG_NAME_MAX];
	struct cg_limits l = { 0 };

	assert_int_equal(cgroup_backend_name(g[0], CG_NAME_MAX, name, "xvda"),
			 0);
	assert_int_equal(cgroup_backend_name(g[1], CG_NAME_MAX, name, "rng"),
			 0);
	/* Another VM whose name starts with this one's is not listed. */
	snprintf(g[2], CG_NAME_MAX, "%sx+xvda", name);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(cgroup_create(g[i], &l, why, sizeof(why)), 0);
	size_t n = cgroup_backend_groups(name, names, 4);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_true(!strcmp(names[i], g[0]) || !strcmp(names[i], g[1]));
	assert_int_equal(cgroup_backend_groups(name, names, 1), 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(cgroup_remove(g[i]), 0);
	assert_int_equal(cgroup_backend_groups(name, names, 4), 0);
}

/* The v2 hierarchy beside v1 on a hybrid host: every controller is v1's,
 * so v2 runs here for everything but its limits (test_v2_files has
 * those). */
static struct cg_host v2;
static char v2name[64];

static void
test_v2_create_refused(void **state)
{
	(void)state;
	char why[256] = "", v[16];
	struct cg_limits l = { .memory_bytes = 64 << 20, .pids_max = 10 };

	/* memory and pids are required: without them, refused whole. */
	assert_int_equal(cg_create(&v2, v2name, &l, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "controller is not available"));
	assert_int_equal(cg_count(&v2, v2name), 0);
	assert_int_equal(
		cg_read(&v2, v2name, NULL, "cgroup.procs", v, sizeof(v)),
		-ENOENT);
}

/* Fork a child into v2name's v2 group that forks three more; its pid. */
static pid_t
v2_family(void)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char why[256];
		if (cg_enter_self(&v2, v2name, why, sizeof(why)) < 0)
			_exit(90);
		for (int i = 0; i < 3; i++)
			if (fork() == 0) {
				pause();
				_exit(0);
			}
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	return pid;
}

static void
test_v2_lifecycle(void **state)
{
	(void)state;
	char dir[512], backend[CG_NAME_MAX], names[2][CG_NAME_MAX], v[256];
	struct cg_limits l;

	/* Made by hand: cg_create refuses here (test_v2_create_refused). */
	assert_int_equal(
		cgroup_backend_name(backend, sizeof(backend), v2name, "rng"),
		0);
	assert_int_equal(
		cgroup_v2_ops.group_dir(&v2, NULL, "", dir, sizeof(dir)), 0);
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
	assert_int_equal(
		cgroup_v2_ops.group_dir(&v2, NULL, v2name, dir, sizeof(dir)),
		0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(
		cgroup_v2_ops.group_dir(&v2, NULL, backend, dir, sizeof(dir)),
		0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(cg_backend_groups(&v2, v2name, names, 2), 1);
	assert_string_equal(names[0], backend);

	pid_t pid = v2_family();
	assert_int_equal(cg_count(&v2, v2name), 4);
	snprintf(dir, sizeof(dir), "/proc/%d/cgroup", (int)pid);
	char *text, want[128];
	assert_int_equal(file_read_all(dir, 1 << 16, &text, NULL), 0);
	snprintf(want, sizeof(want), "\n0::/" CG_PARENT "/%s\n", v2name);
	assert_non_null(strstr(text, want));
	free(text);
	assert_int_equal(
		cg_read(&v2, v2name, "pids", "cgroup.procs", v, sizeof(v)), 0);
	assert_true(atoi(v) > 0);
	assert_int_equal(cg_get_limits(&v2, v2name, &l), 0);
	assert_int_equal(l.memory_bytes + l.pids_max + l.cpu_cap, 0);

	assert_int_equal(cg_kill(&v2, v2name), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	for (int i = 0; i < 100 && cg_count(&v2, v2name) > 0; i++)
		sleep_ms(20);
	assert_int_equal(cg_count(&v2, v2name), 0);
	assert_int_equal(cg_remove(&v2, v2name), 0);
	assert_int_equal(cg_remove(&v2, backend), 0);
	assert_int_equal(cg_backend_groups(&v2, v2name, names, 2), 0);
	assert_int_equal(cg_kill(&v2, v2name), 0);
}

/* Real hierarchies: root, and a hierarchy the host uses for VMs. */
static int
run_host_tests(void)
{
	if (geteuid() != 0 || cgroup_detect() == CG_NONE) {
		printf("test_cgroup: host tests SKIPPED: needs root and a cgroup hierarchy\n");
		return 0;
	}
	printf("test_cgroup: host tests on cgroup %s\n",
	       cgroup_mode_name(cgroup_detect()));
	snprintf(name, sizeof(name), "bhtest-unit-%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detected_once),
		cmocka_unit_test(test_limits_written),
		cmocka_unit_test(test_fork_bomb_contained),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_backend_groups),
	};
	int rc = cmocka_run_group_tests_name("host", tests, NULL, NULL);
	cgroup_kill(name);
	sleep_ms(100);
	cgroup_remove(name);
	return rc;
}

/* v2 beside v1 (hybrid): root, and the v2 hierarchy at unified/. */
static int
run_v2_beside_tests(void)
{
	char parent[512];

	cg_detect_at(&v2, CG_ROOT "/unified");
	if (geteuid() != 0) {
		printf("test_cgroup: v2-beside-v1 tests SKIPPED: needs root\n");
		return 0;
	}
	if (cgroup_detect() != CG_V1 || !v2.ops || v2.ops->mode != CG_V2) {
		printf("test_cgroup: v2-beside-v1 tests SKIPPED: no hybrid host "
		       "(on pure v2 the host tests ran v2)\n");
		return 0;
	}
	printf("test_cgroup: v2 tests on %s\n", v2.root);
	snprintf(v2name, sizeof(v2name), "bhtest-unit-v2-%d", (int)getpid());
	assert_int_equal(
		cgroup_v2_ops.group_dir(&v2, NULL, "", parent, sizeof(parent)),
		0);
	/* bulkhead/ is left as found: VMs do not use it on this host. */
	bool had_parent = access(parent, F_OK) == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_create_refused),
		cmocka_unit_test(test_v2_lifecycle),
	};
	int rc = cmocka_run_group_tests_name("v2 beside v1", tests, NULL, NULL);
	cg_kill(&v2, v2name);
	sleep_ms(100);
	cg_remove(&v2, v2name);
	if (!had_parent)
		(void)rmdir(parent);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest files[] = {
		cmocka_unit_test_setup_teardown(test_v2_files, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_files, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_hierarchy, fake_setup,
						fake_teardown),
	};
	int rc =
		cmocka_run_group_tests_name("control files", files, NULL, NULL);
	rc |= run_host_tests();
	rc |= run_v2_beside_tests();
	return rc;
}
