/* The guest's console (and QEMU's output), logged to a file that never exceeds max bytes; on
 * reaching it the file is rotated to NAME.1 (one old file kept), so a
 * guest flooding its console uses at most 2 * max of host disk. */
#ifndef BULKHEAD_CONSOLE_LOG_H
#define BULKHEAD_CONSOLE_LOG_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define CONSOLE_LOG_MAX (1024 * 1024)
/* QEMU's own output: Xen's 256 KiB, the bound its RLIMIT_FSIZE once set. */
#define QEMU_LOG_MAX (256 * 1024)

struct console_log {
	int fd;
	off_t size;
	off_t max;
	char path[PATH_MAX];
};

int console_log_open(struct console_log *l, const char *path, off_t max);
/* The same, keeping what the file holds (a monitor taking over a VM). */
int console_log_append(struct console_log *l, const char *path, off_t max);
int console_log_write(struct console_log *l, const void *buf, size_t len);
void console_log_close(struct console_log *l);

#endif
