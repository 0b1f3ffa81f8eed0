#include "hvm_keys.h"

#include <stdio.h>
#include <string.h>

int
key_boot(struct key_ctx *k)
{
	char v[16];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (!v[0] || strlen(v) > CONFIG_BOOT_MAX)
		return key_fail(k, k->e->line,
				"'%s': give the boot order as letters, each "
				"once: c (the first hard disk), d (the first "
				"CD drive), n (the network, from the first "
				"vif)",
				v);
	for (size_t i = 0; v[i]; i++) {
		if (strchr(v + i + 1, v[i]))
			return key_fail(k, k->e->line, "'%c' given twice",
					v[i]);
		if (v[i] == 'a')
			return key_fail(k, k->e->line,
					"'a': there is no floppy drive (a "
					"floppy controller is attack surface); "
					"boot from c (disk), d (CD) or n "
					"(network)");
		if (!strchr("cdn", v[i]))
			return key_fail(k, k->e->line,
					"unknown boot device '%c' (c: the "
					"first hard disk, d: the first CD "
					"drive, n: the first vif)",
					v[i]);
	}
	memcpy(k->cfg->boot, v, strlen(v) + 1);
	return 0;
}

int
key_bios(struct key_ctx *k)
{
	char v[16];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (strcmp(v, "seabios") == 0)
		k->cfg->bios = BIOS_SEABIOS;
	else if (strcmp(v, "ovmf") == 0)
		k->cfg->bios = BIOS_OVMF;
	else
		return key_fail(k, k->e->line,
				"unknown bios '%s' (seabios, or ovmf for "
				"UEFI; rombios is qemu-traditional's)",
				v);
	return 0;
}

int
key_hdtype(struct key_ctx *k)
{
	char v[16];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (strcmp(v, "ide") == 0)
		k->cfg->hdtype = HDTYPE_IDE;
	else if (strcmp(v, "ahci") == 0)
		k->cfg->hdtype = HDTYPE_AHCI;
	else
		return key_fail(k, k->e->line,
				"unknown hdtype '%s' (ide or ahci)", v);
	return 0;
}

int
key_localtime(struct key_ctx *k)
{
	unsigned v;

	if (get_num(k, 0, 1, &v) < 0)
		return -1;
	k->cfg->localtime = v == 1;
	return 0;
}

/* usb = 1 turns on the controller usbdevice needs anyway; 0 is off. */
int
key_usb(struct key_ctx *k)
{
	unsigned v;

	if (get_num(k, 0, 1, &v) < 0)
		return -1;
	k->cfg->usb_on = v == 1;
	return 0;
}

/* A tablet (absolute pointer) for a display: a string or a list of one. */
int
key_usbdevice(struct key_ctx *k)
{
	const struct cfg_value *v = &k->e->val;

	if (v->type == CFG_LIST && v->nitems == 1)
		v = &v->items[0];
	else if (v->type == CFG_LIST && v->nitems == 0)
		return 0; /* none */
	if (v->type != CFG_STR || strcmp(v->str, "tablet") != 0)
		return key_fail(k, k->e->line,
				"only 'tablet' is supported (UHCI and a USB "
				"tablet); other USB devices are attack surface "
				"a guest does not need");
	k->cfg->usb_tablet = true;
	return 0;
}

/* xl's HVM tuning keys: the machine bulkhead builds has one setting of
 * each, so a config may state that setting and nothing else. */
static const struct {
	const char *key;
	unsigned value; /* the one accepted */
	const char *why;
} fixed[] = {
	{ "acpi", 1,
	  "the PC always has ACPI: it is how shutdown reaches the guest" },
	{ "apic", 1, "the PC always has a local APIC and an IOAPIC" },
	{ "pae", 1, "the vCPUs always have PAE" },
	{ "hap", 1,
	  "KVM uses the CPU's nested paging wherever it has it; there is no "
	  "shadow-paging switch" },
	{ "hpet", 0,
	  "there is no HPET: the machine is built without it (less attack "
	  "surface; the guest uses the PIT, the RTC and kvmclock)" },
	{ "nestedhvm", 0,
	  "nested virtualization would hand the guest the host's VMX/SVM: "
	  "not in this version" },
	{ "viridian", 0,
	  "Hyper-V enlightenments are not in this version; Windows runs "
	  "without them" },
	{ "xen_platform_pci", 0,
	  "the Xen platform device exists only under Xen; the guest uses "
	  "virtio or the emulated devices here" },
};

int
hvm_default_key(struct key_ctx *k)
{
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		unsigned v;
		if (strcmp(fixed[i].key, k->e->key) != 0)
			continue;
		if (get_num(k, 0, 1, &v) < 0)
			return -1;
		if (v != fixed[i].value)
			return key_fail(k, k->e->line,
					"only %u is supported: %s; drop the "
					"key",
					fixed[i].value, fixed[i].why);
		return 0;
	}
	return 1;
}

static int
finish_fail(const struct vm_config *cfg, struct cfg_error *err, int line,
	    const char *key, const char *why)
{
	char w[CONFIG_WHERE_MAX];

	snprintf(err->msg, sizeof(err->msg), "%s: %s: %s",
		 config_where(cfg, line, w, sizeof(w)), key, why);
	return -1;
}

/* The keys that make sense only for a guest the firmware boots. */
static int
check_pv(const struct vm_config *cfg, struct cfg_error *err)
{
	static const struct {
		enum config_key key;
		const char *name;
	} hvm_only[] = {
		{ KEY_BOOT, "boot" },
		{ KEY_BIOS, "bios" },
		{ KEY_HDTYPE, "hdtype" },
		{ KEY_USBDEVICE, "usbdevice" },
	};

	for (size_t i = 0; i < sizeof(hvm_only) / sizeof(hvm_only[0]); i++) {
		int line = cfg->line[hvm_only[i].key];
		if (!line)
			continue;
		if (!cfg->hvm)
			return finish_fail(cfg, err, line, hvm_only[i].name,
					   "only for an HVM guest: add type = "
					   "\"hvm\"");
		if (hvm_only[i].key == KEY_BOOT && !cfg->firmware_boot)
			return finish_fail(cfg, err, line, "boot",
					   "this guest boots its kernel= "
					   "directly; boot orders the "
					   "firmware's devices: drop kernel= "
					   "or boot");
	}
	return 0;
}

/* A disk's controller and slot on it, from its vdev. */
static int
place_disk(struct vm_config *cfg, struct disk_spec *d, struct cfg_error *err)
{
	unsigned bus, unit;
	int idx = disk_vdev_index(d->vdev);

	d->bus = DISK_BUS_VIRTIO;
	if (!cfg->hvm || d->cdrom)
		return 0; /* a CD drive is always on IDE (disk.c) */
	if (strncmp(d->vdev, "hd", 2) == 0 && cfg->hdtype == HDTYPE_AHCI) {
		if (idx < 0 || idx > 5)
			return finish_fail(cfg, err, d->line, "disk",
					   "an AHCI controller has six ports, "
					   "hda to hdf; name more disks xvdX "
					   "(virtio-blk)");
		d->bus = DISK_BUS_AHCI;
		d->slot = (unsigned)idx;
	} else if (strncmp(d->vdev, "hd", 2) == 0) {
		if (disk_ide_slot(d->vdev, &bus, &unit) < 0)
			return finish_fail(cfg, err, d->line, "disk",
					   "IDE has four slots, hda to hdd; "
					   "hdtype = \"ahci\" gives hda to "
					   "hdf, or name the disk xvdX "
					   "(virtio-blk)");
		d->bus = DISK_BUS_IDE;
		d->slot = bus * 2 + unit;
	} else if (strncmp(d->vdev, "sd", 2) == 0) {
		if (idx < 0 || idx > 255)
			return finish_fail(cfg, err, d->line, "disk",
					   "a SCSI target above 255");
		d->bus = DISK_BUS_SCSI;
		d->slot = (unsigned)idx;
	}
	if (d->isolated && d->bus != DISK_BUS_VIRTIO)
		return finish_fail(cfg, err, d->line, "disk",
				   "backendtype=isolated serves a virtio-blk "
				   "disk: name it xvdX or vdX in an HVM guest");
	return 0;
}

int
config_disk_guest_name(const struct vm_config *cfg, size_t i, char *out,
		       size_t len)
{
	const struct disk_spec *d = &cfg->disks[i];
	unsigned k = 0;
	char name[8];

	if (d->cdrom || d->bus == DISK_BUS_SCSI)
		return 0;
	if (d->bus == DISK_BUS_IDE || d->bus == DISK_BUS_AHCI) {
		snprintf(out, len,
			 "sdX (libata names IDE and AHCI disks sd, "
			 "in probe order)");
		return 1;
	}
	for (size_t j = 0; j < i; j++)
		k += !cfg->disks[j].cdrom &&
		     cfg->disks[j].bus == DISK_BUS_VIRTIO;
	if (k < 26)
		snprintf(name, sizeof(name), "vd%c", 'a' + k);
	else
		snprintf(name, sizeof(name), "vd%c%c", 'a' + k / 26 - 1,
			 'a' + k % 26);
	if (strcmp(name, d->vdev) == 0)
		return 0;
	snprintf(out, len, "%s (a virtio-blk disk, the %u%s in the list)", name,
		 k + 1,
		 k == 0   ? "st"
		 : k == 1 ? "nd"
		 : k == 2 ? "rd"
			  : "th");
	return 1;
}

/* Whether boot letter c, d or n finds a device to boot from. */
static bool
bootable(const struct vm_config *cfg, char letter)
{
	if (letter == 'n')
		return cfg->nvifs > 0;
	for (size_t i = 0; i < cfg->ndisks; i++)
		if (cfg->disks[i].cdrom == (letter == 'd'))
			return true;
	return false;
}

/* The refusal when no letter of boot finds a device. */
static int
nothing_to_boot(const struct vm_config *cfg, struct cfg_error *err)
{
	static const struct {
		char letter;
		const char *missing, *add;
	} dev[] = {
		{ 'c', "hard disk", "a disk" },
		{ 'd', "CD drive", "a CD drive ('PATH,,hdc:cdrom,r')" },
		{ 'n', "vif", "a vif" },
	};
	char why[300], miss[80] = "", add[120] = "";
	size_t left = strlen(cfg->boot);

	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		if (!strchr(cfg->boot, dev[i].letter))
			continue;
		left--;
		const char *sep = !miss[0] ? "" : left ? ", " : " and ";
		size_t m = strlen(miss), a = strlen(add);
		snprintf(miss + m, sizeof(miss) - m, "%sno %s", sep,
			 dev[i].missing);
		snprintf(add + a, sizeof(add) - a, "%s%s",
			 !add[0] ? ""
			 : left  ? ", "
				 : " or ",
			 dev[i].add);
	}
	snprintf(why, sizeof(why),
		 "the firmware would find nothing to boot: boot = \"%s\", but "
		 "the VM has %s; add %s, or boot a kernel with kernel=",
		 cfg->boot, miss, add);
	return finish_fail(cfg, err,
			   cfg->line[KEY_BOOT]   ? cfg->line[KEY_BOOT]
			   : cfg->line[KEY_TYPE] ? cfg->line[KEY_TYPE]
						 : cfg->line[KEY_BUILDER],
			   cfg->line[KEY_BOOT]   ? "boot"
			   : cfg->line[KEY_TYPE] ? "type"
						 : "builder",
			   why);
}

int
hvm_keys_finish(struct vm_config *cfg, struct cfg_error *err)
{
	cfg->firmware_boot = cfg->hvm && !cfg->line[KEY_KERNEL];
	if (check_pv(cfg, err) < 0)
		return -1;
	if (cfg->usb_on && !cfg->usb_tablet)
		return finish_fail(cfg, err, cfg->line[KEY_USB], "usb",
				   "a USB controller with nothing on it: give "
				   "usbdevice = 'tablet', or drop usb");
	for (size_t i = 0; i < cfg->ndisks; i++)
		if (place_disk(cfg, &cfg->disks[i], err) < 0)
			return -1;
	if (!cfg->firmware_boot)
		return 0;
	if (!cfg->boot[0])
		memcpy(cfg->boot, "cd", 3); /* xl's default */
	for (size_t i = 0; cfg->boot[i]; i++)
		if (bootable(cfg, cfg->boot[i]))
			return 0;
	return nothing_to_boot(cfg, err);
}
