#include "console_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

static int
reopen(struct console_log *l, int extra)
{
	int fd = open(l->path,
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
			      extra,
		      0600);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	l->fd = fd;
	l->size = st.st_size;
	return 0;
}

static int
start(struct console_log *l, const char *path, off_t max, int extra)
{
	l->fd = -1;
	l->max = max;
	if (path_fmt(l->path, sizeof(l->path), "%s", path) < 0)
		return -ENAMETOOLONG;
	return reopen(l, extra);
}

int
console_log_open(struct console_log *l, const char *path, off_t max)
{
	return start(l, path, max, O_TRUNC);
}

int
console_log_append(struct console_log *l, const char *path, off_t max)
{
	return start(l, path, max, 0);
}

static int
rotate(struct console_log *l)
{
	char old[PATH_MAX + 2];

	close(l->fd);
	l->fd = -1;
	snprintf(old, sizeof(old), "%s.1", l->path);
	if (rename(l->path, old) < 0)
		return -errno;
	return reopen(l, O_TRUNC);
}

int
console_log_write(struct console_log *l, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		if (l->fd < 0)
			return -EBADF;
		if (l->size >= l->max) {
			int rc = rotate(l);
			if (rc < 0)
				return rc;
		}
		size_t room = (size_t)(l->max - l->size);
		size_t n = len < room ? len : room;
		int rc = write_all(l->fd, p, n);
		if (rc < 0)
			return rc;
		l->size += (off_t)n;
		p += n;
		len -= n;
	}
	return 0;
}

void
console_log_close(struct console_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
