/* Anti-spoofing on a VM's taps, enforced by the host kernel (nftables,
 * netdev family), so that it holds whatever the device model does: every
 * frame a tap sends must carry the vif's MAC and, with ip=, its
 * addresses. One table is bulkhead's; each tap of a VM has a base chain
 * on its ingress hook, tap-NAME/K for the VM's K-th tap, which sees the
 * frame before the bridge does; teardown removes exactly the VM's chains
 * and nobody else's. */
#ifndef BULKHEAD_ANTISPOOF_H
#define BULKHEAD_ANTISPOOF_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/vif.h"

#define ANTISPOOF_FAMILY "netdev"
#define ANTISPOOF_TABLE "bulkhead"

/* A VM name nft reads as part of an identifier after our prefix. */
bool antispoof_name_ok(const char *vm);
/* The rules of one VM's taps: the K-th tap is that of the K-th vif with
 * one, vifs[i].vifname. nft syntax, one transaction replacing any chain
 * of the VM's name. Length written, or -ENOSPC / -EINVAL (a VM or tap
 * name nft could misread). */
int antispoof_rules(const char *vm, const struct vif_spec *vifs, size_t n,
		    char *buf, size_t len);
/* The commands that add each chain a VM of this name may have, bare,
 * where it is missing (no error where it exists), in an existing table. */
int antispoof_add_cmds(const char *vm, char *buf, size_t len);
/* The commands that delete those chains (an error where one is absent). */
int antispoof_delete_cmds(const char *vm, char *buf, size_t len);

/* Load the rules into the kernel: 0, or -1 with why. */
int antispoof_install(const char *vm, const struct vif_spec *vifs, size_t n,
		      char *why, size_t whylen);
/* Remove the VM's chains, also those of the bridge-family table earlier
 * versions made: 0 (also when there were none) or -errno. */
int antispoof_remove(const char *vm);
/* 1 when the VM's K-th tap chain is loaded on the ingress hook of tap
 * TAP, which still has index IFINDEX (not renamed, not replaced), and
 * holds its source-MAC rule; 0 when not; -errno. */
int antispoof_present(const char *vm, size_t k, const char *tap,
		      unsigned ifindex);

#endif
