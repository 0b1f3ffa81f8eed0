/* The monitor's root-only control socket: one request per connection
 * (a typed message, control_msg.h), one reply line ("ok" or "error:
 * why"); peers are checked with SO_PEERCRED. The same file holds the CLI
 * side. */
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
/* Read one '\n'-terminated line within timeout_ms into buf, without
 * the '\n' and NUL-terminated (it may hold NULs of its own): its length,
 * or -errno (-EMSGSIZE: no '\n' within len - 1 bytes). *nfds counts the
 * fds that came with it (2: more than one); the first is in *passed_fd
 * (or -1) and is the caller's, any other is closed. With passed_fd NULL,
 * any fd is closed and the line refused (-EPROTO). */
int control_read_request(int fd, char *buf, size_t len, int timeout_ms,
			 int *passed_fd, size_t *nfds);
/* A reply line (no fd): 0 or -errno. */
int control_read_line(int fd, char *buf, size_t len, int timeout_ms);
/* CLI: send one request (and its fd) to NAME's monitor and read its
 * reply line. 0, or -errno: connecting failed (no monitor), or the
 * monitor did not answer within timeout_ms. */
struct ctl_msg;
int control_request(const char *name, const struct ctl_msg *req, char *reply,
		    size_t replylen, int timeout_ms);

#endif
