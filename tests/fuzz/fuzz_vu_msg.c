/* libFuzzer harness: a hostile vhost-user front end. The input is a
 * sequence of records: a message (header, payload, how many fds ride on
 * it), sent on a real socketpair through vu_msg_recv, vu_msg_parse and
 * the connection state machine of a blk backend; or a write into the
 * guest memory the front end shares, so that the queues the messages set
 * up carry requests the ring walker and blk then serve.
 *
 * Record: byte k. k < 0x80: message with (k & 0x0f) fds, then 12 header
 * bytes, then the payload (up to the header's size, zero-padded).
 * k >= 0x80: memory write: 2 bytes offset (x 8), 1 byte length, data. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/backends/blk.h"
#include "../../src/vhost/vu_dev.h"
#include "../../src/vhost/vu_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_BYTES (256u << 10)

static int guest_fd = -1;
static uint8_t *guest;
static struct blk_disk disk;
static struct vu_device dev;
static struct vu_conn conn;

static void
init_once(void)
{
	char why[128];
	int disk_fd;

	if (guest)
		return;
	guest_fd = memfd_create("fuzz-guest", MFD_ALLOW_SEALING);
	disk_fd = memfd_create("fuzz-disk", 0);
	if (guest_fd < 0 || disk_fd < 0 ||
	    ftruncate(guest_fd, GUEST_BYTES) < 0 ||
	    ftruncate(disk_fd, 1 << 20) < 0 ||
	    fcntl(guest_fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) < 0)
		__builtin_trap();
	guest = mmap(NULL, GUEST_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		     guest_fd, 0);
	if (guest == MAP_FAILED || blk_disk_init(&disk, disk_fd, false, "fuzz",
						 2, why, sizeof(why)) < 0)
		__builtin_trap();
	dev = (struct vu_device){
		.name = "fuzz-blk",
		.features = blk_features(&disk),
		.protocol_features = 1ull << VU_PF_CONFIG,
		.queues = 2,
		.config = disk.config,
		.config_len = sizeof(disk.config),
		.request = blk_request,
		.dev = &disk,
	};
}

static void
drain(int fd)
{
	uint8_t buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Send one message with nfds fds: eventfds for the vring requests (the
 * backend writes to its call fd), the guest memfd otherwise. */
static void
send_msg(int sock, const uint8_t *hdr, const uint8_t *payload, size_t plen,
	 unsigned nfds)
{
	uint8_t buf[VU_HDR_BYTES + 4096];
	union {
		char b[CMSG_SPACE(sizeof(int) * 15)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint32_t req, want;
	int fds[15];

	memcpy(&req, hdr, 4);
	memcpy(&want, hdr + 8, 4);
	req = le32toh(req);
	want = le32toh(want);
	if (want > 4096)
		want = 4096; /* refused by size before any payload is read */
	memcpy(buf, hdr, VU_HDR_BYTES);
	memset(buf + VU_HDR_BYTES, 0, want);
	memcpy(buf + VU_HDR_BYTES, payload, plen < want ? plen : want);
	iov.iov_len = VU_HDR_BYTES + want;
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = req >= VU_SET_VRING_KICK && req <= VU_SET_VRING_ERR
				 ? eventfd(0, EFD_NONBLOCK)
				 : dup(guest_fd);
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	(void)sendmsg(sock, &mh, MSG_NOSIGNAL);
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	int sv[2];

	init_once();
	memset(guest, 0, GUEST_BYTES);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	vu_conn_init(&conn, sv[0], &dev);
	while (pos < size) {
		uint8_t k = data[pos++];

		if (k & 0x80) {
			uint16_t off;
			size_t len;

			if (size - pos < 3)
				break;
			memcpy(&off, data + pos, 2);
			len = data[pos + 2];
			pos += 3;
			if (len > size - pos)
				len = size - pos;
			if ((size_t)off * 8 + len <= GUEST_BYTES)
				memcpy(guest + (size_t)off * 8, data + pos,
				       len);
			pos += len;
			continue;
		}
		if (size - pos < VU_HDR_BYTES)
			break;
		{
			const uint8_t *hdr = data + pos;
			uint32_t plen;
			size_t avail;
			struct vu_raw raw;
			struct vu_req req;
			char why[256];
			int r;

			pos += VU_HDR_BYTES;
			memcpy(&plen, hdr + 8, 4);
			plen = le32toh(plen);
			avail = size - pos;
			send_msg(sv[1], hdr, data + pos, avail, k & 0x0f);
			pos += plen < avail ? plen : avail;
			r = vu_msg_recv(sv[0], &raw, why, sizeof(why));
			if (r <= 0)
				break;
			if (vu_msg_parse(&raw, &req, why, sizeof(why)) < 0 ||
			    vu_conn_handle(&conn, &req, why, sizeof(why)) < 0)
				break; /* the connection would end here */
			drain(sv[1]);
			for (unsigned q = 0; q < dev.queues; q++) {
				bool more;

				(void)vu_queue_serve(&conn, q, 64, &more);
			}
		}
	}
	vu_conn_reset(&conn);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
