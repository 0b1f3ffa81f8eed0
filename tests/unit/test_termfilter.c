/* A hostile guest's console output reaches the caller's terminal only
 * as text and the few escape sequences a console needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/cli/termfilter.h"

/* in through a fresh filter, whole, then one byte at a time (every
 * sequence split across reads): both must give want. */
static void
filtered(const char *in, size_t n, bool utf8, const char *want)
{
	char out[1024 + TF_HOLD_MAX], one[1 + TF_HOLD_MAX];
	struct term_filter f;
	size_t len;

	assert_true(n <= 1024);
	term_filter_init(&f, utf8);
	len = term_filter_run(&f, in, n, out);
	out[len] = '\0';
	assert_string_equal(out, want);
	term_filter_init(&f, utf8);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = term_filter_run(&f, in + i, 1, one);
		memcpy(out + len, one, k);
		len += k;
	}
	out[len] = '\0';
	assert_string_equal(out, want);
}

#define F(in, want) filtered(in, sizeof(in) - 1, true, want)

static void
test_text_and_console_sequences_pass(void **state)
{
	(void)state;
	F("login: \r\n\tok\bK", "login: \r\n\tok\bK");
	F("\x1b[1;31mred\x1b[0m \x1b[38:5:196mx\x1b[m",
	  "\x1b[1;31mred\x1b[0m \x1b[38:5:196mx\x1b[m");
	F("\x1b[H\x1b[2J\x1b[10;20H\x1b[K\x1b[3A\x1b[1;24r",
	  "\x1b[H\x1b[2J\x1b[10;20H\x1b[K\x1b[3A\x1b[1;24r");
	F("\x1b[?1049h\x1b[?25l\x1b[?1049l\x1b[?25h\x1b[4h",
	  "\x1b[?1049h\x1b[?25l\x1b[?1049l\x1b[?25h\x1b[4h");
	F("\x1b"
	  "7\x1b"
	  "8\x1bM\x1b(0q\x1b(B",
	  "\x1b"
	  "7\x1b"
	  "8\x1bM\x1b(0q\x1b(B");
	F("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void
test_strings_are_dropped(void **state)
{
	(void)state;
	/* OSC 52: write the clipboard; BEL- and ST-terminated */
	F("a\x1b]52;c;cm0gLXJmIH4K\x07"
	  "b",
	  "ab");
	F("a\x1b]52;c;cm0gLXJmIH4K\x1b\\b", "ab");
	/* the window title, set and then reported back as input */
	F("\x1b]0;evil\x07\x1b]2;x\x1b\\\x1b[21t\x1b[20t", "");
	/* DCS (DECRQSS, tmux passthrough), APC, PM, SOS */
	F("\x1bP$qm\x1b\\\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\x", "x");
	F("\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\y", "y");
	/* a hyperlink loses its target, keeps its text */
	F("\x1b]8;;http://evil/\x1b\\text\x1b]8;;\x1b\\", "text");
	/* CAN cancels a string */
	F("\x1b]0;t\x18z", "z");
}

static void
test_c1_and_bad_bytes(void **state)
{
	(void)state;
	/* 8-bit CSI, OSC, DCS, ST raw, and as UTF-8 (U+009B, U+009D) */
	F("\x9b"
	  "31m\x9d"
	  "0;t\x9c",
	  "?31m?0;t?");
	F("\xc2\x9b"
	  "2J\xc2\x9d",
	  "?2J?");
	/* overlong (two bytes and three), a surrogate, beyond U+10FFFF:
	 * one '?' a character, or a byte where none starts */
	F("\xc1\x9b\xe0\x80\x9b\xed\xa0\x80\xf4\x90\x80\x80", "?????");
	F("\x80\xff\xe2\x82"
	  "x",
	  "???x");
	/* C0 controls other than CR LF TAB BS, and DEL: gone */
	F("a\x00\x07\x0e\x0f\x05\x7f"
	  "b",
	  "ab");
	/* a terminal that is not UTF-8 gets no byte above 0x7f */
	filtered("caf\xc3\xa9", 5, false, "caf??");
}

static void
test_control_sequences_refused(void **state)
{
	(void)state;
	/* window ops, keyboard lock, local echo, mouse reporting, repeat,
	 * device attributes, cursor style, key modifiers */
	F("\x1b[8;1000;1000t\x1b[2h\x1b[12h\x1b[?1000h\x1b[?1;1000h", "");
	F("a\x1b[1000000000b\x1b[c\x1b[>0c\x1b[2 q\x1b[>4;2m", "a");
	/* too long to hold: dropped whole, up to its final byte */
	F("\x1b[11111111111111111111111111111111111111111111mX", "X");
	/* a control inside ends it; the control is kept */
	F("\x1b[31\nm", "\nm");
	/* unknown escapes, ESC at the end of one read then more text */
	F("\x1b#8\x1b%G\x1b"
	  "Z"
	  "ok\x1b",
	  "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_console_sequences_pass),
		cmocka_unit_test(test_strings_are_dropped),
		cmocka_unit_test(test_c1_and_bad_bytes),
		cmocka_unit_test(test_control_sequences_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
