#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../config/config.h"
#include "../host/record.h"
#include "../host/recover.h"
#include "../host/teardown.h"
#include "../host/vmid.h"
#include "../ipc/control.h"
#include "../ipc/control_msg.h"
#include "../ipc/deadlines.h"
#include "cli.h"

int
cmd_destroy(int argc, char **argv)
{
	struct vm_record r;
	char line[512], why[256];

	if (argc != 2) {
		log_error("usage: bulkhead destroy NAME");
		return 2;
	}
	const char *name = argv[1];
	if (cli_require_root("destroy") < 0)
		return 1;
	if (!config_name_valid(name)) {
		log_error("'%s' is not a valid VM name", name);
		return 2;
	}
	int rc = record_read(name, &r);
	if (rc < 0) {
		/* Record lost or unreadable: find what is left of the VM on
		 * the host (id file, cgroup) and kill that. */
		if (recover_find(name, &r) < 0) {
			log_error("%s: no such VM%s", name,
				  rc == -ENOENT ? "" : " (unreadable record)");
			return 1;
		}
		int lock = lock_take(BH_LOCK_PATH);
		rc = teardown_vm(&r, -1, why, sizeof(why));
		lock_release(lock);
		if (rc < 0) {
			log_error("%s: destroy failed: %s", name, why);
			return 1;
		}
		printf("%s: destroyed (without its record: found by its %s)\n",
		       name, r.vmid ? "VM id and cgroup" : "cgroup");
		return 0;
	}
	int fd = control_connect(name);
	if (fd >= 0) {
		struct ctl_msg req;
		int wait = deadline_request_ms(CTL_DESTROY);
		rc = ctl_msg_set(&req, CTL_DESTROY, NULL, -1) == 0 &&
				     ctl_msg_send(fd, &req) == 0
			     ? control_read_line(fd, line, sizeof(line), wait)
			     : -EIO;
		close(fd);
		if (rc == 0 && strcmp(line, "ok") == 0) {
			printf("%s: destroyed\n", name);
			return 0;
		}
		if (rc == 0) {
			log_error("%s: %s", name, line);
			return 1;
		}
		/* The monitor died mid-request: fall through and do it. */
	}
	/* No monitor: kill and clean up from here, by uid and by the
	 * recorded pid only if its start time still matches. */
	int lock = lock_take(BH_LOCK_PATH);
	if (teardown_vm(&r, -1, why, sizeof(why)) < 0) {
		lock_release(lock);
		log_error("%s: destroy failed, record kept: %s", name, why);
		return 1;
	}
	lock_release(lock);
	printf("%s: destroyed (without its monitor)\n", name);
	return 0;
}
