/* Taps for guest NICs, created by the privileged toolstack: the device
 * model gets only the fd and needs no network privilege at all. The tap
 * is not persistent: it disappears (and leaves its bridge) when the last
 * fd, QEMU's, is closed. */
#ifndef BULKHEAD_TAP_H
#define BULKHEAD_TAP_H

#include <stddef.h>

/* Create tap NAME, attach it to BRIDGE and bring it up. fd or -errno. */
int tap_create(const char *name, const char *bridge, char *why, size_t whylen);

#endif
