/* A type=user vif's network: Debian's passt (package passt), one process
 * per vif in a jail of its own at level JAIL_PASST (src/jail/levels.c):
 * the backends' identity, no capabilities, no_new_privs, new mount, pid,
 * ipc and uts namespaces but the host's network namespace (it NATs the
 * guest's traffic through host sockets), an empty read-only root holding
 * a copy of its binary, its libraries, /etc/resolv.conf if root's, a
 * procfs of its own pid namespace and an empty /tmp; then passt's own
 * sandbox (a user namespace, an empty root, its seccomp allowlist). It
 * holds one end of a socketpair whose other end QEMU's stream netdev
 * gets (--fd: passt opens, binds and listens on no path), forwards no
 * port inbound (-t none -u none), and exits when QEMU's end closes. Its
 * group carries a bind guard and an inbound guard (bind_guard.h,
 * inbound_guard.h): -u none does not keep this passt from binding the
 * guest's UDP source ports on the host, the kernel does. It
 * is watched, killed and swept as a backend: a group bulkhead/VM+passtN
 * and a root root-passtN. */
#ifndef BULKHEAD_PASST_H
#define BULKHEAD_PASST_H

#include <stddef.h>
#include <sys/types.h>

#include "backends.h"

#define PASST_MEMORY_MIB 256 /* its group's: its buffers and sockets' */

struct passt_spec {
	const char *vm;       /* VM name */
	unsigned vif;         /* the vif's index: passtN */
	const char *root_dir; /* empty host dir for its tmpfs root */
	uid_t uid;
	gid_t gid;
	int sock;   /* its end of the socketpair */
	int log_fd; /* its stderr */
	unsigned cpu_weight, cpu_cap;
};

/* The device name of vif i's passt ("passt0"), for its group and root.
 * 0 or -1. */
int passt_dev_name(char *buf, size_t len, unsigned vif);
/* The binary to run: passt's AVX2 build where the CPU has AVX2 (passt
 * would otherwise re-exec itself into it, a second exec in the jail), or
 * the baseline one. */
const char *passt_exec_path(void);
/* Spawn one passt. 0, or -1 with why. */
int passt_spawn(const struct passt_spec *s, struct backend *out, char *why,
		size_t whylen);

#endif
