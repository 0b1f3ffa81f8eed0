#include "control.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/vmdir.h"
#include "control_msg.h"

int
control_listen(const char *name)
{
	char p[PATH_MAX];
	int rc = vmdir_file(p, sizeof(p), name, VMF_CONTROL_SOCK);

	return rc < 0 ? rc : unix_listen_path(p, true);
}

int
control_accept(int lfd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    cr.uid != 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int
control_connect(const char *name)
{
	char p[PATH_MAX];
	int rc = vmdir_file(p, sizeof(p), name, VMF_CONTROL_SOCK);

	/* The peer is root's own monitor, whose loop accepts at once and
	 * whose every wait is bounded (deadlines.h): no limit of our own. */
	return rc < 0 ? rc : unix_connect_path(p, -1);
}

/* One byte, and any fds that came with it. 1, 0 at EOF, or -errno. */
static int
recv_byte(int fd, char *c, int *fds, size_t *nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	cmsg_take_fds(&mh, fds, 2, nfds);
	if (mh.msg_flags & MSG_CTRUNC)
		*nfds = 2; /* more than fit: the kernel dropped some */
	return (int)n;
}

int
control_read_request(int fd, char *buf, size_t len, int timeout_ms,
		     int *passed_fd, size_t *nfds_out)
{
	size_t got = 0, nfds = 0;
	int fds[2] = { -1, -1 }, rc = -EMSGSIZE;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	/* Byte at a time: whatever follows the line (console data) must stay
	 * in the socket for the next reader. */
	while (got + 1 < len) {
		uint64_t now = now_ms();
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)(deadline - now));
		if (pr < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (pr <= 0)
			continue;
		char c;
		int n = recv_byte(fd, &c, fds, &nfds);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n <= 0) {
			rc = n < 0 ? n : -ECONNRESET;
			break;
		}
		if (c == '\n') {
			buf[got] = '\0';
			rc = (nfds > 0 && !passed_fd) ? -EPROTO : (int)got;
			break;
		}
		buf[got++] = c;
	}
	if (rc >= 0 && passed_fd) {
		/* The first fd is the caller's; a second only counts. */
		*passed_fd = fds[0];
		if (fds[1] >= 0)
			close(fds[1]);
		*nfds_out = nfds;
		return rc;
	}
	for (size_t i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (passed_fd) {
		*passed_fd = -1;
		*nfds_out = 0;
	}
	return rc;
}

int
control_read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	int rc = control_read_request(fd, buf, len, timeout_ms, NULL, NULL);

	return rc < 0 ? rc : 0;
}

int
control_request(const char *name, const struct ctl_msg *req, char *reply,
		size_t replylen, int timeout_ms)
{
	int fd = control_connect(name);

	if (fd < 0)
		return fd;
	int rc = ctl_msg_send(fd, req);
	if (rc == 0)
		rc = control_read_line(fd, reply, replylen, timeout_ms);
	close(fd);
	return rc == -ECONNREFUSED || rc == -ENOENT ? -EPIPE : rc;
}
