/* The monitor's root-only control socket: one command line per
 * connection ("destroy", "console", "pause", "unpause", "cd-insert VDEV"
 * with the medium's fd attached, "cd-eject VDEV"), one reply line ("ok"
 * or "error: why"); peers are checked with SO_PEERCRED. The same file
 * holds the CLI side. */
#ifndef BULKHEAD_CONTROL_H
#define BULKHEAD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#define CONTROL_LINE_MAX 64

/* Bind and listen (mode 0700: root only). Returns fd or -errno. */
int control_listen(const char *name);
/* Accept one peer, refusing any whose uid is not 0. fd or -errno. */
int control_accept(int lfd);
/* CLI: connect to NAME's monitor. fd or -errno. */
int control_connect(const char *name);
/* Read one '\n'-terminated line (without it) within timeout_ms. At most
 * one fd may come with it, stored in *passed_fd (or -1); with passed_fd
 * NULL, or more than one fd, any fd is closed and the line refused. */
int control_read_request(int fd, char *buf, size_t len, int timeout_ms,
			 int *passed_fd);
int control_read_line(int fd, char *buf, size_t len, int timeout_ms);
/* CLI: send one request (with pass_fd unless -1) to NAME's monitor and
 * read its reply line. 0, or -errno: connecting failed (no monitor), or
 * the monitor did not answer within timeout_ms. */
int control_request(const char *name, const char *line, int pass_fd,
		    char *reply, size_t replylen, int timeout_ms);

#endif
