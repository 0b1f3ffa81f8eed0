/* Taps for guest NICs, created by the privileged toolstack: the device
 * model gets only the fd and needs no network privilege at all. The tap
 * is not persistent: it disappears (and leaves its bridge) when the last
 * fd, QEMU's, is closed; teardown deletes it all the same, in case a
 * device model made it persistent. */
#ifndef BULKHEAD_TAP_H
#define BULKHEAD_TAP_H

#include <stddef.h>

/* Create tap NAME, attach it to BRIDGE and bring it up. fd or -errno. */
int tap_create(const char *name, const char *bridge, char *why, size_t whylen);

/* Delete tap NAME if it still exists as the interface of index IFINDEX
 * and is a tun device: 1 deleted, 0 nothing to delete, or -errno. */
int tap_delete(const char *name, unsigned ifindex);

#endif
