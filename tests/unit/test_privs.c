/* The jail's pieces, run for real in forked children (root required):
 * privileges dropped and verified, rlimits as Xen sets them, fds reduced
 * to the allowlist, and the reaper killing by uid. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/procscan.h"
#include "../../src/host/reaper.h"
#include "../../src/jail/jail.h"
#include "child.h"

#define TEST_UID 4000000001u /* far from any real account */
#define TEST_REAPER 4000000002u
#define RL_ALL                                                               \
	(JAIL_RL_CORE | JAIL_RL_MSGQUEUE | JAIL_RL_LOCKS | JAIL_RL_MEMLOCK | \
	 JAIL_RL_NOFILE | JAIL_RL_FSIZE)

static void
test_drop(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		char why[256];
		if (jail_drop_privileges(TEST_UID, TEST_UID, why, sizeof(why)) <
		    0)
			_exit(10);
		if (getuid() != TEST_UID || geteuid() != TEST_UID)
			_exit(11);
		if (setuid(0) == 0 || setgid(0) == 0)
			_exit(12); /* must not get root back */
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(13);
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			_exit(14);
		if (open("/etc/shadow", O_RDONLY) >= 0)
			_exit(15);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

static void
test_drop_refuses_root(void **state)
{
	(void)state;
	char why[256];
	assert_true(jail_drop_privileges(0, 5, why, sizeof(why)) < 0);
	assert_true(jail_drop_privileges(5, 0, why, sizeof(why)) < 0);
}

static void
test_rlimits(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		char why[256];
		struct rlimit rl;
		if (jail_set_rlimits(RL_ALL, 70, JAIL_FSIZE_MIN, why,
				     sizeof(why)) < 0)
			_exit(10);
		getrlimit(RLIMIT_FSIZE, &rl);
		if (rl.rlim_cur != 262144 || rl.rlim_max != 262144)
			_exit(11);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur != 70 || rl.rlim_max != 70)
			_exit(12);
		getrlimit(RLIMIT_CORE, &rl);
		if (rl.rlim_max != 0)
			_exit(13);
		getrlimit(RLIMIT_MEMLOCK, &rl);
		if (rl.rlim_max != 0)
			_exit(14);
		/* Writing past FSIZE fails (SIGXFSZ ignored -> EFBIG). */
		signal(SIGXFSZ, SIG_IGN);
		char path[] = "/tmp/bh-test-fsize-XXXXXX";
		int fd = mkstemp(path);
		unlink(path);
		static char buf[300 * 1024];
		ssize_t n = write(fd, buf, sizeof(buf));
		_exit(n == 262144 ? 0 : 15);
	}
	assert_int_equal(child_status(pid), 0);
}

/* Why FSIZE is sized to the largest rw disk: the kernel refuses a write
 * that ends past the limit even inside a file that is already bigger,
 * so Xen's 256 KiB breaks any read-write disk image above 256 KiB. */
static void
test_fsize_covers_disk(void **state)
{
	(void)state;
	char path[] = "/tmp/bh-test-disk-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static char buf[4096];
	for (int i = 0; i < 512; i++) /* a 2 MiB, fully written "disk" */
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	pid_t pid = fork();
	if (pid == 0) {
		char why[256];
		signal(SIGXFSZ, SIG_IGN);
		if (jail_set_rlimits(RL_ALL, 70, JAIL_FSIZE_MIN, why,
				     sizeof(why)) < 0)
			_exit(10);
		if (pwrite(fd, buf, sizeof(buf), 1 << 20) >= 0 ||
		    errno != EFBIG)
			_exit(11); /* inside the file, past FSIZE: refused */
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
	pid = fork();
	if (pid == 0) {
		char why[256];
		signal(SIGXFSZ, SIG_IGN);
		if (jail_set_rlimits(RL_ALL, 70, 2ull << 20, why, sizeof(why)) <
		    0)
			_exit(10);
		if (pwrite(fd, buf, sizeof(buf), (2 << 20) - 4096) !=
		    sizeof(buf))
			_exit(11); /* the disk's last block */
		if (pwrite(fd, buf, sizeof(buf), 2 << 20) >= 0 ||
		    errno != EFBIG)
			_exit(12); /* growing it: refused */
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
	close(fd);
}

static void
test_fds(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		int a = open("/dev/null", O_RDONLY);
		int b = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		int extra = open("/dev/null", O_RDONLY); /* must be closed */
		int p[2];
		if (pipe(p) < 0)
			_exit(9);
		int fds[] = { b, a, a };
		int kept;
		if (jail_fds_install(fds, 3, p[1], &kept) < 0 || kept != 3)
			_exit(10);
		(void)extra;
		char buf[1];
		if (read(0, buf, 1) != 1) /* fd 0 is /dev/zero now */
			_exit(11);
		if (fcntl(0, F_GETFD) & FD_CLOEXEC)
			_exit(12); /* allowlisted fds survive exec */
		if (!(fcntl(3, F_GETFD) & FD_CLOEXEC))
			_exit(13); /* the error pipe does not */
		for (int fd = 4; fd < 2048; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				_exit(14);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

/* A root shell's soft RLIMIT_NOFILE is often 1024: the temporary
 * copies must not need fd numbers at or above it. */
static void
test_fds_low_nofile(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 32, 32 };
		int p[2], kept;
		if (pipe(p) < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(9);
		int fds[] = { p[0], p[0], p[1], 0 };
		if (jail_fds_install(fds, 4, p[1], &kept) < 0 || kept != 4)
			_exit(10);
		if (write(2, "x", 1) != 1)
			_exit(11); /* fd 2 is the pipe's write end */
		char c;
		if (read(0, &c, 1) != 1 || c != 'x')
			_exit(12);
		if (fcntl(5, F_GETFD) >= 0)
			_exit(13);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

static void
test_reaper(void **state)
{
	(void)state;
	char lock[] = "/tmp/bh-test-reaper-XXXXXX";
	int t = mkstemp(lock);
	close(t);
	/* Three processes of TEST_UID, one of them forking in a loop. */
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (setresuid(TEST_UID, TEST_UID, TEST_UID) < 0)
				_exit(1);
			for (;;) {
				if (i == 0 && fork() == 0)
					_exit(0);
				pause();
			}
		}
	}
	/* Each child takes the uid after fork: on a loaded host that may
	 * take longer than any fixed sleep. */
	for (int i = 0;
	     i < 500 && procscan_count_ids(TEST_UID, PROCSCAN_NO_GID) < 3; i++)
		sleep_ms(10);
	assert_true(procscan_count_ids(TEST_UID, PROCSCAN_NO_GID) >= 3);
	assert_int_equal(reaper_kill_uid(lock, TEST_REAPER, TEST_UID), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(child_status(kids[i]), 128 + SIGKILL);
	sleep_ms(50);
	assert_int_equal(procscan_count_ids(TEST_UID, PROCSCAN_NO_GID), 0);
	/* Nothing left: still success. Root and same-uid reapers refused. */
	assert_int_equal(reaper_kill_uid(lock, TEST_REAPER, TEST_UID), 0);
	assert_true(reaper_kill_uid(lock, 0, TEST_UID) < 0);
	assert_true(reaper_kill_uid(lock, TEST_UID, TEST_UID) < 0);
	assert_true(reaper_kill_uid(lock, TEST_REAPER, 0) < 0);
	unlink(lock);
}

static void
test_starttime(void **state)
{
	(void)state;
	assert_true(procscan_starttime(getpid()) > 0);
	assert_int_equal(procscan_starttime(-1), 0);
	assert_int_equal(procscan_starttime(999999999), 0);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("test_privs: SKIPPED: needs root (changes uids, sets "
		       "rlimits, kills by uid)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_refuses_root),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_fsize_covers_disk),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_fds_low_nofile),
		cmocka_unit_test(test_reaper),
		cmocka_unit_test(test_starttime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
