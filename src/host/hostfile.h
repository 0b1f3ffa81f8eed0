/* Host files handed to a VM as fds: CD-ROM media, save files and VNC
 * clients' sockets. The CLI
 * opens them as root, through safe_open.h; the monitor checks the fd it
 * is handed again before QEMU or the copier gets it. */
#ifndef BULKHEAD_HOSTFILE_H
#define BULKHEAD_HOSTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Is fd a read-only regular file or block device? 0, or -1 with why. */
int medium_check_fd(int fd, char *why, size_t whylen);
/* Is fd a regular file open for writing (save) or reading (restore)? */
int save_check_fd(int fd, bool for_write, char *why, size_t whylen);
/* Is fd a connected AF_UNIX stream socket (a VNC client's end)? Never a
 * TCP socket: one of the host's network namespace would let a device
 * model disconnect it (connect AF_UNSPEC) and reconnect it anywhere the
 * host reaches. */
int vnc_check_fd(int fd, char *why, size_t whylen);

#endif
