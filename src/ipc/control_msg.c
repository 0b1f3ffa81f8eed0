#include "control_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../config/disk.h"
#include "control.h"

/* One row per request type: its verb, and what it carries. */
static const struct {
	const char *verb;
	bool vdev;
	bool fd;
} types[CTL_TYPES] = {
	[CTL_DESTROY] = { "destroy", false, false },
	[CTL_CONSOLE] = { "console", false, false },
	[CTL_PAUSE] = { "pause", false, false },
	[CTL_UNPAUSE] = { "unpause", false, false },
	[CTL_CD_INSERT] = { "cd-insert", true, true },
	[CTL_CD_EJECT] = { "cd-eject", true, false },
	[CTL_SAVE] = { "save", false, true },
	[CTL_SAVE_CONTINUE] = { "save-continue", false, true },
	[CTL_SHUTDOWN] = { "shutdown", false, false },
	[CTL_REBOOT] = { "reboot", false, false },
	[CTL_VNC] = { "vnc", false, true },
};

static bool
type_known(enum ctl_type t)
{
	return t > 0 && t < CTL_TYPES;
}

const char *
ctl_type_name(enum ctl_type t)
{
	return type_known(t) ? types[t].verb : "?";
}

/* A CD-ROM slot: the only drives a request may name. */
static bool
vdev_ok(const char *vdev)
{
	unsigned bus, unit;

	return disk_ide_slot(vdev, &bus, &unit) == 0;
}

int
ctl_msg_set(struct ctl_msg *m, enum ctl_type type, const char *vdev, int fd)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (!type_known(type) || types[type].vdev != (vdev != NULL) ||
	    types[type].fd != (fd >= 0) || (vdev && !vdev_ok(vdev)))
		return -EINVAL;
	m->type = type;
	if (vdev)
		snprintf(m->vdev, sizeof(m->vdev), "%s", vdev);
	m->fd = fd;
	return 0;
}

int
ctl_msg_encode(const struct ctl_msg *m, char *buf, size_t len)
{
	if (!type_known(m->type) || types[m->type].fd != (m->fd >= 0) ||
	    (types[m->type].vdev ? !vdev_ok(m->vdev) : m->vdev[0] != '\0'))
		return -EINVAL;
	int n = snprintf(buf, len, "%s%s%s\n", types[m->type].verb,
			 m->vdev[0] ? " " : "", m->vdev);
	return n < 0 || (size_t)n >= len || (size_t)n >= CONTROL_LINE_MAX
		       ? -EMSGSIZE
		       : n;
}

static int
refuse(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -1;
}

/* The type whose verb is exactly buf[0..len), or 0. */
static enum ctl_type
type_of(const char *buf, size_t len)
{
	for (int t = 1; t < CTL_TYPES; t++)
		if (strlen(types[t].verb) == len &&
		    memcmp(buf, types[t].verb, len) == 0)
			return (enum ctl_type)t;
	return 0;
}

int
ctl_msg_decode(const char *buf, size_t len, int fd, size_t nfds,
	       struct ctl_msg *m, char *why, size_t whylen)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (len >= CONTROL_LINE_MAX)
		return refuse(why, whylen, "request too long");
	if (memchr(buf, '\0', len))
		return refuse(why, whylen, "a NUL byte in the request");
	const char *sp = memchr(buf, ' ', len);
	size_t vlen = sp ? len - (size_t)(sp - buf) - 1 : 0;
	enum ctl_type t = type_of(buf, sp ? (size_t)(sp - buf) : len);
	if (!t)
		return refuse(why, whylen, "unknown command");
	if (types[t].vdev != (sp != NULL))
		return refuse(why, whylen,
			      types[t].vdev ? "the request names no drive"
					    : "unknown command");
	if (sp) {
		char vdev[CTL_VDEV_MAX];
		if (vlen >= sizeof(vdev))
			return refuse(
				why, whylen,
				"bad vdev (expected hda, hdb, hdc or hdd)");
		memcpy(vdev, sp + 1, vlen);
		vdev[vlen] = '\0';
		if (!vdev_ok(vdev))
			return refuse(
				why, whylen,
				"bad vdev (expected hda, hdb, hdc or hdd)");
		memcpy(m->vdev, vdev, sizeof(vdev));
	}
	if (nfds > 1)
		return refuse(why, whylen,
			      "more than one fd came with the request");
	if (nfds == 1 && fd < 0)
		return refuse(why, whylen, "a bad fd came with the request");
	if (nfds == 1 && !types[t].fd)
		return refuse(why, whylen,
			      "an fd came with a request that takes none");
	if (nfds == 0 && types[t].fd)
		return refuse(why, whylen, "the request came without its fd");
	m->type = t;
	m->fd = types[t].fd ? fd : -1;
	return 0;
}

int
ctl_msg_read(int sock, struct ctl_msg *m, int timeout_ms, char *why,
	     size_t whylen)
{
	char line[CONTROL_LINE_MAX];
	int fd = -1;
	size_t nfds = 0;
	int n = control_read_request(sock, line, sizeof(line), timeout_ms, &fd,
				     &nfds);

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (n < 0)
		return n;
	if (ctl_msg_decode(line, (size_t)n, fd, nfds, m, why, whylen) < 0) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	return 0;
}

int
ctl_msg_send(int sock, const struct ctl_msg *m)
{
	char line[CONTROL_LINE_MAX];
	int n = ctl_msg_encode(m, line, sizeof(line));

	return n < 0 ? n : send_with_fd(sock, line, (size_t)n, m->fd);
}
