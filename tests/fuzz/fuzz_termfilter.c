/* libFuzzer harness: a hostile guest's console bytes through the filter
 * `bulkhead console` puts before the caller's terminal. The first byte
 * picks UTF-8 or not and where the stream is cut in two (reads end
 * anywhere). The output must never start an OSC, DCS, APC, PM or SOS
 * string, never hold a C1 control (raw, or UTF-8 encoded), must fit the
 * room the header promises, and must not depend on where reads end. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/termfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
run(bool utf8, const char *in, size_t n, size_t cut, char *out)
{
	struct term_filter f;
	size_t a, b;

	term_filter_init(&f, utf8);
	a = term_filter_run(&f, in, cut, out);
	if (a > cut + TF_HOLD_MAX)
		abort();
	b = term_filter_run(&f, in + cut, n - cut, out + a);
	if (b > n - cut + TF_HOLD_MAX)
		abort();
	return a + b;
}

static void
check(bool utf8, const unsigned char *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (o[i] == 0x1b && i + 1 < n && strchr("]P_^X", o[i + 1]) &&
		    o[i + 1] != '\0')
			abort(); /* a string that could reach the terminal */
		if (!utf8 && o[i] >= 0x80)
			abort();
		if (utf8 && o[i] == 0xc2 && i + 1 < n && o[i + 1] >= 0x80 &&
		    o[i + 1] <= 0x9f)
			abort(); /* a C1 control in UTF-8 */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool utf8 = data[0] & 1;
	const char *in = (const char *)data + 1;
	size_t n = size - 1, cut = n ? (data[0] >> 1) % (n + 1) : 0;
	char *whole = malloc(n + 2 * TF_HOLD_MAX + 1);
	char *split = malloc(n + 2 * TF_HOLD_MAX + 1);

	if (!whole || !split)
		abort();
	size_t w = run(utf8, in, n, n, whole);
	size_t s = run(utf8, in, n, cut, split);
	check(utf8, (const unsigned char *)whole, w);
	if (w != s || memcmp(whole, split, w) != 0)
		abort(); /* where a read ended changed what passed */
	free(whole);
	free(split);
	return 0;
}
