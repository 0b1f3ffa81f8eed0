/* Logging to stderr with a program prefix. The monitor points stderr at its
 * log file, so one API serves the CLI and the daemon. */
#ifndef BULKHEAD_LOG_H
#define BULKHEAD_LOG_H

#include <stdnoreturn.h>

void log_set_prog(const char *prog);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Broken invariant: print and exit(1). Never for input from a peer. */
noreturn void log_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
