#include "vmid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/util.h"
#include "accounts.h"

int
lock_take(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	return fd;
}

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops the flock */
}

static int
id_path(char *buf, size_t len, const char *dir, unsigned id)
{
	return path_fmt(buf, len, "%s/%u", dir, id);
}

int
vmid_alloc(const char *dir, const char *name)
{
	char p[4096];

	for (unsigned id = VMID_MIN; id <= VMID_MAX; id++) {
		if (id_path(p, sizeof(p), dir, id) < 0)
			return -ENAMETOOLONG;
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		int rc = write_all(fd, name, strlen(name));
		close(fd);
		if (rc < 0) {
			unlink(p);
			return rc;
		}
		return (int)id;
	}
	return -ENOSPC;
}

int
vmid_peek(const char *dir)
{
	char p[4096];

	for (unsigned id = VMID_MIN; id <= VMID_MAX; id++) {
		if (id_path(p, sizeof(p), dir, id) < 0)
			return -ENAMETOOLONG;
		if (access(p, F_OK) < 0 && errno == ENOENT)
			return (int)id;
	}
	return -ENOSPC;
}

int
vmid_release(const char *dir, unsigned id)
{
	char p[4096];

	if (id_path(p, sizeof(p), dir, id) < 0)
		return -ENAMETOOLONG;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
