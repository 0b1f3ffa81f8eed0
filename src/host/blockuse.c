#include "blockuse.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Is dev the device itself or one of its partitions (whose parent
 * directory in sysfs is the device's)? */
static bool
is_dev_or_part(dev_t dev, dev_t disk)
{
	char p[96];
	unsigned ma, mi;

	if (dev == disk)
		return true;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", major(dev),
		 minor(dev));
	if (access(p, F_OK) < 0)
		return false;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", major(dev),
		 minor(dev));
	FILE *f = fopen(p, "re");
	if (!f)
		return false;
	int n = fscanf(f, "%u:%u", &ma, &mi);
	fclose(f);
	return n == 2 && makedev(ma, mi) == disk;
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." (mount points with
 * spaces come octal-escaped, as the kernel writes them). */
static int
check_mounts(dev_t disk, char *why, size_t whylen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[PATH_MAX];
	unsigned ma, mi;
	int rc = 0;

	if (!f) {
		snprintf(why, whylen, "/proc/self/mountinfo: %s",
			 strerror(errno));
		return -errno;
	}
	while (rc == 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &ma, &mi, mnt) ==
			    3 &&
		    is_dev_or_part(makedev(ma, mi), disk)) {
			if (!strcmp(mnt, "/"))
				snprintf(why, whylen,
					 "holds the host's root filesystem");
			else
				snprintf(why, whylen,
					 "mounted on the host (%u:%u on %s)",
					 ma, mi, mnt);
			rc = -EBUSY;
		}
	fclose(f);
	return rc;
}

static int
check_swaps(dev_t disk, char *why, size_t whylen)
{
	FILE *f = fopen("/proc/swaps", "re");
	char line[4096], name[PATH_MAX];
	struct stat st;
	int rc = 0;

	if (!f)
		return 0; /* no swap support */
	while (rc == 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s", name) == 1 && name[0] == '/' &&
		    stat(name, &st) == 0 && S_ISBLK(st.st_mode) &&
		    is_dev_or_part(st.st_rdev, disk)) {
			snprintf(why, whylen, "in use as swap (%s)", name);
			rc = -EBUSY;
		}
	fclose(f);
	return rc;
}

/* A device stacked on dev (dm, md, bcache; not loop: a loop device's
 * file is on a mounted filesystem, found above). */
static int
check_holders(dev_t dev, char *why, size_t whylen)
{
	char p[96];

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/holders", major(dev),
		 minor(dev));
	DIR *d = opendir(p);
	if (!d)
		return 0;
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));)
		if (e->d_name[0] != '.') {
			snprintf(why, whylen,
				 "held by %s (a device-mapper, md or other "
				 "device is built on it)",
				 e->d_name);
			rc = -EBUSY;
		}
	closedir(d);
	return rc;
}

/* The device's and each partition's holders. */
static int
check_stacked(dev_t disk, char *why, size_t whylen)
{
	char p[96];
	int rc = check_holders(disk, why, whylen);

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", major(disk),
		 minor(disk));
	DIR *d = opendir(p);
	if (!d)
		return rc;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char dev[PATH_MAX + 96];
		unsigned ma, mi;

		snprintf(dev, sizeof(dev), "%s/%s/dev", p, e->d_name);
		FILE *f = e->d_name[0] != '.' ? fopen(dev, "re") : NULL;
		if (!f)
			continue;
		if (fscanf(f, "%u:%u", &ma, &mi) == 2)
			rc = check_holders(makedev(ma, mi), why, whylen);
		fclose(f);
	}
	closedir(d);
	return rc;
}

int
blockuse_check(dev_t rdev, char *why, size_t whylen)
{
	int rc = check_mounts(rdev, why, whylen);

	if (rc == 0)
		rc = check_swaps(rdev, why, whylen);
	if (rc == 0)
		rc = check_stacked(rdev, why, whylen);
	return rc;
}
