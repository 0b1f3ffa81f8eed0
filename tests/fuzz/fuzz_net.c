/* libFuzzer harness: bulkhead-net's request path (net.c) behind the ring
 * walker, on guest memory the fuzzer writes. Byte 0 picks the queue size
 * (2^(b % 11)); byte 1: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 the
 * receive queue (else transmit), bit 3 the legacy 10-byte header (no
 * VERSION_1); byte 2 the avail index start; bytes 3-4 the length of the
 * frames waiting on the "tap" for the receive queue, halved (a seqpacket
 * socketpair, its other end ours). The rest is guest memory laid out
 * by fuzz_guest.h: rings at 0, buffers anywhere, two adjacent regions
 * each a heap block of its exact size, so any access outside them is an
 * ASan report. */
#include <linux/virtio_config.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../src/backends/net.h"
#include "../../src/vhost/guestmem.h"
#include "../../src/vhost/virtq.h"
#include "fuzz_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct net_dev net;
static struct vq_chain chain;
static uint8_t frame[NET_FRAME_MAX + 64];
static int peer = -1;

/* Whatever the backend wrote, gone; nothing left waiting for it. */
static void
drain(void)
{
	while (recv(peer, frame, sizeof(frame), MSG_DONTWAIT) >= 0)
		;
}

static void
setup(void)
{
	int sv[2];
	char why[128];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    net_dev_init(&net, sv[1], why, sizeof(why)) < 0)
		__builtin_trap();
	peer = sv[0];
}

static void
serve(struct virtq *q, const struct guestmem *gm, unsigned queue)
{
	char why[128];

	for (int i = 0; i < 64; i++) {
		int64_t w;
		int r = vq_pop(q, gm, &chain);

		if (r <= 0)
			break;
		chain.queue = queue;
		w = net_request(&net, &chain, why, sizeof(why));
		if (w == VU_REQ_AGAIN) {
			vq_unpop(q);
			break;
		}
		if (w < 0 || (uint64_t)w > chain.in_len)
			break;
		vq_push(q, chain.head, (uint32_t)w);
		(void)vq_should_notify(q);
		drain();
	}
	(void)vq_arm(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest g;
	struct virtq q;
	unsigned queue;
	size_t flen;

	if (peer < 0)
		setup();
	if (size < 5)
		return 0;
	drain();
	net.tap_gone = false;
	net_set_features(&net, data[1] & 8 ? 0 : 1ull << VIRTIO_F_VERSION_1);
	queue = data[1] & 4 ? NET_RX_QUEUE : NET_TX_QUEUE;
	flen = ((size_t)data[3] << 8 | data[4]) * 2; /* up to 128 KiB */
	if (flen > sizeof(frame))
		flen = sizeof(frame);
	if (queue == NET_RX_QUEUE)
		for (int i = 0; i < 2; i++)
			(void)!send(peer, frame, flen, MSG_DONTWAIT);
	if (fuzz_guest_make(&g, data + 5, size - 5) < 0)
		return 0;
	if (fuzz_guest_ring(&g, &q, data[0], data[2], data[1] & 1,
			    data[1] & 2) == 0)
		serve(&q, &g.gm, queue);
	/* Frames the receive queue left: not the next input's. */
	while (recv(net.tap, frame, sizeof(frame), MSG_DONTWAIT) >= 0)
		;
	fuzz_guest_free(&g);
	return 0;
}
