/* The xl.cfg tokenizer: well-formed input and every class of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/config/cfgfile.h"

static int
parse(const char *text, struct cfg_file *f, struct cfg_error *e)
{
	return cfgfile_parse(text, strlen(text), "t.cfg", f, e);
}

static void
test_good(void **state)
{
	(void)state;
	struct cfg_file f;
	struct cfg_error e;
	const char *t = "# comment\n"
			"name = \"web1\"   # trailing\n"
			"memory=256;\n"
			"disk = [ 'a,b',\n"
			"   # inside\n"
			"   \"c\", 7, ]\n"
			"esc = 'it\\'s'\n";

	assert_int_equal(parse(t, &f, &e), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.entries[0].key, "name");
	assert_int_equal(f.entries[0].val.type, CFG_STR);
	assert_string_equal(f.entries[0].val.str, "web1");
	assert_int_equal(f.entries[1].val.type, CFG_NUM);
	assert_int_equal(f.entries[1].val.num, 256);
	assert_int_equal(f.entries[2].val.type, CFG_LIST);
	assert_int_equal(f.entries[2].val.nitems, 3);
	assert_string_equal(f.entries[2].val.items[0].str, "a,b");
	assert_int_equal(f.entries[2].val.items[1].line, 6);
	assert_int_equal(f.entries[2].val.items[2].num, 7);
	assert_string_equal(f.entries[3].val.str, "it's");
	assert_int_equal(f.entries[3].line, 7);
	cfgfile_free(&f);
}

static void
test_empty(void **state)
{
	(void)state;
	struct cfg_file f;
	struct cfg_error e;

	assert_int_equal(parse("", &f, &e), 0);
	assert_int_equal(f.n, 0);
	cfgfile_free(&f);
	assert_int_equal(parse("\n\n# only comments\n", &f, &e), 0);
	cfgfile_free(&f);
}

struct bad_case {
	const char *text;
	const char *msg;
};

static const struct bad_case bad[] = {
	{ "name = \"web1\n", "t.cfg:1: name: unterminated string" },
	{ "name = 'abc", "t.cfg:1: name: unterminated string" },
	{ "a = 1\nname = \"x\\n\"\n", "t.cfg:2: name: bad escape in string" },
	{ "name = \"a\tb\"",
	  "t.cfg:1: name: control character 0x09 in string" },
	{ "memory = -5", "t.cfg:1: memory: negative numbers are not allowed" },
	{ "memory = 012", "t.cfg:1: memory: number with leading zero" },
	{ "memory = 99999999999999999999999",
	  "t.cfg:1: memory: number out of range" },
	{ "memory = 12ab", "t.cfg:1: memory: bad number" },
	{ "memory = 1.5", "t.cfg:1: memory: bad number" },
	{ "memory 256", "t.cfg:1: memory: expected '=' after the key" },
	{ "= 5", "t.cfg:1: expected a key name" },
	{ "9x = 5", "t.cfg:1: expected a key name" },
	{ "name =", "t.cfg:1: name: missing value" },
	{ "name = \n", "t.cfg:1: name: missing value" },
	{ "name = yes", "t.cfg:1: name: bad value" },
	{ "name = 'a' 'b'", "t.cfg:1: name: unexpected text after the value" },
	{ "disk = [ [ 'x' ] ]", "t.cfg:1: disk: nested lists are not allowed" },
	{ "disk = [ 'x' 'y' ]", "t.cfg:1: disk: expected ',' or ']' in list" },
	{ "disk = [ 'x',\n", "t.cfg:2: disk: unterminated list" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_file f;
		struct cfg_error e;
		int rc = parse(bad[i].text, &f, &e);
		if (rc != -1 || strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: rc %d msg '%s', want '%s'", i, rc,
				 rc ? e.msg : "", bad[i].msg);
		assert_null(f.entries);
	}
}

static void
test_nul_byte(void **state)
{
	(void)state;
	struct cfg_file f;
	struct cfg_error e;
	const char t[] = "a = 1\nname = \"x\0y\"\n";

	assert_int_equal(cfgfile_parse(t, sizeof(t) - 1, "t.cfg", &f, &e), -1);
	assert_string_equal(e.msg, "t.cfg:2: NUL byte in file");
}

static void
test_limits(void **state)
{
	(void)state;
	struct cfg_file f;
	struct cfg_error e;
	static char big[CFG_STR_MAX + 32];

	memset(big, 'a', sizeof(big));
	memcpy(big, "name = '", 8);
	big[sizeof(big) - 2] = '\'';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &f, &e), -1);
	assert_non_null(strstr(e.msg, "string longer than"));

	static char many[CFG_ENTRIES_MAX * 16];
	size_t n = 0;
	for (int i = 0; i <= CFG_ENTRIES_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "k%d = 1\n",
				      i);
	assert_int_equal(parse(many, &f, &e), -1);
	assert_non_null(strstr(e.msg, "more than 128 settings"));

	static char list[CFG_LIST_MAX * 3 + 32];
	n = (size_t)snprintf(list, sizeof(list), "disk = [");
	for (int i = 0; i <= CFG_LIST_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "1,");
	snprintf(list + n, sizeof(list) - n, "]");
	assert_int_equal(parse(list, &f, &e), -1);
	assert_non_null(strstr(e.msg, "list longer than 64 items"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),   cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad),    cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
