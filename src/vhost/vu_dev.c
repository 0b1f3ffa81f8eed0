#include "vu_dev.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CORE_FEATURES                            \
	((1ull << VIRTIO_F_VERSION_1) |          \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VU_F_PROTOCOL_FEATURES))
#define CORE_PROTOCOL ((1ull << VU_PF_REPLY_ACK) | (1ull << VU_PF_MQ))

uint64_t
vu_offered_features(const struct vu_device *d)
{
	return d->features | CORE_FEATURES;
}

uint64_t
vu_offered_protocol(const struct vu_device *d)
{
	return d->protocol_features | CORE_PROTOCOL;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
queue_clear(struct vu_queue *q)
{
	close_fd(&q->kick_fd);
	close_fd(&q->call_fd);
	close_fd(&q->err_fd);
	memset(q, 0, sizeof(*q));
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

void
vu_conn_init(struct vu_conn *c, int sock, const struct vu_device *d)
{
	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->d = d;
	for (unsigned i = 0; i < VU_QUEUES_MAX; i++)
		c->q[i].kick_fd = c->q[i].call_fd = c->q[i].err_fd = -1;
}

void
vu_conn_reset(struct vu_conn *c)
{
	for (unsigned i = 0; i < VU_QUEUES_MAX; i++)
		queue_clear(&c->q[i]);
	gm_unmap(&c->mem);
	c->mem_fault = false;
	c->features = c->protocol = 0;
	c->features_set = c->owner = false;
}

static bool
negotiated(const struct vu_conn *c, unsigned bit)
{
	return (c->features >> bit) & 1;
}

/* Point q's ring at the current memory table. A ring the front end
 * placed outside guest memory breaks the queue, not the connection: the
 * addresses come from the guest.
 *
 * Each ring part (descriptor table, avail ring, used ring) must lie
 * wholly inside one region, unlike buffers and indirect tables, which
 * may cross into the next region (virtq.c). The rings are named by the
 * front end's virtual addresses, and QEMU resolves each one to a single
 * contiguous mapping of one RAM block before it sends them (vhost.c
 * fails to start the device when vhost_memory_map() returns less than
 * the ring's size), as DPDK's vhost library also requires; so no stock
 * front end hands us a ring across regions, and keeping each ring one
 * host pointer lets every index and element be one aligned load or
 * store. virtio does not require more: the driver allocates each part
 * as one block (virtio 1.1 §2.6). */
static void
queue_attach(struct vu_conn *c, struct vu_queue *q, bool keep_position)
{
	struct virtq old = q->vq;
	void *desc = gm_uva(&c->mem, q->desc_uva, vq_desc_bytes(q->num));
	void *avail = gm_uva(&c->mem, q->avail_uva, vq_avail_bytes(q->num));
	void *used = gm_uva(&c->mem, q->used_uva, vq_used_bytes(q->num));

	q->reported = false;
	q->attached =
		vq_attach(&q->vq, q->num, desc, avail, used, q->base,
			  negotiated(c, VIRTIO_RING_F_EVENT_IDX),
			  negotiated(c, VIRTIO_RING_F_INDIRECT_DESC)) == 0;
	if (q->attached && keep_position) {
		q->vq.last_avail = old.last_avail;
		q->vq.used_idx = old.used_idx;
		q->vq.inflight = old.inflight;
		q->vq.signalled_used = old.signalled_used;
		q->vq.signalled_valid = old.signalled_valid;
	}
}

static int
reply_u64(struct vu_conn *c, uint32_t req, uint64_t v)
{
	uint64_t le = htole64(v);

	return vu_msg_reply(c->sock, req, &le, sizeof(le));
}

__attribute__((format(printf, 3, 4))) static int
violation(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static struct vu_queue *
queue_of(struct vu_conn *c, uint32_t index, const struct vu_req *r, char *why,
	 size_t whylen)
{
	if (index >= c->d->queues) {
		violation(why, whylen, "%s for queue %u of %u",
			  vu_request_name(r->type), index, c->d->queues);
		return NULL;
	}
	return &c->q[index];
}

static int
set_mem_table(struct vu_conn *c, struct vu_req *r, char *why, size_t whylen)
{
	struct guestmem old = c->mem;
	struct guestmem fresh;
	int rc = gm_map(&fresh, r->u.mem.r, r->fds, r->u.mem.n, why, whylen);

	vu_req_close_fds(r); /* the mappings hold the memory */
	if (rc < 0)
		return -1;
	c->mem = fresh;
	/* Rings move to the new mappings before the old ones go away. */
	for (unsigned i = 0; i < c->d->queues; i++)
		if (c->q[i].started)
			queue_attach(c, &c->q[i], true);
	gm_unmap(&old);
	return 0;
}

static int
get_config(struct vu_conn *c, struct vu_req *r)
{
	uint8_t out[VU_CONFIG_HDR + VU_CONFIG_MAX];
	uint32_t off = r->u.config.offset, size = r->u.config.size;
	uint32_t h[3] = { htole32(off), htole32(size),
			  htole32(r->u.config.flags) };

	memcpy(out, h, sizeof(h));
	/* Bytes past the device's config space read as all-ones. */
	memset(out + VU_CONFIG_HDR, 0xff, size);
	if (off < c->d->config_len) {
		size_t n = c->d->config_len - off;

		memcpy(out + VU_CONFIG_HDR, c->d->config + off,
		       n < size ? n : size);
	}
	return vu_msg_reply(c->sock, VU_GET_CONFIG, out, VU_CONFIG_HDR + size);
}

/* Requests that change queue set-up are refused on a started queue: a
 * live ring is never re-pointed under in-flight work (scenario 39). */
static int
queue_setup(struct vu_conn *c, struct vu_req *r, char *why, size_t whylen)
{
	uint32_t index = r->type == VU_SET_VRING_ADDR ? r->u.addr.index
						      : r->u.state.index;
	struct vu_queue *q = queue_of(c, index, r, why, whylen);

	if (!q)
		return -1;
	if (q->started)
		return violation(why, whylen, "%s on started queue %u",
				 vu_request_name(r->type), index);
	switch (r->type) {
	case VU_SET_VRING_NUM:
		if (!vq_size_ok(r->u.state.num))
			return violation(why, whylen,
					 "queue %u: size %u is not a power "
					 "of two in 1..1024",
					 index, r->u.state.num);
		q->num = (uint16_t)r->u.state.num;
		return 0;
	case VU_SET_VRING_BASE:
		if (r->u.state.num > UINT16_MAX)
			return violation(why, whylen, "queue %u: base %u",
					 index, r->u.state.num);
		q->base = (uint16_t)r->u.state.num;
		return 0;
	case VU_SET_VRING_ADDR:
		if (r->u.addr.flags & VU_VRING_ADDR_F_LOG)
			return violation(why, whylen,
					 "queue %u: logging was not offered",
					 index);
		q->desc_uva = r->u.addr.desc;
		q->avail_uva = r->u.addr.avail;
		q->used_uva = r->u.addr.used;
		q->addr_set = true;
		return 0;
	default:
		return violation(why, whylen, "bad queue request %u", r->type);
	}
}

static int
set_vring_fd(struct vu_conn *c, struct vu_req *r, char *why, size_t whylen)
{
	struct vu_queue *q = queue_of(c, r->u.file.index, r, why, whylen);
	int fd = r->u.file.nofd ? -1 : r->fds[0];

	if (!q) {
		vu_req_close_fds(r);
		return -1;
	}
	r->nfds = 0; /* the fd is ours now */
	switch (r->type) {
	case VU_SET_VRING_CALL:
		close_fd(&q->call_fd);
		q->call_fd = fd;
		return 0;
	case VU_SET_VRING_ERR:
		close_fd(&q->err_fd);
		q->err_fd = fd;
		return 0;
	default:
		break;
	}
	/* SET_VRING_KICK starts the ring. Polling mode (no fd) is not
	 * offered: we only serve a queue when it is kicked. */
	if (fd < 0)
		return violation(why, whylen,
				 "queue %u: kick without an fd "
				 "(polling) is not supported",
				 r->u.file.index);
	close_fd(&q->kick_fd);
	q->kick_fd = fd;
	if (!q->num || !q->addr_set || c->mem.n == 0) {
		snprintf(why, whylen,
			 "queue %u kicked before its size, "
			 "addresses and memory table",
			 r->u.file.index);
		return -1;
	}
	q->started = true;
	queue_attach(c, q, false);
	if (!negotiated(c, VU_F_PROTOCOL_FEATURES))
		q->enabled = true;
	return 0;
}

static int
handle(struct vu_conn *c, struct vu_req *r, bool *acked, char *why,
       size_t whylen)
{
	struct vu_queue *q;

	switch (r->type) {
	case VU_GET_FEATURES:
		*acked = true;
		return reply_u64(c, r->type, vu_offered_features(c->d));
	case VU_SET_FEATURES:
		if (r->u.u64 & ~vu_offered_features(c->d))
			return violation(
				why, whylen,
				"SET_FEATURES: bits 0x%llx not offered",
				(unsigned long long)(r->u.u64 &
						     ~vu_offered_features(
							     c->d)));
		for (unsigned i = 0; i < c->d->queues; i++)
			if (c->q[i].started && r->u.u64 != c->features)
				return violation(
					why, whylen,
					"SET_FEATURES changes features "
					"of started queue %u",
					i);
		c->features = r->u.u64;
		c->features_set = true;
		if (c->d->set_features)
			c->d->set_features(c->d->dev, c->features);
		return 0;
	case VU_SET_OWNER:
		c->owner = true;
		return 0;
	case VU_RESET_OWNER:
		vu_conn_reset(c);
		return 0;
	case VU_GET_PROTOCOL_FEATURES:
		*acked = true;
		return reply_u64(c, r->type, vu_offered_protocol(c->d));
	case VU_SET_PROTOCOL_FEATURES:
		if (r->u.u64 & ~vu_offered_protocol(c->d))
			return violation(
				why, whylen,
				"SET_PROTOCOL_FEATURES: bits "
				"0x%llx not offered",
				(unsigned long long)(r->u.u64 &
						     ~vu_offered_protocol(
							     c->d)));
		c->protocol = r->u.u64;
		return 0;
	case VU_GET_QUEUE_NUM:
		*acked = true;
		return reply_u64(c, r->type, c->d->queues);
	case VU_SET_MEM_TABLE:
		return set_mem_table(c, r, why, whylen);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_SET_VRING_ADDR:
		return queue_setup(c, r, why, whylen);
	case VU_GET_VRING_BASE: {
		uint32_t st[2];

		q = queue_of(c, r->u.state.index, r, why, whylen);
		if (!q)
			return -1;
		/* Stop the ring: nothing is taken from it until the next
		 * kick fd, and its position is handed back. */
		if (q->attached)
			q->base = q->vq.last_avail;
		q->started = q->enabled = q->attached = false;
		close_fd(&q->kick_fd);
		memset(&q->vq, 0, sizeof(q->vq));
		st[0] = htole32(r->u.state.index);
		st[1] = htole32(q->base);
		*acked = true;
		return vu_msg_reply(c->sock, r->type, st, sizeof(st));
	}
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return set_vring_fd(c, r, why, whylen);
	case VU_SET_VRING_ENABLE:
		q = queue_of(c, r->u.state.index, r, why, whylen);
		if (!q)
			return -1;
		/* QEMU's virtio-net enables its queues when the NIC is
		 * attached, before the driver's SET_FEATURES: taken then
		 * too (the features offered it), as libvhost-user does. */
		if ((c->features_set &&
		     !negotiated(c, VU_F_PROTOCOL_FEATURES)) ||
		    r->u.state.num > 1)
			return violation(why, whylen,
					 "SET_VRING_ENABLE %u on queue %u "
					 "without protocol features",
					 r->u.state.num, r->u.state.index);
		q->enabled = r->u.state.num == 1;
		return 0;
	case VU_GET_CONFIG:
		if (!((c->protocol >> VU_PF_CONFIG) & 1))
			return violation(why, whylen,
					 "GET_CONFIG without the CONFIG "
					 "protocol feature");
		*acked = true;
		return get_config(c, r);
	case VU_SET_CONFIG:
		/* The config space is read-only: refused, not a breach. */
		if (r->need_reply && ((c->protocol >> VU_PF_REPLY_ACK) & 1)) {
			*acked = true;
			return reply_u64(c, r->type, 1);
		}
		return 0;
	default:
		return violation(why, whylen, "request %u", r->type);
	}
}

int
vu_conn_handle(struct vu_conn *c, struct vu_req *r, char *why, size_t whylen)
{
	bool acked = false;
	int rc = handle(c, r, &acked, why, whylen);

	vu_req_close_fds(r);
	if (rc < 0)
		return -1;
	if (!acked && r->need_reply && ((c->protocol >> VU_PF_REPLY_ACK) & 1))
		return reply_u64(c, r->type, 0) < 0 ? -1 : 0;
	return 0;
}

static void
signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0)
		(void)!write(fd, &one, sizeof(one));
}

static void
report_broken(struct vu_conn *c, unsigned qi)
{
	struct vu_queue *q = &c->q[qi];

	if (q->reported)
		return;
	q->reported = true;
	c->violations++;
	fprintf(stderr, "%s: queue %u stopped: %s\n", c->d->name, qi,
		q->attached ? q->vq.why : "ring outside guest memory");
	signal_fd(q->err_fd);
}

static unsigned
serve_chains(struct vu_conn *c, unsigned qi, unsigned budget, bool *more)
{
	struct vu_queue *q = &c->q[qi];
	unsigned served = 0;

	while (served < budget) {
		char why[128];
		int64_t written;
		int r = vq_pop(&q->vq, &c->mem, &c->chain);

		if (r == 0) {
			if (vq_arm(&q->vq))
				continue;
			break;
		}
		if (r < 0)
			break;
		c->chain.queue = qi;
		written = c->d->request(c->d->dev, &c->chain, why, sizeof(why));
		if (written == VU_REQ_AGAIN) {
			/* Not now: the chain stays on the ring and the queue
			 * waits for the device's fd (no spinning on it). */
			vq_unpop(&q->vq);
			break;
		}
		if (written < 0 || (uint64_t)written > c->chain.in_len) {
			q->vq.broken = true;
			snprintf(q->vq.why, sizeof(q->vq.why), "%s",
				 written < 0 ? why : "device overran a chain");
			break;
		}
		vq_push(&q->vq, c->chain.head, (uint32_t)written);
		served++;
	}
	if (q->vq.broken)
		report_broken(c, qi);
	else if (served == budget)
		*more = true;
	q->served += served;
	if (served && vq_should_notify(&q->vq))
		signal_fd(q->call_fd);
	return served;
}

bool
vu_queue_ready(const struct vu_conn *c, unsigned qi)
{
	const struct vu_queue *q = &c->q[qi];

	return qi < c->d->queues && q->started && q->enabled && q->attached &&
	       !q->vq.broken;
}

/* Every load and store into guest memory (rings, headers, status bytes,
 * buffers) happens inside serve_chains(), under guestmem's SIGBUS guard:
 * if the front end shrank a region's file under us, the access jumps
 * back here and the connection ends as for any protocol violation (the
 * memory is the front end's, the guest cannot do it). The chain being
 * served is not completed: its rings may be gone too. A sealed memfd
 * (QEMU's memory-backend-memfd default) cannot shrink; a file of
 * memory-backend-file can, and is accepted as QEMU offers it. */
unsigned
vu_queue_serve(struct vu_conn *c, unsigned qi, unsigned budget, bool *more)
{
	struct vu_queue *q = &c->q[qi];
	unsigned served, region;
	uint64_t off;

	*more = false;
	if (!q->started || !q->enabled)
		return 0;
	if (!q->attached || q->vq.broken) {
		report_broken(c, qi);
		return 0;
	}
	if (sigsetjmp(*gm_fault_env(), 0)) {
		gm_fault_where(&region, &off);
		snprintf(c->fault_why, sizeof(c->fault_why),
			 "queue %u: guest memory region %u is gone at offset "
			 "0x%llx of its file (shrunk under us: SIGBUS)",
			 qi, region, (unsigned long long)off);
		q->vq.broken = true;
		c->mem_fault = true;
		return 0;
	}
	gm_fault_arm(&c->mem);
	served = serve_chains(c, qi, budget, more);
	gm_fault_disarm();
	return served;
}

/* One message from the front end. 1 served, 0 EOF, -1 violation. */
static int
serve_socket(struct vu_conn *c, char *why, size_t whylen)
{
	struct vu_raw raw;
	struct vu_req req;
	int r = vu_msg_recv(c->sock, &raw, why, whylen);

	if (r <= 0)
		return r;
	if (vu_msg_parse(&raw, &req, why, whylen) < 0)
		return -1;
	return vu_conn_handle(c, &req, why, whylen) < 0 ? -1 : 1;
}

/* The device's own fd, if it has one to wait on this turn. */
static bool
device_fd(const struct vu_conn *c, struct pollfd *p)
{
	short events = 0;

	if (!c->d->wait)
		return false;
	p->fd = c->d->wait(c->d->dev, c, &events);
	p->events = events;
	p->revents = 0;
	return p->fd >= 0;
}

static void
device_ready(struct vu_conn *c, short revents, bool *pending)
{
	unsigned mask = c->d->ready(c->d->dev, revents);

	for (unsigned i = 0; i < c->d->queues; i++)
		if (mask & (1u << i))
			pending[i] = true;
}

int
vu_conn_run(struct vu_conn *c, char *why, size_t whylen)
{
	static const struct timespec no_wait = { 0, 0 };
	bool pending[VU_QUEUES_MAX] = { false };

	for (;;) {
		struct pollfd pfd[2 + VU_QUEUES_MAX];
		unsigned qof[2 + VU_QUEUES_MAX];
		nfds_t n = 1, devfd;
		bool busy = false;
		int r;

		pfd[0].fd = c->sock;
		pfd[0].events = POLLIN;
		devfd = device_fd(c, &pfd[1]) ? n++ : 0;
		for (unsigned i = 0; i < c->d->queues; i++) {
			if (c->q[i].kick_fd < 0)
				continue;
			pfd[n].fd = c->q[i].kick_fd;
			pfd[n].events = POLLIN;
			qof[n++] = i;
			busy |= pending[i];
		}
		/* With wait_mask: a blocked stop signal is let in here. */
		r = ppoll(pfd, n, busy ? &no_wait : NULL, c->wait_mask);
		if (r < 0 && errno != EINTR) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			return -1;
		}
		if (c->stop && *c->stop)
			return 1; /* before more work: the stop is prompt */
		if (r > 0 && pfd[0].revents) {
			r = serve_socket(c, why, whylen);
			if (r <= 0)
				return r;
			continue; /* the fd set may have changed */
		}
		for (nfds_t k = 1; r > 0 && k < n; k++) {
			uint64_t v;

			if (!pfd[k].revents)
				continue;
			if (k == devfd) {
				device_ready(c, pfd[k].revents, pending);
				continue;
			}
			if (read(pfd[k].fd, &v, sizeof(v)) < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				snprintf(why, whylen, "kick fd: %s",
					 strerror(errno));
				return -1;
			}
			pending[qof[k]] = true;
		}
		for (unsigned i = 0; i < c->d->queues; i++) {
			bool more;

			if (!pending[i])
				continue;
			(void)vu_queue_serve(
				c, i, c->q[i].num ? c->q[i].num : 1, &more);
			pending[i] = more;
			if (c->mem_fault) {
				snprintf(why, whylen, "%s", c->fault_why);
				return -1;
			}
		}
	}
}
