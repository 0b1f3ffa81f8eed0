/* The monitor's inside: one struct monitor per process, and the functions
 * its files share. monitor.c holds the state and teardown, launch.c the
 * device model's start, start.c and takeover.c the two ways a monitor
 * begins, loop.c the event loop, requests.c the control requests,
 * worker_client.c the calls to the QMP worker, waiters.c the CLIs that
 * wait for a guest's poweroff. */
#ifndef BULKHEAD_MONITOR_PRIV_H
#define BULKHEAD_MONITOR_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../ipc/deadlines.h"
#include "../ipc/worker_msg.h"
#include "backends.h"
#include "child_log.h"
#include "console_log.h"
#include "monitor.h"

/* How long the monitor waits for the worker: the worker's own deadline
 * for QEMU and a margin (one table for both: ipc/deadlines.h). */
#define WORKER_HANDSHAKE_MS deadline_worker_ms(DL_HANDSHAKE)
#define WORKER_COMMAND_MS deadline_worker_ms(DL_COMMAND)
#define WORKER_MIGRATE_MS deadline_worker_ms(DL_MIGRATE)
#define WORKER_MSGS_PER_CALL 64
#define CONTROL_CLIENTS_MAX 4
#define WAITERS_MAX 4

struct monitor {
	struct monitor_launch *ml;
	struct vm_record *rec;
	pid_t dm_pid;
	int pidfd;
	int chan; /* to the QMP worker; -1 once it is gone */
	pid_t worker;
	struct child_log worker_log; /* its stderr, copied into ours */
	int console_fd; /* our end of the serial port; -1 after EOF */
	int listen_fd;
	int console_client;
	int clients[CONTROL_CLIENTS_MAX];
	struct console_log log;
	int qemu_out_fd; /* read end of QEMU's stdout/stderr; -1 after EOF */
	struct console_log qemu_log;
	bool broken;   /* destroy failed: retried until nothing survives */
	bool finished; /* destroyed: the event loop ends, the monitor exits */
	uint64_t qmp_eof_deadline;    /* QMP closed: the DM must exit by then */
	enum lifecycle_event pending; /* to act on once the event is read */
	/* reboot: a guest poweroff before this time (ms, monotonic) is the
	 * reboot asked for; 0: none asked */
	uint64_t reboot_until;
	/* The word the waiters hear as the monitor ends (waiters.c): set
	 * where the guest's own poweroff or crash ended the VM; NULL:
	 * "ended" (the device model exited, a destroy, a fault). */
	const char *end_word;
	int waiters[WAITERS_MAX]; /* shutdown -w, reboot -w (waiters.c) */
	struct backend backends[BACKENDS_MAX]; /* started by this monitor */
	size_t nbackends;
};

/* QEMU closes QMP as it exits; one that closes it and keeps running has
 * left the toolstack without control and is destroyed. */
#define QMP_EOF_GRACE_MS 2000

/* monitor.c */
void monitor_report_ready(struct monitor_launch *ml, const char *msg);
void monitor_set_state(struct monitor *m, const char *state);
/* Tear the VM down: on success m->finished, else m->broken (retried).
 * Returns either way; handlers return to the loop after it. */
void monitor_destroy(struct monitor *m, const char *reason, int reply_fd);
void monitor_init(struct monitor *m, struct monitor_launch *ml);
void monitor_serve(struct monitor *m, const char *state, char *why,
		   size_t whylen);

/* launch.c */
int monitor_connect_channels(struct monitor *m, char *why, size_t whylen);
int monitor_launch_vm(struct monitor *m, char *why, size_t whylen);

/* worker_client.c */
void worker_stop(struct monitor *m);
int worker_call(struct monitor *m, enum wk_type type, const char *vdev,
		unsigned arg, int fd, int timeout_ms, char *text, size_t len);
void worker_message(struct monitor *m);

/* requests.c */
void requests_handle(struct monitor *m, int slot);

/* events.c: one lifecycle event for the host's log (events_log.h),
 * rate-bounded; detail is printf-style. */
void monitor_event(struct monitor *m, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* waiters.c */
bool waiters_full(const struct monitor *m);
/* Keep client (answered "ok") until the guest has gone down. */
void waiters_add(struct monitor *m, int client);
void waiters_drop(struct monitor *m, size_t i);
/* Say word to every waiter and let it go. */
void waiters_tell(struct monitor *m, const char *word);

/* loop.c */
void loop_qemu_output(struct monitor *m);
/* Serve the VM until it is destroyed (m->finished). */
void monitor_event_loop(struct monitor *m);

#endif
