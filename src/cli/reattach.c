/* A VM whose monitor died keeps running. The next command that needs a
 * monitor starts a new one, which takes the VM over through the device
 * model's listening QMP and console sockets (monitor_reattach). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "../host/safe_who.h"
#include "../host/vmdir.h"
#include "../host/vmid.h"
#include "../ipc/deadlines.h"
#include "../monitor/monitor.h"
#include "cli.h"

static bool
monitor_alive(const struct vm_record *r)
{
	return r->monitor_pid > 0 &&
	       procscan_running(r->monitor_pid, r->monitor_start);
}

/* Fork the new monitor and wait for its word. */
static int
spawn(struct monitor_launch *ml, const char *name)
{
	char mon_log[PATH_MAX], msg[600];
	int ready;

	if (vmdir_log(mon_log, sizeof(mon_log), name, VML_MONITOR) < 0 ||
	    cli_fork_monitor(ml, mon_log, monitor_reattach, &ready) < 0)
		return -1;
	if (cli_monitor_word(ready, deadline_takeover_ms(), msg, sizeof(msg)) <
	    0) {
		log_error("%s: the new monitor did not answer; see %s", name,
			  mon_log);
		return -1;
	}
	if (strncmp(msg, "ok ", 3) != 0) {
		log_error("%s: taking the VM over failed: %s", name, msg);
		return -1;
	}
	log_warn("%s: its monitor had died; a new one took the VM over", name);
	return 0;
}

/* The VM's plan as create made it, without host fds: who its processes
 * run as, exactly as create recorded it. */
static int
plan_takeover(struct monitor_launch *ml, const char *name)
{
	struct dm_identity id;
	char why[256];

	if (record_identity(&ml->rec, &id) < 0) {
		log_error("%s: record: unknown identity '%s'", name,
			  ml->rec.ident);
		return -1;
	}
	struct plan_input in = { .cfg = &ml->cfg, .id = &id };
	if (vm_plan_build(&in, &ml->plan, why, sizeof(why)) < 0) {
		log_error("%s: %s", name, why);
		return -1;
	}
	return 0;
}

int
cli_reattach(const char *name)
{
	static struct monitor_launch ml; /* large: keep it off the stack */
	struct cfg_error err;
	char lockp[PATH_MAX], cfgp[PATH_MAX];

	memset(&ml, 0, sizeof(ml));
	ml.ready_fd = ml.restore_fd = -1;
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		ml.cd_fds[i] = -1;
	if (record_read(name, &ml.rec) < 0)
		return -1;
	if (monitor_alive(&ml.rec))
		return 0; /* it lives: nothing to take over */
	if (vmdir_file(lockp, sizeof(lockp), name, VMF_ATTACH_LOCK) < 0 ||
	    vmdir_file(cfgp, sizeof(cfgp), name, VMF_CONFIG) < 0)
		return -1;
	/* One take-over at a time: a second CLI finds the new monitor. */
	int lock = lock_take(lockp);
	if (lock < 0)
		return -1;
	int rc = -1;
	if (record_read(name, &ml.rec) < 0)
		goto out;
	if (monitor_alive(&ml.rec)) {
		rc = 0;
		goto out;
	}
	if (!procscan_running(ml.rec.dm_pid, ml.rec.dm_start)) {
		log_error(
			"%s: its monitor and device model are gone; destroy it",
			name);
		goto out;
	}
	/* The config as it was at create, kept root-only in the VM's dir. */
	if (config_load(cfgp, &ml.cfg, &err) < 0) {
		log_error("%s: kept config: %s", name, err.msg);
		goto out;
	}
	/* Kept root's: whose files it names is the record's. */
	if (safe_who_of(ml.rec.owner, &ml.cfg.owner, err.msg, sizeof(err.msg)) <
	    0) {
		log_error("%s: the config's owner: %s", name, err.msg);
		goto out;
	}
	rc = plan_takeover(&ml, name);
	if (rc == 0)
		rc = spawn(&ml, name);
	vm_plan_free(&ml.plan);
out:
	lock_release(lock);
	return rc;
}
