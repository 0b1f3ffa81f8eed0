/* libFuzzer harness: the event log's line parser (events_log.h) on
 * arbitrary bytes, and the round trip: an event it accepts, formatted
 * again, parses back to the same event. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/host/events_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_event e, back;
	char line[EVENTS_LINE_MAX];

	if (events_parse((const char *)data, size, &e) < 0)
		return 0;
	int n = events_format(&e, line, sizeof(line));
	if (n < 0)
		return 0; /* too long to log: the writer refuses it too */
	if (events_parse(line, (size_t)n - 1, &back) < 0 ||
	    strcmp(back.vm, e.vm) != 0 || strcmp(back.event, e.event) != 0 ||
	    strcmp(back.detail, e.detail) != 0 || back.vmid != e.vmid)
		abort();
	return 0;
}
