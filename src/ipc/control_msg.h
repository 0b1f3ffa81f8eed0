/* The control request, CLI -> monitor: one typed message per connection.
 * On the wire it is one text line, "VERB" or "VERB VDEV" and '\n', with
 * at most one fd (SCM_RIGHTS) for the requests that carry one; the reply
 * is one line, "ok" or "error: why". ctl_msg_encode() is the one writer
 * (the CLI) and ctl_msg_decode() the one reader (the monitor): it checks
 * the verb, the vdev and exactly which requests carry an fd, and rejects
 * everything else. */
#ifndef BULKHEAD_CONTROL_MSG_H
#define BULKHEAD_CONTROL_MSG_H

#include <stdbool.h>
#include <stddef.h>

enum ctl_type {
	CTL_DESTROY = 1,
	CTL_CONSOLE, /* then the connection carries console bytes */
	CTL_PAUSE,
	CTL_UNPAUSE,
	CTL_CD_INSERT,     /* vdev; fd: the medium, opened read-only */
	CTL_CD_EJECT,      /* vdev */
	CTL_SAVE,          /* fd: a new save file; the VM is destroyed */
	CTL_SAVE_CONTINUE, /* fd: a new save file; the VM goes on */
	CTL_SHUTDOWN,      /* the ACPI power button; then on_poweroff */
	CTL_REBOOT,        /* the same; its poweroff takes on_reboot */
	CTL_VNC, /* fd: a connected AF_UNIX stream socket, a VNC client */
	CTL_TYPES
};

#define CTL_VDEV_MAX 8

struct ctl_msg {
	enum ctl_type type;
	char vdev[CTL_VDEV_MAX]; /* a CD-ROM slot (hda..hdd), or "" */
	int fd;                  /* the one fd, or -1 */
};

/* The request's verb on the wire ("cd-insert"), or "?". */
const char *ctl_type_name(enum ctl_type t);
/* Fill m: a known type, a CD-ROM vdev exactly when the type takes one,
 * an fd exactly when it carries one. 0, or -EINVAL. */
int ctl_msg_set(struct ctl_msg *m, enum ctl_type type, const char *vdev,
		int fd);
/* m's line with its '\n' into buf: its length, -EINVAL for a message
 * the reader would refuse, or -EMSGSIZE. */
int ctl_msg_encode(const struct ctl_msg *m, char *buf, size_t len);
/* Decode one line (buf[0..len), without its '\n') that came with nfds
 * fds, the first of them fd (or -1). 0 with m set (m->fd is fd for a
 * request that carries one), or -1 with why. Closes nothing. */
int ctl_msg_decode(const char *buf, size_t len, int fd, size_t nfds,
		   struct ctl_msg *m, char *why, size_t whylen);
/* Monitor: read one request from a client within timeout_ms and decode
 * it. 0: m is set and m->fd is the caller's. -EBADMSG: refused, why is
 * the answer. Other -errno: the connection failed; nothing to answer.
 * Any fd but m->fd is closed. */
int ctl_msg_read(int sock, struct ctl_msg *m, int timeout_ms, char *why,
		 size_t whylen);
/* CLI: send m (and its fd). 0 or -errno. */
int ctl_msg_send(int sock, const struct ctl_msg *m);

#endif
