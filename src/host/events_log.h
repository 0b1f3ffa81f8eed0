/* The host's lifecycle event log: one JSON object a line in
 * /run/bulkhead/events.jsonl (root's, 0600), appended by each VM's
 * monitor and followed by `bulkhead events` and `bulkhead wait`. The
 * monitor writes only events it decided itself; this file does not
 * know what they mean. */
#ifndef BULKHEAD_EVENTS_LOG_H
#define BULKHEAD_EVENTS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/paths.h"

#define EVENTS_LOG_PATH BH_RUN_DIR "/events.jsonl"
/* Past this size the log moves to events.jsonl.1 (one old file kept). */
#define EVENTS_LOG_MAX_BYTES (4u << 20)
#define EVENTS_LINE_MAX 1024
#define EVENTS_VERSION 1 /* the "version" field: the interface's */

struct bh_event {
	double time; /* seconds since the epoch */
	char vm[BH_NAME_MAX + 1];
	long vmid;
	char event[32];
	char detail[256];
};

/* The line for e, with its '\n', into buf: its length, or -1. */
int events_format(const struct bh_event *e, char *buf, size_t len);
/* Parse one line (without '\n') of the log: 0, or -1 for a line that is
 * not an event of this version. */
int events_parse(const char *line, size_t len, struct bh_event *e);
/* Append e to the log, moving a full log aside first. 0 or -errno. */
int events_append(const struct bh_event *e);

/* A reader that follows the log from its end, across moves. */
struct events_follow {
	int fd;      /* the log as opened; -1 before */
	int inotify; /* watches the run directory */
	char buf[EVENTS_LINE_MAX * 4];
	size_t have;
};

/* Open the log (made if missing) at its end. 0 or -errno. */
int events_follow_open(struct events_follow *f);
/* The next event, waiting up to timeout_ms (-1: forever). 1: e is set;
 * 0: none yet; -errno on failure. Lines that do not parse are skipped. */
int events_follow_next(struct events_follow *f, struct bh_event *e,
		       int timeout_ms);
void events_follow_close(struct events_follow *f);

#endif
