/* libFuzzer harness: an ELF object as elfdeps reads it (through libelf,
 * then our own walk of its program headers, dynamic array and string
 * table) before the device model's libraries are bound. Whatever the
 * bytes, the reader must not crash, and what it accepts must be sane:
 * an absolute interpreter, NUL-terminated names within their buffers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/jail/elfdeps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elfdeps d;
	char why[256];

	enum elfdeps_rc rc = elfdeps_read_mem(data, size, &d, why, sizeof(why));
	if (rc != ELFDEPS_OK)
		return 0;
	if (!terminated(d.interp, sizeof(d.interp)) ||
	    (d.interp[0] && d.interp[0] != '/') ||
	    d.nneeded > ELFDEPS_NEEDED_MAX ||
	    !terminated(d.soname, sizeof(d.soname)) ||
	    !terminated(d.runpath, sizeof(d.runpath)) ||
	    !terminated(d.rpath, sizeof(d.rpath)))
		abort();
	for (size_t i = 0; i < d.nneeded; i++)
		if (!terminated(d.needed[i], sizeof(d.needed[i])))
			abort();
	if (d.nneeded && !d.dynamic)
		abort();
	return 0;
}
