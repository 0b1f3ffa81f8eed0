/* Key meanings, defaults, types and ranges of the VM config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/config/config.h"

static struct vm_config cfg;

static int
parse(const char *text, struct cfg_error *e)
{
	return config_parse(text, strlen(text), "vm.cfg", &cfg, e);
}

static void
test_defaults(void **state)
{
	(void)state;
	struct cfg_error e;

	assert_int_equal(parse("name='a'\nkernel='/k'\n", &e), 0);
	assert_string_equal(cfg.name, "a");
	assert_int_equal(cfg.memory_mib, 128);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.accel, ACCEL_KVM);
	assert_true(cfg.dm_restrict); /* secure by default */
	assert_string_equal(cfg.dm_binary, CONFIG_DEFAULT_DM);
	assert_int_equal(cfg.on_poweroff, ACTION_DESTROY);
	assert_int_equal(cfg.on_reboot, ACTION_RESTART);
	assert_int_equal(cfg.on_crash, ACTION_DESTROY);
	assert_int_equal(cfg.ndisks, 0);
	assert_int_equal(cfg.line[KEY_KERNEL], 2);
	assert_int_equal(cfg.line[KEY_RAMDISK], 0);
	assert_int_equal(cfg.memory_overhead_mib, 256);
	assert_int_equal(cfg.pids_max, 512);
	assert_int_equal(cfg.cpu_weight, 100);
	assert_int_equal(cfg.cpu_cap, 0);
}

static void
test_full(void **state)
{
	(void)state;
	struct cfg_error e;
	const char *t =
		"name = \"web-1.test_x\"\n"
		"memory = 512\n"
		"vcpus = 2\n"
		"kernel = '/boot/k'\n"
		"ramdisk = '/boot/i'\n"
		"cmdline = 'console=ttyS0 root=/dev/vda'\n"
		"disk = [ 'format=raw, vdev=xvda, access=rw, target=/a',\n"
		"         'vdev=xvdb, access=ro, target=/b' ]\n"
		"accel = 'tcg'\n"
		"dm_restrict = 1\n"
		"device_model_user = 'bh-vm1'\n"
		"device_model_override = '/opt/qemu'\n"
		"on_poweroff = 'destroy'\n"
		"on_reboot = 'destroy'\n"
		"on_crash = 'destroy'\n"
		"memory_overhead = 0\npids_max = 64\ncpu_weight = 10000\ncpu_cap = 150\n";

	assert_int_equal(parse(t, &e), 0);
	assert_int_equal(cfg.memory_mib, 512);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.ndisks, 2);
	assert_int_equal(cfg.disks[1].line, 8);
	assert_true(cfg.disks[1].readonly);
	assert_int_equal(cfg.accel, ACCEL_TCG);
	assert_string_equal(cfg.dm_user, "bh-vm1");
	assert_string_equal(cfg.dm_binary, "/opt/qemu");
	assert_int_equal(cfg.on_reboot, ACTION_DESTROY);
	assert_int_equal(cfg.memory_overhead_mib, 0);
	assert_int_equal(cfg.pids_max, 64);
	assert_int_equal(cfg.cpu_weight, 10000);
	assert_int_equal(cfg.cpu_cap, 150);
	const char *actions = "name='a'\nkernel='/k'\non_poweroff='preserve'\n"
			      "on_crash='restart'\non_reboot='restart'\n";
	assert_int_equal(parse(actions, &e), 0);
	assert_int_equal(cfg.on_poweroff, ACTION_PRESERVE);
	assert_int_equal(cfg.on_crash, ACTION_RESTART);
}

static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "name='a'\nkernel='/k'\nfoo = 1\n", "vm.cfg:3: foo: unknown key" },
	{ "name='a'\nkernel='/k'\nname='b'\n",
	  "vm.cfg:3: name: duplicate key (first set on line 1)" },
	{ "name='a'\nkernel='/k'\ndm_restrict=0\n"
	  "disk=['format=qcow2,vdev=xvda,target=/a']\n",
	  "vm.cfg:4: disk: format=qcow2 with dm_restrict = 0: QEMU as root" },
	/* passt runs as the backends' identity, which root has not. */
	{ "name='a'\nkernel='/k'\ndm_restrict=0\nvif=['type=user']\n",
	  "vm.cfg:3: a vif of type=user (passt) needs dm_restrict = 1" },
	{ "name='a'\nkernel='/k'\nvif=['type=user,bridge=br0']\n",
	  "vm.cfg:3: vif: vif type=user has no tap: bridge= does not apply" },
	{ "name='7'\nkernel='/k'\n",
	  "vm.cfg:1: name: '7': a name of digits only would be read as a VM "
	  "id" },
	{ "name=5\nkernel='/k'\n",
	  "vm.cfg:1: name: expected a string, got a number" },
	{ "name='a'\nkernel='/k'\nmemory=['256']\n",
	  "vm.cfg:3: memory: expected a number, got a list" },
	{ "name='a'\nkernel='/k'\nmemory='0x100'\n",
	  "vm.cfg:3: memory: expected a number, got '0x100'" },
	{ "name='a'\nkernel='/k'\nmemory='256 '\n",
	  "vm.cfg:3: memory: expected a number, got '256 '" },
	{ "name='a'\nkernel='/k'\nmemory=''\n",
	  "vm.cfg:3: memory: expected a number, got ''" },
	{ "name='a'\nkernel='/k'\nmemory='99999999999999999999'\n",
	  "vm.cfg:3: memory: expected a number, got '99999999999999999999'" },
	/* xl's keys: kept ones misused, refused ones with why. */
	{ "name='a'\nkernel='/k'\nmemory=512\nmaxmem=1024\n",
	  "vm.cfg:4: maxmem: 1024 differs from memory (512): there is no "
	  "ballooning" },
	{ "name='a'\nkernel='/k'\nvcpus=2\nmaxvcpus=4\n",
	  "vm.cfg:4: maxvcpus: 4 differs from vcpus (2): there is no vCPU "
	  "hot-plug" },
	/* HVM: firmware boot needs something to boot; each key's misuse. */
	{ "name='a'\ntype='hvm'\nboot='d'\ndisk=['/a,raw,hda,w']\n",
	  "vm.cfg:3: boot: the firmware would find nothing to boot: boot = "
	  "\"d\", but the VM has no CD drive; add a CD drive" },
	{ "name='a'\nbuilder='hvm'\n",
	  "vm.cfg:2: builder: the firmware would find nothing to boot: boot "
	  "= \"cd\", but the VM has no hard disk and no CD drive; add a disk "
	  "or a CD drive ('PATH,,hdc:cdrom,r'), or boot a kernel with "
	  "kernel=" },
	{ "name='a'\ntype='hvm'\nboot='n'\n",
	  "vm.cfg:3: boot: the firmware would find nothing to boot: boot = "
	  "\"n\", but the VM has no vif; add a vif, or boot" },
	{ "name='a'\ntype='hvm'\nboot='dnc'\n",
	  "vm.cfg:3: boot: the firmware would find nothing to boot: boot = "
	  "\"dnc\", but the VM has no hard disk, no CD drive and no vif; add "
	  "a disk, a CD drive ('PATH,,hdc:cdrom,r') or a vif, or boot" },
	{ "name='a'\ntype='hvm'\nboot='cnx'\n",
	  "vm.cfg:3: boot: unknown boot device 'x' (c: the first hard disk, "
	  "d: the first CD drive, n: the first vif)" },
	{ "name='a'\ntype='hvm'\nboot='cdnc'\n",
	  "vm.cfg:3: boot: 'cdnc': give the boot order as letters, each once" },
	{ "name='a'\ntype='hvm'\nboot='a'\n",
	  "vm.cfg:3: boot: 'a': there is no floppy drive" },
	{ "name='a'\ntype='hvm'\nboot='cc'\n",
	  "vm.cfg:3: boot: 'c' given twice" },
	{ "name='a'\ntype='hvm'\nboot='cdnx'\n",
	  "vm.cfg:3: boot: 'cdnx': give the boot order as letters" },
	{ "name='a'\ntype='hvm'\nboot='x'\n",
	  "vm.cfg:3: boot: unknown boot device 'x'" },
	{ "name='a'\nkernel='/k'\nboot='c'\n",
	  "vm.cfg:3: boot: only for an HVM guest: add type = \"hvm\"" },
	{ "name='a'\nkernel='/k'\ntype='hvm'\nboot='c'\n",
	  "vm.cfg:4: boot: this guest boots its kernel= directly" },
	{ "name='a'\nkernel='/k'\nbios='ovmf'\n",
	  "vm.cfg:3: bios: only for an HVM guest" },
	{ "name='a'\ntype='hvm'\nbios='rombios'\n",
	  "vm.cfg:3: bios: unknown bios 'rombios' (seabios, or ovmf" },
	{ "name='a'\ntype='hvm'\nhdtype='scsi'\n",
	  "vm.cfg:3: hdtype: unknown hdtype 'scsi' (ide or ahci)" },
	{ "name='a'\ntype='hvm'\ndisk=['/a,raw,hde,w']\n",
	  "vm.cfg:3: disk: IDE has four slots, hda to hdd" },
	{ "name='a'\ntype='hvm'\nhdtype='ahci'\ndisk=['/a,raw,hdg,w']\n",
	  "vm.cfg:4: disk: an AHCI controller has six ports" },
	{ "name='a'\ntype='hvm'\n"
	  "disk=['vdev=hda,backendtype=isolated,target=/a']\n",
	  "vm.cfg:3: disk: backendtype=isolated serves a virtio-blk disk" },
	{ "name='a'\ntype='hvm'\nacpi=0\n",
	  "vm.cfg:3: acpi: only 1 is supported: the PC always has ACPI" },
	{ "name='a'\ntype='hvm'\nhpet=1\n",
	  "vm.cfg:3: hpet: only 0 is supported: there is no HPET" },
	{ "name='a'\ntype='hvm'\nviridian='x'\n",
	  "vm.cfg:3: viridian: expected a number, got 'x'" },
	{ "name='a'\ntype='hvm'\nfirmware='uefi'\n",
	  "vm.cfg:3: firmware: not supported: xl's firmware is a PV or PVH "
	  "guest's" },
	{ "name='a'\ntype='hvm'\nsoundhw='hda'\n",
	  "vm.cfg:3: soundhw: not supported: no sound device" },
	{ "name='a'\nkernel='/k'\ntype='hvm'\nbuilder='hvm'\n",
	  "vm.cfg:4: builder: give type or builder (xm's name), not both" },
	{ "name='a'\nkernel='/k'\ntype='xen'\n",
	  "vm.cfg:3: type: unknown guest type 'xen' (pv, pvh or hvm)" },
	{ "name='a'\nkernel='/k'\ncmdline='x'\nextra='y'\n",
	  "vm.cfg:4: extra: give cmdline, or root and extra, not both" },
	{ "name='a'\nkernel='/k'\nuuid='3c8e3d2a-1b2c-4d5e-8f90-0123456789a'\n",
	  "vm.cfg:3: uuid: '3c8e3d2a-1b2c-4d5e-8f90-0123456789a' is not a "
	  "UUID" },
	{ "name='a'\nkernel='/k'\nuuid='3c8e3d2a+1b2c-4d5e-8f90-0123456789ab'\n",
	  "vm.cfg:3: uuid: '3c8e3d2a+1b2c-4d5e-8f90-0123456789ab' is not a UUID" },
	{ "name='a'\nkernel='/k'\nuuid='3c8e3d2a-1b2c-4d5e-8f90-0123456789ag'\n",
	  "vm.cfg:3: uuid: '3c8e3d2a-1b2c-4d5e-8f90-0123456789ag' is not a UUID" },
	{ "name='a'\nkernel='/k'\nbootloader='pygrub'\n",
	  "vm.cfg:3: bootloader: not supported: pygrub would read the guest's "
	  "filesystem as root" },
	{ "name='a'\nkernel='/k'\nvnc=2\n",
	  "vm.cfg:3: vnc: 2 is out of range 0..1" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvnclisten='0.0.0.0'\n",
	  "vm.cfg:4: vnclisten: '0.0.0.0' is not a loopback address: the "
	  "display has no password here" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvnclisten='localhost'\n",
	  "vm.cfg:4: vnclisten: 'localhost' is not an IPv4 address" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvnclisten='127.0.0.1:x'\n",
	  "vm.cfg:4: vnclisten: '127.0.0.1:x': expected ADDRESS or "
	  "ADDRESS:DISPLAY" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvnclisten='127.0.0.1:59636'\n",
	  "vm.cfg:4: vnclisten: '127.0.0.1:59636': expected ADDRESS" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvncdisplay=59636\n",
	  "vm.cfg:4: vncdisplay: 59636 is out of range 0..59635" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvnclisten='127.0.0.1:3'\n"
	  "vncdisplay=4\n",
	  "vm.cfg:5: vncdisplay: 4 differs from vnclisten's display :3" },
	{ "name='a'\nkernel='/k'\nvnc=1\nvncpasswd='secret'\n",
	  "vm.cfg:4: vncpasswd: not supported: the password would be handed "
	  "to the device model" },
	{ "name='a'\nkernel='/k'\nsdl='1'\n", "vm.cfg:3: sdl: not supported" },
	{ "name='a'\nkernel='/k'\nspice=1\n",
	  "vm.cfg:3: spice: not supported: SPICE is not in this version; use "
	  "vnc = 1" },
	{ "name='a'\nkernel='/k'\nvfb=['vnc=1']\n",
	  "vm.cfg:3: vfb: not supported: a paravirtual framebuffer" },
	{ "name='a'\nkernel='/k'\nusbdevice=['tablet']\n",
	  "vm.cfg:3: usbdevice: only for an HVM guest" },
	{ "name='a'\ntype='hvm'\nusbdevice='mouse'\n",
	  "vm.cfg:3: usbdevice: only 'tablet' is supported" },
	{ "name='a'\ntype='hvm'\nusbdevice=['tablet','keyboard']\n",
	  "vm.cfg:3: usbdevice: only 'tablet' is supported" },
	{ "name='a'\ntype='hvm'\nusb=1\ndisk=['/a,raw,hda,w']\n",
	  "vm.cfg:3: usb: a USB controller with nothing on it" },
	{ "name='a'\nkernel='/k'\npci=['01:00.0']\n",
	  "vm.cfg:3: pci: not supported: PCI passthrough" },
	{ "name='a'\nkernel='/k'\nserial='/dev/ttyS0'\n",
	  "vm.cfg:3: serial: '/dev/ttyS0': the serial port is the VM's console" },
	{ "name='a'\nkernel='/k'\ncpus_soft='0-3'\n",
	  "vm.cfg:3: cpus_soft: not supported: soft affinity" },
	{ "name='a'\nkernel='/k'\nfrobnicate=1\n",
	  "vm.cfg:3: frobnicate: unknown key" },
	{ "name='a'\nkernel='/k'\nvcpus='65'\n",
	  "vm.cfg:3: vcpus: 65 is out of range 1..64" },
	{ "name='a'\nkernel='/k'\nmemory=8\n",
	  "vm.cfg:3: memory: 8 is out of range 16..1048576" },
	{ "name='a'\nkernel='/k'\npids_max=8\n",
	  "vm.cfg:3: pids_max: 8 is out of range 16..65536" },
	{ "name='a'\nkernel='/k'\ncpu_weight=0\n",
	  "vm.cfg:3: cpu_weight: 0 is out of range 1..10000" },
	{ "name='a'\nkernel='/k'\ncpu_cap=6401\n",
	  "vm.cfg:3: cpu_cap: 6401 is out of range 0..6400" },
	{ "name='a'\nkernel='/k'\nmemory_overhead=70000\n",
	  "vm.cfg:3: memory_overhead: 70000 is out of range 0..65536" },
	{ "name='a'\nkernel='/k'\nvcpus=0\n",
	  "vm.cfg:3: vcpus: 0 is out of range 1..64" },
	{ "name='a'\nkernel='/k'\nvcpus=65\n",
	  "vm.cfg:3: vcpus: 65 is out of range" },
	{ "name='a'\nkernel='/k'\nmemory=4294967297\n",
	  "vm.cfg:3: memory: 4294967297 is out of range" },
	{ "name='a/b'\nkernel='/k'\n",
	  "vm.cfg:1: name: 'a/b' is not a valid name" },
	{ "name='.hidden'\nkernel='/k'\n",
	  "vm.cfg:1: name: '.hidden' is not a valid name" },
	{ "name='-x'\nkernel='/k'\n",
	  "vm.cfg:1: name: '-x' is not a valid name" },
	{ "name=''\nkernel='/k'\n", "vm.cfg:1: name: '' is not a valid name" },
	{ "name='a'\n", "vm.cfg: kernel: required key is missing" },
	{ "kernel='/k'\n", "vm.cfg: name: required key is missing" },
	{ "name='a'\nkernel='k'\n",
	  "vm.cfg:2: kernel: path 'k' is not absolute" },
	{ "name='a'\nkernel='/boot/../k'\n",
	  "vm.cfg:2: kernel: path '/boot/../k' has a '.' or '..' component" },
	{ "name='a'\nkernel='/k'\naccel='xen'\n",
	  "vm.cfg:3: accel: expected \"kvm\" or \"tcg\"" },
	{ "name='a'\nkernel='/k'\naccel=1\n",
	  "vm.cfg:3: accel: expected \"kvm\" or \"tcg\"" },
	{ "name='a'\nkernel='/k'\ndm_restrict=2\n",
	  "vm.cfg:3: dm_restrict: 2 is out of range 0..1" },
	{ "name='a'\nkernel='/k'\ndm_restrict='yes'\n",
	  "vm.cfg:3: dm_restrict: expected a number" },
	{ "name='a'\nkernel='/k'\ndevice_model_user='Root!'\n",
	  "vm.cfg:3: device_model_user: 'Root!' is not a valid user name" },
	{ "name='a'\nkernel='/k'\non_poweroff='rename-restart'\n",
	  "vm.cfg:3: on_poweroff: 'rename-restart' is not supported by this version" },
	{ "name='a'\nkernel='/k'\non_poweroff='restart'\non_reboot='destroy'\n",
	  "vm.cfg:3: on_poweroff: restart needs on_reboot = \"restart\"" },
	{ "name='a'\nkernel='/k'\non_crash='restart'\non_reboot='preserve'\n",
	  "vm.cfg:3: on_crash: restart needs on_reboot = \"restart\"" },
	{ "name='a'\nkernel='/k'\non_crash='explode'\n",
	  "vm.cfg:3: on_crash: unknown action 'explode'" },
	{ "name='a'\nkernel='/k'\ndisk='vdev=xvda,target=/a'\n",
	  "vm.cfg:3: disk: expected a list, got a string" },
	{ "name='a'\nkernel='/k'\ndisk=[ 5 ]\n",
	  "vm.cfg:3: disk: disk 1: expected a string" },
	{ "name='a'\nkernel='/k'\ndisk=[ 'vdev=xvda,target=/a',\n 'vdev=xvda,target=/b' ]\n",
	  "vm.cfg:4: disk: vdev 'xvda' used twice" },
	{ "name='a'\nkernel='/k'\ndisk=[ 'format=qed,vdev=xvda,target=/a' ]\n",
	  "vm.cfg:3: disk: disk format 'qed' is not supported" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_error e;
		int rc = parse(bad[i].text, &e);
		if (rc != -1 || strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: rc %d msg '%s' want '%s'", i, rc,
				 rc ? e.msg : "", bad[i].msg);
	}
}

/* xl reads a quoted number as the number. */
static void
test_quoted_numbers(void **state)
{
	(void)state;
	struct cfg_error e;

	assert_int_equal(parse("name='a'\nkernel='/k'\nmemory='256'\n"
			       "vcpus=\"4\"\ndisk_read_bps='0'\n",
			       &e),
			 0);
	assert_int_equal(cfg.memory_mib, 256);
	assert_int_equal(cfg.vcpus, 4);
	assert_int_equal(cfg.disk_read_bps, 0);
}

/* xl's keys that mean "off", and the kept ones used as xl users do. */
static void
test_xl_keys(void **state)
{
	(void)state;
	struct cfg_error e;

	assert_int_equal(parse("name='a'\nkernel='/k'\nvnc=0\nsdl='0'\n"
			       "usb=0\npci=[]\nvfb=[]\nserial='pty'\n"
			       "type='pvh'\nmemory=256\nmaxmem='256'\n"
			       "vcpus=2\nmaxvcpus=2\nroot='/dev/vda'\n",
			       &e),
			 0);
	assert_string_equal(cfg.cmdline, "root=/dev/vda");
	assert_false(cfg.hvm);
	assert_false(cfg.vnc);
	/* The display keys as xl configs give them. */
	assert_int_equal(parse("name='a'\nkernel='/k'\nvnc=1\n"
			       "vnclisten='127.0.0.2:7'\nvncunused=0\n"
			       "vncpasswd=''\n",
			       &e),
			 0);
	assert_true(cfg.vnc);
	assert_string_equal(cfg.vnclisten, "127.0.0.2");
	assert_int_equal(cfg.vncdisplay, 7);
	assert_false(cfg.vncunused);
	assert_int_equal(parse("name='a'\nkernel='/k'\nvnc='1'\n"
			       "vncdisplay=2\nvnclisten='127.0.0.1:2'\n",
			       &e),
			 0);
	assert_int_equal(cfg.vncdisplay, 2);
	assert_true(cfg.vncunused);
	assert_string_equal(cfg.vnclisten, "127.0.0.1");
	/* type = "hvm" with a kernel: a PC booting that kernel directly. */
	assert_int_equal(parse("name='a'\nkernel='/k'\ntype='hvm'\n", &e), 0);
	assert_true(cfg.hvm);
	assert_int_equal(
		parse("name='a'\nkernel='/k'\nbuilder='generic'\n", &e), 0);
	assert_false(cfg.hvm);
	/* root and extra may not overflow the command line. */
	char big[2400];
	int n = snprintf(big, sizeof(big),
			 "name='a'\nkernel='/k'\nroot='x'\n"
			 "extra='");
	memset(big + n, 'e', 2046);
	snprintf(big + n + 2046, sizeof(big) - (size_t)n - 2046, "'\n");
	assert_int_equal(parse(big, &e), -1);
	assert_non_null(strstr(e.msg, "longer than 2047 bytes"));
}

/* An HVM guest: firmware boot, and its disks on the controllers xl's
 * vdev names choose. */
static void
test_hvm(void **state)
{
	(void)state;
	struct cfg_error e;

	assert_int_equal(parse("name='a'\ntype='hvm'\nacpi=1\napic=1\n"
			       "pae=1\nhap=1\nhpet=0\nviridian=0\n"
			       "localtime=1\nusb=1\nusbdevice='tablet'\n"
			       "disk=['/a,raw,hdb,w',"
			       "'/b,raw,sdc,w','/c,raw,xvdd,w',"
			       "'/d,raw,vde,w','/e,raw,hdc:cdrom,r']\n",
			       &e),
			 0);
	assert_true(cfg.firmware_boot);
	assert_string_equal(cfg.boot, "cd"); /* xl's default */
	assert_int_equal(cfg.bios, BIOS_SEABIOS);
	assert_true(cfg.localtime);
	assert_true(cfg.usb_tablet);
	assert_int_equal(cfg.disks[0].bus, DISK_BUS_IDE);
	assert_int_equal(cfg.disks[0].slot, 1); /* primary slave */
	assert_int_equal(cfg.disks[1].bus, DISK_BUS_SCSI);
	assert_int_equal(cfg.disks[1].slot, 2);
	assert_int_equal(cfg.disks[2].bus, DISK_BUS_VIRTIO);
	assert_int_equal(cfg.disks[3].bus, DISK_BUS_VIRTIO);
	assert_true(cfg.disks[4].cdrom);
	/* AHCI, OVMF, a CD-only boot. */
	assert_int_equal(parse("name='a'\nbuilder='hvm'\nbios='ovmf'\n"
			       "hdtype='ahci'\nboot='d'\n"
			       "disk=['/a,raw,hdf,w','/e,raw,hdc:cdrom,r']\n",
			       &e),
			 0);
	assert_int_equal(cfg.bios, BIOS_OVMF);
	assert_int_equal(cfg.disks[0].bus, DISK_BUS_AHCI);
	assert_int_equal(cfg.disks[0].slot, 5);
	/* A PV guest's hdX and sdX are virtio-blk, as xl's PV disks are. */
	assert_int_equal(parse("name='a'\nkernel='/k'\n"
			       "disk=['/a,raw,hda,w','/b,raw,sdb,w']\n",
			       &e),
			 0);
	assert_false(cfg.firmware_boot);
	assert_int_equal(cfg.disks[0].bus, DISK_BUS_VIRTIO);
	assert_int_equal(cfg.disks[1].bus, DISK_BUS_VIRTIO);
	/* hvm with kernel=: QEMU loads it, the devices are emulated. */
	assert_int_equal(parse("name='a'\nkernel='/k'\ntype='hvm'\n"
			       "disk=['/a,raw,hda,w']\n",
			       &e),
			 0);
	assert_false(cfg.firmware_boot);
	assert_int_equal(cfg.disks[0].bus, DISK_BUS_IDE);
	char name[128];
	assert_int_equal(config_disk_guest_name(&cfg, 0, name, sizeof(name)),
			 1);
	assert_non_null(strstr(name, "sdX (libata"));
}

/* The names a Linux guest gives, where the vdev says otherwise. */
static void
test_guest_names(void **state)
{
	(void)state;
	struct cfg_error e;
	char n[128];

	assert_int_equal(
		parse("name='a'\nkernel='/k'\n"
		      "disk=['/a,raw,xvdb,w','/b,raw,hdc:cdrom,r',"
		      "'/c,raw,vdb,w','/d,raw,vdc,w','/e,raw,xvda,w']\n",
		      &e),
		0);
	assert_int_equal(config_disk_guest_name(&cfg, 0, n, sizeof(n)), 1);
	assert_string_equal(n, "vda (a virtio-blk disk, the 1st in the list)");
	assert_int_equal(config_disk_guest_name(&cfg, 1, n, sizeof(n)), 0);
	assert_int_equal(config_disk_guest_name(&cfg, 2, n, sizeof(n)), 0);
	assert_int_equal(config_disk_guest_name(&cfg, 3, n, sizeof(n)), 0);
	assert_int_equal(config_disk_guest_name(&cfg, 4, n, sizeof(n)), 1);
	assert_string_equal(n, "vdd (a virtio-blk disk, the 4th in the list)");
	/* An HVM guest's SCSI disk keeps its sd prefix. */
	assert_int_equal(
		parse("name='a'\ntype='hvm'\ndisk=['/a,raw,sda,w']\n", &e), 0);
	assert_int_equal(config_disk_guest_name(&cfg, 0, n, sizeof(n)), 0);
}

static void
test_disks_max(void **state)
{
	(void)state;
	char t[4096];
	struct cfg_error e;
	size_t n =
		(size_t)snprintf(t, sizeof(t), "name='a'\nkernel='/k'\ndisk=[");
	for (int i = 0; i < CONFIG_DISKS_MAX + 1; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n,
				      "'vdev=xvd%c,target=/a',", 'a' + i);
	snprintf(t + n, sizeof(t) - n, "]\n");
	assert_int_equal(parse(t, &e), -1);
	assert_string_equal(e.msg, "vm.cfg:3: disk: more than 16 disks");
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(config_name_valid("a"));
	assert_true(config_name_valid("web1.example-com_2"));
	assert_false(config_name_valid(".."));
	assert_false(config_name_valid("a b"));
	char long_name[BH_NAME_MAX + 2];
	memset(long_name, 'a', sizeof(long_name));
	long_name[BH_NAME_MAX + 1] = '\0';
	assert_false(config_name_valid(long_name));
	long_name[BH_NAME_MAX] = '\0';
	assert_true(config_name_valid(long_name));
}

/* A config a user owns may not choose how root acts: each root-only
 * key refused with its line, each allowed in root's config, and
 * dm_restrict = 1 (the default, said aloud) allowed for anyone. A vif
 * without vifname is the policy's to judge (test_policy), not refused
 * here. */
static void
test_owner_keys(void **state)
{
	(void)state;
	struct cfg_error e;
	static const struct {
		const char *line, *key;
	} keys[] = {
		{ "dm_restrict = 0", "dm_restrict" },
		{ "device_model_override = '/home/u/qemu'",
		  "device_model_override" },
		{ "device_model_user = 'bulkhead-dm-a'", "device_model_user" },
		{ "vif = [ 'bridge=br0, vifname=t0' ]", "vif: vifname" },
	};
	char text[256], want[128];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text), "name='a'\nkernel='/k'\n%s\n",
			 keys[i].line);
		assert_int_equal(parse(text, &e), 0);
		assert_int_equal(config_check_owner(&cfg, &e), 0); /* root's */
		cfg.owner.uid = 1000;
		assert_int_equal(config_check_owner(&cfg, &e), -1);
		snprintf(want, sizeof(want),
			 "vm.cfg:3: %s: not in a config owned by uid 1000",
			 keys[i].key);
		assert_non_null(strstr(e.msg, want));
		/* config_check_host refuses before it looks at any file. */
		assert_int_equal(config_check_host(&cfg, &e), -1);
		assert_non_null(strstr(e.msg, want));
	}
	assert_int_equal(parse("name='a'\nkernel='/k'\ndm_restrict = 1\n", &e),
			 0);
	cfg.owner.uid = 1000;
	assert_int_equal(config_check_owner(&cfg, &e), 0);
	assert_int_equal(
		parse("name='a'\nkernel='/k'\n"
		      "vif = [ 'bridge=br0, mac=00:16:3e:00:00:01' ]\n",
		      &e),
		0);
	cfg.owner.uid = 1000;
	assert_int_equal(config_check_owner(&cfg, &e), 0);
}

static int
parse_args(const char *text, const char *const *args, size_t n,
	   struct cfg_error *e)
{
	return config_parse_args(text, strlen(text), "vm.cfg", args, n, &cfg,
				 e);
}

/* create's key=value arguments: each replaces the file's value of its
 * key, the later of two wins, and what the file says of other keys
 * stays. Their lines are -N, the disks' and vifs' too. */
static void
test_overrides(void **state)
{
	(void)state;
	struct cfg_error e;
	const char *file = "name='a'\nkernel='/k'\nmemory=256\nvcpus=2\n"
			   "disk=['/f,raw,xvda,rw']\n";
	const char *a1[] = { "memory=512", "disk = [ '/o,raw,xvdb,ro' ]",
			     "memory = '1024'",
			     "vif=['mac=00:16:3e:00:00:01']" };

	assert_int_equal(parse_args(file, a1, 4, &e), 0);
	assert_int_equal(cfg.memory_mib, 1024);
	assert_int_equal(cfg.line[KEY_MEMORY], -3);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.line[KEY_VCPUS], 4);
	assert_int_equal(cfg.ndisks, 1);
	assert_string_equal(cfg.disks[0].target, "/o");
	assert_int_equal(cfg.disks[0].line, -2);
	assert_int_equal(cfg.vifs[0].line, -4);
	char w[CONFIG_WHERE_MAX];
	assert_string_equal(config_where(&cfg, -2, w, sizeof(w)),
			    "command line: argument 2");
	assert_string_equal(config_where(&cfg, 4, w, sizeof(w)), "vm.cfg:4");
	assert_string_equal(config_where(&cfg, 0, w, sizeof(w)), "vm.cfg");
	/* A required key may come from the command line alone. */
	const char *a2[] = { "kernel='/k2'" };
	assert_int_equal(parse_args("name='a'\n", a2, 1, &e), 0);
	assert_string_equal(cfg.kernel, "/k2");
	/* The file's own duplicates stay an error. */
	assert_int_equal(
		parse_args("name='a'\nname='b'\nkernel='/k'\n", NULL, 0, &e),
		-1);
	assert_non_null(strstr(e.msg, "vm.cfg:2: name: duplicate key"));
}

/* Hostile arguments: each refused, naming the command line and the
 * argument's index, never the file. */
static void
test_overrides_bad(void **state)
{
	(void)state;
	struct cfg_error e;
	static char huge[CFG_STR_MAX + 64];
	static const char *many[CFG_ENTRIES_MAX + 1];
	static const struct {
		const char *arg, *want;
	} hostile[] = {
		{ "memory", "command line: argument 2: memory: expected '='" },
		{ "=5", "command line: argument 2: expected a key name" },
		{ "", "command line: argument 2: expected key=value" },
		{ "  # a comment",
		  "command line: argument 2: expected key=value" },
		{ "memory=5", "command line: argument 2: memory: 5 is out of "
			      "range" },
		{ "frob=1", "command line: argument 2: frob: unknown key" },
		{ "memory=1\nvcpus=2", "command line: argument 2: a newline" },
		{ "name='a\nb'", "command line: argument 2: a newline" },
		{ "memory=1; vcpus=2", "argument 2: memory: unexpected text" },
		{ "name='x", "argument 2: name: unterminated string" },
		{ "name=\"a\"b\"", "argument 2: name: unexpected text" },
		{ "name=a", "argument 2: name: bad value" },
		{ "name='a\x01'", "argument 2: name: control character 0x01" },
		{ "disk=['/a',", "argument 2: disk: unterminated list" },
		{ "disk=[['/a']]", "argument 2: disk: nested lists" },
		{ "disk=['/a,raw']", "command line: argument 2: disk: " },
		{ "memory=-1", "argument 2: memory: negative numbers" },
		{ "name=['a']",
		  "argument 2: name: expected a string, got a list" },
		{ "bootloader='pygrub'",
		  "command line: argument 2: bootloader:" },
	};
	const char *file = "name='a'\nkernel='/k'\n";

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *args[] = { "vcpus=2", hostile[i].arg };
		assert_int_equal(parse_args(file, args, 2, &e), -1);
		if (!strstr(e.msg, hostile[i].want))
			fail_msg("%s: got '%s'", hostile[i].arg, e.msg);
		assert_null(strstr(e.msg, "vm.cfg"));
	}
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "name='", 6);
	const char *h[] = { huge };
	assert_int_equal(parse_args(file, h, 1, &e), -1);
	assert_non_null(strstr(e.msg, "command line: argument 1: name:"));
	/* More than the file may hold, in all: refused before parsing. */
	static char half[CFG_FILE_MAX / 2 + 2];
	memset(half, ' ', sizeof(half) - 1);
	const char *two[] = { half, half };
	assert_int_equal(parse_args(file, two, 2, &e), -1);
	assert_non_null(strstr(e.msg, "command line: key=value arguments "
				      "longer than"));
	for (size_t i = 0; i < CFG_ENTRIES_MAX + 1; i++)
		many[i] = "vcpus=1";
	assert_int_equal(parse_args(file, many, CFG_ENTRIES_MAX + 1, &e), -1);
	assert_non_null(strstr(e.msg, "command line: more than"));
	assert_int_equal(parse_args(file, many, CFG_ENTRIES_MAX, &e), 0);
}

/* A tenant gets no root-only key in through the command line, and the
 * refusal names the argument. */
static void
test_overrides_owner(void **state)
{
	(void)state;
	struct cfg_error e;
	static const struct {
		const char *arg, *key;
	} keys[] = {
		{ "dm_restrict=0", "dm_restrict" },
		{ "device_model_override='/home/u/qemu'",
		  "device_model_override" },
		{ "device_model_user='bulkhead-dm-a'", "device_model_user" },
		{ "vif=['bridge=br0, vifname=t0']", "vif: vifname" },
	};
	char want[128];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *args[] = { "memory=200", keys[i].arg };
		assert_int_equal(
			parse_args("name='a'\nkernel='/k'\n", args, 2, &e), 0);
		cfg.owner.uid = 1000;
		assert_int_equal(config_check_host(&cfg, &e), -1);
		snprintf(want, sizeof(want),
			 "command line: argument 2: %s: not in a config owned "
			 "by uid 1000",
			 keys[i].key);
		if (!strstr(e.msg, want))
			fail_msg("%s: got '%s'", keys[i].arg, e.msg);
	}
	/* Turning the file's dm_restrict = 0 back on is no root key. */
	const char *on[] = { "dm_restrict=1" };
	assert_int_equal(
		parse_args("name='a'\nkernel='/k'\ndm_restrict=0\n", on, 1, &e),
		0);
	cfg.owner.uid = 1000;
	assert_int_equal(config_check_owner(&cfg, &e), 0);
}

/* What create keeps for a take-over parses back to the same config;
 * with no arguments it is the file's text unchanged. */
static void
test_kept_text(void **state)
{
	(void)state;
	struct cfg_error e;
	const char *file = "name='a'\nkernel='/k'\nmemory=256\n";
	const char *args[] = { "memory=512", "vcpus=3" };
	char *kept;
	size_t klen;

	assert_int_equal(
		config_kept_text(file, strlen(file), NULL, 0, &kept, &klen), 0);
	assert_int_equal(klen, strlen(file));
	assert_memory_equal(kept, file, klen);
	free(kept);
	assert_int_equal(
		config_kept_text(file, strlen(file), args, 2, &kept, &klen), 0);
	assert_int_equal(config_parse_kept(kept, klen, "kept", &cfg, &e), 0);
	assert_int_equal(cfg.memory_mib, 512);
	assert_int_equal(cfg.vcpus, 3);
	assert_int_equal(cfg.line[KEY_VCPUS], -2);
	free(kept);
}

/* cpus as xl writes it, and hostile strings refused with the key. */
static void
test_cpus(void **state)
{
	(void)state;
	struct cfg_error e;
	uint64_t on[CPUSET_WORDS] = { 0 }, got[CPUSET_WORDS];
	char list[CPUSET_LIST_MAX], why[300], text[256];
	static const struct {
		const char *val, *want; /* want: the set on CPUs 0-7 online */
	} good[] = {
		{ "'0-3,5'", "0-3,5" },
		{ "'^1'", "0,2-7" },
		{ "'0-7,^2-3'", "0-1,4-7" },
		{ "['2', '2']", "2" },
		{ "\"7\"", "7" },
		{ "'^0,^7'", "1-6" },
	};
	static const struct {
		const char *val, *want;
	} hostile[] = {
		{ "'1-'", "not a CPU list" },
		{ "'3-1'", "not a CPU list" },
		{ "'1,,2'", "not a CPU list" },
		{ "''", "not a CPU list" },
		{ "'1024'", "not a CPU list" },
		{ "'99999999999999999999'", "not a CPU list" },
		{ "' 1'", "not a CPU list" },
		{ "'1 '", "not a CPU list" },
		{ "'-1'", "not a CPU list" },
		{ "'0x1'", "not a CPU list" },
		{ "'^'", "not a CPU list" },
		{ "'nodes:0'", "NUMA node sets" },
		{ "3", "expected a list, got a number" },
		{ "[]", "an empty list" },
		{ "['2', '3']", "a different set per vCPU" },
		{ "['2', 3]", "item 2: expected a string" },
	};

	on[0] = 0xff;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text),
			 "name='a'\nkernel='/k'\ncpus = %s\n", good[i].val);
		if (parse(text, &e) < 0)
			fail_msg("%s: %s", good[i].val, e.msg);
		assert_true(cfg.cpus.given);
		assert_int_equal(
			cpuset_resolve(&cfg.cpus, on, got, why, sizeof(why)),
			0);
		cpuset_format(got, list, sizeof(list));
		assert_string_equal(list, good[i].want);
	}
	assert_int_equal(parse("name='a'\nkernel='/k'\ncpus = 'all'\n", &e), 0);
	assert_false(cfg.cpus.given);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		snprintf(text, sizeof(text),
			 "name='a'\nkernel='/k'\ncpus = %s\n", hostile[i].val);
		assert_int_equal(parse(text, &e), -1);
		if (!strstr(e.msg, "vm.cfg:3: cpus: ") ||
		    !strstr(e.msg, hostile[i].want))
			fail_msg("%s: got '%s'", hostile[i].val, e.msg);
	}
	/* A CPU the host does not have online is named; an exclusion that
	 * leaves nothing is refused. */
	assert_int_equal(parse("name='a'\nkernel='/k'\ncpus='1,9'\n", &e), 0);
	assert_int_equal(cpuset_resolve(&cfg.cpus, on, got, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "CPU 9 is not online on this host "
				    "(online: 0-7)"));
	assert_int_equal(parse("name='a'\nkernel='/k'\ncpus='^0-7'\n", &e), 0);
	assert_int_equal(cpuset_resolve(&cfg.cpus, on, got, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "leaves no CPU"));
	/* The kernel's own lists, as /sys and cpuset files write them. */
	assert_int_equal(cpuset_list_parse("0-1,4\n", got), 0);
	assert_int_equal(got[0], 0x13);
	assert_int_equal(cpuset_list_parse("0-1 4", got), -1);
	/* config_check_host against this host: CPU 1023 is not online. */
	assert_int_equal(parse("name='a'\nkernel='/k'\ncpus='1023'\n", &e), 0);
	cfg.owner.uid = 0;
	assert_int_equal(config_check_host(&cfg, &e), -1);
	assert_non_null(strstr(e.msg, "vm.cfg:3: cpus: CPU 1023 is not online "
				      "on this host (online: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_quoted_numbers),
		cmocka_unit_test(test_xl_keys),
		cmocka_unit_test(test_hvm),
		cmocka_unit_test(test_guest_names),
		cmocka_unit_test(test_disks_max),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_owner_keys),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_overrides_bad),
		cmocka_unit_test(test_overrides_owner),
		cmocka_unit_test(test_kept_text),
		cmocka_unit_test(test_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
