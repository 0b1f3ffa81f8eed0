/* audit PID|--all: score running device models, bulkhead's or anyone's,
 * against the seeds' checklist, with a recommendation for each failure. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "audit.h"
#include "cli.h"

/* found_by: why --all took the process (NULL for a pid named). */
static void
print_text(const struct audit_report *r, const char *found_by)
{
	printf("pid %d (%s, uid %u%s%s): %zu/%zu checks pass\n", (int)r->pid,
	       r->exe, r->uid, found_by ? ", found by " : "",
	       found_by ? found_by : "", r->passed, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_item *it = &r->items[i];
		printf("  %s %-26s %s\n", it->pass ? "pass" : "FAIL", it->id,
		       it->seen);
		if (!it->pass)
			printf("       %-26s -> %s\n", "", it->recommend);
	}
}

static json_t *
to_json(const struct audit_report *r, const char *found_by)
{
	json_t *items = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct audit_item *it = &r->items[i];
		json_t *o = json_pack("{s:s, s:b, s:s}", "check", it->id,
				      "pass", it->pass, "seen", it->seen);
		if (!it->pass)
			json_object_set_new(o, "recommendation",
					    json_string(it->recommend));
		json_array_append_new(items, o);
	}
	json_t *o =
		json_pack("{s:i, s:s, s:i, s:i, s:i, s:o}", "pid", (int)r->pid,
			  "name", r->exe, "uid", (int)r->uid, "passed",
			  (int)r->passed, "total", (int)r->n, "checks", items);
	if (found_by)
		json_object_set_new(o, "found_by", json_string(found_by));
	return o;
}

int
cmd_audit(int argc, char **argv)
{
	const char *proc = "/proc";
	bool json = false, all = false;
	/* "The host" is where the auditor runs: its own namespaces and root
	 * (pid 1's may be unreadable inside a container). */
	uint64_t pid = 0, host = (uint64_t)getpid();
	struct audit_target one, *t = &one;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--all")) {
			all = true;
		} else if (!strcmp(argv[i], "--proc-root") && i + 1 < argc) {
			proc = argv[++i];
		} else if (!strcmp(argv[i], "--host-pid") && i + 1 < argc) {
			if (parse_u64(argv[++i], 1, 0x3fffffff, &host) < 0)
				goto usage;
		} else if (!pid &&
			   parse_u64(argv[i], 1, 0x3fffffff, &pid) == 0) {
			continue;
		} else {
			goto usage;
		}
	}
	if (all == (pid != 0))
		goto usage;
	/* Other processes' namespaces and roots are readable only by root. */
	if (!strcmp(proc, "/proc") && cli_require_root("audit") < 0)
		return 1;
	if (all) {
		n = audit_find(proc, &t);
		if (n < 0) {
			log_error("cannot list %s", proc);
			return 1;
		}
	} else {
		t[n++] = (struct audit_target){ (pid_t)pid, NULL };
	}

	json_t *arr = json ? json_array() : NULL;
	int failed = 0;
	for (int i = 0; i < n; i++) {
		static struct audit_report r;
		char why[256];
		if (audit_pid(proc, t[i].pid, (pid_t)host, &r, why,
			      sizeof(why)) < 0) {
			log_error("%s", why);
			failed = 1;
			continue;
		}
		failed |= r.passed != r.n;
		if (arr)
			json_array_append_new(arr, to_json(&r, t[i].found_by));
		else
			print_text(&r, t[i].found_by);
	}
	if (arr) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (n == 0) {
		printf("no QEMU process found\n");
	}
	if (t != &one)
		free(t);
	return failed;
usage:
	log_error("usage: bulkhead audit PID|--all [--json]");
	return 2;
}
