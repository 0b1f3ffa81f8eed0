#include "virtq.h"

#include <endian.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Offsets inside the rings (virtio 1.1 §2.6). */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 2
#define AVAIL_RING 4
#define USED_IDX 2
#define USED_RING 4
#define DESC_BYTES 16
#define USED_ELEM_BYTES 8

/* Shared 16-bit fields: one aligned load or store each (alignment is
 * checked in vq_attach), so no value is ever fetched twice or torn. */
static uint16_t
ld16(const uint8_t *p, int order)
{
	return le16toh(
		__atomic_load_n((const uint16_t *)(const void *)p, order));
}

static void
st16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

static void
st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, htole32(v), __ATOMIC_RELAXED);
}

__attribute__((format(printf, 2, 3))) static int
broken(struct virtq *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->why, sizeof(q->why), fmt, ap);
	va_end(ap);
	q->broken = true;
	return -1;
}

uint64_t
vq_desc_bytes(unsigned n)
{
	return (uint64_t)DESC_BYTES * n;
}

uint64_t
vq_avail_bytes(unsigned n)
{
	return AVAIL_RING + 2ull * n + 2; /* + used_event */
}

uint64_t
vq_used_bytes(unsigned n)
{
	return USED_RING + (uint64_t)USED_ELEM_BYTES * n +
	       2; /* + avail_event */
}

bool
vq_size_ok(uint64_t n)
{
	return n >= 1 && n <= VQ_SIZE_MAX && (n & (n - 1)) == 0;
}

int
vq_attach(struct virtq *q, uint16_t size, void *desc, void *avail, void *used,
	  uint16_t base, bool event_idx, bool indirect)
{
	memset(q, 0, sizeof(*q));
	if (!vq_size_ok(size))
		return broken(q, "queue size %u is not a power of two in 1..%d",
			      size, VQ_SIZE_MAX);
	if (!desc || !avail || !used)
		return broken(q, "ring outside guest memory");
	if ((uintptr_t)desc % 16 || (uintptr_t)avail % 2 || (uintptr_t)used % 4)
		return broken(q, "misaligned ring");
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->last_avail = base;
	q->used_idx = base;
	q->event_idx = event_idx;
	q->indirect = indirect;
	return 0;
}

/* Copy descriptor i of a table held in pieces (one for the ring's own
 * table, up to one per region for an indirect one) into d: a descriptor
 * may itself straddle two pieces. The caller keeps i below the table's
 * entry count. */
static void
fetch_desc(const struct gm_piece *t, unsigned tn, uint32_t i,
	   struct vring_desc *d)
{
	uint64_t off = (uint64_t)i * DESC_BYTES;
	uint8_t *out = (uint8_t *)d;
	size_t want = sizeof(*d);

	memset(d, 0, sizeof(*d)); /* (a short table would read as length 0) */
	for (unsigned k = 0; k < tn && want; k++) {
		size_t n;

		if (off >= t[k].len) {
			off -= t[k].len;
			continue;
		}
		n = t[k].len - off < want ? (size_t)(t[k].len - off) : want;
		memcpy(out, t[k].host + off, n);
		out += n;
		want -= n;
		off = 0;
	}
}

/* Walk the chain at head into c. Each descriptor is copied once into a
 * local and only the copy is used; the walk is bounded by the number of
 * entries in the table it is in (a loop is a chain that is too long).
 *
 * A buffer may run from one guest memory region into the next one
 * (gm_gpa_split): it becomes one segment per region, and all segments
 * of a chain together stay within VQ_SEGS_MAX. An indirect table may
 * span regions the same way (it is guest memory like a buffer, and
 * libvhost-user and DPDK accept it too); it is read one descriptor at a
 * time across its pieces. The rings themselves do not: see
 * queue_attach() in vu_dev.c. */
static int
walk(struct virtq *q, const struct guestmem *gm, uint16_t head,
     struct vq_chain *c)
{
	struct gm_piece table[GM_REGIONS_MAX];
	unsigned tn = 1;
	uint32_t entries = q->size;
	uint32_t count = 0;
	uint16_t i = head;
	bool in_table = false;

	table[0].host = q->desc;
	table[0].len = vq_desc_bytes(q->size);
	c->head = head;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		struct gm_piece piece[GM_REGIONS_MAX];
		struct vring_desc d;
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		int np;

		fetch_desc(table, tn, i, &d);
		addr = le64toh(d.addr);
		len = le32toh(d.len);
		flags = le16toh(d.flags);
		next = le16toh(d.next);
		if (++count > entries)
			return broken(q,
				      "descriptor chain at %u loops or is "
				      "longer than %u",
				      head, entries);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (in_table)
				return broken(q, "nested indirect table");
			if (!q->indirect)
				return broken(q, "indirect descriptor not "
						 "negotiated");
			if (flags & VRING_DESC_F_NEXT)
				return broken(q, "indirect descriptor with "
						 "NEXT");
			if (count != 1)
				return broken(q, "indirect descriptor inside "
						 "a chain");
			if (len == 0 || len % DESC_BYTES ||
			    len / DESC_BYTES > VQ_SIZE_MAX)
				return broken(q, "indirect table of %u bytes",
					      len);
			np = gm_gpa_split(gm, addr, len, table, GM_REGIONS_MAX);
			if (np < 0)
				return broken(q, "indirect table outside "
						 "guest memory");
			tn = (unsigned)np;
			entries = len / DESC_BYTES;
			in_table = true;
			count = 0;
			i = 0;
			continue;
		}
		if (len == 0)
			return broken(q, "zero-length descriptor");
		np = gm_gpa_split(gm, addr, len, piece, GM_REGIONS_MAX);
		if (np < 0)
			return broken(q,
				      "buffer of %u bytes at 0x%llx outside "
				      "guest memory",
				      len, (unsigned long long)addr);
		if ((unsigned)np > VQ_SEGS_MAX - (c->nout + c->nin))
			return broken(q, "too many segments");
		if (flags & VRING_DESC_F_WRITE) {
			c->in_len += len;
		} else {
			if (c->nin)
				return broken(q, "device-readable descriptor "
						 "after a device-writable one");
			c->out_len += len;
		}
		for (int k = 0; k < np; k++) {
			struct vq_seg *s = &c->seg[c->nout + c->nin];

			s->host = piece[k].host;
			s->len = (uint32_t)piece[k].len; /* <= len */
			if (flags & VRING_DESC_F_WRITE)
				c->nin++;
			else
				c->nout++;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		if (next >= entries)
			return broken(q, "next %u out of range (%u entries)",
				      next, entries);
		i = next;
	}
}

int
vq_pop(struct virtq *q, const struct guestmem *gm, struct vq_chain *c)
{
	uint16_t avail_idx, pending, head;

	if (q->broken || q->size == 0)
		return -1;
	/* Acquire: the ring entries are read after the index. */
	avail_idx = ld16(q->avail + AVAIL_IDX, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return broken(q, "guest moved avail index from %u to %u",
			      q->last_avail, avail_idx);
	if (q->inflight >= q->size)
		return broken(q, "more requests in flight than the queue "
				 "holds");
	head = ld16(q->avail + AVAIL_RING +
			    2u * (q->last_avail & (q->size - 1)),
		    __ATOMIC_RELAXED);
	if (head >= q->size)
		return broken(q, "guest says index %u is available", head);
	if (walk(q, gm, head, c) < 0)
		return -1;
	q->last_avail++;
	q->inflight++;
	return 1;
}

int
vq_chain_iov(const struct vq_chain *c, unsigned first, unsigned cnt,
	     uint64_t skip, uint64_t len, struct iovec *iov)
{
	int n = 0;

	for (unsigned i = first; i < first + cnt && len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t take;

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		take = s->len - skip;
		if (take > len)
			take = len;
		iov[n].iov_base = s->host + skip;
		iov[n].iov_len = (size_t)take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

uint64_t
vq_chain_copy(const struct vq_chain *c, unsigned first, unsigned cnt,
	      uint64_t skip, uint8_t *buf, uint64_t len, bool to_guest)
{
	struct iovec iov[VQ_SEGS_MAX]; /* 16 KiB */
	int n = vq_chain_iov(c, first, cnt, skip, len, iov);
	uint64_t done = 0;

	for (int i = 0; i < n; i++) {
		if (to_guest)
			memcpy(iov[i].iov_base, buf + done, iov[i].iov_len);
		else
			memcpy(buf + done, iov[i].iov_base, iov[i].iov_len);
		done += iov[i].iov_len;
	}
	return done;
}

void
vq_unpop(struct virtq *q)
{
	q->last_avail--;
	if (q->inflight)
		q->inflight--;
}

void
vq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	uint8_t *e = q->used + USED_RING +
		     (size_t)USED_ELEM_BYTES * (q->used_idx & (q->size - 1));

	st32(e, head);
	st32(e + 4, written);
	q->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	st16(q->used + USED_IDX, q->used_idx, __ATOMIC_RELEASE);
	if (q->inflight)
		q->inflight--;
}

bool
vq_should_notify(struct virtq *q)
{
	uint16_t old, event;
	bool was_valid = q->signalled_valid;

	/* Our used index store before the driver's event read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(ld16(q->avail + AVAIL_FLAGS, __ATOMIC_RELAXED) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	event = ld16(q->avail + AVAIL_RING + 2u * q->size, __ATOMIC_RELAXED);
	old = q->signalled_used;
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	if (!was_valid)
		return true;
	/* Interrupt if used_event lies in (old, new]: virtio 1.1 §2.6.7. */
	return (uint16_t)(q->used_idx - event - 1) <
	       (uint16_t)(q->used_idx - old);
}

bool
vq_arm(struct virtq *q)
{
	if (q->broken || q->size == 0)
		return false;
	if (q->event_idx)
		st16(q->used + USED_RING + (size_t)USED_ELEM_BYTES * q->size,
		     q->last_avail, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ld16(q->avail + AVAIL_IDX, __ATOMIC_ACQUIRE) != q->last_avail;
}
