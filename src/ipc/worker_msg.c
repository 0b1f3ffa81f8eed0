#include "worker_msg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/util.h"
#include "../config/disk.h"

static bool
text_ok(const char *t, size_t max)
{
	const char *end = memchr(t, '\0', max);

	if (!end)
		return false;
	for (const char *p = t; p < end; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

static int
bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "worker message: %s", what);
	return -1;
}

int
wk_msg_check(const struct wk_msg *m, bool from_worker, char *why, size_t whylen)
{
	if (!text_ok(m->text, sizeof(m->text)) ||
	    !text_ok(m->vdev, sizeof(m->vdev)))
		return bad(why, whylen, "unterminated or unprintable text");
	if (from_worker) {
		switch (m->type) {
		case WK_RESULT:
			if (m->rc != QMP_OK && m->rc != QMP_BROKEN &&
			    m->rc != QMP_REFUSED)
				return bad(why, whylen,
					   "result code out of range");
			return 0;
		case WK_EVENT:
			if (m->arg != LC_POWEROFF && m->arg != LC_REBOOT &&
			    m->arg != LC_CRASH)
				return bad(why, whylen,
					   "unknown lifecycle event");
			return 0;
		case WK_QMP_EOF:
		case WK_VIOLATION:
			return 0;
		default:
			return bad(why, whylen, "unknown type");
		}
	}
	if (m->type < WK_HANDSHAKE || m->type > WK_VNC)
		return bad(why, whylen, "unknown request");
	if ((m->type == WK_INSERT || m->type == WK_EJECT) &&
	    !disk_vdev_valid(m->vdev))
		return bad(why, whylen, "bad vdev");
	if (m->type == WK_HANDSHAKE && m->arg > 1)
		return bad(why, whylen, "bad handshake kind");
	return 0;
}

int
wk_send(int chan, const struct wk_msg *m, int pass_fd)
{
	/* SOCK_SEQPACKET: the whole message goes in one send, or none. */
	return send_with_fd(chan, m, sizeof(*m), pass_fd);
}

int
wk_recv(int chan, struct wk_msg *m, int *fd, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	int got[2] = { -1, -1 };
	size_t nfd = 0;

	if (fd)
		*fd = -1;
	struct pollfd p = { .fd = chan, .events = POLLIN };
	int pr = poll(&p, 1, timeout_ms);
	if (pr < 0)
		return -errno;
	if (pr == 0)
		return -ETIMEDOUT;
	ssize_t n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cmsg_take_fds(&mh, got, 2, &nfd);
	if (n == 0 && nfd == 0)
		return 0;
	bool ok = (size_t)n == sizeof(*m) &&
		  !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && nfd <= 1 &&
		  (nfd == 0 || fd);
	if (ok && fd && nfd == 1) {
		*fd = got[0];
		return 1;
	}
	for (size_t i = 0; i < nfd; i++)
		close(got[i]);
	return ok ? 1 : -EPROTO;
}

void
wk_msg_set(struct wk_msg *m, enum wk_type type, int rc, unsigned arg,
	   const char *text)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->rc = rc;
	m->arg = arg;
	text_printable(m->text, sizeof(m->text), text ? text : "");
}

const char *
lifecycle_name(enum lifecycle_event e)
{
	switch (e) {
	case LC_POWEROFF:
		return "poweroff";
	case LC_REBOOT:
		return "reboot";
	case LC_CRASH:
		return "crash";
	case LC_NONE:
	case LC_INVALID:
	default:
		return "?";
	}
}
