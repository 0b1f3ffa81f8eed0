/* Subordinate id files (/etc/subuid, /etc/subgid) written by a hostile
 * hand: every range that shadow could hand out is seen, and a line that
 * cannot be read is an error, never skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/host/idrange.h"
#include "../../src/host/nsswitch.h"
#include "../../src/host/subid.h"

#define BASE 131072u
#define SPAN 65536u

static int
ov(const char *text, struct subid_range *hit)
{
	char why[160] = "";

	return subid_overlap(text, strlen(text), BASE, SPAN, hit, why,
			     sizeof(why));
}

static void
test_debian_default_overlaps(void **state)
{
	struct subid_range hit;

	(void)state;
	/* What adduser gives the first user: it covers 131072..165535. */
	assert_int_equal(ov("alice:100000:65536\n", &hit), 1);
	assert_string_equal(hit.owner, "alice");
	assert_int_equal(hit.start, 100000);
	assert_int_equal(hit.end, 165536);
	assert_int_equal(hit.line, 1);
}

static void
test_edges(void **state)
{
	struct subid_range hit;

	(void)state;
	/* Ends just below the range; starts just above it. */
	assert_int_equal(ov("a:100000:31072\nb:196608:65536\n", &hit), 0);
	/* Its last id is the range's first / first is the range's last. */
	assert_int_equal(ov("a:100000:31073\n", &hit), 1);
	assert_int_equal(ov("b:196607:1\n", &hit), 1);
	assert_int_equal(hit.line, 1);
	/* Overlapping the start, the end, inside, containing. */
	assert_int_equal(ov("x:1:2\na:131000:100\n", &hit), 1);
	assert_int_equal(hit.line, 2);
	assert_int_equal(ov("a:196000:10000\n", &hit), 1);
	assert_int_equal(ov("a:150000:1\n", &hit), 1);
	assert_int_equal(ov("a:0:4294967295\n", &hit), 1);
	/* An empty range covers nothing. */
	assert_int_equal(ov("a:150000:0\n", &hit), 0);
}

static void
test_names_and_numbers(void **state)
{
	struct subid_range hit;

	(void)state;
	/* The owner may be a name or a numeric uid: the range counts for
	 * any owner (a numeric one is matched by uid by newuidmap). */
	assert_int_equal(ov("1000:140000:10\n", &hit), 1);
	assert_string_equal(hit.owner, "1000");
	assert_int_equal(ov("root:140000:10\n", &hit), 1);
	/* Unprintable bytes of an owner are not echoed into messages. */
	assert_int_equal(ov("a\x1b[2Jb:140000:10\n", &hit), 1);
	assert_null(strchr(hit.owner, '\x1b'));
}

static void
test_comments_and_blanks(void **state)
{
	struct subid_range hit;

	(void)state;
	assert_int_equal(ov("# alice:131072:65536\n\n   \n\t\n", &hit), 0);
	assert_int_equal(ov("# c\n\nbob:131072:1", &hit), 1); /* no \n */
	assert_int_equal(hit.line, 3);
	assert_int_equal(ov("", &hit), 0);
}

static void
test_malformed_fails_closed(void **state)
{
	static const char *const bad[] = {
		"alice:100000\n",         /* two fields */
		"alice:100000:65536:x\n", /* four */
		":131072:10\n",           /* no owner */
		"alice::10\n",            /* no start */
		"alice:131072:\n",        /* no count */
		"alice: 131072:10\n",     /* blank */
		"alice:+131072:10\n",     /* sign */
		"alice:-1:10\n",          /* negative */
		"alice:0x20000:10\n",     /* hex */
		"alice:0400000:10\n",     /* octal or decimal? */
		"alice:131072:10\r\n",    /* CR */
		"alice:131072:1e3\n",     /* not an integer */
		"alice",                  /* no colon at all */
	};
	struct subid_range hit;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(subid_overlap(bad[i], strlen(bad[i]), BASE,
					       SPAN, &hit, why, sizeof(why)),
				 -1);
		assert_non_null(strstr(why, "line 1"));
	}
	/* A bad line after a harmless one, and a NUL inside a line. */
	const char nul[] = "ok:1:1\nal\0ce:131072:10\n";
	assert_int_equal(subid_overlap(nul, sizeof(nul) - 1, BASE, SPAN, &hit,
				       why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "line 2"));
}

static void
test_huge_counts_saturate(void **state)
{
	struct subid_range hit;
	uint64_t end;
	char why[160];

	(void)state;
	/* start + count wraps 64 bits: read as reaching the top. */
	assert_int_equal(ov("a:1000:18446744073709551615\n", &hit), 1);
	assert_int_equal(hit.end, UINT64_MAX);
	assert_int_equal(ov("a:200000:18446744073709551615\n", &hit), 0);
	/* Past 64 bits: saturates too, never wraps to a small number. */
	assert_int_equal(ov("a:1000:99999999999999999999999999\n", &hit), 1);
	/* Wraps 32 bits (uid_t) but not 64. */
	assert_int_equal(ov("a:4294967000:1000\n", &hit), 0);
	const char *t = "a:100000:65536\nb:4294967000:1000\n";
	assert_int_equal(subid_max_end(t, strlen(t), &end, why, sizeof(why)),
			 0);
	assert_int_equal(end, 4294968000u);
}

static void
test_file(void **state)
{
	struct subid_range hit;
	char why[160], path[] = "/tmp/bh-test-subid-XXXXXX";

	(void)state;
	assert_int_equal(subid_overlap_file("/nonexistent/subuid", BASE, SPAN,
					    &hit, why, sizeof(why)),
			 0);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# test\nalice:100000:65536\n", f);
	fclose(f);
	assert_int_equal(
		subid_overlap_file(path, BASE, SPAN, &hit, why, sizeof(why)),
		1);
	assert_int_equal(hit.line, 2);
	remove(path);
}

/* host-init's reservation, bulkhead-range-base:BASE:SPAN, is skipped;
 * nothing that only resembles it is. */
static void
test_reservation_exempt(void **state)
{
	static const struct subid_entry ex = { "bulkhead-range-base", BASE,
					       SPAN };
	static const char *const others[] = {
		"bulkhead-range-base:131072:65537\n", /* a wider one */
		"bulkhead-range-base:131071:65536\n",
		"bulkhead-range-bas:131072:65536\n",
		"bulkhead-range-basex:131072:65536\n",
		"131072:131072:65536\n", /* its uid: not the name */
		"bulkhead-range-base\x01:131072:65536\n",
		"bulkhead-range-base:131072:65536\nalice:100000:65536\n",
	};
	struct subid_range hit;
	char why[160];
	const char *own = "# host-init\nbulkhead-range-base:131072:65536\n";

	(void)state;
	assert_int_equal(subid_overlap_except(own, strlen(own), BASE, SPAN, &ex,
					      &hit, why, sizeof(why)),
			 0);
	assert_int_equal(subid_overlap(own, strlen(own), BASE, SPAN, &hit, why,
				       sizeof(why)),
			 1);
	assert_int_equal(subid_has(own, strlen(own), &ex, why, sizeof(why)), 1);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_int_equal(
			subid_overlap_except(others[i], strlen(others[i]), BASE,
					     SPAN, &ex, &hit, why, sizeof(why)),
			1);
		if (i + 1 < sizeof(others) / sizeof(others[0]))
			assert_int_equal(subid_has(others[i], strlen(others[i]),
						   &ex, why, sizeof(why)),
					 0);
	}
	/* An owner longer than the parser keeps never matches its cut. */
	static const struct subid_entry longer = {
		"a123456789b123456789c123456789d123456789e", BASE, SPAN
	};
	const char *l =
		"a123456789b123456789c123456789d123456789e:131072:65536";
	assert_int_equal(subid_overlap_except(l, strlen(l), BASE, SPAN, &longer,
					      &hit, why, sizeof(why)),
			 1);
	/* A bad line still fails, reservation or not. */
	const char *bad = "bulkhead-range-base:131072:65536\nx:1\n";
	assert_int_equal(subid_overlap_except(bad, strlen(bad), BASE, SPAN, &ex,
					      &hit, why, sizeof(why)),
			 -1);
	assert_int_equal(subid_has(bad, strlen(bad), &ex, why, sizeof(why)), 1);
}

/* Ranges systemd allocates without a passwd or subuid line are refused
 * before any file is read: the bases on either side of each edge. */
static void
test_systemd_ranges(void **state)
{
	(void)state;
	char why[256];

	assert_int_equal(idrange_systemd_free(131072, why, sizeof(why)), 0);
	assert_int_equal(idrange_systemd_free(458752, why, sizeof(why)), 0);
	assert_int_equal(idrange_systemd_free(458753, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "container range"));
	assert_int_equal(idrange_systemd_free(524288, why, sizeof(why)), -1);
	assert_int_equal(idrange_systemd_free(1879048191, why, sizeof(why)),
			 -1);
	assert_int_equal(idrange_systemd_free(1879048192, why, sizeof(why)), 0);
	assert_int_equal(idrange_systemd_free(1000, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "homed"));
	assert_int_equal(idrange_systemd_free(65520, why, sizeof(why)), 0);
	assert_int_equal(
		idrange_systemd_free(2147352576 - 65536, why, sizeof(why)), 0);
	assert_int_equal(
		idrange_systemd_free(2147352577 - 65536, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "foreign"));
	/* idrange_check refuses it too, whatever the files hold. */
	assert_int_equal(idrange_check(524288, 131072, "x", why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "systemd"));
}

/* The subid: line as shadow reads it (lib/nss.c): a line this parser
 * took for "files" while shadow loads a module would hide that
 * module's ranges from every check. */
static struct subid_source
src_of(const char *text, size_t len)
{
	struct subid_source s;

	nsswitch_subid(text, len, &s);
	return s;
}

#define SRC(t) src_of((t), strlen(t))

static void
test_nsswitch_plain(void **state)
{
	(void)state;
	assert_false(SRC("").module);
	assert_false(SRC("passwd: files systemd\ngroup: files\n").module);
	assert_string_equal(SRC("").name, "files");
	assert_false(SRC("subid: files\n").module);
	assert_true(SRC("subid: sss\n").module);
	assert_string_equal(SRC("subid: sss\n").name, "sss");
	assert_true(SRC("passwd: files\nsubid:\tsss files\n").module);
	/* Only the first word counts, as in shadow. */
	assert_false(SRC("subid: files sss\n").module);
	assert_true(SRC("SUBID: sss").module); /* any case; no newline */
	assert_true(SRC("Subid:sss\n").module);
}

static void
test_nsswitch_hostile(void **state)
{
	char big[5000];

	(void)state;
	/* Comments, leading blanks and lines that do not start with it. */
	assert_false(SRC("#subid: sss\n").module);
	assert_false(SRC(" subid: sss\n").module);
	assert_false(SRC("xsubid: sss\n").module);
	assert_false(SRC("subids: sss\n").module);
	/* A blank subid line does not decide: the next one does. */
	assert_true(SRC("subid:    \nsubid: sss\n").module);
	assert_false(SRC("subid: files\nsubid: sss\n").module);
	/* Shorter than 8 bytes with its newline: shadow skips it. */
	assert_false(SRC("subid:x").module);
	assert_true(SRC("subid:x\n").module);
	/* A comment after the word is another word; "files#x" is not
	 * "files" (shadow fails to load it and falls back to the files, and
	 * libsubid is asked: the safe side). */
	assert_false(SRC("subid: files # sss\n").module);
	assert_true(SRC("subid: files#x\n").module);
	assert_true(SRC("subid: files\r\n").module);
	assert_string_equal(SRC("subid: sss\x1b[2J\n").name, "sss?[2J");
	/* A NUL ends the line for shadow (strlen). */
	assert_false(src_of("subid: \0sss\n", 12).module);
	assert_false(src_of("#\0\nsubid: files\n", 16).module);
	assert_true(src_of("#\0\nsubid: sss\n", 14).module);
	/* A long word is cut in the name, and still a module. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "subid: ", 7);
	big[sizeof(big) - 1] = '\0';
	struct subid_source s = SRC(big);
	assert_true(s.module);
	assert_int_equal(strlen(s.name), sizeof(s.name) - 1);
	/* A long line before it, and "files" padded to a long line. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "passwd: files", 13);
	snprintf(big + 4000, 1000, "\nsubid: sss\n");
	assert_true(SRC(big).module);
	memset(big, ' ', sizeof(big));
	memcpy(big, "subid: files", 12);
	big[sizeof(big) - 1] = '\0';
	assert_false(SRC(big).module);
}

static void
test_nsswitch_file(void **state)
{
	char path[] = "/tmp/bh-test-nss-XXXXXX", why[200] = "";
	struct subid_source s;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "subid: sss\n", 11), 11);
	close(fd);
	assert_int_equal(nsswitch_subid_file(path, &s, why, sizeof(why)), 0);
	assert_true(s.module);
	unlink(path);
	/* Gone: shadow reads the files then. */
	assert_int_equal(nsswitch_subid_file(path, &s, why, sizeof(why)), 0);
	assert_false(s.module);
	/* A directory cannot be read: fail closed. */
	assert_int_equal(nsswitch_subid_file("/tmp", &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot tell"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_default_overlaps),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_names_and_numbers),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_malformed_fails_closed),
		cmocka_unit_test(test_huge_counts_saturate),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_reservation_exempt),
		cmocka_unit_test(test_systemd_ranges),
		cmocka_unit_test(test_nsswitch_plain),
		cmocka_unit_test(test_nsswitch_hostile),
		cmocka_unit_test(test_nsswitch_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
