#include "vm_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOBODY 65534

void
plan_host_init(struct plan_host *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		h->disk[i][0] = h->disk[i][1] = h->backend_disk[i] = -1;
	for (size_t i = 0; i < CONFIG_VIFS_MAX; i++)
		h->tap[i] = -1;
}

void
plan_host_close(struct plan_host *h)
{
	for (size_t i = 0; i < CONFIG_DISKS_MAX; i++)
		for (int k = 0; k < 3; k++) {
			int *fd = k < 2 ? &h->disk[i][k] : &h->backend_disk[i];

			if (*fd >= 0)
				close(*fd);
			*fd = -1;
		}
	for (size_t i = 0; i < CONFIG_VIFS_MAX; i++) {
		if (h->tap[i] >= 0)
			close(h->tap[i]);
		h->tap[i] = -1;
	}
}

/* The VM's cgroup: guest RAM plus QEMU's overhead, pids, CPU, and the
 * I/O limits on the devices behind its throttled disks. */
static void
plan_limits(const struct vm_config *cfg, const struct plan_host *h,
	    struct cg_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->memory_bytes = ((uint64_t)cfg->memory_mib + cfg->memory_overhead_mib)
			  << 20;
	l->pids_max = cfg->pids_max;
	l->cpu_weight = cfg->cpu_weight;
	l->cpu_cap = cfg->cpu_cap;
	l->read_bps = cfg->disk_read_bps;
	l->write_bps = cfg->disk_write_bps;
	l->read_iops = cfg->disk_read_iops;
	l->write_iops = cfg->disk_write_iops;
	if (h) {
		l->nio_devs = h->nio_devs;
		memcpy(l->io_devs, h->io_devs, sizeof(l->io_devs));
	}
}

/* cpus, against the CPUs online now (config_check_host refused the
 * CPUs that were not): a VM never starts unpinned by mistake. Only a
 * create (with host resources) makes the cgroup: a take-over of a
 * running VM, or a dry run, does not fail for a CPU gone offline. */
static int
plan_cpus(const struct vm_config *cfg, const struct plan_host *h,
	  struct cg_limits *l, char *why, size_t whylen)
{
	uint64_t online[CPUSET_WORDS], set[CPUSET_WORDS];
	char w[300];

	if (!cfg->cpus.given || !h)
		return 0;
	if (cpuset_online(online) < 0) {
		snprintf(why, whylen, "cpus: cannot read the online CPUs");
		return -1;
	}
	if (cpuset_resolve(&cfg->cpus, online, set, w, sizeof(w)) < 0) {
		snprintf(why, whylen, "cpus: %s", w);
		return -1;
	}
	cpuset_format(set, l->cpus, sizeof(l->cpus));
	return 0;
}

/* One backend per isolated disk, then the rng, then one per isolated
 * vif; QEMU gets the other end of each one's socket in the slot named
 * here. */
static void
plan_backends(const struct vm_config *cfg, struct vm_plan *p)
{
	for (unsigned i = 0; i <= cfg->ndisks; i++) {
		bool rng = i == cfg->ndisks;
		const struct disk_spec *d = rng ? NULL : &cfg->disks[i];
		struct plan_backend *b = &p->backends[p->nbackends];

		if (rng ? !cfg->rng_isolated : !d->isolated)
			continue;
		snprintf(b->dev, sizeof(b->dev), "%s", rng ? "rng" : d->vdev);
		b->kind = rng ? BACKEND_RNG : BACKEND_BLK;
		b->disk = rng ? 0 : i;
		b->read_only = !rng && d->readonly;
		b->queues = qemu_blk_queues(cfg);
		b->disk_fd = -1;
		b->sock = rng ? PFD_RNG_VHOST : PFD_DISK_VHOST;
		p->nbackends++;
	}
	for (unsigned i = 0; i < cfg->nvifs; i++) {
		struct plan_backend *b = &p->backends[p->nbackends];

		if (!cfg->vifs[i].isolated)
			continue;
		snprintf(b->dev, sizeof(b->dev), "vif%u", i);
		b->kind = BACKEND_NET;
		b->disk = i;
		b->queues = 2;
		b->disk_fd = -1;
		b->sock = PFD_NULL; /* none: QEMU connects by path */
		p->nbackends++;
	}
}

/* Read-only binds: firmware, kernel, ramdisk, and QEMU's libraries as
 * its loader will find them in the jail (read from its ELF, system
 * library directories only). */
static int
plan_binds(const struct vm_config *cfg, struct vm_plan *p, char *why,
	   size_t whylen)
{
	int n = qemu_binds(cfg, p->binds, JAIL_BINDS_MAX, why, whylen);

	if (n < 0)
		return -1;
	int m = jail_libdeps(cfg->dm_binary, p->binds + n,
			     JAIL_BINDS_MAX - (size_t)n, why, whylen);
	if (m < 0)
		return -1;
	p->nbinds = (size_t)n + (size_t)m;
	return 0;
}

/* RLIMIT_FSIZE: the largest disk QEMU may write, so writes to its last
 * block work; a read-only disk or medium counts for nothing (a limit
 * from a large read-only image would let a compromised device model
 * grow a small writable one to that size and fill the host's
 * filesystem). With backends, guest RAM is a memfd that QEMU itself
 * creates and sizes with ftruncate (memory-backend-memfd has no fd to
 * pass in), which FSIZE bounds: the limit is then at least guest RAM,
 * and a writable disk can grow that far. At least Xen's 256 KiB. */
unsigned long long
vm_plan_fsize(const struct vm_config *cfg, const struct plan_fdtab *t)
{
	unsigned long long max = JAIL_FSIZE_MIN;
	struct stat st;

	if (config_has_backends(cfg) &&
	    ((unsigned long long)cfg->memory_mib << 20) > max)
		max = (unsigned long long)cfg->memory_mib << 20;
	for (size_t i = 0; i < t->n; i++) {
		const struct plan_fd *s = &t->slot[i];

		if (s->kind == PFD_DISK_RW && s->fd >= 0 &&
		    fstat(s->fd, &st) == 0 &&
		    (unsigned long long)st.st_size > max)
			max = (unsigned long long)st.st_size;
	}
	return max;
}

/* Hand the CLI's fds to their slots and backends. Cannot fail, so the
 * caller owns them until the plan is whole, and the plan after. */
static void
plan_take_host(const struct plan_host *h, struct vm_plan *p)
{
	for (size_t i = 0; i < p->fds.n; i++) {
		struct plan_fd *s = &p->fds.slot[i];

		if (s->kind == PFD_DISK_RO || s->kind == PFD_DISK_RW)
			s->fd = h->disk[s->index][s->kind == PFD_DISK_RW];
		else if (s->kind == PFD_TAP)
			s->fd = h->tap[s->index];
	}
	for (size_t i = 0; i < p->nbackends; i++) {
		struct plan_backend *b = &p->backends[i];

		if (b->kind == BACKEND_BLK)
			b->disk_fd = h->backend_disk[b->disk];
		else if (b->kind == BACKEND_NET)
			b->disk_fd = h->tap[b->disk];
	}
}

int
vm_plan_build(const struct plan_input *in, struct vm_plan *p, char *why,
	      size_t whylen)
{
	const struct vm_config *cfg = in->cfg;

	memset(p, 0, sizeof(*p));
	p->id = *in->id;
	if (in->be_id)
		p->be_id = *in->be_id;
	/* The QMP worker runs as the VM's own uid, never as one shared
	 * with other VMs or as root. */
	p->worker_uid = in->id->exclusive ? in->id->uid : NOBODY;
	p->worker_gid = in->id->exclusive ? in->id->gid : NOBODY;
	p->nofile = qemu_nofile(cfg);
	plan_limits(cfg, in->host, &p->limits);
	if (plan_cpus(cfg, in->host, &p->limits, why, whylen) < 0)
		return -1;
	plan_backends(cfg, p);
	if (plan_fdtab_layout(cfg, &p->fds) < 0) {
		snprintf(why, whylen, "too many fds for the device model");
		return -1;
	}
	if (qemu_args_build(cfg, &p->fds, in->restore, &p->argv) < 0) {
		snprintf(why, whylen, "building QEMU arguments failed");
		return -1;
	}
	if (in->host && plan_binds(cfg, p, why, whylen) < 0) {
		qemu_args_free(&p->argv);
		return -1;
	}
	if (in->host)
		plan_take_host(in->host, p);
	p->fsize = vm_plan_fsize(cfg, &p->fds);
	return 0;
}

int
vm_plan_set_fd(struct vm_plan *p, enum plan_fd_kind kind, unsigned index,
	       int fd)
{
	int rc = -ENOENT;

	for (size_t i = 0; i < p->fds.n; i++)
		if (p->fds.slot[i].kind == kind &&
		    p->fds.slot[i].index == index) {
			p->fds.slot[i].fd = fd;
			rc = 0;
		}
	return rc;
}

int
vm_plan_fd_array(const struct vm_plan *p, int *out, size_t max)
{
	if (p->fds.n > max)
		return -E2BIG;
	for (size_t i = 0; i < p->fds.n; i++) {
		if (p->fds.slot[i].fd < 0)
			return -EBADF;
		out[i] = p->fds.slot[i].fd;
	}
	return (int)p->fds.n;
}

void
vm_plan_close_fds(struct vm_plan *p)
{
	for (size_t i = 0; i < p->fds.n; i++) {
		int fd = p->fds.slot[i].fd;

		if (fd < 0)
			continue;
		close(fd);
		/* stdout and stderr share the pipe: close it once. */
		for (size_t j = i; j < p->fds.n; j++)
			if (p->fds.slot[j].fd == fd)
				p->fds.slot[j].fd = -1;
	}
	for (size_t i = 0; i < p->nbackends; i++)
		if (p->backends[i].disk_fd >= 0) {
			close(p->backends[i].disk_fd);
			p->backends[i].disk_fd = -1;
		}
}

void
vm_plan_free(struct vm_plan *p)
{
	qemu_args_free(&p->argv);
}
