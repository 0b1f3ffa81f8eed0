/* VM records round-trip; anything malformed is rejected whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/host/record.h"

static const char good[] =
	"{\"accel\":\"tcg\",\"config\":\"/c\",\"console_log\":\"/l\","
	"\"dm_start\":5,\"gid\":131073,\"ident\":\"range\",\"monitor_pid\":9,"
	"\"monitor_start\":3,\"name\":\"vm\",\"pid\":100,\"reaper_uid\":999,"
	"\"security_supported\":false,\"state\":\"running\",\"uid\":131073,"
	"\"uid_exclusive\":true,\"vmid\":1}";

static void
test_parse_good(void **state)
{
	(void)state;
	struct vm_record r;
	assert_int_equal(record_parse(good, strlen(good), &r), 0);
	assert_string_equal(r.name, "vm");
	assert_int_equal(r.uid, 131073);
	assert_int_equal(r.dm_pid, 100);
	assert_true(r.uid_exclusive);
	assert_false(r.security_supported);
	assert_int_equal(r.owner, 0);
}

/* The config's owner is kept, and a record read back has it. */
static void
test_owner(void **state)
{
	(void)state;
	struct vm_record r;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%.*s,\"owner\":1000}",
		 (int)strlen(good) - 1, good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), 0);
	assert_int_equal(r.owner, 1000);
	snprintf(buf, sizeof(buf), "%.*s,\"owner\":-1}", (int)strlen(good) - 1,
		 good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), -22);
	snprintf(buf, sizeof(buf), "%.*s,\"owner\":\"0\"}",
		 (int)strlen(good) - 1, good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), -22);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	struct vm_record r;
	char buf[1024];
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ "\"uid\":131073", "\"uid\":-1" },
		{ "\"uid\":131073", "\"uid\":\"131073\"" },
		{ "\"vmid\":1", "\"vmid\":40000" },
		{ "\"name\":\"vm\"", "\"name\":5" },
		{ "\"uid_exclusive\":true", "\"uid_exclusive\":1" },
		{ "\"vmid\":1", "\"vmid\":1,\"extra\":1" },
		{ "\"state\":\"running\"",
		  "\"state\":\"a-very-long-state-name\"" },
		{ "\"name\":\"vm\"", "\"name\":\"v\\u0000m\"" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(good, edits[i].from);
		assert_non_null(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good,
			 edits[i].to, at + strlen(edits[i].from));
		if (record_parse(buf, strlen(buf), &r) != -22)
			fail_msg("accepted edit %zu: %s", i, buf);
	}
	assert_int_equal(record_parse("[]", 2, &r), -22);
	assert_int_equal(record_parse("{", 1, &r), -22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
