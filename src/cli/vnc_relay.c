/* The relays of bulkhead vnc: for each client, bytes copied between its
 * socket and our end of the socketpair whose other end QEMU's VNC
 * server holds, with recv/send into a fixed buffer and nothing parsed.
 * A client is first handed over (vnc_handover.c) while the others flow:
 * nothing here waits on the monitor, the worker or the device model. */
#include "vnc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../host/vmdir.h"

#define VNC_CLIENTS_MAX 8
#define VNC_BUF 16384
#define VNC_CHECK_MS 1000 /* how often the VM's record is looked at */

/* One direction of one relay: bytes read from `from`, not yet written to
 * `to`. */
struct pipe_dir {
	int from, to;
	size_t off, len;
	char buf[VNC_BUF];
};

enum relay_state { RELAY_FREE, RELAY_HANDOVER, RELAY_FLOWING };

struct relay {
	enum relay_state state;
	struct handover h;
	struct pipe_dir up, down; /* client -> QEMU, QEMU -> client */
};

static struct relay relays[VNC_CLIENTS_MAX]; /* 256 KiB: off the stack */

int
vnc_vm_check(const struct vnc_opts *o)
{
	char p[PATH_MAX];
	struct vm_record now;

	if (vmdir_file(p, sizeof(p), o->name, VMF_CONTROL_SOCK) < 0 ||
	    access(p, F_OK) < 0 || record_read(o->name, &now) < 0) {
		printf("%s: the VM is gone\n", o->name);
		return -1;
	}
	if (!record_same_vm(&o->pin, &now)) {
		printf("%s: the VM is gone (a new VM has its name now)\n",
		       o->name);
		return -1;
	}
	return 0;
}

static void
relay_close(struct relay *r)
{
	handover_end(&r->h);
	close(r->up.from);
	close(r->up.to);
	r->state = RELAY_FREE;
}

/* Begin handing one accepted client over: the monitor gets one end of a
 * new socketpair, the relay keeps the other. -1 only when the VM is not
 * the one pinned any more. */
static int
client_start(int c, const struct vnc_opts *o)
{
	int sv[2];
	size_t i;
	char why[512];

	for (i = 0; i < VNC_CLIENTS_MAX && relays[i].state != RELAY_FREE; i++)
		;
	if (i == VNC_CLIENTS_MAX)
		log_warn("%s: a client refused: %d are connected already",
			 o->name, VNC_CLIENTS_MAX);
	if (i == VNC_CLIENTS_MAX || !vnc_client_allowed(c, o) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(c);
		return 0;
	}
	struct relay *r = &relays[i];
	int rc = handover_begin(&r->h, &o->pin, sv[1], why, sizeof(why));
	close(sv[1]);
	if (rc < 0) {
		log_error("%s: %s", o->name, why);
		close(sv[0]);
		close(c);
		return rc == -ESTALE ? -1 : 0;
	}
	fd_set_nonblock(c, true);
	fd_set_nonblock(sv[0], true);
	r->state = RELAY_HANDOVER;
	r->up = (struct pipe_dir){ .from = c, .to = sv[0] };
	r->down.from = sv[0];
	r->down.to = c;
	r->down.off = r->down.len = 0;
	return 0;
}

/* The monitor's answer to a hand-over, or its deadline. */
static void
handover_step(struct relay *r, const struct vnc_opts *o, uint64_t now)
{
	char why[512];
	int rc = handover_read(&r->h, now, why, sizeof(why));

	if (rc == 0)
		return;
	if (rc < 0) {
		log_error("%s: a client not handed over: %s", o->name, why);
		relay_close(r);
		return;
	}
	handover_end(&r->h);
	r->state = RELAY_FLOWING;
	printf("%s: a VNC client handed to the display\n", o->name);
	fflush(stdout);
}

/* Move what one direction can: read when its buffer is empty, write what
 * it holds. -1 when that side is closed or failed. */
static int
pipe_move(struct pipe_dir *d, short rev_from)
{
	if (d->len == 0 && (rev_from & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recv(d->from, d->buf, sizeof(d->buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		d->off = 0;
		d->len = n > 0 ? (size_t)n : 0;
	}
	if (d->len) { /* a write that would block just waits (EAGAIN) */
		ssize_t n = send(d->to, d->buf + d->off, d->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			d->off += (size_t)n;
			d->len -= (size_t)n;
		}
	}
	return 0;
}

/* Each relay's two pollfds: the client and QEMU's end while flowing,
 * the monitor's connection while handing over. */
static void
relay_events(const struct relay *r, struct pollfd *c, struct pollfd *q)
{
	*c = (struct pollfd){ .fd = -1 };
	*q = (struct pollfd){ .fd = -1 };
	if (r->state == RELAY_HANDOVER) {
		*c = (struct pollfd){ .fd = r->h.ctl, .events = POLLIN };
	} else if (r->state == RELAY_FLOWING) {
		c->fd = r->up.from;
		q->fd = r->down.from;
		c->events = (short)((r->up.len ? 0 : POLLIN) |
				    (r->down.len ? POLLOUT : 0));
		q->events = (short)((r->down.len ? 0 : POLLIN) |
				    (r->up.len ? POLLOUT : 0));
	}
}

/* Until the nearest hand-over's deadline, at most VNC_CHECK_MS. */
static int
poll_timeout(uint64_t now)
{
	uint64_t t = VNC_CHECK_MS;

	for (size_t i = 0; i < VNC_CLIENTS_MAX; i++)
		if (relays[i].state == RELAY_HANDOVER)
			t = relays[i].h.deadline <= now
				    ? 0
				    : (relays[i].h.deadline - now < t
					       ? relays[i].h.deadline - now
					       : t);
	return (int)t;
}

static void
relays_step(const struct pollfd *p, const struct vnc_opts *o, uint64_t now)
{
	for (size_t i = 0; i < VNC_CLIENTS_MAX; i++) {
		struct relay *r = &relays[i];
		short rc = p[2 * i].revents, rq = p[2 * i + 1].revents;
		if (r->state == RELAY_HANDOVER && (rc || now >= r->h.deadline))
			handover_step(r, o, now);
		/* A side that hung up or failed ends the relay: what it
		 * still owed cannot be delivered, and polling it again
		 * would only spin. */
		else if (r->state == RELAY_FLOWING &&
			 (pipe_move(&r->up, rc) < 0 ||
			  pipe_move(&r->down, rq) < 0 ||
			  ((rc | rq) & (POLLHUP | POLLERR))))
			relay_close(r);
	}
}

/* fds: the listener, the signals, then each relay's two. */
int
vnc_serve(int lsock, int sigfd, const struct vnc_opts *o)
{
	struct pollfd p[2 + 2 * VNC_CLIENTS_MAX];
	uint64_t checked = 0;

	for (;;) {
		p[0] = (struct pollfd){ .fd = lsock, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t i = 0; i < VNC_CLIENTS_MAX; i++)
			relay_events(&relays[i], &p[2 + 2 * i], &p[3 + 2 * i]);
		int n = poll(p, 2 + 2 * VNC_CLIENTS_MAX,
			     poll_timeout(now_ms()));
		if (n < 0 && errno != EINTR)
			return 1;
		uint64_t now = now_ms();
		if (n > 0 && (p[1].revents & POLLIN))
			return 0;
		if (now - checked >= VNC_CHECK_MS) {
			if (vnc_vm_check(o) < 0)
				return 0;
			checked = now;
		}
		relays_step(p + 2, o, now);
		if (n > 0 && (p[0].revents & POLLIN)) {
			int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && client_start(c, o) < 0) {
				printf("%s: the VM is gone\n", o->name);
				return 0;
			}
		}
	}
}
