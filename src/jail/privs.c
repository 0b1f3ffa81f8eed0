#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"

/* Xen's dm_restrict limits (docs/designs/qemu-deprivilege.md); the
 * rest are "why not". FSIZE and NOFILE come from the caller. */
static const struct {
	unsigned bit;
	int res;
	const char *name;
} fixed_limits[] = {
	{ JAIL_RL_CORE, RLIMIT_CORE, "CORE" },
	{ JAIL_RL_MSGQUEUE, RLIMIT_MSGQUEUE, "MSGQUEUE" },
	{ JAIL_RL_LOCKS, RLIMIT_LOCKS, "LOCKS" },
	{ JAIL_RL_MEMLOCK, RLIMIT_MEMLOCK, "MEMLOCK" },
};

/* The limits named in which (JAIL_RL_*), soft = hard: the fixed ones to
 * 0, FSIZE and NOFILE to the values given. */
int
jail_set_rlimits(unsigned which, unsigned long nofile, unsigned long long fsize,
		 char *why, size_t whylen)
{
	struct rlimit rl = { 0, 0 };

	for (size_t i = 0; i < sizeof(fixed_limits) / sizeof(fixed_limits[0]);
	     i++) {
		if (!(which & fixed_limits[i].bit))
			continue;
		if (setrlimit(fixed_limits[i].res, &rl) < 0) {
			snprintf(why, whylen, "setrlimit %s: %s",
				 fixed_limits[i].name, strerror(errno));
			return -errno;
		}
	}
	rl = (struct rlimit){ (rlim_t)fsize, (rlim_t)fsize };
	if ((which & JAIL_RL_FSIZE) && setrlimit(RLIMIT_FSIZE, &rl) < 0) {
		snprintf(why, whylen, "setrlimit FSIZE: %s", strerror(errno));
		return -errno;
	}
	rl = (struct rlimit){ nofile, nofile };
	if ((which & JAIL_RL_NOFILE) && setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		snprintf(why, whylen, "setrlimit NOFILE: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int
fail(char *why, size_t whylen, const char *what)
{
	int e = errno;
	snprintf(why, whylen, "%s: %s", what, strerror(e));
	return -e;
}

/* No supplementary groups, then the gid while we may still change it,
 * then the uid (which, from 0, clears the permitted, effective and
 * ambient sets). */
static int
set_ids(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	if (setgroups(0, NULL) < 0)
		return fail(why, whylen, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return fail(why, whylen, "setresgid");
	if (setresuid(uid, uid, uid) < 0)
		return fail(why, whylen, "setresuid");
	return 0;
}

/* Order: drop the bounding set while we still hold CAP_SETPCAP, then
 * groups and gids while we may still change them, then uids (which clears
 * the permitted and effective sets), then the inheritable set, then
 * no_new_privs so no exec can gain anything back. */
int
jail_drop_privileges(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	if (uid == 0 || gid == 0) {
		errno = EPERM;
		return fail(why, whylen, "refusing to run as uid/gid 0");
	}
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(why, whylen, "PR_CAPBSET_DROP");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return fail(why, whylen, "PR_CAP_AMBIENT_CLEAR_ALL");
	int rc = set_ids(uid, gid, why, whylen);
	if (rc < 0)
		return rc;

	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(why, whylen, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(why, whylen, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(why, whylen, "PR_SET_DUMPABLE");

	/* Verify rather than trust: a silently failed drop is the worst
	 * outcome here. */
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid ||
	    sg != gid || getgroups(0, NULL) != 0) {
		errno = EPERM;
		return fail(why, whylen, "identity check after drop");
	}
	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0 || data[0].effective ||
	    data[0].permitted || data[0].inheritable || data[1].effective ||
	    data[1].permitted || data[1].inheritable) {
		errno = EPERM;
		return fail(why, whylen, "capabilities remain after drop");
	}
	if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0) {
		errno = EPERM;
		return fail(why, whylen, "bounding set not empty");
	}
	return 0;
}
