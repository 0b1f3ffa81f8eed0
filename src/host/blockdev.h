/* The whole-disk block device behind an open file: cgroup I/O limits
 * (v1 blkio.throttle.*, v2 io.max) are set per device, and the kernel
 * takes only whole disks, not partitions. */
#ifndef BULKHEAD_BLOCKDEV_H
#define BULKHEAD_BLOCKDEV_H

#include <stddef.h>

struct blockdev {
	unsigned major, minor;
};

/* The disk holding fd's data: the device itself for a block device,
 * the disk under the filesystem for a regular file. -1 with why when
 * no block device backs it (tmpfs, overlayfs, btrfs, NFS, ...). */
int blockdev_of_fd(int fd, struct blockdev *out, char *why, size_t whylen);

#endif
