/* CLI commands. Each returns the process exit status: 0 success,
 * 1 failure at run time, 2 bad usage or bad input. */
#ifndef BULKHEAD_CLI_H
#define BULKHEAD_CLI_H

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_host_init(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_cd_insert(int argc, char **argv);
int cmd_cd_eject(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_vnc(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_wait(int argc, char **argv);

/* Shared helpers. */
#include <stdbool.h>
#include <stddef.h>
/* create's work, for create and restore (restore: the save file's path,
 * or NULL); args: create's key=value arguments (config_parse_args). The
 * process exit status. */
int cli_create(const char *file, const char *const *args, size_t nargs,
	       bool dry, bool paused, const char *restore);
int cli_require_root(const char *cmd);
int cli_ensure_dirs(void);
/* Send one request (vdev and pass_fd where its type takes them, else
 * NULL and -1) to a running VM's monitor and print the outcome:
 * "NAME: done" on "ok", the monitor's error otherwise. Exit status. */
#include "../ipc/control_msg.h"
int cli_vm_request(const char *name, enum ctl_type type, const char *vdev,
		   int pass_fd, const char *done);
/* The VM an argument names: digits are a VM id (as xl takes a domain
 * id; create refuses names of digits only), anything else a name with a
 * record. 0 with its name in name, or -1. */
int cli_vm_name(const char *arg, char *name, size_t len);
/* A request's outcome: 0 when the monitor answered "ok"; else 1 after
 * saying why (no monitor, no answer in time (rc < 0), its error). */
int cli_request_failed(const char *name, int rc, const char *reply);
/* Fork a monitor that runs entry(ml) with its output in mon_log; the
 * read end of its ready pipe in *ready_fd. pid, or -1. */
#include <sys/types.h>
struct monitor_launch;
pid_t cli_fork_monitor(struct monitor_launch *ml, const char *mon_log,
		       void (*entry)(struct monitor_launch *), int *ready_fd);
/* The monitor's first line ("ok PID" / "error: why"), within timeout_ms;
 * closes ready_fd. 0, -ETIMEDOUT or -EPIPE. */
int cli_monitor_word(int ready_fd, int timeout_ms, char *msg, size_t len);
/* If NAME's monitor died while its device model runs, start a new
 * monitor that takes the VM over. 0 when a live monitor serves NAME. */
int cli_reattach(const char *name);
/* Root and a valid VM name, or the exit status to return (1 or 2). */
int cli_vm_args(const char *cmd, const char *name);
/* Which features a config uses, for warnings and security_supported. */
struct vm_config;
struct dm_identity;
int cli_config_features(const struct vm_config *cfg,
			const struct dm_identity *id, int *ids, int max);
/* The policy's checks of a config a non-root user owns (0 for root's):
 * its sizes and bridges (at read), and, under the create lock, its
 * owner's VM count. 0 or the exit status, after saying why. The second
 * uses the limits the first found. */
int cli_tenant_config(struct vm_config *cfg);
int cli_tenant_count(const struct vm_config *cfg);
/* Under the create lock, for every config (root's too): a MAC for each
 * vif without one, and a refusal of a vif whose MAC or ip= another VM's
 * record holds; rec keeps the claims. 0 or the exit status, after
 * saying why. */
struct vm_record;
int cli_vif_claim(struct vm_config *cfg, struct vm_record *rec);
/* host-init's line on the policy: there or not, read or why not. */
void cli_tenant_report(void);

#endif
