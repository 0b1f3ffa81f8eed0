#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../host/accounts.h"
#include "../host/idrange.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "cli.h"

struct list_ctx {
	json_t *arr;     /* NULL for the table */
	unsigned ranged; /* VMs with a range uid */
};

/* A record says "running" but its device model is gone (monitor killed
 * along with it): show that rather than repeat a stale state. */
static const char *
live_state(const struct vm_record *r)
{
	if (r->dm_pid > 0 && !procscan_running(r->dm_pid, r->dm_start))
		return "gone";
	return r->state;
}

/* The monitor died (the next console/pause/... starts a new one). */
static bool
monitor_gone(const struct vm_record *r)
{
	return r->monitor_pid > 0 &&
	       !procscan_running(r->monitor_pid, r->monitor_start);
}

static int
list_one(const char *name, void *arg)
{
	struct list_ctx *c = arg;
	struct vm_record r;

	if (record_read(name, &r) < 0) {
		if (!c->arr)
			printf("%-20s %5s %8s %8s %8s %-9s\n", name, "-", "-",
			       "-", "-", "creating");
		return 0;
	}
	if (strcmp(r.ident, "range") == 0)
		c->ranged++;
	if (c->arr) {
		json_array_append_new(
			c->arr,
			json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, "
				  "s:b, s:s, s:b}",
				  "name", r.name, "vmid", (json_int_t)r.vmid,
				  "uid", (json_int_t)r.uid, "gid",
				  (json_int_t)r.gid, "pid",
				  (json_int_t)r.dm_pid, "state", live_state(&r),
				  "console_log", r.console_log, "accel",
				  r.accel, "security_supported",
				  r.security_supported, "identity", r.ident,
				  "monitor", !monitor_gone(&r)));
		return 0;
	}
	printf("%-20s %5u %8u %8u %8d %-9s %-5s %s\n", r.name, r.vmid,
	       (unsigned)r.uid, (unsigned)r.gid, (int)r.dm_pid,
	       strcmp(live_state(&r), "gone") != 0 && monitor_gone(&r)
		       ? "orphaned"
		       : live_state(&r),
	       r.accel, r.security_supported ? "yes" : "NO");
	return 0;
}

/* The range's checks again, for the VMs already running on it: an
 * entry in /etc/subuid or /etc/subgid (useradd, an admin), an account
 * or group added since create lets someone else hold their ids. Create
 * refuses then; a running VM is not stopped, but warned about here on
 * stderr, the table and the JSON unchanged, as is a range that lacks
 * host-init's reservation (the next useradd may cover it). */
static void
recheck_range(unsigned ranged)
{
	struct account_names an = { "", "", "", "" };
	struct passwd *pw;
	char why[512];

	accounts_names(&an);
	if (ranged == 0 || !(pw = getpwnam(an.range_base)))
		return;
	if (idrange_check(pw->pw_uid, pw->pw_gid, an.range_base, why,
			  sizeof(why)) == 0) {
		if (idrange_reserved(pw->pw_uid, pw->pw_gid, an.range_base, why,
				     sizeof(why)) != 1)
			log_warn("*** the VM id range of %s is not reserved "
				 "against useradd (%s): the next new user may "
				 "get subordinate ids over the %u running "
				 "VM(s) with range uids; run 'bulkhead "
				 "host-init' ***",
				 an.range_base, why, ranged);
		return;
	}
	log_warn("*** the VM id range of %s is no longer the VMs' alone: "
		 "%s; the %u running VM(s) with range uids are exposed "
		 "to it, and create refuses new ones (see 'bulkhead "
		 "host-init') ***",
		 an.range_base, why, ranged);
}

int
cmd_list(int argc, char **argv)
{
	struct list_ctx c = { NULL, 0 };

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		log_error("usage: bulkhead list [--json]");
		return 2;
	}
	if (cli_require_root("list") < 0)
		return 1;
	if (argc == 2)
		c.arr = json_array();
	else
		printf("%-20s %5s %8s %8s %8s %-9s %-5s %s\n", "NAME", "ID",
		       "UID", "GID", "PID", "STATE", "ACCEL",
		       "SECURITY-SUPPORTED");
	record_foreach(list_one, &c);
	if (c.arr) {
		json_dumpf(c.arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(c.arr);
	}
	recheck_range(c.ranged);
	return 0;
}
