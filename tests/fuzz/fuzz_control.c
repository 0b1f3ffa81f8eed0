/* libFuzzer harness: what a peer on a VM's control socket may send the
 * monitor, through the reader the monitor uses. The first byte chooses
 * how many fds come with the line (0, 1 or 2); the rest is the line. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/ipc/control.h"
#include "../../src/ipc/control_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A request the reader accepts is one the encoder writes back the same. */
static void
check_round_trip(const struct ctl_msg *m, const uint8_t *line, size_t len)
{
	char out[CONTROL_LINE_MAX];
	int n = ctl_msg_encode(m, out, sizeof(out));

	if (n < 0 || (size_t)n != len + 1 || memcmp(out, line, len) != 0 ||
	    out[len] != '\n')
		abort();
}

static void
through_socket(const uint8_t *line, size_t len, size_t nfds)
{
	int sv[2], fds[2] = { -1, -1 };
	struct ctl_msg m;
	char why[256];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	for (size_t i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* The line, its first byte with the first fd and the rest with the
	 * second (the reader collects fds across its reads), then the end. */
	if (len == 0) {
		line = (const uint8_t *)"\n";
		len = 1;
	}
	(void)send_with_fd(sv[1], line, 1, fds[0]);
	if (len > 1)
		(void)send_with_fd(sv[1], line + 1, len - 1, fds[1]);
	shutdown(sv[1], SHUT_WR);
	if (ctl_msg_read(sv[0], &m, 1000, why, sizeof(why)) == 0 && m.fd >= 0)
		close(m.fd);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(sv[0]);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_msg m;
	char why[256];

	if (size < 1 || size > 4096)
		return 0;
	size_t nfds = data[0] % 3;
	const uint8_t *line = data + 1;
	size_t len = size - 1;
	const uint8_t *nl = memchr(line, '\n', len);

	/* The decoder sees what the reader hands it: up to the '\n'. */
	size_t llen = nl ? (size_t)(nl - line) : len;
	if (ctl_msg_decode((const char *)line, llen, nfds ? 42 : -1, nfds, &m,
			   why, sizeof(why)) == 0)
		check_round_trip(&m, line, llen);
	through_socket(line, len, nfds);
	return 0;
}
