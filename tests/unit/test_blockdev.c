/* The disk behind a file, for cgroup I/O limits: files on tmpfs and
 * pipes are refused with a reason; a file on a real disk resolves to a
 * whole disk (never a partition), and the kernel takes the I/O limits
 * for it in a real cgroup (v1 blkio.throttle.*, v2 io.max). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/host/blockdev.h"
#include "../../src/host/cgroup.h"

static void
test_memfd_refused(void **state)
{
	(void)state;
	char why[256] = "";
	struct blockdev b;
	int fd = memfd_create("bh-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(blockdev_of_fd(fd, &b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no block device backs it"));
	close(fd);
}

static void
test_pipe_refused(void **state)
{
	(void)state;
	char why[256] = "";
	struct blockdev b;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(blockdev_of_fd(p[0], &b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "neither a regular file"));
	close(p[0]);
	close(p[1]);
}

/* A file in the current directory (the build tree). */
static int
disk_file(struct blockdev *b, char *why, size_t whylen)
{
	char path[] = "./bh-test-blockdev-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	int rc = blockdev_of_fd(fd, b, why, whylen);
	close(fd);
	return rc;
}

static void
test_file_on_disk(void **state)
{
	(void)state;
	char why[256] = "", p[128];
	struct blockdev b;
	if (disk_file(&b, why, sizeof(why)) < 0) {
		printf("SKIPPED: the build tree has no block device: %s\n",
		       why);
		skip();
	}
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", b.major, b.minor);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", b.major,
		 b.minor);
	assert_int_not_equal(access(p, F_OK), 0); /* a whole disk */
}

static void
test_io_limits_written(void **state)
{
	(void)state;
	char why[256] = "", v[128], want[128], name[64];
	struct cg_limits l = { .read_bps = 2097152,
			       .write_iops = 100,
			       .nio_devs = 1 };
	if (geteuid() != 0 || cgroup_detect() == CG_NONE) {
		printf("SKIPPED: needs root and a cgroup hierarchy\n");
		skip();
	}
	if (disk_file(&l.io_devs[0], why, sizeof(why)) < 0) {
		printf("SKIPPED: the build tree has no block device: %s\n",
		       why);
		skip();
	}
	unsigned ma = l.io_devs[0].major, mi = l.io_devs[0].minor;
	snprintf(name, sizeof(name), "bhtest-unit-io-%d", (int)getpid());
	int rc = cgroup_create(name, &l, why, sizeof(why));
	if (rc < 0 && cgroup_detect() == CG_V2 && rc == -ENOENT) {
		printf("SKIPPED: the io controller is not delegated here: %s\n",
		       why);
		skip();
	}
	assert_int_equal(rc, 0);
	if (cgroup_detect() == CG_V2) {
		assert_int_equal(
			cgroup_read(name, NULL, "io.max", v, sizeof(v)), 0);
		snprintf(want, sizeof(want),
			 "%u:%u rbps=2097152 wbps=max riops=max wiops=100", ma,
			 mi);
	} else {
		assert_int_equal(cgroup_read(name, "blkio",
					     "blkio.throttle.read_bps_device",
					     v, sizeof(v)),
				 0);
		snprintf(want, sizeof(want), "%u:%u 2097152", ma, mi);
		assert_string_equal(v, want);
		assert_int_equal(cgroup_read(name, "blkio",
					     "blkio.throttle.write_iops_device",
					     v, sizeof(v)),
				 0);
		snprintf(want, sizeof(want), "%u:%u 100", ma, mi);
		assert_string_equal(v, want);
		/* Unset limits are not written. */
		assert_int_equal(cgroup_read(name, "blkio",
					     "blkio.throttle.write_bps_device",
					     v, sizeof(v)),
				 0);
		snprintf(want, sizeof(want), "%s", "");
	}
	assert_string_equal(v, want);
	assert_int_equal(cgroup_remove(name), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memfd_refused),
		cmocka_unit_test(test_pipe_refused),
		cmocka_unit_test(test_file_on_disk),
		cmocka_unit_test(test_io_limits_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
