/* The jail's outer seccomp filter and Landlock ruleset, loaded for real in
 * forked children. Every call the filter lists is made in a child of its
 * own, with and without the filter: with it the call must fail with the
 * filter's EPERM, without it the same call must not (so the EPERM is the
 * filter's, not the kernel's). Other syscall ABIs (i386 int 0x80, x32)
 * must kill the process at that very call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <linux/loop.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <seccomp.h>

#include "../../src/jail/jail.h"
#include "child.h"

/* One denied call and arguments that make it fail harmlessly where no
 * filter stops it (bad flags, a bad address, fd -1): run unfiltered as
 * root it must return something other than EPERM, and it must never
 * change the host. BAD is an address no process maps. */
#define BAD 8L
struct probe {
	const char *name;
	long nr;
	long a[6];
};

static const struct probe probes[] = {
	{ "ptrace", SYS_ptrace, { 0x7fffffff, 0 } },
	{ "process_vm_readv", SYS_process_vm_readv, { 0, 0, 0, 0, 0, 1 } },
	{ "process_vm_writev", SYS_process_vm_writev, { 0, 0, 0, 0, 0, 1 } },
	{ "pidfd_getfd", SYS_pidfd_getfd, { -1, 0, 1 } },
	{ "kcmp", SYS_kcmp, { 0, 0, 99 } },
	{ "bpf", SYS_bpf, { 0x7fffffff, 0, 0 } },
	{ "perf_event_open", SYS_perf_event_open, { BAD, 0, -1, -1, 0 } },
	{ "userfaultfd", SYS_userfaultfd, { 0xfff0 } },
	{ "io_uring_setup", SYS_io_uring_setup, { 0, BAD } },
	{ "io_uring_enter", SYS_io_uring_enter, { -1 } },
	{ "io_uring_register", SYS_io_uring_register, { -1 } },
	{ "keyctl", SYS_keyctl, { 0x7fffffff } },
	{ "add_key", SYS_add_key, { BAD, BAD, 0, 0, 0 } },
	{ "request_key", SYS_request_key, { BAD, BAD, 0, 0 } },
	{ "kexec_load", SYS_kexec_load, { 0, 0x7fffffff, 0, 0 } },
	{ "kexec_file_load",
	  SYS_kexec_file_load,
	  { -1, -1, 0, 0, 0x7fff0000 } },
	{ "init_module", SYS_init_module, { BAD, 0, BAD } },
	{ "finit_module", SYS_finit_module, { -1, BAD, 0xfff0 } },
	{ "delete_module", SYS_delete_module, { BAD, 0 } },
	{ "mount", SYS_mount, { 0, BAD, 0, 0, 0 } },
	{ "umount2", SYS_umount2, { BAD, 0xfff0 } },
	{ "pivot_root", SYS_pivot_root, { BAD, BAD } },
	{ "chroot", SYS_chroot, { BAD } },
	{ "move_mount", SYS_move_mount, { -1, BAD, -1, BAD, 0x7fff0000 } },
	{ "open_tree", SYS_open_tree, { -1, BAD, 0x40000000 } },
	{ "fsopen", SYS_fsopen, { BAD, 0xfff0 } },
	{ "fsconfig", SYS_fsconfig, { -1, 99 } },
	{ "fsmount", SYS_fsmount, { -1, 0xfff0, 0 } },
	{ "fspick", SYS_fspick, { -1, BAD, 0xfff0 } },
	{ "mount_setattr", SYS_mount_setattr, { -1, BAD, 0xfff0, 0, 0 } },
	{ "unshare", SYS_unshare, { 1 } },
	{ "setns", SYS_setns, { -1, 0 } },
	{ "personality", SYS_personality, { 0xffffffff } }, /* a query */
	{ "acct", SYS_acct, { BAD } },
	{ "swapon", SYS_swapon, { BAD, 0x7ff00000 } },
	{ "swapoff", SYS_swapoff, { BAD } },
	{ "reboot", SYS_reboot, { 0, 0, 0, 0 } }, /* wrong magic */
	{ "syslog", SYS_syslog, { 0x7fff, 0, 0 } },
	{ "quotactl", SYS_quotactl, { 0, 0, 0, 0 } },
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1, BAD, 0 } },
	{ "name_to_handle_at",
	  SYS_name_to_handle_at,
	  { -1, BAD, BAD, BAD, 0xfff0 } },
	{ "lookup_dcookie", SYS_lookup_dcookie, { 0, 0, 0 } },
	{ "settimeofday", SYS_settimeofday, { 0, BAD } },
	{ "clock_settime", SYS_clock_settime, { 1, 0 } }, /* MONOTONIC */
	{ "clock_adjtime", SYS_clock_adjtime, { 0, BAD } },
	{ "adjtimex", SYS_adjtimex, { BAD } },
	{ "sethostname", SYS_sethostname, { BAD, 100000 } },
	{ "setdomainname", SYS_setdomainname, { BAD, 100000 } },
	{ "iopl", SYS_iopl, { 4 } },
	{ "ioperm", SYS_ioperm, { 0x10000, 1, 0 } },
	{ "vhangup", SYS_vhangup, { 0 } }, /* after setsid: no terminal */
	{ "uselib", SYS_uselib, { BAD } },
	{ "fanotify_init", SYS_fanotify_init, { 0xffffffff, 0 } },
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))
/* The filter's list, counted by hand: the test holds it to exactly this
 * many, so a call dropped from (or added to) the list without a probe
 * here fails. */
#define NDENIED 53

struct result {
	long ret;
	int err;
};

/* In a forked child: cmocka catches SIGSYS, SIGSEGV and the like to
 * report a failed test, and a child that got one would go back into the
 * test runner; a child dies of them instead. */
static void
child_begin(void)
{
	static const int sigs[] = { SIGSYS, SIGSEGV, SIGILL, SIGBUS, SIGFPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

static void
load_filter_sockets_or_exit(uint64_t sockets)
{
	char why[256] = "";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    jail_seccomp_apply(sockets, why, sizeof(why)) < 0)
		_exit(90);
}

/* The filter as the device model gets it. */
static void
load_filter_or_exit(void)
{
	load_filter_sockets_or_exit(jail_policy_get(JAIL_DM)->sockets);
}

/* Makes the probe's call in a child, under the filter or not, and
 * returns what that very call returned: the child writes nothing else
 * to the pipe. */
static struct result
run_probe(const struct probe *p, bool filtered)
{
	int fd[2];
	struct result r = { 0, 0 };

	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		close(fd[0]);
		if (setsid() < 0) /* no controlling terminal for vhangup */
			_exit(91);
		if (filtered)
			load_filter_or_exit();
		errno = 0;
		r.ret = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3],
				p->a[4], p->a[5]);
		r.err = errno;
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 92);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], &r, sizeof(r));
	close(fd[0]);
	int st = child_status(pid);
	if (got != (ssize_t)sizeof(r) || st != 0)
		fail_msg("%s (%s): child reported %zd bytes, status %d",
			 p->name, filtered ? "filtered" : "unfiltered", got,
			 st);
	return r;
}

static void
test_list_is_exactly_the_probes(void **state)
{
	(void)state;
	size_t n;
	const struct jail_denied_syscall *d = jail_seccomp_denied(&n);

	assert_int_equal(n, NDENIED);
	assert_int_equal(NPROBES, NDENIED);
	for (size_t i = 0; i < n; i++) {
		size_t found = 0;
		const struct probe *p = NULL;
		for (size_t j = 0; j < NPROBES; j++)
			if (!strcmp(probes[j].name, d[i].name)) {
				found++;
				p = &probes[j];
			}
		if (found != 1)
			fail_msg("%s: %zu probes, want 1", d[i].name, found);
		/* libseccomp denies the number the kernel calls by that
		 * name, the one the probe makes. */
		assert_int_equal(seccomp_syscall_resolve_name(d[i].name),
				 p->nr);
		assert_true(strlen(d[i].why) > 0);
	}
}

static void
test_each_denied_call_fails_by_the_filter(void **state)
{
	(void)state;
	size_t bad = 0;

	for (size_t i = 0; i < NPROBES; i++) {
		const struct probe *p = &probes[i];
		struct result f = run_probe(p, true);
		struct result u = run_probe(p, false);
		bool denied = f.ret == -1 && f.err == EPERM;
		bool kernel_eperm = u.ret == -1 && u.err == EPERM;
		if (!denied || kernel_eperm) {
			printf("  %s: filtered %ld/%s, unfiltered %ld/%s\n",
			       p->name, f.ret, strerror(f.err), u.ret,
			       strerror(u.err));
			bad++;
		}
	}
	if (bad)
		fail_msg("%zu of %zu calls not denied by the filter", bad,
			 NPROBES);
}

/* The filter's ioctl commands, counted by hand as the calls are. */
#define NDENIED_IOCTLS 38

/* Every denied command on fd -1: the filter's EPERM filtered, the
 * kernel's EBADF unfiltered; the same with junk in the upper 32 bits
 * (the kernel ignores them), and, for a masked range, at its last
 * command. Neighbours the device model needs reach the kernel. */
static void
test_each_denied_ioctl_fails_by_the_filter(void **state)
{
	(void)state;
	size_t n, bad = 0;
	const struct jail_denied_ioctl *d = jail_seccomp_denied_ioctls(&n);

	assert_int_equal(n, NDENIED_IOCTLS);
	for (size_t i = 0; i < n; i++) {
		unsigned long last = d[i].cmd | (~d[i].mask & 0xffffffffUL);
		const unsigned long cmds[] = { d[i].cmd, last,
					       0xabcd00000000UL | last };
		assert_true(strlen(d[i].why) > 0);
		for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
			struct probe p = { d[i].name,
					   SYS_ioctl,
					   { -1, (long)cmds[c] } };
			struct result f = run_probe(&p, true);
			struct result u = run_probe(&p, false);
			if (f.ret != -1 || f.err != EPERM || u.err != EBADF) {
				printf("  %s %#lx: filtered %s, unfiltered "
				       "%s\n",
				       d[i].name, cmds[c], strerror(f.err),
				       strerror(u.err));
				bad++;
			}
		}
	}
	static const unsigned long allowed[] = {
		TUNGETIFF,       TUNGETFEATURES,
		TUNSETOFFLOAD,   TUNSETVNETHDRSZ,
		TUNSETSNDBUF,    TUNSETVNETLE,
		TUNSETVNETBE,    FIONREAD,
		LOOP_SET_FD - 1, 0x4D00 /* past the loop range */,
	};
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		struct probe p = { "allowed",
				   SYS_ioctl,
				   { -1, (long)allowed[i] } };
		struct result f = run_probe(&p, true);
		if (f.err != EBADF) {
			printf("  allowed %#lx: filtered %s\n", allowed[i],
			       strerror(f.err));
			bad++;
		}
	}
	if (bad)
		fail_msg("%zu ioctl commands wrongly filtered", bad);
}

/* One ioctl on a real device, with and without the filter: the filter
 * must answer EPERM, the kernel (as root) must not. */
static void
ioctl_both_ways(const char *name, int fd, unsigned long cmd, const void *arg,
		size_t *bad)
{
	struct probe p = { name, SYS_ioctl, { fd, (long)cmd, (long)arg } };
	struct result f = run_probe(&p, true);
	struct result u = run_probe(&p, false);

	if (f.ret != -1 || f.err != EPERM || u.err == EPERM) {
		printf("  %s: filtered %ld/%s, unfiltered %ld/%s\n", name,
		       f.ret, strerror(f.err), u.ret, strerror(u.err));
		(*bad)++;
	}
}

static int
tun_open(const char *name, short flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0 || !name)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A tap made as the toolstack makes them (not persistent, down, on no
 * bridge): every command that remakes it is refused by the filter on
 * the very fd QEMU would hold, and succeeds there without the filter
 * (TUNSETQUEUE: EINVAL on a single-queue tap, past any permission
 * check). What QEMU does with its tap still works under the filter. */
static void
test_tun_ioctls_on_a_real_tap(void **state)
{
	(void)state;
	char name[IFNAMSIZ], other[IFNAMSIZ];
	const short flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	size_t bad = 0;

	snprintf(name, sizeof(name), "bhut%d", (int)getpid() % 100000);
	snprintf(other, sizeof(other), "bhuu%d", (int)getpid() % 100000);
	int tap = tun_open(name, flags);
	if (tap < 0) {
		printf("  skipped: no tap (%s): not root or no /dev/net/tun\n",
		       strerror(errno));
		skip();
	}
	struct ifreq nifr = { .ifr_flags = flags };
	snprintf(nifr.ifr_name, sizeof(nifr.ifr_name), "%s", other);
	struct ifreq qifr = { .ifr_flags = IFF_DETACH_QUEUE };
	struct ifreq mac = { 0 };
	mac.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(mac.ifr_hwaddr.sa_data, "\x02\x00\x00\x62\x68\x01", 6);
	struct tun_filter txf = { 0, 0 };
	struct sock_filter acc = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = { 1, &acc };
	int zero = 0, one = 1, minus1 = -1, ether = ARPHRD_ETHER;
	unsigned ifindex = 0x7ffffff0;
	const struct {
		const char *name;
		unsigned long cmd;
		const void *arg;
		bool fresh; /* on an unattached /dev/net/tun fd */
	} tries[] = {
		{ "TUNSETIFF", TUNSETIFF, &nifr, true },
		{ "TUNSETIFINDEX", TUNSETIFINDEX, &ifindex, true },
		{ "TUNSETPERSIST", TUNSETPERSIST, (void *)0, false },
		{ "TUNSETOWNER", TUNSETOWNER, (void *)0, false },
		{ "TUNSETGROUP", TUNSETGROUP, (void *)0, false },
		{ "TUNSETLINK", TUNSETLINK, (void *)(long)ether, false },
		{ "TUNSETQUEUE", TUNSETQUEUE, &qifr, false },
		{ "TUNSETTXFILTER", TUNSETTXFILTER, &txf, false },
		{ "TUNATTACHFILTER", TUNATTACHFILTER, &prog, false },
		{ "TUNDETACHFILTER", TUNDETACHFILTER, &prog, false },
		{ "TUNSETSTEERINGEBPF", TUNSETSTEERINGEBPF, &minus1, false },
		{ "TUNSETFILTEREBPF", TUNSETFILTEREBPF, &minus1, false },
		{ "TUNSETCARRIER", TUNSETCARRIER, &one, false },
		{ "SIOCSIFHWADDR", SIOCSIFHWADDR, &mac, false },
	};
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		/* The child's TUNSETIFF attaches the shared file: a fresh
		 * one for each run, closed (and its tap gone) after. */
		int fd = tries[i].fresh ? tun_open(NULL, 0) : tap;
		assert_true(fd >= 0);
		ioctl_both_ways(tries[i].name, fd, tries[i].cmd, tries[i].arg,
				&bad);
		if (fd != tap)
			close(fd);
	}
	/* QEMU's own use of the tap, under the filter. */
	struct ifreq got;
	unsigned features;
	int hdr = 12, sndbuf = 1 << 20;
	const struct {
		const char *name;
		unsigned long cmd;
		const void *arg;
	} uses[] = {
		{ "TUNGETIFF", TUNGETIFF, &got },
		{ "TUNGETFEATURES", TUNGETFEATURES, &features },
		{ "TUNSETOFFLOAD", TUNSETOFFLOAD, (void *)0 },
		{ "TUNSETVNETHDRSZ", TUNSETVNETHDRSZ, &hdr },
		{ "TUNSETSNDBUF", TUNSETSNDBUF, &sndbuf },
		{ "TUNSETVNETLE", TUNSETVNETLE, &zero },
	};
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		struct probe p = { uses[i].name,
				   SYS_ioctl,
				   { tap, (long)uses[i].cmd,
				     (long)uses[i].arg } };
		struct result f = run_probe(&p, true);
		if (f.ret != 0) {
			printf("  %s under the filter: %s\n", uses[i].name,
			       strerror(f.err));
			bad++;
		}
	}
	/* Made persistent by nobody: gone when the test's fd closes. */
	ioctl(tap, TUNSETPERSIST, 0);
	close(tap);
	assert_int_equal(if_nametoindex(name), 0);
	assert_int_equal(if_nametoindex(other), 0);
	if (bad)
		fail_msg("%zu tun commands wrong", bad);
}

/* A file of 1 MiB whose first bytes are mark, for a loop device. */
static int
loop_file(char *path, size_t len, const char *mark)
{
	snprintf(path, len, "/tmp/bh-ut-loop-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0 ||
	    pwrite(fd, mark, strlen(mark), 0) != (ssize_t)strlen(mark)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* A free loop device bound read-only to backing; its fd, *dev its
 * read-only fd as a medium reaches the device model. */
static int
loop_attach(int backing, int *ro)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int fd = -1;

	for (int tries = 0; ctl >= 0 && fd < 0 && tries < 8; tries++) {
		char dev[32];
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		struct loop_config lc = { .fd = (unsigned)backing };
		lc.info.lo_flags = LO_FLAGS_READ_ONLY;
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		fd = n < 0 ? -1 : open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && ioctl(fd, LOOP_CONFIGURE, &lc) < 0) {
			close(fd); /* taken by someone else meanwhile */
			fd = -1;
		}
		if (fd >= 0)
			*ro = open(dev, O_RDONLY | O_CLOEXEC);
	}
	if (ctl >= 0)
		close(ctl);
	return fd;
}

static ino_t
loop_backing_ino(int fd)
{
	struct loop_info64 li;
	return ioctl(fd, LOOP_GET_STATUS64, &li) < 0 ? 0 : li.lo_inode;
}

/* A read-only loop device medium, as a cdrom target reaches QEMU: under
 * the filter LOOP_CHANGE_FD (what the review did), LOOP_CLR_FD,
 * LOOP_SET_STATUS64 and even LOOP_GET_STATUS64 are refused and the
 * device still reads the host's file; without it, the same read-only fd
 * swaps the file under every other reader and then detaches it. */
static void
test_loop_ioctls_on_a_real_loop_device(void **state)
{
	(void)state;
	char pa[64], pb[64];
	struct stat sa, sb;
	struct loop_info64 li;
	int ro = -1;
	size_t bad = 0;

	int a = loop_file(pa, sizeof(pa), "ORIGINAL");
	int b = loop_file(pb, sizeof(pb), "SWAPPED!");
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	int loop = loop_attach(a, &ro);
	if (loop < 0 || ro < 0) {
		printf("  skipped: no loop device (%s): not root?\n",
		       strerror(errno));
		unlink(pa);
		unlink(pb);
		skip();
	}
	assert_int_equal(ioctl(loop, LOOP_GET_STATUS64, &li), 0);
	const struct {
		const char *name;
		unsigned long cmd;
		const void *arg;
	} tries[] = {
		{ "LOOP_GET_STATUS64", LOOP_GET_STATUS64, &li },
		{ "LOOP_SET_STATUS64", LOOP_SET_STATUS64, &li },
		{ "LOOP_CHANGE_FD", LOOP_CHANGE_FD, (void *)(long)b },
		{ "LOOP_CLR_FD", LOOP_CLR_FD, (void *)0 },
	};
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct probe p = { tries[i].name,
				   SYS_ioctl,
				   { ro, (long)tries[i].cmd,
				     (long)tries[i].arg } };
		struct result f = run_probe(&p, true);
		if (f.ret != -1 || f.err != EPERM) {
			printf("  %s filtered: %ld/%s\n", tries[i].name, f.ret,
			       strerror(f.err));
			bad++;
		}
	}
	if (loop_backing_ino(loop) != sa.st_ino) {
		printf("  filtered: the loop device no longer reads its file\n");
		bad++;
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct probe p = { tries[i].name,
				   SYS_ioctl,
				   { ro, (long)tries[i].cmd,
				     (long)tries[i].arg } };
		struct result u = run_probe(&p, false);
		if (u.ret != 0) {
			printf("  %s unfiltered: %s\n", tries[i].name,
			       strerror(u.err));
			bad++;
		}
		if (tries[i].cmd == LOOP_CHANGE_FD &&
		    loop_backing_ino(loop) != sb.st_ino) {
			printf("  LOOP_CHANGE_FD unfiltered: not swapped\n");
			bad++;
		}
	}
	close(ro);
	ioctl(loop, LOOP_CLR_FD, 0); /* if the test's own did not */
	close(loop);
	close(a);
	close(b);
	unlink(pa);
	unlink(pb);
	if (bad)
		fail_msg("%zu loop commands wrong", bad);
}

static void
test_allowed_calls_work(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		child_begin();
		load_filter_or_exit();
		if (getpid() <= 0)
			_exit(1);
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			_exit(2);
		/* ioctl itself stays: other commands reach the kernel. */
		int avail;
		if (ioctl(fd, FIONREAD, &avail) != -1 || errno != ENOTTY)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

/* --- namespaces: no path to a new one, or into another ------------- */

/* Every CLONE_NEW* flag and the namespace it makes, as /proc/PID/ns
 * names it. Each makes a namespace through clone3 and unshare; through clone all
 * but NEWTIME: 0x80 lies in clone's exit-signal byte, so clone has no
 * way to ask for a time namespace. */
static const struct {
	unsigned long flag;
	const char *name;
	const char *ns;
} ns_flags[] = {
	{ CLONE_NEWUSER, "NEWUSER", "user" },
	{ CLONE_NEWNS, "NEWNS", "mnt" },
	{ CLONE_NEWPID, "NEWPID", "pid" },
	{ CLONE_NEWNET, "NEWNET", "net" },
	{ CLONE_NEWIPC, "NEWIPC", "ipc" },
	{ CLONE_NEWUTS, "NEWUTS", "uts" },
	{ CLONE_NEWCGROUP, "NEWCGROUP", "cgroup" },
	{ CLONE_NEWTIME, "NEWTIME", "time" },
};
#define NNS (sizeof(ns_flags) / sizeof(ns_flags[0]))

enum ns_call { NS_CLONE, NS_CLONE3, NS_UNSHARE, NS_SETNS };
static const char *const ns_call_names[] = { "clone", "clone3", "unshare",
					     "setns" };

/* 1 if /proc/self/ns/NAME is no longer what it was (before). */
static int
ns_changed(const char *name, const char *before)
{
	char path[64], now[64] = "";
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (readlink(path, now, sizeof(now) - 1) < 0)
		_exit(98);
	return strcmp(now, before) != 0;
}

/* One attempt at a namespace, in the calling child: 0 if the call made
 * the namespace flag asks for (or, for setns, joined one), 1 if it
 * worked but made none, -1 with errno if it failed. A clone that works
 * makes a process that looks at its own namespaces and exits at once
 * (fork semantics: no CLONE_VM, the same stack); after an unshare a
 * forked process looks (pid and time namespaces are its, not this
 * child's). i is the flag's row, or -1 for none. */
static long
ns_attempt(enum ns_call call, int i)
{
	unsigned long flag = i < 0 ? 0 : ns_flags[i].flag;
	const char *name = i < 0 ? "net" : ns_flags[i].ns;
	char before[64] = "", path[64];
	struct clone_args ca;
	long r;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (readlink(path, before, sizeof(before) - 1) < 0)
		_exit(98);
	switch (call) {
	case NS_CLONE: /* x86-64: flags, stack, parent_tid, child_tid, tls */
		r = syscall(SYS_clone, flag | SIGCHLD, 0L, 0L, 0L, 0L);
		break;
	case NS_CLONE3:
		memset(&ca, 0, sizeof(ca));
		ca.flags = flag;
		ca.exit_signal = SIGCHLD;
		r = syscall(SYS_clone3, &ca, sizeof(ca));
		break;
	case NS_UNSHARE:
		r = syscall(SYS_unshare, flag);
		if (r == 0)
			r = fork();
		break;
	case NS_SETNS: { /* this process's own namespace: a no-op join */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(96);
		r = syscall(SYS_setns, fd, CLONE_NEWNET);
		int e = errno;
		close(fd);
		errno = e;
		return r;
	}
	default:
		_exit(93);
	}
	if (r == 0) /* the new process: 0 if it is in a new namespace */
		_exit(!ns_changed(name, before));
	if (r < 0)
		return r;
	/* __WALL: clone's NEWTIME bit makes its exit signal no SIGCHLD */
	int st;
	if (waitpid((pid_t)r, &st, __WALL) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) > 1)
		_exit(97);
	return i < 0 ? 0 : WEXITSTATUS(st);
}

/* Runs one attempt in a child of its own, with the filter or without,
 * and returns what that very call returned. */
static struct result
run_ns(enum ns_call call, int i, bool filtered)
{
	int fd[2];
	struct result r = { 0, 0 };

	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		close(fd[0]);
		if (filtered)
			load_filter_or_exit();
		errno = 0;
		r.ret = ns_attempt(call, i);
		r.err = r.ret < 0 ? errno : 0;
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 92);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], &r, sizeof(r));
	close(fd[0]);
	int st = child_status(pid);
	if (got != (ssize_t)sizeof(r) || st != 0)
		fail_msg("%s %s (%s): child reported %zd bytes, status %d",
			 ns_call_names[call], i < 0 ? "-" : ns_flags[i].name,
			 filtered ? "filtered" : "unfiltered", got, st);
	return r;
}

/* Each CLONE_NEW* flag through clone, clone3 and unshare: under the
 * filter refused (clone3 as a whole with ENOSYS, so glibc falls back to
 * clone, whose flags the filter can read); without it, as root, the same
 * call makes that namespace (so the refusal is the filter's), except
 * clone's NEWTIME bit, an exit signal the filter refuses all the same. */
static void
test_no_new_namespaces(void **state)
{
	(void)state;
	static const enum ns_call calls[] = { NS_CLONE, NS_CLONE3, NS_UNSHARE };
	size_t bad = 0;

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
		for (size_t i = 0; i < NNS; i++) {
			enum ns_call call = calls[c];
			struct result f = run_ns(call, (int)i, true);
			struct result u = run_ns(call, (int)i, false);
			int want = call == NS_CLONE3 ? ENOSYS : EPERM;
			bool refused = f.ret == -1 && f.err == want;
			bool no_ns = call == NS_CLONE &&
				     ns_flags[i].flag == CLONE_NEWTIME;
			bool kernel_ok = u.ret == (no_ns ? 1 : 0);
			if (!refused || !kernel_ok) {
				printf("  %s(%s): filtered %ld/%s, "
				       "unfiltered %ld/%s\n",
				       ns_call_names[call], ns_flags[i].name,
				       f.ret, strerror(f.err), u.ret,
				       strerror(u.err));
				bad++;
			}
		}
	/* clone3 is refused whatever it asks, even a plain fork; setns is
	 * refused even into a namespace the caller is in already. */
	struct result f = run_ns(NS_CLONE3, -1, true);
	struct result u = run_ns(NS_CLONE3, -1, false);
	if (f.ret != -1 || f.err != ENOSYS || u.ret != 0) {
		printf("  clone3(0): filtered %ld/%s, unfiltered %ld/%s\n",
		       f.ret, strerror(f.err), u.ret, strerror(u.err));
		bad++;
	}
	f = run_ns(NS_SETNS, -1, true);
	u = run_ns(NS_SETNS, -1, false);
	if (f.ret != -1 || f.err != EPERM || u.ret != 0) {
		printf("  setns(own net): filtered %ld/%s, unfiltered %ld/%s\n",
		       f.ret, strerror(f.err), u.ret, strerror(u.err));
		bad++;
	}
	if (bad)
		fail_msg("%zu namespace calls not refused by the filter", bad);
}

static int thread_ran;

static void *
thread_main(void *arg)
{
	thread_ran = 1;
	return arg;
}

/* With clone3 refused, the C library's threads, fork and posix_spawn
 * still work under the filter: glibc falls back to clone on ENOSYS (and
 * so do the sanitizers' interceptors, which call it). */
static void
test_threads_and_fork_work(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		load_filter_or_exit();
		pthread_t t;
		void *ret = NULL;
		if (pthread_create(&t, NULL, thread_main, &thread_ran) != 0)
			_exit(1);
		if (pthread_join(t, &ret) != 0 || ret != &thread_ran ||
		    !thread_ran)
			_exit(2);
		pid_t f = fork();
		if (f < 0)
			_exit(3);
		if (f == 0)
			_exit(42);
		if (child_status(f) != 42)
			_exit(4);
		char name[] = "true";
		char *const argv[] = { name, NULL };
		char *const envp[] = { NULL };
		pid_t sp;
		if (posix_spawn(&sp, "/bin/true", NULL, NULL, argv, envp) != 0)
			_exit(5);
		if (child_status(sp) != 0)
			_exit(6);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

/* --- sockets: an allowlist of families, per level ------------------ */

/* Every family number 0..AF_MAX, then numbers past it and ones with
 * bits above the 32 the kernel reads (it takes the low int: those are
 * AF_INET and AF_UNIX to it); each with every socket type, through
 * socket() and socketpair(), and every netlink protocol. */
static const long past_families[] = {
	AF_MAX + 1,           255,
	0x7fffffff,           -1L,
	0xffffffffL,          (1L << 32) | AF_INET,
	(1L << 32) | AF_UNIX,
};
static const int sock_types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
				  SOCK_SEQPACKET };

/* One socket call and what it returned. */
struct sock_call {
	long family;
	int type;
	long protocol;
	bool pair;
	long ret;
	int err;
};

struct sock_report {
	int calls;            /* made */
	int escaped;          /* 1: bad is a refused family that got by */
	struct sock_call bad; /* the first such call */
	int allowed_made;     /* sockets of allowed families made */
};

static bool
family_allowed(uint64_t sockets, long family)
{
	return family >= 0 && family < 64 && (sockets & JAIL_AF(family));
}

/* Whether the filter lets c through: a family the allowlist lists, and
 * for AF_UNIX only socket() of SOCK_STREAM (seccomp.c, narrow_unix). */
static bool
call_allowed(uint64_t sockets, const struct sock_call *c)
{
	if (!family_allowed(sockets, c->family))
		return false;
	return c->family != AF_UNIX ||
	       (!c->pair && (c->type & 0xf) == SOCK_STREAM);
}

/* Makes c's call; true if it fits the allowlist: a refused call fails
 * with the filter's EPERM, an allowed one never does. */
static bool
sock_try(uint64_t sockets, struct sock_call *c, int *made)
{
	int sv[2];

	errno = 0;
	if (c->pair)
		c->ret = syscall(SYS_socketpair, c->family, c->type,
				 c->protocol, sv);
	else
		c->ret = syscall(SYS_socket, c->family, c->type, c->protocol);
	c->err = c->ret < 0 ? errno : 0;
	if (c->ret >= 0) {
		close(c->pair ? sv[0] : (int)c->ret);
		if (c->pair)
			close(sv[1]);
	}
	if (call_allowed(sockets, c)) {
		*made += c->ret >= 0;
		return !(c->ret == -1 && c->err == EPERM);
	}
	return c->ret == -1 && c->err == EPERM;
}

/* The sweep, in a child under the filter with this allowlist. It stops
 * at the first refused family that gets by: that call reached the
 * kernel, which may load a protocol's module for it, and a broken filter
 * should not load every one. */
static void
sock_sweep(uint64_t sockets, struct sock_report *r)
{
	long fams[AF_MAX + 1 + sizeof(past_families) / sizeof(long)];
	size_t nf = 0;

	for (long f = 0; f <= AF_MAX; f++)
		fams[nf++] = f;
	for (size_t i = 0; i < sizeof(past_families) / sizeof(long); i++)
		fams[nf++] = past_families[i];
	for (size_t i = 0; i < nf; i++)
		for (size_t t = 0; t < 4 * 2; t++) {
			struct sock_call c = {
				fams[i], sock_types[t / 2] | SOCK_CLOEXEC,
				0,       t % 2,
				0,       0
			};
			r->calls++;
			if (!sock_try(sockets, &c, &r->allowed_made)) {
				r->escaped = 1;
				r->bad = c;
				return;
			}
		}
	for (long proto = 0; proto < MAX_LINKS; proto++)
		for (int raw = 0; raw <= 1; raw++) {
			struct sock_call c = {
				AF_NETLINK, raw ? SOCK_RAW : SOCK_DGRAM,
				proto,      false,
				0,          0
			};
			r->calls++;
			if (!sock_try(sockets, &c, &r->allowed_made)) {
				r->escaped = 1;
				r->bad = c;
				return;
			}
		}
}

static struct sock_report
run_sock_sweep(uint64_t sockets)
{
	int fd[2];
	struct sock_report r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		close(fd[0]);
		load_filter_sockets_or_exit(sockets);
		sock_sweep(sockets, &r);
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 92);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], &r, sizeof(r));
	close(fd[0]);
	int st = child_status(pid);
	if (got != (ssize_t)sizeof(r) || st != 0)
		fail_msg("socket sweep: child reported %zd bytes, status %d",
			 got, st);
	return r;
}

/* Every level with the filter: each family its row does not list is
 * refused, through socket() and socketpair(), by every type and netlink
 * protocol; the families it lists still make sockets. Against the filter
 * before the allowlist, every one of the 496 calls reached the kernel
 * and 51 made a socket (unix, inet, inet6, 11 netlink protocols,
 * packet, vsock, xdp, and inet and unix with upper bits set). */
static void
test_socket_families(void **state)
{
	(void)state;
	/* and allowlists no level has, so the filter's rules for a listed
	 * family are tried whatever the table says today */
	static const struct jail_policy others[] = {
		{ .name = "unix only", .sockets = JAIL_AF(AF_UNIX) },
		{ .name = "unix and inet6",
		  .sockets = JAIL_AF(AF_UNIX) | JAIL_AF(AF_INET6) },
	};
	const struct jail_policy *rows[JAIL_LEVELS + 2];
	size_t n = 0, bad = 0;

	for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++)
		if (jail_policy_get(l)->seccomp)
			rows[n++] = jail_policy_get(l);
	rows[n++] = &others[0];
	rows[n++] = &others[1];
	for (size_t i = 0; i < n; i++) {
		const struct jail_policy *p = rows[i];
		struct sock_report r = run_sock_sweep(p->sockets);
		if (r.escaped) {
			printf("  %s: %s(%#lx, %d, %ld) = %ld/%s, after %d "
			       "calls\n",
			       p->name, r.bad.pair ? "socketpair" : "socket",
			       (unsigned long)r.bad.family, r.bad.type,
			       r.bad.protocol, r.bad.ret, strerror(r.bad.err),
			       r.calls);
			bad++;
		} else if (p->sockets && r.allowed_made == 0) {
			printf("  %s: no socket of an allowed family made\n",
			       p->name);
			bad++;
		}
	}
	if (bad)
		fail_msg("%zu levels' socket allowlists not kept", bad);
}

/* The families and netlink protocols the review made sockets of, and
 * plain TCP and UDP: as root without the filter the kernel makes each
 * (or refuses it with something other than EPERM), so the EPERM under
 * it is the filter's. Other families are not tried without the filter:
 * an unknown one can make the kernel load a module on the test host. */
static void
test_socket_families_reach_the_kernel_unfiltered(void **state)
{
	(void)state;
	static const struct sock_call named[] = {
		{ AF_INET, SOCK_STREAM, 0, false, 0, 0 },
		{ AF_INET, SOCK_DGRAM, 0, false, 0, 0 },
		{ AF_INET6, SOCK_STREAM, 0, false, 0, 0 },
		{ AF_INET6, SOCK_DGRAM, 0, false, 0, 0 },
		{ AF_PACKET, SOCK_RAW, 0, false, 0, 0 },
		{ AF_VSOCK, SOCK_STREAM, 0, false, 0, 0 },
		{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, false, 0, 0 },
		{ AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, false, 0, 0 },
		{ AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, false, 0, 0 },
		{ AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER, false, 0, 0 },
		{ AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT, false, 0, 0 },
		{ AF_UNIX, SOCK_STREAM, 0, true, 0, 0 },
	};
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		int fd[2];
		struct sock_call c = named[i];
		int made = 0;
		assert_int_equal(pipe(fd), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			child_begin();
			close(fd[0]);
			(void)sock_try(~0ull, &c, &made);
			_exit(write(fd[1], &c, sizeof(c)) == sizeof(c) ? 0
								       : 92);
		}
		close(fd[1]);
		ssize_t got = read(fd[0], &c, sizeof(c));
		close(fd[0]);
		assert_int_equal(child_status(pid), 0);
		assert_int_equal(got, sizeof(c));
		if (c.ret == -1 && c.err == EPERM) {
			printf("  %d/%ld: EPERM without the filter\n",
			       (int)c.family, c.protocol);
			bad++;
		}
	}
	if (bad)
		fail_msg("%zu calls refused by the kernel itself", bad);
}

/* Calls through another syscall ABI: the filter's bad-arch action kills
 * the whole process. */
enum abi_call { I386_GETPID, X32_GETPID, X32_PTRACE, I386_UNSHARE, X32_CLONE3 };

static void
abi_call(enum abi_call which)
{
	long ret;
	switch (which) {
	case I386_GETPID: /* the i386 table through int 0x80: getpid */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		break;
	case X32_GETPID: /* x32: the x86-64 instruction, nr | X32 bit */
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(0x40000000L | SYS_getpid)
				 : "rcx", "r11", "memory");
		break;
	case X32_PTRACE: /* x32's own ptrace (521), a denied call */
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(0x40000000L | 521L), "D"(0x7fffffffL),
				   "S"(0L)
				 : "rcx", "r11", "memory");
		break;
	case I386_UNSHARE: /* i386 unshare (310): a user namespace */
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(310L), "b"((long)CLONE_NEWUSER)
				 : "memory");
		break;
	case X32_CLONE3: /* x32's clone3 (435), no arguments: EFAULT */
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(0x40000000L | 435L), "D"(0L), "S"(0L)
				 : "rcx", "r11", "memory");
		break;
	default:
		_exit(93);
	}
	(void)ret;
}

/* Runs one call of another ABI in a child. The child writes "A" just
 * before the call and "B" just after it: marks gets what arrived, and
 * the return is the child's status. "A" alone with SIGSYS means that
 * very call killed it. */
static int
run_abi(enum abi_call which, bool filtered, char *marks, size_t len)
{
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		close(fd[0]);
		if (filtered)
			load_filter_or_exit();
		if (write(fd[1], "A", 1) != 1)
			_exit(94);
		abi_call(which);
		_exit(write(fd[1], "B", 1) == 1 ? 0 : 95);
	}
	close(fd[1]);
	size_t n = 0;
	ssize_t got;
	while (n + 1 < len && (got = read(fd[0], marks + n, len - 1 - n)) > 0)
		n += (size_t)got;
	marks[n] = '\0';
	close(fd[0]);
	return child_status(pid);
}

static void
check_abi_killed(enum abi_call which, const char *what)
{
	char marks[8];
	int st = run_abi(which, false, marks, sizeof(marks));
	if (st != 0 || strcmp(marks, "AB") != 0)
		fail_msg("%s without the filter: status %d, marks '%s'", what,
			 st, marks);
	st = run_abi(which, true, marks, sizeof(marks));
	if (st != 128 + SIGSYS || strcmp(marks, "A") != 0)
		fail_msg("%s under the filter: status %d, marks '%s'", what, st,
			 marks);
}

static void
test_i386_abi_killed(void **state)
{
	(void)state;
	check_abi_killed(I386_GETPID, "i386 getpid");
	check_abi_killed(I386_UNSHARE, "i386 unshare(CLONE_NEWUSER)");
}

static void
test_x32_abi_killed(void **state)
{
	(void)state;
	check_abi_killed(X32_GETPID, "x32 getpid");
	check_abi_killed(X32_PTRACE, "x32 ptrace");
	check_abi_killed(X32_CLONE3, "x32 clone3");
}
static void
test_landlock(void **state)
{
	(void)state;
	if (jail_landlock_abi() < 1) {
		printf("test_landlock: SKIPPED: kernel has no Landlock\n");
		return;
	}
	char dir[] = "/tmp/bh-test-ll-XXXXXX";
	char allowed[128], other[128];
	assert_non_null(mkdtemp(dir));
	snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	close(open(allowed, O_CREAT | O_WRONLY, 0644));
	close(open(other, O_CREAT | O_WRONLY, 0644));

	pid_t pid = fork();
	if (pid == 0) {
		struct jail_bind b;
		snprintf(b.path, sizeof(b.path), "%s", allowed);
		b.exec = false;
		struct jail_spec s = { .level = JAIL_DM,
				       .binds = &b,
				       .nbinds = 1,
				       .exec_path = "/usr/bin/true" };
		char why[256] = "";
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    jail_landlock_apply(&s, why, sizeof(why)) < 0)
			_exit(90);
		if (open(allowed, O_RDONLY) < 0)
			_exit(1); /* granted: read */
		if (open(allowed, O_WRONLY) >= 0 || errno != EACCES)
			_exit(2); /* not granted: write */
		if (open(other, O_RDONLY) >= 0 || errno != EACCES)
			_exit(3); /* not in the ruleset */
		if (open("/etc/passwd", O_RDONLY) >= 0)
			_exit(4);
		if (open("/dev/null", O_WRONLY) < 0)
			_exit(5); /* device nodes granted */
		if (mkdir("/tmp/bh-test-ll-new", 0700) == 0)
			_exit(6);
		_exit(0);
	}
	int st = child_status(pid);
	unlink(allowed);
	unlink(other);
	rmdir(dir);
	assert_int_equal(st, 0);
}

/* Each Landlock rule a kernel lacks is named with the kernel that adds
 * it: Debian 12's 6.1 (ABI 2) lacks four, a 6.12 kernel (ABI 6) none. */
static void
test_landlock_missing_by_abi(void **state)
{
	char buf[512], small[40];
	(void)state;

	jail_landlock_missing(2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "truncate rules (Linux 6.2"));
	assert_non_null(strstr(buf, "TCP bind/connect rules (Linux 6.7"));
	assert_non_null(strstr(buf, "device ioctl rules (Linux 6.10"));
	assert_non_null(strstr(buf, "scoping (Linux 6.12"));
	jail_landlock_missing(4, buf, sizeof(buf));
	assert_null(strstr(buf, "truncate"));
	assert_null(strstr(buf, "TCP"));
	assert_non_null(strstr(buf, "device ioctl rules"));
	assert_non_null(strstr(buf, "scoping"));
	assert_string_equal(jail_landlock_missing(6, buf, sizeof(buf)), "");
	assert_string_equal(jail_landlock_missing(7, buf, sizeof(buf)), "");
	/* Too small for the first rule: an empty, terminated string. */
	assert_string_equal(jail_landlock_missing(1, small, sizeof(small)), "");
}

/* Image locks (src/host/imglock.h) cannot be taken or dropped under
 * the filter: each lock-setting fcntl command and flock fail with its
 * EPERM (fd -1: EBADF without it); F_GETLK-style queries still work. */
static const struct probe lock_probes[] = {
	{ "fcntl F_SETLK", SYS_fcntl, { -1, F_SETLK, 0 } },
	{ "fcntl F_SETLKW", SYS_fcntl, { -1, F_SETLKW, 0 } },
	{ "fcntl F_OFD_SETLK", SYS_fcntl, { -1, F_OFD_SETLK, 0 } },
	{ "fcntl F_OFD_SETLKW", SYS_fcntl, { -1, F_OFD_SETLKW, 0 } },
	{ "fcntl F_OFD_SETLK, upper bits set",
	  SYS_fcntl,
	  { -1, (long)(0xabcd00000000UL | F_OFD_SETLK), 0 } },
	{ "flock", SYS_flock, { -1, LOCK_UN } },
};

static void
test_lock_calls_denied(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lock_probes) / sizeof(lock_probes[0]);
	     i++) {
		struct result f = run_probe(&lock_probes[i], true);
		struct result u = run_probe(&lock_probes[i], false);
		if (f.ret != -1 || f.err != EPERM || u.err == EPERM)
			fail_msg("%s: filtered %ld/%s, unfiltered %ld/%s",
				 lock_probes[i].name, f.ret, strerror(f.err),
				 u.ret, strerror(u.err));
	}
}

/* What a compromised device model would do: F_UNLCK (or flock) the
 * write lock on the description it was handed. The lock must stay. */
static void
test_image_lock_stays(void **state)
{
	(void)state;
	char path[] = "/tmp/bh-seccomp-lock-XXXXXX", c = 0;
	int fd = mkstemp(path), done[2], go[2];
	struct flock wr = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_OFD_SETLK, &wr), 0);
	assert_int_equal(pipe(done), 0);
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_begin();
		close(go[1]);
		load_filter_or_exit();
		struct flock un = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		c = fcntl(fd, F_OFD_SETLK, &un) != -1 || errno != EPERM ? 1
		    : flock(fd, LOCK_UN) != -1 || errno != EPERM        ? 2
		    : fcntl(fd, F_OFD_GETLK, &q) < 0                    ? 3
									: 0;
		(void)!write(done[1], &c, 1);
		(void)!read(go[0], &c, 1); /* keep fd until checked */
		_exit(0);
	}
	close(go[0]);
	close(fd); /* only the child's inherited fd holds the lock now */
	assert_int_equal(read(done[0], &c, 1), 1);
	int other = open(path, O_RDWR | O_CLOEXEC);
	unlink(path);
	assert_true(other >= 0);
	int taken = fcntl(other, F_OFD_SETLK, &wr);
	close(go[1]);
	assert_int_equal(child_status(pid), 0);
	close(other);
	close(done[0]);
	close(done[1]);
	assert_int_equal(c, 0);
	assert_int_equal(taken, -1); /* still the child's */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_is_exactly_the_probes),
		cmocka_unit_test(test_landlock_missing_by_abi),
		cmocka_unit_test(test_each_denied_call_fails_by_the_filter),
		cmocka_unit_test(test_each_denied_ioctl_fails_by_the_filter),
		cmocka_unit_test(test_tun_ioctls_on_a_real_tap),
		cmocka_unit_test(test_loop_ioctls_on_a_real_loop_device),
		cmocka_unit_test(test_allowed_calls_work),
		cmocka_unit_test(test_no_new_namespaces),
		cmocka_unit_test(test_threads_and_fork_work),
		cmocka_unit_test(test_socket_families),
		cmocka_unit_test(
			test_socket_families_reach_the_kernel_unfiltered),
		cmocka_unit_test(test_i386_abi_killed),
		cmocka_unit_test(test_x32_abi_killed),
		cmocka_unit_test(test_landlock),
		cmocka_unit_test(test_lock_calls_denied),
		cmocka_unit_test(test_image_lock_stays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
