/* cgroup v2: one unified hierarchy; bulkhead/ delegates its controllers
 * to the VMs' groups; cgroup.kill kills a group whole. */
#include "cgroup_ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/util.h"

#define CGROUP2_MAGIC_NR 0x63677270

static const char *const v2_hiers[] = { NULL };

/* Controllers delegated to bulkhead/ and its VMs. memory and pids are
 * required; cpu, io and cpuset only where the host can delegate them (a
 * limit that needs one then fails with a clear message). */
static const struct {
	const char *name;
	int required;
} v2_ctrls[] = { { "memory", 1 },
		 { "pids", 1 },
		 { "cpu", 0 },
		 { "io", 0 },
		 { "cpuset", 0 } };

/* The I/O limits' keys in io.max, in cg_io_limit()'s order. */
static const char *const io_keys[CG_IO_KEYS] = { "rbps", "wbps", "riops",
						 "wiops" };

static int
v2_probe(const char *root)
{
	struct statfs sf;

	return statfs(root, &sf) == 0 &&
	       (unsigned long)sf.f_type == CGROUP2_MAGIC_NR;
}

static int
v2_group_dir(const struct cg_host *h, const char *hier, const char *name,
	     char *buf, size_t len)
{
	(void)hier;
	return path_fmt(buf, len, "%s/" CG_PARENT "/%s", h->root, name);
}

static int
v2_prepare(const struct cg_host *h, const char *hier)
{
	char parent[CG_PATH_MAX], v[32];

	if (v2_group_dir(h, hier, "", parent, sizeof(parent)) < 0)
		return -ENAMETOOLONG;
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* One at a time: a write naming an unavailable controller changes
	 * nothing at all. */
	for (size_t i = 0; i < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); i++) {
		snprintf(v, sizeof(v), "+%s", v2_ctrls[i].name);
		(void)cg_file_write(h->root, "cgroup.subtree_control", v);
		int rc = cg_file_write(parent, "cgroup.subtree_control", v);
		if (rc < 0 && v2_ctrls[i].required)
			return rc;
	}
	return 0;
}

static int
v2_memory_limit(const char *dir, uint64_t bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	int rc = cg_file_write(dir, "memory.max", v);
	/* No swap: a VM's memory is what it is given. The file is absent
	 * without swap accounting; that is fine. */
	int s = rc == 0 ? cg_file_write(dir, "memory.swap.max", "0") : 0;
	if (s < 0 && s != -ENOENT)
		rc = s;
	/* An OOM kill takes the whole VM, not one thread of it. */
	return rc < 0 ? rc : cg_file_write(dir, "memory.oom.group", "1");
}

/* One io.max line per device; keys left out stay unlimited. */
static int
v2_io_limits(const char *dir, const struct cg_limits *l)
{
	for (size_t i = 0; i < l->nio_devs; i++) {
		char line[160];
		int n = snprintf(line, sizeof(line), "%u:%u",
				 l->io_devs[i].major, l->io_devs[i].minor);
		for (size_t k = 0; k < CG_IO_KEYS; k++)
			if (cg_io_limit(l, k))
				n += snprintf(
					line + n, sizeof(line) - (size_t)n,
					" %s=%llu", io_keys[k],
					(unsigned long long)cg_io_limit(l, k));
		int rc = cg_file_write(dir, "io.max", line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
v2_set_limits(const char *hier, const char *dir, const struct cg_limits *l)
{
	char v[64];
	int rc = 0;

	(void)hier;
	if (l->memory_bytes)
		rc = v2_memory_limit(dir, l->memory_bytes);
	if (rc == 0 && l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		rc = cg_file_write(dir, "pids.max", v);
	}
	/* The default weight is the kernel's own: not writing it lets VMs
	 * start where the cpu controller is not delegated to us. */
	if (rc == 0 && l->cpu_weight && l->cpu_weight != 100) {
		snprintf(v, sizeof(v), "%u", l->cpu_weight);
		rc = cg_file_write(dir, "cpu.weight", v);
	}
	if (rc == 0 && l->cpu_cap) {
		snprintf(v, sizeof(v), "%u 100000", l->cpu_cap * 1000);
		rc = cg_file_write(dir, "cpu.max", v);
	}
	/* Empty, a v2 cpuset is its parent's: written only for cpus. */
	if (rc == 0 && l->cpus[0])
		rc = cg_file_write(dir, "cpuset.cpus", l->cpus);
	return rc < 0 ? rc : v2_io_limits(dir, l);
}

static int
v2_kill(const struct cg_host *h, const char *name)
{
	char dir[CG_PATH_MAX];

	if (v2_group_dir(h, NULL, name, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	if (access(dir, F_OK) < 0)
		return 0;
	/* cgroup.kill arrived in Linux 5.14; before it, kill each listed
	 * task (the caller repeats until the group is empty). */
	if (cg_file_write(dir, "cgroup.kill", "1") == -ENOENT)
		cg_procs_kill(dir);
	return 0;
}

static int
v2_get_limits(const struct cg_host *h, const char *name, struct cg_limits *l)
{
	unsigned long long q, p;
	char v[64] = "";

	l->memory_bytes = cg_read_u64(h, name, NULL, "memory.max");
	l->pids_max = cg_read_u64(h, name, NULL, "pids.max");
	l->cpu_weight = (unsigned)cg_read_u64(h, name, NULL, "cpu.weight");
	if (cg_read(h, name, NULL, "cpu.max", v, sizeof(v)) == 0 &&
	    sscanf(v, "%llu %llu", &q, &p) == 2 && p)
		l->cpu_cap = (unsigned)(q * 100 / p);
	if (cg_read(h, name, NULL, "cpuset.cpus", l->cpus, sizeof(l->cpus)) < 0)
		l->cpus[0] = '\0';
	return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
	.mode = CG_V2,
	.hiers = v2_hiers,
	.nhier = 1,
	.probe = v2_probe,
	.group_dir = v2_group_dir,
	.prepare = v2_prepare,
	.set_limits = v2_set_limits,
	.kill = v2_kill,
	.get_limits = v2_get_limits,
};
