#include "worker_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../jail/jail.h"
#include "../qmpworker/worker.h"

/* Its log (the VM's monitor.log) may grow by this much at most. */
#define LOG_ALLOWANCE (8 << 20)

/* Everything the worker gives up before it reads a byte from QEMU. */
static int
confine(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	struct stat st;
	off_t log_size = fstat(2, &st) == 0 ? st.st_size : 0;
	struct rlimit fsize = { (rlim_t)log_size + LOG_ALLOWANCE,
				(rlim_t)log_size + LOG_ALLOWANCE };
	struct rlimit nofile = { 16, 16 }, zero = { 0, 0 };

	/* No network: not even the host's loopback. */
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0) {
		snprintf(why, whylen, "unshare: %s", strerror(errno));
		return -1;
	}
	signal(SIGXFSZ, SIG_IGN); /* a full log is EFBIG, not death */
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0 ||
	    setrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
	    setrlimit(RLIMIT_CORE, &zero) < 0 ||
	    setrlimit(RLIMIT_MEMLOCK, &zero) < 0 ||
	    setrlimit(RLIMIT_MSGQUEUE, &zero) < 0) {
		snprintf(why, whylen, "setrlimit: %s", strerror(errno));
		return -1;
	}
	if (jail_drop_privileges(uid, gid, why, whylen) < 0)
		return -1;
	/* Set after the uid change, which clears it: end with the monitor. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		snprintf(why, whylen, "PR_SET_PDEATHSIG: %s", strerror(errno));
		return -1;
	}
	if (jail_landlock_apply(NULL, why, whylen) < 0 ||
	    jail_seccomp_apply(why, whylen) < 0)
		return -1;
	return 0;
}

pid_t
worker_start(int qmp_fd, int log_fd, uid_t uid, gid_t gid, int *chan)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t monitor = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid > 0) {
		close(sv[1]);
		*chan = sv[0];
		return pid;
	}
	/* Fds: 0-1 /dev/null, 2 the log, 3 QMP, 4 the channel; no other. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int q = fcntl(qmp_fd, F_DUPFD, 10), c = fcntl(sv[1], F_DUPFD, 10);
	int l = fcntl(log_fd, F_DUPFD, 10);
	if (null < 0 || q < 0 || c < 0 || l < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(l, 2) < 0 || dup2(q, WORKER_QMP_FD) < 0 ||
	    dup2(c, WORKER_CHAN_FD) < 0 || close_range(WORKER_CHAN_FD + 1, ~0U, 0) < 0)
		_exit(1);
	log_set_prog("bulkhead-qmp-worker");
	prctl(PR_SET_NAME, "bh-qmp-worker", 0, 0, 0); /* in ps and audits */
	char why[256] = "the monitor is gone";
	if (confine(uid, gid, why, sizeof(why)) < 0 || getppid() != monitor) {
		log_error("confining the QMP worker: %s", why);
		_exit(1);
	}
	worker_run();
}
