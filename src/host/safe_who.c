#include "safe_who.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

int
safe_who_of(uid_t uid, struct safe_who *who, char *why, size_t whylen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	memset(who, 0, sizeof(*who));
	if (uid == 0)
		return 0;
	int rc = getpwuid_r(uid, &pw, buf, sizeof(buf), &res);
	who->uid = uid;
	if (rc != 0) {
		snprintf(why, whylen, "uid %u: account lookup: %s",
			 (unsigned)uid, strerror(rc));
		return -rc;
	}
	if (!res) {
		who->gid = (gid_t)-1;
		who->no_account = true;
		return 0;
	}
	who->gid = pw.pw_gid;
	who->ngroups = SAFE_GROUPS_MAX;
	if (getgrouplist(pw.pw_name, pw.pw_gid, who->groups, &who->ngroups) <
	    0) {
		snprintf(why, whylen, "uid %u is in more than %d groups",
			 (unsigned)uid, SAFE_GROUPS_MAX);
		return -E2BIG;
	}
	return 0;
}

static bool
in_group(const struct safe_who *who, gid_t gid)
{
	if (gid == who->gid)
		return true;
	for (int i = 0; i < who->ngroups; i++)
		if (who->groups[i] == gid)
			return true;
	return false;
}

/* The on-disk POSIX ACL (system.posix_acl_access): a 4-byte version 2,
 * then entries of { le16 tag, le16 perm, le32 id }, sorted by tag. */
enum {
	ACL_UOBJ = 0x01,
	ACL_U = 0x02,
	ACL_GOBJ = 0x04,
	ACL_G = 0x08,
	ACL_M = 0x10,
	ACL_O = 0x20,
};

static unsigned
le(const unsigned char *p, int n)
{
	unsigned v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The mask's bits, or all when the ACL has none. */
static unsigned
acl_mask(const unsigned char *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (le(e + 8 * i, 2) == ACL_M)
			return le(e + 8 * i + 2, 2);
	return 7;
}

/* The kernel's posix_acl_permission, for a non-owner (the owner is
 * judged by the mode's owner bits, which are the ACL's USER_OBJ). */
static int
acl_may(const struct safe_who *who, const struct stat *st,
	const unsigned char *acl, size_t len, unsigned want)
{
	const unsigned char *e = acl + 4;
	bool found = false;

	if (len < 4 || (len - 4) % 8 || le(acl, 4) != 2)
		return -EINVAL;
	size_t n = (len - 4) / 8;
	unsigned mask = acl_mask(e, n);
	for (size_t i = 0; i < n; i++) {
		unsigned tag = le(e + 8 * i, 2), perm = le(e + 8 * i + 2, 2);
		unsigned id = le(e + 8 * i + 4, 4);
		bool match = (tag == ACL_U && id == who->uid) ||
			     (tag == ACL_GOBJ && in_group(who, st->st_gid)) ||
			     (tag == ACL_G && in_group(who, (gid_t)id));
		if (tag == ACL_U && match)
			return (perm & mask & want) == want ? 0 : -EACCES;
		if ((tag == ACL_GOBJ || tag == ACL_G) && match) {
			found = true;
			if ((perm & mask & want) == want)
				return 0;
		}
		if (tag == ACL_O)
			return !found && (perm & want) == want ? 0 : -EACCES;
	}
	return -EACCES; /* no ACL_OTHER: malformed, refused */
}

int
safe_who_may(const struct safe_who *who, int fd, const struct stat *st,
	     int want)
{
	unsigned w = (unsigned)want & 7, mode = st->st_mode & 0777;
	unsigned char acl[4 + 8 * 64];
	char proc[64];

	if (!who || who->uid == 0)
		return 0;
	if (st->st_uid == who->uid)
		return ((mode >> 6) & w) == w ? 0 : -EACCES;
	/* By path, not fgetxattr: fd may be O_PATH. The magic link names
	 * the checked inode; its filesystem is not FUSE (checked before). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = getxattr(proc, "system.posix_acl_access", acl, sizeof(acl));
	if (n >= 0)
		return who->no_account ? -EACCES
				       : acl_may(who, st, acl, (size_t)n, w);
	if (errno != ENODATA && errno != EOPNOTSUPP)
		return -errno;
	if (who->no_account)
		mode &= mode >> 3; /* in the group or not: both must grant */
	else if (in_group(who, st->st_gid))
		mode >>= 3;
	return (mode & w) == w ? 0 : -EACCES;
}

int
safe_who_want(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return (flags & O_TRUNC) ? R_OK | W_OK : R_OK;
	case O_WRONLY:
		return W_OK;
	default:
		return R_OK | W_OK;
	}
}
