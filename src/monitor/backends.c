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

/* Every fd a backend holds: 3 stdio, its socket, its disk, up to 8
 * memory regions and a kick, call and error eventfd per queue. */
#define BACKEND_NOFILE 64
#define BACKEND_PIDS 4
#define BACKEND_MEMORY_EXTRA_MIB 64

int
backend_exec_path(const char *dir, bool blk, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (path_fmt(out, len, "%s/bulkhead-%s", dir ? dir : dirname(self),
		     blk ? "blk" : "rng") < 0)
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

int
backend_spawn(const struct backend_spec *b, struct backend *out, char *why,
	      size_t whylen)
{
	char exe[PATH_MAX], group[CG_NAME_MAX];
	char words[ARG_MAX][ARG_LEN]; /* argv's own storage */
	char *argv[ARG_MAX + 1];
	int fds[5];
	size_t nfds = 0, argc = 0;
	unsigned long long fsize = JAIL_FSIZE_MIN;
	struct cg_limits lim;
	int devnull, rc;

	rc = backend_exec_path(b->exec_dir, b->blk, exe, sizeof(exe));
	if (rc < 0) {
		snprintf(why, whylen, "%s backend: %s: %s", b->dev, exe,
			 strerror(-rc));
		return -1;
	}
	if (cgroup_backend_name(group, sizeof(group), b->vm, b->dev) < 0) {
		snprintf(why, whylen, "%s backend: cgroup name too long",
			 b->dev);
		return -1;
	}
	/* Its own group: a runaway backend is bounded apart from QEMU. The
	 * guest memory it maps is shared, charged where first touched, so
	 * the bound is the VM's memory plus the backend's own. */
	memset(&lim, 0, sizeof(lim));
	lim.memory_bytes = ((uint64_t)b->memory_mib + BACKEND_MEMORY_EXTRA_MIB)
			   << 20;
	lim.pids_max = BACKEND_PIDS;
	lim.cpu_weight = b->cpu_weight;
	lim.cpu_cap = b->cpu_cap;
	if (cgroup_create(group, &lim, why, whylen) < 0)
		return -1;

	arg(argv, words, &argc, "%s", b->blk ? "bulkhead-blk" : "bulkhead-rng");
	arg(argv, words, &argc, "--fd");
	arg(argv, words, &argc, "3");
	if (b->blk) {
		struct stat st;

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
	}

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(why, whylen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	fds[nfds++] = devnull;
	fds[nfds++] = b->log_fd;
	fds[nfds++] = b->log_fd;
	fds[nfds++] = b->sock;
	if (b->blk)
		fds[nfds++] = b->disk;
	{
		struct jail_spec js = {
			.root_dir = b->root_dir,
			.hostname = "bulkhead-be",
			.confine = true,
			.uid = b->uid,
			.gid = b->gid,
			.exec_path = exe,
			.argv = argv,
			.bare = true,
			.fds = fds,
			.nfds = nfds,
			.nofile = BACKEND_NOFILE,
			.fsize = fsize,
			.cgroup = group,
			.join_pidfd = -1,
		};

		snprintf(out->dev, sizeof(out->dev), "%s", b->dev);
		rc = jail_spawn(&js, &out->pid, &out->pidfd, why, whylen);
	}
	close(devnull);
	return rc;
}
