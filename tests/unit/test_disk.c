/* xl disk specs: accepted forms and rejected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/config/disk.h"

/* qcow2 only when stated: key=value, positional, xend's tap:qcow2:. */
static void
test_qcow2(void **state)
{
	(void)state;
	struct disk_spec d;
	char why[256];
	static const char *const specs[] = {
		"format=qcow2, vdev=xvda, access=rw, target=/a",
		"/a,qcow2,xvda,rw",
		"tap:qcow2:/a,xvda,w",
		"tap:tapdisk:qcow2:/a,xvda,w",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		if (disk_spec_parse(specs[i], &d, why, sizeof(why)) < 0)
			fail_msg("%s: %s", specs[i], why);
		assert_true(d.qcow2);
		assert_string_equal(d.target, "/a");
	}
	assert_int_equal(
		disk_spec_parse("/a,raw,xvda,rw", &d, why, sizeof(why)), 0);
	assert_false(d.qcow2);
	assert_int_equal(disk_spec_parse("/a,,xvda,rw", &d, why, sizeof(why)),
			 0);
	assert_false(d.qcow2); /* no format: raw, never probed */
}

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
	{ "format=vhd, vdev=xvda, target=/a",
	  "disk format 'vhd' is not supported: raw, or qcow2 stated" },
	{ "format=qcow, vdev=xvda, target=/a",
	  "disk format 'qcow' is not supported" },
	{ "format=qcow2, vdev=hdc, devtype=cdrom, target=/a",
	  "format qcow2 is for a disk QEMU serves" },
	{ "format=qcow2, vdev=xvda, backendtype=isolated, target=/a",
	  "format qcow2 is for a disk QEMU serves" },
	{ "format=QCOW2, vdev=xvda, target=/a", "unknown disk format 'QCOW2'" },
	{ "format=vmdk, vdev=xvda, target=/a", "unknown disk format 'vmdk'" },
	{ "vdev=xvda, target=vg/../../etc/shadow",
	  "has a '.' or '..' component" },
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
	{ "vdev=xvda", "disk spec has no target=" },
	{ "access=rw, target=/a", "disk spec has no vdev=" },
	{ "", "disk spec has no vdev=" },
	/* xl's positional and deprecated forms, misused. */
	{ "/a,raw,xvda,rw,extra", "too many positional items at 'extra'" },
	{ "/a,qed,xvda", "disk format 'qed' is not supported" },
	{ "/a,bogus,xvda", "unknown disk format 'bogus'" },
	{ "tap:vhd:/a,xvda,w", "disk format 'vhd' is not supported" },
	{ "tap:qcow2:/a,qcow2,xvda,w", "bad vdev 'qcow2'" },
	{ "nbd:host:1234,xvda,w", "runs the host script block-nbd" },
	{ "drbd:res0,xvda,w", "runs the host script block-drbd" },
	{ "foo:/a,xvda,w", "unknown deprecated disk prefix 'foo:'" },
	{ "/a,,xvda:floppy", "devtype 'floppy' is not supported" },
	{ "/a,,xvda,rwx", "bad access 'rwx'" },
	{ "/a,,xvda,rw,access=ro", "disk spec key 'access' given twice" },
	{ "/a,raw,xvda,format=raw", "disk spec key 'format' given twice" },
	{ "raw:/a,raw,xvda", "bad vdev 'raw'" },
	{ "/a,,xvda,script=block-iscsi", "bulkhead runs no block scripts" },
	{ "/a,,xvda,backend=drv1", "driver domains are not supported" },
	{ "/a,,xvda,specification=xen", "never Xen PV" },
	{ "/a,,xvda,colo-host=h", "COLO replication is not supported" },
	{ "/a,,xvda,colo", "COLO replication is not supported" },
	{ "/a,,xvda,discard", "may not punch holes" },
	{ "/a,,xvda,backendtype=standalone",
	  "backendtype 'standalone' is not supported" },
	{ "/a,empty,xvda", "format 'empty' is for an empty cdrom drive" },
	{ "/a=b,,xvda", "bad disk spec item '/a=b'" },
	{ "/a,,xvda,cdrom,devtype=cdrom",
	  "disk spec key 'devtype' given twice" },
	{ "/a,,hdc,cdrom,rw", "a cdrom is read-only: drop access=rw" },
	{ ",,hdc", "empty path" },
	{ "phy:,xvda,w", "empty path" },
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

/* Every form xl-disk-configuration(5) documents, and xend's old ones,
 * with what each must mean. */
#define RO 1u
#define CD 2u
#define ISO 4u
static const struct {
	const char *spec;
	const char *target, *vdev;
	unsigned flags; /* RO, CD, ISO */
} xl_forms[] = {
	{ "/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", 0 },
	{ "/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda", 0 },
	{ "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
	  "/dev/vg/guest-volume", "hda", 0 },
	{ "raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda", 0 },
	{ "/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", RO | CD },
	{ "/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", RO | CD },
	{ "/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc",
	  RO | CD },
	{ "format=raw, vdev=hdc, access=ro, devtype=cdrom, "
	  "target=/root/image.iso",
	  "/root/image.iso", "hdc", RO | CD },
	{ "raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc",
	  RO | CD },
	{ ",hdc:cdrom,r", "", "hdc", RO | CD },
	{ "phy:/dev/vg/guest,xvda,w", "/dev/vg/guest", "xvda", 0 },
	{ "file:/srv/a.img,hda,w", "/srv/a.img", "hda", 0 },
	{ "file:/srv/a.img,xvda,r", "/srv/a.img", "xvda", RO },
	{ "tap:aio:/srv/a.img,xvda,w", "/srv/a.img", "xvda", 0 },
	{ "tap2:tapdisk:aio:/srv/a.img,xvdb,w", "/srv/a.img", "xvdb", 0 },
	{ "phy:vg/guest,xvda,w", "/dev/vg/guest", "xvda", 0 },
	{ "/srv/a.img,raw,xvda,rw", "/srv/a.img", "xvda", 0 },
	{ "vg/guest,,xvda", "/dev/vg/guest", "xvda", 0 },
	{ "  /srv/a.img , raw , xvda , ro ", "/srv/a.img", "xvda", RO },
	{ "/srv/a.img,,xvda,", "/srv/a.img", "xvda", 0 },
	{ "vdev=xvda, /srv/a.img, raw, ro", "/srv/a.img", "xvda", RO },
	{ ",,xvda,target=/srv/a,b.img", "/srv/a,b.img", "xvda", 0 },
	{ "/srv/a.img,,xvda,backendtype=isolated", "/srv/a.img", "xvda", ISO },
	{ "/srv/a.img,,xvda,backendtype=phy,direct-io-safe,no-discard",
	  "/srv/a.img", "xvda", 0 },
	{ "/srv/a.img,,xvda,backend=Domain-0,specification=virtio",
	  "/srv/a.img", "xvda", 0 },
	{ "hdc:cdrom,r", "/dev/hdc:cdrom", "", 0 }, /* a target: no vdev */
};

static void
test_xl_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(xl_forms) / sizeof(xl_forms[0]); i++) {
		struct disk_spec d;
		char why[256] = "";
		int rc =
			disk_spec_parse(xl_forms[i].spec, &d, why, sizeof(why));
		if (!xl_forms[i].vdev[0]) {
			/* xl reads 'hdc:cdrom,r' as a target and a format. */
			if (rc != -1)
				fail_msg("accepted: '%s'", xl_forms[i].spec);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", xl_forms[i].spec, why);
		if (strcmp(d.target, xl_forms[i].target) != 0 ||
		    strcmp(d.vdev, xl_forms[i].vdev) != 0 ||
		    d.readonly != !!(xl_forms[i].flags & RO) ||
		    d.cdrom != !!(xl_forms[i].flags & CD) ||
		    d.isolated != !!(xl_forms[i].flags & ISO))
			fail_msg("'%s': target '%s' vdev '%s' ro %d cdrom %d "
				 "isolated %d",
				 xl_forms[i].spec, d.target, d.vdev, d.readonly,
				 d.cdrom, d.isolated);
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
		"vdev=hdc, devtype=cdrom, target=vg/../../b.iso",
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
		cmocka_unit_test(test_good),     cmocka_unit_test(test_bad),
		cmocka_unit_test(test_xl_forms), cmocka_unit_test(test_vdev),
		cmocka_unit_test(test_cdrom),    cmocka_unit_test(test_qcow2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
