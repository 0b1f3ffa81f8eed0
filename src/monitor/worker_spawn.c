#include "worker_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../jail/jail.h"
#include "../qmpworker/worker.h"

/* Its log (the VM's monitor.log) may grow by this much at most. */
#define LOG_ALLOWANCE (8 << 20)

/* Entered confined (level JAIL_WORKER: levels.c says what it gave up). */
static void
worker_enter(void *arg)
{
	(void)arg;
	log_set_prog("bulkhead-qmp-worker");
	prctl(PR_SET_NAME, "bh-qmp-worker", 0, 0, 0); /* in ps and audits */
	signal(SIGXFSZ, SIG_IGN); /* a full log is EFBIG, not death */
	worker_run();
}

pid_t
worker_start(int qmp_fd, int log_fd, uid_t uid, gid_t gid, int *chan)
{
	char why[512];
	struct stat st;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	/* Fds: 0-1 /dev/null, 2 the log, 3 QMP, 4 the channel; no other. */
	int fds[] = { null, null, log_fd, qmp_fd, sv[1] };
	_Static_assert(WORKER_QMP_FD == 3 && WORKER_CHAN_FD == 4,
		       "the worker's fds are in its spec's order");
	off_t log_size = fstat(log_fd, &st) == 0 ? st.st_size : 0;
	struct jail_spec js = {
		.level = JAIL_WORKER,
		.uid = uid,
		.gid = gid,
		.fn = worker_enter,
		.fds = fds,
		.nfds = sizeof(fds) / sizeof(fds[0]),
		.fsize = (unsigned long long)log_size + LOG_ALLOWANCE,
		.join_pidfd = -1,
	};
	int rc = jail_spawn(&js, &pid, NULL, why, sizeof(why));
	close(null);
	close(sv[1]);
	if (rc < 0) {
		log_error("confining the QMP worker: %s", why);
		close(sv[0]);
		errno = EPERM;
		return -1;
	}
	*chan = sv[0];
	return pid;
}
