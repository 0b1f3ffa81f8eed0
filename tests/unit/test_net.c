/* bulkhead-net's request path on chains built by hand (no ring, no
 * front end): what it sends to the tap, what it gives the guest, and
 * what it refuses. The tap is a seqpacket socketpair whose other end the
 * test holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/backends/net.h"

static struct net_dev net;
static struct vq_chain chain;
static uint8_t guest[4][4096];
static int peer;

static int
setup(void **state)
{
	int sv[2];
	char why[128];

	(void)state;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    net_dev_init(&net, sv[1], why, sizeof(why)) < 0)
		return -1;
	peer = sv[0];
	net_set_features(&net, 1ull << VIRTIO_F_VERSION_1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(peer);
	close(net.tap);
	return 0;
}

/* A chain of n segments of len bytes each, over guest[0..n). */
static void
chain_of(unsigned queue, unsigned n, uint32_t len, bool writable)
{
	memset(&chain, 0, sizeof(chain));
	chain.queue = queue;
	for (unsigned i = 0; i < n; i++) {
		chain.seg[i].host = guest[i];
		chain.seg[i].len = len;
	}
	if (writable) {
		chain.nin = n;
		chain.in_len = (uint64_t)n * len;
	} else {
		chain.nout = n;
		chain.out_len = (uint64_t)n * len;
	}
}

static ssize_t
from_tap(uint8_t *buf, size_t len)
{
	return recv(peer, buf, len, MSG_DONTWAIT);
}

static void
test_tx(void **state)
{
	uint8_t got[256];
	char why[128];

	(void)state;
	/* An empty header and a 100-byte frame, split over two segments:
	 * the tap gets the frame, bare. */
	memset(guest, 0, sizeof(guest));
	for (int i = 0; i < 100; i++) {
		if (i < 50 - NET_HDR_V1)
			guest[0][NET_HDR_V1 + i] = (uint8_t)i;
		else
			guest[1][i - (50 - NET_HDR_V1)] = (uint8_t)i;
	}
	chain_of(NET_TX_QUEUE, 2, 50, false);
	chain.out_len = 50 + 62;
	chain.seg[1].len = 62;
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), 0);
	assert_int_equal(from_tap(got, sizeof(got)), 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(got[i], (uint8_t)i);
	assert_int_equal(net.tx_frames, 1);
}

static void
test_tx_hostile(void **state)
{
	static const struct virtio_net_hdr bad[] = {
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 4000, 6 },
		{ 0, VIRTIO_NET_HDR_GSO_TCPV4, 65535, 1, 0, 0 },
		{ 0x80, 0, 0, 0, 0, 0 },
	};
	uint8_t got[256];
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(guest, 0, sizeof(guest));
		memcpy(guest[0], &bad[i], sizeof(bad[i]));
		chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 + 60, false);
		assert_int_equal(net_request(&net, &chain, why, sizeof(why)),
				 0);
		assert_true(from_tap(got, sizeof(got)) < 0);
	}
	/* Header only (a zero-length frame) and a runt: dropped too. */
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1, false);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), 0);
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 + 13, false);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), 0);
	assert_true(from_tap(got, sizeof(got)) < 0);
	/* Shorter than the header, or device-writable: the queue stops. */
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 - 1, false);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "shorter than the virtio-net header"));
	chain_of(NET_TX_QUEUE, 1, 100, true);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), -1);
}

static void
test_rx(void **state)
{
	uint8_t frame[300];
	char why[128];

	(void)state;
	/* Nothing waiting: the chain goes back. */
	chain_of(NET_RX_QUEUE, 1, 2048, true);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)),
			 VU_REQ_AGAIN);
	assert_true(net.rx_need_tap);
	/* Too large for the buffer, then a runt: both dropped; the next
	 * frame gets the buffer, behind a header saying one buffer. */
	memset(frame, 0xab, sizeof(frame));
	assert_int_equal(send(peer, frame, 300, 0), 300);
	assert_int_equal(send(peer, frame, 5, 0), 5);
	assert_int_equal(send(peer, frame, 60, 0), 60);
	memset(guest, 0xee, sizeof(guest));
	chain_of(NET_RX_QUEUE, 2, 100, true);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)),
			 NET_HDR_V1 + 60);
	assert_int_equal(guest[0][10], 1);
	assert_int_equal(guest[0][0], 0);
	assert_int_equal(guest[0][NET_HDR_V1], 0xab);
	assert_int_equal(guest[0][NET_HDR_V1 + 59], 0xab);
	assert_int_equal(guest[0][NET_HDR_V1 + 60], 0xee); /* untouched */
	assert_int_equal(net.rx_dropped, 2);
	/* A legacy driver's 10-byte header. */
	net_set_features(&net, 0);
	assert_int_equal(send(peer, frame, 60, 0), 60);
	chain_of(NET_RX_QUEUE, 1, 2048, true);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)),
			 NET_HDR_LEGACY + 60);
	net_set_features(&net, 1ull << VIRTIO_F_VERSION_1);
	/* A readable segment in a receive chain stops the queue. */
	chain_of(NET_RX_QUEUE, 1, 2048, false);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), -1);
}

/* ip link set TAP up|down, as an administrator (or any host tool that
 * bounces links) would. */
static void
link_set(const char *name, bool up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

/* Review 14b: a real tap (as tap_create makes it) whose link goes down
 * for a moment. A down tap fails write(2) with EIO; bulkhead-net takes
 * that for a tap gone for good (tap_gone), so when the link comes back
 * the VM's network stays dead until the VM is restarted: every frame the
 * guest sends is dropped and nothing is received. QEMU's own tap backend
 * drops the one frame and carries on. Needs CAP_NET_ADMIN. */
static void
test_tap_down_up(void **state)
{
	static struct net_dev tn;
	struct ifreq ifr;
	char why[128];
	int fd;

	(void)state;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "bhut%d",
	       sizeof("bhut%d")); /* %d: the kernel numbers it */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (fd >= 0)
			close(fd);
		skip(); /* no /dev/net/tun or no CAP_NET_ADMIN */
	}
	assert_int_equal(net_dev_init(&tn, fd, why, sizeof(why)), 0);
	net_set_features(&tn, 1ull << VIRTIO_F_VERSION_1);
	memset(guest, 0, sizeof(guest));
	memset(guest[0] + NET_HDR_V1, 0xff, 6); /* broadcast */
	guest[0][NET_HDR_V1 + 6] = 0x02;
	link_set(ifr.ifr_name, false);
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 + 60, false);
	assert_int_equal(net_request(&tn, &chain, why, sizeof(why)), 0);
	link_set(ifr.ifr_name, true);
	/* The link is back: the next frame must reach the tap. */
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 + 60, false);
	assert_int_equal(net_request(&tn, &chain, why, sizeof(why)), 0);
	close(fd); /* not persistent: the tap goes with it */
	assert_false(tn.tap_gone);
	assert_int_equal(tn.tx_frames, 1);
}

/* The last test: the tap goes away. */
static void
test_tap_gone(void **state)
{
	char why[128];

	(void)state;
	close(peer);
	peer = -1;
	chain_of(NET_RX_QUEUE, 1, 2048, true);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)),
			 VU_REQ_AGAIN);
	assert_true(net.tap_gone);
	/* Transmit completes and drops; nothing is waited on any more. */
	memset(guest, 0, sizeof(guest));
	chain_of(NET_TX_QUEUE, 1, NET_HDR_V1 + 60, false);
	assert_int_equal(net_request(&net, &chain, why, sizeof(why)), 0);
	assert_int_equal(net.tx_dropped, 6);
	short ev;
	assert_int_equal(net_wait(&net, NULL, &ev), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_tx_hostile),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_tap_down_up),
		cmocka_unit_test(test_tap_gone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
