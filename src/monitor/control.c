#include "control.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/paths.h"
#include "../common/util.h"

int
control_path(char *buf, size_t len, const char *name)
{
	return path_fmt(buf, len, "%s/%s/control.sock", BH_VM_DIR, name);
}

static int
fill_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	return control_path(sa->sun_path, sizeof(sa->sun_path), name);
}

int
control_listen(const char *name)
{
	struct sockaddr_un sa;
	int rc = fill_addr(&sa, name);

	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	mode_t old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 8) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
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
	struct sockaddr_un sa;
	int rc = fill_addr(&sa, name);

	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
control_read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	/* Byte at a time: whatever follows the line (console data) must stay
	 * in the socket for the next reader. */
	while (got + 1 < len) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)(deadline - now));
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr <= 0)
			continue;
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		if (c == '\n') {
			buf[got] = '\0';
			return 0;
		}
		buf[got++] = c;
	}
	return -EMSGSIZE;
}
