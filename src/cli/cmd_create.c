/* create: validate everything, reserve name/id/uid under the lock, open
 * every host resource as root, then fork the monitor and wait until it
 * reports the guest running (or why it is not). Bad input exits 2 with
 * nothing started and nothing left behind. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../host/accounts.h"
#include "../host/events_log.h"
#include "../host/blockuse.h"
#include "../host/hostfile.h"
#include "../host/idrange.h"
#include "../host/imglock.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "../host/safe_open.h"
#include "../host/antispoof.h"
#include "../host/tap.h"
#include "../host/teardown.h"
#include "../host/vmdir.h"
#include "../host/vmid.h"
#include "../monitor/monitor.h"
#include "../plan/vm_plan.h"
#include "cli.h"
#include "features_table.h"

#define START_TIMEOUT_MS 120000

struct uid_check {
	uid_t uid;
	char other[BH_NAME_MAX + 1];
};

static int
uid_in_use(const char *name, void *arg)
{
	struct uid_check *u = arg;
	struct vm_record r;

	if (record_read(name, &r) < 0)
		return 0; /* being created or torn down: its id is held */
	if (r.uid_exclusive && r.uid == u->uid) {
		snprintf(u->other, sizeof(u->other), "%s", r.name);
		return 1;
	}
	return 0;
}

static int
canonicalize(char *path)
{
	char real[PATH_MAX];

	if (!realpath(path, real))
		return -errno;
	snprintf(path, PATH_MAX, "%s", real);
	return 0;
}

static void
warn_features(const struct vm_config *cfg, const struct dm_identity *id,
	      bool *supported)
{
	int ids[F_COUNT];
	int n = cli_config_features(cfg, id, ids, F_COUNT);

	*supported = true;
	for (int i = 0; i < n; i++) {
		const struct feature *f = feature_get((enum feature_id)ids[i]);
		if (f->status == FS_SUPPORTED)
			continue;
		*supported = false;
		log_warn("*** %s is %s: %s ***", f->name,
			 feature_status_name(f->status), f->reason);
	}
	/* xl's names are not what a Linux guest here will call the disks:
	 * say so before someone's fstab says xvda. */
	for (size_t i = 0; i < cfg->ndisks; i++) {
		char name[128], w[CONFIG_WHERE_MAX];
		if (config_disk_guest_name(cfg, i, name, sizeof(name)))
			log_warn("%s: disk %s: a Linux guest will name it %s",
				 config_where(cfg, cfg->disks[i].line, w,
					      sizeof(w)),
				 cfg->disks[i].vdev, name);
	}
}

/* One create, as it goes through its steps. Large: kept off the stack. */
struct create {
	struct monitor_launch ml;
	const char *file;
	const char *text;
	size_t len;
	const char *const *args; /* key=value arguments (config.h) */
	size_t nargs;
	const struct safe_who *owner; /* the config file's */
	bool dry;
	int vmid;
	int lock;
	struct dm_identity id;    /* as the record keeps it */
	struct dm_identity be_id; /* the backends' */
	struct plan_host host;    /* what this CLI opened */
	char dir[PATH_MAX];       /* the VM's runtime dir */
	char mon_log[PATH_MAX];
};

/* Where a line of the config is, for one message at a time. */
static const char *
at(const struct vm_config *cfg, int line)
{
	static char w[CONFIG_WHERE_MAX];

	return config_where(cfg, line, w, sizeof(w));
}

/* With I/O limits, the device behind each disk, once per device. */
static int
note_io_dev(struct create *c, const struct disk_spec *d, int fd)
{
	struct plan_host *h = &c->host;
	struct blockdev b;
	char why[256];

	if (blockdev_of_fd(fd, &b, why, sizeof(why)) < 0) {
		log_error("%s: disk: %s: cannot be throttled: %s",
			  at(&c->ml.cfg, d->line), d->target, why);
		return -1;
	}
	for (size_t i = 0; i < h->nio_devs; i++)
		if (h->io_devs[i].major == b.major &&
		    h->io_devs[i].minor == b.minor)
			return 0;
	h->io_devs[h->nio_devs++] = b;
	return 0;
}

/* Lock an opened disk (imglock.h) and say who holds it if it is taken.
 * 0, or -1 after saying why. */
static int
disk_lock(const struct vm_config *cfg, const struct disk_spec *d, int fd,
	  bool write)
{
	char why[128], vm[BH_NAME_MAX + 1];
	int rc = imglock_take(fd, write, why, sizeof(why));

	if (rc == 0)
		return 0;
	if (rc == -EBUSY && imglock_holder(fd, vm, sizeof(vm)) == 0)
		log_error("%s: disk: %s: %s; VM %s has it open",
			  at(cfg, d->line), d->target, why, vm);
	else
		log_error("%s: disk: %s: %s", at(cfg, d->line), d->target, why);
	return -1;
}

/* A block device the host itself uses (mounted, its root, swap, a dm
 * or md device on it) is refused; -1 after saying why. */
static int
disk_blockuse(const struct vm_config *cfg, const struct disk_spec *d, int fd)
{
	char why[PATH_MAX + 64];
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	if (blockuse_check(st.st_rdev, why, sizeof(why)) == 0)
		return 0;
	log_error("%s: disk: %s: block device %s", at(cfg, d->line), d->target,
		  why);
	return -1;
}

enum disk_lk { LK_NONE, LK_READ, LK_WRITE };

/* A disk's regular file (a medium's, or block device), rw or read-only,
 * with extra open flags, by safe_open's rules for the config's owner,
 * then locked as lk says; -1 after saying why. */
static int
disk_open(const struct vm_config *cfg, const struct disk_spec *d, bool rw,
	  int extra, enum disk_lk lk)
{
	char why[PATH_MAX + 256];
	int fd = safe_open_as(&cfg->owner, d->target,
			      (rw ? O_RDWR : O_RDONLY) | extra,
			      SAFE_REG | SAFE_BLK, why, sizeof(why));

	if (fd < 0) {
		log_error("%s: disk: %s", at(cfg, d->line), why);
		return fd;
	}
	if (disk_blockuse(cfg, d, fd) < 0) {
		close(fd);
		return -1;
	}
	if (lk != LK_NONE && disk_lock(cfg, d, fd, lk == LK_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
fd_is_blk(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISBLK(st.st_mode);
}

/* 0, 1 when a disk cannot be opened, 2 when its device cannot carry the
 * configured I/O limits. */
static int
open_disks(struct create *c)
{
	const struct vm_config *cfg = &c->ml.cfg;
	bool direct = config_io_throttled(cfg);

	for (size_t i = 0; i < cfg->ndisks; i++) {
		const struct disk_spec *d = &cfg->disks[i];
		if (d->cdrom) {
			if (!d->target[0])
				continue; /* an empty drive */
			c->ml.cd_fds[i] = disk_open(cfg, d, false, 0, LK_READ);
			if (c->ml.cd_fds[i] < 0)
				return 1;
			continue;
		}
		if (d->isolated) {
			/* One fd, for bulkhead-blk alone; QEMU never gets
			 * the disk. */
			int fd = disk_open(cfg, d, !d->readonly, 0,
					   d->readonly ? LK_READ : LK_WRITE);

			if (fd < 0)
				return 1;
			c->host.backend_disk[i] = fd;
			continue;
		}
		for (int rw = 0; rw <= (d->readonly ? 0 : 1); rw++) {
			/* O_DIRECT as QEMU will ask for it (cache.direct=on).
			 * The rw fd's write lock covers the image; a read
			 * lock on its ro fd, another description, would
			 * conflict with it. */
			enum disk_lk lk =
				rw ? LK_WRITE
				   : (d->readonly ? LK_READ : LK_NONE);
			int fd = disk_open(cfg, d, rw, direct ? O_DIRECT : 0,
					   lk);

			if (fd < 0)
				return 1;
			c->host.disk[i][rw] = fd;
			c->ml.cfg.disks[i].blockdev = fd_is_blk(fd);
			if (direct && rw == 0 && note_io_dev(c, d, fd) < 0)
				return 2;
		}
	}
	return 0;
}

static void
close_media(struct monitor_launch *ml)
{
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		if (ml->cd_fds[i] >= 0) {
			close(ml->cd_fds[i]);
			ml->cd_fds[i] = -1;
		}
}

/* Taps for the vifs (their MACs were given under the create lock,
 * vifclaim.c). */
static int
open_taps(struct create *c)
{
	struct vm_config *cfg = &c->ml.cfg;
	char why[256];

	for (size_t i = 0; i < cfg->nvifs; i++) {
		struct vif_spec *v = &cfg->vifs[i];
		if (!v->vifname[0] && !v->user)
			snprintf(v->vifname, sizeof(v->vifname), "bh%u.%zu",
				 c->ml.rec.vmid, i);
		if (v->user)
			continue; /* no tap: the monitor starts its passt */
		int fd = tap_create(v->vifname, v->bridge, why, sizeof(why));
		if (fd < 0) {
			log_error("%s: vif: %s", at(cfg, v->line), why);
			return -1;
		}
		c->host.tap[i] = fd;
		/* Teardown deletes it by this name and index, should the
		 * device model make it outlive its fd. */
		struct record_tap *t = &c->ml.rec.taps[c->ml.rec.ntaps++];
		snprintf(t->name, sizeof(t->name), "%s", v->vifname);
		t->ifindex = if_nametoindex(v->vifname);
	}
	if (record_write(&c->ml.rec) < 0) {
		log_error("cannot write VM record");
		return -1;
	}
	/* Before the device model holds a tap, so that it never sends a
	 * frame the rules did not see (the taps exist: their chains are
	 * bound to them); no VM runs without them. */
	if (cfg->nvifs && antispoof_install(cfg->name, cfg->vifs, cfg->nvifs,
					    why, sizeof(why)) < 0) {
		log_error("vif anti-spoofing rules: %s", why);
		return -1;
	}
	return 0;
}
_Static_assert(CONFIG_VIFS_MAX <= RECORD_TAPS_MAX, "a vif's tap unrecorded");

static int
prepare_logs(struct monitor_launch *ml, char *mon_log, size_t len)
{
	char dir[PATH_MAX];
	const char *name = ml->cfg.name;

	if (vmdir_log_dir(dir, sizeof(dir), name) < 0 ||
	    mkdir_exact(dir, 0700) < 0)
		return -1;
	if (vmdir_log(ml->rec.console_log, sizeof(ml->rec.console_log), name,
		      VML_CONSOLE) < 0 ||
	    vmdir_log(ml->qemu_log, sizeof(ml->qemu_log), name, VML_QEMU) < 0 ||
	    vmdir_log(mon_log, len, name, VML_MONITOR) < 0)
		return -1;
	return 0;
}

/* The plan of a VM: with host NULL for a dry run. */
static int
plan_vm(struct create *c, const struct plan_host *host)
{
	struct monitor_launch *ml = &c->ml;
	char why[512];
	struct plan_input in = {
		.cfg = &ml->cfg,
		.id = &c->id,
		.be_id = config_has_backends(&ml->cfg) ||
					 config_has_user_vifs(&ml->cfg)
				 ? &c->be_id
				 : NULL,
		.restore = ml->restore_fd >= 0,
		.host = host,
	};

	if (vm_plan_build(&in, &ml->plan, why, sizeof(why)) < 0) {
		log_error("device model files: %s", why);
		return -1;
	}
	return 0;
}

/* create -n: what create would do, with nothing opened or made. */
static int
print_dry_run(struct create *c)
{
	const struct vm_plan *p = &c->ml.plan;

	printf("name: %s\nvmid: %u (next free)\nidentity: %s uid %u gid %u%s\n",
	       c->ml.cfg.name, (unsigned)c->vmid, ident_kind_name(c->id.kind),
	       (unsigned)c->id.uid, (unsigned)c->id.gid,
	       c->id.exclusive ? "" : " (shared)");
	if (config_has_backends(&c->ml.cfg) || config_has_user_vifs(&c->ml.cfg))
		printf("backends: uid %u gid %u\n", (unsigned)c->be_id.uid,
		       (unsigned)c->be_id.gid);
	if (plan_vm(c, NULL) == 0) {
		printf("device model:");
		for (size_t i = 0; i < p->argv.n; i++)
			printf(" %s", p->argv.argv[i]);
		putchar('\n');
		vm_plan_free(&c->ml.plan);
	}
	return 0;
}

#define CREATE_USAGE                                                         \
	"usage: bulkhead create [-n|--dry-run] [-p|--paused] [-c] [--json] " \
	"CONFIG "                                                            \
	"[KEY=VALUE...]"

/* The name of the VM this process created, for create -c. */
static char created[BH_NAME_MAX + 1];
/* create --json: what an orchestrator needs of the new VM, as JSON. */
static bool create_json;

int
cmd_create(int argc, char **argv)
{
	bool dry = false, paused = false, console = false;
	const char *file = NULL;
	/* As xl's: what follows the config are key=value lines for it. */
	const char **args = calloc((size_t)argc, sizeof(*args));
	size_t nargs = 0;

	if (!args) {
		log_error("out of memory");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
			dry = true;
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--paused"))
			paused = true;
		else if (!strcmp(argv[i], "-c"))
			console = true; /* xl create -c: attach the console */
		else if (!strcmp(argv[i], "--json"))
			create_json = true;
		else if (argv[i][0] == '-')
			file = NULL, i = argc;
		else if (file)
			args[nargs++] = argv[i];
		else
			file = argv[i];
	}
	int rc = 2;
	if (!file)
		log_error(CREATE_USAGE);
	else
		rc = cli_create(file, args, nargs, dry, paused, NULL);
	free(args);
	if (rc == 0 && console && !dry && created[0]) {
		fflush(stdout);
		char verb[] = "console";
		char *cargv[] = { verb, created, NULL };
		return cmd_console(2, cargv);
	}
	return rc;
}

static int create_from(const char *file, const char *text, size_t len,
		       const char *const *args, size_t nargs,
		       const struct safe_who *owner, bool dry, bool paused,
		       int restore_fd);

/* A save file to restore from, as the config's owner may read it. fd or
 * -1 after saying why. */
static int
open_save(const char *file, const struct safe_who *owner)
{
	char why[PATH_MAX + 256];
	int fd =
		safe_open_as(owner, file, O_RDONLY, SAFE_REG, why, sizeof(why));

	if (fd < 0) {
		log_error("%s", why);
		return -1;
	}
	if (save_check_fd(fd, false, why, sizeof(why)) < 0) {
		log_error("%s: %s", file, why);
		close(fd);
		return -1;
	}
	return fd;
}

/* The config is read once: the same text is parsed and kept in the VM's
 * runtime dir, where a monitor that re-attaches finds it. Its owner, the
 * only one who may write it, decides which files it may name
 * (safe_who.h), the save file of a restore too. */
int
cli_create(const char *file, const char *const *args, size_t nargs, bool dry,
	   bool paused, const char *restore)
{
	static struct safe_who owner; /* large: keep it off the stack */
	char *text, why[PATH_MAX + 256];
	size_t len;
	struct stat st;
	int fd = -1, rc = safe_read_all(file, CFG_FILE_MAX, &text, &len, &st,
					why, sizeof(why));

	if (rc < 0) {
		log_error("%s", why);
		return 2;
	}
	/* Whoever may write it chooses what root opens: its owner alone. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_error("%s: writable by group or others (mode %04o): a "
			  "config only its owner may write is read",
			  file, (unsigned)(st.st_mode & 07777));
		free(text);
		return 2;
	}
	if (safe_who_of(st.st_uid, &owner, why, sizeof(why)) < 0) {
		log_error("%s: owned by %s", file, why);
		free(text);
		return 2;
	}
	if (restore && (fd = open_save(restore, &owner)) < 0) {
		free(text);
		return 2;
	}
	rc = create_from(file, text, len, args, nargs, &owner, dry, paused, fd);
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

/* Parse and check the config and resolve its paths. 0 or exit status. */
static int
load_config(struct create *c)
{
	struct vm_config *cfg = &c->ml.cfg;
	struct cfg_error err;

	int rc = config_parse_args(c->text, c->len, c->file, c->args, c->nargs,
				   cfg, &err);

	if (rc == 0) {
		cfg->owner = *c->owner;
		rc = config_check_host(cfg, &err);
	}
	if (rc < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	if ((rc = cli_tenant_config(cfg)) != 0)
		return rc;
	/* Not the kernel and ramdisk: their names are checked as written
	 * (safe_open.h), and bound into the jail from the checked inode;
	 * resolving them here would follow what the checks refuse. */
	if (canonicalize(cfg->dm_binary) < 0) {
		log_error("%s: cannot resolve a path: %s", c->file,
			  strerror(errno));
		return 2;
	}
	return cli_ensure_dirs() < 0 ? 1 : 0;
}

/* A range identity: the whole range must still be free of other
 * accounts and of subordinate ranges (an entry added to /etc/subuid
 * since host-init is caught here). Without host-init's reservation the
 * next useradd may hand VM ids out: warned, since no one holds them yet
 * (list warns again). 0 or 2. */
static int
check_range(const struct create *c)
{
	struct account_names an = { "", "", "", "" };
	uid_t ub = c->id.uid - (uid_t)c->vmid;
	gid_t gb = c->id.gid - (gid_t)c->vmid;
	char why[512];

	if (c->id.kind != IDENT_RANGE)
		return 0;
	accounts_names(&an);
	/* A module source (SSSD, FreeIPA) is asked for the owners of the
	 * very ids this VM and its backends get; the base account's own
	 * reservation aside. */
	uid_t ids[] = { c->id.uid, c->id.uid + BACKEND_UID_OFFSET };
	gid_t gids[] = { c->id.gid, c->id.gid + BACKEND_UID_OFFSET };
	for (size_t i = 0; i < 2; i++)
		if (idrange_nss_id(false, ids[i], ub, why, sizeof(why)) < 0 ||
		    idrange_nss_id(true, gids[i], ub, why, sizeof(why)) < 0) {
			log_error("%s: the VM's ids are not the VMs' alone: "
				  "%s; refused",
				  c->file, why);
			return 2;
		}
	if (idrange_check(ub, gb, an.range_base, why, sizeof(why)) == 0) {
		if (idrange_reserved(ub, gb, an.range_base, why, sizeof(why)) !=
		    1)
			log_warn("*** the VM id range of %s is not reserved "
				 "against useradd (%s): the next new user "
				 "may get subordinate ids over this VM's; "
				 "run 'bulkhead host-init' ***",
				 an.range_base, why);
		return 0;
	}
	log_error("%s: the VM id range of %s is not the VMs' alone: %s; "
		  "refused (see 'bulkhead host-init')",
		  c->file, an.range_base, why);
	return 2;
}

/* A device_model_user that no running VM has must own no process at
 * all: one that does is in use outside bulkhead, and destroy would kill
 * every process of it. (A VM's own restart and a takeover keep their
 * identity and do not come here.) 0 or 2. */
static int
check_user_idle(const struct create *c)
{
	const struct vm_config *cfg = &c->ml.cfg;
	int n;

	if (c->id.kind != IDENT_USER ||
	    (n = procscan_count_ids(c->id.uid, PROCSCAN_NO_GID)) == 0)
		return 0;
	if (n < 0)
		log_error("%s: device_model_user: cannot list processes: "
			  "%s",
			  at(cfg, cfg->line[KEY_DM_USER]), strerror(-n));
	else
		log_error("%s: device_model_user: '%s' (uid %u) owns %d "
			  "process(es): it is in use outside bulkhead, and "
			  "destroying the VM would kill them all",
			  at(cfg, cfg->line[KEY_DM_USER]), cfg->dm_user,
			  (unsigned)c->id.uid, n);
	return 2;
}

/* Who the device model and the backends run as. The record keeps the
 * identity, and it is read back from there exactly as a monitor taking
 * the VM over reads it. 0 or 2. */
static int
choose_identity(struct create *c)
{
	const struct vm_config *cfg = &c->ml.cfg;
	struct dm_identity sel;
	char why[512], warn[512];

	if (ident_select(cfg->dm_restrict, cfg->dm_user, (unsigned)c->vmid,
			 &sel, why, sizeof(why), warn, sizeof(warn)) < 0) {
		int line = cfg->line[KEY_DM_USER] ? cfg->line[KEY_DM_USER]
						  : cfg->line[KEY_DM_RESTRICT];
		if (line)
			log_error("%s: %s: %s", at(cfg, line),
				  cfg->line[KEY_DM_USER] ? "device_model_user"
							 : "dm_restrict",
				  why);
		else
			log_error("%s: %s", c->file, why);
		return 2;
	}
	record_set_identity(&c->ml.rec, &sel);
	if (record_identity(&c->ml.rec, &c->id) < 0) {
		log_error("%s: the chosen identity does not survive its record",
			  c->file);
		return 2;
	}
	if (check_range(c) != 0)
		return 2;
	if (c->id.exclusive) {
		struct uid_check u = { .uid = c->id.uid };
		if (record_foreach(uid_in_use, &u) > 0) {
			log_error("%s: device_model_user: uid %u is already "
				  "used by running VM %s; each VM needs its "
				  "own uid",
				  at(cfg, cfg->line[KEY_DM_USER]),
				  (unsigned)c->id.uid, u.other);
			return 2;
		}
	}
	if (check_user_idle(c) != 0)
		return 2;
	/* passt (type=user vifs) runs as the backends' identity too. */
	if ((config_has_backends(cfg) || config_has_user_vifs(cfg)) &&
	    ident_backend(&c->id, &c->be_id, why, sizeof(why)) < 0) {
		log_error("%s: isolated backends: %s", c->file, why);
		return 2;
	}
	if (warn[0])
		log_warn("*** %s ***", warn);
	warn_features(cfg, &c->id, &c->ml.rec.security_supported);
	return 0;
}

/* Name, VM id, uid and the vifs' MACs and addresses are chosen under
 * one lock (c->lock, held on return when taken), so two creates cannot
 * take the same name, id, device_model_user, MAC or address. A dry run only peeks at the next id. 0 or exit
 * status. */
static int
reserve(struct create *c)
{
	const struct vm_config *cfg = &c->ml.cfg;

	c->lock = lock_take(BH_LOCK_PATH);
	if (c->lock < 0) {
		log_error("lock %s: %s", BH_LOCK_PATH, strerror(-c->lock));
		return 1;
	}
	if (vmdir_path(c->dir, sizeof(c->dir), cfg->name) < 0 ||
	    access(c->dir, F_OK) == 0) {
		log_error("%s: name: '%s' is already in use",
			  at(cfg, cfg->line[KEY_NAME]), cfg->name);
		return 2;
	}
	int rc = cli_tenant_count(cfg);
	if (rc == 0)
		rc = cli_vif_claim(&c->ml.cfg, &c->ml.rec);
	if (rc != 0)
		return rc;
	c->vmid = c->dry ? vmid_peek(BH_ID_DIR)
			 : vmid_alloc(BH_ID_DIR, cfg->name);
	if (c->vmid < 0) {
		log_error("no free VM id: %s", strerror(-c->vmid));
		return 1;
	}
	rc = choose_identity(c);
	if (rc != 0 && !c->dry)
		vmid_release(BH_ID_DIR, (unsigned)c->vmid);
	return rc;
}

/* The VM's directory and root, its logs, the kept config and the
 * record: from here on the VM exists on the host. 0 or 1. */
static int
make_vm_dir(struct create *c)
{
	struct monitor_launch *ml = &c->ml;
	const struct vm_config *cfg = &ml->cfg;
	struct vm_record *rec = &ml->rec;
	char snap[PATH_MAX];

	snprintf(rec->name, sizeof(rec->name), "%s", cfg->name);
	rec->vmid = (unsigned)c->vmid;
	snprintf(rec->state, sizeof(rec->state), "starting");
	snprintf(rec->accel, sizeof(rec->accel), "%s",
		 config_accel_name(cfg->accel));
	snprintf(rec->config, sizeof(rec->config), "%s", c->file);
	rec->owner = cfg->owner.uid;
	if (mkdir(c->dir, 0700) < 0 ||
	    vmdir_file(ml->root_dir, sizeof(ml->root_dir), cfg->name,
		       VMF_ROOT) < 0 ||
	    mkdir(ml->root_dir, 0755) < 0) {
		log_error("%s: %s", c->dir, strerror(errno));
		return 1;
	}
	if (prepare_logs(ml, c->mon_log, sizeof(c->mon_log)) < 0) {
		log_error("cannot prepare logs under %s: %s", BH_LOG_DIR,
			  strerror(errno));
		return 1;
	}
	char *kept;
	size_t klen;
	if (config_kept_text(c->text, c->len, c->args, c->nargs, &kept, &klen) <
	    0) {
		log_error("out of memory");
		return 1;
	}
	int rc = vmdir_file(snap, sizeof(snap), cfg->name, VMF_CONFIG) < 0 ||
		 file_write_atomic(snap, kept, klen, 0600) < 0;
	free(kept);
	if (rc) {
		log_error("cannot keep the config in %s", c->dir);
		return 1;
	}
	if (record_write(rec) < 0) {
		log_error("cannot write VM record");
		return 1;
	}
	return 0;
}

/* Open every host resource and build the plan around them; the plan
 * owns the fds from then on. 0, or the exit status with them closed. */
static int
open_host(struct create *c)
{
	int rc = open_disks(c);

	if (rc == 0 && open_taps(c) < 0)
		rc = 1;
	if (rc == 0 && plan_vm(c, &c->host) < 0)
		rc = 1;
	if (rc != 0) {
		plan_host_close(&c->host);
		close_media(&c->ml);
	}
	return rc;
}

/* Fork the monitor with the plan and wait for its word. Exit status. */
/* create --json's answer (bulkhead(1), "Machine interface"). */
static void
print_created_json(const struct create *c, bool paused, int dm_pid)
{
	const struct vm_record *r = &c->ml.rec;
	char dir[PATH_MAX], control[PATH_MAX], console[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", BH_VM_DIR, r->name);
	snprintf(control, sizeof(control), "%s/control.sock", dir);
	snprintf(console, sizeof(console), "%s/console.sock", dir);
	json_t *o = json_pack(
		"{s:i, s:s, s:I, s:s, s:i, s:I, s:I, s:s, s:s, s:s, s:s}",
		"version", EVENTS_VERSION, "name", r->name, "vmid",
		(json_int_t)r->vmid, "state", paused ? "paused" : "running",
		"pid", dm_pid, "uid", (json_int_t)r->uid, "gid",
		(json_int_t)r->gid, "console_log", r->console_log,
		"monitor_log", c->mon_log, "control_socket", control,
		"console_socket", console);
	if (o) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
	}
}

static int
start_monitor(struct create *c, bool paused)
{
	struct monitor_launch *ml = &c->ml;
	char msg[600];
	int ready;
	pid_t pid = cli_fork_monitor(ml, c->mon_log, monitor_main, &ready);
	int err = errno;

	/* The monitor has its own copies of the fds now (or none runs). */
	vm_plan_close_fds(&ml->plan);
	vm_plan_free(&ml->plan);
	close_media(ml);
	if (pid < 0) {
		log_error("fork: %s", strerror(err));
		teardown_cleanup(&ml->rec);
		return 1;
	}
	int wr = cli_monitor_word(ready, START_TIMEOUT_MS, msg, sizeof(msg));
	if (wr < 0) {
		log_error("%s: no answer from the monitor (%s); see %s",
			  ml->cfg.name, strerror(-wr), c->mon_log);
		return 1;
	}
	if (strncmp(msg, "ok ", 3) != 0) {
		log_error("%s: %s", ml->cfg.name, msg);
		return 1;
	}
	if (create_json)
		print_created_json(c, paused, atoi(msg + 3));
	else
		printf("%s: %s (vmid %u, device model pid %s, uid %u, gid "
		       "%u)\n",
		       ml->cfg.name, paused ? "paused" : "running",
		       ml->rec.vmid, msg + 3, (unsigned)ml->rec.uid,
		       (unsigned)ml->rec.gid);
	snprintf(created, sizeof(created), "%s", ml->cfg.name);
	return 0;
}

static int
create_from(const char *file, const char *text, size_t len,
	    const char *const *args, size_t nargs, const struct safe_who *owner,
	    bool dry, bool paused, int restore_fd)
{
	static struct create c; /* large: keep it off the stack */
	int rc;

	if (cli_require_root("create") < 0)
		return 1;
	memset(&c, 0, sizeof(c));
	c.file = file;
	c.text = text;
	c.len = len;
	c.args = args;
	c.nargs = nargs;
	c.owner = owner;
	c.dry = dry;
	c.lock = -1;
	c.ml.ready_fd = -1;
	c.ml.start_paused = paused;
	c.ml.restore_fd = restore_fd;
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		c.ml.cd_fds[i] = -1;
	plan_host_init(&c.host);
	if ((rc = load_config(&c)) != 0)
		return rc;
	rc = reserve(&c);
	if (rc == 0 && dry)
		rc = print_dry_run(&c);
	if (rc != 0 || dry) {
		if (c.lock >= 0)
			lock_release(c.lock);
		return rc;
	}
	/* Every failure from here on unwinds through teardown_cleanup. */
	rc = make_vm_dir(&c);
	if (rc != 0)
		teardown_cleanup(&c.ml.rec);
	lock_release(c.lock);
	if (rc != 0)
		return rc;
	if ((rc = open_host(&c)) != 0) {
		teardown_cleanup(&c.ml.rec);
		return rc;
	}
	return start_monitor(&c, paused);
}
