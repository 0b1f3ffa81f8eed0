/* The host's cgroup version, chosen once, and what both versions share:
 * a group is a directory in each of the version's hierarchies. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "../common/util.h"
#include "cgroup_ops.h"

void
cg_detect_at(struct cg_host *h, const char *root)
{
	memset(h, 0, sizeof(*h));
	if (path_fmt(h->root, sizeof(h->root), "%s", root) < 0)
		return;
	/* v2 first: a pure v2 host has nothing of v1 to find. */
	if (cgroup_v2_ops.probe(root))
		h->ops = &cgroup_v2_ops;
	else if (cgroup_v1_ops.probe(root))
		h->ops = &cgroup_v1_ops;
}

/* Which hierarchies the host has is settled once they are mounted, and
 * every call needs it: detect once per process, the module's one cached
 * state. "None usable" is not cached, so a monitor started before the
 * hierarchies were mounted finds them later. */
static const struct cg_host *
host(void)
{
	static struct cg_host h;

	if (!h.ops)
		cg_detect_at(&h, CG_ROOT);
	return &h;
}

enum cg_mode
cgroup_detect(void)
{
	return host()->ops ? host()->ops->mode : CG_NONE;
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

int
cg_file_write(const char *dir, const char *file, const char *val)
{
	char p[CG_PATH_MAX];

	if (path_fmt(p, sizeof(p), "%s/%s", dir, file) < 0)
		return -ENAMETOOLONG;
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, val, strlen(val));
	close(fd);
	return rc;
}

int
cg_file_read(const char *dir, const char *file, char *buf, size_t len)
{
	char p[CG_PATH_MAX];

	if (len == 0)
		return -EINVAL;
	if (path_fmt(p, sizeof(p), "%s/%s", dir, file) < 0)
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

int
cg_read(const struct cg_host *h, const char *name, const char *hier,
	const char *file, char *buf, size_t len)
{
	char dir[CG_PATH_MAX];

	if (!h->ops)
		return -ENOTSUP;
	int rc = h->ops->group_dir(h, hier, name, dir, sizeof(dir));
	return rc < 0 ? rc : cg_file_read(dir, file, buf, len);
}

uint64_t
cg_read_u64(const struct cg_host *h, const char *name, const char *hier,
	    const char *file)
{
	char v[64] = "";

	if (cg_read(h, name, hier, file, v, sizeof(v)) < 0 ||
	    !strncmp(v, "max", 3) || v[0] == '-')
		return 0;
	return strtoull(v, NULL, 10);
}

uint64_t
cg_io_limit(const struct cg_limits *l, size_t k)
{
	const uint64_t v[CG_IO_KEYS] = { l->read_bps, l->write_bps,
					 l->read_iops, l->write_iops };

	return k < CG_IO_KEYS ? v[k] : 0;
}

/* The processes listed in DIR/cgroup.procs; 0 without the file. */
static int
procs_count(const char *dir)
{
	char p[CG_PATH_MAX], *text;
	int n = 0;

	if (path_fmt(p, sizeof(p), "%s/cgroup.procs", dir) < 0 ||
	    file_read_all(p, 1 << 20, &text, NULL) < 0)
		return 0;
	for (char *c = text; *c; c++)
		n += (*c == '\n');
	free(text);
	return n;
}

void
cg_procs_kill(const char *dir)
{
	char p[CG_PATH_MAX], *text;

	if (path_fmt(p, sizeof(p), "%s/cgroup.procs", dir) < 0 ||
	    file_read_all(p, 1 << 20, &text, NULL) < 0)
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

static void
create_why(char *why, size_t whylen, const char *hier, const char *name, int rc)
{
	snprintf(why, whylen, "cgroup %s%s%s: %s", hier ? hier : "",
		 hier ? " " : "", name,
		 rc == -EBUSY    ? "a stale group still holds processes"
		 : rc == -ENOENT ? "a limit's controller is not available "
				   "(not delegated or not built in)"
				 : strerror(-rc));
}

int
cg_create(const struct cg_host *h, const char *name, const struct cg_limits *l,
	  char *why, size_t whylen)
{
	const struct cgroup_ops *o = h->ops;
	char dir[CG_PATH_MAX];
	int rc;

	if (!o) {
		snprintf(why, whylen, "no usable cgroup hierarchy under %s",
			 h->root);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < o->nhier; i++) {
		const char *hier = o->hiers[i];
		if ((rc = o->prepare(h, hier)) < 0 ||
		    (rc = o->group_dir(h, hier, name, dir, sizeof(dir))) < 0 ||
		    (rc = fresh_dir(dir)) < 0 ||
		    (rc = o->set_limits(hier, dir, l)) < 0) {
			create_why(why, whylen, hier, name, rc);
			cg_remove(h, name);
			return rc;
		}
	}
	return 0;
}

/* On a v1 (hybrid) host, NAME's group in the v2 hierarchy mounted
 * beside the controllers' (unified/bulkhead/NAME): no controller, only
 * what attaches to a v2 group (cgroup BPF programs, bind_guard.c). */
static int
beside_dir(const struct cg_host *h, const char *name, char *buf, size_t len)
{
	if (!h->ops || h->ops->mode != CG_V1)
		return -ENOENT;
	return path_fmt(buf, len, "%s/unified/" CG_PARENT "/%s", h->root, name);
}

int
cg_enter_self(const struct cg_host *h, const char *name, char *why,
	      size_t whylen)
{
	char dir[CG_PATH_MAX] = "";

	if (!h->ops) {
		snprintf(why, whylen,
			 "enter cgroup %s: no usable cgroup "
			 "hierarchy under %s",
			 name, h->root);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < h->ops->nhier; i++) {
		int rc = h->ops->group_dir(h, h->ops->hiers[i], name, dir,
					   sizeof(dir));
		/* "0" moves the writer, whatever its pid namespace. */
		if (rc == 0)
			rc = cg_file_write(dir, "cgroup.procs", "0");
		if (rc < 0) {
			snprintf(why, whylen, "enter cgroup %s: %s", dir,
				 strerror(-rc));
			return rc;
		}
	}
	/* Its v2 group too, where one was made for it. */
	if (beside_dir(h, name, dir, sizeof(dir)) == 0 &&
	    access(dir, F_OK) == 0) {
		int rc = cg_file_write(dir, "cgroup.procs", "0");
		if (rc < 0) {
			snprintf(why, whylen, "enter cgroup %s: %s", dir,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int
cg_count(const struct cg_host *h, const char *name)
{
	char dir[CG_PATH_MAX];
	int n = 0;

	for (size_t i = 0; h->ops && i < h->ops->nhier; i++)
		if (h->ops->group_dir(h, h->ops->hiers[i], name, dir,
				      sizeof(dir)) == 0) {
			int c = procs_count(dir);
			n = c > n ? c : n;
		}
	return n;
}

int
cg_kill(const struct cg_host *h, const char *name)
{
	return h->ops ? h->ops->kill(h, name) : 0;
}

static int
remove_once(const struct cg_host *h, const char *name)
{
	char dir[CG_PATH_MAX];
	int rc = 0;

	for (size_t i = 0; h->ops && i < h->ops->nhier; i++)
		if (h->ops->group_dir(h, h->ops->hiers[i], name, dir,
				      sizeof(dir)) == 0 &&
		    rmdir(dir) < 0 && errno != ENOENT)
			rc = -errno;
	if (beside_dir(h, name, dir, sizeof(dir)) == 0 && rmdir(dir) < 0 &&
	    errno != ENOENT)
		rc = -errno;
	return rc;
}

int
cg_v2_dir(const struct cg_host *h, const char *name, char *buf, size_t len)
{
	char parent[CG_PATH_MAX];
	struct statfs sf;

	if (!h->ops)
		return -ENOTSUP;
	if (h->ops->mode == CG_V2)
		return h->ops->group_dir(h, NULL, name, buf, len);
	if (path_fmt(parent, sizeof(parent), "%s/unified", h->root) < 0)
		return -ENAMETOOLONG;
	if (statfs(parent, &sf) < 0 ||
	    (unsigned long)sf.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTSUP; /* a pure v1 host: no v2 group to have */
	if (beside_dir(h, "", parent, sizeof(parent)) < 0 ||
	    beside_dir(h, name, buf, len) < 0)
		return -ENAMETOOLONG;
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
cg_remove(const struct cg_host *h, const char *name)
{
	int rc = remove_once(h, name);

	/* A group just emptied by a kill stays busy for a moment while its
	 * last task is released: retry for up to a second. */
	for (int i = 0; i < 50 && rc == -EBUSY; i++) {
		sleep_ms(20);
		rc = remove_once(h, name);
	}
	return rc;
}

size_t
cg_backend_groups(const struct cg_host *h, const char *vm,
		  char (*names)[CG_NAME_MAX], size_t max)
{
	size_t n = 0, vlen = strlen(vm);
	char dir[CG_PATH_MAX];
	struct dirent *e;
	DIR *d;

	/* Every hierarchy holds the same groups: look in the first. */
	if (!h->ops ||
	    h->ops->group_dir(h, h->ops->hiers[0], "", dir, sizeof(dir)) < 0 ||
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
cg_get_limits(const struct cg_host *h, const char *name, struct cg_limits *l)
{
	memset(l, 0, sizeof(*l));
	return h->ops ? h->ops->get_limits(h, name, l) : -ENOTSUP;
}

/* cgroup.h: the same operations on the host's own hierarchies. */

int
cgroup_create(const char *name, const struct cg_limits *l, char *why,
	      size_t whylen)
{
	return cg_create(host(), name, l, why, whylen);
}

void
cgroup_helper_limits(struct cg_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->pids_max = CG_HELPER_PIDS;
	l->memory_bytes = (uint64_t)CG_HELPER_MEMORY_MIB << 20;
}

void
cgroup_vm_cpus(const char *vm, char *cpus, size_t len)
{
	static struct cg_limits vl; /* 4 KiB of CPU list: off the stack */

	cpus[0] = '\0';
	if (cgroup_get_limits(vm, &vl) == 0)
		snprintf(cpus, len, "%s", vl.cpus);
}

int
cgroup_helper_create(const char *vm, const char *what, char *group, size_t len,
		     char *why, size_t whylen)
{
	static struct cg_limits lim;

	if (cgroup_backend_name(group, len, vm, what) < 0) {
		snprintf(why, whylen, "%s: cgroup name too long", what);
		return -ENAMETOOLONG;
	}
	cgroup_helper_limits(&lim);
	cgroup_vm_cpus(vm, lim.cpus, sizeof(lim.cpus));
	int rc = cgroup_create(group, &lim, why, whylen);
	/* A helper of a monitor that died (a takeover follows) may still be
	 * dying in it: it is this VM's, and ends now. */
	for (int i = 0; rc == -EBUSY && i < 100; i++) {
		cgroup_kill(group);
		sleep_ms(10);
		rc = cgroup_create(group, &lim, why, whylen);
	}
	return rc;
}

int
cgroup_enter_self(const char *name, char *why, size_t whylen)
{
	return cg_enter_self(host(), name, why, whylen);
}

int
cgroup_count(const char *name)
{
	return cg_count(host(), name);
}

int
cgroup_kill(const char *name)
{
	return cg_kill(host(), name);
}

int
cgroup_v2_dir(const char *name, char *buf, size_t len)
{
	return cg_v2_dir(host(), name, buf, len);
}

int
cgroup_remove(const char *name)
{
	return cg_remove(host(), name);
}

int
cgroup_backend_name(char *buf, size_t len, const char *vm, const char *dev)
{
	return path_fmt(buf, len, "%s+%s", vm, dev);
}

size_t
cgroup_backend_groups(const char *vm, char (*names)[CG_NAME_MAX], size_t max)
{
	return cg_backend_groups(host(), vm, names, max);
}

int
cgroup_get_limits(const char *name, struct cg_limits *l)
{
	return cg_get_limits(host(), name, l);
}

int
cgroup_read(const char *name, const char *controller, const char *file,
	    char *buf, size_t len)
{
	return cg_read(host(), name, controller, file, buf, len);
}
