/* An inbound guard for a VM's passt, enforced by the host kernel
 * (nftables, inet family, input hook): a packet for a socket of passt's
 * group (socket cgroupv2) that conntrack does not see as part of a flow
 * the host's side started (established, related) is dropped. passt's
 * UDP sockets are bound to a wildcard address and would take datagrams
 * from anyone once the guest sent one; with the guard only the peers the
 * guest sent to answer, as through a NAT. One chain per VM, pin-VM in
 * table inet bulkhead, one rule per passt; removed with the VM. */
#ifndef BULKHEAD_INBOUND_GUARD_H
#define BULKHEAD_INBOUND_GUARD_H

#include <stddef.h>

/* The commands that add the rule for group GROUP (its v2 path relative
 * to /sys/fs/cgroup, at depth 2) to VM's chain. Length or -errno. */
int inbound_guard_cmds(const char *vm, const char *group_path, char *buf,
		       size_t len);
/* Load it: 0, or -1 with why. GROUP is the passt's cgroup name. */
int inbound_guard_install(const char *vm, const char *group, char *why,
			  size_t whylen);
/* Remove VM's chain: 0 (also when there is none) or -errno. */
int inbound_guard_remove(const char *vm);

#endif
