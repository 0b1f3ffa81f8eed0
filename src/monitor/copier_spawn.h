/* save / restore through fds, the monitor's side. The CLI opens the save
 * file as root; the device model never gets it: QEMU migrates to or from
 * a pipe, and a copier (src/copier/) holding only the pipe end and the
 * file, with the VM's uid, no privilege and an empty root (level
 * JAIL_COPIER, its row in src/jail/levels.c), moves the bytes. Privileged code never reads
 * the stream, and the device model keeps its RLIMIT_FSIZE (a guest's
 * RAM is larger than its disks). */
#ifndef BULKHEAD_COPIER_SPAWN_H
#define BULKHEAD_COPIER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Check the save file, make a pipe and start the copier between them
 * (pipe -> file for a save, file -> pipe for a restore) as uid/gid with
 * no privilege, its empty root mounted (in its own mount namespace) on
 * root_dir, an empty root-owned directory. The copier's pid and QEMU's
 * end of the pipe (for the worker), or -1 with why. */
pid_t save_copier_start(const char *vm, int file_fd, bool save,
			const char *root_dir, uid_t uid, gid_t gid,
			int *qemu_end, char *why, size_t whylen);
/* After the migration: a save's copier must finish its fdatasync (0, or
 * -1 with why); a restore's, or one of a failed migration, is ended. */
int save_copier_finish(pid_t pid, bool save, bool migrated,
		       uint64_t deadline_ms, char *why, size_t whylen);

#endif
