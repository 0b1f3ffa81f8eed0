/* Whether the host itself uses a block device a VM is to be given: a
 * guest writing a disk the host has mounted (or its root filesystem, or
 * swap, or a device-mapper, md or loop device stacked on it) corrupts
 * the host's data, and reading it leaks the host's. */
#ifndef BULKHEAD_BLOCKUSE_H
#define BULKHEAD_BLOCKUSE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 if neither the device rdev nor any partition of it is mounted (in
 * this mount namespace's /proc/self/mountinfo), used as swap
 * (/proc/swaps) or held by another block device (sysfs holders/);
 * -EBUSY with why naming the use ("mounted on /boot", "holds the host's
 * root filesystem", "in use as swap", "held by dm-0"); other -errno
 * with why when it cannot tell. */
int blockuse_check(dev_t rdev, char *why, size_t whylen);

#endif
