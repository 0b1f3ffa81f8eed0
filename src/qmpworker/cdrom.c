#include "cdrom.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../host/hostfile.h"

/* remove-fd of a set QEMU just gave us; failing it is a broken DM. */
static int
drop_fdset(struct qmp_conn *c, json_int_t set, uint64_t deadline_ms, char *why,
	   size_t whylen)
{
	int rc = qmp_call(c, "remove-fd", json_pack("{s:I}", "fdset-id", set),
			  -1, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc == QMP_REFUSED) {
		char w[256];
		snprintf(w, sizeof(w), "%s", why);
		snprintf(why, whylen,
			 "qmp: remove-fd of our own set refused: %s", w);
		return QMP_BROKEN;
	}
	return rc;
}

int
cdrom_insert(struct qmp_conn *c, const char *vdev, int fd, uint64_t deadline_ms,
	     char *why, size_t whylen)
{
	json_t *ret = NULL;
	char fdset[160];
	struct stat st;

	if (medium_check_fd(fd, why, whylen) < 0 || fstat(fd, &st) < 0)
		return QMP_REFUSED;
	int rc = qmp_call(c, "add-fd", json_pack("{s:s}", "opaque", vdev), fd,
			  qmp_shape_add_fd, deadline_ms, &ret, why, whylen);
	if (rc != QMP_OK)
		return rc;
	json_int_t set = json_integer_value(json_object_get(ret, "fdset-id"));
	json_decref(ret);
	/* The protocol node spelled out (blockdev-change-medium takes no
	 * driver options otherwise): locking=off, as for disks, since the
	 * toolstack holds the image lock and the jail may not take one; a
	 * block device needs host_device, which 'file' refuses. */
	snprintf(fdset, sizeof(fdset),
		 "json:{\"file\": {\"driver\": \"%s\", "
		 "\"filename\": \"/dev/fdset/%lld\", \"locking\": \"off\"}}",
		 S_ISBLK(st.st_mode) ? "host_device" : "file", (long long)set);
	rc = qmp_call(c, "blockdev-change-medium",
		      json_pack("{s:s, s:s, s:s, s:s}", "id", vdev, "filename",
				fdset, "format", "raw", "read-only-mode",
				"read-only"),
		      -1, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc == QMP_BROKEN)
		return rc;
	/* Inserted or refused, the set goes: QEMU keeps only the copy the
	 * medium holds (if any), and a refused insert leaves nothing. */
	char w[256];
	snprintf(w, sizeof(w), "%s", why);
	int drc = drop_fdset(c, set, deadline_ms, why, whylen);
	if (drc != QMP_OK)
		return drc;
	snprintf(why, whylen, "%s", w);
	return rc;
}

int
cdrom_eject(struct qmp_conn *c, const char *vdev, uint64_t deadline_ms,
	    char *why, size_t whylen)
{
	/* Without force: a tray the guest locked stays shut, QEMU asks the
	 * guest to open it and says so. */
	return qmp_call(c, "eject", json_pack("{s:s}", "id", vdev), -1,
			qmp_shape_empty, deadline_ms, NULL, why, whylen);
}
