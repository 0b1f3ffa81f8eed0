/* shutdown / reboot: press a running VM's ACPI power button (QMP
 * system_powerdown, sent by its monitor's QMP worker), as xl and virsh
 * ask a guest without PV drivers. The guest decides: it powers off, and
 * the monitor applies on_poweroff, or, after `reboot`, on_reboot (an
 * in-place restart by default). -w waits for that, up to -t seconds;
 * shutdown -F then destroys a guest that did not go down. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../host/record.h"
#include "../ipc/control.h"
#include "../ipc/control_msg.h"
#include "../ipc/deadlines.h"
#include "cli.h"

#define POWER_WAIT_MAX_S 86400
#define POWER_VMS_MAX 64

struct power_opts {
	enum ctl_type type;
	bool wait, force;
	long secs;
};

static int
usage(const struct power_opts *o)
{
	log_error(
		o->type == CTL_SHUTDOWN
			? "usage: bulkhead shutdown [-w] [-F] [-t SECONDS] "
			  "NAME|ID..."
			: "usage: bulkhead reboot [-w] [-t SECONDS] NAME|ID...");
	return 2;
}

/* The options before the VMs; the index of the first VM, or -1 (said). */
static int
parse_opts(int argc, char **argv, struct power_opts *o)
{
	int i = 1;
	bool t_given = false;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		char *end;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-w")) {
			o->wait = true;
		} else if (!strcmp(a, "-F") && o->type == CTL_SHUTDOWN) {
			o->force = o->wait = true;
		} else if (!strcmp(a, "-t") && i + 1 < argc) {
			errno = 0;
			o->secs = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || o->secs < 1 ||
			    o->secs > POWER_WAIT_MAX_S) {
				log_error("-t: '%s' is not a number of seconds "
					  "(1-%d)",
					  argv[i], POWER_WAIT_MAX_S);
				return -1;
			}
			t_given = true;
		} else {
			log_error("%s: unknown option '%s'",
				  ctl_type_name(o->type), a);
			usage(o);
			return -1;
		}
	}
	if (t_given && !o->wait) {
		log_error("-t SECONDS is how long -w waits: give -w too");
		return -1;
	}
	if (i >= argc) {
		usage(o);
		return -1;
	}
	return i;
}

/* Press NAME's power button. The connection (the monitor's answer was
 * "ok") in *fd when waiting, else closed. 0, or 1 after saying why. */
static int
press(const char *name, const struct power_opts *o, int *fd)
{
	struct ctl_msg req;
	char reply[512];
	int rc = -ENOENT;

	*fd = -1;
	if (ctl_msg_set(&req, o->type, NULL, -1) < 0)
		return 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		int c = control_connect(name);
		if (c < 0) {
			/* No monitor listening: a dead one is replaced. */
			rc = c;
			if (attempt == 0 && cli_reattach(name) == 0)
				continue;
			break;
		}
		rc = ctl_msg_send(c, &req);
		if (rc == 0)
			rc = control_read_line(c, reply, sizeof(reply),
					       deadline_request_ms(o->type));
		if (rc == 0 && !strcmp(reply, "ok") && o->wait)
			*fd = c;
		else
			close(c);
		break;
	}
	return cli_request_failed(name, rc, reply);
}

/* The monitor's word on how the guest went down (waiters.c), or
 * "timeout", or "gone" when the monitor ended with its VM. */
static void
await(const char *name, int fd, uint64_t deadline, char *word, size_t len)
{
	uint64_t now = now_ms();
	int rc = now >= deadline ? -ETIMEDOUT
				 : control_read_line(fd, word, len,
						     (int)(deadline - now));
	struct vm_record r;

	close(fd);
	if (rc == -ETIMEDOUT)
		snprintf(word, len, "timeout");
	else if (rc < 0)
		/* Its monitor ended without a word: gone with the VM? */
		snprintf(word, len, "%s",
			 record_read(name, &r) == -ENOENT ? "gone"
							  : "monitor-lost");
}

/* What -w reports for word: 0 when the guest did what was asked. */
static int
report(const char *name, const struct power_opts *o, const char *word)
{
	bool reboot = o->type == CTL_REBOOT;

	if (!strcmp(word, "timeout")) {
		if (o->force) {
			printf("%s: still running after %lds: destroying it "
			       "(-F)\n",
			       name, o->secs);
			fflush(stdout);
			char verb[] = "destroy", vm[BH_NAME_MAX + 1];
			char *argv[] = { verb, vm, NULL };
			snprintf(vm, sizeof(vm), "%s", name);
			return cmd_destroy(2, argv);
		}
		log_error("%s: still running after %lds: the guest did not "
			  "act on its power button%s",
			  name, o->secs,
			  reboot ? "" : " (-F destroys it after the wait)");
		return 1;
	}
	if (reboot && !strcmp(word, "restarted")) {
		printf("%s: rebooted\n", name);
		return 0;
	}
	if (!reboot && !strcmp(word, "gone")) {
		printf("%s: shut down\n", name);
		return 0;
	}
	if (!reboot && !strcmp(word, "shutdown")) {
		printf("%s: shut down (kept: on_poweroff = preserve)\n", name);
		return 0;
	}
	log_error("%s: the guest went down, but %s", name,
		  !strcmp(word, "restarted") ? "was restarted (on_poweroff)"
		  : !strcmp(word, "gone") ? "its VM was destroyed (on_reboot)"
		  : !strcmp(word, "shutdown")
			  ? "was not restarted (kept: on_reboot = preserve)"
		  : !strcmp(word, "crashed") ? "it crashed (kept: on_crash)"
		  : !strcmp(word, "crashed-gone")
			  ? "it crashed (destroyed: on_crash)"
		  : !strcmp(word, "ended")
			  ? "its VM ended otherwise (the device model exited, "
			    "a destroy or a fault; see its monitor.log)"
			  : "its monitor ended; see list");
	return 1;
}

static int
power_verb(int argc, char **argv, enum ctl_type type)
{
	struct power_opts o = { .type = type,
				.secs = DEADLINE_SHUTDOWN_WAIT_S };
	static char names[POWER_VMS_MAX][BH_NAME_MAX + 1];
	int fds[POWER_VMS_MAX], status = 0;

	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return 2;
	argc -= first;
	argv += first;
	if (argc > POWER_VMS_MAX) {
		log_error("%s: at most %d VMs at a time", ctl_type_name(type),
			  POWER_VMS_MAX);
		return 2;
	}
	if (cli_require_root(ctl_type_name(type)) < 0)
		return 1;
	/* Every VM is found before any button is pressed. */
	for (int i = 0; i < argc; i++) {
		if (cli_vm_name(argv[i], names[i], sizeof(names[i])) < 0) {
			log_error("%s: no such VM (by name or VM id)", argv[i]);
			return 2;
		}
	}
	for (int i = 0; i < argc; i++) {
		if (press(names[i], &o, &fds[i]) != 0) {
			status = 1;
			continue;
		}
		if (!o.wait)
			printf("%s: power button pressed (%s requested)\n",
			       names[i], ctl_type_name(type));
	}
	fflush(stdout);
	uint64_t deadline = now_ms() + (uint64_t)o.secs * 1000;
	for (int i = 0; o.wait && i < argc; i++) {
		char word[64];
		if (fds[i] < 0)
			continue;
		await(names[i], fds[i], deadline, word, sizeof(word));
		if (report(names[i], &o, word) != 0)
			status = 1;
	}
	return status;
}

int
cmd_shutdown(int argc, char **argv)
{
	return power_verb(argc, argv, CTL_SHUTDOWN);
}

int
cmd_reboot(int argc, char **argv)
{
	return power_verb(argc, argv, CTL_REBOOT);
}
