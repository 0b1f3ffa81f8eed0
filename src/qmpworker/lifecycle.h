/* on_poweroff / on_reboot / on_crash. QEMU runs with -action
 * shutdown=pause,panic=pause (and reboot=shutdown unless on_reboot is
 * restart), so a guest that powers off, reboots or panics stops and QEMU
 * says why in an event; the monitor then applies the configured action. */
#ifndef BULKHEAD_LIFECYCLE_H
#define BULKHEAD_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmp.h"

enum lifecycle_event lifecycle_classify(const struct qmp_msg *ev);

/* Reset the stopped guest and run it again in the same process (same
 * uid, VM id, jail, cgroup). Only with on_reboot = restart: after a reset
 * the firmware resets the machine once more, which reboot=shutdown would
 * take for a guest reboot (config.c refuses the mix). QMP_OK,
 * QMP_REFUSED or QMP_BROKEN (why). */
int lifecycle_restart(struct qmp_conn *c, uint64_t deadline_ms, char *why,
		      size_t whylen);

#endif
