/* libFuzzer harness: /etc/subuid and /etc/subgid text, which names
 * untrusted users, through the parser create and host-init use. The
 * first 8 bytes pick the range asked about; the rest is the file. A
 * range reported as overlapping must overlap; both readings see the
 * same bad lines. Exempting host-init's reservation (an entry over
 * exactly that range) only ever takes hits away, never the one it does
 * not match exactly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/host/subid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t lo = 0, n = 0;
	struct subid_range hit;
	uint64_t end;
	char why[160];

	if (size < 8)
		return 0;
	memcpy(&lo, data, 4);
	memcpy(&n, data + 4, 4);
	const char *text = (const char *)data + 8;
	size_t len = size - 8;
	int o = subid_overlap(text, len, lo, n, &hit, why, sizeof(why));
	int m = subid_max_end(text, len, &end, why, sizeof(why));

	/* Overlap stops at its first hit; a bad line before any hit is
	 * seen by both. */
	if ((o < 0 && m >= 0) || (m < 0 && o == 0))
		abort();
	if (o == 1 && !(hit.start < hit.end && hit.start < (uint64_t)lo + n &&
			(uint64_t)lo < hit.end && (m < 0 || hit.end <= end) &&
			strlen(hit.owner) < sizeof(hit.owner)))
		abort();

	static const char owner[] = "bulkhead-range-base";
	const struct subid_entry ex = { owner, lo, n };
	int oe = subid_overlap_except(text, len, lo, n, &ex, &hit, why,
				      sizeof(why));
	int h = subid_has(text, len, &ex, why, sizeof(why));

	if ((o == 0 && oe != 0) || (o < 0 && oe >= 0) || (oe == 1 && o != 1))
		abort();
	if (oe == 1 && strcmp(hit.owner, owner) == 0 && hit.start == lo &&
	    hit.end == (uint64_t)lo + n)
		abort();
	if (h == 1 && n > 0 && o == 0)
		abort();
	return 0;
}
