#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/util.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_PARENT "bulkhead"
#define CGROUP2_MAGIC_NR 0x63677270
#define CGROUP1_MAGIC_NR 0x27e0eb

/* v1 controllers we use; freezer only for killing. */
static const char *const v1_ctrls[] = { "memory", "pids", "cpu", "blkio", "freezer" };
#define V1_N (sizeof(v1_ctrls) / sizeof(v1_ctrls[0]))

/* Hierarchies a VM's group lives in: one on v2, one per controller on v1. */
static size_t
hier_count(enum cg_mode m)
{
	return m == CG_V2 ? 1 : m == CG_V1 ? V1_N : 0;
}

static const char *
hier_ctrl(enum cg_mode m, size_t i)
{
	return m == CG_V2 ? NULL : v1_ctrls[i];
}

enum cg_mode
cgroup_detect(void)
{
	struct statfs sf;
	char p[64];

	if (statfs(CG_ROOT, &sf) < 0)
		return CG_NONE;
	if ((unsigned long)sf.f_type == CGROUP2_MAGIC_NR)
		return CG_V2;
	for (size_t i = 0; i < V1_N; i++) {
		snprintf(p, sizeof(p), CG_ROOT "/%s", v1_ctrls[i]);
		if (statfs(p, &sf) < 0 || (unsigned long)sf.f_type != CGROUP1_MAGIC_NR)
			return CG_NONE;
	}
	return CG_V1;
}

const char *
cgroup_mode_name(enum cg_mode m)
{
	switch (m) {
	case CG_V1:
		return "v1";
	case CG_V2:
		return "v2";
	case CG_NONE:
		return "none";
	default:
		return "?";
	}
}

static int
group_dir(char *buf, size_t len, enum cg_mode m, const char *ctrl,
	  const char *name)
{
	if (m == CG_V2)
		return path_fmt(buf, len, CG_ROOT "/" CG_PARENT "/%s", name);
	return path_fmt(buf, len, CG_ROOT "/%s/" CG_PARENT "/%s", ctrl, name);
}

static int
write_file(const char *dir, const char *file, const char *val)
{
	char p[512];

	if (path_fmt(p, sizeof(p), "%s/%s", dir, file) < 0)
		return -ENAMETOOLONG;
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, val, strlen(val));
	close(fd);
	return rc;
}

static int
count_dir(const char *dir)
{
	char p[512], *text;
	int n = 0;

	if (path_fmt(p, sizeof(p), "%s/cgroup.procs", dir) < 0 ||
	    file_read_all(p, 1 << 20, &text, NULL) < 0)
		return 0;
	for (char *c = text; *c; c++)
		n += (*c == '\n');
	free(text);
	return n;
}

/* v2 controllers delegated to bulkhead/ and its VMs. memory and pids
 * are required; cpu and io only where the host can delegate them (a
 * limit that needs one then fails with a clear message). */
static const struct {
	const char *name;
	int required;
} v2_ctrls[] = { { "memory", 1 }, { "pids", 1 }, { "cpu", 0 }, { "io", 0 } };

static int
ensure_parent(enum cg_mode m, const char *ctrl)
{
	char p[256], v[32];

	if (m == CG_V2) {
		if (mkdir(CG_ROOT "/" CG_PARENT, 0755) < 0 && errno != EEXIST)
			return -errno;
		/* One at a time: a write naming an unavailable controller
		 * changes nothing at all. */
		for (size_t i = 0; i < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); i++) {
			snprintf(v, sizeof(v), "+%s", v2_ctrls[i].name);
			(void)write_file(CG_ROOT, "cgroup.subtree_control", v);
			int rc = write_file(CG_ROOT "/" CG_PARENT,
					    "cgroup.subtree_control", v);
			if (rc < 0 && v2_ctrls[i].required)
				return rc;
		}
		return 0;
	}
	snprintf(p, sizeof(p), CG_ROOT "/%s/" CG_PARENT, ctrl);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
fresh_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* Left by a crash: reuse only if empty (rmdir refuses otherwise). */
	if (rmdir(dir) < 0)
		return errno == EBUSY ? -EBUSY : -errno;
	return mkdir(dir, 0755) < 0 ? -errno : 0;
}

/* The four I/O limits, by their names in each cgroup version. */
static const struct {
	const char *v2_key;  /* in io.max */
	const char *v1_file; /* blkio.throttle.* */
	size_t off;          /* of the value in struct cg_limits */
} io_keys[] = {
	{ "rbps", "blkio.throttle.read_bps_device", offsetof(struct cg_limits, read_bps) },
	{ "wbps", "blkio.throttle.write_bps_device", offsetof(struct cg_limits, write_bps) },
	{ "riops", "blkio.throttle.read_iops_device", offsetof(struct cg_limits, read_iops) },
	{ "wiops", "blkio.throttle.write_iops_device", offsetof(struct cg_limits, write_iops) },
};
#define IO_KEYS_N (sizeof(io_keys) / sizeof(io_keys[0]))

static uint64_t
io_val(const struct cg_limits *l, size_t k)
{
	uint64_t v;
	memcpy(&v, (const char *)l + io_keys[k].off, sizeof(v));
	return v;
}

static int
limits_v2(const char *dir, const struct cg_limits *l)
{
	char v[64];
	int rc = 0;

	if (l->memory_bytes) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_bytes);
		rc = write_file(dir, "memory.max", v);
		/* No swap: a VM's memory is what it is given. The file is
		 * absent without swap accounting; that is fine. */
		int s = rc == 0 ? write_file(dir, "memory.swap.max", "0") : 0;
		if (s < 0 && s != -ENOENT)
			rc = s;
		/* An OOM kill takes the whole VM, not one thread of it. */
		if (rc == 0)
			rc = write_file(dir, "memory.oom.group", "1");
	}
	if (rc == 0 && l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		rc = write_file(dir, "pids.max", v);
	}
	/* The default weight is the kernel's own: not writing it lets VMs
	 * start where the cpu controller is not delegated to us. */
	if (rc == 0 && l->cpu_weight && l->cpu_weight != 100) {
		snprintf(v, sizeof(v), "%u", l->cpu_weight);
		rc = write_file(dir, "cpu.weight", v);
	}
	if (rc == 0 && l->cpu_cap) {
		snprintf(v, sizeof(v), "%u 100000", l->cpu_cap * 1000);
		rc = write_file(dir, "cpu.max", v);
	}
	for (size_t i = 0; rc == 0 && i < l->nio_devs; i++) {
		/* Keys left out stay unlimited. */
		char line[160];
		int n = snprintf(line, sizeof(line), "%u:%u", l->io_devs[i].major,
				 l->io_devs[i].minor);
		for (size_t k = 0; k < IO_KEYS_N; k++)
			if (io_val(l, k))
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
					      io_keys[k].v2_key,
					      (unsigned long long)io_val(l, k));
		rc = write_file(dir, "io.max", line);
	}
	return rc;
}

/* v1 blkio: one file per limit, one "MAJ:MIN value" line per device. */
static int
io_limits_v1(const char *dir, const struct cg_limits *l)
{
	char v[96];

	for (size_t i = 0; i < l->nio_devs; i++)
		for (size_t k = 0; k < IO_KEYS_N; k++) {
			if (!io_val(l, k))
				continue;
			snprintf(v, sizeof(v), "%u:%u %llu", l->io_devs[i].major,
				 l->io_devs[i].minor, (unsigned long long)io_val(l, k));
			int rc = write_file(dir, io_keys[k].v1_file, v);
			if (rc < 0)
				return rc;
		}
	return 0;
}

static int
limits_v1(const char *ctrl, const char *dir, const struct cg_limits *l)
{
	char v[64];

	if (!strcmp(ctrl, "memory") && l->memory_bytes) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory_bytes);
		int rc = write_file(dir, "memory.limit_in_bytes", v);
		/* With swap accounting, bound memory+swap the same; the file
		 * is absent without it. */
		int s = rc == 0 ? write_file(dir, "memory.memsw.limit_in_bytes", v) : 0;
		return (s < 0 && s != -ENOENT) ? s : rc;
	}
	if (!strcmp(ctrl, "blkio"))
		return io_limits_v1(dir, l);
	if (!strcmp(ctrl, "pids") && l->pids_max) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids_max);
		return write_file(dir, "pids.max", v);
	}
	if (!strcmp(ctrl, "cpu")) {
		/* v2 weight 100 = v1 shares 1024. */
		if (l->cpu_weight) {
			unsigned shares = l->cpu_weight * 1024 / 100;
			snprintf(v, sizeof(v), "%u", shares < 2 ? 2 : shares);
			int rc = write_file(dir, "cpu.shares", v);
			if (rc < 0)
				return rc;
		}
		if (l->cpu_cap) {
			int rc = write_file(dir, "cpu.cfs_period_us", "100000");
			snprintf(v, sizeof(v), "%u", l->cpu_cap * 1000);
			return rc < 0 ? rc : write_file(dir, "cpu.cfs_quota_us", v);
		}
	}
	return 0;
}

int
cgroup_create(const char *name, const struct cg_limits *l, char *why,
	      size_t whylen)
{
	enum cg_mode m = cgroup_detect();
	char dir[512];
	int rc;

	if (m == CG_NONE) {
		snprintf(why, whylen, "no usable cgroup hierarchy under " CG_ROOT);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < hier_count(m); i++) {
		const char *ctrl = hier_ctrl(m, i);
		if ((rc = ensure_parent(m, ctrl)) < 0 ||
		    (rc = group_dir(dir, sizeof(dir), m, ctrl, name)) < 0 ||
		    (rc = fresh_dir(dir)) < 0 ||
		    (rc = m == CG_V2 ? limits_v2(dir, l) : limits_v1(ctrl, dir, l)) < 0) {
			snprintf(why, whylen, "cgroup %s%s%s: %s", m == CG_V2 ? "" : ctrl,
				 m == CG_V2 ? "" : " ", name,
				 rc == -EBUSY	 ? "a stale group still holds processes"
				 : rc == -ENOENT ? "a limit's controller is not available "
						   "(not delegated or not built in)"
						 : strerror(-rc));
			cgroup_remove(name);
			return rc;
		}
	}
	return 0;
}

int
cgroup_enter_self(const char *name, char *why, size_t whylen)
{
	enum cg_mode m = cgroup_detect();
	char dir[512];

	for (size_t i = 0; i < hier_count(m); i++) {
		const char *ctrl = hier_ctrl(m, i);
		int rc = group_dir(dir, sizeof(dir), m, ctrl, name);
		/* "0" moves the writer, whatever its pid namespace. */
		if (rc == 0)
			rc = write_file(dir, "cgroup.procs", "0");
		if (rc < 0) {
			snprintf(why, whylen, "enter cgroup %s: %s", dir, strerror(-rc));
			return rc;
		}
	}
	return m == CG_NONE ? -ENOTSUP : 0;
}

int
cgroup_count(const char *name)
{
	enum cg_mode m = cgroup_detect();
	char dir[512];
	int n = 0;

	for (size_t i = 0; i < hier_count(m); i++) {
		const char *ctrl = hier_ctrl(m, i);
		if (group_dir(dir, sizeof(dir), m, ctrl, name) == 0) {
			int c = count_dir(dir);
			n = c > n ? c : n;
		}
	}
	return n;
}

/* SIGKILL every task listed in dir's cgroup.procs. */
static void
kill_listed(const char *dir)
{
	char p[600], *text;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (file_read_all(p, 1 << 20, &text, NULL) < 0)
		return;
	for (char *s = text, *e; *s; s = e) {
		long pid = strtol(s, &e, 10);
		if (e == s)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*e == '\n')
			e++;
	}
	free(text);
}

/* v1 has no cgroup.kill: freeze so nothing forks meanwhile, SIGKILL each
 * task listed, thaw so the kills are delivered. */
static int
kill_v1(const char *name)
{
	char dir[512], p[600];

	if (group_dir(dir, sizeof(dir), CG_V1, "freezer", name) < 0)
		return -ENAMETOOLONG;
	if (access(dir, F_OK) < 0)
		return 0;
	int rc = write_file(dir, "freezer.state", "FROZEN");
	for (int i = 0; rc == 0 && i < 100; i++) {
		char st[32] = "";
		snprintf(p, sizeof(p), "%s/freezer.state", dir);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!read(fd, st, sizeof(st) - 1);
			close(fd);
		}
		if (!strncmp(st, "FROZEN", 6))
			break;
		sleep_ms(10);
	}
	kill_listed(dir);
	return write_file(dir, "freezer.state", "THAWED");
}

int
cgroup_kill(const char *name)
{
	enum cg_mode m = cgroup_detect();
	char dir[512];

	if (m == CG_V2) {
		if (group_dir(dir, sizeof(dir), m, NULL, name) < 0)
			return -ENAMETOOLONG;
		if (access(dir, F_OK) < 0)
			return 0;
		/* cgroup.kill arrived in Linux 5.14; before it, kill each
		 * listed task (the caller repeats until the group is empty). */
		if (write_file(dir, "cgroup.kill", "1") == -ENOENT)
			kill_listed(dir);
		return 0;
	}
	return m == CG_V1 ? kill_v1(name) : 0;
}

static int
remove_once(enum cg_mode m, const char *name)
{
	char dir[512];
	int rc = 0;

	for (size_t i = 0; i < hier_count(m); i++) {
		const char *ctrl = hier_ctrl(m, i);
		if (group_dir(dir, sizeof(dir), m, ctrl, name) == 0 &&
		    rmdir(dir) < 0 && errno != ENOENT)
			rc = -errno;
	}
	return rc;
}

int
cgroup_remove(const char *name)
{
	enum cg_mode m = cgroup_detect();
	int rc = remove_once(m, name);

	/* A group just emptied by a kill stays busy for a moment while its
	 * last task is released: retry for up to a second. */
	for (int i = 0; i < 50 && rc == -EBUSY; i++) {
		sleep_ms(20);
		rc = remove_once(m, name);
	}
	return rc;
}

int
cgroup_backend_name(char *buf, size_t len, const char *vm, const char *dev)
{
	return path_fmt(buf, len, "%s+%s", vm, dev);
}

size_t
cgroup_backend_groups(const char *vm, char (*names)[CG_NAME_MAX], size_t max)
{
	enum cg_mode m = cgroup_detect();
	size_t n = 0, vlen = strlen(vm);
	char dir[512];
	struct dirent *e;
	DIR *d;

	/* Every hierarchy holds the same groups: look in the first. */
	if (hier_count(m) == 0 ||
	    group_dir(dir, sizeof(dir), m, hier_ctrl(m, 0), "") < 0 ||
	    !(d = opendir(dir)))
		return 0;
	while (n < max && (e = readdir(d))) {
		if (e->d_type != DT_DIR || strncmp(e->d_name, vm, vlen) != 0 ||
		    e->d_name[vlen] != '+' || strlen(e->d_name) >= CG_NAME_MAX)
			continue;
		snprintf(names[n++], CG_NAME_MAX, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

int
cgroup_read(const char *name, const char *controller, const char *file,
	    char *buf, size_t len)
{
	enum cg_mode m = cgroup_detect();
	char dir[512], p[600];

	if (group_dir(dir, sizeof(dir), m, controller, name) < 0 ||
	    path_fmt(p, sizeof(p), "%s/%s", dir, file) < 0)
		return -ENAMETOOLONG;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read_full(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static uint64_t
read_u64(const char *name, const char *ctrl, const char *file)
{
	char v[64] = "";

	if (cgroup_read(name, ctrl, file, v, sizeof(v)) < 0 || !strncmp(v, "max", 3) ||
	    v[0] == '-')
		return 0;
	return strtoull(v, NULL, 10);
}

int
cgroup_get_limits(const char *name, struct cg_limits *l)
{
	enum cg_mode m = cgroup_detect();
	char v[64] = "";

	memset(l, 0, sizeof(*l));
	if (m == CG_V2) {
		l->memory_bytes = read_u64(name, NULL, "memory.max");
		l->pids_max = read_u64(name, NULL, "pids.max");
		l->cpu_weight = (unsigned)read_u64(name, NULL, "cpu.weight");
		unsigned long long q, p;
		if (cgroup_read(name, NULL, "cpu.max", v, sizeof(v)) == 0 &&
		    sscanf(v, "%llu %llu", &q, &p) == 2 && p)
			l->cpu_cap = (unsigned)(q * 100 / p);
	} else if (m == CG_V1) {
		l->memory_bytes = read_u64(name, "memory", "memory.limit_in_bytes");
		l->pids_max = read_u64(name, "pids", "pids.max");
		l->cpu_weight = (unsigned)(read_u64(name, "cpu", "cpu.shares") * 100 / 1024);
		l->cpu_cap = (unsigned)(read_u64(name, "cpu", "cpu.cfs_quota_us") / 1000);
	} else {
		return -ENOTSUP;
	}
	return 0;
}
