#include "fdtab.h"

static int
put(struct plan_fdtab *t, enum plan_fd_kind kind, unsigned index)
{
	if (t->n >= JAIL_FDS_MAX)
		return -1;
	t->slot[t->n++] =
		(struct plan_fd){ .kind = kind, .index = index, .fd = -1 };
	return 0;
}

int
plan_fdtab_layout(const struct vm_config *cfg, struct plan_fdtab *t)
{
	int rc = 0;

	t->n = 0;
	rc |= put(t, PFD_NULL, 0);
	rc |= put(t, PFD_OUTPUT, 0);
	rc |= put(t, PFD_OUTPUT, 0);
	rc |= put(t, PFD_QMP, 0);
	rc |= put(t, PFD_CONSOLE, 0);
	for (unsigned i = 0; i < cfg->ndisks; i++) {
		const struct disk_spec *d = &cfg->disks[i];

		if (d->cdrom)
			continue; /* media come over QMP */
		if (d->isolated) {
			rc |= put(t, PFD_DISK_VHOST, i);
			continue;
		}
		/* QEMU picks the fd of an fdset whose access mode matches
		 * each open it makes, so a rw disk gets both. */
		rc |= put(t, PFD_DISK_RO, i);
		if (!d->readonly)
			rc |= put(t, PFD_DISK_RW, i);
	}
	for (unsigned i = 0; i < cfg->nvifs; i++)
		if (!cfg->vifs[i].isolated) /* that one QEMU finds by path */
			rc |= put(t, cfg->vifs[i].user ? PFD_PASST : PFD_TAP,
				  i);
	if (cfg->rng_isolated)
		rc |= put(t, PFD_RNG_VHOST, 0);
	return rc;
}

int
plan_fd_num(const struct plan_fdtab *t, enum plan_fd_kind kind, unsigned index)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->slot[i].kind == kind && t->slot[i].index == index)
			return (int)i;
	return -1;
}

const char *
plan_fd_kind_name(enum plan_fd_kind k)
{
	static const char *const names[PFD_KINDS] = {
		[PFD_NULL] = "/dev/null",
		[PFD_OUTPUT] = "output pipe",
		[PFD_QMP] = "QMP listener",
		[PFD_CONSOLE] = "console listener",
		[PFD_DISK_RO] = "disk (read-only)",
		[PFD_DISK_RW] = "disk (read-write)",
		[PFD_DISK_VHOST] = "disk backend socket",
		[PFD_TAP] = "tap",
		[PFD_RNG_VHOST] = "rng backend socket",
		[PFD_PASST] = "passt socket",
	};
	return (unsigned)k < PFD_KINDS ? names[k] : "?";
}
