/* libFuzzer harness: the config parser (tokenizer, keys, disk specs) on
 * arbitrary bytes. It must never crash, leak or read out of bounds. */
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
	(void)config_parse((const char *)data, size, "fuzz.cfg", &cfg, &err);
	return 0;
}
