/* Disk image locks: two open file descriptions of one image conflict as
 * the VMs holding them must (rw against rw, rw against ro), two readers
 * share, the refusal says which, and the lock lives on the description
 * (a dup or a child's inherited fd keeps it) and goes with its last fd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/host/imglock.h"

static char path[] = "/tmp/bh-imglock-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* A new open file description of the image, as a second VM's would be. */
static int
open_img(int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void
test_rw_twice_refused(void **state)
{
	(void)state;
	char why[128] = "";
	int a = open_img(O_RDWR), b = open_img(O_RDWR);

	assert_int_equal(imglock_take(a, true, why, sizeof(why)), 0);
	assert_int_equal(imglock_take(b, true, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "in use read-write by another VM (lock held)");
	close(a);
	assert_int_equal(imglock_take(b, true, why, sizeof(why)), 0);
	close(b);
}

static void
test_ro_against_rw(void **state)
{
	(void)state;
	char why[128] = "";
	int w = open_img(O_RDWR), r = open_img(O_RDONLY);

	/* A reader of an image a VM writes... */
	assert_int_equal(imglock_take(w, true, why, sizeof(why)), 0);
	assert_int_equal(imglock_take(r, false, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "in use read-write by another VM (lock held)");
	close(w);
	/* ...and a writer of an image a VM reads. */
	assert_int_equal(imglock_take(r, false, why, sizeof(why)), 0);
	w = open_img(O_RDWR);
	assert_int_equal(imglock_take(w, true, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "in use read-only by another VM (lock held)");
	close(w);
	close(r);
}

static void
test_readers_share(void **state)
{
	(void)state;
	char why[128] = "";
	int a = open_img(O_RDONLY), b = open_img(O_RDONLY);

	assert_int_equal(imglock_take(a, false, why, sizeof(why)), 0);
	assert_int_equal(imglock_take(b, false, why, sizeof(why)), 0);
	close(a);
	close(b);
}

/* The CLI takes the lock, hands the fd on and closes its own: the lock
 * must stay with whoever holds the description (QEMU), in any process,
 * and go when the last fd closes. */
static void
test_lock_follows_description(void **state)
{
	(void)state;
	char why[128] = "";
	int a = open_img(O_RDWR), b = open_img(O_RDWR), p[2];

	assert_int_equal(imglock_take(a, true, why, sizeof(why)), 0);
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		(void)!read(p[0], &c, 1); /* hold a until told */
		_exit(0);
	}
	close(p[0]);
	int d = dup(a);
	close(a);
	close(d);
	/* Only the child's inherited fd is left: still locked. */
	assert_int_equal(imglock_take(b, true, why, sizeof(why)), -EBUSY);
	close(p[1]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(imglock_take(b, true, why, sizeof(why)), 0);
	close(b);
}

static void
test_no_holder_named(void **state)
{
	(void)state;
	char name[64];
	int a = open_img(O_RDWR);

	/* No VM's device model has this file open. */
	assert_int_equal(imglock_holder(a, name, sizeof(name)), -ENOENT);
	close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rw_twice_refused),
		cmocka_unit_test(test_ro_against_rw),
		cmocka_unit_test(test_readers_share),
		cmocka_unit_test(test_lock_follows_description),
		cmocka_unit_test(test_no_holder_named),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
