/* The monitor's lifecycle events (events_log.h). Each is made here from
 * what the monitor itself decided (a request it served, a state it set,
 * a process it saw end), never copied from what QEMU said. Bounded: a
 * device model that makes the monitor change state over and over (a
 * guest rebooting in a loop) gets at most EVENTS_BURST at once and
 * EVENTS_PER_S a second after; the next event that passes says how many
 * were dropped. A monitor's once-in-a-life events (its VM's creation and
 * end) are never dropped. */
#include "monitor_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../host/events_log.h"

#define EVENTS_BURST 20
#define EVENTS_PER_S 5

static struct {
	double tokens;
	uint64_t last_ms;
	unsigned long dropped;
	bool started;
} bucket;

static bool
take_token(void)
{
	uint64_t now = now_ms();

	if (!bucket.started) {
		bucket.tokens = EVENTS_BURST;
		bucket.started = true;
	} else {
		bucket.tokens +=
			(double)(now - bucket.last_ms) * EVENTS_PER_S / 1000.0;
		if (bucket.tokens > EVENTS_BURST)
			bucket.tokens = EVENTS_BURST;
	}
	bucket.last_ms = now;
	if (bucket.tokens < 1.0) {
		bucket.dropped++;
		return false;
	}
	bucket.tokens -= 1.0;
	return true;
}

/* Events a monitor makes at most once in its life: never dropped, so a
 * guest that keeps the bucket empty cannot hide its VM's end. */
static bool
once_only(const char *event)
{
	static const char *const once[] = { "created", "restored", "taken-over",
					    "broken", "destroyed" };

	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (!strcmp(event, once[i]))
			return true;
	return false;
}

void
monitor_event(struct monitor *m, const char *event, const char *fmt, ...)
{
	struct bh_event e = { .vmid = (long)m->rec->vmid };
	struct timespec ts;
	va_list ap;

	if (!once_only(event) && !take_token())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	e.time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	snprintf(e.vm, sizeof(e.vm), "%s", m->rec->name);
	snprintf(e.event, sizeof(e.event), "%s", event);
	va_start(ap, fmt);
	int n = vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
	va_end(ap);
	if (bucket.dropped && n >= 0 && (size_t)n < sizeof(e.detail))
		snprintf(e.detail + n, sizeof(e.detail) - (size_t)n,
			 "%s(%lu events dropped before this one)", n ? " " : "",
			 bucket.dropped);
	bucket.dropped = 0;
	int rc = events_append(&e);
	if (rc < 0)
		log_error("event %s: %s", event, strerror(-rc));
}
