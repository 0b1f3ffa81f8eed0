/* CD-ROM media by fd, the QMP side. The CLI opens the medium as root and
 * the monitor re-checks the fd (host/hostfile.c); the worker hands it to
 * QEMU over QMP (add-fd with SCM_RIGHTS, then blockdev-change-medium to
 * /dev/fdset/N), so the device model never sees a host path. remove-fd right after the change leaves QEMU holding
 * only the copy its block layer opened, which it closes at eject. */
#ifndef BULKHEAD_CDROM_H
#define BULKHEAD_CDROM_H

#include <stddef.h>
#include <stdint.h>

#include "qmp.h"

/* QMP_OK, QMP_REFUSED (QEMU said no; the drive is as it was) or
 * QMP_BROKEN (the device model misbehaved). fd stays the caller's. */
int cdrom_insert(struct qmp_conn *c, const char *vdev, int fd,
		 uint64_t deadline_ms, char *why, size_t whylen);
int cdrom_eject(struct qmp_conn *c, const char *vdev, uint64_t deadline_ms,
		char *why, size_t whylen);

#endif
