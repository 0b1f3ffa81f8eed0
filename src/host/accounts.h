/* Which uid/gid a VM's device model runs as: the dm_restrict scheme of
 * Xen (range base + VM id, or a named per-VM user, or a shared account),
 * with the checks Xen documents but does not make. */
#ifndef BULKHEAD_ACCOUNTS_H
#define BULKHEAD_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define VMID_MIN 1
#define VMID_MAX 32751             /* as Xen's domid range: 32752 ids incl. 0 */
#define RANGE_BASE_DEFAULT 131072u /* 2 * 2^16, as the Xen docs advise */

/* Account names; the prefix is "bulkhead" unless BULKHEAD_ACCOUNT_PREFIX
 * is set (tests use their own accounts and touch nothing else). */
struct account_names {
	char prefix[32];
	char range_base[48];
	char shared[48];
	char reaper[48];
};

void accounts_names(struct account_names *n);

enum ident_kind {
	IDENT_RANGE,  /* range base + vmid: one uid per VM */
	IDENT_USER,   /* device_model_user: one uid per VM, checked */
	IDENT_SHARED, /* fallback: every VM shares one uid (warned) */
	IDENT_ROOT,   /* dm_restrict = 0: no deprivileging at all */
};

struct dm_identity {
	enum ident_kind kind;
	uid_t uid;
	gid_t gid;
	bool exclusive; /* only this VM uses the uid: kill-by-uid is safe */
	uid_t reaper_uid;
	char user[48]; /* account name, or "" for range uids */
};

/* What decides whether an account may be a device_model_user: it must
 * be dedicated to device models, since the VM takes the uid as its own
 * and every destroy (one the guest triggers by powering off included)
 * kills every process of it, host-wide. */
#define DM_USER_INFIX "-dm-" /* accounts are named PREFIX-dm-NAME */
#define SYSTEM_ID_MIN 100u   /* below: Debian's static system accounts */
#define OVERFLOW_ID 65534u   /* nobody / nogroup, the kernel's overflow id */
struct dm_user_facts {
	const char *name;
	uid_t uid;
	gid_t gid;
	const char *shell;
	const char *prefix; /* the account prefix, "bulkhead" */
	bool is_reaper;     /* by name or uid */
	bool is_base;       /* the range base account, by name or uid */
	bool is_shared;     /* the shared fallback account */
	bool has_range;     /* a range base exists: */
	uid_t range_uid;    /* its uid and gid */
	gid_t range_gid;
	/* What the account database says besides (dm_user_scan): the uid
	 * and the gid must be this account's and its own group's alone. */
	const char *gid_shared;   /* another account with this primary gid */
	const char *uid_shared;   /* another account with this uid */
	const char *group_name;   /* the group of gid; NULL: none */
	const char *gid_group;    /* another group with this gid */
	const char *group_member; /* a member of a group with this gid */
	const char *member_group; /* that group */
	const char *supp_group;   /* a group it is a member of (not its gid) */
};
/* 0 if the account may run a device model, else -1 with why. */
int dm_user_check(const struct dm_user_facts *f, char *why, size_t whylen);

/* Sets the database fields of f (name, uid and gid set) to point into
 * o, from NSS when passwd and group are NULL, else from those streams
 * (passwd(5) and group(5) text, read from the start; for tests). */
struct dm_user_others {
	char uid_shared[64], gid_shared[64], group_name[64], gid_group[64];
	char group_member[64], member_group[64], supp_group[64];
};
void dm_user_scan(struct dm_user_facts *f, struct dm_user_others *o,
		  FILE *passwd, FILE *group);

/* Choose the identity for VM vmid. dm_user may be "" (unset). On error
 * returns -1 with a message in why. *warn is set to a warning text, or
 * "" when there is nothing to warn about. */
int ident_select(bool dm_restrict, const char *dm_user, unsigned vmid,
		 struct dm_identity *out, char *why, size_t whylen, char *warn,
		 size_t warnlen);
const char *ident_kind_name(enum ident_kind k);

/* The identity of a VM's device backends (bulkhead-blk, bulkhead-rng).
 * With range uids the backends get one of their own, base + 32768 + vmid
 * (the range's unused upper half), so a compromised device model and a
 * compromised backend cannot signal, trace or read each other; checked
 * to belong to no account or group. With a named or shared identity
 * there is no second uid to take and the backends share the device
 * model's (their pid namespaces still keep them apart). -1 with why. */
#define BACKEND_UID_OFFSET 32768u
int ident_backend(const struct dm_identity *dm, struct dm_identity *out,
		  char *why, size_t whylen);

#endif
