/* pause / unpause: stop and continue a VM's vCPUs (QMP stop / cont), as
 * `xl pause` and `virsh suspend` do. */
#include <stdio.h>

#include "../common/log.h"
#include "cli.h"

static int
pause_or_unpause(int argc, char **argv, enum ctl_type type, const char *done)
{
	const char *cmd = ctl_type_name(type);

	if (argc != 2) {
		log_error("usage: bulkhead %s NAME|ID", cmd);
		return 2;
	}
	int rc = cli_vm_args(cmd, argv[1]);
	return rc ? rc : cli_vm_request(argv[1], type, NULL, -1, done);
}

int
cmd_pause(int argc, char **argv)
{
	return pause_or_unpause(argc, argv, CTL_PAUSE, "paused");
}

int
cmd_unpause(int argc, char **argv)
{
	return pause_or_unpause(argc, argv, CTL_UNPAUSE, "running");
}
