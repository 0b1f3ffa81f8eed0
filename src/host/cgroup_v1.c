/* cgroup v1 (and the v1 side of a hybrid host): one hierarchy per
 * controller, a group in each; no cgroup.kill, so the freezer stops a
 * group while its tasks are killed one by one. */
#include "cgroup_ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/util.h"

#define CGROUP1_MAGIC_NR 0x27e0eb

/* The controllers we use, each its own hierarchy; freezer only for
 * killing; cpuset for cpus (its groups start with no CPUs and no memory
 * nodes, so each is given its parent's or cpus'). */
static const char *const v1_hiers[] = { "memory", "pids",    "cpu",
					"blkio",  "freezer", "cpuset" };

/* The I/O limits' files, in cg_io_limit()'s order. */
static const char *const io_files[CG_IO_KEYS] = {
	"blkio.throttle.read_bps_device",
	"blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device",
	"blkio.throttle.write_iops_device",
};

static int
v1_probe(const char *root)
{
	struct statfs sf;
	char p[CG_PATH_MAX];

	for (size_t i = 0; i < sizeof(v1_hiers) / sizeof(v1_hiers[0]); i++)
		if (path_fmt(p, sizeof(p), "%s/%s", root, v1_hiers[i]) < 0 ||
		    statfs(p, &sf) < 0 ||
		    (unsigned long)sf.f_type != CGROUP1_MAGIC_NR)
			return 0;
	return 1;
}

static int
v1_group_dir(const struct cg_host *h, const char *hier, const char *name,
	     char *buf, size_t len)
{
	if (!hier)
		return -EINVAL;
	return path_fmt(buf, len, "%s/%s/" CG_PARENT "/%s", h->root, hier,
			name);
}

/* A cpuset group's memory nodes and CPUs: cpus, or else its parent's
 * (the directory above dir). A group without both takes no task. */
static int
v1_cpuset(const char *dir, const char *cpus)
{
	char parent[CG_PATH_MAX], v[4096];
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/') /* bulkhead/ is named "bulkhead/" */
		n--;
	while (n > 0 && dir[n - 1] != '/')
		n--;
	if (n < 2 || n > sizeof(parent))
		return -EINVAL;
	memcpy(parent, dir, n - 1);
	parent[n - 1] = '\0';
	int rc = cg_file_read(parent, "cpuset.mems", v, sizeof(v));
	if (rc == 0)
		rc = cg_file_write(dir, "cpuset.mems", v);
	if (rc == 0 && !cpus[0] &&
	    (rc = cg_file_read(parent, "cpuset.cpus", v, sizeof(v))) == 0)
		cpus = v;
	return rc < 0 ? rc : cg_file_write(dir, "cpuset.cpus", cpus);
}

static int
v1_prepare(const struct cg_host *h, const char *hier)
{
	char parent[CG_PATH_MAX], v[8] = "";

	if (v1_group_dir(h, hier, "", parent, sizeof(parent)) < 0)
		return -ENAMETOOLONG;
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* bulkhead/ itself, made empty: the whole host's CPUs and nodes. */
	if (!strcmp(hier, "cpuset") &&
	    (cg_file_read(parent, "cpuset.mems", v, sizeof(v)) < 0 || !v[0]))
		return v1_cpuset(parent, "");
	return 0;
}

static int
v1_memory_limit(const char *dir, uint64_t bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	int rc = cg_file_write(dir, "memory.limit_in_bytes", v);
	/* With swap accounting, bound memory+swap the same; the file is
	 * absent without it. */
	int s = rc == 0 ? cg_file_write(dir, "memory.memsw.limit_in_bytes", v)
			: 0;
	return (s < 0 && s != -ENOENT) ? s : rc;
}

static int
v1_cpu_limits(const char *dir, const struct cg_limits *l)
{
	char v[32];

	/* v2 weight 100 = v1 shares 1024. */
	if (l->cpu_weight) {
		unsigned shares = l->cpu_weight * 1024 / 100;
		snprintf(v, sizeof(v), "%u", shares < 2 ? 2 : shares);
		int rc = cg_file_write(dir, "cpu.shares", v);
		if (rc < 0)
			return rc;
	}
	if (l->cpu_cap) {
		int rc = cg_file_write(dir, "cpu.cfs_period_us", "100000");
		snprintf(v, sizeof(v), "%u", l->cpu_cap * 1000);
		return rc < 0 ? rc : cg_file_write(dir, "cpu.cfs_quota_us", v);
	}
	return 0;
}

/* blkio: one file per limit, one "MAJ:MIN value" line per device. */
static int
v1_io_limits(const char *dir, const struct cg_limits *l)
{
	char v[96];

	for (size_t i = 0; i < l->nio_devs; i++)
		for (size_t k = 0; k < CG_IO_KEYS; k++) {
			if (!cg_io_limit(l, k))
				continue;
			snprintf(v, sizeof(v), "%u:%u %llu",
				 l->io_devs[i].major, l->io_devs[i].minor,
				 (unsigned long long)cg_io_limit(l, k));
			int rc = cg_file_write(dir, io_files[k], v);
			if (rc < 0)
				return rc;
		}
	return 0;
}

static int
v1_set_limits(const char *hier, const char *dir, const struct cg_limits *l)
{
	char v[32];

	if (!strcmp(hier, "memory") && l->memory_bytes)
		return v1_memory_limit(dir, l->memory_bytes);
	if (!strcmp(hier, "pids") && l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		return cg_file_write(dir, "pids.max", v);
	}
	if (!strcmp(hier, "cpu"))
		return v1_cpu_limits(dir, l);
	if (!strcmp(hier, "blkio"))
		return v1_io_limits(dir, l);
	if (!strcmp(hier, "cpuset"))
		return v1_cpuset(dir, l->cpus);
	return 0;
}

/* Freeze so nothing forks meanwhile, SIGKILL each task listed, thaw so
 * the kills are delivered. */
static int
v1_kill(const struct cg_host *h, const char *name)
{
	char dir[CG_PATH_MAX];

	if (v1_group_dir(h, "freezer", name, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	if (access(dir, F_OK) < 0)
		return 0;
	int rc = cg_file_write(dir, "freezer.state", "FROZEN");
	for (int i = 0; rc == 0 && i < 100; i++) {
		char st[32] = "";
		(void)cg_file_read(dir, "freezer.state", st, sizeof(st));
		if (!strcmp(st, "FROZEN"))
			break;
		sleep_ms(10);
	}
	cg_procs_kill(dir);
	return cg_file_write(dir, "freezer.state", "THAWED");
}

static int
v1_get_limits(const struct cg_host *h, const char *name, struct cg_limits *l)
{
	l->memory_bytes =
		cg_read_u64(h, name, "memory", "memory.limit_in_bytes");
	l->pids_max = cg_read_u64(h, name, "pids", "pids.max");
	l->cpu_weight = (unsigned)(cg_read_u64(h, name, "cpu", "cpu.shares") *
				   100 / 1024);
	l->cpu_cap =
		(unsigned)(cg_read_u64(h, name, "cpu", "cpu.cfs_quota_us") /
			   1000);
	if (cg_read(h, name, "cpuset", "cpuset.cpus", l->cpus,
		    sizeof(l->cpus)) < 0)
		l->cpus[0] = '\0';
	return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
	.mode = CG_V1,
	.hiers = v1_hiers,
	.nhier = sizeof(v1_hiers) / sizeof(v1_hiers[0]),
	.probe = v1_probe,
	.group_dir = v1_group_dir,
	.prepare = v1_prepare,
	.set_limits = v1_set_limits,
	.kill = v1_kill,
	.get_limits = v1_get_limits,
};
