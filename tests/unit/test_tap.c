/* tap_delete: a tap a device model made persistent is deleted by the
 * name and index the record keeps, and nothing else ever is: not a tap
 * whose name now has another index, not an interface that is no tap.
 * Needs root and /dev/net/tun (skipped otherwise); the taps are the
 * test's own and are gone at its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../src/host/tap.h"

/* A persistent tap NAME, as TUNSETPERSIST leaves one: its index, or 0. */
static unsigned
persistent_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int rc = ioctl(fd, TUNSETIFF, &ifr);
	if (rc == 0)
		rc = ioctl(fd, TUNSETPERSIST, 1);
	close(fd);
	return rc == 0 ? if_nametoindex(name) : 0;
}

static void
test_delete_persistent_tap(void **state)
{
	(void)state;
	char name[IFNAMSIZ];

	snprintf(name, sizeof(name), "bhtt%d", (int)getpid() % 100000);
	unsigned idx = persistent_tap(name);
	if (idx == 0) {
		printf("  skipped: no persistent tap (%s): not root?\n",
		       strerror(errno));
		skip();
	}
	/* It outlives its fd: what teardown must not leave. */
	assert_int_equal(if_nametoindex(name), idx);
	/* Another index under that name (a later interface): untouched. */
	assert_int_equal(tap_delete(name, idx + 1000), 0);
	assert_int_equal(if_nametoindex(name), idx);
	assert_int_equal(tap_delete(name, 0), 0);
	assert_int_equal(if_nametoindex(name), idx);
	/* Its own name and index: deleted. */
	assert_int_equal(tap_delete(name, idx), 1);
	assert_int_equal(if_nametoindex(name), 0);
	/* Gone (the usual case, with QEMU's fd closed): nothing to do. */
	assert_int_equal(tap_delete(name, idx), 0);
}

/* lo is no tun device: never deleted, whatever the record says. */
static void
test_never_a_non_tap(void **state)
{
	(void)state;
	unsigned lo = if_nametoindex("lo");

	assert_true(lo > 0);
	assert_int_equal(tap_delete("lo", lo), 0);
	assert_int_equal(if_nametoindex("lo"), lo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_persistent_tap),
		cmocka_unit_test(test_never_a_non_tap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
