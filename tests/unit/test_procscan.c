/* Credentials belong to each thread: the sweep that decides "no process
 * of the VM's ids is left" must see a thread whose ids differ from its
 * leader's, and a thread group whose leader has exited (a zombie), and
 * its kill must end the whole group. The shapes are made as the review
 * made them, with raw syscalls (glibc's setresuid would change every
 * thread). Root required. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/host/procscan.h"
#include "../../src/host/reaper.h"
#include "child.h"

/* Far from any real account, and from test_privs' ids. */
#define VM_UID 4000000011u
#define VM_GID 4000000012u
#define OTHER 4000000013u
#define REAPER 4000000014u

enum shape {
	THREAD_UID,  /* leader OTHER, one thread VM_UID (the review's A) */
	ZOMBIE_LEAD, /* every thread euid VM_UID, real/saved OTHER, leader
			exited (the review's B) */
	THREAD_GID,  /* leader OTHER, one thread holding only VM_GID */
};

static int ready_fd = -1;

static void *
holder_thread(void *arg)
{
	enum shape s = *(const enum shape *)arg;
	long rc = 0;

	if (s == THREAD_UID)
		rc = syscall(SYS_setresuid, VM_UID, VM_UID, VM_UID);
	else if (s == THREAD_GID)
		rc = syscall(SYS_setresgid, VM_GID, VM_GID, VM_GID);
	if (rc < 0 || write(ready_fd, "t", 1) != 1)
		_exit(20);
	for (;;)
		pause();
	return NULL;
}

/* The forked holder: never returns. */
static void
holder_main(enum shape s)
{
	static enum shape shape;
	pthread_t t;

	shape = s;
	alarm(60); /* a failed test leaves nothing behind for long */
	if (setgroups(0, NULL) < 0)
		_exit(21);
	if (s == ZOMBIE_LEAD && (setresgid(OTHER, VM_GID, OTHER) < 0 ||
				 setresuid(OTHER, VM_UID, OTHER) < 0))
		_exit(22);
	if (pthread_create(&t, NULL, holder_thread, &shape) != 0)
		_exit(23);
	if (s == ZOMBIE_LEAD)
		syscall(SYS_exit, 0); /* this thread only */
	/* Leave root in this thread only (the other keeps its own copy). */
	if (syscall(SYS_setresgid, OTHER, OTHER, OTHER) < 0 ||
	    syscall(SYS_setresuid, OTHER, OTHER, OTHER) < 0 ||
	    write(ready_fd, "l", 1) != 1)
		_exit(24);
	for (;;)
		pause();
}

/* State letter of pid's leader thread. */
static char
leader_state(pid_t pid)
{
	char path[64], *text, st = '?';

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (file_read_all(path, 1 << 20, &text, NULL) < 0)
		return '?';
	const char *p = strstr(text, "\nState:\t");
	if (p)
		st = p[8];
	free(text);
	return st;
}

/* Fork a holder of the given shape and wait until it has its shape. */
static pid_t
start_holder(enum shape s)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ready_fd = p[1];
		holder_main(s);
	}
	close(p[1]);
	/* The thread has its ids; so has the leader, unless it exits. */
	char c[2];
	size_t want = s == ZOMBIE_LEAD ? 1 : 2;
	for (size_t got = 0; got < want;) {
		ssize_t n = read(p[0], c, want - got);
		assert_true(n > 0 || (n < 0 && errno == EINTR));
		got += n > 0 ? (size_t)n : 0;
	}
	close(p[0]);
	for (int i = 0; i < 200 && s == ZOMBIE_LEAD; i++) {
		if (leader_state(pid) == 'Z')
			break;
		sleep_ms(10);
	}
	if (s == ZOMBIE_LEAD)
		assert_int_equal(leader_state(pid), 'Z');
	return pid;
}

/* The reaper's kill(-1) is checked against the leader's credentials:
 * it cannot end these shapes. Root's sweep, thread by thread, does. */
static void
sweep(pid_t pid, uid_t uid, gid_t gid)
{
	char lock[] = "/tmp/bh-test-procscan-XXXXXX";
	int t = mkstemp(lock);

	assert_true(t >= 0);
	close(t);
	assert_int_equal(procscan_count_ids(uid, gid), 1);
	if (uid != PROCSCAN_NO_UID) {
		assert_int_equal(reaper_kill_uid(lock, REAPER, uid), 0);
		sleep_ms(50);
		assert_int_equal(procscan_count_ids(uid, gid), 1);
	}
	unlink(lock);
	assert_int_equal(procscan_kill_ids(uid, gid), 1);
	assert_int_equal(child_status(pid), 128 + SIGKILL);
	assert_int_equal(procscan_count_ids(uid, gid), 0);
}

static void
test_thread_uid(void **state)
{
	(void)state;
	pid_t pid = start_holder(THREAD_UID);
	/* /proc/PID/status (the leader) shows OTHER only. */
	char path[64], *text;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_int_equal(file_read_all(path, 1 << 20, &text, NULL), 0);
	assert_non_null(strstr(text, "\nUid:\t4000000013\t4000000013\t"));
	free(text);
	sweep(pid, VM_UID, PROCSCAN_NO_GID);
}

static void
test_zombie_leader(void **state)
{
	(void)state;
	sweep(start_holder(ZOMBIE_LEAD), VM_UID, PROCSCAN_NO_GID);
}

static void
test_thread_gid(void **state)
{
	(void)state;
	pid_t pid = start_holder(THREAD_GID);
	/* Not counted when only the uid is asked for. */
	assert_int_equal(procscan_count_ids(VM_UID, PROCSCAN_NO_GID), 0);
	assert_int_equal(procscan_kill_ids(VM_UID, PROCSCAN_NO_GID), 0);
	sweep(pid, PROCSCAN_NO_UID, VM_GID);
}

/* A process with more supplementary groups than fit in a small read of
 * its status is still seen (its Uid line is not lost). */
static void
test_many_groups(void **state)
{
	(void)state;
	enum { N = 8000 };
	static gid_t groups[N];
	for (int i = 0; i < N; i++)
		groups[i] = 3000000000u + (gid_t)i;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60);
		if (setgroups(N, groups) < 0 ||
		    setresuid(VM_UID, VM_UID, VM_UID) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	for (int i = 0;
	     i < 200 && procscan_count_ids(VM_UID, PROCSCAN_NO_GID) == 0; i++)
		sleep_ms(10);
	assert_int_equal(procscan_count_ids(VM_UID, PROCSCAN_NO_GID), 1);
	assert_int_equal(procscan_count_ids(PROCSCAN_NO_UID, groups[N - 1]), 1);
	assert_int_equal(procscan_kill_ids(VM_UID, PROCSCAN_NO_GID), 1);
	assert_int_equal(child_status(pid), 128 + SIGKILL);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("test_procscan: SKIPPED: needs root (changes ids, kills "
		       "by id)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_uid),
		cmocka_unit_test(test_zombie_leader),
		cmocka_unit_test(test_thread_gid),
		cmocka_unit_test(test_many_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
