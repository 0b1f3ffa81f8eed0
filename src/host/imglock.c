#include "imglock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procscan.h"
#include "record.h"

static void
say_busy(short held, char *why, size_t whylen)
{
	snprintf(why, whylen, "in use %s by another VM (lock held)",
		 held == F_RDLCK ? "read-only" : "read-write");
}

int
imglock_take(int fd, bool write, char *why, size_t whylen)
{
	struct flock fl = {
		.l_type = write ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = 0,
		.l_len = 0, /* to the end, however the file grows */
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	int err = errno;
	if (err != EAGAIN && err != EACCES) {
		snprintf(why, whylen, "cannot lock: %s", strerror(err));
		return -err;
	}
	/* Who holds it, for the message; if it went meanwhile, say the
	 * stronger of the two. */
	struct flock q = fl;
	if (fcntl(fd, F_OFD_GETLK, &q) < 0 || q.l_type == F_UNLCK)
		q.l_type = F_WRLCK;
	say_busy(q.l_type, why, whylen);
	return -EBUSY;
}

struct holder {
	dev_t dev;
	ino_t ino;
	char *name;
	size_t namelen;
};

/* Does pid have an fd to dev:ino? stat of /proc/PID/fd/N is the
 * kernel's answer about the inode; nothing is opened. */
static bool
pid_has_inode(pid_t pid, dev_t dev, ino_t ino)
{
	char dir[64], p[96];
	bool found = false;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		found = stat(p, &st) == 0 && st.st_dev == dev &&
			st.st_ino == ino;
	}
	closedir(d);
	return found;
}

static int
holder_of(const char *vm, void *arg)
{
	struct holder *h = arg;
	struct vm_record r;

	if (record_read(vm, &r) < 0 || r.dm_pid <= 0 ||
	    !procscan_running(r.dm_pid, r.dm_start))
		return 0;
	if (!pid_has_inode(r.dm_pid, h->dev, h->ino) ||
	    !procscan_running(r.dm_pid, r.dm_start))
		return 0;
	snprintf(h->name, h->namelen, "%s", r.name);
	return 1;
}

int
imglock_holder(int fd, char *name, size_t namelen)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	struct holder h = { st.st_dev, st.st_ino, name, namelen };
	return record_foreach(holder_of, &h) == 1 ? 0 : -ENOENT;
}
