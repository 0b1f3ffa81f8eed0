/* device_model_user: only an account dedicated to device models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/host/accounts.h"

static struct dm_user_facts
good(void)
{
	struct dm_user_facts f = {
		.name = "bulkhead-dm-web",
		.uid = 990,
		.gid = 990,
		.shell = "/usr/sbin/nologin",
		.prefix = "bulkhead",
		.has_range = true,
		.range_uid = 131072,
		.range_gid = 131072,
	};
	return f;
}

static void
refused(const struct dm_user_facts *f, const char *pat)
{
	char why[512] = "";

	assert_int_equal(dm_user_check(f, why, sizeof(why)), -1);
	if (!strstr(why, pat))
		fail_msg("want '%s' in '%s'", pat, why);
}

static void
test_dedicated_accepted(void **state)
{
	struct dm_user_facts f = good();
	char why[512];

	(void)state;
	assert_int_equal(dm_user_check(&f, why, sizeof(why)), 0);
	f.shell = "/bin/false";
	assert_int_equal(dm_user_check(&f, why, sizeof(why)), 0);
}

static void
test_special_accounts(void **state)
{
	struct dm_user_facts f;

	(void)state;
	f = good(), f.uid = 0;
	refused(&f, "maps to root");
	f = good(), f.gid = 0;
	refused(&f, "maps to root");
	f = good(), f.is_reaper = true;
	refused(&f, "reaper");
	f = good(), f.is_base = true;
	refused(&f, "range base");
	f = good(), f.is_shared = true;
	refused(&f, "shared fallback");
	f = good(), f.name = "nobody", f.uid = f.gid = 65534;
	refused(&f, "overflow id");
	f = good(), f.gid = 65534;
	refused(&f, "overflow id");
	f = good(), f.name = "daemon", f.uid = f.gid = 1;
	refused(&f, "below 100");
	f = good(), f.uid = 131073;
	refused(&f, "VM id range");
	f = good(), f.gid = 131072 + 65535;
	refused(&f, "VM id range");
	f = good(), f.uid = 131072 + 65536; /* just past it */
	char why[512];
	assert_int_equal(dm_user_check(&f, why, sizeof(why)), 0);
}

static void
test_login_shells(void **state)
{
	static const char *const shells[] = { "/bin/bash", "/bin/sh", "",
					      "/usr/bin/nologin-not",
					      "/bin/falsely" };
	struct dm_user_facts f;

	(void)state;
	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		f = good(), f.shell = shells[i];
		refused(&f, "login shell");
	}
	f = good(), f.shell = NULL;
	refused(&f, "login shell /bin/sh");
}

static void
test_names_and_groups(void **state)
{
	struct dm_user_facts f;

	(void)state;
	f = good(), f.name = "alice";
	refused(&f, "not named bulkhead-dm-NAME");
	f = good(), f.name = "bulkhead-dm-"; /* the prefix alone */
	refused(&f, "not named");
	f = good(), f.name = "xbulkhead-dm-a";
	refused(&f, "not named");
	f = good(), f.prefix = "site";
	refused(&f, "not named site-dm-NAME");
	f = good(), f.gid_shared = "alice";
	refused(&f, "also the primary group of alice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedicated_accepted),
		cmocka_unit_test(test_special_accounts),
		cmocka_unit_test(test_login_shells),
		cmocka_unit_test(test_names_and_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
