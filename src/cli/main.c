/* bulkhead: run VMs with deprivileged, compartmentalized device models. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../common/util.h"
#include "cli.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
	bool by_id; /* its first operand, a VM, may be a VM id (main) */
} commands[] = {
	{ "create", cmd_create,
	  "create [-n|--dry-run] [-p|--paused] [-c] [--json] CONFIG "
	  "[KEY=VALUE...]",
	  false },
	{ "list", cmd_list, "list [--json|-l] [NAME|ID...]", false },
	{ "destroy", cmd_destroy, "destroy NAME|ID", true },
	{ "shutdown", cmd_shutdown,
	  "shutdown [-w] [-F] [-t SECONDS] NAME|ID...   (ACPI power button; "
	  "-w waits, 60 s by default; -F then destroys)",
	  false },
	{ "reboot", cmd_reboot,
	  "reboot [-w] [-t SECONDS] NAME|ID...   (power button, then restart "
	  "in place)",
	  false },
	{ "console", cmd_console, "console [--raw] NAME|ID   (Ctrl-] detaches)",
	  true },
	{ "pause", cmd_pause, "pause NAME|ID", true },
	{ "unpause", cmd_unpause, "unpause NAME|ID", true },
	{ "cd-insert", cmd_cd_insert,
	  "cd-insert NAME|ID VDEV FILE   (FILE opened here, passed as an fd)",
	  true },
	{ "cd-eject", cmd_cd_eject, "cd-eject NAME|ID VDEV", true },
	{ "vnc", cmd_vnc,
	  "vnc NAME|ID [--listen IPV4:PORT] [--allow-remote] [--user USER]   "
	  "(listens here, default 127.0.0.1:5900+ID; Ctrl-C stops)",
	  false },
	{ "save", cmd_save,
	  "save [-c] NAME|ID FILE   (then destroyed; -c keeps it running)",
	  true },
	{ "restore", cmd_restore, "restore [-p] CONFIG FILE", false },
	{ "events", cmd_events,
	  "events [--json] [NAME]   (lifecycle events as they happen; "
	  "Ctrl-C stops)",
	  false },
	{ "wait", cmd_wait, "wait NAME|ID   (until the VM ends; prints why)",
	  true },
	{ "host-init", cmd_host_init, "host-init [--range-base UID]", false },
	{ "features", cmd_features,
	  "features [--json|--markdown] | --confinement [--markdown]", false },
	{ "check", cmd_check,
	  "check NAME|ID [--as dm|backend|worker|copier] [--json]   (run "
	  "bulkhead-probe in NAME's jail)",
	  true },
	{ "audit", cmd_audit,
	  "audit PID|--all [--json]   (score any running QEMU)", false },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: bulkhead COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "  help [COMMAND] | COMMAND --help | --version\n");
	fprintf(f, "\nSee bulkhead(1) and bulkhead.cfg(5).\n");
}

int
cli_require_root(const char *cmd)
{
	if (geteuid() != 0) {
		log_error("%s: must be run as root", cmd);
		return -1;
	}
	return 0;
}

int
cli_ensure_dirs(void)
{
	static const char *const dirs[] = { BH_RUN_DIR, BH_VM_DIR, BH_ID_DIR,
					    BH_LOG_DIR };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int rc = mkdir_exact(dirs[i], 0700);
		if (rc < 0) {
			log_error("%s: %s", dirs[i], strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* fds 0-2 are open before anything else is: a CLI started with one of
 * them closed would otherwise give that number to a disk or tap, which
 * its own printf would then write into, and which the monitor's stdio
 * set-up would replace before QEMU got it. */
static void
stdio_reserve(void)
{
	for (;;) {
		int fd = open("/dev/null", O_RDWR);
		if (fd < 0) {
			log_error("/dev/null: %s", strerror(errno));
			exit(1);
		}
		if (fd > 2) {
			close(fd);
			return;
		}
	}
}

/* `help CMD` and `CMD --help`: that command's line, and where to read
 * more. */
static int
help_for(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		printf("usage: bulkhead %s\n\nSee bulkhead(1).\n",
		       commands[i].help);
		return 0;
	}
	log_error("unknown command '%s'", name);
	usage(stderr);
	return 2;
}

static bool
is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* A verb's VM operand (its first argument not an option) given as a VM
 * id, as xl takes a domain id: replaced by that VM's name. Digits are
 * only ever an id (create refuses such names). 0, or -1 after saying. */
static int
vm_operand_by_id(int argc, char **argv)
{
	static char name[BH_NAME_MAX + 1];

	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (!argv[i][0] ||
		    strspn(argv[i], "0123456789") != strlen(argv[i]))
			return 0;
		if (cli_vm_name(argv[i], name, sizeof(name)) < 0) {
			log_error("%s: no VM with that id", argv[i]);
			return -1;
		}
		argv[i] = name;
		return 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	log_set_prog("bulkhead");
	stdio_reserve();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("bulkhead %s\n", bh_version);
		return 0;
	}
	if (!strcmp(argv[1], "help") && argc > 2)
		return help_for(argv[2]);
	if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && is_help(argv[2]))
		return help_for(argv[1]);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].by_id && vm_operand_by_id(argc, argv) < 0)
			return 2;
		return commands[i].fn(argc - 1, argv + 1);
	}
	log_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
