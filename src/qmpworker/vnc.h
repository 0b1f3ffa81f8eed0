/* A VNC client, the QMP side: the connected socket the monitor passes
 * goes to QEMU with getfd (SCM_RIGHTS) and add_client, which hands it
 * to the VNC server of `-vnc none` (a server with no listening socket).
 * The worker never reads the client's bytes. */
#ifndef BULKHEAD_QMP_VNC_H
#define BULKHEAD_QMP_VNC_H

#include <stddef.h>
#include <stdint.h>

#include "qmp.h"

/* QMP_OK, QMP_REFUSED (QEMU said no; it holds no fd of ours) or
 * QMP_BROKEN. fd stays the caller's. */
int vnc_add_client(struct qmp_conn *c, int fd, uint64_t deadline_ms, char *why,
		   size_t whylen);

#endif
