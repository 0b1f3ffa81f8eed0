/* create: validate everything, reserve name/id/uid under the lock, open
 * every host resource as root, then fork the monitor and wait until it
 * reports the guest running (or why it is not). Bad input exits 2 with
 * nothing started and nothing left behind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../host/accounts.h"
#include "../host/hostfile.h"
#include "../host/record.h"
#include "../host/tap.h"
#include "../host/teardown.h"
#include "../host/vmdir.h"
#include "../host/vmid.h"
#include "../monitor/monitor.h"
#include "../plan/qemu_args.h"
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
}

/* With I/O limits, the device behind each disk, once per device. */
static int
note_io_dev(struct monitor_launch *ml, const struct disk_spec *d, int fd)
{
	struct blockdev b;
	char why[256];

	if (blockdev_of_fd(fd, &b, why, sizeof(why)) < 0) {
		log_error("%s:%d: disk: %s: cannot be throttled: %s", ml->cfg.file,
			  d->line, d->target, why);
		return -1;
	}
	for (size_t i = 0; i < ml->nio_devs; i++)
		if (ml->io_devs[i].major == b.major && ml->io_devs[i].minor == b.minor)
			return 0;
	ml->io_devs[ml->nio_devs++] = b;
	return 0;
}

/* A disk's regular file, rw or read-only, with extra open flags; -1
 * after saying why. O_NONBLOCK: a FIFO swapped in after the check must
 * not hang us; fstat then rejects it. */
static int
disk_open(const struct vm_config *cfg, const struct disk_spec *d, bool rw,
	  int extra)
{
	int fd = open(d->target, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC |
					 O_NOCTTY | O_NONBLOCK | extra);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("%s:%d: disk: %s: %s", cfg->file, d->line, d->target,
			  fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fd_set_nonblock(fd, false);
	return fd;
}

/* 0, 1 when a disk cannot be opened, 2 when its device cannot carry the
 * configured I/O limits. */
static int
open_disks(struct monitor_launch *ml)
{
	const struct vm_config *cfg = &ml->cfg;
	bool direct = config_io_throttled(cfg);
	size_t k = 0;

	for (size_t i = 0; i < cfg->ndisks; i++) {
		const struct disk_spec *d = &cfg->disks[i];
		if (d->cdrom) {
			char why[256];
			if (!d->target[0])
				continue; /* an empty drive */
			ml->cd_fds[i] = medium_open(d->target, why, sizeof(why));
			if (ml->cd_fds[i] < 0) {
				log_error("%s:%d: disk: %s: %s", cfg->file,
					  d->line, d->target, why);
				return 1;
			}
			continue;
		}
		if (d->isolated) {
			/* One fd, for bulkhead-blk alone; QEMU never gets
			 * the disk. */
			int fd = disk_open(cfg, d, !d->readonly, 0);

			if (fd < 0)
				return 1;
			ml->backend_disk_fds[i] = fd;
			continue;
		}
		for (int rw = 0; rw <= (d->readonly ? 0 : 1); rw++) {
			/* O_DIRECT as QEMU will ask for it (cache.direct=on). */
			int fd = disk_open(cfg, d, rw, direct ? O_DIRECT : 0);

			if (fd < 0)
				return 1;
			ml->disk_fds[k++] = fd;
			ml->ndisk_fds = k;
			if (direct && rw == 0 && note_io_dev(ml, d, fd) < 0)
				return 2;
		}
	}
	return 0;
}

static void
close_disks(struct monitor_launch *ml)
{
	for (size_t i = 0; i < ml->ndisk_fds; i++)
		close(ml->disk_fds[i]);
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++) {
		if (ml->cd_fds[i] >= 0)
			close(ml->cd_fds[i]);
		if (ml->backend_disk_fds[i] >= 0)
			close(ml->backend_disk_fds[i]);
	}
}

/* Taps for the vifs; a random MAC in Xen's OUI where none is given. */
static int
open_taps(struct monitor_launch *ml)
{
	struct vm_config *cfg = &ml->cfg;
	char why[256];

	for (size_t i = 0; i < cfg->nvifs; i++) {
		struct vif_spec *v = &cfg->vifs[i];
		if (!v->vifname[0])
			snprintf(v->vifname, sizeof(v->vifname), "bh%u.%zu",
				 ml->rec.vmid, i);
		if (!v->has_mac) {
			uint8_t r[3];
			if (getrandom(r, sizeof(r), 0) != sizeof(r))
				return -1;
			const uint8_t mac[6] = { 0x00, 0x16, 0x3e, r[0] & 0x7f, r[1], r[2] };
			memcpy(v->mac, mac, sizeof(mac));
			v->has_mac = true;
		}
		int fd = tap_create(v->vifname, v->bridge, why, sizeof(why));
		if (fd < 0) {
			log_error("%s:%d: vif: %s", cfg->file, v->line, why);
			for (size_t j = 0; j < i; j++)
				close(ml->tap_fds[j]);
			return -1;
		}
		ml->tap_fds[i] = fd;
	}
	return 0;
}

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

static void
print_dry_run(const struct monitor_launch *ml, unsigned vmid)
{
	struct qemu_argv av;

	printf("name: %s\nvmid: %u (next free)\nidentity: %s uid %u gid %u%s\n",
	       ml->cfg.name, vmid, ident_kind_name(ml->id.kind),
	       (unsigned)ml->id.uid, (unsigned)ml->id.gid,
	       ml->id.exclusive ? "" : " (shared)");
	if (config_has_backends(&ml->cfg))
		printf("backends: uid %u gid %u\n", (unsigned)ml->be_id.uid,
		       (unsigned)ml->be_id.gid);
	if (qemu_args_build(&ml->cfg, &av) == 0) {
		printf("device model:");
		for (size_t i = 0; i < av.n; i++)
			printf(" %s", av.argv[i]);
		putchar('\n');
		qemu_args_free(&av);
	}
}


int
cmd_create(int argc, char **argv)
{
	bool dry = false, paused = false;
	const char *file = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
			dry = true;
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--paused"))
			paused = true;
		else if (argv[i][0] == '-' || file) {
			log_error("usage: bulkhead create [-n|--dry-run] [-p|--paused] CONFIG");
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		log_error("usage: bulkhead create [-n|--dry-run] [-p|--paused] CONFIG");
		return 2;
	}
	return cli_create(file, dry, paused, -1);
}

static int create_from(const char *file, const char *text, size_t len,
		       bool dry, bool paused, int restore_fd);

/* The config is read once: the same text is parsed and kept in the VM's
 * runtime dir, where a monitor that re-attaches finds it. */
int
cli_create(const char *file, bool dry, bool paused, int restore_fd)
{
	char *text;
	size_t len;
	int rc = file_read_all(file, CFG_FILE_MAX, &text, &len);

	if (rc < 0) {
		log_error("%s: %s", file,
			  rc == -EFBIG ? "file too large" : strerror(-rc));
		return 2;
	}
	rc = create_from(file, text, len, dry, paused, restore_fd);
	free(text);
	return rc;
}

static int
create_from(const char *file, const char *text, size_t len, bool dry,
	    bool paused, int restore_fd)
{
	static struct monitor_launch ml; /* large: keep it off the stack */
	struct cfg_error err;
	char why[512], warn[512], dir[PATH_MAX], mon_log[PATH_MAX];
	int vmid, lock = -1;

	if (cli_require_root("create") < 0)
		return 1;
	memset(&ml, 0, sizeof(ml));
	ml.ready_fd = -1;
	ml.start_paused = paused;
	ml.restore_fd = restore_fd;
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		ml.cd_fds[i] = ml.backend_disk_fds[i] = -1;
	struct vm_config *cfg = &ml.cfg;
	if (config_parse(text, len, file, cfg, &err) < 0 ||
	    config_check_host(cfg, &err) < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	if (canonicalize(cfg->kernel) < 0 ||
	    (cfg->ramdisk[0] && canonicalize(cfg->ramdisk) < 0) ||
	    canonicalize(cfg->dm_binary) < 0) {
		log_error("%s: cannot resolve a path: %s", file, strerror(errno));
		return 2;
	}
	if (cli_ensure_dirs() < 0)
		return 1;

	/* Name, VM id and uid are chosen under one lock, so two creates
	 * cannot take the same name, id or device_model_user. */
	lock = lock_take(BH_LOCK_PATH);
	if (lock < 0) {
		log_error("lock %s: %s", BH_LOCK_PATH, strerror(-lock));
		return 1;
	}
	if (vmdir_path(dir, sizeof(dir), cfg->name) < 0 ||
	    access(dir, F_OK) == 0) {
		log_error("%s:%d: name: '%s' is already in use", file,
			  cfg->line[KEY_NAME], cfg->name);
		lock_release(lock);
		return 2;
	}
	vmid = dry ? vmid_peek(BH_ID_DIR) : vmid_alloc(BH_ID_DIR, cfg->name);
	if (vmid < 0) {
		log_error("no free VM id: %s", strerror(-vmid));
		lock_release(lock);
		return 1;
	}
	int rc = 2;
	struct dm_identity id;
	if (ident_select(cfg->dm_restrict, cfg->dm_user, (unsigned)vmid, &id,
			 why, sizeof(why), warn, sizeof(warn)) < 0) {
		int line = cfg->line[KEY_DM_USER] ? cfg->line[KEY_DM_USER]
						  : cfg->line[KEY_DM_RESTRICT];
		if (line)
			log_error("%s:%d: %s: %s", file, line,
				  cfg->line[KEY_DM_USER] ? "device_model_user"
							 : "dm_restrict",
				  why);
		else
			log_error("%s: %s", file, why);
		goto fail_id;
	}
	/* The record is where the identity lives: this monitor and any
	 * that later takes the VM over read it back the same way. */
	record_set_identity(&ml.rec, &id);
	record_identity(&ml.rec, &ml.id);
	if (ml.id.exclusive) {
		struct uid_check u = { .uid = ml.id.uid };
		if (record_foreach(uid_in_use, &u) > 0) {
			log_error("%s:%d: device_model_user: uid %u is already "
				  "used by running VM %s; each VM needs its "
				  "own uid", file, cfg->line[KEY_DM_USER],
				  (unsigned)ml.id.uid, u.other);
			goto fail_id;
		}
	}
	if (config_has_backends(cfg) &&
	    ident_backend(&ml.id, &ml.be_id, why, sizeof(why)) < 0) {
		log_error("%s: isolated backends: %s", file, why);
		goto fail_id;
	}
	if (warn[0])
		log_warn("*** %s ***", warn);
	warn_features(cfg, &ml.id, &ml.rec.security_supported);
	if (dry) {
		print_dry_run(&ml, (unsigned)vmid);
		lock_release(lock);
		return 0;
	}

	/* From here on the VM exists on the host: every failure unwinds
	 * through teardown_cleanup. */
	struct vm_record *rec = &ml.rec;
	snprintf(rec->name, sizeof(rec->name), "%s", cfg->name);
	rec->vmid = (unsigned)vmid;
	snprintf(rec->state, sizeof(rec->state), "starting");
	snprintf(rec->accel, sizeof(rec->accel), "%s", config_accel_name(cfg->accel));
	snprintf(rec->config, sizeof(rec->config), "%s", file);
	if (mkdir(dir, 0700) < 0 ||
	    vmdir_file(ml.root_dir, sizeof(ml.root_dir), cfg->name, VMF_ROOT) < 0 ||
	    mkdir(ml.root_dir, 0755) < 0) {
		log_error("%s: %s", dir, strerror(errno));
		rc = 1;
		goto fail_dir;
	}
	if (prepare_logs(&ml, mon_log, sizeof(mon_log)) < 0) {
		log_error("cannot prepare logs under %s: %s", BH_LOG_DIR,
			  strerror(errno));
		rc = 1;
		goto fail_dir;
	}
	char snap[PATH_MAX];
	if (vmdir_file(snap, sizeof(snap), cfg->name, VMF_CONFIG) < 0 ||
	    file_write_atomic(snap, text, len, 0600) < 0) {
		log_error("cannot keep the config in %s", dir);
		rc = 1;
		goto fail_dir;
	}
	if (record_write(rec) < 0) {
		log_error("cannot write VM record");
		rc = 1;
		goto fail_dir;
	}
	lock_release(lock);
	lock = -1;

	if ((rc = open_disks(&ml)) != 0)
		goto fail_dir;
	if (open_taps(&ml) < 0) {
		rc = 1;
		goto fail_dir;
	}
	size_t ntaps = cfg->nvifs;
	int n = qemu_binds(cfg, ml.binds, JAIL_BINDS_MAX);
	int m = n < 0 ? -1 : jail_libdeps(cfg->dm_binary, ml.id.kind == IDENT_ROOT ? 65534 : ml.id.uid,
					  ml.id.kind == IDENT_ROOT ? 65534 : ml.id.gid,
					  ml.binds + n, JAIL_BINDS_MAX - (size_t)n, why, sizeof(why));
	if (n < 0 || m < 0) {
		log_error("device model files: %s", n < 0 ? "firmware or kernel missing" : why);
		rc = 1;
		goto fail_taps;
	}
	ml.nbinds = (size_t)n + (size_t)m;

	int ready;
	if (cli_fork_monitor(&ml, mon_log, monitor_main, &ready) < 0) {
		log_error("fork: %s", strerror(errno));
		rc = 1;
		goto fail_taps;
	}
	close_disks(&ml);
	for (size_t i = 0; i < ntaps; i++)
		close(ml.tap_fds[i]);
	char msg[600];
	int wr = cli_monitor_word(ready, START_TIMEOUT_MS, msg, sizeof(msg));
	if (wr < 0) {
		log_error("%s: no answer from the monitor (%s); see %s", cfg->name,
			  strerror(-wr), mon_log);
		return 1;
	}
	if (strncmp(msg, "ok ", 3) != 0) {
		log_error("%s: %s", cfg->name, msg);
		return 1;
	}
	printf("%s: %s (vmid %u, device model pid %s, uid %u, gid %u)\n",
	       cfg->name, paused ? "paused" : "running", rec->vmid, msg + 3,
	       (unsigned)rec->uid,
	       (unsigned)rec->gid);
	return 0;

fail_taps:
	for (size_t i = 0; i < ntaps; i++)
		close(ml.tap_fds[i]);
fail_dir:
	close_disks(&ml);
	teardown_cleanup(&ml.rec);
	lock_release(lock);
	return rc;
fail_id:
	if (!dry)
		vmid_release(BH_ID_DIR, (unsigned)vmid);
	lock_release(lock);
	return rc;
}
