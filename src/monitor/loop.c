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
	    send(m->console_client, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
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
 * on_poweroff / on_reboot / on_crash. */
static void
lifecycle_apply(struct monitor *m)
{
	const struct vm_config *cfg = &m->ml->cfg;
	enum lifecycle_event e = m->pending;
	enum vm_action act = e == LC_POWEROFF ? cfg->on_poweroff
			     : e == LC_REBOOT ? cfg->on_reboot
					      : cfg->on_crash;
	char why[300];

	m->pending = LC_NONE;
	log_info("guest %s: on_%s = %s", lifecycle_name(e), lifecycle_name(e),
		 config_action_name(act));
	if (act == ACTION_DESTROY) {
		snprintf(why, sizeof(why), "guest %s", lifecycle_name(e));
		monitor_destroy(m, why, -1);
		return;
	}
	if (act == ACTION_PRESERVE) {
		monitor_set_state(m, e == LC_CRASH ? "crashed" : "shutdown");
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
}

/* A watched process (QEMU or a backend, named who) has ended: log how,
 * when it was our child and can still be reaped, copy its last output,
 * and destroy the VM for reason. */
static void
process_ended(struct monitor *m, int pidfd, const char *who,
	      const char *reason)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 &&
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
	process_ended(m, b->pidfd, who, reason);
}

noreturn void
monitor_event_loop(struct monitor *m)
{
	for (;;) {
		struct pollfd p[6 + CONTROL_CLIENTS_MAX + BACKENDS_MAX];
		size_t n = 0;
		p[n++] = (struct pollfd){ .fd = m->pidfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->chan, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->console_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->console_client,
					  .events = POLLIN };
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			p[n++] = (struct pollfd){ .fd = m->clients[i],
						  .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = m->qemu_out_fd, .events = POLLIN };
		size_t be0 = n;
		for (size_t i = 0; i < m->nbackends; i++)
			p[n++] = (struct pollfd){ .fd = m->broken ? -1
								 : m->backends[i].pidfd,
						  .events = POLLIN };
		/* A failed destroy is retried; meanwhile the pidfd stays
		 * readable, so it is not polled. */
		if (m->broken)
			p[0].fd = -1;
		int timeout = m->broken ? 1000 : -1;
		if (m->qmp_eof_deadline)
			timeout = 100;
		if (m->pending != LC_NONE)
			timeout = 0; /* act on it now */
		int pr = poll(p, n, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %s", strerror(errno));
		}
		if (m->broken && pr == 0)
			monitor_destroy(m, "retrying", -1);
		if (m->qmp_eof_deadline && !p[0].revents &&
		    now_ms() > m->qmp_eof_deadline) {
			m->qmp_eof_deadline = 0;
			monitor_destroy(m, "QMP closed while the device model "
					   "still runs", -1);
		}
		if (p[0].revents)
			dm_exited(m);
		if (p[1].revents && m->chan >= 0)
			worker_message(m);
		if (m->pending != LC_NONE && !m->broken)
			lifecycle_apply(m);
		if (p[2].revents && m->console_fd >= 0)
			console_input(m);
		if (p[3].revents) {
			int c = control_accept(m->listen_fd);
			for (int i = 0; c >= 0 && i < CONTROL_CLIENTS_MAX; i++) {
				if (m->clients[i] < 0) {
					m->clients[i] = c;
					c = -1;
				}
			}
			if (c >= 0)
				close(c); /* all slots busy */
		}
		if (p[4].revents && m->console_client >= 0)
			console_client_input(m);
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			if (p[5 + i].revents && m->clients[i] >= 0)
				requests_handle(m, i);
		if (p[5 + CONTROL_CLIENTS_MAX].revents && m->qemu_out_fd >= 0)
			loop_qemu_output(m);
		for (size_t i = 0; i < m->nbackends; i++)
			if (p[be0 + i].revents)
				backend_exited(m, &m->backends[i]);
	}
}
