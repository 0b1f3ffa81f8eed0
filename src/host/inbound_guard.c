#include "inbound_guard.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "antispoof.h"
#include "cgroup.h"
#include "cgroup_ops.h"
#include "nft.h"

#define IG_FAMILY_TABLE "inet " ANTISPOOF_TABLE

int
inbound_guard_cmds(const char *vm, const char *group_path, char *buf,
		   size_t len)
{
	if (!antispoof_name_ok(vm) || strchr(group_path, '"'))
		return -EINVAL;
	/* Priority -300: before anyone's filter accepts it. The chain may
	 * exist (a second passt of the VM): adding it again is no error. */
	int n = snprintf(buf, len,
			 "add table " IG_FAMILY_TABLE "\n"
			 "add chain " IG_FAMILY_TABLE " pin-%s { type filter "
			 "hook input priority -300; policy accept; }\n"
			 "add rule " IG_FAMILY_TABLE " pin-%s socket cgroupv2 "
			 "level 2 \"%s\" ct state != { established, related } "
			 "drop\n",
			 vm, vm, group_path);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int
inbound_guard_install(const char *vm, const char *group, char *why,
		      size_t whylen)
{
	char dir[CG_PATH_MAX], buf[1024];
	const char *root = CG_ROOT "/";
	int rc = cgroup_v2_dir(group, dir, sizeof(dir));

	/* nft names a v2 group by its path below /sys/fs/cgroup. */
	if (rc < 0 || strncmp(dir, root, strlen(root)) != 0) {
		snprintf(why, whylen, "inbound guard: no v2 group for %s",
			 group);
		return -1;
	}
	rc = inbound_guard_cmds(vm, dir + strlen(root), buf, sizeof(buf));
	if (rc < 0) {
		snprintf(why, whylen, "inbound guard: %s", strerror(-rc));
		return -1;
	}
	return nft_run(buf, why, whylen);
}

int
inbound_guard_remove(const char *vm)
{
	char buf[512], why[256];

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	/* No table, or no chain of the VM's: nothing to remove (and no
	 * table made here). Asked, not read from nft's wording. */
	if (nft_run("list table " IG_FAMILY_TABLE, why, sizeof(why)) < 0)
		return 0;
	snprintf(buf, sizeof(buf), "list chain " IG_FAMILY_TABLE " pin-%s", vm);
	if (nft_run(buf, why, sizeof(why)) < 0)
		return 0;
	snprintf(buf, sizeof(buf), "delete chain " IG_FAMILY_TABLE " pin-%s",
		 vm);
	return nft_run(buf, why, sizeof(why)) < 0 ? -EIO : 0;
}
