/* xl disk specs: accepted forms and rejected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/config/disk.h"

static void
test_good(void **state)
{
	(void)state;
	struct disk_spec d;
	char why[256];

	assert_int_equal(disk_spec_parse("format=raw, vdev=xvda, access=rw, "
					 "target=/img/a.img",
					 &d, why, sizeof(why)),
			 0);
	assert_string_equal(d.vdev, "xvda");
	assert_string_equal(d.target, "/img/a.img");
	assert_false(d.readonly);

	assert_int_equal(disk_spec_parse("vdev=hdc,access=ro,target=/a,b c.img",
					 &d, why, sizeof(why)),
			 0);
	assert_true(d.readonly);
	assert_string_equal(d.target, "/a,b c.img"); /* rest of the spec */

	assert_int_equal(disk_spec_parse("  vdev = sdb , devtype=disk, "
					 "target = /x  ",
					 &d, why, sizeof(why)),
			 0);
	assert_string_equal(d.vdev, "sdb");
	assert_string_equal(d.target, "/x");
}

static const struct {
	const char *spec;
	const char *why;
} bad[] = {
	{ "format=qcow2, vdev=xvda, target=/a",
	  "disk format 'qcow2' is not supported" },
	{ "format=vmdk, vdev=xvda, target=/a",
	  "disk format 'vmdk' is not supported" },
	{ "vdev=xvda, target=relative.img",
	  "path 'relative.img' is not absolute" },
	{ "vdev=xvda, target=/a/../etc/shadow", "has a '.' or '..' component" },
	{ "vdev=xvda, target=", "empty path" },
	{ "vdev=eth0, target=/a", "bad vdev 'eth0'" },
	{ "vdev=xvd, target=/a", "bad vdev 'xvd'" },
	{ "vdev=xvdabc, target=/a", "bad vdev 'xvdabc'" },
	{ "vdev=xvdA, target=/a", "bad vdev 'xvdA'" },
	{ "vdev=xvda, access=rwx, target=/a", "bad access 'rwx'" },
	{ "vdev=xvda, vdev=xvdb, target=/a",
	  "disk spec key 'vdev' given twice" },
	{ "vdev=xvda, colo=1, target=/a", "unknown disk spec key 'colo'" },
	{ "vdev=xvda, devtype=cdrom, target=/a",
	  "a cdrom's vdev must be hda, hdb, hdc or hdd" },
	{ "vdev=xvda, devtype=floppy, target=/a",
	  "devtype 'floppy' is not supported" },
	{ "/a,raw,xvda,rw", "is not key=value" },
	{ "vdev=xvda", "disk spec has no target=" },
	{ "access=rw, target=/a", "disk spec has no vdev=" },
	{ "", "is not key=value" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct disk_spec d;
		char why[256] = "";
		int rc = disk_spec_parse(bad[i].spec, &d, why, sizeof(why));
		if (rc != -1 || !strstr(why, bad[i].why))
			fail_msg("case '%s': rc %d why '%s'", bad[i].spec, rc,
				 why);
	}
}

static void
test_vdev(void **state)
{
	(void)state;
	assert_true(disk_vdev_valid("xvda"));
	assert_true(disk_vdev_valid("xvdzz"));
	assert_true(disk_vdev_valid("hdc"));
	assert_true(disk_vdev_valid("vdb"));
	assert_false(disk_vdev_valid(""));
	assert_false(disk_vdev_valid("xvd1"));
	assert_false(disk_vdev_valid("nvme0n1"));
}

static void
test_cdrom(void **state)
{
	(void)state;
	struct disk_spec d;
	char why[256];
	unsigned bus = 9, unit = 9;

	assert_int_equal(disk_spec_parse("vdev=hdc, devtype=cdrom, target=", &d,
					 why, sizeof(why)),
			 0);
	assert_true(d.cdrom);
	assert_true(d.readonly); /* always */
	assert_string_equal(d.target, "");
	assert_int_equal(disk_fd_count(&d), 0);
	assert_int_equal(disk_ide_slot(d.vdev, &bus, &unit), 0);
	assert_int_equal(bus, 1);
	assert_int_equal(unit, 0);
	assert_int_equal(disk_spec_parse("vdev=hdb, devtype=cdrom, access=ro, "
					 "target=/isos/x.iso",
					 &d, why, sizeof(why)),
			 0);
	assert_string_equal(d.target, "/isos/x.iso");
	assert_int_equal(disk_ide_slot(d.vdev, &bus, &unit), 0);
	assert_int_equal(bus, 0);
	assert_int_equal(unit, 1);
	static const char *const refused[] = {
		"vdev=hdc, devtype=cdrom, access=rw, target=",
		"vdev=hde, devtype=cdrom, target=",
		"vdev=xvda, devtype=cdrom, target=",
		"vdev=hdc, devtype=cdrom, target=relative.iso",
		"vdev=hdc, devtype=cdrom, target=/a/../b.iso",
		"vdev=hdc, target=", /* empty only for a cdrom */
		"vdev=hdc, devtype=floppy, target=",
		"vdev=hdc, devtype=cdrom, devtype=cdrom, target=",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (disk_spec_parse(refused[i], &d, why, sizeof(why)) != -1)
			fail_msg("accepted: %s", refused[i]);
	assert_int_equal(disk_ide_slot("hdaa", &bus, &unit), -1);
	assert_int_equal(disk_ide_slot("hd", &bus, &unit), -1);
	assert_int_equal(disk_ide_slot("sda", &bus, &unit), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_vdev),
		cmocka_unit_test(test_cdrom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
