/* The VM id range of the dm_restrict scheme, as a whole: range base +
 * vmid for device models, + 32768 + vmid for backends, so the ids from
 * base to base + 65535, as uids and as gids. No other account or group
 * may have one, and no subordinate range (/etc/subuid, /etc/subgid) may
 * cover one: its owner could map the id in a user namespace and signal,
 * trace or stop a VM's processes as their own. host-init checks before
 * it makes the range, create at every start (a range added since is
 * caught then). */
#ifndef BULKHEAD_IDRANGE_H
#define BULKHEAD_IDRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsswitch.h"

#define IDRANGE_SPAN 65536u

/* 0 when the uids ubase.. and gids gbase.. (IDRANGE_SPAN of each) are
 * free; base_name's own account and gid gbase itself are allowed, and
 * so is host-init's reservation: exactly base_name:ubase:IDRANGE_SPAN in
 * /etc/subuid and base_name:gbase:IDRANGE_SPAN in /etc/subgid (any
 * other entry over the range, base_name's included, is in the way). -1
 * with why naming what is in the way. */
int idrange_check(uid_t ubase, gid_t gbase, const char *base_name, char *why,
		  size_t whylen);
/* Whether host-init's reservation (idrange_check) is in both files:
 * 1, 0 with why naming the file that lacks it, or -1 with why. Without
 * it, useradd may give the next new user subordinate ids over the VM
 * range (login.defs SUB_UID_MIN..SUB_UID_MAX holds Xen's 131072). */
int idrange_reserved(uid_t ubase, gid_t gbase, const char *base_name, char *why,
		     size_t whylen);
/* 0 when no subordinate range covers uid or gid, in the files or from
 * a module source (idrange_nss_id); -1 with why. */
int idrange_check_subid(uid_t uid, gid_t gid, char *why, size_t whylen);
/* Where a host's subordinate ids may also come from: a module named by
 * the `subid:` line of nsswitch.conf (SSSD, FreeIPA), whose ranges the
 * files do not show. The files are checked always (above); a module is
 * asked besides, through libsubid (subid_nss.h). */
int idrange_subid_source(struct subid_source *src, char *why, size_t whylen);
/* 0 when the module source, if any, gives subordinate uid (gid true:
 * gid) id to no one but except ((uid_t)-1 for none): any module can say
 * who owns one id. -1 with why naming the owner, or the error. */
int idrange_nss_id(bool gid, uint64_t id, uid_t except, char *why,
		   size_t whylen);
/* What host-init's scan of a module source saw. A module need not list
 * its users (SSSD's default enumerate = false): the scan sees only the
 * accounts getpwent lists, and says so. */
struct idrange_nss_scan {
	struct subid_source src;
	unsigned checked;    /* accounts the module answered for */
	unsigned unanswered; /* unknown to it, or an error */
	char first_unanswered[40];
};
/* Ask the module source (none: 0 at once, sc->src.module false) for the
 * subordinate uid and gid ranges of every account getpwent lists: -1
 * with why for the first that overlaps the range (base_name's exact
 * reservation skipped, as in the files), else 0. */
int idrange_nss_accounts(uid_t ubase, gid_t gbase, const char *base_name,
			 struct idrange_nss_scan *sc, char *why, size_t whylen);
/* 0 when IDRANGE_SPAN ids from base miss every range systemd allocates
 * without an account line (homed, DynamicUser, the container range,
 * the foreign range); -1 with why naming it. idrange_check asks it. */
int idrange_systemd_free(uint64_t base, char *why, size_t whylen);
/* A base at or above min, a multiple of IDRANGE_SPAN, that passes
 * idrange_check and lies above every subordinate range; 0 if none. */
uid_t idrange_suggest(uid_t min);

#endif
