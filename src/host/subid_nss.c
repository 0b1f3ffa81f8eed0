#include "subid_nss.h"

#include <dlfcn.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBSUBID "libsubid.so.4"

static struct {
	void *h;
	__typeof__(subid_get_uid_owners) *uid_owners;
	__typeof__(subid_get_gid_owners) *gid_owners;
	__typeof__(subid_get_uid_ranges) *uid_ranges;
	__typeof__(subid_get_gid_ranges) *gid_ranges;
} lib;

/* 0, or -1 with why. libsubid's own messages (a module it cannot load,
 * and the fall back to the files that newuidmap makes too) go to
 * stderr, where the admin sees them. */
static int
load(char *why, size_t whylen)
{
	__typeof__(subid_init) *init;

	if (lib.h)
		return 0;
	void *h = dlopen(LIBSUBID, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, whylen,
			 "cannot load %s (Debian package libsubid4): %s",
			 LIBSUBID, dlerror());
		return -1;
	}
	init = (__typeof__(init))dlsym(h, "subid_init");
	lib.uid_owners =
		(__typeof__(lib.uid_owners))dlsym(h, "subid_get_uid_owners");
	lib.gid_owners =
		(__typeof__(lib.gid_owners))dlsym(h, "subid_get_gid_owners");
	lib.uid_ranges =
		(__typeof__(lib.uid_ranges))dlsym(h, "subid_get_uid_ranges");
	lib.gid_ranges =
		(__typeof__(lib.gid_ranges))dlsym(h, "subid_get_gid_ranges");
	if (!init || !lib.uid_owners || !lib.gid_owners || !lib.uid_ranges ||
	    !lib.gid_ranges || !init("bulkhead", stderr)) {
		snprintf(why, whylen, "%s: not the libsubid API 4", LIBSUBID);
		dlclose(h);
		return -1;
	}
	lib.h = h;
	return 0;
}

int
subidnss_owner(bool gid, uint64_t id, uid_t except, uid_t *owner, char *why,
	       size_t whylen)
{
	uid_t *owners = NULL;
	int n, rc = 0;

	if (load(why, whylen) < 0)
		return -1;
	n = gid ? lib.gid_owners((gid_t)id, &owners)
		: lib.uid_owners((uid_t)id, &owners);
	if (n < 0) {
		snprintf(why, whylen,
			 "libsubid cannot tell who owns subordinate %s %llu",
			 gid ? "gid" : "uid", (unsigned long long)id);
		free(owners);
		return -1;
	}
	for (int i = 0; i < n && !rc; i++)
		if (owners[i] != except) {
			*owner = owners[i];
			rc = 1;
		}
	free(owners);
	return rc;
}

int
subidnss_user_overlap(bool gid, const char *user, uint64_t lo, uint64_t n,
		      bool skip_exact, uint64_t *start, uint64_t *count,
		      char *why, size_t whylen)
{
	struct subid_range *r = NULL;
	int nr, rc = 0;

	if (load(why, whylen) < 0)
		return -1;
	nr = gid ? lib.gid_ranges(user, &r) : lib.uid_ranges(user, &r);
	if (nr < 0) {
		snprintf(why, whylen,
			 "libsubid cannot list the subordinate %ss of %s",
			 gid ? "gid" : "uid", user);
		free(r);
		return -1;
	}
	for (int i = 0; i < nr && !rc; i++) {
		uint64_t s = r[i].start, c = r[i].count;
		uint64_t e = s > UINT64_MAX - c ? UINT64_MAX : s + c;

		if (skip_exact && s == lo && c == n)
			continue;
		if (s < e && s < lo + n && lo < e) {
			*start = s;
			*count = c;
			rc = 1;
		}
	}
	free(r);
	return rc;
}
