/* Disk image locks: so two VMs never open one image read-write, and no
 * VM reads an image another VM writes. QEMU's own locking is off under
 * fd passing (locking=off), so the toolstack takes the lock itself: an
 * OFD lock (F_OFD_SETLK) over the whole file, on the very open file
 * description it hands to the device model (or to bulkhead-blk). The
 * lock belongs to that description, not to a process: it lasts while
 * any fd to it is open (QEMU's, after the CLI and the monitor have
 * closed theirs) and goes when the last one closes, i.e. with the VM.
 * The jail's seccomp filter keeps the device model from unlocking it
 * (src/jail/seccomp.c). */
#ifndef BULKHEAD_IMGLOCK_H
#define BULKHEAD_IMGLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* A write lock (for an rw fd) or a read lock (for a read-only user) on
 * the whole of fd's file, without waiting. 0; -EBUSY when another open
 * file description holds a conflicting lock, with why saying "in use
 * read-write by another VM (lock held)" or "in use read-only by another
 * VM (lock held)"; other -errno with why. */
int imglock_take(int fd, bool write, char *why, size_t whylen);

/* The name of the running VM whose device model holds fd's file open,
 * found from the VMs' records (root's) and /proc (the kernel's): its
 * dm_pid, if still the process that started at dm_start, with an fd to
 * the same inode. Nothing the guest or the device model writes is read.
 * 0 with name, or -ENOENT. */
int imglock_holder(int fd, char *name, size_t namelen);

#endif
