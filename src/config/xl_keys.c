#include "xl_keys.h"

#include <stdio.h>
#include <string.h>

int
key_extra(struct key_ctx *k)
{
	return get_str(k, k->cfg->extra, sizeof(k->cfg->extra));
}

int
key_root(struct key_ctx *k)
{
	return get_str(k, k->cfg->root, sizeof(k->cfg->root));
}

int
key_uuid(struct key_ctx *k)
{
	char u[64];

	if (get_str(k, u, sizeof(u)) < 0)
		return -1;
	bool ok = strlen(u) == 36;
	for (size_t i = 0; ok && i < 36; i++) {
		char c = u[i];
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ok = c == '-';
		else if (c >= 'A' && c <= 'F')
			u[i] = (char)(c - 'A' + 'a');
		else
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	}
	if (!ok)
		return key_fail(k, k->e->line,
				"'%.40s' is not a UUID "
				"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex)",
				u);
	memcpy(k->cfg->uuid, u, 37);
	return 0;
}

int
key_maxmem(struct key_ctx *k)
{
	return get_num(k, 16, 1024 * 1024, &k->cfg->maxmem_mib);
}

int
key_maxvcpus(struct key_ctx *k)
{
	return get_num(k, 1, 64, &k->cfg->maxvcpus);
}

static int
guest_type(struct key_ctx *k, const char *const *pv, const char *known)
{
	char v[16];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (strcmp(v, "hvm") == 0) {
		k->cfg->hvm = true;
		return 0;
	}
	for (; *pv; pv++)
		if (strcmp(v, *pv) == 0)
			return 0;
	return key_fail(k, k->e->line, "unknown guest type '%s' (%s)", v,
			known);
}

/* pv and pvh guests boot their kernel directly on virtio devices; hvm
 * asks for a whole PC, which its firmware boots (or QEMU loads kernel=
 * into), with emulated devices where the config names them. */
int
key_type(struct key_ctx *k)
{
	static const char *const pv[] = { "pv", "pvh", NULL };

	return guest_type(k, pv, "pv, pvh or hvm");
}

/* xm's name for type: "generic" and "linux" were PV. */
int
key_builder(struct key_ctx *k)
{
	static const char *const pv[] = { "generic", "linux", NULL };

	return guest_type(k, pv, "generic, linux or hvm");
}

/* The guest's serial port is bulkhead's console, which xl calls pty. */
int
key_serial(struct key_ctx *k)
{
	char v[16];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (strcmp(v, "pty") != 0)
		return key_fail(k, k->e->line,
				"'%s': the serial port is the VM's console "
				"(bulkhead console NAME); only 'pty' says so",
				v);
	return 0;
}

enum { OFF_OK = 1 }; /* 0, "0" or [] means the feature is off */

static const struct {
	const char *key;
	unsigned flags;
	const char *why;
} refused[] = {
	{ "bootloader", 0,
	  "pygrub would read the guest's filesystem as root (seed 003 of "
	  "this project's sources); give kernel= and ramdisk= instead" },
	{ "bootloader_args", 0, "there is no bootloader (see bootloader)" },
	/* vnc, vnclisten, vncdisplay, vncunused and vncpasswd are vnc.c's. */
	{ "vfb", OFF_OK,
	  "a paravirtual framebuffer is not in this version; use vnc = 1 "
	  "(an emulated VGA card, bulkhead vnc NAME)" },
	{ "sdl", OFF_OK,
	  "a window on the host's desktop would run the device model "
	  "outside its jail; use vnc = 1 and bulkhead vnc NAME" },
	{ "opengl", OFF_OK,
	  "no 3D acceleration: host GPU access is attack surface; use vnc "
	  "= 1" },
	{ "spice", OFF_OK,
	  "SPICE is not in this version; use vnc = 1 (bulkhead vnc NAME)" },
	{ "usbctrl", OFF_OK,
	  "xl's USB controllers and passthrough are not in this version; "
	  "an HVM guest's usbdevice = 'tablet' gets one" },
	{ "usbdev", OFF_OK,
	  "USB passthrough is not in this version (see "
	  "usbctrl)" },
	{ "pci", OFF_OK,
	  "PCI passthrough would hand the guest a host device and its DMA, "
	  "and the jailed device model VFIO: not in this version; use the "
	  "virtio or emulated devices (disk, vif)" },
	{ "cpus_soft", 0,
	  "soft affinity is not in this version: cpus confines the whole "
	  "device model to its CPUs" },
	{ "device_model_stubdomain_override", OFF_OK,
	  "stub domains are Xen's; the device model runs deprivileged "
	  "(dm_restrict) instead" },
	{ "device_model_version", 0,
	  "bulkhead runs one device model, QEMU (device_model_override "
	  "names another binary)" },
	/* HVM keys for what the emulated PC does not have (hvm_keys.c
	 * takes the ones it has). */
	{ "firmware", 0,
	  "xl's firmware is a PV or PVH guest's (pvgrub, OVMF for PVH); for "
	  "UEFI give type = \"hvm\" and bios = \"ovmf\", or boot the kernel "
	  "with kernel=" },
	{ "stdvga", OFF_OK,
	  "the display (vnc = 1) is always QEMU's standard VGA: drop the "
	  "key" },
	{ "videoram", 0,
	  "the display (vnc = 1) has QEMU's default video memory: drop the "
	  "key" },
	{ "vga", 0,
	  "the display (vnc = 1) is always QEMU's standard VGA: drop the "
	  "key" },
	{ "shadow_memory", 0,
	  "Xen's memory for shadow page tables; KVM needs no such setting: "
	  "drop it" },
	{ "timer_mode", 0,
	  "Xen's virtual-timer mode; KVM's timers need no setting: drop it" },
	{ "soundhw", OFF_OK,
	  "no sound device: emulated audio is attack surface, and the jail "
	  "has no host audio" },
	{ "rtc_timeoffset", 0,
	  "not in this version; localtime = 1 keeps the clock at the host's "
	  "local time" },
};

static bool
means_off(const struct cfg_value *v)
{
	return (v->type == CFG_NUM && v->num == 0) ||
	       (v->type == CFG_STR && strcmp(v->str, "0") == 0) ||
	       (v->type == CFG_LIST && v->nitems == 0);
}

int
xl_refused_key(struct key_ctx *k)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (strcmp(refused[i].key, k->e->key) != 0)
			continue;
		if ((refused[i].flags & OFF_OK) && means_off(&k->e->val))
			return 0;
		return key_fail(k, k->e->line, "not supported: %s",
				refused[i].why);
	}
	return 1;
}

static int
finish_fail(const struct vm_config *cfg, struct cfg_error *err,
	    enum config_key key, const char *name, const char *why)
{
	char w[CONFIG_WHERE_MAX];

	snprintf(err->msg, sizeof(err->msg), "%s: %s: %s",
		 config_where(cfg, cfg->line[key], w, sizeof(w)), name, why);
	return -1;
}

/* xl's rule: cmdline = "root=ROOT EXTRA"; with cmdline given, xl drops
 * root and extra with a warning, which bulkhead makes an error. */
static int
join_cmdline(struct vm_config *cfg, struct cfg_error *err)
{
	bool r = cfg->line[KEY_ROOT] != 0, x = cfg->line[KEY_EXTRA] != 0;

	if (!r && !x)
		return 0;
	if (cfg->line[KEY_CMDLINE])
		return finish_fail(cfg, err, r ? KEY_ROOT : KEY_EXTRA,
				   r ? "root" : "extra",
				   "give cmdline, or root and extra, not both "
				   "(xl would drop root and extra)");
	int n = snprintf(cfg->cmdline, sizeof(cfg->cmdline), "%s%s%s%s",
			 r ? "root=" : "", cfg->root, r && x ? " " : "",
			 cfg->extra);
	if (n < 0 || (size_t)n >= sizeof(cfg->cmdline))
		return finish_fail(cfg, err, x ? KEY_EXTRA : KEY_ROOT,
				   x ? "extra" : "root",
				   "root= and extra make a command line longer "
				   "than 2047 bytes");
	return 0;
}

int
xl_keys_finish(struct vm_config *cfg, struct cfg_error *err)
{
	char why[160];

	if (cfg->maxmem_mib && cfg->maxmem_mib != cfg->memory_mib) {
		snprintf(why, sizeof(why),
			 "%u differs from memory (%u): there is no "
			 "ballooning in this version; make them equal or "
			 "drop maxmem",
			 cfg->maxmem_mib, cfg->memory_mib);
		return finish_fail(cfg, err, KEY_MAXMEM, "maxmem", why);
	}
	if (cfg->maxvcpus && cfg->maxvcpus != cfg->vcpus) {
		snprintf(why, sizeof(why),
			 "%u differs from vcpus (%u): there is no vCPU "
			 "hot-plug in this version; make them equal or drop "
			 "maxvcpus",
			 cfg->maxvcpus, cfg->vcpus);
		return finish_fail(cfg, err, KEY_MAXVCPUS, "maxvcpus", why);
	}
	if (cfg->line[KEY_TYPE] && cfg->line[KEY_BUILDER])
		return finish_fail(cfg, err, KEY_BUILDER, "builder",
				   "give type or builder (xm's name), not "
				   "both");
	return join_cmdline(cfg, err);
}
