#include "vu_front.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/vhost/vu_msg.h"

/* Ring offsets inside a queue's area. */
#define DESC_OFF 0x0
#define AVAIL_OFF 0x4000
#define USED_OFF 0x6000

static void
st16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

static uint16_t
ld16(const uint8_t *p, int order)
{
	return le16toh(
		__atomic_load_n((const uint16_t *)(const void *)p, order));
}

int
vf_open(struct vf *f, int sock, size_t mem_bytes, uint32_t slot_bytes)
{
	return vf_open_memfd(f, sock, mem_bytes, slot_bytes, true);
}

int
vf_open_memfd(struct vf *f, int sock, size_t mem_bytes, uint32_t slot_bytes,
	      bool seal)
{
	memset(f, 0, sizeof(*f));
	f->sock = sock;
	f->memfd2 = -1;
	f->memfd = memfd_create("vu-front", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f->memfd < 0)
		return -errno;
	if (ftruncate(f->memfd, (off_t)mem_bytes) < 0 ||
	    (seal &&
	     fcntl(f->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0))
		return -errno;
	f->mem = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->memfd, 0);
	if (f->mem == MAP_FAILED)
		return -errno;
	f->mem_bytes = mem_bytes;
	f->slot_bytes = slot_bytes;
	f->nslots =
		mem_bytes > VF_DATA_START
			? (unsigned)((mem_bytes - VF_DATA_START) / slot_bytes)
			: 0;
	for (unsigned i = 0; i < VF_QUEUES_MAX; i++)
		f->q[i].kick = f->q[i].call = -1;
	return 0;
}

int
vf_split(struct vf *f, size_t split, uint64_t off2)
{
	size_t tail = f->mem_bytes - split;
	void *p;

	if (split == 0 || split >= f->mem_bytes || split % 4096 ||
	    off2 % 4096 || f->memfd2 >= 0)
		return -EINVAL;
	f->memfd2 = memfd_create("vu-front-2", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f->memfd2 < 0)
		return -errno;
	if (ftruncate(f->memfd2, (off_t)(off2 + tail)) < 0 ||
	    fcntl(f->memfd2, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return -errno;
	/* Over the first memfd's tail: our view stays contiguous. */
	p = mmap(f->mem + split, tail, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, f->memfd2, (off_t)off2);
	if (p == MAP_FAILED)
		return -errno;
	f->split = split;
	f->off2 = off2;
	return 0;
}

void
vf_close(struct vf *f)
{
	for (unsigned i = 0; i < VF_QUEUES_MAX; i++) {
		if (f->q[i].kick >= 0)
			close(f->q[i].kick);
		if (f->q[i].call >= 0)
			close(f->q[i].call);
	}
	if (f->mem && f->mem != MAP_FAILED)
		munmap(f->mem, f->mem_bytes);
	if (f->memfd >= 0)
		close(f->memfd);
	if (f->memfd2 >= 0)
		close(f->memfd2);
	if (f->sock >= 0)
		close(f->sock);
	memset(f, 0, sizeof(*f));
	f->sock = f->memfd = f->memfd2 = -1;
}

int
vf_connect(const char *path, int timeout_ms)
{
	for (int waited = 0;; waited += 10) {
		int fd = unix_connect_path(path, timeout_ms - waited);

		if (fd >= 0 || waited >= timeout_ms)
			return fd;
		usleep(10000);
	}
}

int
vf_send(struct vf *f, uint32_t req, uint32_t flags, const void *payload,
	uint32_t size, const int *fds, unsigned nfds)
{
	uint8_t buf[VU_HDR_BYTES + 4096];
	uint32_t h[3] = { htole32(req), htole32(flags), htole32(size) };
	union {
		char b[CMSG_SPACE(sizeof(int) * 32)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len = VU_HDR_BYTES + size;
	ssize_t n;

	if (size > sizeof(buf) - VU_HDR_BYTES || nfds > 32)
		return -EINVAL;
	memcpy(buf, h, sizeof(h));
	if (size)
		memcpy(buf + VU_HDR_BYTES, payload, size);
	iov.iov_len = len;
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
	n = sendmsg(f->sock, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int
recv_all(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, (uint8_t *)buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
vf_recv_reply(struct vf *f, uint32_t req, void *payload, uint32_t size,
	      int timeout_ms)
{
	uint32_t h[3];

	if (recv_all(f->sock, h, sizeof(h), timeout_ms) < 0)
		return -1;
	if (le32toh(h[0]) != req ||
	    le32toh(h[1]) != (VU_VERSION | VU_FLAG_REPLY) ||
	    le32toh(h[2]) != size) {
		fprintf(stderr, "vu-front: bad reply header %u/%x/%u to %u\n",
			le32toh(h[0]), le32toh(h[1]), le32toh(h[2]), req);
		return -1;
	}
	return size ? recv_all(f->sock, payload, size, timeout_ms) : 0;
}

bool
vf_peer_closed(struct vf *f, int ms)
{
	struct pollfd p = { .fd = f->sock, .events = POLLIN };
	char c;

	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return false;
	/* EOF, or a reset when the backend left our bytes unread. */
	n = recv(f->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

int
vf_get_u64(struct vf *f, uint32_t req, uint64_t *v)
{
	if (vf_send(f, req, VU_VERSION, NULL, 0, NULL, 0) < 0 ||
	    vf_recv_reply(f, req, v, sizeof(*v), 5000) < 0)
		return -1;
	*v = le64toh(*v);
	return 0;
}

/* A set-up message; with REPLY_ACK, wait for the backend's verdict. */
static int
set(struct vf *f, uint32_t req, const void *p, uint32_t size, const int *fds,
    unsigned nfds)
{
	bool ack = (f->protocol >> VU_PF_REPLY_ACK) & 1;
	uint64_t verdict;

	if (vf_send(f, req, VU_VERSION | (ack ? VU_FLAG_NEED_REPLY : 0), p,
		    size, fds, nfds) < 0)
		return -1;
	if (!ack)
		return 0;
	if (vf_recv_reply(f, req, &verdict, sizeof(verdict), 5000) < 0)
		return -1;
	return verdict == 0 ? 0 : -1;
}

static int
set_u64(struct vf *f, uint32_t req, uint64_t v)
{
	v = htole64(v);
	return set(f, req, &v, sizeof(v), NULL, 0);
}

static int
set_state(struct vf *f, uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { htole32(index), htole32(num) };

	return set(f, req, st, sizeof(st), NULL, 0);
}

int
vf_get_config(struct vf *f, uint32_t off, uint32_t size, void *out)
{
	uint8_t buf[VU_CONFIG_HDR + VU_CONFIG_MAX];
	uint32_t h[3] = { htole32(off), htole32(size), 0 };

	if (size > VU_CONFIG_MAX)
		return -1;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, h, sizeof(h));
	if (vf_send(f, VU_GET_CONFIG, VU_VERSION, buf, VU_CONFIG_HDR + size,
		    NULL, 0) < 0 ||
	    vf_recv_reply(f, VU_GET_CONFIG, buf, VU_CONFIG_HDR + size, 5000) <
		    0)
		return -1;
	memcpy(out, buf + VU_CONFIG_HDR, size);
	return 0;
}

int
vf_negotiate(struct vf *f, uint64_t want)
{
	uint64_t offered, proto;

	if (vf_get_u64(f, VU_GET_FEATURES, &offered) < 0)
		return -1;
	f->features = offered & want;
	if (set_u64(f, VU_SET_FEATURES, f->features) < 0)
		return -1;
	if ((f->features >> VU_F_PROTOCOL_FEATURES) & 1) {
		if (vf_get_u64(f, VU_GET_PROTOCOL_FEATURES, &proto) < 0)
			return -1;
		proto &= (1ull << VU_PF_MQ) | (1ull << VU_PF_REPLY_ACK) |
			 (1ull << VU_PF_CONFIG);
		if (set_u64(f, VU_SET_PROTOCOL_FEATURES, proto) < 0)
			return -1;
		f->protocol = proto;
	}
	return set(f, VU_SET_OWNER, NULL, 0, NULL, 0);
}

int
vf_set_mem_table(struct vf *f)
{
	uint8_t p[VU_MEM_HDR + 2 * VU_MEM_REGION_BYTES];
	size_t first = f->split ? f->split : f->mem_bytes;
	uint64_t r[2][4] = {
		{ htole64(VF_GPA_BASE), htole64(first),
		  htole64((uint64_t)(uintptr_t)f->mem), 0 },
		{ htole64(VF_GPA_BASE + first), htole64(f->mem_bytes - first),
		  htole64((uint64_t)(uintptr_t)(f->mem + first)),
		  htole64(f->off2) },
	};
	int fds[2] = { f->memfd, f->memfd2 };
	uint32_t n = htole32(f->split ? 2 : 1);

	memset(p, 0, sizeof(p));
	memcpy(p, &n, sizeof(n));
	memcpy(p + VU_MEM_HDR, r, sizeof(r));
	return set(f, VU_SET_MEM_TABLE, p,
		   VU_MEM_HDR + le32toh(n) * VU_MEM_REGION_BYTES, fds,
		   le32toh(n));
}

static int
set_fd(struct vf *f, uint32_t req, unsigned qi, int fd)
{
	uint64_t v = htole64(qi);

	return set(f, req, &v, sizeof(v), &fd, 1);
}

int
vf_start_queue(struct vf *f, unsigned qi, uint16_t size)
{
	struct vf_queue *q = &f->q[qi];
	uint8_t *area = f->mem + (size_t)qi * VF_RING_AREA;
	uint64_t a[5];

	if (qi >= VF_QUEUES_MAX ||
	    (size_t)(qi + 1) * VF_RING_AREA > VF_DATA_START)
		return -1;
	memset(area, 0, VF_RING_AREA);
	q->size = size;
	q->desc = area + DESC_OFF;
	q->avail = area + AVAIL_OFF;
	q->used = area + USED_OFF;
	q->avail_idx = q->kicked_at = q->used_seen = 0;
	if (q->kick < 0)
		q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->call < 0)
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->kick < 0 || q->call < 0)
		return -1;
	/* vhost_vring_addr: index, flags, desc, used, avail, log. */
	a[0] = htole64(qi); /* index, flags = 0 */
	a[1] = htole64((uint64_t)(uintptr_t)q->desc);
	a[2] = htole64((uint64_t)(uintptr_t)q->used);
	a[3] = htole64((uint64_t)(uintptr_t)q->avail);
	a[4] = 0;
	if (set_state(f, VU_SET_VRING_NUM, qi, size) < 0 ||
	    set_state(f, VU_SET_VRING_BASE, qi, 0) < 0 ||
	    set(f, VU_SET_VRING_ADDR, a, sizeof(a), NULL, 0) < 0 ||
	    set_fd(f, VU_SET_VRING_CALL, qi, q->call) < 0 ||
	    set_fd(f, VU_SET_VRING_KICK, qi, q->kick) < 0)
		return -1;
	if ((f->features >> VU_F_PROTOCOL_FEATURES) & 1)
		return set_state(f, VU_SET_VRING_ENABLE, qi, 1);
	return 0;
}

int
vf_stop_queue(struct vf *f, unsigned qi, uint32_t *base)
{
	uint32_t st[2] = { htole32(qi), 0 };

	if (vf_send(f, VU_GET_VRING_BASE, VU_VERSION, st, sizeof(st), NULL, 0) <
		    0 ||
	    vf_recv_reply(f, VU_GET_VRING_BASE, st, sizeof(st), 5000) < 0)
		return -1;
	*base = le32toh(st[1]);
	return 0;
}

int
vf_setup(struct vf *f, uint64_t want, unsigned nq, uint16_t qsize)
{
	if (vf_negotiate(f, want) < 0) {
		fprintf(stderr, "vu-front: feature negotiation failed\n");
		return -1;
	}
	if (vf_set_mem_table(f) < 0) {
		fprintf(stderr, "vu-front: SET_MEM_TABLE failed\n");
		return -1;
	}
	f->nq = nq;
	for (unsigned i = 0; i < nq; i++)
		if (vf_start_queue(f, i, qsize) < 0) {
			fprintf(stderr, "vu-front: starting queue %u failed\n",
				i);
			return -1;
		}
	return 0;
}

uint64_t
vf_gpa(const struct vf *f, const void *p)
{
	return VF_GPA_BASE + (uint64_t)((const uint8_t *)p - f->mem);
}

uint8_t *
vf_host(const struct vf *f, uint64_t gpa)
{
	return f->mem + (gpa - VF_GPA_BASE);
}

uint8_t *
vf_slot(const struct vf *f, unsigned slot)
{
	return f->mem + VF_DATA_START + (size_t)slot * f->slot_bytes;
}

void
vf_desc(struct vf *f, unsigned qi, uint16_t i, uint64_t gpa, uint32_t len,
	uint16_t flags, uint16_t next)
{
	struct vring_desc d = { htole64(gpa), htole32(len), htole16(flags),
				htole16(next) };

	memcpy(f->q[qi].desc + 16u * i, &d, sizeof(d));
}

void
vf_offer(struct vf *f, unsigned qi, uint16_t head)
{
	struct vf_queue *q = &f->q[qi];

	st16(q->avail + 4 + 2u * (q->avail_idx % q->size), head,
	     __ATOMIC_RELAXED);
	q->avail_idx++;
	st16(q->avail + 2, q->avail_idx, __ATOMIC_RELEASE);
}

int
vf_kick(struct vf *f, unsigned qi, bool force)
{
	struct vf_queue *q = &f->q[qi];
	uint64_t one = 1;
	bool need = true;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!force && ((f->features >> VIRTIO_RING_F_EVENT_IDX) & 1)) {
		uint16_t event =
			ld16(q->used + 4 + 8u * q->size, __ATOMIC_RELAXED);

		need = (uint16_t)(q->avail_idx - event - 1) <
		       (uint16_t)(q->avail_idx - q->kicked_at);
	}
	q->kicked_at = q->avail_idx;
	if (!need)
		return 0;
	return write(q->kick, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

int
vf_reap(struct vf *f, unsigned qi, uint16_t *head, uint32_t *len)
{
	struct vf_queue *q = &f->q[qi];
	uint16_t used_idx = ld16(q->used + 2, __ATOMIC_ACQUIRE);
	uint32_t e[2];

	if (used_idx == q->used_seen)
		return 0;
	memcpy(e, q->used + 4 + 8u * (q->used_seen % q->size), sizeof(e));
	*head = (uint16_t)le32toh(e[0]);
	*len = le32toh(e[1]);
	q->used_seen++;
	return 1;
}

int
vf_wait(struct vf *f, unsigned qi, int ms)
{
	struct vf_queue *q = &f->q[qi];
	struct pollfd p = { .fd = q->call, .events = POLLIN };
	uint64_t v;

	/* used_event: interrupt us when the next element is used. */
	st16(q->avail + 4 + 2u * q->size, q->used_seen, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ld16(q->used + 2, __ATOMIC_ACQUIRE) != q->used_seen)
		return 1;
	if (poll(&p, 1, ms) <= 0)
		return 0;
	(void)!read(q->call, &v, sizeof(v));
	return 1;
}

static uint8_t *
status_byte(const struct vf *f, unsigned slot)
{
	return vf_slot(f, slot) + 16;
}

uint8_t
vf_blk_status(const struct vf *f, unsigned slot)
{
	return *status_byte(f, slot);
}

uint8_t *
vf_blk_data(const struct vf *f, unsigned slot)
{
	return vf_slot(f, slot) + VF_SLOT_DATA;
}

void
vf_blk_prepare(struct vf *f, unsigned qi, unsigned slot, uint32_t type,
	       uint64_t sector, uint32_t len, bool indirect)
{
	uint8_t *s = vf_slot(f, slot);
	uint32_t hdr[4] = { htole32(type), 0, 0, 0 };
	uint64_t sec = htole64(sector);
	bool dev_writes =
		type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	struct vring_desc d[3];
	unsigned n = 0;

	memcpy(hdr + 2, &sec, sizeof(sec));
	memcpy(s, hdr, sizeof(hdr));
	*status_byte(f, slot) = 0xee; /* no device wrote it yet */
	d[n++] = (struct vring_desc){ htole64(vf_gpa(f, s)), htole32(16),
				      htole16(VRING_DESC_F_NEXT), 0 };
	if (len)
		d[n++] = (struct vring_desc){
			htole64(vf_gpa(f, s + VF_SLOT_DATA)), htole32(len),
			htole16(VRING_DESC_F_NEXT |
				(dev_writes ? VRING_DESC_F_WRITE : 0)),
			0
		};
	d[n++] = (struct vring_desc){ htole64(vf_gpa(f, status_byte(f, slot))),
				      htole32(1), htole16(VRING_DESC_F_WRITE),
				      0 };
	if (indirect) {
		uint8_t *table = s + 64;

		for (unsigned i = 0; i < n; i++) {
			d[i].next = htole16((uint16_t)(i + 1));
			memcpy(table + 16 * i, &d[i], 16);
		}
		vf_desc(f, qi, (uint16_t)slot, vf_gpa(f, table), 16 * n,
			VRING_DESC_F_INDIRECT, 0);
		vf_offer(f, qi, (uint16_t)slot);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		d[i].next = htole16((uint16_t)(3 * slot + i + 1));
		memcpy(f->q[qi].desc + 16u * (3 * slot + i), &d[i], 16);
	}
	vf_offer(f, qi, (uint16_t)(3 * slot));
}

int
vf_blk_do(struct vf *f, unsigned qi, unsigned slot, uint32_t type,
	  uint64_t sector, uint32_t len, uint32_t *used, int ms)
{
	uint16_t head;
	uint32_t ulen;

	vf_blk_prepare(f, qi, slot, type, sector, len, false);
	if (vf_kick(f, qi, true) < 0)
		return -1;
	for (int waited = 0; waited <= ms; waited += 10) {
		if (vf_reap(f, qi, &head, &ulen) == 1) {
			if (head != 3 * slot)
				return -1;
			if (used)
				*used = ulen;
			return vf_blk_status(f, slot);
		}
		vf_wait(f, qi, 10);
	}
	return -1;
}
