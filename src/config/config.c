#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/safe_open.h"
#include "hvm_keys.h"
#include "keyget.h"
#include "pathcheck.h"
#include "vnc.h"
#include "xl_keys.h"

bool
config_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > BH_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static bool
user_name_valid(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > CONFIG_USER_MAX)
		return false;
	if (!((u[0] >= 'a' && u[0] <= 'z') || u[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int
key_name(struct key_ctx *k)
{
	if (get_str(k, k->cfg->name, sizeof(k->cfg->name)) < 0)
		return -1;
	if (!config_name_valid(k->cfg->name))
		return key_fail(k, k->e->line,
				"'%s' is not a valid name (1-%d of A-Z a-z "
				"0-9 _ . -, not starting with . or -)",
				k->cfg->name, BH_NAME_MAX);
	/* The verbs read an argument of digits as a VM id, as xl reads a
	 * domain id: a VM so named could take a command meant for another. */
	if (strspn(k->cfg->name, "0123456789") == strlen(k->cfg->name))
		return key_fail(k, k->e->line,
				"'%s': a name of digits only would be read as "
				"a VM id by list, shutdown and the other verbs "
				"(as xl reads it); add a letter",
				k->cfg->name);
	return 0;
}

static int
key_memory(struct key_ctx *k)
{
	return get_num(k, 16, 1024 * 1024, &k->cfg->memory_mib);
}

static int
key_vcpus(struct key_ctx *k)
{
	return get_num(k, 1, 64, &k->cfg->vcpus);
}

static int
key_kernel(struct key_ctx *k)
{
	return get_path(k, k->cfg->kernel);
}

static int
key_ramdisk(struct key_ctx *k)
{
	return get_path(k, k->cfg->ramdisk);
}

static int
key_cmdline(struct key_ctx *k)
{
	return get_str(k, k->cfg->cmdline, sizeof(k->cfg->cmdline));
}

static int
key_disk(struct key_ctx *k)
{
	const struct cfg_value *v = &k->e->val;
	char why[400];

	if (want_type(k, CFG_LIST) < 0)
		return -1;
	if (v->nitems > CONFIG_DISKS_MAX)
		return key_fail(k, k->e->line, "more than %d disks",
				CONFIG_DISKS_MAX);
	for (size_t i = 0; i < v->nitems; i++) {
		const struct cfg_value *it = &v->items[i];
		struct disk_spec *d = &k->cfg->disks[i];
		if (it->type != CFG_STR)
			return key_fail(k, it->line,
					"disk %zu: expected a "
					"string",
					i + 1);
		if (disk_spec_parse(it->str, d, why, sizeof(why)) < 0)
			return key_fail(k, it->line, "%s", why);
		d->line = it->line;
		for (size_t j = 0; j < i; j++)
			if (strcmp(k->cfg->disks[j].vdev, d->vdev) == 0)
				return key_fail(k, it->line,
						"vdev '%s' used twice",
						d->vdev);
	}
	k->cfg->ndisks = v->nitems;
	return 0;
}

static int
key_vif(struct key_ctx *k)
{
	const struct cfg_value *v = &k->e->val;
	char why[300];

	if (want_type(k, CFG_LIST) < 0)
		return -1;
	if (v->nitems > CONFIG_VIFS_MAX)
		return key_fail(k, k->e->line, "more than %d vifs",
				CONFIG_VIFS_MAX);
	for (size_t i = 0; i < v->nitems; i++) {
		const struct cfg_value *it = &v->items[i];
		struct vif_spec *s = &k->cfg->vifs[i];
		if (it->type != CFG_STR)
			return key_fail(k, it->line,
					"vif %zu: expected a string", i + 1);
		if (vif_spec_parse(it->str, s, why, sizeof(why)) < 0)
			return key_fail(k, it->line, "%s", why);
		s->line = it->line;
		for (size_t j = 0; j < i; j++) {
			if (s->vifname[0] &&
			    !strcmp(k->cfg->vifs[j].vifname, s->vifname))
				return key_fail(k, it->line,
						"vifname '%s' used twice",
						s->vifname);
			if (s->has_mac && k->cfg->vifs[j].has_mac &&
			    !memcmp(k->cfg->vifs[j].mac, s->mac, 6))
				return key_fail(k, it->line, "mac used twice");
		}
	}
	k->cfg->nvifs = v->nitems;
	return 0;
}

static int
key_accel(struct key_ctx *k)
{
	char v[8];

	if (get_str(k, v, sizeof(v)) < 0)
		goto bad;
	if (strcmp(v, "kvm") == 0)
		k->cfg->accel = ACCEL_KVM;
	else if (strcmp(v, "tcg") == 0)
		k->cfg->accel = ACCEL_TCG;
	else
		goto bad;
	return 0;
bad:
	return key_fail(k, k->e->line, "expected \"kvm\" or \"tcg\"");
}

static int
key_dm_restrict(struct key_ctx *k)
{
	unsigned v = 0;

	if (get_num(k, 0, 1, &v) < 0)
		return -1;
	k->cfg->dm_restrict = v == 1;
	return 0;
}

static int
key_dm_user(struct key_ctx *k)
{
	if (get_str(k, k->cfg->dm_user, sizeof(k->cfg->dm_user)) < 0)
		return -1;
	if (!user_name_valid(k->cfg->dm_user))
		return key_fail(k, k->e->line, "'%s' is not a valid user name",
				k->cfg->dm_user);
	return 0;
}

static int
key_dm_override(struct key_ctx *k)
{
	return get_path(k, k->cfg->dm_binary);
}

static int
get_action(struct key_ctx *k, enum vm_action *out)
{
	static const struct {
		const char *name;
		enum vm_action action;
	} actions[] = { { "destroy", ACTION_DESTROY },
			{ "restart", ACTION_RESTART },
			{ "preserve", ACTION_PRESERVE } };
	char v[32];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(v, actions[i].name) == 0) {
			*out = actions[i].action;
			return 0;
		}
	}
	if (!strcmp(v, "rename-restart") || !strcmp(v, "coredump-destroy") ||
	    !strcmp(v, "coredump-restart") || !strcmp(v, "soft-reset"))
		return key_fail(k, k->e->line,
				"'%s' is not supported by this version "
				"(supported: destroy, restart, preserve)",
				v);
	return key_fail(k, k->e->line, "unknown action '%s'", v);
}

static int
key_on_poweroff(struct key_ctx *k)
{
	return get_action(k, &k->cfg->on_poweroff);
}

static int
key_on_reboot(struct key_ctx *k)
{
	return get_action(k, &k->cfg->on_reboot);
}

static int
key_on_crash(struct key_ctx *k)
{
	return get_action(k, &k->cfg->on_crash);
}

static int
key_memory_overhead(struct key_ctx *k)
{
	return get_num(k, 0, 65536, &k->cfg->memory_overhead_mib);
}

static int
key_pids_max(struct key_ctx *k)
{
	return get_num(k, 16, 65536, &k->cfg->pids_max);
}

static int
key_cpu_weight(struct key_ctx *k)
{
	return get_num(k, 1, 10000, &k->cfg->cpu_weight);
}

static int
key_cpu_cap(struct key_ctx *k)
{
	return get_num(k, 0, 6400, &k->cfg->cpu_cap);
}

/* Below 64 KiB/s or 10 ops/s a VM cannot even boot; above 1 TiB/s and
 * 10M ops/s no device needs limiting. */
#define BPS_MIN (64ull << 10)
#define BPS_MAX (1ull << 40)
#define IOPS_MIN 10ull
#define IOPS_MAX 10000000ull

static int
key_disk_read_bps(struct key_ctx *k)
{
	return get_rate(k, BPS_MIN, BPS_MAX, &k->cfg->disk_read_bps);
}

static int
key_disk_write_bps(struct key_ctx *k)
{
	return get_rate(k, BPS_MIN, BPS_MAX, &k->cfg->disk_write_bps);
}

static int
key_disk_read_iops(struct key_ctx *k)
{
	return get_rate(k, IOPS_MIN, IOPS_MAX, &k->cfg->disk_read_iops);
}

static int
key_disk_write_iops(struct key_ctx *k)
{
	return get_rate(k, IOPS_MIN, IOPS_MAX, &k->cfg->disk_write_iops);
}

static int
key_rng(struct key_ctx *k)
{
	char v[32];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (!strcmp(v, "isolated"))
		k->cfg->rng_isolated = true;
	else if (strcmp(v, "none") != 0)
		return key_fail(k, k->e->line,
				"unknown rng '%s' (isolated or none)", v);
	return 0;
}

/* One set for the VM, as a string or a list. A list in xl pins vCPU i
 * to item i; the cgroup confines the device model as a whole, so a list
 * is taken only when every item gives the same set. */
static int
key_cpus(struct key_ctx *k)
{
	const struct cfg_value *v = &k->e->val;
	struct cpuset_spec one;
	char why[300];

	if (v->type == CFG_STR) {
		if (cpuset_parse(v->str, &k->cfg->cpus, why, sizeof(why)) < 0)
			return key_fail(k, k->e->line, "%s", why);
		return 0;
	}
	if (want_type(k, CFG_LIST) < 0)
		return -1;
	if (v->nitems == 0)
		return key_fail(k, k->e->line, "an empty list");
	for (size_t i = 0; i < v->nitems; i++) {
		const struct cfg_value *it = &v->items[i];
		if (it->type != CFG_STR)
			return key_fail(k, it->line,
					"item %zu: expected a string", i + 1);
		if (cpuset_parse(it->str, i ? &one : &k->cfg->cpus, why,
				 sizeof(why)) < 0)
			return key_fail(k, it->line, "item %zu: %s", i + 1,
					why);
		if (i && !cpuset_same(&one, &k->cfg->cpus))
			return key_fail(
				k, it->line,
				"a different set per vCPU is not in this "
				"version (the VM's cgroup confines all its "
				"threads to one set): give one, e.g. cpus = "
				"\"2-3\"");
	}
	return 0;
}

static const struct {
	const char *name;
	enum config_key id;
	int (*fn)(struct key_ctx *);
} key_table[] = {
	{ "name", KEY_NAME, key_name },
	{ "memory", KEY_MEMORY, key_memory },
	{ "vcpus", KEY_VCPUS, key_vcpus },
	{ "kernel", KEY_KERNEL, key_kernel },
	{ "ramdisk", KEY_RAMDISK, key_ramdisk },
	{ "cmdline", KEY_CMDLINE, key_cmdline },
	{ "disk", KEY_DISK, key_disk },
	{ "accel", KEY_ACCEL, key_accel },
	{ "dm_restrict", KEY_DM_RESTRICT, key_dm_restrict },
	{ "device_model_user", KEY_DM_USER, key_dm_user },
	{ "device_model_override", KEY_DM_OVERRIDE, key_dm_override },
	{ "on_poweroff", KEY_ON_POWEROFF, key_on_poweroff },
	{ "on_reboot", KEY_ON_REBOOT, key_on_reboot },
	{ "on_crash", KEY_ON_CRASH, key_on_crash },
	{ "memory_overhead", KEY_MEMORY_OVERHEAD, key_memory_overhead },
	{ "pids_max", KEY_PIDS_MAX, key_pids_max },
	{ "cpu_weight", KEY_CPU_WEIGHT, key_cpu_weight },
	{ "cpu_cap", KEY_CPU_CAP, key_cpu_cap },
	{ "vif", KEY_VIF, key_vif },
	{ "disk_read_bps", KEY_DISK_READ_BPS, key_disk_read_bps },
	{ "disk_write_bps", KEY_DISK_WRITE_BPS, key_disk_write_bps },
	{ "disk_read_iops", KEY_DISK_READ_IOPS, key_disk_read_iops },
	{ "disk_write_iops", KEY_DISK_WRITE_IOPS, key_disk_write_iops },
	{ "rng", KEY_RNG, key_rng },
	{ "extra", KEY_EXTRA, key_extra },
	{ "root", KEY_ROOT, key_root },
	{ "uuid", KEY_UUID, key_uuid },
	{ "maxmem", KEY_MAXMEM, key_maxmem },
	{ "maxvcpus", KEY_MAXVCPUS, key_maxvcpus },
	{ "type", KEY_TYPE, key_type },
	{ "builder", KEY_BUILDER, key_builder },
	{ "serial", KEY_SERIAL, key_serial },
	{ "boot", KEY_BOOT, key_boot },
	{ "bios", KEY_BIOS, key_bios },
	{ "hdtype", KEY_HDTYPE, key_hdtype },
	{ "localtime", KEY_LOCALTIME, key_localtime },
	{ "usb", KEY_USB, key_usb },
	{ "usbdevice", KEY_USBDEVICE, key_usbdevice },
	{ "vnc", KEY_VNC, key_vnc },
	{ "vnclisten", KEY_VNCLISTEN, key_vnclisten },
	{ "vncdisplay", KEY_VNCDISPLAY, key_vncdisplay },
	{ "vncunused", KEY_VNCUNUSED, key_vncunused },
	{ "vncpasswd", KEY_VNCPASSWD, key_vncpasswd },
	{ "cpus", KEY_CPUS, key_cpus },
};

static const char *
key_spelling(enum config_key id)
{
	for (size_t t = 0; t < sizeof(key_table) / sizeof(key_table[0]); t++)
		if (key_table[t].id == id)
			return key_table[t].name;
	return "?";
}

static void
config_defaults(struct vm_config *cfg)
{
	cfg->memory_mib = 128;
	cfg->vcpus = 1;
	cfg->accel = ACCEL_KVM;
	cfg->dm_restrict = true;
	snprintf(cfg->dm_binary, sizeof(cfg->dm_binary), "%s",
		 CONFIG_DEFAULT_DM);
	cfg->on_poweroff = ACTION_DESTROY;
	cfg->on_reboot = ACTION_RESTART;
	cfg->on_crash = ACTION_DESTROY;
	/* QEMU's own memory (TCG translation cache, I/O buffers, libraries)
	 * on top of guest RAM; threads: vCPUs, I/O workers (up to 64), RCU. */
	cfg->memory_overhead_mib = CONFIG_MEMORY_OVERHEAD_DEFAULT;
	cfg->pids_max = 512;
	cfg->cpu_weight = 100;
	cfg->cpu_cap = 0;
	cfg->vncdisplay = -1;
	cfg->vnclisten_display = -1;
	cfg->vncunused = true; /* xl's default */
}

const char *
config_where(const struct vm_config *cfg, int line, char *buf, size_t len)
{
	if (line < 0)
		snprintf(buf, len, "command line: argument %d", -line);
	else if (line > 0)
		snprintf(buf, len, "%s:%d", cfg->file, line);
	else
		snprintf(buf, len, "%s", cfg->file);
	return buf;
}

/* Each key=value argument alone, by the file's tokenizer; the Nth gets
 * line -N. ovr[] holds nargs files of one entry each. */
static int
parse_args(const char *const *args, size_t nargs, struct cfg_file *ovr,
	   struct cfg_error *err)
{
	for (size_t i = 0; i < nargs; i++) {
		char label[48];
		snprintf(label, sizeof(label), "command line: argument %zu",
			 i + 1);
		if (cfgfile_parse_one(args[i], strlen(args[i]), label,
				      -(int)(i + 1), &ovr[i], err) < 0)
			return -1;
	}
	return 0;
}

/* Whether a later argument than skip (all of them for a file entry,
 * skip = -1) gives key: as xl appends them, the last one wins. */
static bool
overridden(const struct cfg_file *ovr, size_t nargs, long skip, const char *key)
{
	for (size_t i = (size_t)(skip + 1); i < nargs; i++)
		if (!strcmp(ovr[i].entries[0].key, key))
			return true;
	return false;
}

static int
apply_entry(struct vm_config *cfg, const struct cfg_entry *e,
	    struct cfg_error *err)
{
	struct key_ctx k = { cfg, e, err };
	size_t t;

	for (t = 0; t < sizeof(key_table) / sizeof(key_table[0]); t++)
		if (strcmp(key_table[t].name, e->key) == 0)
			break;
	if (t == sizeof(key_table) / sizeof(key_table[0])) {
		int xl = hvm_default_key(&k);
		if (xl > 0)
			xl = xl_refused_key(&k);
		if (xl > 0)
			key_fail(&k, e->line, "unknown key");
		return xl == 0 ? 0 : -1; /* 0: xl's way to say "off" */
	}
	enum config_key id = key_table[t].id;
	if (cfg->line[id])
		return key_fail(&k, e->line,
				"duplicate key (first set on line %d)",
				cfg->line[id]);
	cfg->line[id] = e->line;
	return key_table[t].fn(&k);
}

int
config_parse(const char *text, size_t len, const char *fname,
	     struct vm_config *cfg, struct cfg_error *err)
{
	return config_parse_args(text, len, fname, NULL, 0, cfg, err);
}

static int config_finish(struct vm_config *cfg, struct cfg_error *err);

int
config_parse_args(const char *text, size_t len, const char *fname,
		  const char *const *args, size_t nargs, struct vm_config *cfg,
		  struct cfg_error *err)
{
	struct cfg_file f = { 0 }, *ovr = NULL;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	config_defaults(cfg);
	if (strlen(fname) >= sizeof(cfg->file)) {
		snprintf(err->msg, sizeof(err->msg), "config path too long");
		return -1;
	}
	snprintf(cfg->file, sizeof(cfg->file), "%s", fname);
	if (nargs > CFG_ENTRIES_MAX) {
		snprintf(err->msg, sizeof(err->msg),
			 "command line: more than %d key=value arguments",
			 CFG_ENTRIES_MAX);
		return -1;
	}
	size_t total = 0;
	for (size_t i = 0; i < nargs; i++)
		total += strlen(args[i]);
	if (total > CFG_FILE_MAX) {
		snprintf(err->msg, sizeof(err->msg),
			 "command line: key=value arguments longer than %d "
			 "bytes in all",
			 CFG_FILE_MAX);
		return -1;
	}
	if (nargs && !(ovr = calloc(nargs, sizeof(*ovr)))) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (cfgfile_parse(text, len, fname, &f, err) < 0 ||
	    parse_args(args, nargs, ovr, err) < 0)
		goto out;
	for (size_t i = 0; i < f.n; i++)
		if (!overridden(ovr, nargs, -1, f.entries[i].key) &&
		    apply_entry(cfg, &f.entries[i], err) < 0)
			goto out;
	for (size_t i = 0; i < nargs; i++)
		if (!overridden(ovr, nargs, (long)i, ovr[i].entries[0].key) &&
		    apply_entry(cfg, &ovr[i].entries[0], err) < 0)
			goto out;
	rc = config_finish(cfg, err);
out:
	cfgfile_free(&f);
	for (size_t i = 0; i < nargs; i++)
		cfgfile_free(&ovr[i]);
	free(ovr);
	return rc;
}

/* The checks across keys, once all are read. */
static int
config_finish(struct vm_config *cfg, struct cfg_error *err)
{
	char w[CONFIG_WHERE_MAX];
#define WHERE(line) config_where(cfg, line, w, sizeof(w))

	if (xl_keys_finish(cfg, err) < 0 || hvm_keys_finish(cfg, err) < 0 ||
	    vnc_keys_finish(cfg, err) < 0)
		return -1;
	/* A qcow2 header may name an external data file, which QEMU opens
	 * by name ("backing": null does not stop it): in the jail the name
	 * leads nowhere, as root anywhere (found by the outside review). */
	for (size_t i = 0; !cfg->dm_restrict && i < cfg->ndisks; i++) {
		if (!cfg->disks[i].qcow2)
			continue;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: disk: format=qcow2 with dm_restrict = 0: QEMU as "
			 "root would open any file the image's header names as "
			 "its external data file; jail the device model, or "
			 "convert the image to raw",
			 WHERE(cfg->disks[i].line));
		return -1;
	}
	/* An HVM guest may boot from its firmware instead of a kernel. */
	static const enum config_key required[] = { KEY_NAME, KEY_KERNEL };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!cfg->line[required[i]] &&
		    !(required[i] == KEY_KERNEL && cfg->hvm)) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: %s: required key is missing", cfg->file,
				 key_spelling(required[i]));
			return -1;
		}
	}
	if (config_io_throttled(cfg) && cfg->ndisks == 0) {
		static const enum config_key io[] = { KEY_DISK_READ_BPS,
						      KEY_DISK_WRITE_BPS,
						      KEY_DISK_READ_IOPS,
						      KEY_DISK_WRITE_IOPS };
		for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
			if (cfg->line[io[i]]) {
				snprintf(
					err->msg, sizeof(err->msg),
					"%s: %s: set, but the VM has no disk to throttle",
					WHERE(cfg->line[io[i]]),
					key_spelling(io[i]));
				return -1;
			}
		}
	}
	/* A restart is an in-place reset, and the firmware then resets the
	 * machine once more: with on_reboot not restart that would end the
	 * VM it just restarted. */
	if ((cfg->on_poweroff == ACTION_RESTART ||
	     cfg->on_crash == ACTION_RESTART) &&
	    cfg->on_reboot != ACTION_RESTART) {
		enum config_key k = cfg->on_poweroff == ACTION_RESTART
					    ? KEY_ON_POWEROFF
					    : KEY_ON_CRASH;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: %s: restart needs on_reboot = \"restart\" (a "
			 "restart is a reset in place)",
			 WHERE(cfg->line[k]), key_spelling(k));
		return -1;
	}
	/* A medium inserted at run time would not be throttled (its device
	 * is not known when the cgroup is made): refuse the mix. */
	for (size_t i = 0; config_io_throttled(cfg) && i < cfg->ndisks; i++) {
		if (cfg->disks[i].cdrom) {
			snprintf(
				err->msg, sizeof(err->msg),
				"%s: disk: %s: a cdrom cannot be used with "
				"disk_*_bps/disk_*_iops limits in this version",
				WHERE(cfg->disks[i].line), cfg->disks[i].vdev);
			return -1;
		}
	}
	/* Backends are jailed with the identities dm_restrict selects; an
	 * isolated disk's I/O happens outside QEMU, where the VM's I/O
	 * limits (a QEMU-side O_DIRECT and the VM's cgroup) do not reach. */
	if (config_has_backends(cfg) && !cfg->dm_restrict) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: isolated backends need dm_restrict = 1",
			 WHERE(cfg->line[KEY_DM_RESTRICT]));
		return -1;
	}
	/* passt runs as the backends' identity, which dm_restrict = 0
	 * (root) does not give. */
	if (config_has_user_vifs(cfg) && !cfg->dm_restrict) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: a vif of type=user (passt) needs dm_restrict = 1",
			 WHERE(cfg->line[KEY_DM_RESTRICT]));
		return -1;
	}
	for (size_t i = 0; config_io_throttled(cfg) && i < cfg->ndisks; i++) {
		if (cfg->disks[i].isolated) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: disk: %s: an isolated disk cannot be "
				 "used with disk_*_bps/disk_*_iops limits in "
				 "this version",
				 WHERE(cfg->disks[i].line), cfg->disks[i].vdev);
			return -1;
		}
	}
	return 0;
}
#undef WHERE

bool
config_has_user_vifs(const struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->nvifs; i++)
		if (cfg->vifs[i].user)
			return true;
	return false;
}

bool
config_has_backends(const struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->ndisks; i++)
		if (cfg->disks[i].isolated)
			return true;
	for (size_t i = 0; i < cfg->nvifs; i++)
		if (cfg->vifs[i].isolated)
			return true;
	return cfg->rng_isolated;
}

bool
config_net_boot(const struct vm_config *cfg)
{
	return cfg->firmware_boot && strchr(cfg->boot, 'n') && cfg->nvifs;
}

int
config_kept_text(const char *text, size_t len, const char *const *args,
		 size_t nargs, char **out, size_t *outlen)
{
	size_t n = len;

	for (size_t i = 0; i < nargs; i++)
		n += 1 + strlen(args[i]);
	char *b = malloc(n + 1);
	if (!b)
		return -1;
	memcpy(b, text, len);
	*outlen = len;
	for (size_t i = 0; i < nargs; i++) {
		size_t a = strlen(args[i]);
		b[(*outlen)++] = i ? '\n' : '\0';
		memcpy(b + *outlen, args[i], a);
		*outlen += a;
	}
	b[*outlen] = '\0';
	*out = b;
	return 0;
}

int
config_parse_kept(const char *text, size_t len, const char *fname,
		  struct vm_config *cfg, struct cfg_error *err)
{
	const char *nul = memchr(text, '\0', len);
	const char *args[CFG_ENTRIES_MAX + 1];
	size_t nargs = 0;

	if (!nul)
		return config_parse(text, len, fname, cfg, err);
	/* Split in place would need a copy: the arguments are copied out,
	 * one a line, each as a string. */
	char *copy = strndup(nul + 1, (size_t)(text + len - nul - 1));
	if (!copy) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	for (char *p = copy, *e; nargs <= CFG_ENTRIES_MAX; p = e + 1) {
		args[nargs++] = p;
		if (!(e = strchr(p, '\n')))
			break;
		*e = '\0';
	}
	int rc = config_parse_args(text, (size_t)(nul - text), fname, args,
				   nargs, cfg, err);
	free(copy);
	return rc;
}

int
config_load(const char *path, struct vm_config *cfg, struct cfg_error *err)
{
	char *text;
	size_t len;
	/* The file, its arguments (as long in all), a NUL and newlines. */
	int rc = safe_read_all(path, CFG_FILE_MAX * 2 + CFG_ENTRIES_MAX + 1,
			       &text, &len, NULL, err->msg, sizeof(err->msg));

	if (rc < 0)
		return -1;
	rc = config_parse_kept(text, len, path, cfg, err);
	free(text);
	return rc;
}

/* The device model binary: opened with O_PATH so nothing is read and no
 * FIFO blocks; only what the name points to is checked here. (The files
 * handed to a VM are checked by host_file below.) */
enum { CHECK_EXEC = 1 };

static int
check_regular(const struct vm_config *cfg, int line, const char *key,
	      const char *path, int how, struct cfg_error *err)
{
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	char where[CONFIG_WHERE_MAX];

	/* The default device model has no line: the file alone is named. */
	config_where(cfg, line, where, sizeof(where));
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s: %s: %s", where,
			 key, path, strerror(errno));
		return -1;
	}
	int rc = fstat(fd, &st);
	close(fd);
	if (rc < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: %s: %s: not a regular file", where, key, path);
		return -1;
	}
	if ((how & CHECK_EXEC) && !(st.st_mode & S_IXUSR)) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: %s: %s: not executable", where, key, path);
		return -1;
	}
	return 0;
}

/* A file handed to the VM, by safe_open's rules, for the config's owner
 * with flags' access (O_PATH looks only: the CLI opens it later, through
 * the same rules). */
static int
host_file(const struct vm_config *cfg, int line, const char *key,
	  const char *path, int flags, unsigned allow, struct cfg_error *err)
{
	char why[PATH_MAX + 256], w[CONFIG_WHERE_MAX];

	if (safe_check_as(&cfg->owner, path, flags, allow, why, sizeof(why)) ==
	    0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: %s: %s",
		 config_where(cfg, line, w, sizeof(w)), key, why);
	return -1;
}

/* Keys that choose how root itself acts, not which files a VM gets: a
 * config whose owner is not root may not give them. Its owner could
 * otherwise have root exec a binary of theirs (device_model_override),
 * run the device model as root (dm_restrict = 0), take a dedicated
 * account root handed to another VM (device_model_user). Which bridges
 * its vifs may join is the policy's to say (policy.h). */
static const struct {
	enum config_key key;
	const char *name;
	const char *why;
} root_keys[] = {
	{ KEY_DM_RESTRICT, "dm_restrict",
	  "only a config root owns may turn the jail off" },
	{ KEY_DM_OVERRIDE, "device_model_override",
	  "root would run a binary the config's owner chose" },
	{ KEY_DM_USER, "device_model_user",
	  "the dedicated accounts are root's to hand out" },
};

int
config_check_owner(const struct vm_config *cfg, struct cfg_error *err)
{
	char w[CONFIG_WHERE_MAX];

	if (cfg->owner.uid == 0)
		return 0;
	for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
		int line = cfg->line[root_keys[i].key];
		/* dm_restrict = 1 is the default: saying so is harmless. */
		if (!line ||
		    (root_keys[i].key == KEY_DM_RESTRICT && cfg->dm_restrict))
			continue;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: %s: not in a config owned by uid %u (only "
			 "root's): %s",
			 config_where(cfg, line, w, sizeof(w)),
			 root_keys[i].name, (unsigned)cfg->owner.uid,
			 root_keys[i].why);
		return -1;
	}
	/* The tap's name is a host interface's: firewall rules and
	 * monitoring match it. A tenant's taps get bulkhead's bh<vmid>.<n>.
	 * (A mac the guest could set itself anyway: allowed.) */
	for (size_t i = 0; i < cfg->nvifs; i++) {
		if (!cfg->vifs[i].vifname[0])
			continue;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vif: vifname: not in a config owned by uid "
			 "%u (only root's): host interface names are root's "
			 "to choose",
			 config_where(cfg, cfg->vifs[i].line, w, sizeof(w)),
			 (unsigned)cfg->owner.uid);
		return -1;
	}
	return 0;
}

/* cpus names only CPUs this host has online. */
static int
check_cpus(const struct vm_config *cfg, struct cfg_error *err)
{
	uint64_t online[CPUSET_WORDS], set[CPUSET_WORDS];
	char why[400], w[CONFIG_WHERE_MAX];

	if (!cfg->cpus.given)
		return 0;
	if (cpuset_online(online) < 0)
		snprintf(why, sizeof(why),
			 "cannot read the host's online CPUs");
	else if (cpuset_resolve(&cfg->cpus, online, set, why, sizeof(why)) == 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: cpus: %s",
		 config_where(cfg, cfg->line[KEY_CPUS], w, sizeof(w)), why);
	return -1;
}

int
config_check_host(const struct vm_config *cfg, struct cfg_error *err)
{
	if (config_check_owner(cfg, err) < 0 || check_cpus(cfg, err) < 0)
		return -1;
	if (cfg->kernel[0] &&
	    host_file(cfg, cfg->line[KEY_KERNEL], "kernel", cfg->kernel,
		      O_RDONLY, SAFE_REG, err) < 0)
		return -1;
	if (cfg->ramdisk[0] &&
	    host_file(cfg, cfg->line[KEY_RAMDISK], "ramdisk", cfg->ramdisk,
		      O_RDONLY, SAFE_REG, err) < 0)
		return -1;
	if (cfg->bios == BIOS_OVMF && access(CONFIG_OVMF_IMAGE, R_OK) < 0) {
		char w[CONFIG_WHERE_MAX];
		snprintf(err->msg, sizeof(err->msg),
			 "%s: bios: %s: %s (install Debian's ovmf)",
			 config_where(cfg, cfg->line[KEY_BIOS], w, sizeof(w)),
			 CONFIG_OVMF_IMAGE, strerror(errno));
		return -1;
	}
	if (config_net_boot(cfg)) {
		char w[CONFIG_WHERE_MAX], rom[PATH_MAX];
		snprintf(rom, sizeof(rom), "%s/%s", CONFIG_IPXE_DIR,
			 vif_model_rom(cfg->vifs[0].model));
		if (access(rom, R_OK) < 0) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: boot: 'n': %s: %s (install Debian's "
				 "ipxe-qemu)",
				 config_where(cfg, cfg->line[KEY_BOOT], w,
					      sizeof(w)),
				 rom, strerror(errno));
			return -1;
		}
	}
	int dm_line = cfg->line[KEY_DM_OVERRIDE];
	if (check_regular(cfg, dm_line,
			  dm_line ? "device_model_override" : "device model",
			  cfg->dm_binary, CHECK_EXEC, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->ndisks; i++) {
		const struct disk_spec *d = &cfg->disks[i];
		if (d->cdrom && !d->target[0])
			continue; /* an empty drive */
		if (host_file(cfg, d->line, "disk", d->target,
			      d->cdrom || d->readonly ? O_RDONLY : O_RDWR,
			      SAFE_REG | SAFE_BLK, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->nvifs; i++) {
		char p[64], w[CONFIG_WHERE_MAX];
		if (cfg->vifs[i].user) {
			/* No bridge: Debian's passt, run by the monitor. */
			if (access(CONFIG_PASST_BINARY, X_OK) == 0)
				continue;
			snprintf(err->msg, sizeof(err->msg),
				 "%s: vif: type=user needs Debian's passt "
				 "(%s: %s; apt-get install passt)",
				 config_where(cfg, cfg->vifs[i].line, w,
					      sizeof(w)),
				 CONFIG_PASST_BINARY, strerror(errno));
			return -1;
		}
		snprintf(p, sizeof(p), "/sys/class/net/%s/bridge",
			 cfg->vifs[i].bridge);
		if (access(p, F_OK) < 0) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: vif: bridge '%s' does not exist%s",
				 config_where(cfg, cfg->vifs[i].line, w,
					      sizeof(w)),
				 cfg->vifs[i].bridge,
				 cfg->vifs[i].bridge_default
					 ? " (xl's default bridge; name "
					   "another with bridge=)"
					 : "");
			return -1;
		}
	}
	return 0;
}

const char *
config_accel_name(enum vm_accel a)
{
	return a == ACCEL_TCG ? "tcg" : "kvm";
}

bool
config_io_throttled(const struct vm_config *cfg)
{
	return cfg->disk_read_bps || cfg->disk_write_bps ||
	       cfg->disk_read_iops || cfg->disk_write_iops;
}

const char *
config_action_name(enum vm_action a)
{
	return a == ACTION_RESTART    ? "restart"
	       : a == ACTION_PRESERVE ? "preserve"
				      : "destroy";
}
