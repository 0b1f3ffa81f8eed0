/* save / restore, as xl save and xl restore: the save file is opened here
 * as root and travels as an fd; no privileged code reads its contents. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../host/hostfile.h"
#include "../host/safe_open.h"
#include "cli.h"

#define SAVE_USAGE "usage: bulkhead save [-c] NAME FILE"
#define RESTORE_USAGE "usage: bulkhead restore [-p] CONFIG FILE"

int
cmd_save(int argc, char **argv)
{
	bool keep = argc == 4 && strcmp(argv[1], "-c") == 0;
	char why[256];

	if (argc != 3 && !keep) {
		log_error(SAVE_USAGE);
		return 2;
	}
	const char *name = argv[keep ? 2 : 1], *file = argv[keep ? 3 : 2];
	int rc = cli_vm_args("save", name);
	if (rc)
		return rc;
	/* A new file only, in root's directories: a save never overwrites
	 * anything, and restore accepts what it makes. */
	struct safe_new n;
	if (safe_create(file, &n, why, sizeof(why)) < 0) {
		log_error("%s", why);
		return 2;
	}
	if (save_check_fd(n.fd, true, why, sizeof(why)) < 0) {
		log_error("%s: %s", file, why);
		safe_new_discard(&n);
		return 2;
	}
	rc = cli_vm_request(
		name, keep ? CTL_SAVE_CONTINUE : CTL_SAVE, NULL, n.fd,
		keep ? "saved, still running" : "saved and destroyed");
	if (rc != 0)
		safe_new_discard(&n); /* ours: created above, incomplete */
	else
		safe_new_close(&n);
	return rc;
}

int
cmd_restore(int argc, char **argv)
{
	bool paused = argc == 4 && strcmp(argv[1], "-p") == 0;

	if (argc != 3 && !paused) {
		log_error(RESTORE_USAGE);
		return 2;
	}
	const char *config = argv[paused ? 2 : 1], *file = argv[paused ? 3 : 2];
	if (cli_require_root("restore") < 0)
		return 1;
	/* Opened there once the config is read: a user's config restores
	 * only a save file that user may read (safe_who.h). */
	return cli_create(config, NULL, 0, false, paused, file);
}
