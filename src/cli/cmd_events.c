/* events / wait: the machine interface an orchestrator subscribes to.
 * events follows the host's lifecycle event log (events_log.h) from now
 * on, every VM's or one's; wait blocks until one VM ends and says why.
 * The log is root's and written only by monitors; each line is still
 * parsed and checked before anything of it is printed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../host/events_log.h"
#include "../host/record.h"
#include "cli.h"

static void
print_event(const struct bh_event *e, bool json)
{
	char line[EVENTS_LINE_MAX], when[32];

	if (json) {
		if (events_format(e, line, sizeof(line)) > 0)
			fputs(line, stdout);
	} else {
		time_t t = (time_t)e->time;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%s %s %s: %s\n", when, e->vm, e->event, e->detail);
	}
	fflush(stdout);
}

int
cmd_events(int argc, char **argv)
{
	bool json = false;
	const char *name = NULL;
	struct events_follow f;
	struct bh_event e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else {
			log_error("usage: bulkhead events [--json] [NAME]");
			return 2;
		}
	}
	if (cli_require_root("events") < 0)
		return 1;
	if (name && !config_name_valid(name)) {
		log_error("'%s' is not a valid VM name", name);
		return 2;
	}
	int rc = events_follow_open(&f);
	if (rc < 0) {
		log_error("events: %s: %s", EVENTS_LOG_PATH, strerror(-rc));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	while ((rc = events_follow_next(&f, &e, -1)) >= 0) {
		if (rc == 0 || (name && strcmp(e.vm, name) != 0))
			continue;
		print_event(&e, json);
		if (ferror(stdout))
			break; /* the reader went away */
	}
	events_follow_close(&f);
	if (rc < 0) {
		log_error("events: %s", strerror(-rc));
		return 1;
	}
	return 0;
}

/* The VM the record was read for is gone (or another holds its name). */
static bool
vm_gone(const char *name, const struct vm_record *was)
{
	static struct vm_record now;

	return record_read(name, &now) < 0 || now.vmid != was->vmid ||
	       (was->dm_start && !record_same_vm(was, &now));
}

/* Read what the log holds now; true unless it has rec's end, which is
 * then printed. */
static bool
drained_no_end(struct events_follow *f, const struct vm_record *rec)
{
	struct bh_event e;

	while (events_follow_next(f, &e, 0) == 1)
		if (!strcmp(e.vm, rec->name) && e.vmid == (long)rec->vmid &&
		    !strcmp(e.event, "destroyed")) {
			printf("%s: destroyed: %s\n", rec->name, e.detail);
			return false;
		}
	return true;
}

int
cmd_wait(int argc, char **argv)
{
	static struct vm_record rec;
	struct events_follow f;
	struct bh_event e;

	if (argc != 2) {
		log_error("usage: bulkhead wait NAME|ID");
		return 2;
	}
	int rc = cli_vm_args("wait", argv[1]);
	if (rc)
		return rc;
	/* Follow first, then look: an end after the look is in the log. */
	rc = events_follow_open(&f);
	if (rc < 0) {
		log_error("wait: %s: %s", EVENTS_LOG_PATH, strerror(-rc));
		return 1;
	}
	if (record_read(argv[1], &rec) < 0) {
		log_error("%s: no such VM", argv[1]);
		events_follow_close(&f);
		return 1;
	}
	uint64_t next_look = now_ms() + 1000;
	for (;;) {
		rc = events_follow_next(&f, &e, 1000);
		if (rc < 0)
			break;
		if (rc == 1 && !strcmp(e.vm, rec.name) &&
		    e.vmid == (long)rec.vmid && !strcmp(e.event, "destroyed")) {
			printf("%s: destroyed: %s\n", rec.name, e.detail);
			break;
		}
		if (rc == 1 && now_ms() < next_look)
			continue;
		/* Once a second, whatever other VMs log: a monitor killed
		 * before it could log the end. The log is read to its end
		 * first, so an end logged meanwhile is not missed. */
		next_look = now_ms() + 1000;
		if (vm_gone(argv[1], &rec)) {
			if (drained_no_end(&f, &rec))
				printf("%s: ended (no event logged: its "
				       "monitor was gone)\n",
				       rec.name);
			break;
		}
	}
	events_follow_close(&f);
	if (rc < 0) {
		log_error("wait: %s", strerror(-rc));
		return 1;
	}
	return 0;
}
