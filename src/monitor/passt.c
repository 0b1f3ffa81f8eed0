#include "passt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../host/bind_guard.h"
#include "../host/cgroup.h"
#include "../host/inbound_guard.h"
#include "../jail/jail.h"
#include "../jail/sysfile.h"

#define PASST_AVX2 CONFIG_PASST_BINARY ".avx2"
#define PASST_BINDS_MAX 32

int
passt_dev_name(char *buf, size_t len, unsigned vif)
{
	int n = snprintf(buf, len, "passt%u", vif);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
passt_exec_path(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && access(PASST_AVX2, X_OK) == 0)
		return PASST_AVX2;
	return CONFIG_PASST_BINARY;
}

/* Its own group, as a backend's: bounded apart from QEMU, found and
 * killed with the VM's backends; and guarded (bind_guard.h). */
static int
passt_group(const struct passt_spec *s, const char *dev, char *group,
	    size_t len, char *why, size_t whylen)
{
	struct cg_limits lim;

	if (cgroup_backend_name(group, len, s->vm, dev) < 0) {
		snprintf(why, whylen, "%s: cgroup name too long", dev);
		return -1;
	}
	memset(&lim, 0, sizeof(lim));
	lim.memory_bytes = (uint64_t)PASST_MEMORY_MIB << 20;
	lim.pids_max = BACKEND_PIDS;
	lim.cpu_weight = s->cpu_weight;
	lim.cpu_cap = s->cpu_cap;
	if (cgroup_create(group, &lim, why, whylen) < 0)
		return -1;
	/* Before passt runs: every port it binds in the host's network
	 * namespace is one the kernel picks, never the guest's, and only
	 * the peers the guest sent to reach its sockets. */
	if (bind_guard_attach(group, why, whylen) < 0)
		return -1;
	return inbound_guard_install(s->vm, group, why, whylen);
}

/* Its libraries, read from its ELF as the jail's loader will find them,
 * and the host's resolver list when root's alone (passt reads it at
 * start for the DNS server it offers; without it the guest gets none). */
static int
passt_binds(const char *exe, struct jail_bind *b, size_t max, char *why,
	    size_t whylen)
{
	char w[256];
	int n = jail_libdeps(exe, b, max - 1, why, whylen);

	if (n < 0)
		return -1;
	int fd = sysfile_open("/etc/resolv.conf", SYSFILE_REG, NULL, 0, w,
			      sizeof(w));
	if (fd >= 0) {
		close(fd);
		memset(&b[n], 0, sizeof(b[n]));
		snprintf(b[n].path, sizeof(b[n].path), "/etc/resolv.conf");
		b[n].kind = JAIL_BIND_SYSTEM;
		n++;
	}
	return n;
}

int
passt_spawn(const struct passt_spec *s, struct backend *out, char *why,
	    size_t whylen)
{
	const char *exe = passt_exec_path();
	char group[CG_NAME_MAX], dev[DISK_VDEV_MAX];
	/* -f: no fork to the background (the jail's pid 1 is passt);
	 * -q: warnings and errors only; -F 3: the socketpair's end, fd 3
	 * below; nothing forwarded from the host to the guest. */
	static const char *const args[] = { "passt", "-f",   "-q", "-F",  "3",
					    "-t",    "none", "-u", "none" };
	char words[sizeof(args) / sizeof(args[0])][8];
	char *argv[sizeof(args) / sizeof(args[0]) + 1];
	int fds[4];

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		snprintf(words[i], sizeof(words[i]), "%s", args[i]);
		argv[i] = words[i];
	}
	argv[sizeof(args) / sizeof(args[0])] = NULL;
	if (passt_dev_name(dev, sizeof(dev), s->vif) < 0) {
		snprintf(why, whylen, "vif %u: name too long", s->vif);
		return -1;
	}
	struct jail_bind *binds = calloc(PASST_BINDS_MAX, sizeof(*binds));
	if (!binds) {
		snprintf(why, whylen, "%s: out of memory", dev);
		return -1;
	}
	int nbinds = passt_binds(exe, binds, PASST_BINDS_MAX, why, whylen);
	int devnull = -1, rc = -1;
	if (nbinds < 0 ||
	    passt_group(s, dev, group, sizeof(group), why, whylen) < 0)
		goto out;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(why, whylen, "/dev/null: %s", strerror(errno));
		goto out;
	}
	fds[0] = devnull;
	fds[1] = s->log_fd;
	fds[2] = s->log_fd;
	fds[3] = s->sock;
	struct jail_spec js = {
		.level = JAIL_PASST,
		.root_dir = s->root_dir,
		.uid = s->uid,
		.gid = s->gid,
		.exec_path = exe,
		.argv = argv,
		.binds = binds,
		.nbinds = (size_t)nbinds,
		.fds = fds,
		.nfds = 4,
		.fsize = JAIL_FSIZE_MIN, /* it writes no file */
		.cgroup = group,
		.join_pidfd = -1,
	};
	snprintf(out->dev, sizeof(out->dev), "%s", dev);
	rc = jail_spawn(&js, &out->pid, &out->pidfd, why, whylen);
out:
	if (devnull >= 0)
		close(devnull);
	free(binds);
	return rc;
}
