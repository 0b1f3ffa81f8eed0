/* save / restore through fds. The CLI opens the save file as root; the
 * device model never gets it: QEMU migrates to or from a pipe, and a
 * copier child holding only the pipe end and the file, with the VM's uid
 * and no privilege, moves the bytes. Privileged code never reads the
 * stream, and the device model keeps its RLIMIT_FSIZE (a guest's RAM is
 * larger than its disks). */
#ifndef BULKHEAD_SAVE_H
#define BULKHEAD_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "qmp.h"

/* Is fd a regular file open for writing (save) or reading (restore)? */
int save_check_fd(int fd, bool for_write, char *why, size_t whylen);

/* Migrate the (stopped) VM into file_fd. QMP_OK once the stream is
 * complete and the copier has fdatasync'ed it; QMP_REFUSED when QEMU
 * said no or the migration failed (the VM is fine); QMP_BROKEN. */
int save_to_fd(struct qmp_conn *c, int file_fd, uid_t uid, gid_t gid,
	       uint64_t deadline_ms, char *why, size_t whylen);
/* Load the state in file_fd into a VM started with -incoming defer. */
int restore_from_fd(struct qmp_conn *c, int file_fd, uid_t uid, gid_t gid,
		    uint64_t deadline_ms, char *why, size_t whylen);

#endif
