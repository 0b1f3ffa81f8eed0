/* VM records round-trip; anything malformed is rejected whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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

/* The VM's taps are kept with their index, for teardown to delete that
 * very interface; anything odd in them rejects the record. */
static void
test_taps(void **state)
{
	(void)state;
	struct vm_record r;
	char buf[1024];
	static const char *const bad[] = {
		"[{\"name\":\"bh1.0\",\"ifindex\":0}]",
		"[{\"name\":\"bh1.0\",\"ifindex\":-3}]",
		"[{\"name\":\"\",\"ifindex\":7}]",
		"[{\"name\":\"../lo\",\"ifindex\":7}]",
		"[{\"name\":\"a-name-too-long-16\",\"ifindex\":7}]",
		"[{\"name\":\"bh1.0\",\"ifindex\":7,\"x\":1}]",
		"[\"bh1.0\"]",
		"{}",
		"[{\"name\":\"a\",\"ifindex\":1},{\"name\":\"b\",\"ifindex\":"
		"2},{\"name\":\"c\",\"ifindex\":3},{\"name\":\"d\",\"ifindex\":"
		"4},{\"name\":\"e\",\"ifindex\":5},{\"name\":\"f\",\"ifindex\":"
		"6},{\"name\":\"g\",\"ifindex\":7},{\"name\":\"h\",\"ifindex\":"
		"8},{\"name\":\"i\",\"ifindex\":9}]",
	};

	snprintf(buf, sizeof(buf),
		 "%.*s,\"owner\":0,\"taps\":[{\"name\":\"bh1.0\",\"ifindex\":"
		 "42},{\"name\":\"web0\",\"ifindex\":43}]}",
		 (int)strlen(good) - 1, good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), 0);
	assert_int_equal(r.ntaps, 2);
	assert_string_equal(r.taps[0].name, "bh1.0");
	assert_int_equal(r.taps[0].ifindex, 42);
	assert_string_equal(r.taps[1].name, "web0");
	assert_int_equal(r.taps[1].ifindex, 43);
	/* Older records: none. */
	assert_int_equal(record_parse(good, strlen(good), &r), 0);
	assert_int_equal(r.ntaps, 0);
	/* "taps" counts only beside "owner". */
	snprintf(buf, sizeof(buf), "%.*s,\"taps\":[]}", (int)strlen(good) - 1,
		 good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), -22);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%.*s,\"owner\":0,\"taps\":%s}",
			 (int)strlen(good) - 1, good, bad[i]);
		if (record_parse(buf, strlen(buf), &r) != -22)
			fail_msg("accepted taps %zu: %s", i, buf);
	}
}

/* The vifs' claims (MAC and ip=) are kept for create's uniqueness
 * check; anything odd in them rejects the record. */
static void
test_vifs(void **state)
{
	(void)state;
	struct vm_record r;
	char buf[1024];
	static const char *const bad[] = {
		"[{\"mac\":\"01:16:3e:00:00:01\",\"ips\":[]}]", /* multicast */
		"[{\"mac\":\"00:16:3e:00:00\",\"ips\":[]}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":[\"10.0.0.1/24\"]}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":[\"10.0.0.1 10.0.0.2\"]}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":[\"127.0.0.1\"]}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":[1]}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":\"10.0.0.1\"}]",
		"[{\"mac\":\"00:16:3e:00:00:01\"}]",
		"[{\"mac\":\"00:16:3e:00:00:01\",\"ips\":[],\"x\":1}]",
		"[\"00:16:3e:00:00:01\"]",
		"{}",
	};

	snprintf(buf, sizeof(buf),
		 "%.*s,\"owner\":0,\"taps\":[],\"vifs\":[{\"mac\":"
		 "\"00:16:3e:0a:0b:0c\",\"ips\":[\"10.0.5.1\",\"fd00:5::1\"]},"
		 "{\"mac\":\"02:00:00:00:00:01\",\"ips\":[]}]}",
		 (int)strlen(good) - 1, good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), 0);
	assert_int_equal(r.nvifs, 2);
	assert_memory_equal(r.vifs[0].mac, "\x00\x16\x3e\x0a\x0b\x0c", 6);
	assert_int_equal(r.vifs[0].nips, 2);
	assert_int_equal(r.vifs[0].ips[0].family, AF_INET);
	assert_memory_equal(r.vifs[0].ips[0].addr, "\x0a\x00\x05\x01", 4);
	assert_int_equal(r.vifs[0].ips[1].family, AF_INET6);
	assert_int_equal(r.vifs[1].nips, 0);
	/* Older records (no "vifs"): they claim nothing. */
	snprintf(buf, sizeof(buf), "%.*s,\"owner\":0,\"taps\":[]}",
		 (int)strlen(good) - 1, good);
	assert_int_equal(record_parse(buf, strlen(buf), &r), 0);
	assert_int_equal(r.nvifs, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 "%.*s,\"owner\":0,\"taps\":[],\"vifs\":%s}",
			 (int)strlen(good) - 1, good, bad[i]);
		if (record_parse(buf, strlen(buf), &r) != -22)
			fail_msg("accepted vifs %zu: %s", i, buf);
	}
}

/* A VM's identity for a long-lived client (bulkhead vnc): a new VM of
 * the name or id differs, a new monitor of the same VM does not. */
static void
test_same_vm(void **state)
{
	(void)state;
	struct vm_record a, b;
	assert_int_equal(record_parse(good, strlen(good), &a), 0);
	b = a;
	assert_true(record_same_vm(&a, &b));
	b.monitor_pid = 4242; /* a take-over */
	b.monitor_start = 77;
	assert_true(record_same_vm(&a, &b));
	b = a;
	b.dm_start = 6; /* the id and pid reused, a new device model */
	assert_false(record_same_vm(&a, &b));
	b = a;
	b.dm_pid = 101;
	assert_false(record_same_vm(&a, &b));
	b = a;
	b.vmid = 2;
	assert_false(record_same_vm(&a, &b));
	b = a;
	snprintf(b.name, sizeof(b.name), "other");
	assert_false(record_same_vm(&a, &b));
	a.dm_start = b.dm_start = 0; /* not started: nothing to pin */
	b = a;
	assert_false(record_same_vm(&a, &b));
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
		cmocka_unit_test(test_taps),
		cmocka_unit_test(test_vifs),
		cmocka_unit_test(test_same_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
