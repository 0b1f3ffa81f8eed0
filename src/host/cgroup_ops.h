/* Inside the cgroup module (callers use cgroup.h): the host's layout,
 * detected once, and the few operations where cgroup v1 and v2 really
 * differ, one table each (cgroup_v1.c, cgroup_v2.c). What does not differ
 * (a group is one directory per hierarchy: make it, enter it, count,
 * remove, list) is cgroup.c's, written once over the table. The cg_*
 * functions take the layout, so the tests can run a version the host
 * does not use for VMs (the v2 hierarchy beside v1 on a hybrid host). */
#ifndef BULKHEAD_CGROUP_OPS_H
#define BULKHEAD_CGROUP_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_PATH_MAX 512

struct cg_host;

struct cgroup_ops {
	enum cg_mode mode;
	/* The hierarchies a group lives in: on v1 one per controller we use
	 * (named by it), on v2 the unified one (named NULL). */
	const char *const *hiers;
	size_t nhier;
	/* Whether this version's hierarchies are mounted under root. */
	int (*probe)(const char *root);
	/* NAME's group in hierarchy HIER, or bulkhead/ itself for NAME "".
	 * v2 ignores HIER; v1 needs one. 0 or -errno. */
	int (*group_dir)(const struct cg_host *h, const char *hier,
			 const char *name, char *buf, size_t len);
	/* Make bulkhead/ in HIER, able to hold what its groups need. */
	int (*prepare)(const struct cg_host *h, const char *hier);
	/* Write HIER's share of the limits into the group at DIR. */
	int (*set_limits)(const char *hier, const char *dir,
			  const struct cg_limits *l);
	/* Kill every process in NAME's group; 0 when there is no group. */
	int (*kill)(const struct cg_host *h, const char *name);
	/* The limits set on NAME's group, back in cg_limits' units. */
	int (*get_limits)(const struct cg_host *h, const char *name,
			  struct cg_limits *l);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* Where the hierarchies are and which version they are. */
struct cg_host {
	const struct cgroup_ops *ops; /* NULL: none usable */
	char root[64]; /* v2: its mount; v1: holds one mount per controller */
};

/* Fill h for the hierarchies under root: v2 if root is cgroup2, v1 if
 * every controller we use is mounted beside the others, else none. */
void cg_detect_at(struct cg_host *h, const char *root);

/* cgroup.h's operations on an explicit layout. */
int cg_create(const struct cg_host *h, const char *name,
	      const struct cg_limits *l, char *why, size_t whylen);
int cg_enter_self(const struct cg_host *h, const char *name, char *why,
		  size_t whylen);
int cg_count(const struct cg_host *h, const char *name);
int cg_v2_dir(const struct cg_host *h, const char *name, char *buf, size_t len);
int cg_kill(const struct cg_host *h, const char *name);
int cg_remove(const struct cg_host *h, const char *name);
size_t cg_backend_groups(const struct cg_host *h, const char *vm,
			 char (*names)[CG_NAME_MAX], size_t max);
int cg_get_limits(const struct cg_host *h, const char *name,
		  struct cg_limits *l);
int cg_read(const struct cg_host *h, const char *name, const char *hier,
	    const char *file, char *buf, size_t len);

/* Shared by both versions. */
/* Write val to DIR/FILE. 0 or -errno. */
int cg_file_write(const char *dir, const char *file, const char *val);
/* The first line of DIR/FILE into buf. 0 or -errno. */
int cg_file_read(const char *dir, const char *file, char *buf, size_t len);
/* A limit file's value; 0 for "max", a negative value, or no file. */
uint64_t cg_read_u64(const struct cg_host *h, const char *name,
		     const char *hier, const char *file);
/* SIGKILL each process listed in DIR/cgroup.procs. */
void cg_procs_kill(const char *dir);
/* The I/O limits in the order of each version's table of their names:
 * read bytes/s, write bytes/s, read iops, write iops. */
#define CG_IO_KEYS 4
uint64_t cg_io_limit(const struct cg_limits *l, size_t k);

#endif
