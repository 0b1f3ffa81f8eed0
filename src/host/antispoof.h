/* Anti-spoofing on the bridge ports of a VM's taps, enforced by the host
 * kernel (nftables, bridge family), so that it holds whatever the device
 * model does: frames entering the bridge from a tap must carry the vif's
 * MAC and, with ip=, its addresses. One table is bulkhead's; each VM has
 * three chains named after it (vif-NAME with the rules, pre-NAME and
 * in-NAME hooking prerouting and input and jumping there), so teardown
 * removes exactly the VM's rules and nobody else's. */
#ifndef BULKHEAD_ANTISPOOF_H
#define BULKHEAD_ANTISPOOF_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/vif.h"

#define ANTISPOOF_TABLE "bulkhead"

/* A VM name nft reads as part of an identifier after our prefix. */
bool antispoof_name_ok(const char *vm);
/* The rules of one VM's ports: vifs[i] on the tap of index ifindex[i].
 * nft syntax, one transaction replacing any chain of the VM's name.
 * Length written, or -ENOSPC / -EINVAL (a VM name nft would misread). */
int antispoof_rules(const char *vm, const struct vif_spec *vifs,
		    const unsigned *ifindex, size_t n, char *buf, size_t len);
/* The commands that add the VM's chains, bare, where they are missing
 * (no error where they exist), in an existing table. */
int antispoof_add_cmds(const char *vm, char *buf, size_t len);
/* The commands that delete the VM's chains (an error if absent). */
int antispoof_delete_cmds(const char *vm, char *buf, size_t len);

/* Load the rules into the kernel: 0, or -1 with why. */
int antispoof_install(const char *vm, const struct vif_spec *vifs,
		      const unsigned *ifindex, size_t n, char *why,
		      size_t whylen);
/* Remove the VM's chains: 0 (also when there were none) or -errno. */
int antispoof_remove(
	const char *
		vm); /* 1 when the VM's chains are loaded, hooked and jumping to vif-VM, and
 * hold a source-MAC rule for tap TAP; 0 when not; -errno. */
int antispoof_present(const char *vm, const char *tap);

#endif
