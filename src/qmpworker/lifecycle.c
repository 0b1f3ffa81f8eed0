#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

enum lifecycle_event
lifecycle_classify(const struct qmp_msg *ev)
{
	if (strcmp(ev->event, "GUEST_PANICKED") == 0) {
		/* data: {"action": ..., "info": {...}} (info optional) */
		if (!json_is_string(json_object_get(ev->value, "action")))
			return LC_INVALID;
		return LC_CRASH;
	}
	if (strcmp(ev->event, "SHUTDOWN") != 0)
		return LC_NONE;
	/* data: {"guest": bool, "reason": string} */
	json_t *reason = json_object_get(ev->value, "reason");
	if (!json_is_boolean(json_object_get(ev->value, "guest")) ||
	    !json_is_string(reason))
		return LC_INVALID;
	const char *r = json_string_value(reason);
	if (strcmp(r, "guest-reset") == 0)
		return LC_REBOOT;
	if (strcmp(r, "guest-panic") == 0)
		return LC_CRASH;
	return LC_POWEROFF;
}

int
lifecycle_restart(struct qmp_conn *c, uint64_t deadline_ms, char *why,
		  size_t whylen)
{
	int rc = qmp_call(c, "system_reset", NULL, -1, qmp_shape_empty,
			  deadline_ms, NULL, why, whylen);
	if (rc != QMP_OK)
		return rc;
	/* The reset happens in QEMU's main loop after the reply; cont before
	 * it would be refused ("reset required"). */
	for (;;) {
		json_t *st = NULL;
		rc = qmp_call(c, "query-status", NULL, -1, qmp_shape_status,
			      deadline_ms, &st, why, whylen);
		if (rc != QMP_OK)
			return rc;
		const char *s =
			json_string_value(json_object_get(st, "status"));
		bool stopped =
			!strcmp(s, "shutdown") || !strcmp(s, "guest-panicked");
		json_decref(st);
		if (!stopped)
			break;
		if (now_ms() >= deadline_ms) {
			snprintf(why, whylen,
				 "qmp: the guest was not reset in time");
			return QMP_BROKEN;
		}
		sleep_ms(10);
	}
	return qmp_call(c, "cont", NULL, -1, qmp_shape_empty, deadline_ms, NULL,
			why, whylen);
}
