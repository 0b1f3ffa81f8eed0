/* The one spawn path: the confinement table is coherent, records what
 * each child gets today (gaps included, so tightening one is a visible
 * edit of this test too), prints one line per level, and the children
 * that end in a function really get their row (run for real, as root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdnoreturn.h>
#include <stdbool.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/cgroup.h"
#include "../../src/host/cgroup_ops.h"
#include "../../src/jail/jail.h"
#include "child.h"

#define TEST_UID 4000000003u /* far from any real account */

static void
test_table_coherent(void **state)
{
	(void)state;
	char why[256];

	assert_null(jail_policy_get(JAIL_LEVEL_NONE));
	assert_null(jail_policy_get(JAIL_LEVELS));
	for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++) {
		const struct jail_policy *p = jail_policy_get(l);
		assert_non_null(p);
		if (jail_policy_check(p, why, sizeof(why)) < 0)
			fail_msg("%s", why);
		for (int k = JAIL_LEVEL_NONE + 1; k < l; k++)
			assert_string_not_equal(p->name,
						jail_policy_get(k)->name);
	}
	/* The checks catch an incoherent row. */
	struct jail_policy bad = *jail_policy_get(JAIL_COPIER);
	bad.seccomp = true;
	bad.privs = JAIL_PRIVS_KEEP;
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	bad = *jail_policy_get(JAIL_WORKER);
	bad.ns_new &= ~(unsigned long)CLONE_NEWNS; /* a root, no mount ns */
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	/* An empty root has no binary to exec; a root built around one is
	 * no place for a function call. */
	bad = *jail_policy_get(JAIL_WORKER);
	bad.end = JAIL_END_EXEC;
	bad.clear_env = true;
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "empty root"));
	bad = *jail_policy_get(JAIL_COPIER);
	bad.root = JAIL_ROOT_BARE;
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	/* In join mode the spawner is not the parent, so the check that
	 * the parent did not die before the signal was set cannot be made
	 * from a joined pid namespace. */
	bad = *jail_policy_get(JAIL_PROBE);
	bad.pdeathsig = true;
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "parent-death"));
	/* A socket allowlist means something only under the filter, for
	 * families the filter knows, and never netlink (its protocols are
	 * netfilter, audit and uevents as much as routes). */
	bad = *jail_policy_get(JAIL_DM_ROOT);
	bad.sockets = JAIL_AF(AF_UNIX);
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "socket"));
	bad = *jail_policy_get(JAIL_DM);
	bad.sockets = JAIL_AF(AF_MAX);
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	bad.sockets = JAIL_AF(AF_UNIX) | JAIL_AF(AF_NETLINK);
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "netlink"));
	bad.sockets = JAIL_AF(AF_UNIX) | JAIL_AF(AF_INET6);
	assert_int_equal(jail_policy_check(&bad, why, sizeof(why)), 0);
}

#define NS_ALL                                                      \
	(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | \
	 CLONE_NEWUTS)
#define RL_XEN                                                               \
	(JAIL_RL_CORE | JAIL_RL_MSGQUEUE | JAIL_RL_LOCKS | JAIL_RL_MEMLOCK | \
	 JAIL_RL_NOFILE | JAIL_RL_FSIZE)

/* Today's confinement, as the five hand-made spawns had it. */
static void
test_table_records_today(void **state)
{
	(void)state;
	const struct jail_policy *dm = jail_policy_get(JAIL_DM);
	assert_int_equal(dm->ns_new, NS_ALL);
	assert_int_equal(dm->root, JAIL_ROOT_DM);
	assert_int_equal(dm->privs, JAIL_PRIVS_DROP);
	assert_int_equal(dm->landlock, JAIL_LL_ROOT);
	assert_true(dm->seccomp && dm->cgroup && !dm->pdeathsig);
	assert_int_equal(dm->end, JAIL_END_EXEC);
	/* Every resource comes as an fd: no child makes a socket, and
	 * the probe tries what the device model could. */
	for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++)
		assert_int_equal(jail_policy_get(l)->sockets, 0);

	const struct jail_policy *root = jail_policy_get(JAIL_DM_ROOT);
	assert_int_equal(root->ns_new, 0);
	assert_int_equal(root->privs, JAIL_PRIVS_KEEP);
	assert_true(root->cgroup && !root->seccomp && !root->rlimits);

	/* passt: the host's network namespace (its job), every other one
	 * new; unprivileged; no Landlock and no outer filter, which its
	 * own sandbox (mount, pivot_root, a user namespace) and its
	 * netlink route queries need; its own filter instead. */
	const struct jail_policy *pt = jail_policy_get(JAIL_PASST);
	assert_int_equal(pt->ns_new, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
					     CLONE_NEWUTS);
	assert_int_equal(pt->ns_join, 0);
	assert_int_equal(pt->root, JAIL_ROOT_SELF_SANDBOX);
	assert_int_equal(pt->privs, JAIL_PRIVS_DROP);
	assert_int_equal(pt->rlimits, RL_XEN);
	assert_int_equal(pt->landlock, JAIL_LL_NONE);
	assert_true(!pt->seccomp && pt->cgroup && pt->clear_env);
	assert_int_equal(pt->end, JAIL_END_EXEC);

	const struct jail_policy *be = jail_policy_get(JAIL_BACKEND);
	assert_int_equal(be->ns_new, NS_ALL);
	assert_int_equal(be->root, JAIL_ROOT_BARE);
	assert_int_equal(be->nofile, 64);

	/* The children that call a function: every namespace, pid's
	 * too (each is pid 1 of its own), an empty root. */
	const struct jail_policy *w = jail_policy_get(JAIL_WORKER);
	assert_int_equal(w->ns_new, NS_ALL);
	assert_int_equal(w->root, JAIL_ROOT_EMPTY);
	assert_int_equal(w->nofile, 16);
	assert_false(w->rlimits & JAIL_RL_LOCKS);
	assert_true(w->rlimits & JAIL_RL_FSIZE);
	assert_true(w->pdeathsig && w->seccomp && w->cgroup);
	assert_int_equal(w->landlock, JAIL_LL_ROOT);
	assert_int_equal(w->end, JAIL_END_CALL);

	const struct jail_policy *c = jail_policy_get(JAIL_COPIER);
	assert_int_equal(c->ns_new, w->ns_new);
	assert_int_equal(c->ns_join, 0);
	assert_int_equal(c->root, JAIL_ROOT_EMPTY);
	assert_int_equal(c->rlimits, RL_XEN & ~JAIL_RL_FSIZE); /* a guest */
	assert_int_equal(c->nofile, 8);
	assert_int_equal(c->privs, JAIL_PRIVS_DROP); /* and the filter */
	assert_true(c->seccomp && c->cgroup && c->pdeathsig && c->setsid);
	assert_int_equal(c->landlock, JAIL_LL_ROOT);
	assert_int_equal(c->end, JAIL_END_CALL);

	const struct jail_policy *pr = jail_policy_get(JAIL_PROBE);
	assert_int_equal(pr->ns_new, CLONE_NEWNS);
	assert_int_equal(pr->ns_join, CLONE_NEWPID | CLONE_NEWNET |
					      CLONE_NEWIPC | CLONE_NEWUTS);
	assert_null(pr->hostname);
	assert_int_equal(pr->root, JAIL_ROOT_DM);
	assert_int_equal(pr->sockets, dm->sockets);
}

/* Every confinement field of a, b equal: what the probe's copy of a row
 * may differ in (names, root, end, and for the device model's probe
 * how it comes by its namespaces) is checked by the callers. A field
 * added to the row changes the size and stops the build here, so it
 * cannot be left out of the comparison. */
_Static_assert(sizeof(struct jail_policy) == 96,
	       "a new row field: compare it in same_confinement()");
static void
same_confinement(const struct jail_policy *a, const struct jail_policy *b)
{
	assert_int_equal(a->cgroup, b->cgroup);
	assert_int_equal(a->clear_env, b->clear_env);
	assert_int_equal(a->setsid, b->setsid);
	assert_int_equal(a->rlimits, b->rlimits);
	assert_int_equal(a->privs, b->privs);
	assert_int_equal(a->pdeathsig, b->pdeathsig);
	assert_int_equal(a->landlock, b->landlock);
	assert_int_equal(a->seccomp, b->seccomp);
	assert_int_equal(a->sockets, b->sockets);
}

/* check --as runs the probe under the row of the child it stands for,
 * or a copy that differs only in ending in an exec of the probe from a
 * root holding it: never under a weaker copy. */
static void
test_probe_rows_are_their_childs(void **state)
{
	(void)state;
	static const struct {
		enum jail_level probe, child;
	} pairs[] = { { JAIL_PROBE_WORKER, JAIL_WORKER },
		      { JAIL_PROBE_COPIER, JAIL_COPIER } };

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct jail_policy *pr = jail_policy_get(pairs[i].probe);
		const struct jail_policy *ch = jail_policy_get(pairs[i].child);
		same_confinement(pr, ch);
		assert_int_equal(pr->ns_new, ch->ns_new);
		assert_int_equal(pr->ns_join, ch->ns_join);
		assert_string_equal(pr->hostname, ch->hostname);
		assert_int_equal(pr->nofile, ch->nofile);
		assert_int_equal(ch->root, JAIL_ROOT_EMPTY);
		assert_int_equal(pr->root, JAIL_ROOT_BARE);
		assert_int_equal(ch->end, JAIL_END_CALL);
		assert_int_equal(pr->end, JAIL_END_EXEC);
		assert_string_equal(pr->child, "bulkhead-probe");
	}
	/* The device model's probe: its namespaces, the pid, net, ipc and
	 * uts ones joined (so its hostname is the device model's), and a
	 * NOFILE of its own where the device model's is per VM. */
	const struct jail_policy *pr = jail_policy_get(JAIL_PROBE);
	const struct jail_policy *dm = jail_policy_get(JAIL_DM);
	same_confinement(pr, dm);
	assert_int_equal(pr->ns_new | pr->ns_join, dm->ns_new);
	assert_int_equal(pr->root, dm->root);
	assert_int_equal(pr->end, dm->end);
	assert_int_equal(dm->nofile, 0);
	assert_int_equal(pr->nofile, 64);
}

static void
test_print(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;

	for (int md = 0; md <= 1; md++) {
		FILE *f = open_memstream(&buf, &len);
		jail_policies_print(f, md);
		fclose(f);
		int lines = 0;
		for (char *c = buf; *c; c++)
			lines += *c == '\n';
		/* header (+ the Markdown rule), then one line per level */
		assert_int_equal(lines, JAIL_LEVELS - 1 + 1 + md);
		for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++)
			assert_non_null(strstr(buf, jail_policy_get(l)->name));
		assert_non_null(
			strstr(buf, "CORE,MSGQUEUE,MEMLOCK=0;NOFILE=16"));
		/* the sockets column: none under the filter, any without */
		assert_non_null(strstr(buf, "sockets"));
		assert_non_null(strstr(buf, "none"));
		assert_non_null(strstr(buf, "any"));
		free(buf);
		buf = NULL;
	}
}

/* What both children that call a function see from inside: a root
 * that is an empty, read-only directory (no /proc, no host file, no
 * pathname socket such as /dev/log to reach: stat needs no Landlock
 * right), and Landlock refusing even that directory. 0, or which check
 * failed. The spawner checks the namespaces from outside. */
static int
empty_root_check(void)
{
	struct stat st;

	if (stat("/proc", &st) == 0 || errno != ENOENT ||
	    stat("/dev/log", &st) == 0 || stat("/etc/passwd", &st) == 0)
		return 30;
	if (stat("/", &st) < 0 || !S_ISDIR(st.st_mode) || st.st_nlink != 2)
		return 31; /* a directory with no subdirectory */
	if (mkdir("/x", 0700) == 0 || (errno != EROFS && errno != EACCES))
		return 32;
	if (jail_landlock_abi() >= 1 &&
	    (open("/", O_RDONLY | O_DIRECTORY) >= 0 || errno != EACCES))
		return 33; /* Landlock with no rule: no file opens */
	return 0;
}

/* The end of a child's checks: it waits, so that the spawner can look
 * at it, until the spawner closes the pipe that is its fd 0. */
static noreturn void
report(int rc)
{
	char c;

	while (read(0, &c, 1) > 0)
		;
	_exit(rc);
}

/* Runs as the worker: exit 0 if it got its row, else which check failed. */
static void
worker_check(void *arg)
{
	(void)arg;
	struct rlimit rl;

	if (getuid() != TEST_UID || getgid() != TEST_UID)
		report(10);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		report(11);
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		report(12);
	int sig = 0;
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0 || sig != SIGKILL)
		report(13);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max != 16)
		report(14);
	if (getrlimit(RLIMIT_LOCKS, &rl) < 0 || rl.rlim_max == 0)
		report(15); /* the worker's row leaves LOCKS alone */
	if (getpid() != 1 || getppid() != 0)
		report(16); /* pid 1 of its own pid namespace */
	if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) >= 0)
		report(17); /* its one fd, and not the error pipe */
	int sv[2];
	if (socket(AF_INET6, SOCK_DGRAM, 0) >= 0 || errno != EPERM ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) >= 0 || errno != EPERM)
		report(19); /* no socket family in its row */
	report(empty_root_check());
}

static void
copier_check(void *arg)
{
	(void)arg;
	struct rlimit rl;

	if (getuid() != TEST_UID || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		report(10);
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		report(11); /* the outer filter */
	if (getpid() != 1 || getppid() != 0)
		report(12); /* pid 1 of its own pid namespace */
	if (syscall(SYS_unshare, CLONE_NEWUSER) == 0 || errno != EPERM ||
	    socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		report(15); /* no namespace, no socket */
	if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0 ||
	    fcntl(2, F_GETFD) >= 0)
		report(13); /* fds 0 and 1, nothing else */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max != 8 ||
	    getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_max != 0 ||
	    getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_max != RLIM_INFINITY)
		report(14); /* Xen's limits but FSIZE: the save file */
	report(empty_root_check());
}

static bool
same_ns(pid_t pid, const char *ns)
{
	char a[64], b[64] = "", mine[64] = "";

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns);
	assert_true(readlink(a, b, sizeof(b) - 1) > 0);
	snprintf(a, sizeof(a), "/proc/self/ns/%s", ns);
	assert_true(readlink(a, mine, sizeof(mine) - 1) > 0);
	return strcmp(b, mine) == 0;
}

/* A helper group of this test's own, as the monitor makes one per VM
 * (cgroup_helper_create): its name in group. */
static void
helper_group(const char *what, char *group, size_t len)
{
	char vm[64], why[256] = "";

	snprintf(vm, sizeof(vm), "bhtest-unit-levels-%d", (int)getpid());
	if (cgroup_helper_create(vm, what, group, len, why, sizeof(why)) < 0)
		fail_msg("%s", why);
}

/* Whether pid's cgroup list names group. */
static bool
in_group(pid_t pid, const char *group)
{
	char path[64], *text;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	assert_int_equal(file_read_all(path, 65536, &text, NULL), 0);
	bool in = strstr(text, group) != NULL;
	free(text);
	return in;
}

/* Spawn a child of the level with nfds copies of a pipe's read end; as
 * it waits, its namespaces, root and cgroup are looked at from outside. */
static void
spawn_call(enum jail_level level, void (*fn)(void *), size_t nfds)
{
	char root[] = "/tmp/bh-test-root-XXXXXX", path[64];
	char why[256] = "", group[CG_NAME_MAX];
	int p[2];
	pid_t pid;

	helper_group(level == JAIL_WORKER ? "worker" : "copier", group,
		     sizeof(group));
	assert_non_null(mkdtemp(root));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	int fds[2] = { p[0], p[0] };
	struct jail_spec s = { .level = level,
			       .root_dir = root,
			       .uid = TEST_UID,
			       .gid = TEST_UID,
			       .fn = fn,
			       .fds = fds,
			       .nfds = nfds,
			       .fsize = JAIL_FSIZE_MIN,
			       .cgroup = group,
			       .join_pidfd = -1 };
	if (jail_spawn(&s, &pid, NULL, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	close(p[0]);
	bool grouped = in_group(pid, group);
	bool mnt = same_ns(pid, "mnt"), net = same_ns(pid, "net");
	bool ipc = same_ns(pid, "ipc"), pidns = same_ns(pid, "pid");
	snprintf(path, sizeof(path), "/proc/%d/root/tmp", (int)pid);
	bool host_tmp = access(path, F_OK) == 0;
	close(p[1]);
	int st = child_status(pid);
	rmdir(root);
	assert_int_equal(cgroup_remove(group), 0);
	assert_int_equal(st, 0);
	assert_true(grouped); /* its own limits: no fork or memory bomb */
	assert_false(mnt || net || ipc || pidns || host_tmp);
}

static void
test_worker_level(void **state)
{
	(void)state;
	spawn_call(JAIL_WORKER, worker_check, 1);
}

static void
test_copier_level(void **state)
{
	(void)state;
	spawn_call(JAIL_COPIER, copier_check, 2);
}

/* A spawner, forked: it spawns a copier whose function waits on fd 0
 * (p[0]), says so on ready, and waits to be killed. */
static noreturn void
spawner_main(const char *root, const char *group, int fd0, int ready)
{
	int fds[2] = { fd0, fd0 };
	struct jail_spec s = { .level = JAIL_COPIER,
			       .root_dir = root,
			       .uid = TEST_UID,
			       .gid = TEST_UID,
			       .fn = copier_check,
			       .fds = fds,
			       .nfds = 2,
			       .cgroup = group,
			       .join_pidfd = -1 };
	char why[256];
	pid_t c;

	if (jail_spawn(&s, &c, NULL, why, sizeof(why)) == 0)
		(void)!write(ready, "x", 1);
	for (;;)
		pause();
}

/* The child's status once it ends, within 5 s; -1 if it does not. */
static int
orphan_status(pid_t child)
{
	for (int i = 0; i < 500; i++) {
		int st;
		if (waitpid(child, &st, WNOHANG) == child)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		sleep_ms(10);
	}
	return -1;
}

/* The parent-death signal reaches a child that is pid 1 of its own pid
 * namespace; and one whose spawner died before the signal was set (so
 * none was sent) ends rather than run its function with no one left to
 * stop it: from its namespace the spawner has no pid, so the error pipe
 * tells it. The spawner is forked here and killed (this test is the
 * subreaper that inherits its child), once the child is confined, or
 * while the child is frozen where it enters its group, before its
 * prctl; then the child is thawed. It must end by the signal, or by
 * child_die (127, or SIGPIPE where its report to the spawner that is
 * gone raises one: outside a pid namespace, as pid 1 ignores it). */
static void
orphan(bool before_prctl)
{
	char group[CG_NAME_MAX], dir[CG_PATH_MAX], pids[32] = "";
	char root[] = "/tmp/bh-test-root-XXXXXX", c;
	bool v1 = cgroup_detect() == CG_V1;
	const char *freeze = v1 ? "freezer.state" : "cgroup.freeze";
	int p[2], ready[2];

	helper_group("copier", group, sizeof(group));
	snprintf(dir, sizeof(dir), CG_ROOT "%s/" CG_PARENT "/%s",
		 v1 ? "/freezer" : "", group);
	assert_non_null(mkdtemp(root));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	if (before_prctl)
		assert_int_equal(
			cg_file_write(dir, freeze, v1 ? "FROZEN" : "1"), 0);
	pid_t spawner = fork();
	if (spawner == 0)
		spawner_main(root, group, p[0], ready[1]);
	close(p[0]);
	close(ready[1]);
	if (!before_prctl)
		assert_int_equal(read(ready[0], &c, 1), 1); /* confined */
	for (int i = 0; i < 500 && !pids[0]; i++) {
		(void)cg_file_read(dir, "cgroup.procs", pids, sizeof(pids));
		sleep_ms(10);
	}
	pid_t child = (pid_t)atoi(pids);
	kill(spawner, SIGKILL);
	int spst = child_status(spawner);
	if (before_prctl)
		(void)cg_file_write(dir, freeze, v1 ? "THAWED" : "0");
	int st = child > 0 ? orphan_status(child) : -2;
	if (st == -1) { /* it outlived its spawner */
		cgroup_kill(group);
		(void)child_status(child);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(p[1]);
	close(ready[0]);
	rmdir(root);
	assert_int_equal(cgroup_remove(group), 0);
	assert_int_equal(spst, 128 + SIGKILL);
	if (before_prctl && st == 128 + SIGPIPE)
		st = 127;
	assert_int_equal(st, before_prctl ? 127 : 128 + SIGKILL);
}

static void
test_dies_with_its_spawner(void **state)
{
	(void)state;
	orphan(false);
}

static void
test_orphan_before_pdeathsig_ends(void **state)
{
	(void)state;
	orphan(true);
}

static void
never(void *arg)
{
	(void)arg;
	_exit(99);
}

/* A spec that does not fit its level is refused before any clone; a
 * failure in the child comes back as the reason. */
static void
test_spec_refused(void **state)
{
	(void)state;
	char why[256];
	char root[] = "/tmp/bh-test-root-XXXXXX";
	pid_t pid;
	assert_non_null(mkdtemp(root));
	struct jail_spec s = { .level = JAIL_LEVEL_NONE,
			       .root_dir = root,
			       .fn = never,
			       .uid = TEST_UID,
			       .gid = TEST_UID,
			       .join_pidfd = -1 };

	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	s.level = JAIL_COPIER; /* its row enters a cgroup: none given */
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no cgroup"));
	char group[CG_NAME_MAX];
	helper_group("copier", group, sizeof(group));
	s.cgroup = group;
	s.fn = NULL;
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	s.level = JAIL_WORKER;
	s.fn = never; /* no FSIZE */
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	s.level = JAIL_PROBE; /* joins, with no pidfd */
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	s.level = JAIL_COPIER;
	s.uid = 0; /* refused by the drop, in the child */
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "uid/gid 0"));
	s.uid = TEST_UID;
	s.root_dir = NULL; /* an empty root needs a place to mount it */
	assert_int_equal(jail_spawn(&s, &pid, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "root"));
	rmdir(root);
	assert_int_equal(cgroup_remove(group), 0);
}

int
main(void)
{
	const struct CMUnitTest table[] = {
		cmocka_unit_test(test_table_coherent),
		cmocka_unit_test(test_table_records_today),
		cmocka_unit_test(test_probe_rows_are_their_childs),
		cmocka_unit_test(test_print),
	};
	const struct CMUnitTest spawn[] = {
		cmocka_unit_test(test_worker_level),
		cmocka_unit_test(test_copier_level),
		cmocka_unit_test(test_dies_with_its_spawner),
		cmocka_unit_test(test_orphan_before_pdeathsig_ends),
		cmocka_unit_test(test_spec_refused),
	};
	int rc = cmocka_run_group_tests(table, NULL, NULL);
	if (geteuid() != 0) {
		printf("test_levels: spawning SKIPPED: needs root (changes uids)\n");
		return rc;
	}
	return rc | cmocka_run_group_tests(spawn, NULL, NULL);
}
