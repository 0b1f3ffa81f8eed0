#include "backends.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/cgroup.h"
#include "../jail/jail.h"

const char *
backend_kind_name(enum backend_kind kind)
{
	return kind == BACKEND_BLK   ? "blk"
	       : kind == BACKEND_NET ? "net"
				     : "rng";
}

int
backend_exec_path(const char *dir, enum backend_kind kind, char *out,
		  size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (path_fmt(out, len, "%s/bulkhead-%s", dir ? dir : dirname(self),
		     backend_kind_name(kind)) < 0)
		return -ENAMETOOLONG;
	return access(out, X_OK) < 0 ? -errno : 0;
}

#define ARG_MAX 12
#define ARG_LEN 32

__attribute__((format(printf, 4, 5))) static void
arg(char **argv, char (*words)[ARG_LEN], size_t *argc, const char *fmt, ...)
{
	va_list ap;

	if (*argc >= ARG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(words[*argc], ARG_LEN, fmt, ap);
	va_end(ap);
	argv[*argc] = words[*argc];
	(*argc)++;
	argv[*argc] = NULL;
}

/* Its own group: a runaway backend is bounded apart from QEMU. The
 * guest memory it maps is shared, charged where first touched, so the
 * bound is the VM's memory plus the backend's own. */
static int
backend_group(const struct backend_spec *b, char *group, size_t len, char *why,
	      size_t whylen)
{
	static struct cg_limits lim; /* its CPU list is 4 KiB */

	if (cgroup_backend_name(group, len, b->vm, b->dev) < 0) {
		snprintf(why, whylen, "%s backend: cgroup name too long",
			 b->dev);
		return -1;
	}
	memset(&lim, 0, sizeof(lim));
	lim.memory_bytes = ((uint64_t)b->memory_mib + BACKEND_MEMORY_EXTRA_MIB)
			   << 20;
	lim.pids_max = BACKEND_PIDS;
	lim.cpu_weight = b->cpu_weight;
	lim.cpu_cap = b->cpu_cap;
	cgroup_vm_cpus(b->vm, lim.cpus, sizeof(lim.cpus));
	return cgroup_create(group, &lim, why, whylen);
}

/* The backend's argv into argv/words; its RLIMIT_FSIZE. */
static unsigned long long
backend_args(const struct backend_spec *b, char **argv, char (*words)[ARG_LEN])
{
	unsigned long long fsize = JAIL_FSIZE_MIN;
	size_t argc = 0;
	struct stat st;

	arg(argv, words, &argc, "bulkhead-%s", backend_kind_name(b->kind));
	arg(argv, words, &argc, "--fd");
	arg(argv, words, &argc, "3");
	if (b->kind == BACKEND_NET) {
		arg(argv, words, &argc, "--tap-fd");
		arg(argv, words, &argc, "4");
	}
	if (b->kind != BACKEND_BLK)
		return fsize;
	arg(argv, words, &argc, "--disk-fd");
	arg(argv, words, &argc, "4");
	arg(argv, words, &argc, "--queues");
	arg(argv, words, &argc, "%u", b->queues);
	arg(argv, words, &argc, "--serial");
	arg(argv, words, &argc, "%s", b->dev);
	if (b->read_only)
		arg(argv, words, &argc, "--read-only");
	/* The kernel refuses a write ending past RLIMIT_FSIZE. */
	if (!b->read_only && fstat(b->disk, &st) == 0 &&
	    (unsigned long long)st.st_size > fsize)
		fsize = (unsigned long long)st.st_size;
	return fsize;
}

/* Its RLIMIT_NOFILE and everything else but FSIZE are its level's
 * (JAIL_BACKEND in src/jail/levels.c). */
int
backend_spawn(const struct backend_spec *b, struct backend *out, char *why,
	      size_t whylen)
{
	char exe[PATH_MAX], group[CG_NAME_MAX];
	char words[ARG_MAX][ARG_LEN]; /* argv's own storage */
	char *argv[ARG_MAX + 1];
	int fds[5];
	size_t nfds = 0;
	int devnull, rc;

	rc = backend_exec_path(b->exec_dir, b->kind, exe, sizeof(exe));
	if (rc < 0) {
		snprintf(why, whylen, "%s backend: %s: %s", b->dev, exe,
			 strerror(-rc));
		return -1;
	}
	if (backend_group(b, group, sizeof(group), why, whylen) < 0)
		return -1;
	unsigned long long fsize = backend_args(b, argv, words);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(why, whylen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	fds[nfds++] = devnull;
	fds[nfds++] = b->log_fd;
	fds[nfds++] = b->log_fd;
	fds[nfds++] = b->sock;
	if (b->kind != BACKEND_RNG)
		fds[nfds++] = b->disk;
	struct jail_spec js = {
		.level = JAIL_BACKEND,
		.root_dir = b->root_dir,
		.uid = b->uid,
		.gid = b->gid,
		.exec_path = exe,
		.argv = argv,
		.fds = fds,
		.nfds = nfds,
		.fsize = fsize,
		.cgroup = group,
		.join_pidfd = -1,
	};
	snprintf(out->dev, sizeof(out->dev), "%s", b->dev);
	rc = jail_spawn(&js, &out->pid, &out->pidfd, why, whylen);
	close(devnull);
	return rc;
}
