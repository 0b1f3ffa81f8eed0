#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

/* query-migrate: an object whose "status" is one of QEMU's, or absent:
 * QEMU leaves it out while no migration has begun, which an incoming
 * one is until the first bytes of the stream arrive. */
static bool
shape_migrate(const json_t *ret)
{
	static const char *const known[] = {
		"none",
		"setup",
		"cancelling",
		"cancelled",
		"active",
		"postcopy-active",
		"postcopy-paused",
		"postcopy-recover",
		"completed",
		"failed",
		"colo",
		"pre-switchover",
		"device",
		"wait-unplug",
	};
	const json_t *status = json_object_get(ret, "status");
	const char *s = json_string_value(status);

	if (!json_is_object(ret))
		return false;
	if (!status)
		return true;
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

/* Poll query-migrate until it completes (QMP_OK) or fails (REFUSED). */
static int
migration_wait(struct qmp_conn *c, uint64_t deadline_ms, char *why,
	       size_t whylen)
{
	for (;;) {
		json_t *ret = NULL;
		int rc = qmp_call(c, "query-migrate", NULL, -1, shape_migrate,
				  deadline_ms, &ret, why, whylen);
		if (rc != QMP_OK)
			return rc;
		char status[32];
		const char *s =
			json_string_value(json_object_get(ret, "status"));
		snprintf(status, sizeof(status), "%s", s ? s : "none");
		json_decref(ret);
		if (strcmp(status, "completed") == 0)
			return QMP_OK;
		if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
			snprintf(why, whylen, "migration %s", status);
			return QMP_REFUSED;
		}
		if (now_ms() >= deadline_ms) {
			snprintf(why, whylen,
				 "qmp: migration did not finish in time");
			return QMP_BROKEN;
		}
		sleep_ms(50);
	}
}

/* Hand QEMU one end of a pipe under fdname; the copier has the other. */
static int
pipe_to_qemu(struct qmp_conn *c, const char *fdname, int qemu_end,
	     uint64_t deadline_ms, char *why, size_t whylen)
{
	return qmp_call(c, "getfd", json_pack("{s:s}", "fdname", fdname),
			qemu_end, qmp_shape_empty, deadline_ms, NULL, why,
			whylen);
}

int
save_migrate_out(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		 char *why, size_t whylen)
{
	/* No bandwidth cap for a save to a local file. */
	int rc = qmp_call(
		c, "migrate-set-parameters",
		json_pack("{s:I}", "max-bandwidth", (json_int_t)1 << 40), -1,
		qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc == QMP_OK)
		rc = pipe_to_qemu(c, "bh-save", qemu_end, deadline_ms, why,
				  whylen);
	if (rc == QMP_OK)
		rc = qmp_call(c, "migrate",
			      json_pack("{s:s}", "uri", "fd:bh-save"), -1,
			      qmp_shape_empty, deadline_ms, NULL, why, whylen);
	return rc == QMP_OK ? migration_wait(c, deadline_ms, why, whylen) : rc;
}

int
save_migrate_in(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		char *why, size_t whylen)
{
	int rc = pipe_to_qemu(c, "bh-restore", qemu_end, deadline_ms, why,
			      whylen);

	if (rc == QMP_OK)
		rc = qmp_call(c, "migrate-incoming",
			      json_pack("{s:s}", "uri", "fd:bh-restore"), -1,
			      qmp_shape_empty, deadline_ms, NULL, why, whylen);
	return rc == QMP_OK ? migration_wait(c, deadline_ms, why, whylen) : rc;
}
