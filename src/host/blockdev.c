#include "blockdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/util.h"

/* "MAJ:MIN\n" as sysfs writes it. */
static int
parse_dev(const char *text, struct blockdev *out)
{
	unsigned ma, mi;
	char nl;

	if (sscanf(text, "%u:%u%c", &ma, &mi, &nl) != 3 || nl != '\n')
		return -1;
	out->major = ma;
	out->minor = mi;
	return 0;
}

int
blockdev_of_fd(int fd, struct blockdev *out, char *why, size_t whylen)
{
	struct stat st;
	char p[128];
	char *text;

	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "fstat: %s", strerror(errno));
		return -1;
	}
	dev_t dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		snprintf(why, whylen,
			 "neither a regular file nor a block device");
		return -1;
	}
	/* Major 0 is the kernel's anonymous devices: tmpfs, overlayfs,
	 * btrfs subvolumes, NFS. No queue to throttle. */
	if (major(dev) == 0) {
		snprintf(
			why, whylen,
			"no block device backs it (its filesystem, e.g. tmpfs, "
			"overlayfs, btrfs or NFS, has none)");
		return -1;
	}
	out->major = major(dev);
	out->minor = minor(dev);
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", out->major, out->minor);
	if (access(p, F_OK) < 0) {
		snprintf(why, whylen,
			 "device %u:%u is not a block device in sysfs",
			 out->major, out->minor);
		return -1;
	}
	/* A partition: its disk is the parent directory in sysfs. */
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", out->major,
		 out->minor);
	if (access(p, F_OK) < 0)
		return 0;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", out->major,
		 out->minor);
	int rc = file_read_all(p, 64, &text, NULL);
	if (rc < 0 || parse_dev(text, out) < 0) {
		snprintf(why, whylen, "cannot find the disk of partition %u:%u",
			 major(dev), minor(dev));
		if (rc >= 0)
			free(text);
		return -1;
	}
	free(text);
	return 0;
}
