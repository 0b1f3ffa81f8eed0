/* libFuzzer harness: the config parser (tokenizer, keys, disk and vif
 * specs) on arbitrary bytes, and the anti-spoofing rule text of the
 * vifs it accepts (ip= addresses end up in nft's input). It must never
 * crash, leak or read out of bounds. As
 * create keeps it, a NUL starts create's key=value arguments, one a
 * line: they are fuzzed with the file they override. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/config/config.h"
#include "../../src/host/antispoof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	struct cfg_error err;

	if (size > CFG_FILE_MAX + 16)
		return 0;
	if (config_parse_kept((const char *)data, size, "fuzz.cfg", &cfg,
			      &err) < 0 ||
	    !cfg.nvifs)
		return 0;
	static char rules[65536];
	/* Taps get create's names where the config gives none. */
	for (size_t i = 0; i < cfg.nvifs; i++)
		if (!cfg.vifs[i].vifname[0])
			snprintf(cfg.vifs[i].vifname,
				 sizeof(cfg.vifs[i].vifname), "bh1.%zu", i);
	/* The names are the config's own, checked or not: refused or
	 * printed, never past the buffer. */
	(void)antispoof_rules(cfg.name, cfg.vifs, cfg.nvifs, rules,
			      sizeof(rules));
	return 0;
}
