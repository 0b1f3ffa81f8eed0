/* The device model's command line: every host resource by fd, the
 * sandbox and the start-paused flags always present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/plan/vm_plan.h"

static struct vm_config cfg;
static struct vm_plan plan;

/* The argv as the plan builds it (a dry run: no host fds). */
static int
build(struct qemu_argv *a)
{
	static const struct dm_identity id = { .kind = IDENT_RANGE,
					       .uid = 131073,
					       .gid = 131073,
					       .exclusive = true };
	struct plan_input in = { .cfg = &cfg, .id = &id };
	char why[256];
	int rc = vm_plan_build(&in, &plan, why, sizeof(why));

	*a = plan.argv; /* freed by the caller's qemu_args_free */
	return rc;
}

static bool
has(const struct qemu_argv *a, const char *opt, const char *val)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (!strcmp(a->argv[i], opt) &&
		    (!val || !strcmp(a->argv[i + 1], val)))
			return true;
	return false;
}

static void
load(const char *text)
{
	struct cfg_error e;
	if (config_parse(text, strlen(text), "t.cfg", &cfg, &e) < 0)
		fail_msg("%s", e.msg);
}

static void
test_basic(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\nramdisk='/r'\ncmdline='console=ttyS0'\n"
	     "accel='tcg'\nmemory=300\nvcpus=2\n"
	     "disk=['vdev=xvda,access=rw,target=/secret/a.img',"
	     "'vdev=xvdb,access=ro,target=/secret/b.img']\n");
	assert_int_equal(build(&a), 0);
	assert_string_equal(a.argv[0], "/usr/bin/qemu-system-x86_64");
	assert_true(has(&a, "-nodefaults", NULL));
	assert_true(has(&a, "-no-user-config", NULL));
	assert_true(has(&a, "-S", NULL));
	assert_true(has(&a, "-sandbox",
			"on,obsolete=deny,elevateprivileges=deny,"
			"spawn=deny,resourcecontrol=deny"));
	assert_true(has(&a, "-machine",
			"pc,accel=tcg,usb=off,vmport=off,hpet=off"));
	assert_true(has(&a, "-m", "300"));
	assert_true(has(&a, "-smp", "2"));
	assert_true(has(&a, "-chardev",
			"socket,id=bh-qmp,fd=3,server=on,wait=off"));
	assert_true(has(&a, "-chardev",
			"socket,id=bh-console,fd=4,server=on,wait=off"));
	assert_true(has(&a, "-kernel", "/k"));
	assert_true(has(&a, "-initrd", "/r"));
	assert_true(has(&a, "-append", "console=ttyS0"));
	/* rw disk: ro fd 5 and rw fd 6; ro disk: only fd 7. */
	assert_true(has(&a, "-add-fd", "fd=5,set=1,opaque=xvda-ro"));
	assert_true(has(&a, "-add-fd", "fd=6,set=1,opaque=xvda-rw"));
	assert_true(has(&a, "-add-fd", "fd=7,set=2,opaque=xvdb-ro"));
	assert_false(has(&a, "-add-fd", "fd=8,set=2,opaque=xvdb-rw"));
	assert_int_equal(plan.fds.n, 8);
	assert_true(has(&a, "-blockdev",
			"driver=raw,node-name=disk-xvdb,"
			"file=file-xvdb,read-only=on"));
	assert_true(
		has(&a, "-action", "shutdown=pause,panic=pause,reboot=reset"));
	assert_true(has(&a, "-device", "pvpanic-pci"));
	/* No host path of a disk ever reaches QEMU. */
	for (size_t i = 0; i < a.n; i++)
		assert_null(strstr(a.argv[i], "/secret"));
	qemu_args_free(&a);
}

/* A block device (an LV, by fd like any disk) is QEMU's host_device:
 * its 'file' driver refuses anything but a regular file. */
static void
test_block_device_disk(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\naccel='tcg'\nmemory=300\n"
	     "disk=['vdev=xvda,access=rw,target=/dev/vg/lv',"
	     "'vdev=xvdb,access=ro,target=/img']\n");
	cfg.disks[0].blockdev = true; /* as create finds it when it opens */
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-blockdev",
			"driver=host_device,node-name=file-xvda,"
			"filename=/dev/fdset/1,read-only=off,"
			"auto-read-only=off,locking=off"));
	assert_true(has(&a, "-blockdev",
			"driver=file,node-name=file-xvdb,"
			"filename=/dev/fdset/2,read-only=on,"
			"auto-read-only=off,locking=off"));
	qemu_args_free(&a);
}

/* format=qcow2: the file layer as for raw (the fd the CLI opened), the
 * qcow2 driver over it with its backing file switched off: QEMU opens
 * no path a qcow2 header names. */
static void
test_qcow2_disk(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\naccel='tcg'\n"
	     "disk=['/secret/a.qcow2,qcow2,xvda,rw',"
	     "'format=qcow2,vdev=xvdb,access=ro,target=/secret/b.qcow2',"
	     "'/secret/c.img,raw,xvdc,rw']\n");
	assert_true(cfg.disks[0].qcow2 && cfg.disks[1].qcow2);
	assert_false(cfg.disks[2].qcow2);
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-blockdev",
			"driver=file,node-name=file-xvda,"
			"filename=/dev/fdset/1,read-only=off,"
			"auto-read-only=off,locking=off"));
	assert_true(has(&a, "-blockdev",
			"{\"driver\":\"qcow2\",\"node-name\":\"disk-xvda\","
			"\"file\":\"file-xvda\",\"read-only\":false,"
			"\"backing\":null}"));
	assert_true(has(&a, "-blockdev",
			"{\"driver\":\"qcow2\",\"node-name\":\"disk-xvdb\","
			"\"file\":\"file-xvdb\",\"read-only\":true,"
			"\"backing\":null}"));
	assert_true(has(&a, "-blockdev",
			"driver=raw,node-name=disk-xvdc,"
			"file=file-xvdc,read-only=off"));
	for (size_t i = 0; i < a.n; i++)
		assert_null(strstr(a.argv[i], "/secret"));
	qemu_args_free(&a);
}

/* An xl PV config: root and extra become -append, uuid becomes -uuid. */
static void
test_xl_keys(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\ntype='pv'\nroot='/dev/vda1 ro'\n"
	     "extra='console=ttyS0 quiet'\nmemory='512'\nmaxmem=512\n"
	     "uuid='3C8E3D2A-1B2C-4D5E-8F90-0123456789AB'\nvnc=0\n"
	     "serial='pty'\n");
	assert_int_equal(build(&a), 0);
	assert_true(
		has(&a, "-append", "root=/dev/vda1 ro console=ttyS0 quiet"));
	assert_true(has(&a, "-uuid", "3c8e3d2a-1b2c-4d5e-8f90-0123456789ab"));
	assert_true(has(&a, "-m", "512"));
	/* No display unless asked for: no VGA card, no VNC server. */
	assert_false(has(&a, "-vnc", NULL));
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.argv[i], "VGA"))
			fail_msg("a display device without vnc: %s", a.argv[i]);
	qemu_args_free(&a);
	load("name='vm'\nkernel='/k'\nextra='init=/bin/sh'\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-append", "init=/bin/sh"));
	assert_false(has(&a, "-uuid", NULL));
	qemu_args_free(&a);
}

/* vnc = 1: a VGA card and a VNC server that listens nowhere. */
static void
test_vnc(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\nvnc=1\nvnclisten='127.0.0.1:3'\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-device", "VGA,id=bh-vga"));
	assert_true(has(&a, "-vnc", "none"));
	assert_true(has(&a, "-display", "none"));
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.argv[i], "127.0.0.1") || strstr(a.argv[i], "5903"))
			fail_msg("the argv names a listen address: %s",
				 a.argv[i]);
	qemu_args_free(&a);
}

static void
test_vifs(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\ndisk=['vdev=xvda,target=/a']\n"
	     "vif=['bridge=br0,mac=00:16:3e:01:02:03', 'bridge=br1']\n");
	assert_int_equal(build(&a), 0);
	/* After the disk's two fds (5, 6): taps at 7 and 8. */
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 0), 7);
	assert_true(has(&a, "-netdev", "tap,id=net0,fd=7,vhost=off"));
	assert_true(has(&a, "-netdev", "tap,id=net1,fd=8,vhost=off"));
	assert_true(has(
		&a, "-device",
		"virtio-net-pci,netdev=net0,mac=00:16:3e:01:02:03,romfile="));
	assert_int_equal(plan.fds.n, 9);
	qemu_args_free(&a);
}

/* A user vif: QEMU's stream netdev on the passt socket's slot, an fd
 * address only (QEMU opens, binds and connects no path), no tap; a
 * bridged vif beside it keeps its tap. */
static void
test_user_vif(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\n"
	     "vif=['type=user,mac=00:16:3e:01:02:03', 'bridge=br1']\n");
	assert_int_equal(build(&a), 0);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_PASST, 0), 5);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 0), -1);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 1), 6);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_PASST, 1), -1);
	assert_true(has(&a, "-netdev",
			"stream,id=net0,server=off,addr.type=fd,addr.str=5"));
	assert_true(has(&a, "-netdev", "tap,id=net1,fd=6,vhost=off"));
	assert_true(has(
		&a, "-device",
		"virtio-net-pci,netdev=net0,mac=00:16:3e:01:02:03,romfile="));
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.argv[i], "path=") || strstr(a.argv[i], "unix"))
			fail_msg("a user vif names a path: %s", a.argv[i]);
	/* A user vif does not make guest RAM a shared memfd: passt sees
	 * frames, never guest memory. */
	for (size_t i = 0; i < a.n; i++)
		assert_null(strstr(a.argv[i], "memory-backend"));
	assert_int_equal(plan.fds.n, 7);
	qemu_args_free(&a);
}

static void
test_kvm_noreboot(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\non_reboot='destroy'\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-machine",
			"pc,accel=kvm,usb=off,vmport=off,hpet=off"));
	assert_true(has(&a, "-cpu", "host"));
	assert_true(has(&a, "-action",
			"shutdown=pause,panic=pause,reboot=shutdown"));
	assert_false(has(&a, "-initrd", NULL));
	assert_false(has(&a, "-append", NULL));
	qemu_args_free(&a);
}

/* Firmware boot: no -kernel, the boot order as bootindex on the first
 * CD drive and the first disk, each disk on its controller. */
static void
test_hvm(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\ntype='hvm'\nboot='dc'\nhdtype='ahci'\n"
	     "disk=['/x/a.img,raw,hda,w','/x/b.img,raw,sdb,w',"
	     "'/x/c.img,raw,hdc:cdrom,r','/x/d.img,raw,xvdd,w']\n"
	     "vif=['bridge=br0,model=e1000,mac=00:16:3e:00:00:01']\n");
	assert_int_equal(build(&a), 0);
	assert_false(has(&a, "-kernel", NULL));
	assert_false(has(&a, "-bios", NULL));
	assert_true(has(&a, "-boot", "strict=on"));
	assert_true(has(&a, "-device", "ahci,id=bh-ahci"));
	assert_true(has(&a, "-device", "virtio-scsi-pci,id=bh-scsi"));
	assert_true(has(&a, "-device",
			"ide-cd,bus=ide.1,unit=0,id=hdc,bootindex=1"));
	assert_true(has(&a, "-device",
			"ide-hd,bus=bh-ahci.0,drive=disk-hda,id=hda,"
			"bootindex=2"));
	assert_true(has(&a, "-device",
			"scsi-hd,bus=bh-scsi.0,channel=0,scsi-id=1,lun=0,"
			"drive=disk-sdb,id=sdb,serial=sdb"));
	assert_true(has(&a, "-device",
			"virtio-blk-pci,drive=disk-xvdd,id=xvdd,serial=xvdd"));
	assert_true(has(&a, "-device",
			"e1000,netdev=net0,mac=00:16:3e:00:00:01,romfile="));
	qemu_args_free(&a);
	/* IDE, OVMF, local time. */
	load("name='vm'\ntype='hvm'\nbios='ovmf'\nlocaltime=1\n"
	     "usbdevice=['tablet']\n"
	     "disk=['/x/a.img,raw,hdb,w']\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-bios", CONFIG_OVMF_IMAGE));
	/* The host's local time, as the toolstack reads it. */
	setenv("TZ", "UTC-5", 1);
	tzset();
	qemu_args_free(&a);
	char want[2][40]; /* the hour before and after: it may turn */
	for (int w = 0; w < 2; w++) {
		time_t t = time(NULL) + 5 * 3600;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(want[w], sizeof(want[w]), "base=%Y-%m-%dT%H", &tm);
		if (w == 0)
			assert_int_equal(build(&a), 0);
	}
	bool rtc = false;
	for (size_t i = 0; i + 1 < a.n; i++)
		for (int w = 0; w < 2; w++)
			rtc |= !strcmp(a.argv[i], "-rtc") &&
			       !strncmp(a.argv[i + 1], want[w],
					strlen(want[w]));
	assert_true(rtc);
	assert_true(
		has(&a, "-machine", "pc,accel=kvm,usb=on,vmport=off,hpet=off"));
	assert_true(has(&a, "-device", "usb-tablet,id=bh-tablet"));
	assert_true(has(&a, "-device",
			"ide-hd,bus=ide.0,unit=1,drive=disk-hdb,id=hdb,"
			"bootindex=1"));
	assert_false(has(&a, "-device", "ahci,id=bh-ahci"));
	qemu_args_free(&a);
	/* Direct kernel boot keeps no boot order and no -boot. */
	load("name='vm'\nkernel='/k'\ndisk=['/x/a.img,raw,hda,w']\n");
	assert_int_equal(build(&a), 0);
	assert_false(has(&a, "-boot", NULL));
	assert_true(has(&a, "-device",
			"virtio-blk-pci,drive=disk-hda,id=hda,serial=hda"));
	qemu_args_free(&a);
}

/* Whether the jail of cfg binds path (qemu_binds checks the host's
 * QEMU, firmware and ROM directories: make check installs them). */
static bool
bound(const char *path)
{
	static struct jail_bind b[JAIL_BINDS_MAX];
	char why[256];
	int n = qemu_binds(&cfg, b, JAIL_BINDS_MAX, why, sizeof(why));

	if (n < 0)
		fail_msg("qemu_binds: %s", why);
	for (int i = 0; i < n; i++)
		if (!strcmp(b[i].path, path))
			return true;
	return false;
}

/* Review 13: boot = 'nc' (network first, then disk) with a disk: boot_index
 * takes 'n' for a disk letter, so the disk gets n's bootindex=1 as well
 * as the vif, and QEMU refuses to start ("The bootindex 1 has already
 * been used"). The disk must be 2. */
static void
test_netboot_first(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\ntype='hvm'\nboot='nc'\n"
	     "disk=['/x/a.img,raw,hda,w']\n"
	     "vif=['bridge=br0,model=e1000']\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-device", "e1000,netdev=net0,bootindex=1"));
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.argv[i], "drive=disk-hda"))
			print_message("disk device: %s\n", a.argv[i]);
	assert_true(has(&a, "-device",
			"ide-hd,bus=ide.0,unit=0,drive=disk-hda,id=hda,"
			"bootindex=2"));
	qemu_args_free(&a);
}

/* boot = 'n': the first vif alone carries iPXE's ROM, at n's place in
 * the boot order, and only then is the ROM directory bound. */
static void
test_netboot(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\ntype='hvm'\nboot='cnd'\n"
	     "disk=['/x/a.img,raw,hda,w']\n"
	     "vif=['bridge=br0,model=rtl8139,mac=00:16:3e:00:00:01',"
	     "'bridge=br0,model=e1000']\n");
	assert_int_equal(build(&a), 0);
	assert_true(has(&a, "-device",
			"rtl8139,netdev=net0,mac=00:16:3e:00:00:01,"
			"bootindex=2"));
	assert_true(has(&a, "-device", "e1000,netdev=net1,romfile="));
	assert_true(has(&a, "-device",
			"ide-hd,bus=ide.0,unit=0,drive=disk-hda,id=hda,"
			"bootindex=1"));
	assert_true(bound(CONFIG_IPXE_DIR));
	qemu_args_free(&a);
	load("name='vm'\ntype='hvm'\nboot='n'\nvif=['bridge=br0']\n");
	assert_int_equal(build(&a), 0);
	assert_true(
		has(&a, "-device", "virtio-net-pci,netdev=net0,bootindex=1"));
	qemu_args_free(&a);
	/* Without n, or with a kernel (no firmware boot): no ROM, no bind. */
	const char *none[] = {
		"name='vm'\ntype='hvm'\nboot='c'\ndisk=['/x/a.img,raw,hda,w']\n"
		"vif=['bridge=br0,model=e1000']\n",
		"name='vm'\nkernel='/k'\nvif=['bridge=br0,model=e1000']\n",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		load(none[i]);
		assert_int_equal(build(&a), 0);
		assert_true(has(&a, "-device", "e1000,netdev=net0,romfile="));
		assert_false(bound(CONFIG_IPXE_DIR));
		qemu_args_free(&a);
	}
}

static void
test_cdrom(void **state)
{
	(void)state;
	struct qemu_argv a;
	load("name='vm'\nkernel='/k'\n"
	     "disk=['vdev=hdc,devtype=cdrom,target=/secret/a.iso',"
	     "'vdev=xvda,access=rw,target=/secret/a.img',"
	     "'vdev=hda,devtype=cdrom,target=']\n");
	assert_int_equal(build(&a), 0);
	/* The drives are empty IDE CD-ROMs; media come over QMP, so no fd
	 * and no path: the disk after the cdrom still starts at fd 5. */
	assert_true(has(&a, "-device", "ide-cd,bus=ide.1,unit=0,id=hdc"));
	assert_true(has(&a, "-device", "ide-cd,bus=ide.0,unit=0,id=hda"));
	assert_true(has(&a, "-add-fd", "fd=5,set=2,opaque=xvda-ro"));
	assert_true(has(&a, "-add-fd", "fd=6,set=2,opaque=xvda-rw"));
	assert_int_equal(plan.fds.n, 7);
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.argv[i], "a.iso"))
			fail_msg("argv names the medium: %s", a.argv[i]);
	qemu_args_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdrom),
		cmocka_unit_test(test_hvm),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_block_device_disk),
		cmocka_unit_test(test_qcow2_disk),
		cmocka_unit_test(test_kvm_noreboot),
		cmocka_unit_test(test_xl_keys),
		cmocka_unit_test(test_vifs),
		cmocka_unit_test(test_netboot),
		cmocka_unit_test(test_netboot_first),
		cmocka_unit_test(test_user_vif),
		cmocka_unit_test(test_vnc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
