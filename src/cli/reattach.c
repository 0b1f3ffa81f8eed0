/* A VM whose monitor died keeps running. The next command that needs a
 * monitor starts a new one, which takes the VM over through the device
 * model's listening QMP and console sockets (monitor_reattach). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../ident/vmid.h"
#include "../monitor/control.h"
#include "../monitor/monitor.h"
#include "../state/procscan.h"
#include "../state/record.h"
#include "cli.h"

#define REATTACH_TIMEOUT_MS 30000

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
	static const char *mon_log_fmt = "%s/%s/monitor.log";
	char mon_log[PATH_MAX], msg[600];
	int ready[2];

	if (path_fmt(mon_log, sizeof(mon_log), mon_log_fmt, BH_LOG_DIR, name) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		close(ready[0]);
		ml->ready_fd = ready[1];
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lf = open(mon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
					       O_NOFOLLOW, 0600);
		if (null < 0 || lf < 0 || setsid() < 0 || dup2(null, 0) < 0 ||
		    dup2(lf, 1) < 0 || dup2(lf, 2) < 0)
			_exit(1);
		close(null);
		close(lf);
		log_set_prog("bulkhead-monitor");
		monitor_reattach(ml);
	}
	close(ready[1]);
	struct pollfd p = { .fd = ready[0], .events = POLLIN };
	ssize_t n = poll(&p, 1, REATTACH_TIMEOUT_MS) > 0
			    ? read_full(ready[0], msg, sizeof(msg) - 1)
			    : -1;
	close(ready[0]);
	if (n <= 0) {
		log_error("%s: the new monitor did not answer; see %s", name, mon_log);
		return -1;
	}
	msg[n] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	if (strncmp(msg, "ok ", 3) != 0) {
		log_error("%s: taking the VM over failed: %s", name, msg);
		return -1;
	}
	log_warn("%s: its monitor had died; a new one took the VM over", name);
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
	if (vm_file_path(lockp, sizeof(lockp), name, "attach.lock") < 0 ||
	    vm_file_path(cfgp, sizeof(cfgp), name, "config") < 0)
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
		log_error("%s: its monitor and device model are gone; destroy it",
			  name);
		goto out;
	}
	/* The config as it was at create, kept root-only in the VM's dir. */
	if (config_load(cfgp, &ml.cfg, &err) < 0) {
		log_error("%s: kept config: %s", name, err.msg);
		goto out;
	}
	ml.id.uid = ml.rec.uid;
	ml.id.gid = ml.rec.gid;
	rc = spawn(&ml, name);
out:
	lock_release(lock);
	return rc;
}
