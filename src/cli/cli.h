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

/* Shared helpers. */
int cli_require_root(const char *cmd);
int cli_ensure_dirs(void);
/* Which features a config uses, for warnings and security_supported. */
struct vm_config;
struct dm_identity;
int cli_config_features(const struct vm_config *cfg,
			const struct dm_identity *id, int *ids, int max);

#endif
