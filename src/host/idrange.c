#include "idrange.h"

#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "subid.h"
#include "subid_nss.h"

#define ID_TOP 0x7fffffffu /* as host-init's --range-base limit */

/* One file: 0, or -1 with why. what is "uid" or "gid". */
static int
subid_free(const char *path, const char *what, uint64_t lo, uint64_t n,
	   const struct subid_entry *ex, char *why, size_t whylen)
{
	struct subid_range hit = { .line = 0 };
	char msg[200];
	int rc = subid_overlap_file_except(path, lo, n, ex, &hit, msg,
					   sizeof(msg));

	if (rc == 0)
		return 0;
	if (rc < 0)
		snprintf(why, whylen,
			 "%s: cannot tell whether it covers %ss %llu..%llu",
			 msg, what, (unsigned long long)lo,
			 (unsigned long long)(lo + n - 1));
	else
		snprintf(why, whylen,
			 "%ss %llu..%llu overlap %s line %u (%s: %llu..%llu): "
			 "%s may map them in a user namespace and signal or "
			 "trace a VM's processes",
			 what, (unsigned long long)lo,
			 (unsigned long long)(lo + n - 1), path, hit.line,
			 hit.owner, (unsigned long long)hit.start,
			 (unsigned long long)(hit.end - 1), hit.owner);
	return -1;
}

static int
accounts_free(uid_t ubase, gid_t gbase, const char *base_name, char *why,
	      size_t whylen)
{
	struct passwd *pw;
	struct group *gr;
	int rc = 0;

	setpwent();
	while (rc == 0 && (pw = getpwent()) != NULL)
		if (pw->pw_uid >= ubase && pw->pw_uid - ubase < IDRANGE_SPAN &&
		    !(pw->pw_uid == ubase && !strcmp(pw->pw_name, base_name))) {
			snprintf(why, whylen,
				 "uid %u (account %s) lies in %u..%u",
				 (unsigned)pw->pw_uid, pw->pw_name,
				 (unsigned)ubase,
				 (unsigned)(ubase + IDRANGE_SPAN - 1));
			rc = -1;
		} else if (pw->pw_gid > gbase &&
			   pw->pw_gid - gbase < IDRANGE_SPAN) {
			/* A primary gid needs no /etc/group line. */
			snprintf(why, whylen,
				 "gid %u (primary group of account %s) lies in "
				 "%u..%u",
				 (unsigned)pw->pw_gid, pw->pw_name,
				 (unsigned)gbase,
				 (unsigned)(gbase + IDRANGE_SPAN - 1));
			rc = -1;
		}
	endpwent();
	setgrent();
	while (rc == 0 && (gr = getgrent()) != NULL)
		if (gr->gr_gid > gbase && gr->gr_gid - gbase < IDRANGE_SPAN) {
			snprintf(why, whylen,
				 "gid %u (group %s) lies in %u..%u",
				 (unsigned)gr->gr_gid, gr->gr_name,
				 (unsigned)gbase,
				 (unsigned)(gbase + IDRANGE_SPAN - 1));
			rc = -1;
		}
	endgrent();
	return rc;
}

/* Ids systemd hands out with no line in /etc/passwd or /etc/subuid
 * (systemd's UIDS-GIDS.md): a range over them is another's tomorrow. */
static const struct {
	uint64_t lo, hi; /* inclusive */
	const char *what;
} systemd_ranges[] = {
	{ 60001, 60513, "systemd-homed's users" },
	{ 61184, 65519, "systemd's DynamicUser= ids" },
	{ 524288, 1879048191,
	  "systemd's container range (nspawn "
	  "--private-users=pick)" },
	{ 2147352576, 2147418111, "systemd's foreign-uid range" },
};

int
idrange_systemd_free(uint64_t base, char *why, size_t whylen)
{
	for (size_t i = 0;
	     i < sizeof(systemd_ranges) / sizeof(systemd_ranges[0]); i++)
		if (base <= systemd_ranges[i].hi &&
		    base + IDRANGE_SPAN - 1 >= systemd_ranges[i].lo) {
			snprintf(why, whylen,
				 "ids %llu..%llu overlap %s (%llu..%llu)",
				 (unsigned long long)base,
				 (unsigned long long)(base + IDRANGE_SPAN - 1),
				 systemd_ranges[i].what,
				 (unsigned long long)systemd_ranges[i].lo,
				 (unsigned long long)systemd_ranges[i].hi);
			return -1;
		}
	return 0;
}

int
idrange_check(uid_t ubase, gid_t gbase, const char *base_name, char *why,
	      size_t whylen)
{
	if (ubase == 0 || gbase == 0 || ubase > ID_TOP - IDRANGE_SPAN ||
	    gbase > ID_TOP - IDRANGE_SPAN) {
		snprintf(why, whylen, "range base uid %u gid %u: out of bounds",
			 (unsigned)ubase, (unsigned)gbase);
		return -1;
	}
	if (idrange_systemd_free(ubase, why, whylen) < 0 ||
	    idrange_systemd_free(gbase, why, whylen) < 0)
		return -1;
	/* host-init's own reservation, exactly, and nothing else. */
	struct subid_entry eu = { base_name, ubase, IDRANGE_SPAN };
	struct subid_entry eg = { base_name, gbase, IDRANGE_SPAN };
	if (subid_free(SUBUID_PATH, "uid", ubase, IDRANGE_SPAN, &eu, why,
		       whylen) < 0 ||
	    subid_free(SUBGID_PATH, "gid", gbase, IDRANGE_SPAN, &eg, why,
		       whylen) < 0)
		return -1;
	return accounts_free(ubase, gbase, base_name, why, whylen);
}

int
idrange_reserved(uid_t ubase, gid_t gbase, const char *base_name, char *why,
		 size_t whylen)
{
	struct subid_entry eu = { base_name, ubase, IDRANGE_SPAN };
	struct subid_entry eg = { base_name, gbase, IDRANGE_SPAN };
	int hu = subid_has_file(SUBUID_PATH, &eu, why, whylen);
	int hg = hu < 0 ? -1 : subid_has_file(SUBGID_PATH, &eg, why, whylen);

	if (hu < 0 || hg < 0)
		return -1;
	if (hu && hg)
		return 1;
	snprintf(why, whylen, "%s has no line %s:%u:%u",
		 hu ? SUBGID_PATH : SUBUID_PATH, base_name,
		 (unsigned)(hu ? gbase : ubase), IDRANGE_SPAN);
	return 0;
}

int
idrange_subid_source(struct subid_source *src, char *why, size_t whylen)
{
	return nsswitch_subid_file(NSSWITCH_PATH, src, why, whylen);
}

int
idrange_nss_id(bool gid, uint64_t id, uid_t except, char *why, size_t whylen)
{
	struct subid_source src;
	char msg[300];
	uid_t owner = 0;
	int rc;

	if (idrange_subid_source(&src, why, whylen) < 0)
		return -1;
	if (!src.module)
		return 0;
	rc = subidnss_owner(gid, id, except, &owner, msg, sizeof(msg));
	if (rc == 0)
		return 0;
	if (rc < 0) {
		snprintf(why, whylen,
			 "subid source '%s' (%s): %s: cannot tell who may map "
			 "it",
			 src.name, NSSWITCH_PATH, msg);
		return -1;
	}
	struct passwd *pw = getpwuid(owner);
	snprintf(why, whylen,
		 "%s %llu is a subordinate %s of %s (uid %u) from subid "
		 "source '%s' (%s): they may map it in a user namespace and "
		 "signal or trace a VM's processes",
		 gid ? "gid" : "uid", (unsigned long long)id,
		 gid ? "gid" : "uid", pw ? pw->pw_name : "an unknown account",
		 (unsigned)owner, src.name, NSSWITCH_PATH);
	return -1;
}

/* One account, uids then gids: 1 overlap (why), 0 none, -1 no answer. */
static int
nss_account(const char *name, uid_t ubase, gid_t gbase, bool reserved,
	    const char *src, char *why, size_t whylen)
{
	uint64_t s = 0, c = 0;
	char msg[200];

	for (int g = 0; g < 2; g++) {
		uint64_t lo = g ? gbase : ubase;
		int rc = subidnss_user_overlap(g, name, lo, IDRANGE_SPAN,
					       reserved, &s, &c, msg,
					       sizeof(msg));
		if (rc < 0)
			return -1;
		if (rc == 1) {
			snprintf(why, whylen,
				 "%ss %llu..%llu overlap the subordinate %ss "
				 "%llu..%llu of %s from subid source '%s' "
				 "(%s): %s may map them in a user namespace",
				 g ? "gid" : "uid", (unsigned long long)lo,
				 (unsigned long long)(lo + IDRANGE_SPAN - 1),
				 g ? "gid" : "uid", (unsigned long long)s,
				 (unsigned long long)(s + c - 1), name, src,
				 NSSWITCH_PATH, name);
			return 1;
		}
	}
	return 0;
}

int
idrange_nss_accounts(uid_t ubase, gid_t gbase, const char *base_name,
		     struct idrange_nss_scan *sc, char *why, size_t whylen)
{
	struct passwd *pw;
	char name[256];
	int rc = 0;

	memset(sc, 0, sizeof(*sc));
	if (idrange_subid_source(&sc->src, why, whylen) < 0)
		return -1;
	if (!sc->src.module)
		return 0;
	setpwent();
	while (rc == 0 && (pw = getpwent()) != NULL) {
		/* libsubid looks names up itself: pw may be reused. */
		snprintf(name, sizeof(name), "%s", pw->pw_name);
		rc = nss_account(name, ubase, gbase, !strcmp(name, base_name),
				 sc->src.name, why, whylen);
		if (rc < 0) {
			if (sc->unanswered++ == 0)
				snprintf(sc->first_unanswered,
					 sizeof(sc->first_unanswered), "%s",
					 name);
			rc = 0;
		} else if (rc == 0) {
			sc->checked++;
		}
	}
	endpwent();
	return rc ? -1 : 0;
}

int
idrange_check_subid(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	if (idrange_nss_id(false, uid, (uid_t)-1, why, whylen) < 0 ||
	    idrange_nss_id(true, gid, (uid_t)-1, why, whylen) < 0)
		return -1;
	if (subid_free(SUBUID_PATH, "uid", uid, 1, NULL, why, whylen) < 0 ||
	    subid_free(SUBGID_PATH, "gid", gid, 1, NULL, why, whylen) < 0)
		return -1;
	return 0;
}

uid_t
idrange_suggest(uid_t min)
{
	uint64_t eu = 0, eg = 0, lo = min;
	char why[256];

	if (subid_max_end_file(SUBUID_PATH, &eu, why, sizeof(why)) < 0 ||
	    subid_max_end_file(SUBGID_PATH, &eg, why, sizeof(why)) < 0)
		return 0;
	lo = lo > eu ? lo : eu;
	lo = lo > eg ? lo : eg;
	for (lo = (lo + IDRANGE_SPAN - 1) / IDRANGE_SPAN * IDRANGE_SPAN;
	     lo <= ID_TOP - IDRANGE_SPAN; lo += IDRANGE_SPAN)
		if (idrange_check((uid_t)lo, (gid_t)lo, "", why, sizeof(why)) ==
		    0)
			return (uid_t)lo;
	return 0;
}
