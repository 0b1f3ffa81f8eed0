/* One request to a VM's monitor over its control socket, for the
 * commands that act on a running VM (pause, cd-insert, ...). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../ipc/control.h"
#include "../ipc/control_msg.h"
#include "../ipc/deadlines.h"
#include "cli.h"

int
cli_vm_args(const char *cmd, const char *name)
{
	if (cli_require_root(cmd) < 0)
		return 1;
	if (!config_name_valid(name)) {
		log_error("'%s' is not a valid VM name", name);
		return 2;
	}
	return 0;
}

int
cli_vm_request(const char *name, enum ctl_type type, const char *vdev,
	       int pass_fd, const char *done)
{
	struct ctl_msg req;
	char reply[512];

	if (ctl_msg_set(&req, type, vdev, pass_fd) < 0) {
		log_error("%s: a malformed %s request", name,
			  ctl_type_name(type));
		return 2;
	}
	int rc = control_request(name, &req, reply, sizeof(reply),
				 deadline_request_ms(type));

	/* No monitor listening: a dead one is replaced, then asked again. */
	if ((rc == -ENOENT || rc == -ECONNREFUSED) && cli_reattach(name) == 0)
		rc = control_request(name, &req, reply, sizeof(reply),
				     deadline_request_ms(type));

	if (cli_request_failed(name, rc, reply) != 0)
		return 1;
	printf("%s: %s\n", name, done);
	return 0;
}

int
cli_request_failed(const char *name, int rc, const char *reply)
{
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		log_error("%s: no running VM of that name, or its monitor is "
			  "gone",
			  name);
		return 1;
	}
	if (rc < 0) {
		log_error("%s: the monitor did not answer (%s)", name,
			  strerror(-rc));
		return 1;
	}
	if (strcmp(reply, "ok") != 0) {
		log_error("%s: %s", name,
			  strncmp(reply, "error: ", 7) == 0 ? reply + 7
							    : reply);
		return 1;
	}
	return 0;
}
