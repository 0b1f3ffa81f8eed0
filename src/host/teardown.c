#include "teardown.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../config/config.h"
#include "cgroup.h"
#include "procscan.h"
#include "reaper.h"
#include "antispoof.h"
#include "inbound_guard.h"
#include "tap.h"
#include "vmdir.h"
#include "vmid.h"

#define TEARDOWN_TIMEOUT_MS 10000

/* Wait until the pidfd's process has exited; reap it if it is ours. */
static bool
pidfd_wait_exit(int pidfd, unsigned timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	siginfo_t si;

	if (poll(&p, 1, (int)timeout_ms) <= 0)
		return false;
	memset(&si, 0, sizeof(si));
	waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
	return true;
}

#define BACKEND_GROUPS_MAX 64

/* Kill a group until it is empty. */
static int
kill_group(const char *name, char *why, size_t whylen)
{
	uint64_t deadline = now_ms() + TEARDOWN_TIMEOUT_MS;

	while (cgroup_count(name) > 0) {
		cgroup_kill(name);
		if (now_ms() > deadline) {
			snprintf(why, whylen,
				 "%d process(es) survive in cgroup "
				 "bulkhead/%s",
				 cgroup_count(name), name);
			return -1;
		}
		sleep_ms(20);
	}
	return 0;
}

/* End every process that holds uid (real, effective, saved or fs) or,
 * unless PROCSCAN_NO_GID, gid (the same, or supplementary), inside the
 * VM's cgroups or not, until none is left, or fail (the caller then
 * keeps the VM id, and with it the ids, from reuse). The reaper's
 * kill(-1) goes first (no fork loop outruns it), but the kernel checks
 * it against each thread group leader's credentials only; root then
 * kills, each group through a pidfd, whatever the scan of every thread
 * still finds: a thread that alone took the uid (credentials are per
 * thread), a group whose leader has exited (a zombie), a process with
 * effective uid uid but real and saved uid another's, a holder of the
 * gid only: what anyone with a subordinate range over the ids can make
 * in a user namespace. */
static int
sweep_ids(const struct vm_record *r, uid_t uid, gid_t gid, char *why,
	  size_t whylen)
{
	uint64_t deadline = now_ms() + TEARDOWN_TIMEOUT_MS;

	for (;;) {
		int rc = reaper_kill_uid(BH_REAPER_LOCK, r->reaper_uid, uid);
		if (rc < 0) {
			snprintf(why, whylen,
				 "reaper kill of uid %u failed: %s",
				 (unsigned)uid, strerror(-rc));
			return -1;
		}
		int n = procscan_count_ids(uid, gid);
		if (n == 0)
			return 0;
		(void)procscan_kill_ids(uid, gid);
		if (now_ms() > deadline) {
			snprintf(why, whylen,
				 "%d process(es) holding uid %u%s survive "
				 "the reaper and root's kill",
				 n, (unsigned)uid,
				 gid == PROCSCAN_NO_GID ? "" : " or its gid");
			return -1;
		}
		sleep_ms(20);
	}
}

int
teardown_kill(const struct vm_record *r, int dm_pidfd, char *why, size_t whylen)
{
	int own = -1;
	int fd = dm_pidfd;

	if (fd < 0)
		fd = own = procscan_pidfd_open(r->dm_pid, r->dm_start);
	/* SIGKILL to the pid-namespace init takes every process in the
	 * namespace with it. */
	if (fd >= 0) {
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		pidfd_wait_exit(fd, TEARDOWN_TIMEOUT_MS);
	}
	if (own >= 0)
		close(own);
	/* Whatever the uid: everything the device model started is in its
	 * cgroup, and the cgroup is killed as a whole; so is each of the
	 * VM's backends. */
	if (kill_group(r->name, why, whylen) < 0)
		return -1;
	{
		char names[BACKEND_GROUPS_MAX][CG_NAME_MAX];
		size_t n = cgroup_backend_groups(r->name, names,
						 BACKEND_GROUPS_MAX);

		for (size_t i = 0; i < n; i++)
			if (kill_group(names[i], why, whylen) < 0)
				return -1;
	}

	if (!r->uid_exclusive) {
		/* Shared uid or root: killing by uid would hit other VMs or
		 * the host; the pidfd kill above is all we may do. */
		if (fd >= 0 || r->dm_pid <= 0 ||
		    procscan_starttime(r->dm_pid) != r->dm_start)
			return 0;
		snprintf(why, whylen, "device model pid %d survives",
			 (int)r->dm_pid);
		return -1;
	}
	/* A range VM's gids are checked to be no group's: nobody else may
	 * hold them either. A device_model_user's group is an account's,
	 * which host processes may have as a supplementary group: left. */
	bool range = strcmp(r->ident, ident_kind_name(IDENT_RANGE)) == 0;
	if (sweep_ids(r, r->uid, range ? r->gid : PROCSCAN_NO_GID, why,
		      whylen) < 0)
		return -1;
	/* Range backends run as uid + BACKEND_UID_OFFSET (and that gid):
	 * nobody else may keep those either when the id is freed. */
	if (range && sweep_ids(r, r->uid + BACKEND_UID_OFFSET,
			       r->gid + BACKEND_UID_OFFSET, why, whylen) < 0)
		return -1;
	return 0;
}

/* The backends' roots (root-DEV): one per isolated device, so found by
 * listing the directory rather than from the table. */
static int
remove_backend_roots(const char *name)
{
	char dir[PATH_MAX], sub[PATH_MAX];
	struct dirent *e;
	int rc = 0;

	if (vmdir_path(dir, sizeof(dir), name) < 0)
		return 0;
	DIR *d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (!vmdir_is_backend_root(e->d_name) ||
		    path_fmt(sub, sizeof(sub), "%s/%s", dir, e->d_name) < 0)
			continue;
		if (rmdir(sub) < 0 && errno != ENOENT)
			rc = -errno;
	}
	if (d)
		closedir(d);
	return rc;
}

int
teardown_cleanup(const struct vm_record *r)
{
	char p[PATH_MAX];
	int rc = 0;

	char names[BACKEND_GROUPS_MAX][CG_NAME_MAX];
	size_t n = cgroup_backend_groups(r->name, names, BACKEND_GROUPS_MAX);

	/* A tap dies with its last fd, QEMU's, unless the device model made
	 * it persistent: then it would stay on the bridge, its name would
	 * make the id's next VM fail, and TUNSETOWNER could have given it
	 * to a host user. Deleted here, before the id is free; one that
	 * cannot be deleted keeps the record and the id, so that the id's
	 * next VM does not meet it and destroy can be run again. */
	bool taps_left = false;
	for (size_t i = 0; i < r->ntaps; i++)
		if (tap_delete(r->taps[i].name, r->taps[i].ifindex) < 0)
			taps_left = true;
	/* The anti-spoofing chains go with the taps, found by the VM's
	 * name, so also for a record that lost its taps (recover_find).
	 * Chains that stay keep the record and the id, as a tap would. */
	if (antispoof_remove(r->name) < 0)
		taps_left = true;
	/* So do a passt's inbound chain (type=user vifs have no tap). */
	if (inbound_guard_remove(r->name) < 0)
		taps_left = true;
	if (cgroup_remove(r->name) < 0)
		rc = -EBUSY;
	for (size_t i = 0; i < n; i++)
		if (cgroup_remove(names[i]) < 0)
			rc = -EBUSY;
	if (taps_left)
		return -EBUSY;
	/* The jails' tmpfs lived only in their mount namespaces; what is
	 * left on the host are the empty directories they were mounted on.
	 * Everything else the VM's directory may hold is in vmdir's table. */
	int brc = remove_backend_roots(r->name);
	if (brc < 0)
		rc = brc;
	/* An isolated vif's socket, named by the vif's index, which is
	 * not its tap's (a type=user vif has none): every index. */
	for (unsigned i = 0; i < CONFIG_VIFS_MAX; i++)
		if (vmdir_vif_socket(p, sizeof(p), r->name, i) == 0)
			unlink(p);
	for (int f = 0; f < VMF_COUNT; f++) {
		if (vmdir_file(p, sizeof(p), r->name, (enum vm_file)f) < 0)
			continue;
		if (!vmdir_is_dir((enum vm_file)f))
			unlink(p);
		else if (rmdir(p) < 0 && errno != ENOENT)
			rc = -errno;
	}
	if (vmdir_path(p, sizeof(p), r->name) == 0 && rmdir(p) < 0 &&
	    errno != ENOENT && rc == 0)
		rc = -errno;
	/* The id (and with it the VM's uid) is free again only once
	 * nothing of the VM is left: a next VM given it would find this
	 * one's directory and record. */
	if (rc == 0 && r->vmid && vmid_release(BH_ID_DIR, r->vmid) < 0)
		rc = -errno;
	return rc;
}

int
teardown_vm(const struct vm_record *r, int dm_pidfd, char *why, size_t whylen)
{
	if (teardown_kill(r, dm_pidfd, why, whylen) < 0)
		return -1;
	int rc = teardown_cleanup(r);
	if (rc < 0) {
		snprintf(why, whylen, "cleanup of %s: %s", r->name,
			 strerror(-rc));
		return -1;
	}
	return 0;
}
