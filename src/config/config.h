/* A VM's configuration: the meaning of the keys in an xl.cfg-style file.
 * config_parse() checks syntax, types and ranges; config_check_host()
 * checks what the named host files are. Neither opens a device model. */
#ifndef BULKHEAD_CONFIG_H
#define BULKHEAD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/paths.h"
#include "../host/safe_who.h"
#include "cfgfile.h"
#include "cpuset.h"
#include "disk.h"
#include "vif.h"

#define CONFIG_DISKS_MAX 16
#define CONFIG_VIFS_MAX 8
#define CONFIG_CMDLINE_MAX 2048 /* x86 COMMAND_LINE_SIZE */
#define CONFIG_USER_MAX 32

enum vm_accel { ACCEL_KVM, ACCEL_TCG };
/* What the monitor does when the guest powers off, reboots or crashes
 * (xl's on_poweroff/on_reboot/on_crash). restart resets the guest in the
 * same device model process: same uid, VM id, jail and limits. preserve
 * keeps it stopped for inspection until destroy. */
enum vm_action { ACTION_DESTROY, ACTION_RESTART, ACTION_PRESERVE };
/* The firmware of an HVM guest (xl's bios): SeaBIOS, or OVMF (UEFI). */
enum vm_bios { BIOS_SEABIOS, BIOS_OVMF };
/* Where an HVM guest's hdX disks sit (xl's hdtype). */
enum vm_hdtype { HDTYPE_IDE, HDTYPE_AHCI };
#define CONFIG_BOOT_MAX 3 /* c, d, n: each once */

/* Keys we know, for per-key line numbers in later messages. */
enum config_key {
	KEY_NAME,
	KEY_MEMORY,
	KEY_VCPUS,
	KEY_KERNEL,
	KEY_RAMDISK,
	KEY_CMDLINE,
	KEY_DISK,
	KEY_ACCEL,
	KEY_DM_RESTRICT,
	KEY_DM_USER,
	KEY_DM_OVERRIDE,
	KEY_ON_POWEROFF,
	KEY_ON_REBOOT,
	KEY_ON_CRASH,
	KEY_MEMORY_OVERHEAD,
	KEY_PIDS_MAX,
	KEY_CPU_WEIGHT,
	KEY_CPU_CAP,
	KEY_VIF,
	KEY_DISK_READ_BPS,
	KEY_DISK_WRITE_BPS,
	KEY_DISK_READ_IOPS,
	KEY_DISK_WRITE_IOPS,
	KEY_RNG,
	/* Kept for xl's sake (xl_keys.c). */
	KEY_EXTRA,
	KEY_ROOT,
	KEY_UUID,
	KEY_MAXMEM,
	KEY_MAXVCPUS,
	KEY_TYPE,
	KEY_BUILDER,
	KEY_SERIAL,
	/* An HVM guest's firmware and emulated PC (hvm_keys.c). */
	KEY_BOOT,
	KEY_BIOS,
	KEY_HDTYPE,
	KEY_LOCALTIME,
	KEY_USB,
	KEY_USBDEVICE,
	/* The display (vnc.c). */
	KEY_VNC,
	KEY_VNCLISTEN,
	KEY_VNCDISPLAY,
	KEY_VNCUNUSED,
	KEY_VNCPASSWD,
	KEY_CPUS,
	KEY_COUNT
};

struct vm_config {
	char file[PATH_MAX];
	char name[BH_NAME_MAX + 1];
	unsigned memory_mib;
	unsigned vcpus;
	char kernel[PATH_MAX];
	char ramdisk[PATH_MAX]; /* "" if none */
	char cmdline[CONFIG_CMDLINE_MAX];
	struct disk_spec disks[CONFIG_DISKS_MAX];
	size_t ndisks;
	struct vif_spec vifs[CONFIG_VIFS_MAX];
	size_t nvifs;
	enum vm_accel accel;
	bool dm_restrict;
	char dm_user[CONFIG_USER_MAX + 1]; /* "" if unset */
	char dm_binary[PATH_MAX];
	enum vm_action on_poweroff, on_reboot, on_crash;
	/* cgroup limits: memory.max = memory + memory_overhead */
	unsigned memory_overhead_mib;
	unsigned pids_max;
	unsigned cpu_weight; /* 1..10000, 100 = default share */
	unsigned cpu_cap;    /* percent of one CPU, 0 = no cap */
	/* Block I/O throttling of the disks' backing devices, per device;
	 * 0 = no limit. Any of them set means O_DIRECT disk I/O. */
	uint64_t disk_read_bps, disk_write_bps;
	uint64_t disk_read_iops, disk_write_iops;
	/* rng = "isolated": a virtio-rng served by bulkhead-rng. */
	bool rng_isolated;
	char uuid[37];       /* "" if none; else lower-case 8-4-4-4-12 */
	unsigned maxmem_mib; /* 0 if unset; must equal memory_mib */
	unsigned maxvcpus;   /* 0 if unset; must equal vcpus */
	bool hvm;            /* type = "hvm" or builder = "hvm" */
	/* An hvm guest without kernel= boots from its firmware, in the
	 * order of boot (letters c, d, n; xl's default "cd"). */
	bool firmware_boot;
	char boot[CONFIG_BOOT_MAX + 1];
	enum vm_bios bios;
	enum vm_hdtype hdtype;
	bool localtime;  /* the RTC keeps local time, not UTC */
	bool usb_tablet; /* usbdevice = 'tablet': UHCI and a USB tablet */
	bool usb_on;     /* usb = 1, which only usbdevice gives a use */
	/* xl's root and extra, joined into cmdline once all keys are read */
	char root[256];
	char extra[CONFIG_CMDLINE_MAX];
	/* vnc = 1: a VGA card and a VNC server with no listening socket;
	 * the rest only say where `bulkhead vnc` listens by default. */
	bool vnc;
	char vnclisten[16];    /* "" or a loopback IPv4 address */
	int vncdisplay;        /* -1 if unset; else port 5900 + this */
	int vnclisten_display; /* vnclisten's ":N", or -1 */
	bool vncunused;        /* a busy port: try the next ones */

	/* cpus: the host CPUs the device model may run on (cpuset.h) */
	struct cpuset_spec cpus;
	int line[KEY_COUNT]; /* 0 when the key was not given */
	/* Whose files it may name (safe_who.h): the config file's owner,
	 * set by whoever read it (config_parse leaves root: uid 0). */
	struct safe_who owner;
};

#define CONFIG_DEFAULT_DM "/usr/bin/qemu-system-x86_64"
/* bios = "ovmf": Debian's ovmf package, for every device model (an
 * override brings no firmware of its own). */
#define CONFIG_OVMF_DIR "/usr/share/ovmf"
#define CONFIG_OVMF_IMAGE CONFIG_OVMF_DIR "/OVMF.fd"
/* boot = 'n': Debian's ipxe-qemu, the first vif's option ROM. */
#define CONFIG_IPXE_DIR "/usr/lib/ipxe/qemu"
#define CONFIG_MEMORY_OVERHEAD_DEFAULT 256u /* MiB */

/* Parse text (from file fname). -1 with err->msg "file:line: key: why". */
int config_parse(const char *text, size_t len, const char *fname,
		 struct vm_config *cfg, struct cfg_error *err);
/* create's key=value arguments, as xl's: each is one statement by the
 * file's syntax, checked by the file's rules, and replaces the file's
 * value of its key (of two arguments with one key, the later wins).
 * Line -N (cfg->line, disk and vif lines) is the Nth argument. */
int config_parse_args(const char *text, size_t len, const char *fname,
		      const char *const *args, size_t nargs,
		      struct vm_config *cfg, struct cfg_error *err);
/* "file:LINE", "command line: argument N" (line -N), or the file alone
 * (line 0: a default) into buf. Returns buf. */
#define CONFIG_WHERE_MAX (PATH_MAX + 32)
const char *config_where(const struct vm_config *cfg, int line, char *buf,
			 size_t len);
/* The text create keeps for a take-over (*out malloc'd): the file's
 * text, then if there are arguments a NUL (never in a config that
 * parsed) and the arguments one a line (never holding a newline). -1
 * when out of memory. config_parse_kept parses it back. */
int config_kept_text(const char *text, size_t len, const char *const *args,
		     size_t nargs, char **out, size_t *outlen);
int config_parse_kept(const char *text, size_t len, const char *fname,
		      struct vm_config *cfg, struct cfg_error *err);
/* Read and parse a file kept by create (config_kept_text). */
int config_load(const char *path, struct vm_config *cfg, struct cfg_error *err);
/* A config whose owner is not root may not give the keys that choose
 * how root acts (dm_restrict = 0, device_model_override,
 * device_model_user, a vif's vifname). Its sizes and bridges are the
 * policy's (policy.h). -1 with err->msg. */
int config_check_owner(const struct vm_config *cfg, struct cfg_error *err);
/* Check config_check_owner, then that named host files exist and have
 * the right type. */
int config_check_host(const struct vm_config *cfg, struct cfg_error *err);
/* Valid VM name: 1..64 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool config_name_valid(const char *name);
const char *config_accel_name(enum vm_accel a);
const char *config_action_name(enum vm_action a);
/* Whether the VM has a device served by a backend of ours (an isolated
 * disk or vif, or the rng): then guest memory must be shareable
 * (memfd). */
bool config_has_backends(const struct vm_config *cfg);
/* Whether the firmware may boot from the network (boot has 'n'): then
 * the first vif carries iPXE's option ROM. */
bool config_net_boot(const struct vm_config *cfg);
/* Whether a vif is type=user: a passt runs as the backends' identity
 * (which config_has_backends does not imply: passt shares no guest
 * memory). */
bool config_has_user_vifs(const struct vm_config *cfg);
/* Debian's passt (package passt), which type=user vifs run. */
#define CONFIG_PASST_BINARY "/usr/bin/passt"
/* The name a Linux guest will likely give disk i where it differs from
 * the vdev: virtio-blk disks are vdX in the order of the disk list (the
 * order of their PCI slots), IDE and AHCI disks sdX (libata), in probe
 * order. 1 with the name and why in out, 0 if the guest keeps the vdev's
 * name (a CD drive, a SCSI disk, or a vdX that matches). */
int config_disk_guest_name(const struct vm_config *cfg, size_t i, char *out,
			   size_t len);
/* Whether any disk_*_bps / disk_*_iops limit is set. */
bool config_io_throttled(const struct vm_config *cfg);

#endif
