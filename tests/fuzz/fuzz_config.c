/* libFuzzer harness: the config parser (tokenizer, keys, disk specs) on
 * arbitrary bytes. It must never crash, leak or read out of bounds. As
 * create keeps it, a NUL starts create's key=value arguments, one a
 * line: they are fuzzed with the file they override. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	struct cfg_error err;

	if (size > CFG_FILE_MAX + 16)
		return 0;
	(void)config_parse_kept((const char *)data, size, "fuzz.cfg", &cfg,
				&err);
	return 0;
}
