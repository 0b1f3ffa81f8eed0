/* The channel between the privileged monitor and its unprivileged QMP
 * worker: fixed-size messages on a SOCK_SEQPACKET socketpair, at most one
 * fd each. The monitor treats the worker as hostile (it parses what a
 * compromised device model sends): every message it receives is checked
 * whole by wk_msg_check() before any field is used. */
#ifndef BULKHEAD_WORKER_MSG_H
#define BULKHEAD_WORKER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_TEXT_MAX 240

/* Outcomes of a command. REFUSED is QEMU's well-formed "error" reply (a
 * locked tray, an unknown device): the VM is fine. BROKEN is anything
 * else that went wrong (violation, timeout, EOF): the VM is not. */
enum { QMP_OK = 0, QMP_BROKEN = -1, QMP_REFUSED = -2 };

/* What a WK_EVENT reports (the worker classifies QMP events). */
enum lifecycle_event {
	LC_NONE,     /* not a lifecycle event */
	LC_POWEROFF, /* SHUTDOWN, any reason but a reset or panic */
	LC_REBOOT,   /* SHUTDOWN reason guest-reset */
	LC_CRASH,    /* GUEST_PANICKED, or SHUTDOWN reason guest-panic */
	LC_INVALID,  /* a lifecycle event of the wrong shape */
};
const char *lifecycle_name(enum lifecycle_event e);

enum wk_type {
	/* monitor -> worker */
	WK_HANDSHAKE = 1, /* arg 1: a fresh QEMU (must be paused); 0: attach */
	WK_INSERT,        /* vdev, fd: the medium */
	WK_EJECT,         /* vdev */
	WK_STOP,
	WK_CONT,
	WK_RESTART,   /* reset in place and continue */
	WK_SAVE,      /* fd: write end of the pipe to the copier */
	WK_RESTORE,   /* fd: read end of the pipe from the copier */
	WK_POWERDOWN, /* press the ACPI power button */
	WK_VNC,       /* fd: a connected socket, one VNC client (add_client) */
	/* worker -> monitor */
	WK_RESULT = 32, /* rc; text: why, or the run state after HANDSHAKE */
	WK_EVENT,     /* arg: enum lifecycle_event (poweroff, reboot, crash) */
	WK_QMP_EOF,   /* QEMU closed QMP; the worker ends */
	WK_VIOLATION, /* text: what QEMU did wrong; the worker ends */
};

struct wk_msg {
	uint32_t type;
	int32_t rc; /* QMP_OK, QMP_BROKEN or QMP_REFUSED */
	uint32_t arg;
	char vdev[8];
	char text[WK_TEXT_MAX];
};

/* Is m a well-formed message for its direction? 0, or -1 with why. */
int wk_msg_check(const struct wk_msg *m, bool from_worker, char *why,
		 size_t whylen);
/* Send one message (with pass_fd unless -1). 0 or -errno. */
int wk_send(int chan, const struct wk_msg *m, int pass_fd);
/* Receive one message within timeout_ms (-1: wait). The fd that came
 * with it in *fd (or -1; NULL: any fd is closed and the message refused).
 * 1, 0 at EOF, -ETIMEDOUT, or -EPROTO for a message of the wrong size. */
int wk_recv(int chan, struct wk_msg *m, int *fd, int timeout_ms);
/* A message with text (made printable, cut to fit). */
void wk_msg_set(struct wk_msg *m, enum wk_type type, int rc, unsigned arg,
		const char *text);

#endif
