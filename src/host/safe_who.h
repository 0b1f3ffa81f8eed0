/* Whose files a path may name. A config that root owns may name any file
 * (safe_open's walk still refuses what a user could redirect). A config
 * that a user owns may name only files that user could open itself with
 * the same access: root must not read /etc/shadow, another tenant's 0600
 * image or a root-only device for a VM because a user wrote its name.
 *
 * The check is the kernel's own rule, done by root on the checked inode
 * (no second lookup, nothing run as the user): search on every directory
 * walked, read and/or write on the file, by owner, group or other mode
 * bits, or by the POSIX ACL when the inode has one. The user's groups are
 * its account's (passwd and group databases, as login and sudo give
 * them; a uid with no account is judged for any groups it may hold). Capabilities, LSMs and idmapped mounts are not modelled: the
 * user is taken to have none of the first, and the second can only
 * refuse more. */
#ifndef BULKHEAD_SAFE_WHO_H
#define BULKHEAD_SAFE_WHO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SAFE_GROUPS_MAX 256

struct safe_who {
	uid_t uid; /* 0: root, nothing checked */
	gid_t gid;
	int ngroups;
	gid_t groups[SAFE_GROUPS_MAX];
	bool no_account; /* groups unknown: group and other bits must both
			  * grant, and an ACL refuses */
};

/* The account of uid, with its groups. A uid with no account may be in
 * any group or none: it gets what both the group and the other bits
 * grant, and nothing that has an ACL. 0, or -errno with why. */
int safe_who_of(uid_t uid, struct safe_who *who, char *why, size_t whylen);

/* Whether who may access the inode at fd (O_PATH or open; st is its
 * fstat) with want (R_OK|W_OK|X_OK). 0, -EACCES, or -errno when its ACL
 * cannot be read. Always 0 for root. */
int safe_who_may(const struct safe_who *who, int fd, const struct stat *st,
		 int want);

/* R_OK, W_OK or both, as open flags ask. */
int safe_who_want(int flags);

#endif
