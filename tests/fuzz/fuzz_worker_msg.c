/* libFuzzer harness: what a QMP worker taken over by a device model may
 * send the monitor, through the same receive and check the monitor uses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/ipc/worker_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wk_msg m;
	char why[256];
	int sv[2];

	/* The bytes as one message, straight to the check. */
	if (size == sizeof(m)) {
		memcpy(&m, data, sizeof(m));
		(void)wk_msg_check(&m, true, why, sizeof(why));
		(void)wk_msg_check(&m, false, why, sizeof(why));
	}
	/* And as a datagram of any size on the channel. */
	if (size > 4096 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) == (ssize_t)size) {
		int fd = -1;
		if (wk_recv(sv[0], &m, &fd, 0) == 1)
			(void)wk_msg_check(&m, true, why, sizeof(why));
		if (fd >= 0)
			close(fd);
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}
