/* libFuzzer harness: QMP messages as a hostile device model sends them,
 * through the same line framing and classification the monitor uses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/qmpworker/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_event(const struct qmp_msg *m, void *arg)
{
	(void)arg;
	(void)strlen(m->event);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qmp_conn c;
	char why[256];
	int sv[2];

	/* One line straight to the classifier. */
	struct qmp_msg m;
	if (qmp_parse_line((const char *)data, size, &m, why, sizeof(why)) == 0)
		qmp_msg_free(&m);
	/* The same bytes as a stream through the event pump. */
	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) == (ssize_t)size) {
		close(sv[1]);
		qmp_init(&c, sv[0], on_event, NULL);
		while (qmp_pump(&c, why, sizeof(why)) == 0)
			;
	} else {
		close(sv[1]);
		close(sv[0]);
		return 0;
	}
	close(sv[0]);
	/* The same bytes as the replies to a command: id matching, the
	 * add-fd reply shape, error text sanitizing. The first command id
	 * is 1, so seeds can answer it. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) == (ssize_t)size) {
		json_t *ret = NULL;
		shutdown(sv[1], SHUT_WR);
		qmp_init(&c, sv[0], on_event, NULL);
		if (qmp_call(&c, "add-fd", NULL, -1, qmp_shape_add_fd,
			     now_ms() + 1000, &ret, why, sizeof(why)) == QMP_OK)
			json_decref(ret);
		close(sv[1]);
	} else {
		close(sv[1]);
	}
	close(sv[0]);
	return 0;
}
