/* bulkhead-probe: runs inside a VM's jail and tries to get out. One line
 * per attempt on stdout: "blocked|escaped|skipped ID what happened", the
 * same attempts in the same order on every host. "skipped" means the
 * attempt proves nothing on this kernel (it lacks the call, or the
 * Landlock ABI that would block it), never that it was stopped. Exit
 * status 1 if anything escaped. Statically linked: it needs nothing from the
 * jail's filesystem. Each attempt is written so that success means the
 * restriction is missing, never merely that a file happened to be absent
 * from this host. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/cdrom.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/pfkeyv2.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

static int escapes;
static const char *canary_abstract = "";
static int canary_tcp_port;
static uint64_t mem_limit;
static unsigned long pids_limit;

static void report(int escaped, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
report(int escaped, const char *id, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("%s %s %s\n", escaped ? "escaped" : "blocked", id, what);
	fflush(stdout);
	escapes += escaped;
}

/* An attempt that cannot show anything on this kernel, and why. */
static void
skip(const char *id, const char *why)
{
	printf("skipped %s %s\n", id, why);
	fflush(stdout);
}

/* A call that must fail: escaped if it succeeded. */
static void
must_fail(const char *id, long rc, const char *what)
{
	if (rc >= 0)
		report(1, id, "%s succeeded", what);
	else
		report(0, id, "%s: %s", what, strerror(errno));
}

/* A call made with arguments the kernel rejects only after its
 * permission check, so nothing happens even where it is allowed: a
 * permission error means blocked, any other outcome means the call got
 * past the check. This keeps the probe safe to run unconfined as root.
 * ENOSYS unfiltered means this kernel lacks the call (the jail's filter
 * answers EPERM): nothing to reach, nothing shown either way. */
static void
must_deny(const char *id, long rc, const char *what)
{
	int e = errno;
	char why[128];
	if (rc < 0 && e == ENOSYS) {
		snprintf(why, sizeof(why), "%s: this kernel has no such call",
			 what);
		skip(id, why);
	} else if (rc < 0 && (e == EPERM || e == EACCES || e == EIO))
		report(0, id, "%s: %s", what, strerror(e));
	else if (rc < 0)
		report(1, id, "%s reached the kernel: %s", what, strerror(e));
	else
		report(1, id, "%s succeeded", what);
}

/* Run fn in a throwaway child (for calls that change the caller). */
static long
in_child(long (*fn)(void))
{
	int p[2];
	long rc = -1;
	int e = EIO;

	if (pipe(p) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		long r = fn();
		int err = errno;
		(void)!write(p[1], &r, sizeof(r));
		(void)!write(p[1], &err, sizeof(err));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &rc, sizeof(rc)) != sizeof(rc) ||
	    read(p[0], &e, sizeof(e)) != sizeof(e))
		rc = -1;
	close(p[0]);
	waitpid(c, NULL, 0);
	errno = e;
	return rc;
}

static void
try_open(const char *id, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		if (flags & O_CREAT)
			unlink(path); /* leave nothing behind */
	}
	must_fail(id, fd, path);
}

static long
do_chroot(void)
{
	return chroot("/dev");
}

static long
do_capset(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = 1u << CAP_SYS_ADMIN;
	return syscall(SYS_capset, &h, d);
}

static long
do_personality(void)
{
	return syscall(SYS_personality, 0x0040000);
}

/* --- identity -------------------------------------------------------- */

static void
identity(void)
{
	must_fail("setuid-root", setuid(0), "setuid(0)");
	must_fail("setgid-root", setgid(0), "setgid(0)");
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	syscall(SYS_capget, &h, d);
	int any = d[0].effective | d[0].permitted | d[1].effective |
		  d[1].permitted | d[0].inheritable | d[1].inheritable;
	if (any)
		report(1, "capabilities",
		       "effective/permitted/inheritable not empty");
	else
		report(0, "capabilities", "all capability sets empty");
	int bnd = 0;
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd++;
	report(bnd > 0, "bounding-set", "%d capabilities in the bounding set",
	       bnd);
	/* In a child: where it succeeds it also drops every other
	 * capability, which would blind the attempts after it. */
	must_fail("capset-gain", in_child(do_capset), "capset(CAP_SYS_ADMIN)");
	report(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1, "no-new-privs",
	       "no_new_privs = %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	report(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2, "seccomp",
	       "seccomp mode %d", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
}

/* --- filesystem ------------------------------------------------------ */

static void
filesystem(void)
{
	try_open("read-shadow", "/etc/shadow", O_RDONLY);
	try_open("read-passwd", "/etc/passwd", O_RDONLY);
	try_open("read-host-root-home", "/root/.bashrc", O_RDONLY);
	try_open("proc-host-root", "/proc/1/root/etc/shadow", O_RDONLY);
	try_open("sysfs", "/sys/kernel/notes", O_RDONLY);
	try_open("create-in-root", "/bulkhead-probe-was-here",
		 O_WRONLY | O_CREAT);
	try_open("create-in-tmp", "/tmp/bulkhead-probe-was-here",
		 O_WRONLY | O_CREAT);
	try_open("write-dev-dir", "/dev/bulkhead-probe", O_WRONLY | O_CREAT);
	/* Host block devices by number: a node made here could reach them. */
	/* mknod needs CAP_MKNOD; where the node is made, it is removed. */
	long rc = mknod("/dev/probe-sda", S_IFBLK | 0600, makedev(8, 0));
	if (rc == 0)
		unlink("/dev/probe-sda");
	must_fail("mknod-block", rc, "mknod /dev/probe-sda (8:0)");
	try_open("open-host-disk", "/dev/sda", O_RDONLY);
	try_open("open-host-disk-virtio", "/dev/vda", O_RDONLY);
	/* The classic chroot escape needs CAP_SYS_CHROOT. */
	must_fail("chroot-escape", in_child(do_chroot), "chroot(/dev)");
	/* RLIMIT_FSIZE: any file this uid could write, grown past 256 KiB. */
	signal(SIGXFSZ, SIG_IGN);
	int fd = open("/dev/shm/probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		report(0, "grow-file", "no writable file anywhere to grow: %s",
		       strerror(errno));
	} else {
		static char buf[300 * 1024];
		ssize_t n = write(fd, buf, sizeof(buf));
		close(fd);
		unlink("/dev/shm/probe");
		report(n > 256 * 1024, "grow-file", "wrote %zd bytes", n);
	}
	/* Listing /: only the jail's own entries may exist. */
	struct stat st;
	int host_dirs = 0;
	const char *dirs[] = { "/etc",  "/home", "/root", "/var",
			       "/proc", "/sys",  "/boot" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		host_dirs += stat(dirs[i], &st) == 0;
	report(host_dirs > 0, "host-root-visible",
	       "%d of 7 host top-level dirs visible", host_dirs);
	must_deny("open-by-handle",
		  syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0),
		  "open_by_handle_at");
}

/* --- processes ------------------------------------------------------- */

/* A fork bomb, bounded by pids.max: blocked only where the kernel
 * refused a fork before twice the limit (1024 where none is known). */
static void
fork_bomb(void)
{
	unsigned long cap = pids_limit ? pids_limit * 2 : 1024;
	pid_t *kids = calloc(cap, sizeof(pid_t));
	unsigned long n = 0;
	int err = 0;

	if (!kids) {
		skip("fork-bomb", "no memory to record the children");
		return;
	}
	for (; n < cap; n++) {
		pid_t c = fork();
		if (c < 0) {
			err = errno;
			break;
		}
		if (c == 0) {
			pause();
			_exit(0);
		}
		kids[n] = c;
	}
	for (unsigned long i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	free(kids);
	if (n >= cap)
		report(1, "fork-bomb",
		       "all %lu forks succeeded (pids limit %lu)", n,
		       pids_limit);
	else
		report(0, "fork-bomb",
		       "fork refused after %lu forks: %s (pids limit %lu)", n,
		       strerror(err), pids_limit);
}

/* A memory bomb, bounded by the cgroup's memory limit: a child touches
 * twice the limit (1 GiB where none is known), 64 MiB at a time. */
static void
memory_bomb(void)
{
	uint64_t want = mem_limit ? mem_limit * 2 : (1ull << 30);
	unsigned long long mib = (unsigned long long)(want >> 20);
	int st = 0;
	pid_t c = fork();

	if (c == 0) {
		for (uint64_t got = 0; got < want; got += 64 << 20) {
			char *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(2);
			memset(p, 1, 64 << 20);
		}
		_exit(0);
	}
	if (c < 0 || waitpid(c, &st, 0) < 0)
		skip("memory-bomb", "could not start the child");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		report(1, "memory-bomb", "the child touched all %llu MiB", mib);
	else if (WIFEXITED(st))
		report(0, "memory-bomb", "mmap refused before %llu MiB", mib);
	else
		report(0, "memory-bomb",
		       "the child was killed by signal %d (%s) before %llu MiB",
		       WTERMSIG(st), strsignal(WTERMSIG(st)), mib);
}

/* The real uid of process p from /proc, -1 where there is no /proc. */
static long
proc_uid(pid_t p)
{
	char path[64], line[128];
	long uid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)p);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4)) {
			uid = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return uid;
}

/* Another VM's processes run as other uids: signal 0 (permission
 * checked, nothing delivered) at every pid of this pid namespace's
 * view. Escaped if one of another uid accepts it. Without /proc a pid
 * that accepts it is taken to share the probe's uid, which is all the
 * kernel lets a process with no CAP_KILL signal; its capabilities are
 * an attempt of their own. The pid namespace hides other VMs. */
static void
signal_other_uid(void)
{
	long me = (long)getuid();
	int refused = 0, same = 0;

	for (pid_t p = 1; p < 65536; p++) {
		if (p == getpid() || kill(p, 0) < 0) {
			refused += errno == EPERM;
			continue;
		}
		long uid = proc_uid(p);
		if (uid >= 0 && uid != me) {
			report(1, "signal-other-uid",
			       "kill(%d, 0) reached a process of uid %ld",
			       (int)p, uid);
			return;
		}
		same++;
	}
	report(0, "signal-other-uid",
	       "no process of another uid accepts a signal among pids "
	       "1-65535 (%d refused, %d of its own uid)",
	       refused, same);
}

static void
processes(void)
{
	/* The jail is started from outside its pid namespace, so the
	 * process that launched it has no pid in there: getppid() is 0.
	 * A visible parent means no namespace boundary lies between the
	 * launcher and the jail. The count of signallable pids is shown
	 * for the reader only: how many processes a host has is not a
	 * property of the jail (a small CI container may have ten). */
	int seen = 0;
	for (pid_t p = 1; p < 4096; p++)
		if (p != getpid() && kill(p, 0) == 0)
			seen++;
	pid_t parent = getppid();
	report(parent != 0, "see-processes",
	       "launcher visible as pid %d; %d other pids below 4096 signallable",
	       (int)parent, seen);
	/* ptrace of our own child: allowed to any uid by default, so only
	 * the jail's seccomp can refuse it; nobody else is touched. */
	pid_t t = fork();
	if (t == 0) {
		pause();
		_exit(0);
	}
	long rc = ptrace(PTRACE_SEIZE, t, 0, 0);
	kill(t, SIGKILL);
	waitpid(t, NULL, 0);
	must_fail("ptrace", rc, "ptrace(SEIZE) of own child");
	/* Zero iovecs: reads nothing even where it is allowed. */
	must_deny("process-vm-read",
		  syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0),
		  "process_vm_readv(1)");

	signal_other_uid();
	fork_bomb();
	memory_bomb();
}

/* --- kernel surface -------------------------------------------------- */

static void
kernel(void)
{
	/* Each call's arguments are invalid past the permission check:
	 * a missing target, a NULL attribute, a wrong magic, fd -1. */
	must_deny(
		"mount",
		mount("none", "/bulkhead-probe-no-such-dir", "tmpfs", 0, NULL),
		"mount tmpfs");
	must_deny("bpf", syscall(SYS_bpf, 0, NULL, 0), "bpf()");
	must_deny("perf", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0),
		  "perf_event_open");
	must_deny("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0), "keyctl");
	must_deny("io-uring", syscall(SYS_io_uring_setup, 1, NULL),
		  "io_uring_setup");
	must_deny("module-load", syscall(SYS_finit_module, -1, "", 0),
		  "finit_module(-1)");
	must_deny("kexec", syscall(SYS_kexec_load, 0, 0, NULL, 0xffff0000UL),
		  "kexec_load(bad flags)");
	must_deny("reboot", syscall(SYS_reboot, 0xfee1dead, 0, 0, NULL),
		  "reboot(bad magic)");
	long ufd = syscall(SYS_userfaultfd, 0);
	if (ufd >= 0)
		close((int)ufd);
	must_fail("userfaultfd", ufd, "userfaultfd");
	must_fail("personality", in_child(do_personality),
		  "personality(ADDR_NO_RANDOMIZE)");
}

/* --- namespaces ------------------------------------------------------ */

/* Every path to a new namespace, not one call: clone with each
 * CLONE_NEW* flag (all but NEWTIME, whose bit is clone's exit-signal
 * byte), clone3 with each flag and with none, unshare with each flag,
 * and setns into a real namespace. A namespace attempt escapes when the
 * call succeeds: the kernel makes the namespace with the process or not
 * at all (where /proc is mounted the new process also checks that its
 * /proc/self/ns link changed; the jail has no /proc). Where the flag
 * alone is refused with EPERM, as it is for any uid but root, it is
 * asked again with CLONE_NEWUSER, the way an unprivileged process gets
 * every other namespace. Each attempt runs in a throwaway child, and a
 * process made in a new namespace exits at once. */
static const struct {
	unsigned long flag;
	const char *id;   /* the attempt's suffix */
	const char *ns;   /* its /proc/self/ns name */
	const char *name; /* the flag */
} ns_kinds[] = {
	{ CLONE_NEWUSER, "newuser", "user", "CLONE_NEWUSER" },
	{ CLONE_NEWNS, "newns", "mnt", "CLONE_NEWNS" },
	{ CLONE_NEWPID, "newpid", "pid", "CLONE_NEWPID" },
	{ CLONE_NEWNET, "newnet", "net", "CLONE_NEWNET" },
	{ CLONE_NEWIPC, "newipc", "ipc", "CLONE_NEWIPC" },
	{ CLONE_NEWUTS, "newuts", "uts", "CLONE_NEWUTS" },
	{ CLONE_NEWCGROUP, "newcgroup", "cgroup", "CLONE_NEWCGROUP" },
	{ CLONE_NEWTIME, "newtime", "time", "CLONE_NEWTIME" },
};
#define NS_KINDS (sizeof(ns_kinds) / sizeof(ns_kinds[0]))

enum ns_call { NS_CLONE, NS_CLONE3, NS_UNSHARE };
static const char *const ns_call_names[] = { "clone", "clone3", "unshare" };

/* How the new process saw its namespace. */
enum ns_view { VIEW_NEW, VIEW_SAME, VIEW_UNSEEN };

struct ns_result {
	long ret;
	int err;
	int view;
};

/* In the process the call made (or, after unshare, forked): whether
 * /proc/self/ns/NS differs from before. Raw calls only: after a raw
 * clone the C library's idea of this thread is its parent's. */
static void __attribute__((noreturn))
ns_look(const char *ns, const char *before)
{
	char path[64], now[64] = "";

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (!before[0] || readlink(path, now, sizeof(now) - 1) < 0)
		_exit(VIEW_UNSEEN);
	_exit(strcmp(now, before) ? VIEW_NEW : VIEW_SAME);
}

/* One call with flags, in the calling (throwaway) child. */
static struct ns_result
ns_call_once(enum ns_call call, unsigned long flags, const char *ns)
{
	struct ns_result r = { -1, 0, VIEW_UNSEEN };
	char path[64], before[64] = "";
	struct clone_args ca;
	int st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (readlink(path, before, sizeof(before) - 1) < 0)
		before[0] = '\0';
	switch (call) {
	case NS_CLONE: /* x86-64: flags, stack, parent_tid, child_tid, tls */
		r.ret = syscall(SYS_clone, flags | SIGCHLD, 0L, 0L, 0L, 0L);
		break;
	case NS_CLONE3:
		memset(&ca, 0, sizeof(ca));
		ca.flags = flags;
		ca.exit_signal = SIGCHLD;
		r.ret = syscall(SYS_clone3, &ca, sizeof(ca));
		break;
	case NS_UNSHARE: /* pid and time namespaces are the next child's */
		r.ret = syscall(SYS_unshare, flags);
		if (r.ret == 0)
			r.ret = fork();
		break;
	default:
		errno = EINVAL;
	}
	r.err = errno;
	if (r.ret == 0)
		ns_look(ns, before);
	if (r.ret > 0 && waitpid((pid_t)r.ret, &st, __WALL) == (pid_t)r.ret &&
	    WIFEXITED(st))
		r.view = WEXITSTATUS(st);
	return r;
}

/* The call with flags in a child of its own, so nothing it changes
 * outlives it. */
static struct ns_result
ns_call_child(enum ns_call call, unsigned long flags, const char *ns)
{
	struct ns_result r = { -1, EIO, VIEW_UNSEEN };
	int p[2];

	if (pipe(p) < 0)
		return r;
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		r = ns_call_once(call, flags, ns);
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	if (c < 0 || read(p[0], &r, sizeof(r)) != sizeof(r))
		r = (struct ns_result){ -1, EIO, VIEW_UNSEEN };
	close(p[0]);
	if (c > 0)
		waitpid(c, NULL, 0);
	return r;
}

/* Blocked or escaped for one namespace attempt. ENOSYS is clone3's
 * refusal under the filter (the answer of a kernel without it), so it
 * counts as blocked under a seccomp filter and as a missing call
 * without one; EINVAL for a flag this kernel lacks likewise proves
 * nothing unfiltered, but under the filter means the call reached the
 * kernel. */
static void
ns_attempt(const char *id, enum ns_call call, unsigned long flag,
	   const char *ns, const char *flagname)
{
	const char *cn = ns_call_names[call];
	int filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
	char why[200], also[96] = "", both[48];
	struct ns_result r = ns_call_child(call, flag, ns);

	if (r.ret < 0 && r.err == EPERM && flag && flag != CLONE_NEWUSER) {
		struct ns_result u =
			ns_call_child(call, flag | CLONE_NEWUSER, ns);
		snprintf(also, sizeof(also), "; with CLONE_NEWUSER: %s",
			 u.ret < 0 ? strerror(u.err) : "made it");
		if (u.ret > 0) {
			snprintf(both, sizeof(both), "%s|CLONE_NEWUSER",
				 flagname);
			r = u;
			flagname = both;
		}
	}
	const char *seen =
		r.view == VIEW_NEW    ? "a process in it sees a new ns link"
		: r.view == VIEW_SAME ? "though the ns link looks unchanged"
				      : "no /proc here to look";
	if (r.ret > 0 && !flag)
		report(1, id,
		       "%s without flags made a child: the filter cannot read "
		       "clone3's flags",
		       cn);
	else if (r.ret > 0)
		report(1, id, "%s(%s) made a new %s namespace (%s)", cn,
		       flagname, ns, seen);
	else if (r.err == ENOSYS && !filtered) {
		snprintf(why, sizeof(why),
			 "%s(%s): this kernel has no such call", cn, flagname);
		skip(id, why);
	} else if (r.err == EINVAL && !filtered) {
		snprintf(why, sizeof(why),
			 "%s(%s): this kernel has no such namespace", cn,
			 flagname);
		skip(id, why);
	} else if (r.err == EINVAL)
		report(1, id, "%s(%s) reached the kernel: %s", cn, flagname,
		       strerror(r.err));
	else
		report(0, id, "%s(%s): %s%s", cn, flag ? flagname : "0",
		       strerror(r.err), also);
}

static long
do_setns_pidfd(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0)
		return fd;
	/* Its own network namespace: a real one, and no change. */
	return syscall(SYS_setns, (int)fd, CLONE_NEWNET);
}

static void
namespaces(void)
{
	char id[32];

	for (size_t c = NS_CLONE; c <= NS_UNSHARE; c++)
		for (size_t i = 0; i < NS_KINDS; i++) {
			if (c == NS_CLONE && ns_kinds[i].flag == CLONE_NEWTIME)
				continue;
			snprintf(id, sizeof(id), "%s-%s", ns_call_names[c],
				 ns_kinds[i].id);
			ns_attempt(id, (enum ns_call)c, ns_kinds[i].flag,
				   ns_kinds[i].ns, ns_kinds[i].name);
			if (c == NS_CLONE3 && i + 1 == NS_KINDS)
				ns_attempt("clone3-plain", NS_CLONE3, 0, "net",
					   "0");
		}
	/* Into a namespace through a pidfd (no /proc needed): as root,
	 * its own network namespace is joined, a no-op. */
	must_deny("setns-pidfd", in_child(do_setns_pidfd),
		  "setns(pidfd of itself, CLONE_NEWNET)");
}

/* --- network --------------------------------------------------------- */

/* Sockets by family: the jail makes sockets of no family (every
 * resource comes as an fd). Each family the review named, and each
 * netlink protocol, is one attempt that tries every socket type the
 * family has, really making each socket (closed at once): it escapes
 * when any is made. EPERM is blocked; without a seccomp filter, a
 * family, type or protocol this kernel lacks proves nothing (skipped
 * where no type was made), while under one it means the filter let the
 * call through. A sweep then covers every other family number without
 * making a socket (see socket_sweep). Unfiltered, making a socket of a
 * family or netlink protocol the kernel has as a module loads it, as
 * any user's socket() call does. */
static const char *
no_such(int e)
{
	return e == EAFNOSUPPORT                              ? "family"
	       : e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT ? "protocol"
							      : NULL;
}

static void
socket_outcome(const char *id, long rc, int e, const char *what)
{
	int filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
	char why[160];

	if (rc >= 0)
		report(1, id, "%s made a socket", what);
	else if (e == EPERM || e == EACCES)
		report(0, id, "%s: %s", what, strerror(e));
	else if (!filtered && no_such(e)) {
		snprintf(why, sizeof(why), "%s: this kernel has no such %s",
			 what, no_such(e));
		skip(id, why);
	} else
		report(1, id, "%s reached the kernel: %s", what, strerror(e));
}

/* One way to ask a family for a socket. */
struct sock_try {
	int type;
	int proto;
	int pair; /* socketpair rather than socket */
	const char *name;
};

#define TRIES(...)                                                 \
	(const struct sock_try[]){ __VA_ARGS__ },                  \
		sizeof((const struct sock_try[]){ __VA_ARGS__ }) / \
			sizeof(struct sock_try)

/* Bluetooth's protocol numbers (no uapi header ships them). */
#define BT_L2CAP 0
#define BT_HCI 1
#define BT_SCO 2
#define BT_RFCOMM 3

static void
append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t at = strlen(buf);

	if (at < len)
		snprintf(buf + at, len - at, fmt, at ? ", " : "", a, b);
}

/* One attempt: every way in t, escaped if any made a socket. */
static void
family_attempt(const char *id, int family, const char *fname,
	       const struct sock_try *t, size_t n, const char *note)
{
	int filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
	char made[160] = "", reached[160] = "", why[200];
	size_t denied = 0, absent = 0;
	int denied_e = EPERM;
	const char *what = "family";

	for (size_t i = 0; i < n; i++) {
		int sv[2], e;
		long rc = t[i].pair
				  ? socketpair(family, t[i].type | SOCK_CLOEXEC,
					       t[i].proto, sv)
				  : socket(family, t[i].type | SOCK_CLOEXEC,
					   t[i].proto);
		e = errno;
		if (rc >= 0) {
			close(t[i].pair ? sv[0] : (int)rc);
			if (t[i].pair)
				close(sv[1]);
			append(made, sizeof(made), "%s%s%s", t[i].name, "");
		} else if (e == EPERM || e == EACCES) {
			denied++;
			denied_e = e;
		} else if (!filtered && no_such(e)) {
			absent++;
			what = no_such(e);
		} else {
			append(reached, sizeof(reached), "%s%s: %s", t[i].name,
			       strerror(e));
		}
	}
	if (made[0])
		report(1, id, "%s: made %s%s", fname, made, note);
	else if (reached[0])
		report(1, id, "%s reached the kernel: %s", fname, reached);
	else if (absent == n) {
		snprintf(why, sizeof(why), "%s: this kernel has no such %s",
			 fname, what);
		skip(id, why);
	} else
		report(0, id, "%s: %zu of %zu refused: %s", fname, denied, n,
		       strerror(denied_e));
}

/* How many interfaces a NETLINK_ROUTE socket shows (more than lo means
 * the host's network namespace); -1 where none is made. */
static int
netlink_links(void)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = { { sizeof(req), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1,
		    0 },
		  { AF_UNSPEC } };
	char buf[16384];
	int links = 0;

	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -1;
	for (int done = send(s, &req, sizeof(req), 0) < 0; !done;) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			links += h->nlmsg_type == RTM_NEWLINK;
		}
	}
	close(s);
	return links;
}

/* Every family the review named, each with its socket types. */
static void
socket_families(void)
{
	family_attempt("socket-inet", AF_INET, "AF_INET",
		       TRIES({ SOCK_STREAM, 0, 0, "stream" },
			     { SOCK_DGRAM, 0, 0, "dgram" },
			     { SOCK_RAW, IPPROTO_ICMP, 0, "raw" },
			     { SOCK_STREAM, IPPROTO_MPTCP, 0, "mptcp" }),
		       "");
	family_attempt("socket-inet6", AF_INET6, "AF_INET6",
		       TRIES({ SOCK_STREAM, 0, 0, "stream" },
			     { SOCK_DGRAM, 0, 0, "dgram" },
			     { SOCK_RAW, IPPROTO_ICMPV6, 0, "raw" },
			     { SOCK_STREAM, IPPROTO_MPTCP, 0, "mptcp" }),
		       "");
	family_attempt("socket-unix", AF_UNIX, "AF_UNIX",
		       TRIES({ SOCK_STREAM, 0, 0, "stream" },
			     { SOCK_DGRAM, 0, 0, "dgram" },
			     { SOCK_SEQPACKET, 0, 0, "seqpacket" },
			     { SOCK_STREAM, 0, 1, "stream pair" },
			     { SOCK_DGRAM, 0, 1, "dgram pair" },
			     { SOCK_SEQPACKET, 0, 1, "seqpacket pair" }),
		       "");
	family_attempt(
		"socket-packet", AF_PACKET, "AF_PACKET",
		TRIES({ SOCK_RAW, 0, 0, "raw" }, { SOCK_DGRAM, 0, 0, "dgram" }),
		"");
	family_attempt("socket-vsock", AF_VSOCK, "AF_VSOCK",
		       TRIES({ SOCK_STREAM, 0, 0, "stream" },
			     { SOCK_DGRAM, 0, 0, "dgram" },
			     { SOCK_SEQPACKET, 0, 0, "seqpacket" }),
		       "");
	family_attempt("socket-alg", AF_ALG, "AF_ALG",
		       TRIES({ SOCK_SEQPACKET, 0, 0, "seqpacket" }), "");
	family_attempt("socket-key", AF_KEY, "AF_KEY",
		       TRIES({ SOCK_RAW, PF_KEY_V2, 0, "raw" }), "");
	family_attempt("socket-xdp", AF_XDP, "AF_XDP",
		       TRIES({ SOCK_RAW, 0, 0, "raw" }), "");
	family_attempt("socket-bluetooth", AF_BLUETOOTH, "AF_BLUETOOTH",
		       TRIES({ SOCK_RAW, BT_HCI, 0, "hci" },
			     { SOCK_SEQPACKET, BT_L2CAP, 0, "l2cap" },
			     { SOCK_SEQPACKET, BT_SCO, 0, "sco" },
			     { SOCK_STREAM, BT_RFCOMM, 0, "rfcomm" }),
		       "");
}

/* Each netlink protocol the review named and the other common ones,
 * raw and datagram (netlink treats them alike). */
static void
netlink_protocols(void)
{
	static const struct {
		int proto;
		const char *id, *name;
	} nl[] = {
		{ NETLINK_ROUTE, "netlink-route", "NETLINK_ROUTE" },
		{ NETLINK_NETFILTER, "netlink-netfilter", "NETLINK_NETFILTER" },
		{ NETLINK_KOBJECT_UEVENT, "netlink-uevent",
		  "NETLINK_KOBJECT_UEVENT" },
		{ NETLINK_AUDIT, "netlink-audit", "NETLINK_AUDIT" },
		{ NETLINK_SOCK_DIAG, "netlink-sock-diag", "NETLINK_SOCK_DIAG" },
		{ NETLINK_GENERIC, "netlink-generic", "NETLINK_GENERIC" },
		{ NETLINK_XFRM, "netlink-xfrm", "NETLINK_XFRM" },
		{ NETLINK_CONNECTOR, "netlink-connector", "NETLINK_CONNECTOR" },
		{ NETLINK_FIB_LOOKUP, "netlink-fib-lookup",
		  "NETLINK_FIB_LOOKUP" },
		{ NETLINK_USERSOCK, "netlink-usersock", "NETLINK_USERSOCK" },
		{ NETLINK_CRYPTO, "netlink-crypto", "NETLINK_CRYPTO" },
	};
	char fname[48], note[48] = "";

	for (size_t i = 0; i < sizeof(nl) / sizeof(nl[0]); i++) {
		if (nl[i].proto == NETLINK_ROUTE) {
			int links = netlink_links();
			if (links >= 0)
				snprintf(note, sizeof(note),
					 "; interfaces visible: %d", links);
		}
		snprintf(fname, sizeof(fname), "AF_NETLINK %s", nl[i].name);
		family_attempt(nl[i].id, AF_NETLINK, fname,
			       TRIES({ SOCK_RAW, nl[i].proto, 0, "raw" },
				     { SOCK_DGRAM, nl[i].proto, 0, "dgram" }),
			       nl[i].proto == NETLINK_ROUTE ? note : "");
	}
}

/* The sweep: every family number 0..AF_MAX-1, numbers past it and with
 * bit 32 or 63 set, through socket and socketpair with four types, and
 * every netlink protocol 0..31, without making a socket or loading a
 * module: each call carries a type flag no kernel knows, which the
 * kernel rejects (EINVAL) before it looks at the family, and the seccomp
 * filter, which sees only the family, looks before that. A call passes
 * the filter when its answer is not EPERM. */
#define SOCK_NO_SUCH_FLAG 0x40000000
#define SOCK_NO_SUCH_FLAG 0x40000000

/* Appends "n" or "a-b" for each run of set bits in mask to buf. */
static void
append_runs(char *buf, size_t len, uint64_t mask, int bits)
{
	for (int i = 0; i < bits; i++) {
		if (!(mask >> i & 1))
			continue;
		int j = i;
		while (j + 1 < bits && (mask >> (j + 1) & 1))
			j++;
		size_t at = strlen(buf);
		if (at < len)
			snprintf(buf + at, len - at, j > i ? "%s%d-%d" : "%s%d",
				 at && buf[at - 1] != ' ' ? "," : "", i, j);
		i = j;
	}
}

/* One sweep call: 1 if it passed the filter (anything but EPERM). */
static int
sweep_one(int pair, unsigned long family, int type, int proto)
{
	int sv[2];
	long rc = pair ? syscall(SYS_socketpair, family,
				 type | SOCK_NO_SUCH_FLAG, proto, sv)
		       : syscall(SYS_socket, family, type | SOCK_NO_SUCH_FLAG,
				 proto);
	int e = errno;

	if (rc >= 0 && pair) {
		close(sv[0]);
		close(sv[1]);
	} else if (rc >= 0) {
		close((int)rc);
	}
	return rc >= 0 || e != EPERM;
}

static void
socket_sweep(void)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
				     SOCK_SEQPACKET };
	static const unsigned long high[] = { 0, 1UL << 32, 1UL << 63 };
	static const long past[] = {
		AF_MAX, AF_MAX + 1, 63, 255, 0x7fffffff, -1
	};
	uint64_t fams = 0, protos = 0;
	int calls = 0, passed = 0, past_passed = 0, high_passed = 0;
	int past_calls = 0, high_calls = 0;
	char what[200] = "";

	for (int pair = 0; pair < 2; pair++)
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			for (size_t h = 0; h < sizeof(high) / sizeof(high[0]);
			     h++)
				for (int f = 0; f < AF_MAX; f++) {
					int p = sweep_one(pair, high[h] | f,
							  types[t], 0);
					calls++;
					passed += p;
					high_calls += h > 0;
					if (p && h)
						high_passed++;
					else if (p)
						fams |= 1ull << f;
				}
			for (size_t i = 0; i < sizeof(past) / sizeof(past[0]);
			     i++) {
				int p = sweep_one(pair, (unsigned long)past[i],
						  types[t], 0);
				calls++;
				passed += p;
				past_calls++;
				past_passed += p;
			}
		}
	for (int proto = 0; proto < 32; proto++)
		for (int pair = 0; pair < 2; pair++)
			for (int t = 0; t < 2; t++) {
				int p = sweep_one(pair, AF_NETLINK,
						  t ? SOCK_DGRAM : SOCK_RAW,
						  proto);
				calls++;
				passed += p;
				if (p)
					protos |= 1ull << proto;
			}
	if (!passed) {
		report(0, "socket-sweep",
		       "all %d calls refused with EPERM: socket and socketpair "
		       "of families 0-%d, past AF_MAX and with bit 32 or 63 "
		       "set, 4 types; netlink protocols 0-31",
		       calls, AF_MAX - 1);
		return;
	}
	snprintf(what, sizeof(what), "families ");
	append_runs(what, sizeof(what), fams, AF_MAX);
	size_t at = strlen(what);
	snprintf(what + at, sizeof(what) - at,
		 "; past AF_MAX %d of %d; with high bits %d of %d; netlink "
		 "protocols ",
		 past_passed, past_calls, high_passed, high_calls);
	append_runs(what, sizeof(what), protos, 32);
	report(1, "socket-sweep", "%d of %d calls passed the filter: %s",
	       passed, calls, what);
}

/* A pathname socket of the host's: escaped if connect succeeds with any
 * socket type. In the jail's root the path is absent (ENOENT): the
 * jail's mount namespace is what keeps it out of reach. */
static void
host_unix_socket(const char *id, const char *path)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int made = 0, e = EIO;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int s = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (s < 0) {
			e = errno;
			continue;
		}
		made++;
		int rc = connect(s, (struct sockaddr *)&un, sizeof(un));
		int ce = errno;
		close(s);
		if (rc == 0) {
			report(1, id, "connected to %s", path);
			return;
		}
		if (ce != EPROTOTYPE || e == EIO)
			e = ce;
	}
	if (!made)
		report(0, id, "socket(AF_UNIX) for %s: %s (the path is %s)",
		       path, strerror(e),
		       access(path, F_OK) == 0 ? "there" : "absent");
	else if (e == ENOENT)
		report(0, id, "connect %s: absent from the jail's root", path);
	else
		report(0, id, "connect %s: %s", path, strerror(e));
}

static void
network(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)canary_tcp_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int rc = s < 0 ? -1 : connect(s, (struct sockaddr *)&in, sizeof(in));
	must_fail("host-loopback-tcp", rc,
		  "connect to the host's 127.0.0.1 canary");
	if (s >= 0)
		close(s);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	size_t len = strlen(canary_abstract);
	if (len > sizeof(un.sun_path) - 2)
		len = sizeof(un.sun_path) - 2;
	memcpy(un.sun_path + 1, canary_abstract, len);
	rc = s < 0 ? -1
		   : connect(s, (struct sockaddr *)&un,
			     (socklen_t)(offsetof(struct sockaddr_un,
						  sun_path) +
					 1 + len));
	must_fail("host-abstract-socket", rc,
		  "connect to the host's abstract canary");
	if (s >= 0)
		close(s);
	/* The logging and bus sockets a host process reaches by path. */
	host_unix_socket("host-dev-log", "/dev/log");
	host_unix_socket("host-journal-socket", "/run/systemd/journal/socket");
	host_unix_socket("host-dbus-socket", "/run/dbus/system_bus_socket");

	socket_families();
	netlink_protocols();
	/* The kernel reads the family as an int: this is AF_INET to it. */
	long fd = syscall(SYS_socket, (1UL << 32) | AF_INET,
			  SOCK_STREAM | SOCK_CLOEXEC, 0);
	int e = errno;
	if (fd >= 0)
		close((int)fd);
	socket_outcome("socket-family-bit32", fd, e,
		       "socket((1 << 32) | AF_INET, SOCK_STREAM)");
	socket_sweep();
}

/* --- Landlock ------------------------------------------------------- */

/* What only the Landlock ruleset stops in a running jail, each found
 * open to the jail's uid with jail_landlock_apply() left out: the root
 * is a tmpfs of 0755 directories (DAC lets any uid list them, the mount
 * namespace shows them, seccomp allows open and getdents), and the
 * ruleset grants read-dir only beneath the binds (ABI 1); the device
 * nodes are granted read and write, never ioctl (ABI 5); TCP bind is
 * handled and never granted, and 0.0.0.0 needs no interface up (ABI 4);
 * the device model, pid 1 of the pid namespace the probe joins, runs as
 * the same uid but in another Landlock domain, which the signal scope
 * closes (ABI 6). Where the kernel's ABI cannot block an attempt, it is
 * skipped. */
static int
landlock_abi(void)
{
	/* LANDLOCK_CREATE_RULESET_VERSION: the ABI, or an error. */
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL);
	return abi < 0 ? 0 : (int)abi;
}

static int
need_abi(const char *id, int have, int want)
{
	char why[128];

	if (have >= want)
		return 1;
	snprintf(why, sizeof(why),
		 "needs Landlock ABI %d to be blocked; this kernel has %d",
		 want, have);
	skip(id, why);
	return 0;
}

static void
list_dir(const char *id, const char *dir)
{
	static char buf[8192];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		report(0, id, "open %s to list it: %s", dir, strerror(errno));
		return;
	}
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	int e = errno;
	close(fd);
	if (n < 0)
		report(0, id, "getdents64 %s: %s", dir, strerror(e));
	else
		report(1, id, "listed %s (%ld bytes of entries)", dir, n);
}

static void
landlock(void)
{
	int abi = landlock_abi();

	if (need_abi("list-root", abi, 1))
		list_dir("list-root", "/");
	if (need_abi("list-dev", abi, 1))
		list_dir("list-dev", "/dev");
	if (need_abi("ioctl-dev", abi, 5)) {
		/* Reads the entropy count: harmless where it is allowed. */
		int cnt = 0, fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			report(0, "ioctl-dev", "open /dev/urandom: %s",
			       strerror(errno));
		} else {
			must_fail("ioctl-dev", ioctl(fd, RNDGETENTCNT, &cnt),
				  "ioctl(RNDGETENTCNT) on /dev/urandom");
			close(fd);
		}
	}
	if (need_abi("tcp-bind", abi, 4)) {
		/* Port 0: the kernel picks a free one, released at close. */
		struct sockaddr_in in = { .sin_family = AF_INET };
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = s < 0 ? -1
			       : bind(s, (struct sockaddr *)&in, sizeof(in));
		must_fail("tcp-bind", rc, "bind a TCP socket to 0.0.0.0:0");
		if (s >= 0)
			close(s);
	}
	if (need_abi("signal-out", abi, 6)) {
		/* Signal 0 checks permission and delivers nothing. */
		if (getpid() == 1)
			skip("signal-out",
			     "this probe is pid 1: no one to signal");
		else
			must_fail("signal-out", kill(1, 0),
				  "kill(1, 0): signal a process outside");
	}
}

/* --- terminal and fds ------------------------------------------------ */

/* Appends fd to found where it is a file (or disk) open for writing. */
static int
writable_file(int fd, char *found, size_t len)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY ||
	    fstat(fd, &st) < 0 ||
	    (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
		return 0;
	size_t at = strlen(found);
	if (at < len)
		snprintf(found + at, len - at, "%sfd %d (uid %u, %s)",
			 at ? ", " : "", fd, (unsigned)st.st_uid,
			 fl & O_APPEND ? "append" : "write");
	return 1;
}

/* Its own log: a jailed process that holds the file root logs it to
 * (the QMP worker's fd 2 was monitor.log) can truncate and forge it.
 * Escaped if any fd is a file open for writing: fds 0-2 and every fd
 * /proc/self/fd lists, or, with no /proc, every fd below 1024. Its
 * output belongs in a pipe the launcher reads and caps. */
static void
log_fds(void)
{
	char found[200] = "";
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	int proc = d != NULL;

	for (int fd = 0; fd < 3; fd++)
		n += writable_file(fd, found, sizeof(found));
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) > 2 &&
			    atoi(e->d_name) != dirfd(d))
				n += writable_file(atoi(e->d_name), found,
						   sizeof(found));
		closedir(d);
	} else {
		for (int fd = 3; fd < 1024; fd++)
			n += writable_file(fd, found, sizeof(found));
	}
	if (n)
		report(1, "log-fd-writable", "%d fds write to a file: %s", n,
		       found);
	else
		report(0, "log-fd-writable",
		       "no fd writes to a file (fds 0-2 and %s)",
		       proc ? "/proc/self/fd" : "every fd below 1024");
}

static void
terminal_fds(void)
{
	int tty = -1;
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			tty = fd;
	/* A controlling terminal: a setsid()'d jail has none, and no
	 * /dev/tty to open. */
	try_open("open-tty", "/dev/tty", O_RDWR);
	/* A NULL character pointer: where TIOCSTI is allowed the kernel
	 * fails the copy (EFAULT) and injects nothing. */
	if (tty < 0) {
		must_deny("tiocsti", ioctl(0, TIOCSTI, NULL),
			  "TIOCSTI on stdin");
	} else {
		must_deny("tiocsti", ioctl(tty, TIOCSTI, NULL),
			  "TIOCSTI on an inherited tty");
	}
	int extra = 0;
	for (int fd = 3; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			extra++;
	report(extra > 0, "inherited-fds", "%d fds beyond stdin/stdout/stderr",
	       extra);
	log_fds();
}

/* ioctls on the fds the jail is given (its taps, its media) that change
 * the device for everyone else, by class. The probe holds no such fd:
 * fd -1 tells the filter's EPERM from the kernel's EBADF, and changes
 * nothing where the command is allowed. Blocked only if every command
 * of the class is refused. */
static void
ioctl_class(const char *id, const char *what, const unsigned long *cmds,
	    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		long rc = ioctl(-1, cmds[i], 0);
		if (rc >= 0 || (errno != EPERM && errno != EACCES)) {
			report(1, id, "%s %#lx on fd -1 reached the kernel: %s",
			       what, cmds[i], strerror(errno));
			return;
		}
	}
	report(0, id, "%zu %s commands refused", n, what);
}

static void
device_ioctls(void)
{
	/* What a tap's holder may do to it with no capability: make it
	 * persistent and give it to a host user, and the rest. */
	static const unsigned long tun[] = {
		TUNSETIFF,       TUNSETPERSIST,      TUNSETOWNER,
		TUNSETGROUP,     TUNSETLINK,         TUNSETQUEUE,
		TUNSETIFINDEX,   TUNSETTXFILTER,     TUNATTACHFILTER,
		TUNDETACHFILTER, TUNSETSTEERINGEBPF, TUNSETFILTEREBPF,
		TUNSETCARRIER,   SIOCSIFHWADDR,      TUNSETDEBUG,
		TUNSETNOCSUM,
	};
	/* The loop driver's whole range: LOOP_CHANGE_FD and LOOP_CLR_FD
	 * need nothing but a read-only fd. */
	unsigned long loop[256];
	for (size_t i = 0; i < 256; i++)
		loop[i] = 0x4C00 + i;
	static const unsigned long cdrom[] = {
		CDROMEJECT,
		CDROMCLOSETRAY,
		CDROMEJECT_SW,
		CDROM_LOCKDOOR,
		CDROM_SET_OPTIONS,
		CDROM_CLEAR_OPTIONS,
		CDROM_SELECT_SPEED,
		CDROM_SELECT_DISC,
		CDROMSTOP,
		CDROMSTART,
		CDROMPAUSE,
		CDROMRESUME,
		CDROMPLAYMSF,
		CDROMPLAYTRKIND,
		CDROMPLAYBLK,
		CDROMVOLCTRL,
		CDROM_SEND_PACKET,
		0x2285 /* SG_IO */,
		1 /* SCSI_IOCTL_SEND_COMMAND */,
	};
	ioctl_class("tun-reconfigure", "tap-reconfiguring", tun,
		    sizeof(tun) / sizeof(tun[0]));
	ioctl_class("loop-ioctl", "loop device (0x4C00-0x4CFF)", loop, 256);
	ioctl_class("cdrom-ioctl", "CD drive tray, setting and SCSI", cdrom,
		    sizeof(cdrom) / sizeof(cdrom[0]));
}

int
main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--canary-abstract"))
			canary_abstract = argv[i + 1];
		else if (!strcmp(argv[i], "--canary-tcp"))
			canary_tcp_port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--memory-limit"))
			mem_limit = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--pids-limit"))
			pids_limit = strtoul(argv[i + 1], NULL, 10);
	}
	identity();
	filesystem();
	processes();
	kernel();
	namespaces();
	network();
	landlock();
	terminal_fds();
	device_ioctls();
	return escapes ? 1 : 0;
}
