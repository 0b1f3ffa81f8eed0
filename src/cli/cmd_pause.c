/* pause / unpause: stop and continue a VM's vCPUs (QMP stop / cont), as
 * `xl pause` and `virsh suspend` do. */
#include <stdio.h>

#include "../common/log.h"
#include "cli.h"

static int
pause_or_unpause(int argc, char **argv, const char *cmd, const char *done)
{
	if (argc != 2) {
		log_error("usage: bulkhead %s NAME", cmd);
		return 2;
	}
	int rc = cli_vm_args(cmd, argv[1]);
	return rc ? rc : cli_vm_request(argv[1], cmd, -1, done);
}

int
cmd_pause(int argc, char **argv)
{
	return pause_or_unpause(argc, argv, "pause", "paused");
}

int
cmd_unpause(int argc, char **argv)
{
	return pause_or_unpause(argc, argv, "unpause", "running");
}
