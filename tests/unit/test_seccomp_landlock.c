/* The jail's outer seccomp filter and Landlock ruleset, loaded for real in
 * forked children: denied calls fail, allowed work goes on, and the i386
 * syscall table cannot be used to get around the filter. */
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <seccomp.h>

#include "../../src/jail/jail.h"
#include "child.h"

static void
load_filter_or_exit(void)
{
	char why[256] = "";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    jail_seccomp_apply(why, sizeof(why)) < 0)
		_exit(90);
}

static void
test_every_name_resolves(void **state)
{
	(void)state;
	size_t n;
	const struct jail_denied_syscall *d = jail_seccomp_denied(&n);
	assert_true(n >= 40);
	for (size_t i = 0; i < n; i++) {
		if (seccomp_syscall_resolve_name(d[i].name) == __NR_SCMP_ERROR)
			fail_msg("unknown syscall %s", d[i].name);
		assert_true(strlen(d[i].why) > 0);
	}
}

static void
test_denied_calls_fail(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		load_filter_or_exit();
		errno = 0;
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != -1 || errno != EPERM)
			_exit(1);
		if (unshare(CLONE_NEWUTS) != -1 || errno != EPERM)
			_exit(2);
		if (syscall(SYS_bpf, 0, NULL, 0) != -1 || errno != EPERM)
			_exit(3);
		if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 || errno != EPERM)
			_exit(4);
		if (syscall(SYS_io_uring_setup, 1, NULL) != -1 ||
		    errno != EPERM)
			_exit(5);
		if (syscall(SYS_userfaultfd, 0) != -1 || errno != EPERM)
			_exit(6);
		if (syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) != -1 ||
		    errno != EPERM)
			_exit(7);
		char c = 'x';
		if (ioctl(0, TIOCSTI, &c) != -1 || errno != EPERM)
			_exit(8);
		if (syscall(SYS_personality, 0x0040000) != -1 || errno != EPERM)
			_exit(9);
		/* Ordinary work still runs. */
		if (getpid() <= 0 || open("/dev/null", O_RDONLY) < 0)
			_exit(20);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

static void
test_i386_abi_killed(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		load_filter_or_exit();
		/* getpid through the i386 table (int 0x80, nr 20): another
		 * ABI, so the whole process is killed. */
		long ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		_exit(0);
	}
	assert_int_equal(child_status(pid), 128 + SIGSYS);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_name_resolves),
		cmocka_unit_test(test_denied_calls_fail),
		cmocka_unit_test(test_i386_abi_killed),
		cmocka_unit_test(test_landlock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
