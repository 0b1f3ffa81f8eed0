#include "accounts.h"

#include "idrange.h"

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
	snprintf(n->prefix, sizeof(n->prefix), "%s", p);
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

/* Another account whose primary group is gid, into other; false if
 * none. */
static bool
gid_shared(const char *name, gid_t gid, char *other, size_t len)
{
	struct passwd *pw;
	bool hit = false;

	setpwent();
	while (!hit && (pw = getpwent()) != NULL)
		if (pw->pw_gid == gid && strcmp(pw->pw_name, name) != 0) {
			snprintf(other, len, "%s", pw->pw_name);
			hit = true;
		}
	endpwent();
	return hit;
}

/* A group with gid, or an account with it as its primary gid (which
 * needs no group line), into what: "group X" or "the primary group of
 * account X". */
static bool
gid_has_group(gid_t gid, char *what, size_t len)
{
	struct group gr, *res = NULL;
	char buf[8192], other[64];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(what, len, "group %s", gr.gr_name);
		return true;
	}
	if (gid_shared("", gid, other, sizeof(other))) {
		snprintf(what, len, "the primary group of account %s", other);
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

static bool
in_range(unsigned id, unsigned base)
{
	return id >= base && id - base < IDRANGE_SPAN;
}

/* The account rules that say which account it is not. */
static int
dm_user_not_special(const struct dm_user_facts *f, char *why, size_t whylen)
{
	const char *n = f->name;

	if (f->uid == 0 || f->gid == 0)
		snprintf(why, whylen,
			 "device model identity maps to root "
			 "(uid %u gid %u): refused",
			 (unsigned)f->uid, (unsigned)f->gid);
	else if (f->is_reaper)
		snprintf(why, whylen,
			 "'%s' is the reaper account; the "
			 "reaper must own no device model",
			 n);
	else if (f->is_base)
		snprintf(why, whylen,
			 "'%s' is the range base account: every VM's uid is "
			 "counted from it",
			 n);
	else if (f->is_shared)
		snprintf(why, whylen,
			 "'%s' is the shared fallback account, which VMs "
			 "without a range uid share",
			 n);
	else if (f->uid == OVERFLOW_ID || f->gid == OVERFLOW_ID)
		snprintf(why, whylen,
			 "'%s' has the overflow id %u (nobody/nogroup), which "
			 "the kernel gives every unmapped id",
			 n, OVERFLOW_ID);
	else if (f->uid < SYSTEM_ID_MIN || f->gid < SYSTEM_ID_MIN)
		snprintf(why, whylen,
			 "'%s' (uid %u gid %u) is a static system account "
			 "below %u, shared with the host's services",
			 n, (unsigned)f->uid, (unsigned)f->gid, SYSTEM_ID_MIN);
	else if (f->has_range && (in_range(f->uid, f->range_uid) ||
				  in_range(f->gid, f->range_gid)))
		snprintf(why, whylen,
			 "'%s' (uid %u gid %u) lies in the VM id range", n,
			 (unsigned)f->uid, (unsigned)f->gid);
	else
		return 0;
	return -1;
}

/* The rules that the uid and the gid are this account's alone: no
 * other account shares either, its primary group is its own group
 * (same name), no one else is a member of it, and the account is a
 * member of no other group. */
static int
dm_user_not_shared(const struct dm_user_facts *f, char *why, size_t whylen)
{
	const char *n = f->name;
	unsigned g = (unsigned)f->gid;

	if (f->uid_shared)
		snprintf(why, whylen,
			 "'%s': its uid %u is also account %s, which would "
			 "hold the VM's uid",
			 n, (unsigned)f->uid, f->uid_shared);
	else if (!f->group_name)
		snprintf(why, whylen,
			 "'%s': its primary gid %u has no group; a device "
			 "model account has its own group (useradd "
			 "--user-group)",
			 n, g);
	else if (strcmp(f->group_name, n) != 0)
		snprintf(why, whylen,
			 "'%s': its primary group is %s (gid %u), not its own "
			 "group %s: the VM would hold what %s may read",
			 n, f->group_name, g, n, f->group_name);
	else if (f->gid_group)
		snprintf(why, whylen, "'%s': its gid %u is also group %s", n, g,
			 f->gid_group);
	else if (f->group_member)
		snprintf(why, whylen,
			 "'%s': group %s (gid %u) has member %s, who would "
			 "hold the VM's gid",
			 n, f->member_group ? f->member_group : n, g,
			 f->group_member);
	else if (f->gid_shared)
		snprintf(why, whylen,
			 "'%s': its group %u is also the primary group of %s",
			 n, g, f->gid_shared);
	else if (f->supp_group)
		snprintf(why, whylen,
			 "'%s' is a member of group %s: an account in other "
			 "groups serves more than device models",
			 n, f->supp_group);
	else
		return 0;
	return -1;
}

int
dm_user_check(const struct dm_user_facts *f, char *why, size_t whylen)
{
	const char *sh = f->shell && f->shell[0] ? f->shell : "/bin/sh";
	const char *base = strrchr(sh, '/') ? strrchr(sh, '/') + 1 : sh;
	char want[64];

	if (dm_user_not_special(f, why, whylen) < 0)
		return -1;
	snprintf(want, sizeof(want), "%s" DM_USER_INFIX, f->prefix);
	if (strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0)
		snprintf(why, whylen,
			 "'%s' has the login shell %s: someone may log in "
			 "as it; a device model account has nologin or false",
			 f->name, sh);
	else if (strncmp(f->name, want, strlen(want)) != 0 ||
		 !f->name[strlen(want)])
		snprintf(why, whylen,
			 "'%s' is not named %sNAME: only accounts so named "
			 "are taken to be dedicated to device models (useradd "
			 "--system --no-create-home --shell /usr/sbin/nologin "
			 "--user-group %sNAME)",
			 f->name, want, want);
	else
		return dm_user_not_shared(f, why, whylen);
	return -1;
}

static void
keep(const char **field, char *dst, size_t len, const char *v)
{
	if (*field)
		return; /* the first one found is named */
	snprintf(dst, len, "%s", v);
	*field = dst;
}

static void
scan_passwd(struct dm_user_facts *f, struct dm_user_others *o, FILE *in)
{
	struct passwd *pw;

	if (in)
		rewind(in);
	else
		setpwent();
	while ((pw = in ? fgetpwent(in) : getpwent()) != NULL) {
		if (strcmp(pw->pw_name, f->name) == 0)
			continue;
		if (pw->pw_uid == f->uid)
			keep(&f->uid_shared, o->uid_shared,
			     sizeof(o->uid_shared), pw->pw_name);
		if (pw->pw_gid == f->gid)
			keep(&f->gid_shared, o->gid_shared,
			     sizeof(o->gid_shared), pw->pw_name);
	}
	if (!in)
		endpwent();
}

static bool
is_member(const struct group *gr, const char *name)
{
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, name) == 0)
			return true;
	return false;
}

/* A member of gr other than name (listed in its own group is no
 * sharing), or NULL. */
static const char *
other_member(const struct group *gr, const char *name)
{
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, name) != 0)
			return *m;
	return NULL;
}

static void
scan_group(struct dm_user_facts *f, struct dm_user_others *o, FILE *in)
{
	struct group *gr;

	if (in)
		rewind(in);
	else
		setgrent();
	while ((gr = in ? fgetgrent(in) : getgrent()) != NULL) {
		if (gr->gr_gid != f->gid) {
			if (is_member(gr, f->name))
				keep(&f->supp_group, o->supp_group,
				     sizeof(o->supp_group), gr->gr_name);
			continue;
		}
		if (strcmp(gr->gr_name, f->name) == 0)
			keep(&f->group_name, o->group_name,
			     sizeof(o->group_name), gr->gr_name);
		else
			keep(&f->gid_group, o->gid_group, sizeof(o->gid_group),
			     gr->gr_name);
		const char *m = other_member(gr, f->name);
		if (m && !f->group_member) {
			keep(&f->group_member, o->group_member,
			     sizeof(o->group_member), m);
			keep(&f->member_group, o->member_group,
			     sizeof(o->member_group), gr->gr_name);
		}
	}
	if (!in)
		endgrent();
	/* No group named as the account: name the gid's group, if any. */
	if (!f->group_name && f->gid_group) {
		f->group_name = f->gid_group;
		f->gid_group = NULL;
	}
}

void
dm_user_scan(struct dm_user_facts *f, struct dm_user_others *o, FILE *passwd,
	     FILE *group)
{
	memset(o, 0, sizeof(*o));
	f->uid_shared = f->gid_shared = NULL;
	f->group_name = f->gid_group = NULL;
	f->group_member = f->member_group = f->supp_group = NULL;
	scan_passwd(f, o, passwd);
	scan_group(f, o, group);
}

/* Whether account name has uid (false if there is no such account). */
static bool
account_is(const char *name, uid_t uid, struct passwd *pw, char *buf,
	   size_t len)
{
	bool found;

	return lookup_name(name, pw, buf, len, &found) == 0 && found &&
	       (!strcmp(name, pw->pw_name) && pw->pw_uid == uid);
}

/* The facts about account pw that dm_user_check weighs. */
static void
dm_user_facts_of(const struct passwd *pw, const struct account_names *an,
		 uid_t reaper_uid, struct dm_user_facts *f,
		 struct dm_user_others *o)
{
	struct passwd b;
	char buf[4096];
	bool found;
	const char *p = an->range_base;

	memset(f, 0, sizeof(*f));
	f->name = pw->pw_name;
	f->uid = pw->pw_uid;
	f->gid = pw->pw_gid;
	f->shell = pw->pw_shell;
	f->prefix = an->prefix;
	f->is_reaper = !strcmp(f->name, an->reaper) || f->uid == reaper_uid;
	f->is_shared = !strcmp(f->name, an->shared) ||
		       account_is(an->shared, f->uid, &b, buf, sizeof(buf));
	f->is_base = !strcmp(f->name, p);
	if (lookup_name(p, &b, buf, sizeof(buf), &found) == 0 && found) {
		f->has_range = true;
		f->range_uid = b.pw_uid;
		f->range_gid = b.pw_gid;
		f->is_base |= b.pw_uid == f->uid;
	}
	dm_user_scan(f, o, NULL, NULL);
}

/* device_model_user: a named account, one per VM, dedicated to device
 * models (dm_user_check) and out of every subordinate range. 1 if set
 * and taken, 0 if unset, -1 with why. Whether it owns processes is
 * create's to check, after it knows no running VM has it. */
static int
ident_user(const char *dm_user, const struct account_names *an,
	   struct dm_identity *out, char *why, size_t whylen)
{
	struct passwd pw;
	struct dm_user_facts f;
	struct dm_user_others o;
	char buf[4096], msg[400];
	bool found;

	if (!dm_user[0])
		return 0;
	if (lookup_name(dm_user, &pw, buf, sizeof(buf), &found) < 0 || !found) {
		snprintf(why, whylen, "no such account '%s'", dm_user);
		return -1;
	}
	dm_user_facts_of(&pw, an, out->reaper_uid, &f, &o);
	if (dm_user_check(&f, why, whylen) < 0)
		return -1;
	if (idrange_check_subid(pw.pw_uid, pw.pw_gid, msg, sizeof(msg)) < 0) {
		snprintf(why, whylen, "'%s': %s", dm_user, msg);
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
			 "%s",
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
	struct account_names an = { "", "", "", "" };
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
		snprintf(why, whylen, "backend gid %u is %s",
			 (unsigned)out->gid, other);
		return -1;
	}
	return 0;
}
