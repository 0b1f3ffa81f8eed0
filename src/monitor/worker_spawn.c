#include "worker_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../host/cgroup.h"
#include "../jail/jail.h"
#include "../qmpworker/worker.h"

/* Entered confined (level JAIL_WORKER: levels.c says what it gave up). */
static void
worker_enter(void *arg)
{
	(void)arg;
	log_set_prog("bulkhead-qmp-worker");
	prctl(PR_SET_NAME, "bh-qmp-worker", 0, 0, 0); /* in ps and audits */
	worker_run();
}

/* Fds: 0-1 /dev/null, 2 the log pipe's write end, 3 QMP, 4 the channel;
 * no other. */
static pid_t
spawn(const char *vm, int qmp_fd, const char *root_dir, uid_t uid, gid_t gid,
      int chan, int log_w)
{
	char why[512], group[CG_NAME_MAX];
	pid_t pid;

	if (cgroup_helper_create(vm, "worker", group, sizeof(group), why,
				 sizeof(why)) < 0) {
		log_error("the QMP worker's cgroup: %s", why);
		errno = EPERM;
		return -1;
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	int fds[] = { null, null, log_w, qmp_fd, chan };
	_Static_assert(WORKER_QMP_FD == 3 && WORKER_CHAN_FD == 4,
		       "the worker's fds are in its spec's order");
	struct jail_spec js = {
		.level = JAIL_WORKER,
		.root_dir = root_dir,
		.cgroup = group,
		.uid = uid,
		.gid = gid,
		.fn = worker_enter,
		.fds = fds,
		.nfds = sizeof(fds) / sizeof(fds[0]),
		.fsize = JAIL_FSIZE_MIN, /* it writes no file */
		.join_pidfd = -1,
	};
	int rc = jail_spawn(&js, &pid, NULL, why, sizeof(why));
	close(null);
	if (rc < 0) {
		log_error("confining the QMP worker: %s", why);
		errno = EPERM;
		return -1;
	}
	return pid;
}

pid_t
worker_start(const char *vm, int qmp_fd, const char *root_dir, uid_t uid,
	     gid_t gid, int *chan, int *log_fd)
{
	int sv[2], lp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* Its end never blocks it (a line the monitor has not read in time
	 * is lost); ours is polled. */
	if (pipe2(lp, O_CLOEXEC | O_NONBLOCK) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	pid_t pid = spawn(vm, qmp_fd, root_dir, uid, gid, sv[1], lp[1]);
	int e = errno;
	close(sv[1]);
	close(lp[1]);
	if (pid < 0) {
		close(sv[0]);
		close(lp[0]);
		errno = e;
		return -1;
	}
	*chan = sv[0];
	*log_fd = lp[0];
	return pid;
}
