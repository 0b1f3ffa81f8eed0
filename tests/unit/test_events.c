/* The lifecycle event log's format and parser (events_log.h): what the
 * monitor writes reads back the same; lines of another shape, another
 * version, wrong types, overlong fields or embedded NULs are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/host/events_log.h"

static void
test_round_trip(void **state)
{
	(void)state;
	struct bh_event e = { .time = 1796692271.5, .vmid = 7 }, back;
	char line[EVENTS_LINE_MAX];

	strcpy(e.vm, "web1");
	strcpy(e.event, "destroyed");
	strcpy(e.detail, "guest \"poweroff\"\n\x1b[31m");
	int n = events_format(&e, line, sizeof(line));
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	/* one line, ASCII only: no control byte reaches a terminal */
	for (int i = 0; i < n - 1; i++)
		assert_true(line[i] >= 0x20 && line[i] < 0x7f);
	assert_int_equal(events_parse(line, (size_t)n - 1, &back), 0);
	assert_string_equal(back.vm, "web1");
	assert_string_equal(back.detail, e.detail);
	assert_int_equal(back.vmid, 7);
}

static void
test_hostile_lines(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"[]",
		"not json",
		"{\"version\":2,\"time\":1.0,\"vm\":\"a\",\"vmid\":1,\"event\":"
		"\"x\",\"detail\":\"\"}",
		"{\"version\":1,\"time\":\"1\",\"vm\":\"a\",\"vmid\":1,\"event\":"
		"\"x\",\"detail\":\"\"}",
		"{\"version\":1,\"time\":1.0,\"vm\":\"a\",\"vmid\":-1,\"event\":"
		"\"x\",\"detail\":\"\"}",
		"{\"version\":1,\"time\":1.0,\"vm\":\"a\\u0000b\",\"vmid\":1,"
		"\"event\":\"x\",\"detail\":\"\"}",
		"{\"version\":1,\"time\":1.0,\"vm\":\"a\",\"vmid\":1,\"event\":"
		"\"x\",\"detail\":\"\",\"vm\":\"b\"}",
		"{\"version\":1,\"time\":1.0,\"vm\":\"a\",\"vmid\":1,\"event\":"
		"\"012345678901234567890123456789012\",\"detail\":\"\"}",
		"{\"version\":1,\"time\":1.0,\"vmid\":1,\"event\":\"x\","
		"\"detail\":\"\"}",
	};
	struct bh_event e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(events_parse(bad[i], strlen(bad[i]), &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
