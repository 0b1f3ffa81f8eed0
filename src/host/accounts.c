#include "accounts.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
accounts_names(struct account_names *n)
{
	const char *p = getenv("BULKHEAD_ACCOUNT_PREFIX");

	/* Same rules as a config's user names, so a prefix cannot smuggle
	 * anything into an account lookup. */
	if (!p || !*p || strlen(p) > 24 ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(p))
		p = "bulkhead";
	snprintf(n->range_base, sizeof(n->range_base), "%s-range-base", p);
	snprintf(n->shared, sizeof(n->shared), "%s-shared", p);
	snprintf(n->reaper, sizeof(n->reaper), "%s-reaper", p);
}

static int
lookup_name(const char *name, struct passwd *pw, char *buf, size_t len,
	    bool *found)
{
	struct passwd *res = NULL;
	int rc = getpwnam_r(name, pw, buf, len, &res);

	*found = res != NULL;
	return (rc != 0 && rc != ENOENT) ? -rc : 0;
}

static bool
uid_has_account(uid_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(name, len, "%s", pw.pw_name);
		return true;
	}
	return false;
}

static bool
gid_has_group(gid_t gid, char *name, size_t len)
{
	struct group gr, *res = NULL;
	char buf[8192];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(name, len, "%s", gr.gr_name);
		return true;
	}
	return false;
}

const char *
ident_kind_name(enum ident_kind k)
{
	switch (k) {
	case IDENT_RANGE:
		return "range";
	case IDENT_USER:
		return "user";
	case IDENT_SHARED:
		return "shared";
	case IDENT_ROOT:
		return "root";
	default:
		return "?";
	}
}

/* device_model_user: a named account, one per VM. 1 if set and taken,
 * 0 if unset, -1 with why. */
static int
ident_user(const char *dm_user, const struct account_names *an,
	   struct dm_identity *out, char *why, size_t whylen)
{
	struct passwd pw;
	char buf[4096];
	bool found;

	if (!dm_user[0])
		return 0;
	if (lookup_name(dm_user, &pw, buf, sizeof(buf), &found) < 0 || !found) {
		snprintf(why, whylen, "no such account '%s'", dm_user);
		return -1;
	}
	if (strcmp(dm_user, an->reaper) == 0 || pw.pw_uid == out->reaper_uid) {
		snprintf(why, whylen,
			 "'%s' is the reaper account; the "
			 "reaper must own no device model",
			 dm_user);
		return -1;
	}
	out->kind = IDENT_USER;
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	out->exclusive = true;
	snprintf(out->user, sizeof(out->user), "%s", dm_user);
	return 1;
}

/* The range: base + vmid. 1 if the base account exists and the ids are
 * free, 0 if there is no base account, -1 with why. */
static int
ident_range(unsigned vmid, const struct account_names *an,
	    struct dm_identity *out, char *why, size_t whylen)
{
	struct passwd pw;
	char buf[4096], other[64];
	bool found;

	if (lookup_name(an->range_base, &pw, buf, sizeof(buf), &found) < 0 ||
	    !found)
		return 0;
	out->kind = IDENT_RANGE;
	out->uid = pw.pw_uid + vmid;
	out->gid = pw.pw_gid + vmid;
	out->exclusive = true;
	/* A range uid must belong to no account: otherwise some unrelated
	 * user's files and processes would be the VM's. */
	if (uid_has_account(out->uid, other, sizeof(other))) {
		snprintf(why, whylen,
			 "wanted uid %u (%s + %u) but that is "
			 "account %s",
			 (unsigned)out->uid, an->range_base, vmid, other);
		return -1;
	}
	if (gid_has_group(out->gid, other, sizeof(other))) {
		snprintf(why, whylen,
			 "wanted gid %u (%s + %u) but that is "
			 "group %s",
			 (unsigned)out->gid, an->range_base, vmid, other);
		return -1;
	}
	if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		snprintf(why, whylen, "%s maps to uid/gid 0", an->range_base);
		return -1;
	}
	return 1;
}

/* The shared fallback account, with a warning. 1 if it exists, 0 if
 * not. */
static int
ident_shared(const struct account_names *an, struct dm_identity *out,
	     char *warn, size_t warnlen)
{
	struct passwd pw;
	char buf[4096];
	bool found;

	if (lookup_name(an->shared, &pw, buf, sizeof(buf), &found) < 0 ||
	    !found)
		return 0;
	out->kind = IDENT_SHARED;
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	out->exclusive = false;
	snprintf(out->user, sizeof(out->user), "%s", an->shared);
	snprintf(warn, warnlen,
		 "no %s account: falling back to the shared "
		 "account %s; all such VMs share one uid and can attack each "
		 "other's device models",
		 an->range_base, an->shared);
	return 1;
}

/* The reaper must exist and be distinct: it is the only safe way to kill
 * every process of a uid (see reaper.c). */
static int
ident_reaper(const struct account_names *an, struct dm_identity *out, char *why,
	     size_t whylen)
{
	struct passwd pw;
	char buf[4096];
	bool found;

	if (lookup_name(an->reaper, &pw, buf, sizeof(buf), &found) < 0 ||
	    !found) {
		snprintf(why, whylen,
			 "account %s does not exist: run "
			 "'bulkhead host-init'",
			 an->reaper);
		return -1;
	}
	out->reaper_uid = pw.pw_uid;
	if (pw.pw_uid == 0) {
		snprintf(why, whylen, "account %s maps to uid 0", an->reaper);
		return -1;
	}
	return 0;
}

int
ident_select(bool dm_restrict, const char *dm_user, unsigned vmid,
	     struct dm_identity *out, char *why, size_t whylen, char *warn,
	     size_t warnlen)
{
	struct account_names an = { "", "", "" };
	int rc;

	memset(out, 0, sizeof(*out));
	warn[0] = '\0';
	accounts_names(&an);
	if (vmid < VMID_MIN || vmid > VMID_MAX) {
		snprintf(why, whylen, "VM id %u out of range", vmid);
		return -1;
	}
	if (!dm_restrict) {
		if (dm_user[0]) {
			snprintf(why, whylen,
				 "device_model_user requires "
				 "dm_restrict = 1");
			return -1;
		}
		out->kind = IDENT_ROOT;
		snprintf(warn, warnlen,
			 "dm_restrict = 0: the device model runs as ROOT with "
			 "no jail; a guest that compromises QEMU owns this "
			 "host");
		return 0;
	}
	if (ident_reaper(&an, out, why, whylen) < 0)
		return -1;
	/* The first that applies: a named user, the range, the shared one. */
	rc = ident_user(dm_user, &an, out, why, whylen);
	if (rc == 0)
		rc = ident_range(vmid, &an, out, why, whylen);
	if (rc == 0)
		rc = ident_shared(&an, out, warn, warnlen);
	if (rc == 0) {
		snprintf(why, whylen,
			 "neither %s nor %s exists: run 'bulkhead "
			 "host-init' (never falling back to root)",
			 an.range_base, an.shared);
		return -1;
	}
	if (rc < 0)
		return -1;
	if (out->uid == 0 || out->gid == 0) {
		snprintf(why, whylen,
			 "device model identity maps to root "
			 "(uid %u gid %u): refused",
			 (unsigned)out->uid, (unsigned)out->gid);
		return -1;
	}
	return 0;
}

int
ident_backend(const struct dm_identity *dm, struct dm_identity *out, char *why,
	      size_t whylen)
{
	char other[64];

	*out = *dm;
	if (dm->kind == IDENT_ROOT) {
		snprintf(why, whylen, "backends are never run as root");
		return -1;
	}
	if (dm->kind != IDENT_RANGE)
		return 0;
	out->uid = dm->uid + BACKEND_UID_OFFSET;
	out->gid = dm->gid + BACKEND_UID_OFFSET;
	if (uid_has_account(out->uid, other, sizeof(other))) {
		snprintf(why, whylen, "backend uid %u is account %s",
			 (unsigned)out->uid, other);
		return -1;
	}
	if (gid_has_group(out->gid, other, sizeof(other))) {
		snprintf(why, whylen, "backend gid %u is group %s",
			 (unsigned)out->gid, other);
		return -1;
	}
	return 0;
}
