/* The virtio-net device of bulkhead-net (virtio 1.1 §5.1): one receive
 * and one transmit queue between the guest and a tap the process was
 * given (it never opens anything). Every frame is copied once through a
 * private buffer: a transmitted frame is checked (length, the guest's
 * virtio-net header) from that copy, then written to the tap behind a
 * header of ours; a received frame is read whole before any of it goes
 * to the guest, so a frame too large for the guest's buffer is dropped,
 * never cut.
 *
 * Offered: VERSION_1 and the core's ring features. Not offered: mergeable
 * receive buffers, checksum and segmentation offloads (every frame is
 * whole and checksummed both ways; the tap gets offloads off), multiqueue,
 * the control queue (QEMU serves that itself). A full tap puts the chain
 * back and waits for POLLOUT; a tap that has gone (EIO, EBADFD, EOF) is
 * reported once, transmitted frames are then dropped and receiving
 * stops, and the device keeps serving its rings. */
#ifndef BULKHEAD_NET_H
#define BULKHEAD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vhost/vu_dev.h"

#define NET_RX_QUEUE 0
#define NET_TX_QUEUE 1
#define NET_QUEUES 2
/* The guest's header: struct virtio_net_hdr_v1 (12 bytes) with VERSION_1
 * or MRG_RXBUF, the legacy struct virtio_net_hdr (10) without. */
#define NET_HDR_V1 12
#define NET_HDR_LEGACY 10
#define NET_ETH_HLEN 14
/* The largest frame either way: an IPv4/IPv6 datagram of 64 KiB behind
 * an Ethernet header and one VLAN tag. */
#define NET_FRAME_MAX (65535 + NET_ETH_HLEN + 4)
/* The tap's own header (IFF_VNET_HDR), when it has one: at most this. */
#define NET_TAP_HDR_MAX 32
/* Frames dropped in a row before the receive queue lets others run. */
#define NET_RX_DROP_BURST 64

struct net_dev {
	int tap;
	unsigned tap_hdr; /* the tap's vnet header: 0, or 10..32 */
	unsigned hdr;     /* the guest's: NET_HDR_V1 or NET_HDR_LEGACY */
	bool rx_need_tap; /* receive waits for the tap to be readable */
	bool tx_need_tap; /* transmit waits for it to be writable */
	bool tap_gone;    /* read or write failed for good: reported */
	uint64_t rx_frames, tx_frames;
	uint64_t rx_dropped; /* runts, frames larger than the buffer */
	uint64_t tx_dropped; /* bad lengths, headers asking for offloads */
	uint64_t tap_full;   /* EAGAIN on write */
	uint8_t buf[NET_TAP_HDR_MAX + NET_FRAME_MAX + 1];
};

/* Check fd: a tap (IFF_TAP, IFF_NO_PI; its vnet header size learnt, its
 * offloads turned off), or for tests and hand use a unix datagram or
 * seqpacket socket carrying bare frames; make it non-blocking. Before
 * the allowlist (ioctl, fcntl). 0, or -1 with why. */
int net_dev_init(struct net_dev *n, int fd, char *why, size_t whylen);

/* The vu_device callbacks. */
int64_t net_request(void *dev, struct vq_chain *c, char *why, size_t whylen);
void net_set_features(void *dev, uint64_t features);
int net_wait(void *dev, const struct vu_conn *c, short *events);
unsigned net_ready(void *dev, short revents);

/* A vu_device for n (name, queues, callbacks). */
void net_device(struct net_dev *n, struct vu_device *d);

#endif
