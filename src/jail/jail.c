#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdnoreturn.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/cgroup.h"

#define WHY_MAX 512

/* What the child needs from its parent: the spec, its level's row, the
 * error pipe, and the parent's pid as the child sees it (0 when the
 * parent is outside the child's pid namespace). */
struct child {
	const struct jail_spec *s;
	const struct jail_policy *p;
	int errfd;
	pid_t parent;
};

/* In the child every error is fatal: tell the parent why, then exit. */
static noreturn void
child_die(int errfd, const char *why)
{
	if (errfd >= 0)
		(void)!write(errfd, why, strnlen(why, WHY_MAX));
	_exit(127);
}

static noreturn void
child_die_errno(int errfd, const char *what)
{
	char why[WHY_MAX];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(errno));
	child_die(errfd, why);
}

/* Whether the parent died before the child's parent-death signal was
 * set (it then sent none). Where the parent has a pid, getppid() tells.
 * From a new pid namespace it has none (getppid() is 0 whoever the
 * parent is), so the error pipe tells: the spawner holds its only read
 * end until the child's end closes, and a pipe with no reader polls
 * POLLERR (levels.c refuses the signal in join mode, where the spawner
 * is not the parent). */
static bool
parent_gone(const struct child *c, int errfd)
{
	struct pollfd pf = { .fd = errfd, .events = 0 };

	if (c->parent)
		return getppid() != c->parent;
	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR);
}

static int
drop(const struct child *c, char *why, size_t whylen)
{
	switch (c->p->privs) {
	case JAIL_PRIVS_DROP:
		return jail_drop_privileges(c->s->uid, c->s->gid, why, whylen);
	case JAIL_PRIVS_KEEP:
	default:
		return 0;
	}
}

/* The sequence, each step switched by the level's row. Order and
 * reasons (ARCHITECTURE.md, "The jail"):
 *  0. namespaces already exist: clone3 made or joined them;
 *  1. fds first, so nothing inherited by accident survives any later step;
 *  1b. into the cgroup (limits apply from here on), while the host's
 *     cgroupfs is still visible;
 *  2. environment cleared;
 *  3. new session, hostname;
 *  4. root built and entered while we are still root;
 *  5. rlimits after the binary copy (FSIZE would stop the copy);
 *  6. privileges dropped; then the parent-death signal, which a uid
 *     change clears;
 *  7. Landlock, then our seccomp filter (both need no_new_privs; the
 *     filter last so nothing after it needs a denied call);
 *  8. exec, or the function (the error pipe closed first: its EOF tells
 *     the parent the child is confined). */
static noreturn void
child_main(const struct child *c)
{
	const struct jail_spec *s = c->s;
	const struct jail_policy *p = c->p;
	char why[WHY_MAX] = "";
	char *const envp[] = { NULL };
	int errfd = c->errfd;

	if (jail_fds_install(s->fds, s->nfds, c->errfd, &errfd) < 0)
		child_die_errno(c->errfd, "install fds");
	if (p->cgroup && cgroup_enter_self(s->cgroup, why, sizeof(why)) < 0)
		child_die(errfd, why);
	if (p->clear_env && clearenv() != 0)
		child_die(errfd, "clearenv");
	if (p->setsid && setsid() < 0)
		child_die_errno(errfd, "setsid");
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		child_die_errno(errfd, "sethostname");
	if (p->root != JAIL_ROOT_HOST &&
	    jail_rootfs_build(s, why, sizeof(why)) < 0)
		child_die(errfd, why);
	if (p->rlimits &&
	    jail_set_rlimits(p->rlimits, p->nofile ? p->nofile : s->nofile,
			     s->fsize, why, sizeof(why)) < 0)
		child_die(errfd, why);
	if (drop(c, why, sizeof(why)) < 0)
		child_die(errfd, why);
	if (p->pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_die_errno(errfd, "PR_SET_PDEATHSIG");
	/* A parent that died before the prctl sent no signal. */
	if (p->pdeathsig && parent_gone(c, errfd))
		child_die(errfd, "the parent is gone");
	why[0] = '\0';
	if (p->landlock != JAIL_LL_NONE &&
	    jail_landlock_apply(p->landlock == JAIL_LL_ROOT ? s : NULL, why,
				sizeof(why)) < 0)
		child_die(errfd, why);
	why[0] = '\0';
	if (p->seccomp && jail_seccomp_apply(p->sockets | s->sockets_extra, why,
					     sizeof(why)) < 0)
		child_die(errfd, why);
	if (p->end == JAIL_END_CALL) {
		close(errfd);
		s->fn(s->arg);
		_exit(127); /* fn must not return */
	}
	execve(s->exec_path, s->argv, envp);
	snprintf(why, sizeof(why), "execve %s: %s", s->exec_path,
		 strerror(errno));
	child_die(errfd, why);
}

/* Every child, one that calls a function of this image too, is cloned
 * straight into its new namespaces (in join mode the joining child
 * makes them): only a clone puts a process in a new pid namespace, so
 * the child the spawner waits for and kills is the jailed process
 * itself, pid 1 there, with no process in between. fork() would also
 * fix up the C library's per-thread state, which a raw clone leaves as
 * the parent's: the cached thread id (read by owner-checked mutexes
 * and calls on other threads; raise() asks the kernel), and locks and
 * at-fork handlers, which matter only to a multithreaded parent; no
 * spawner is one.
 * As pid 1 the child gets no signal from its own namespace that it has
 * no handler for (a SIGPIPE is just EPIPE); the spawner's SIGKILL comes
 * from outside, and what the child forks dies with it. The child's pid,
 * 0 in the child, or -1 with errno. */
static long
clone_into(unsigned long flags, int *pidfd)
{
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | (pidfd ? CLONE_PIDFD : 0);
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	return syscall(SYS_clone3, &ca, sizeof(ca));
}

/* The parent's pid as a child cloned with these namespaces sees it. */
static pid_t
parent_seen(const struct jail_policy *p)
{
	return ((p->ns_new | p->ns_join) & CLONE_NEWPID) ? 0 : getpid();
}

/* Join mode: a plain child joins the target's namespaces (pid takes
 * effect for its children), then clones the jailed process into the
 * level's new ones and waits for it, passing its exit status on. */
static noreturn void
join_main(struct child *c)
{
	int errfd = c->errfd;

	if (setns(c->s->join_pidfd, (int)c->p->ns_join) < 0)
		child_die_errno(errfd, "setns");
	c->parent = parent_seen(c->p);
	long r = clone_into(c->p->ns_new, NULL);
	if (r < 0)
		child_die_errno(errfd, "clone3");
	if (r == 0)
		child_main(c);
	close(errfd); /* the grandchild's copy reports, or closes at its end */
	int st;
	while (waitpid((pid_t)r, &st, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* What the level needs from the spec, and nothing the level does not
 * give (a cgroup the level does not enter is a mistake, not a choice). */
static int
spec_check(const struct jail_spec *s, const struct jail_policy *p, char *why,
	   size_t whylen)
{
	const char *bad = NULL;

	if (!p)
		bad = "no confinement level";
	else if (jail_policy_check(p, why, whylen) < 0)
		return -1;
	else if (s->nfds > JAIL_FDS_MAX)
		bad = "too many fds for the jail";
	else if (p->end == JAIL_END_EXEC && (!s->exec_path || !s->argv))
		bad = "no binary to exec";
	else if (p->end == JAIL_END_CALL && !s->fn)
		bad = "no function to call";
	else if (p->root != JAIL_ROOT_HOST && !s->root_dir)
		bad = "no directory for the root";
	else if (p->ns_join && s->join_pidfd < 0)
		bad = "no process whose namespaces to join";
	else if (p->cgroup != (s->cgroup != NULL))
		bad = p->cgroup ? "no cgroup"
				: "a cgroup the level does not enter";
	else if ((p->rlimits & JAIL_RL_NOFILE) && !p->nofile && !s->nofile)
		bad = "no RLIMIT_NOFILE";
	else if ((p->rlimits & JAIL_RL_FSIZE) && !s->fsize)
		bad = "no RLIMIT_FSIZE";
	if (bad) {
		snprintf(why, whylen, "jail: %s: %s", p ? p->name : "spec",
			 bad);
		return -1;
	}
	return 0;
}

int
jail_spawn(const struct jail_spec *s, pid_t *pid, int *pidfd, char *why,
	   size_t whylen)
{
	const struct jail_policy *p = jail_policy_get(s->level);
	struct child c = { s, p, -1, 0 };
	int ep[2];
	int fd = -1;

	if (spec_check(s, p, why, whylen) < 0)
		return -1;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	c.errfd = ep[1];
	c.parent = parent_seen(p);
	long r = clone_into(p->ns_join ? 0 : p->ns_new, pidfd ? &fd : NULL);
	if (r < 0) {
		snprintf(why, whylen, "starting the child: %s",
			 strerror(errno));
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (r == 0) {
		close(ep[0]);
		if (p->ns_join)
			join_main(&c);
		child_main(&c);
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
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*pid = (pid_t)r;
	if (pidfd)
		*pidfd = fd;
	return 0;
}
