/* Handing one VNC client to the VM: the control request `vnc` with one
 * end of the client's socketpair, sent without waiting for the monitor,
 * whose answer depends on the QMP worker and the device model (hostile,
 * and up to seconds late). The relay loop polls the connection and
 * gives up at the deadline, so a device model that never answers costs
 * that client its hand-over and no other client a byte. */
#include "vnc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/vmdir.h"
#include "../ipc/control_msg.h"
#include "../ipc/deadlines.h"

static int
fail(struct handover *h, int err, char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	handover_end(h);
	return -err;
}

/* Whether the peer of a fresh connection to NAME's control socket is
 * the monitor of the VM pinned: the record is of the same VM
 * (record_same_vm: a new VM made with the name has a new device model)
 * and names that peer as its monitor. 0; -ESTALE: the VM is gone or
 * another; -EAGAIN: another monitor (a take-over under way). */
static int
peer_pinned(int s, const struct vm_record *pin)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct vm_record now;

	if (record_read(pin->name, &now) < 0 || !record_same_vm(pin, &now))
		return -ESTALE;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    cr.uid != 0 || now.monitor_pid != cr.pid)
		return -EAGAIN;
	return 0;
}

int
handover_begin(struct handover *h, const struct vm_record *pin, int fd,
	       char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_msg req;

	memset(h, 0, sizeof(*h));
	h->ctl = -1;
	if (vmdir_file(sa.sun_path, sizeof(sa.sun_path), pin->name,
		       VMF_CONTROL_SOCK) < 0 ||
	    ctl_msg_set(&req, CTL_VNC, NULL, fd) < 0)
		return fail(h, EINVAL, why, whylen, "no control socket path");
	/* Not blocking: a monitor whose backlog is full (busy with
	 * other requests) refuses this client at once (EAGAIN). */
	h->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->ctl < 0 ||
	    connect(h->ctl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		return fail(h, e, why, whylen,
			    e == EAGAIN ? "the monitor is busy"
					: "no monitor answers for the VM");
	}
	int rc = peer_pinned(h->ctl, pin);
	if (rc < 0)
		return fail(h, -rc, why, whylen,
			    rc == -ESTALE ? "the VM is gone (or a new VM has "
					    "its name now)"
					  : "the monitor is not the one the "
					    "VM's record names");
	rc = ctl_msg_send(h->ctl, &req);
	if (rc < 0)
		return fail(h, -rc, why, whylen, "cannot send the request");
	h->deadline = now_ms() + (uint64_t)deadline_request_ms(CTL_VNC);
	return 0;
}

int
handover_read(struct handover *h, uint64_t now, char *why, size_t whylen)
{
	ssize_t n = recv(h->ctl, h->reply + h->got,
			 sizeof(h->reply) - 1 - h->got, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (now < h->deadline)
			return 0;
		snprintf(why, whylen, "the monitor did not answer in %d s",
			 deadline_request_ms(CTL_VNC) / 1000);
		return -1;
	}
	if (n <= 0) {
		snprintf(why, whylen, "the monitor closed the request%s",
			 n < 0 ? " (error)" : "");
		return -1;
	}
	h->got += (size_t)n;
	h->reply[h->got] = '\0';
	char *nl = strchr(h->reply, '\n');
	if (!nl) {
		if (h->got + 1 < sizeof(h->reply))
			return 0;
		snprintf(why, whylen, "the monitor's answer is too long");
		return -1;
	}
	*nl = '\0';
	if (strcmp(h->reply, "ok") == 0)
		return 1;
	snprintf(why, whylen, "%s",
		 strncmp(h->reply, "error: ", 7) == 0 ? h->reply + 7
						      : h->reply);
	return -1;
}

void
handover_end(struct handover *h)
{
	if (h->ctl >= 0)
		close(h->ctl);
	h->ctl = -1;
}
