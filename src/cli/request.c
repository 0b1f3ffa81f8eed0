/* One request to a VM's monitor over its control socket, for the
 * commands that act on a running VM (pause, cd-insert, ...). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../ipc/control.h"
#include "../ipc/control_msg.h"
#include "../ipc/deadlines.h"
#include "../host/record.h"
#include "cli.h"

/* A VM by name, or by VM id as xl takes a domain id: digits are an id. */
struct find_id {
	unsigned long id;
	char *name;
	size_t len;
	bool found;
};

static int
match_id(const char *name, void *arg)
{
	struct find_id *f = arg;
	struct vm_record r;

	if (record_read(name, &r) == 0 && r.vmid == f->id) {
		snprintf(f->name, f->len, "%s", r.name);
		f->found = true;
		return 1;
	}
	return 0;
}

int
cli_vm_name(const char *arg, char *name, size_t len)
{
	struct vm_record r;
	char *end;

	/* Digits are a VM id, as xl takes them: never a name (create
	 * refuses such names), which a tenant could pick to capture a
	 * command meant for another VM. */
	bool digits = arg[0] && strspn(arg, "0123456789") == strlen(arg);
	if (!digits && config_name_valid(arg) && record_read(arg, &r) == 0) {
		snprintf(name, len, "%s", arg);
		return 0;
	}
	errno = 0;
	unsigned long id = strtoul(arg, &end, 10);
	if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && errno == 0 &&
	    id <= UINT_MAX) {
		struct find_id f = { .id = id, .name = name, .len = len };
		(void)record_foreach(match_id, &f);
		if (f.found)
			return 0;
	}
	return -1;
}

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
