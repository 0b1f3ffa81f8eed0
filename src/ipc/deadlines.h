/* The deadlines on the channels between the CLI, the monitor and its QMP
 * worker, in one table. The worker gives QEMU the table's time for a
 * request; the monitor gives the worker that and a margin more, so that a
 * worker which timed QEMU out has time to say so (a QMP violation, with
 * its reason) before the monitor gives up on the worker itself; the CLI
 * gives the monitor the sum of what a request's steps may take. */
#ifndef BULKHEAD_DEADLINES_H
#define BULKHEAD_DEADLINES_H

#include "control_msg.h"
#include "worker_msg.h"

enum deadline_kind {
	DL_HANDSHAKE, /* greeting, capabilities, query-status */
	DL_COMMAND,   /* one command: stop, cont, a medium, a restart */
	DL_MIGRATE,   /* a whole save or restore stream */
	DL_KINDS
};

/* What the monitor allows the worker beyond QEMU's deadline. */
#define DEADLINE_MARGIN_MS 5000

/* ms the QMP worker gives QEMU. From exec to a paused VM answering
 * query-status QEMU needs well under a second; one that says nothing is
 * given up on after this. */
static inline int
deadline_qmp_ms(enum deadline_kind k)
{
	static const int ms[DL_KINDS] = {
		[DL_HANDSHAKE] = 20000,
		[DL_COMMAND] = 10000,
		[DL_MIGRATE] = 300000,
	};
	return ms[(unsigned)k < DL_KINDS ? k : DL_COMMAND];
}

/* ms the monitor waits for the worker's answer. */
static inline int
deadline_worker_ms(enum deadline_kind k)
{
	return deadline_qmp_ms(k) + DEADLINE_MARGIN_MS;
}

/* Which row a worker request falls under. */
static inline enum deadline_kind
deadline_kind_of(enum wk_type t)
{
	switch (t) {
	case WK_HANDSHAKE:
		return DL_HANDSHAKE;
	case WK_SAVE:
	case WK_RESTORE:
		return DL_MIGRATE;
	case WK_INSERT:
	case WK_EJECT:
	case WK_STOP:
	case WK_CONT:
	case WK_RESTART:
	case WK_POWERDOWN:
	case WK_VNC:
	case WK_RESULT: /* the worker's messages: never a request */
	case WK_EVENT:
	case WK_QMP_EOF:
	case WK_VIOLATION:
	default:
		return DL_COMMAND;
	}
}

/* The copier's fdatasync of a save file, once the stream has ended. */
#define DEADLINE_SAVE_SYNC_MS 300000
/* A teardown (kill, reap, clean up), as the CLI allows for it. */
#define DEADLINE_TEARDOWN_MS 15000
/* shutdown -w / reboot -w: how long the CLI waits, unless -t says,
 * for the guest to act on its power button. */
#define DEADLINE_SHUTDOWN_WAIT_S 60
/* reboot: how long the monitor takes a guest's poweroff for the reboot
 * it was asked for; a poweroff later is a poweroff (on_poweroff). */
#define DEADLINE_REBOOT_REQUEST_MS 600000
/* A request may wait behind another one: the monitor serves one at a
 * time. */
#define DEADLINE_QUEUE_MS 15000
/* Connecting to one of the device model's listening sockets (console,
 * QMP): the kernel queues the connection without QEMU's help unless the
 * backlog is full, as a device model that stopped accepting can make it
 * (listen(fd, 0)); the monitor gives up on it after this. */
#define DEADLINE_CONNECT_MS 5000

/* ms the CLI waits for a new monitor's word on a take-over: both
 * connections, the QMP handshake through a new worker, and a margin. */
static inline int
deadline_takeover_ms(void)
{
	return 2 * DEADLINE_CONNECT_MS + deadline_worker_ms(DL_HANDSHAKE) +
	       DEADLINE_MARGIN_MS;
}

/* ms the CLI waits for the monitor's answer to a request. */
static inline int
deadline_request_ms(enum ctl_type t)
{
	int cmd = deadline_worker_ms(DL_COMMAND);

	switch (t) {
	case CTL_DESTROY:
		return DEADLINE_TEARDOWN_MS + DEADLINE_QUEUE_MS;
	case CTL_SAVE:
	case CTL_SAVE_CONTINUE:
		/* stop, the stream, its sync, then cont or the teardown */
		return cmd + deadline_worker_ms(DL_MIGRATE) +
		       DEADLINE_SAVE_SYNC_MS +
		       (cmd > DEADLINE_TEARDOWN_MS ? cmd
						   : DEADLINE_TEARDOWN_MS) +
		       DEADLINE_QUEUE_MS;
	case CTL_CONSOLE:
	case CTL_PAUSE:
	case CTL_UNPAUSE:
	case CTL_CD_INSERT:
	case CTL_CD_EJECT:
	case CTL_SHUTDOWN: /* the press only: the guest's poweroff is */
	case CTL_REBOOT:   /* awaited apart (DEADLINE_SHUTDOWN_WAIT_S) */
	case CTL_VNC:
	case CTL_TYPES:
	default:
		return cmd + DEADLINE_QUEUE_MS;
	}
}

#endif
