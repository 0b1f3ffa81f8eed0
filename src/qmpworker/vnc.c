#include "vnc.h"

#include <stdio.h>

#include "../host/hostfile.h"

/* The name the fd has in QEMU between getfd and add_client, which takes
 * it out of the monitor's list again. */
#define VNC_FDNAME "bh-vnc"

int
vnc_add_client(struct qmp_conn *c, int fd, uint64_t deadline_ms, char *why,
	       size_t whylen)
{
	if (vnc_check_fd(fd, why, whylen) < 0)
		return QMP_REFUSED;
	int rc = qmp_call(c, "getfd", json_pack("{s:s}", "fdname", VNC_FDNAME),
			  fd, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc != QMP_OK)
		return rc;
	rc = qmp_call(c, "add_client",
		      json_pack("{s:s, s:s, s:b}", "protocol", "vnc", "fdname",
				VNC_FDNAME, "skipauth", 0),
		      -1, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc != QMP_REFUSED)
		return rc;
	/* Refused (no VNC display): the fd may still be named; drop it.
	 * closefd refusing an unknown name is the expected answer. */
	char w[256], w2[256];
	snprintf(w, sizeof(w), "%s", why);
	if (qmp_call(c, "closefd", json_pack("{s:s}", "fdname", VNC_FDNAME), -1,
		     qmp_shape_empty, deadline_ms, NULL, w2,
		     sizeof(w2)) == QMP_BROKEN) {
		snprintf(why, whylen, "%s", w2);
		return QMP_BROKEN;
	}
	snprintf(why, whylen, "%s", w);
	return QMP_REFUSED;
}
