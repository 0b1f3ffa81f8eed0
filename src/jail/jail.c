#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdnoreturn.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/cgroup.h"

#define WHY_MAX 512

/* In the child every error is fatal: tell the parent why, then exit. */
static noreturn void
child_die(int errfd, const char *why)
{
	if (errfd >= 0)
		(void)!write(errfd, why, strnlen(why, WHY_MAX));
	_exit(127);
}

/* The sequence. Order and reasons (ARCHITECTURE.md, "The jail"):
 *  1. namespaces already exist: clone3 created the child inside new
 *     mount, pid, ipc, uts and net namespaces;
 *  2. fds first, so nothing inherited by accident survives any later step;
 *  2b. into the VM's cgroup (limits apply from here on);
 *  3. environment cleared;
 *  4. new session, hostname;
 *  5. root built and entered while we are still root;
 *  6. rlimits after the binary copy (FSIZE would stop the copy);
 *  7. privileges dropped, verified;
 *  8. Landlock, then our seccomp filter (both need no_new_privs; the
 *     filter last so nothing after it needs a denied call);
 *  9. exec. */
static noreturn void
child_main(const struct jail_spec *s, int errfd_in)
{
	char why[WHY_MAX];
	char *const envp[] = { NULL };
	int errfd = errfd_in;

	if (jail_fds_install(s->fds, s->nfds, errfd_in, &errfd) < 0) {
		snprintf(why, sizeof(why), "install fds: %s", strerror(errno));
		child_die(errfd_in, why);
	}
	/* Into the VM's cgroup before anything can allocate or fork, while
	 * the host's cgroupfs is still visible. */
	if (s->cgroup && cgroup_enter_self(s->cgroup, why, sizeof(why)) < 0)
		child_die(errfd, why);
	if (clearenv() != 0)
		child_die(errfd, "clearenv");
	if (s->confine) {
		if (setsid() < 0)
			child_die(errfd, "setsid");
		/* A joined UTS namespace keeps its owner's hostname. */
		if (s->join_pidfd < 0 &&
		    sethostname(s->hostname, strlen(s->hostname)) < 0)
			child_die(errfd, "sethostname");
		if (jail_rootfs_build(s, why, sizeof(why)) < 0)
			child_die(errfd, why);
		if (jail_set_rlimits(s->nofile, s->fsize, why, sizeof(why)) < 0)
			child_die(errfd, why);
		if (jail_drop_privileges(s->uid, s->gid, why, sizeof(why)) < 0)
			child_die(errfd, why);
		why[0] = '\0';
		if (jail_landlock_apply(s, why, sizeof(why)) < 0)
			child_die(errfd, why);
		why[0] = '\0';
		if (jail_seccomp_apply(why, sizeof(why)) < 0)
			child_die(errfd, why);
	}
	execve(s->exec_path, s->argv, envp);
	snprintf(why, sizeof(why), "execve %s: %s", s->exec_path,
		 strerror(errno));
	child_die(errfd, why);
}

/* Join mode: a plain child joins the target's namespaces (pid takes
 * effect for its children), then clones the jailed process into a new
 * mount namespace and waits for it, passing its exit status on. */
static noreturn void
join_main(const struct jail_spec *s, int errfd)
{
	char why[WHY_MAX];
	int fd = -1;
	struct clone_args ca;

	if (setns(s->join_pidfd, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
					 CLONE_NEWUTS) < 0) {
		snprintf(why, sizeof(why), "setns: %s", strerror(errno));
		child_die(errfd, why);
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWNS | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&fd;
	ca.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r < 0) {
		snprintf(why, sizeof(why), "clone3: %s", strerror(errno));
		child_die(errfd, why);
	}
	if (r == 0)
		child_main(s, errfd);
	close(errfd); /* the grandchild's copy reports, or closes at exec */
	int st;
	while (waitpid((pid_t)r, &st, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int
jail_spawn(const struct jail_spec *s, pid_t *pid, int *pidfd, char *why,
	   size_t whylen)
{
	int ep[2];
	int fd = -1;
	struct clone_args ca;

	if (s->nfds > JAIL_FDS_MAX) {
		snprintf(why, whylen, "too many fds for the jail");
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	if (s->confine && s->join_pidfd >= 0)
		ca.flags = CLONE_PIDFD; /* join_main makes the namespaces */
	else if (s->confine)
		ca.flags |= CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
			    CLONE_NEWUTS | CLONE_NEWNET;
	ca.pidfd = (uint64_t)(uintptr_t)&fd;
	ca.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r < 0) {
		snprintf(why, whylen, "clone3: %s", strerror(errno));
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (r == 0) {
		close(ep[0]);
		if (s->confine && s->join_pidfd >= 0)
			join_main(s, ep[1]);
		child_main(s, ep[1]);
	}
	close(ep[1]);
	char msg[WHY_MAX + 1];
	ssize_t n = read_full(ep[0], msg, WHY_MAX);
	close(ep[0]);
	if (n > 0) {
		msg[n] = '\0';
		snprintf(why, whylen, "jail: %s", msg);
		int st;
		waitpid((pid_t)r, &st, 0);
		close(fd);
		return -1;
	}
	*pid = (pid_t)r;
	*pidfd = fd;
	return 0;
}
