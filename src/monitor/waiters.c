/* The CLIs that wait for a guest to act on its power button (shutdown -w,
 * reboot -w). Each holds its request's connection open; the monitor says
 * one word there when the guest has gone down: "restarted", "shutdown" or
 * "crashed" (kept by on_*); as the monitor ends with the VM, "gone" (the
 * guest powered off or rebooted, and on_* destroyed it), "crashed-gone"
 * (it crashed and on_crash destroyed it) or "ended" (anything else: the
 * device model exited, a destroy, a fault).
 * A waiter that hangs up or sends anything is dropped. */
#include "monitor_priv.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool
waiters_full(const struct monitor *m)
{
	for (size_t i = 0; i < WAITERS_MAX; i++)
		if (m->waiters[i] < 0)
			return false;
	return true;
}

void
waiters_add(struct monitor *m, int client)
{
	for (size_t i = 0; i < WAITERS_MAX; i++) {
		if (m->waiters[i] < 0) {
			m->waiters[i] = client;
			return;
		}
	}
	close(client); /* checked by waiters_full() before */
}

void
waiters_drop(struct monitor *m, size_t i)
{
	if (i < WAITERS_MAX && m->waiters[i] >= 0) {
		close(m->waiters[i]);
		m->waiters[i] = -1;
	}
}

void
waiters_tell(struct monitor *m, const char *word)
{
	char line[32];

	snprintf(line, sizeof(line), "%s\n", word);

	for (size_t i = 0; i < WAITERS_MAX; i++) {
		if (m->waiters[i] < 0)
			continue;
		/* One short line into an idle socket: it never blocks, and a
		 * waiter that is gone is only closed. */
		(void)send(m->waiters[i], line, strlen(line),
			   MSG_DONTWAIT | MSG_NOSIGNAL);
		waiters_drop(m, i);
	}
}
