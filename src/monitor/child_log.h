/* A confined child's stderr, which it writes into a pipe: the monitor
 * reads the pipe and copies it into its own log (monitor.log) line by
 * line, each line after a prefix that names the child, bytes outside
 * printable ASCII escaped as \xHH, a line cut at CHILD_LOG_LINE bytes,
 * and no more than max bytes in all (one last line says so). The child
 * holds no fd of the log: it cannot truncate or rewrite it, fill the
 * disk with it, or write a line that passes for the monitor's. */
#ifndef BULKHEAD_CHILD_LOG_H
#define BULKHEAD_CHILD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define CHILD_LOG_LINE 512
/* The QMP worker logs its first events and then one in a thousand. */
#define CHILD_LOG_MAX (256 * 1024)

struct child_log {
	int in;  /* the pipe's read end (non-blocking); -1 when closed */
	int out; /* the log's fd */
	const char *prefix;
	char line[CHILD_LOG_LINE];
	size_t len;
	bool cut;      /* this line went past CHILD_LOG_LINE */
	size_t copied; /* bytes written to out */
	size_t max;
	bool capped; /* the last line has been written */
};

/* in may be -1 (nothing to read, nothing to close). */
void child_log_init(struct child_log *l, int in, int out, const char *prefix,
		    size_t max);
/* Copy what the pipe holds now; at its end (or an error) close it, after
 * copying a last line without its newline. */
void child_log_read(struct child_log *l);
/* The same for bytes at hand. */
void child_log_feed(struct child_log *l, const char *buf, size_t n);
/* Copy what is left in the pipe and close it. */
void child_log_close(struct child_log *l);

#endif
