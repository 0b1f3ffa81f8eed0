#include "monitor_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../ipc/control.h"

/* Copy what QEMU wrote into its capped log; at EOF stop polling. */
void
loop_qemu_output(struct monitor *m)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(m->qemu_out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(m->qemu_out_fd);
			m->qemu_out_fd = -1;
			return;
		}
		if (console_log_write(&m->qemu_log, buf, (size_t)n) < 0)
			log_warn("qemu log write failed");
	}
}

static void
console_input(struct monitor *m)
{
	char buf[4096];
	ssize_t n = read(m->console_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(m->console_fd);
		m->console_fd = -1;
		return;
	}
	if (console_log_write(&m->log, buf, (size_t)n) < 0)
		log_warn("console log write failed");
	if (m->console_client >= 0 &&
	    send(m->console_client, buf, (size_t)n,
		 MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN) {
		close(m->console_client); /* a slow viewer only misses output */
		m->console_client = -1;
	}
}

static void
console_client_input(struct monitor *m)
{
	char buf[4096];
	ssize_t n = read(m->console_client, buf, sizeof(buf));

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(m->console_client);
		m->console_client = -1;
		return;
	}
	if (m->console_fd >= 0)
		(void)write_all(m->console_fd, buf, (size_t)n);
}

/* The guest stopped by powering off, rebooting or crashing: apply
 * on_poweroff / on_reboot / on_crash. A poweroff that answers `reboot`
 * (the power button, as libvirt reboots a guest without PV drivers) is
 * taken for the guest's reboot. Waiting CLIs hear how it ended. */
static void
lifecycle_apply(struct monitor *m)
{
	const struct vm_config *cfg = &m->ml->cfg;
	enum lifecycle_event e = m->pending;

	if (e == LC_POWEROFF && m->reboot_until &&
	    now_ms() <= m->reboot_until) {
		log_info("guest poweroff after a reboot request: a reboot");
		e = LC_REBOOT;
	}
	enum vm_action act = e == LC_POWEROFF ? cfg->on_poweroff
			     : e == LC_REBOOT ? cfg->on_reboot
					      : cfg->on_crash;
	char why[300];

	m->pending = LC_NONE;
	m->reboot_until = 0; /* any way the guest went down answers it */
	log_info("guest %s: on_%s = %s", lifecycle_name(e), lifecycle_name(e),
		 config_action_name(act));
	monitor_event(m,
		      e == LC_CRASH    ? "crashed"
		      : e == LC_REBOOT ? "rebooted"
				       : "shutdown",
		      "guest %s: on_%s = %s", lifecycle_name(e),
		      lifecycle_name(e), config_action_name(act));
	if (act == ACTION_DESTROY) {
		snprintf(why, sizeof(why), "guest %s", lifecycle_name(e));
		/* Waiters hear how: a crash is no shutdown. */
		m->end_word = e == LC_CRASH ? "crashed-gone" : "gone";
		monitor_destroy(m, why, -1);
		return;
	}
	if (act == ACTION_PRESERVE) {
		const char *st = e == LC_CRASH ? "crashed" : "shutdown";
		monitor_set_state(m, st);
		waiters_tell(m, st);
		return;
	}
	if (m->chan < 0)
		return; /* exiting anyway */
	int rc = worker_call(m, WK_RESTART, NULL, 0, -1, WORKER_COMMAND_MS, why,
			     sizeof(why));
	if (rc != QMP_OK) {
		log_error("restart failed: %s", why);
		monitor_destroy(m, "restart failed", -1);
		return;
	}
	monitor_set_state(m, "running");
	log_info("restarted in the same device model (pid %d, uid %u)",
		 (int)m->dm_pid, (unsigned)m->rec->uid);
	waiters_tell(m, "restarted");
}

/* A watched process (QEMU or a backend, named who) has ended: log how,
 * when it was our child and can still be reaped, copy its last output,
 * and destroy the VM for reason. */
static void
process_ended(struct monitor *m, int pidfd, const char *who, const char *reason)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) ==
		    0 &&
	    si.si_pid != 0) {
		if (si.si_code == CLD_EXITED)
			log_info("%s exited with status %d", who, si.si_status);
		else
			log_info("%s killed by signal %d", who, si.si_status);
	}
	if (m->qemu_out_fd >= 0)
		loop_qemu_output(m); /* its last words, if any */
	monitor_destroy(m, reason, -1);
}

static void
dm_exited(struct monitor *m)
{
	/* A guest's poweroff, reboot or crash only stops QEMU (-action);
	 * QEMU itself ending means it crashed or was killed. */
	process_ended(m, m->pidfd, "device model", "device model exited");
}

/* A backend ended (it exits when QEMU hangs up, or on a protocol
 * violation by QEMU) or was killed. Its device is gone for good (no
 * reconnect over a socketpair), so, as with QEMU, the VM is destroyed. */
static void
backend_exited(struct monitor *m, struct backend *b)
{
	char who[32], reason[64];

	snprintf(who, sizeof(who), "%s backend", b->dev);
	snprintf(reason, sizeof(reason), "%s backend exited", b->dev);
	monitor_event(m, "backend-died", "%s", b->dev);
	process_ended(m, b->pidfd, who, reason);
}

/* One source of events in a turn of the loop: an fd polled for events,
 * and what to do when it is ready. Handlers run in table order; one that
 * closes an fd leaves its field -1, which the later handlers check. */
struct loop_source {
	void (*fn)(struct monitor *m, size_t i);
	size_t i; /* which control client or backend */
	int fd;   /* -1: not polled this turn */
	short events;
	bool every_turn; /* runs each turn, whether fd is ready or not */
};

#define LOOP_SOURCES_MAX (8 + CONTROL_CLIENTS_MAX + WAITERS_MAX + BACKENDS_MAX)

static void
on_dm_exit(struct monitor *m, size_t i)
{
	(void)i;
	dm_exited(m);
}

static void
on_worker(struct monitor *m, size_t i)
{
	(void)i;
	if (m->chan >= 0)
		worker_message(m);
}

/* Right after the worker's messages: an event read there (or during a
 * call) is acted on in the same turn. */
static void
on_lifecycle(struct monitor *m, size_t i)
{
	(void)i;
	if (m->pending != LC_NONE && !m->broken)
		lifecycle_apply(m);
}

static void
on_console(struct monitor *m, size_t i)
{
	(void)i;
	if (m->console_fd >= 0)
		console_input(m);
}

static void
on_accept(struct monitor *m, size_t i)
{
	(void)i;
	int c = control_accept(m->listen_fd);
	for (int k = 0; c >= 0 && k < CONTROL_CLIENTS_MAX; k++) {
		if (m->clients[k] < 0) {
			m->clients[k] = c;
			c = -1;
		}
	}
	if (c >= 0)
		close(c); /* all slots busy */
}

static void
on_console_client(struct monitor *m, size_t i)
{
	(void)i;
	if (m->console_client >= 0)
		console_client_input(m);
}

static void
on_client(struct monitor *m, size_t i)
{
	if (m->clients[i] >= 0)
		requests_handle(m, (int)i);
}

/* A waiting CLI said something or hung up: it waits no more. */
static void
on_waiter(struct monitor *m, size_t i)
{
	waiters_drop(m, i);
}

static void
on_qemu_output(struct monitor *m, size_t i)
{
	(void)i;
	if (m->qemu_out_fd >= 0)
		loop_qemu_output(m);
}

static void
on_worker_log(struct monitor *m, size_t i)
{
	(void)i;
	child_log_read(&m->worker_log);
}

static void
on_backend_exit(struct monitor *m, size_t i)
{
	backend_exited(m, &m->backends[i]);
}

#define SOURCE(f, h, k)        \
	((struct loop_source){ \
		.fd = (f), .events = POLLIN, .fn = (h), .i = (k) })

/* This turn's sources, in the order they are served. A failed destroy
 * is retried on a timer; meanwhile the pidfds stay readable, so they are
 * not polled. */
static size_t
loop_sources(const struct monitor *m, struct loop_source *s)
{
	size_t n = 0;

	s[n++] = SOURCE(m->broken ? -1 : m->pidfd, on_dm_exit, 0);
	s[n++] = SOURCE(m->chan, on_worker, 0);
	s[n++] = (struct loop_source){ .fd = -1,
				       .fn = on_lifecycle,
				       .every_turn = true };
	s[n++] = SOURCE(m->console_fd, on_console, 0);
	s[n++] = SOURCE(m->listen_fd, on_accept, 0);
	s[n++] = SOURCE(m->console_client, on_console_client, 0);
	for (size_t i = 0; i < CONTROL_CLIENTS_MAX; i++)
		s[n++] = SOURCE(m->clients[i], on_client, i);
	for (size_t i = 0; i < WAITERS_MAX; i++)
		s[n++] = SOURCE(m->waiters[i], on_waiter, i);
	s[n++] = SOURCE(m->qemu_out_fd, on_qemu_output, 0);
	s[n++] = SOURCE(m->worker_log.in, on_worker_log, 0);
	for (size_t i = 0; i < m->nbackends; i++)
		s[n++] = SOURCE(m->broken ? -1 : m->backends[i].pidfd,
				on_backend_exit, i);
	return n;
}

/* A client's or waiter's slot closed and taken by a new connection
 * earlier in this turn: the events polled were the old fd's. */
static bool
source_stale(const struct monitor *m, const struct loop_source *s)
{
	if (s->fn == on_client)
		return m->clients[s->i] != s->fd;
	if (s->fn == on_waiter)
		return m->waiters[s->i] != s->fd;
	return false;
}

/* How long this turn may wait: a broken VM is retried each second,
 * QMP's end is watched against its grace, a pending lifecycle event is
 * acted on at once. */
static int
loop_timeout(const struct monitor *m)
{
	if (m->pending != LC_NONE)
		return 0;
	if (m->qmp_eof_deadline)
		return 100;
	return m->broken ? 1000 : -1;
}

/* Timers, before the fds are served: the retry of a failed destroy, and
 * QMP closed while the device model runs on past the grace (dm_ready:
 * its pidfd is readable this turn, so it has ended and is served as
 * such). */
static void
loop_timers(struct monitor *m, int ready, bool dm_ready)
{
	if (m->broken && ready == 0)
		monitor_destroy(m, "retrying", -1);
	if (!m->finished && m->qmp_eof_deadline && !dm_ready &&
	    now_ms() > m->qmp_eof_deadline) {
		m->qmp_eof_deadline = 0;
		monitor_destroy(
			m, "QMP closed while the device model still runs", -1);
	}
}

void
monitor_event_loop(struct monitor *m)
{
	while (!m->finished) {
		struct loop_source s[LOOP_SOURCES_MAX];
		struct pollfd p[LOOP_SOURCES_MAX];
		size_t n = loop_sources(m, s);
		bool dm_ready = false;

		for (size_t k = 0; k < n; k++)
			p[k] = (struct pollfd){ .fd = s[k].fd,
						.events = s[k].events };
		int ready = poll(p, n, loop_timeout(m));
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %s", strerror(errno));
		}
		for (size_t k = 0; k < n; k++)
			if (p[k].revents && s[k].fd == m->pidfd)
				dm_ready = true;
		loop_timers(m, ready, dm_ready);
		for (size_t k = 0; k < n && !m->finished; k++)
			if (s[k].every_turn ||
			    (p[k].revents && !source_stale(m, &s[k])))
				s[k].fn(m, s[k].i);
	}
}
