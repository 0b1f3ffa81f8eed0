/* libFuzzer harness: the cpus parser (cpuset.h) on arbitrary bytes, and
 * the kernel-list round trip: what cpuset_format writes, the list parser
 * reads back as the same set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/config/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[8192], list[CPUSET_LIST_MAX];
	struct cpuset_spec spec;
	uint64_t online[CPUSET_WORDS], set[CPUSET_WORDS], back[CPUSET_WORDS];
	char why[300];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cpuset_list_parse(s, online) < 0)
		memset(online, 0xff, sizeof(online));
	if (cpuset_parse(s, &spec, why, sizeof(why)) < 0 || !spec.given)
		return 0;
	if (cpuset_resolve(&spec, online, set, why, sizeof(why)) < 0)
		return 0;
	cpuset_format(set, list, sizeof(list));
	if (cpuset_list_parse(list, back) < 0 ||
	    memcmp(set, back, sizeof(set)) != 0)
		abort();
	return 0;
}
