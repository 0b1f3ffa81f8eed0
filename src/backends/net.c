#include "net.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket stands in for a tap (tests, hand use): bare frames. */
static int
init_socket(struct net_dev *n, int fd, char *why, size_t whylen)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    domain != AF_UNIX ||
	    (type != SOCK_SEQPACKET && type != SOCK_DGRAM)) {
		snprintf(why, whylen,
			 "--tap-fd is neither a tap nor a unix datagram or "
			 "seqpacket socket");
		return -1;
	}
	n->tap_hdr = 0;
	return 0;
}

/* A tap: no packet information, and its vnet header (if it has one)
 * sized; offloads off, so every frame it hands us is whole and
 * checksummed and every header we give it says nothing. */
static int
init_tap(struct net_dev *n, int fd, const struct ifreq *ifr, char *why,
	 size_t whylen)
{
	int sz = 0;

	if (!(ifr->ifr_flags & IFF_TAP) || !(ifr->ifr_flags & IFF_NO_PI)) {
		snprintf(why, whylen,
			 "--tap-fd is not a tap without packet "
			 "information (IFF_TAP, IFF_NO_PI)");
		return -1;
	}
	n->tap_hdr = 0;
	if (!(ifr->ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNGETVNETHDRSZ, &sz) < 0 ||
	    sz < (int)sizeof(struct virtio_net_hdr) || sz > NET_TAP_HDR_MAX) {
		snprintf(why, whylen, "tap vnet header size %d", sz);
		return -1;
	}
	if (ioctl(fd, TUNSETOFFLOAD, 0u) < 0) {
		snprintf(why, whylen, "tap offloads off: %s", strerror(errno));
		return -1;
	}
	n->tap_hdr = (unsigned)sz;
	return 0;
}

int
net_dev_init(struct net_dev *n, int fd, char *why, size_t whylen)
{
	struct ifreq ifr;
	int fl, rc;

	memset(n, 0, sizeof(*n));
	n->tap = fd;
	n->hdr = NET_HDR_V1;
	n->rx_need_tap = true;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) == 0)
		rc = init_tap(n, fd, &ifr, why, whylen);
	else
		rc = init_socket(n, fd, why, whylen);
	if (rc < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(why, whylen, "tap non-blocking: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
net_set_features(void *dev, uint64_t features)
{
	struct net_dev *n = dev;

	n->hdr = (features & ((1ull << VIRTIO_F_VERSION_1) |
			      (1ull << VIRTIO_NET_F_MRG_RXBUF)))
			 ? NET_HDR_V1
			 : NET_HDR_LEGACY;
}

static void
tap_lost(struct net_dev *n, const char *op, int err)
{
	if (n->tap_gone)
		return;
	n->tap_gone = true;
	fprintf(stderr,
		"bulkhead-net: tap %s failed: %s: frames to it are dropped "
		"and none come from it\n",
		op, err ? strerror(err) : "end of file");
}

/* The guest's header, as copied: with no offload offered, anything but
 * an empty one (flags 0, no segmentation) is a frame we cannot send as
 * asked. num_buffers (v1) means nothing on transmit. */
static bool
tx_header_ok(const uint8_t *h)
{
	struct virtio_net_hdr v;

	memcpy(&v, h, sizeof(v));
	return v.flags == 0 && v.gso_type == VIRTIO_NET_HDR_GSO_NONE;
}

static int64_t
net_tx(struct net_dev *n, const struct vq_chain *c, char *why, size_t whylen)
{
	uint8_t h[NET_HDR_V1];
	uint64_t frame;
	size_t len;
	ssize_t w;

	if (c->nin) {
		snprintf(why, whylen,
			 "transmit chain with device-writable "
			 "buffers");
		return -1;
	}
	if (c->out_len < n->hdr) {
		snprintf(why, whylen,
			 "transmit chain of %llu bytes: shorter "
			 "than the virtio-net header",
			 (unsigned long long)c->out_len);
		return -1;
	}
	frame = c->out_len - n->hdr;
	if (frame < NET_ETH_HLEN || frame > NET_FRAME_MAX ||
	    vq_chain_copy(c, 0, c->nout, 0, h, n->hdr, false) != n->hdr ||
	    !tx_header_ok(h) || n->tap_gone) {
		n->tx_dropped++;
		return 0;
	}
	/* Our header (all zeroes: nothing to offload), then the frame as
	 * copied: what we checked is what the tap gets. */
	memset(n->buf, 0, n->tap_hdr);
	len = n->tap_hdr + (size_t)frame;
	vq_chain_copy(c, 0, c->nout, n->hdr, n->buf + n->tap_hdr, frame, false);
	do
		w = write(n->tap, n->buf, len);
	while (w < 0 && errno == EINTR);
	if (w < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
		n->tap_full++;
		n->tx_need_tap = true;
		return VU_REQ_AGAIN;
	}
	/* Only a tap that was deleted (EBADFD) is gone for good. A link
	 * that is down answers EIO, and it may come up again: the frame is
	 * dropped, as QEMU's own tap backend would. */
	if (w < 0 && errno == EBADFD) {
		tap_lost(n, "write", errno);
		n->tx_dropped++;
		return 0;
	}
	if (w < 0) {
		n->tx_dropped++;
		return 0;
	}
	n->tx_frames++;
	return 0;
}

/* One frame from the tap into n->buf: its length without the tap's
 * header, 0 for nothing now (rx_need_tap set), -1 for a tap that has
 * gone, -2 for a frame to drop. */
static int64_t
rx_read(struct net_dev *n)
{
	ssize_t r;

	do
		r = read(n->tap, n->buf, sizeof(n->buf));
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		n->rx_need_tap = true;
		return 0;
	}
	if (r <= 0) {
		tap_lost(n, "read", r < 0 ? errno : 0);
		return -1;
	}
	/* A runt, or a frame that filled the buffer (it may have been
	 * cut short). */
	if ((size_t)r < n->tap_hdr + NET_ETH_HLEN ||
	    (size_t)r > n->tap_hdr + NET_FRAME_MAX)
		return -2;
	return (int64_t)((size_t)r - n->tap_hdr);
}

static int64_t
net_rx(struct net_dev *n, const struct vq_chain *c, char *why, size_t whylen)
{
	uint8_t h[NET_HDR_V1];
	uint16_t one = htole16(1);

	if (c->nout) {
		snprintf(why, whylen,
			 "receive chain with device-readable "
			 "buffers");
		return -1;
	}
	if (c->in_len < n->hdr) {
		snprintf(why, whylen,
			 "receive chain of %llu bytes: shorter "
			 "than the virtio-net header",
			 (unsigned long long)c->in_len);
		return -1;
	}
	if (n->tap_gone)
		return VU_REQ_AGAIN;
	for (unsigned tries = 0; tries < NET_RX_DROP_BURST; tries++) {
		int64_t frame = rx_read(n);

		if (frame == 0 || frame == -1)
			return VU_REQ_AGAIN;
		if (frame < 0 || (uint64_t)frame > c->in_len - n->hdr) {
			n->rx_dropped++;
			continue;
		}
		/* No offload: an empty header; one buffer (num_buffers is
		 * in the v1 header whether or not MRG_RXBUF was taken). */
		memset(h, 0, sizeof(h));
		if (n->hdr == NET_HDR_V1)
			memcpy(h + 10, &one, sizeof(one));
		vq_chain_copy(c, 0, c->nin, 0, h, n->hdr, true);
		vq_chain_copy(c, 0, c->nin, n->hdr, n->buf + n->tap_hdr,
			      (uint64_t)frame, true);
		n->rx_frames++;
		return (int64_t)n->hdr + frame;
	}
	/* A burst of drops: let the other queue run; the tap is still
	 * readable, so the loop comes back. */
	n->rx_need_tap = true;
	return VU_REQ_AGAIN;
}

int64_t
net_request(void *dev, struct vq_chain *c, char *why, size_t whylen)
{
	struct net_dev *n = dev;

	if (c->queue == NET_TX_QUEUE)
		return net_tx(n, c, why, whylen);
	return net_rx(n, c, why, whylen);
}

/* The tap is waited on only for a queue that can use it: receive while
 * the guest has buffers posted and the last read found nothing,
 * transmit while a write found it full. A queue not ready (not started,
 * stopped, broken) leaves the tap alone, and finds it again when it
 * comes back. */
int
net_wait(void *dev, const struct vu_conn *c, short *events)
{
	struct net_dev *n = dev;

	*events = 0;
	if (n->tap_gone)
		return -1;
	if (!vu_queue_ready(c, NET_RX_QUEUE))
		n->rx_need_tap = true;
	else if (n->rx_need_tap)
		*events |= POLLIN;
	if (!vu_queue_ready(c, NET_TX_QUEUE))
		n->tx_need_tap = false;
	else if (n->tx_need_tap)
		*events |= POLLOUT;
	return *events ? n->tap : -1;
}

unsigned
net_ready(void *dev, short revents)
{
	struct net_dev *n = dev;
	unsigned mask = 0;

	if (n->rx_need_tap && (revents & (POLLIN | POLLERR | POLLHUP))) {
		n->rx_need_tap = false;
		mask |= 1u << NET_RX_QUEUE;
	}
	if (n->tx_need_tap && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		n->tx_need_tap = false;
		mask |= 1u << NET_TX_QUEUE;
	}
	return mask;
}

void
net_device(struct net_dev *n, struct vu_device *d)
{
	memset(d, 0, sizeof(*d));
	d->name = "bulkhead-net";
	d->queues = NET_QUEUES;
	d->request = net_request;
	d->set_features = net_set_features;
	d->wait = net_wait;
	d->ready = net_ready;
	d->dev = n;
}
