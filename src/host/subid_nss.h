/* Subordinate ids from the source nsswitch.conf names (nsswitch.h),
 * through shadow's libsubid: the code newuidmap and newgidmap use, so
 * what it answers is what an owner may map. libsubid is loaded only on
 * a host whose nsswitch.conf names a module (dlopen): linked in, it and
 * what it needs (SELinux, PAM, audit) would load into every process of
 * the bulkhead image on every host. Every error fails closed: the
 * caller refuses, since it cannot tell who may map an id. */
#ifndef BULKHEAD_SUBID_NSS_H
#define BULKHEAD_SUBID_NSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The owners of subordinate uid (gid false) or gid (gid true) id:
 * 1 with the first owner other than except in *owner, 0 if none, -1
 * with why (libsubid missing, or the source failed). */
int subidnss_owner(bool gid, uint64_t id, uid_t except, uid_t *owner, char *why,
		   size_t whylen);
/* Whether a subordinate uid (gid) range of account user overlaps
 * [lo, lo + n), a range exactly [lo, lo + n) skipped when skip_exact:
 * 1 with the first in *start, *count, 0 if none, -1 with why. */
int subidnss_user_overlap(bool gid, const char *user, uint64_t lo, uint64_t n,
			  bool skip_exact, uint64_t *start, uint64_t *count,
			  char *why, size_t whylen);

#endif
