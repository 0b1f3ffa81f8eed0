#include <jansson.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../host/accounts.h"
#include "../host/idrange.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "cli.h"
#include "list_long.h"

struct list_ctx {
	json_t *arr;     /* NULL for the table */
	bool long_form;  /* -l: each VM's kept config too (JSON) */
	unsigned ranged; /* VMs with a range uid */
	/* `list NAME|ID...`: only these, each of which must be found */
	char **want;
	int nwant;
	bool *found;
};

/* Is this VM one the caller asked for, by name or by VM id (as xl
 * takes a domain name or id)? */
static bool
wanted(struct list_ctx *c, const char *name, const struct vm_record *r)
{
	bool any = false;

	if (c->nwant == 0)
		return true;
	for (int i = 0; i < c->nwant; i++) {
		char id[16];
		if (r)
			snprintf(id, sizeof(id), "%u", r->vmid);
		if (strcmp(c->want[i], name) == 0 ||
		    (r && strcmp(c->want[i], id) == 0)) {
			c->found[i] = true;
			any = true;
		}
	}
	return any;
}

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
		if (!wanted(c, name, NULL))
			return 0;
		if (!c->arr)
			printf("%-20s %5s %8s %8s %8s %-9s\n", name, "-", "-",
			       "-", "-", "creating");
		return 0;
	}
	if (strcmp(r.ident, "range") == 0)
		c->ranged++;
	if (!wanted(c, name, &r))
		return 0;
	if (c->arr) {
		json_t *o = json_pack(
			"{s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, "
			"s:b, s:s, s:b}",
			"name", r.name, "vmid", (json_int_t)r.vmid, "uid",
			(json_int_t)r.uid, "gid", (json_int_t)r.gid, "pid",
			(json_int_t)r.dm_pid, "state", live_state(&r),
			"console_log", r.console_log, "accel", r.accel,
			"security_supported", r.security_supported, "identity",
			r.ident, "monitor", !monitor_gone(&r));
		if (c->long_form) {
			char why[300];
			json_t *cfg = list_long_config(name, why, sizeof(why));
			if (!cfg)
				log_warn("%s: %s", name, why);
			json_object_set_new(o, "config",
					    cfg ? cfg : json_null());
		}
		json_array_append_new(c->arr, o);
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
	struct list_ctx c = { NULL, false, 0, NULL, 0, NULL };
	int first = 1;

	/* -l is xl's long listing: JSON, with each VM's config. */
	if (argc > 1 &&
	    (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "-l") == 0 ||
	     strcmp(argv[1], "--long") == 0)) {
		c.long_form = strcmp(argv[1], "--json") != 0;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		if (argv[i][0] == '-' || !config_name_valid(argv[i])) {
			log_error("usage: bulkhead list [--json|-l] "
				  "[NAME|ID...]");
			return 2;
		}
	}
	if (cli_require_root("list") < 0)
		return 1;
	bool found[64] = { false };
	if (argc - first > (int)(sizeof(found) / sizeof(found[0]))) {
		log_error("list: at most 64 names at once");
		return 2;
	}
	c.want = argv + first;
	c.nwant = argc - first;
	c.found = found;
	if (first == 2)
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
	int rc = 0;
	for (int i = 0; i < c.nwant; i++) {
		if (!found[i]) {
			log_error("%s: no VM of that name or id", c.want[i]);
			rc = 1;
		}
	}
	return rc;
}
