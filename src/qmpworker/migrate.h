/* save / restore, the QMP side: QEMU migrates to or from a pipe whose
 * other end the copier holds (monitor/copier_spawn.h). */
#ifndef BULKHEAD_MIGRATE_H
#define BULKHEAD_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "qmp.h"

/* Migrate the stopped VM out through qemu_end, or into a VM started with
 * -incoming defer from it. QMP_OK once QEMU reports the migration
 * completed; QMP_REFUSED when QEMU said no or it failed (the VM is fine);
 * QMP_BROKEN. qemu_end stays the caller's. */
int save_migrate_out(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		     char *why, size_t whylen);
int save_migrate_in(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		    char *why, size_t whylen);

#endif
