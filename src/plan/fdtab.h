/* The device model's fd table: which host resource each fd QEMU inherits
 * is. The one place that decides fd numbers; the argv names slots of it
 * (plan_fd_num) and the monitor fills it (vm_plan_set_fd). */
#ifndef BULKHEAD_FDTAB_H
#define BULKHEAD_FDTAB_H

#include <stddef.h>

#include "../config/config.h"
#include "../jail/jail.h"

/* What a slot of the device model's fd table holds. */
enum plan_fd_kind {
	PFD_NULL,       /* /dev/null (stdin) */
	PFD_OUTPUT,     /* the output pipe to the monitor (stdout, stderr) */
	PFD_QMP,        /* the QMP listener */
	PFD_CONSOLE,    /* the serial console's listener */
	PFD_DISK_RO,    /* disk INDEX's read-only fd */
	PFD_DISK_RW,    /* rw disk INDEX's read-write fd */
	PFD_DISK_VHOST, /* isolated disk INDEX's end of its socketpair */
	PFD_TAP,        /* vif INDEX's tap */
	PFD_RNG_VHOST,  /* the isolated rng's end of its socketpair */
	PFD_PASST,      /* user vif INDEX's end of its socketpair to passt */
	PFD_KINDS,
};

struct plan_fd {
	enum plan_fd_kind kind;
	unsigned index; /* disk or vif; 0 otherwise */
	int fd;         /* the host fd, or -1 until someone opened it */
};

/* Slot i is the device model's fd i. */
struct plan_fdtab {
	struct plan_fd slot[JAIL_FDS_MAX];
	size_t n;
};

/* Lay the table out for cfg, every fd -1: 0 /dev/null, 1-2 the output
 * pipe, 3 QMP, 4 console, then per disk its read-only and (rw) read-write
 * fd or (isolated) its socket, per vif but an isolated one a tap
 * (type=user: a passt socket), the rng's socket. 0, or -1
 * if it does not fit. */
int plan_fdtab_layout(const struct vm_config *cfg, struct plan_fdtab *t);
/* The device model's fd number for a slot, or -1 if the table has none. */
int plan_fd_num(const struct plan_fdtab *t, enum plan_fd_kind kind,
		unsigned index);
const char *plan_fd_kind_name(enum plan_fd_kind k);

#endif
