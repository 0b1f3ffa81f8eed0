#include "recover.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/paths.h"
#include "../common/util.h"
#include "accounts.h"
#include "cgroup.h"
#include "vmdir.h"

/* The id whose file in BH_ID_DIR holds name; 0 if none. */
static unsigned
id_of(const char *name)
{
	DIR *d = opendir(BH_ID_DIR);
	struct dirent *e;
	unsigned id = 0;

	if (!d)
		return 0;
	while (!id && (e = readdir(d)) != NULL) {
		char p[PATH_MAX], *text;
		size_t len;
		uint64_t v;
		if (parse_u64(e->d_name, VMID_MIN, VMID_MAX, &v) < 0 ||
		    path_fmt(p, sizeof(p), "%s/%s", BH_ID_DIR, e->d_name) < 0 ||
		    file_read_all(p, BH_NAME_MAX + 1, &text, &len) < 0)
			continue;
		if (len == strlen(name) && memcmp(text, name, len) == 0)
			id = (unsigned)v;
		free(text);
	}
	closedir(d);
	return id;
}

/* Real uid of the first process in NAME's cgroup; -1 if none. */
static long
cgroup_member_uid(const char *name)
{
	char buf[32], p[64], *text;
	long uid = -1;
	unsigned r;

	if (cgroup_read(name, "pids", "cgroup.procs", buf, sizeof(buf)) < 0 ||
	    !buf[0] || path_fmt(p, sizeof(p), "/proc/%s/status", buf) < 0 ||
	    file_read_all(p, 16384, &text, NULL) < 0)
		return -1;
	const char *line = strstr(text, "\nUid:");
	if (line && sscanf(line, "\nUid: %u", &r) == 1)
		uid = (long)r;
	free(text);
	return uid;
}

int
recover_find(const char *name, struct vm_record *r)
{
	char dir[PATH_MAX];
	bool found = false;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->vmid = id_of(name);
	found |= r->vmid != 0;
	long member = cgroup_member_uid(name);
	found |= member >= 0 || cgroup_count(name) > 0;
	found |= vmdir_path(dir, sizeof(dir), name) == 0 &&
		 access(dir, F_OK) == 0;
	/* Kill by uid only where it is provably this VM's: the range uid of
	 * its id, and what its cgroup's processes run as (a device_model_user
	 * VM is then killed through its cgroup alone). */
	struct dm_identity id;
	char why[256], warn[256];
	if (r->vmid &&
	    ident_select(true, "", r->vmid, &id, why, sizeof(why), warn,
			 sizeof(warn)) == 0 &&
	    id.kind == IDENT_RANGE && (member < 0 || member == (long)id.uid)) {
		r->uid = id.uid;
		r->gid = id.gid;
		r->uid_exclusive = true;
		r->reaper_uid = id.reaper_uid;
		snprintf(r->ident, sizeof(r->ident), "%s",
			 ident_kind_name(IDENT_RANGE));
	}
	return found ? 0 : -ENOENT;
}
