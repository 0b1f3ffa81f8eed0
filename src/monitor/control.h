/* The monitor's root-only control socket: one command line per
 * connection ("destroy", "console"); peers are checked with
 * SO_PEERCRED. The same file holds the CLI side. */
#ifndef BULKHEAD_CONTROL_H
#define BULKHEAD_CONTROL_H

#include <stddef.h>

#define CONTROL_LINE_MAX 64

int control_path(char *buf, size_t len, const char *name);
/* Bind and listen (mode 0600). Returns fd or -errno. */
int control_listen(const char *name);
/* Accept one peer, refusing any whose uid is not 0. fd or -errno. */
int control_accept(int lfd);
/* CLI: connect to NAME's monitor. fd or -errno. */
int control_connect(const char *name);
/* Read one '\n'-terminated line (without it) within timeout_ms. */
int control_read_line(int fd, char *buf, size_t len, int timeout_ms);

#endif
