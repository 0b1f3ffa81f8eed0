/* list -l: what a running VM was given, from the config create kept
 * (root-only, in its runtime dir), as JSON: xl list -l's use, the
 * devices the guest sees and where each came from. */
#include "list_long.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "../config/config.h"
#include "../host/vmdir.h"

/* A path as JSON text: a config owner's path may hold any byte but NUL,
 * and JSON strings must be UTF-8, so every byte outside printable ASCII
 * (and the backslash) is written \xNN. Never NULL for a valid input. */
static json_t *
path_json(const char *p)
{
	char out[4 * PATH_MAX + 1];

	out[text_escape(out, sizeof(out) - 1, p, strlen(p))] = '\0';
	return json_string(out);
}

static const char *
bus_name(const struct disk_spec *d)
{
	if (d->cdrom)
		return "ide-cd";
	if (d->isolated)
		return "vhost-user-blk";
	switch (d->bus) {
	case DISK_BUS_IDE:
		return "ide";
	case DISK_BUS_AHCI:
		return "ahci";
	case DISK_BUS_SCSI:
		return "virtio-scsi";
	case DISK_BUS_VIRTIO:
	default:
		return "virtio-blk";
	}
}

static json_t *
disks_json(const struct vm_config *cfg)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cfg->ndisks; i++) {
		const struct disk_spec *d = &cfg->disks[i];
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:o}", "vdev", d->vdev,
				     "device", bus_name(d), "access",
				     d->readonly ? "ro" : "rw", "target",
				     path_json(d->target)));
	}
	return a;
}

static json_t *
vifs_json(const struct vm_config *cfg)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cfg->nvifs; i++) {
		const struct vif_spec *v = &cfg->vifs[i];
		char mac[18] = "";
		if (v->has_mac)
			snprintf(mac, sizeof(mac),
				 "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
				 v->mac[1], v->mac[2], v->mac[3], v->mac[4],
				 v->mac[5]);
		/* type: "user" (passt, no bridge) or "bridge". */
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:s}", "type",
				     v->user ? "user" : "bridge", "bridge",
				     v->bridge, "model",
				     vif_model_device(v->model), "mac", mac));
	}
	return a;
}

static const char *
boot_name(const struct vm_config *cfg)
{
	if (!cfg->firmware_boot)
		return "kernel";
	return cfg->bios == BIOS_OVMF ? "ovmf" : "seabios";
}

json_t *
list_long_config(const char *name, char *why, size_t whylen)
{
	static struct vm_config cfg; /* large: off the stack */
	struct cfg_error err;
	char path[PATH_MAX];

	if (vmdir_file(path, sizeof(path), name, VMF_CONFIG) < 0) {
		snprintf(why, whylen, "no runtime dir");
		return NULL;
	}
	if (config_load(path, &cfg, &err) < 0) {
		snprintf(why, whylen, "kept config: %s", err.msg);
		return NULL;
	}
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:s, s:o, s:o, s:b}",
		"type", cfg.hvm ? "hvm" : "pv", "boot", boot_name(&cfg),
		"boot_order", cfg.boot, "kernel", path_json(cfg.kernel),
		"memory", (json_int_t)cfg.memory_mib, "vcpus",
		(json_int_t)cfg.vcpus, "on_poweroff",
		config_action_name(cfg.on_poweroff), "on_reboot",
		config_action_name(cfg.on_reboot), "disks", disks_json(&cfg),
		"vifs", vifs_json(&cfg), "usb_tablet", cfg.usb_tablet);
	if (!o)
		snprintf(why, whylen, "kept config: cannot be put in JSON");
	return o;
}
