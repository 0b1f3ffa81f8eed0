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
		.group_name = "bulkhead-dm-web",
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

/* The account database as written by a hostile hand: passwd and group
 * text through dm_user_scan, then dm_user_check. */
static int
scan_check(const char *passwd, const char *group, const char *name, uid_t uid,
	   gid_t gid, char *why, size_t whylen)
{
	struct dm_user_facts f = good();
	struct dm_user_others o;
	FILE *p = tmpfile(), *g = tmpfile();

	assert_non_null(p);
	assert_non_null(g);
	fputs(passwd, p);
	fputs(group, g);
	fflush(p);
	fflush(g);
	f.name = name, f.uid = uid, f.gid = gid;
	dm_user_scan(&f, &o, p, g);
	fclose(p);
	fclose(g);
	why[0] = '\0';
	return dm_user_check(&f, why, whylen);
}

#define PW(n, u, g, sh) n ":x:" #u ":" #g "::/nonexistent:" sh "\n"
#define NOLOGIN "/usr/sbin/nologin"

static void
scan_refused(const char *passwd, const char *group, const char *name, uid_t uid,
	     gid_t gid, const char *pat)
{
	char why[512];

	assert_int_equal(
		scan_check(passwd, group, name, uid, gid, why, sizeof(why)),
		-1);
	if (!strstr(why, pat))
		fail_msg("want '%s' in '%s'", pat, why);
}

static void
test_database_accepted(void **state)
{
	char why[512];

	(void)state;
	assert_int_equal(scan_check("root:x:0:0::/root:/bin/bash\n" PW(
					    "bulkhead-dm-web", 990, 990,
					    NOLOGIN) "alice:x:1000:1000::/home/"
						     "alice:/bin/bash\n",
				    "root:x:0:\nbulkhead-dm-web:x:990:\n"
				    "alice:x:1000:\nsudo:x:27:alice\n",
				    "bulkhead-dm-web", 990, 990, why,
				    sizeof(why)),
			 0);
}

/* The review's shapes (F4), each refused naming the other party. */
static void
test_database_shared(void **state)
{
	(void)state;
	/* A borrowed group as primary group: ssl-cert reads TLS keys. */
	scan_refused(PW("bulkhead-dm-revg", 995, 103, NOLOGIN),
		     "ssl-cert:x:103:\n", "bulkhead-dm-revg", 995, 103,
		     "primary group is ssl-cert (gid 103), not its own");
	/* A login account with the same uid. */
	scan_refused(PW("bulkhead-dm-reva", 994, 994, NOLOGIN)
			     PW("revalias", 994, 1000, "/bin/bash"),
		     "bulkhead-dm-reva:x:994:\n", "bulkhead-dm-reva", 994, 994,
		     "uid 994 is also account revalias");
	/* A supplementary member of its group. */
	scan_refused(PW("bulkhead-dm-revm", 993, 993, NOLOGIN)
			     PW("revmember", 1001, 1001, "/bin/bash"),
		     "bulkhead-dm-revm:x:993:revmember\n", "bulkhead-dm-revm",
		     993, 993, "has member revmember");
	/* Another group with the gid, with or without members. */
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN),
		     "bulkhead-dm-web:x:990:\ndupe:x:990:\n", "bulkhead-dm-web",
		     990, 990, "also group dupe");
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN),
		     "dupe:x:990:bob\nbulkhead-dm-web:x:990:\n",
		     "bulkhead-dm-web", 990, 990, "also group dupe");
	/* No group at all; another account's primary gid. */
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN), "",
		     "bulkhead-dm-web", 990, 990, "has no group");
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN)
			     PW("carol", 1002, 990, "/bin/bash"),
		     "bulkhead-dm-web:x:990:\n", "bulkhead-dm-web", 990, 990,
		     "primary group of carol");
	/* A supplementary member of another group (disk: raw disks). */
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN),
		     "disk:x:6:bob,bulkhead-dm-web\nbulkhead-dm-web:x:990:\n",
		     "bulkhead-dm-web", 990, 990, "member of group disk");
}

/* Listed as a member of its own group only: nothing shared. */
static void
test_database_own_member(void **state)
{
	char why[512];

	(void)state;
	assert_int_equal(scan_check(PW("bulkhead-dm-web", 990, 990, NOLOGIN),
				    "bulkhead-dm-web:x:990:bulkhead-dm-web\n",
				    "bulkhead-dm-web", 990, 990, why,
				    sizeof(why)),
			 0);
	scan_refused(PW("bulkhead-dm-web", 990, 990, NOLOGIN),
		     "bulkhead-dm-web:x:990:bulkhead-dm-web,eve\n",
		     "bulkhead-dm-web", 990, 990, "has member eve");
}

/* Lines the parser cannot read do not hide the lines after them. */
static void
test_database_hostile_lines(void **state)
{
	(void)state;
	scan_refused("garbage\n#comment\n::::::\n\n" PW(
			     "bulkhead-dm-reva", 994, 994,
			     NOLOGIN) "x:y:z\n" PW("revalias", 994, 1000,
						   "/bin/bash"),
		     "junk\nbulkhead-dm-reva:x:994:\n", "bulkhead-dm-reva", 994,
		     994, "also account revalias");
	scan_refused(PW("bulkhead-dm-revm", 993, 993, NOLOGIN),
		     "bad line\nbulkhead-dm-revm:x:993:\n:::\n"
		     "bulkhead-dm-revm:x:993:eve\n",
		     "bulkhead-dm-revm", 993, 993, "has member eve");
}

static void
test_shared_rules(void **state)
{
	struct dm_user_facts f;

	(void)state;
	f = good(), f.group_name = "bulkhead-dm-web", f.uid_shared = "x";
	refused(&f, "also account x");
	f = good(), f.group_name = "kvm";
	refused(&f, "primary group is kvm");
	f = good(), f.group_name = "bulkhead-dm-web", f.group_member = "m";
	refused(&f, "has member m");
	f = good(), f.group_name = "bulkhead-dm-web", f.supp_group = "kvm";
	refused(&f, "member of group kvm");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedicated_accepted),
		cmocka_unit_test(test_special_accounts),
		cmocka_unit_test(test_login_shells),
		cmocka_unit_test(test_names_and_groups),
		cmocka_unit_test(test_database_accepted),
		cmocka_unit_test(test_database_shared),
		cmocka_unit_test(test_database_own_member),
		cmocka_unit_test(test_database_hostile_lines),
		cmocka_unit_test(test_shared_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
