/* Block devices the host uses are refused for VMs: the one holding "/"
 * says so; an unused device number passes. (Mounted loop devices are
 * in tests/e2e/blockdev.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../../src/host/blockuse.h"

static void
test_root_device_refused(void **state)
{
	(void)state;
	char why[256] = "";
	struct stat st;

	assert_int_equal(stat("/", &st), 0);
	if (major(st.st_dev) == 0) {
		skip(); /* "/" on overlayfs or tmpfs: no device holds it */
		return;
	}
	assert_int_equal(blockuse_check(st.st_dev, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "holds the host's root filesystem");
}

static void
test_unused_device_passes(void **state)
{
	(void)state;
	char why[256] = "";

	/* Major 240 is for local/experimental use: nothing mounts it. */
	assert_int_equal(blockuse_check(makedev(240, 77), why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_device_refused),
		cmocka_unit_test(test_unused_device_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
