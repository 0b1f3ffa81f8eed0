/* save / restore through fds. The CLI opens the save file as root; the
 * device model never gets it: QEMU migrates to or from a pipe, and a
 * copier child of the monitor holding only the pipe end and the file, with
 * the VM's uid and no privilege, moves the bytes. Privileged code never reads the
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

/* Monitor side (root): check the save file, make a pipe and start the
 * copier between them (pipe -> file for a save, file -> pipe for a
 * restore) as uid/gid with no privilege. The copier's pid and QEMU's end
 * of the pipe (for the worker), or -1 with why. */
pid_t save_copier_start(int file_fd, bool save, uid_t uid, gid_t gid,
			int *qemu_end, char *why, size_t whylen);
/* After the migration: a save's copier must finish its fdatasync (0, or
 * -1 with why); a restore's, or one of a failed migration, is ended. */
int save_copier_finish(pid_t pid, bool save, bool migrated,
		       uint64_t deadline_ms, char *why, size_t whylen);

/* Worker side: migrate the stopped VM out through qemu_end, or into a
 * VM started with -incoming defer from it. QMP_OK once QEMU reports the
 * migration completed; QMP_REFUSED when QEMU said no or it failed (the
 * VM is fine); QMP_BROKEN. qemu_end stays the caller's. */
int save_migrate_out(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		     char *why, size_t whylen);
int save_migrate_in(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		    char *why, size_t whylen);

#endif
