/* The one validated walker of virtio 1.x split rings (virtio 1.1 §2.6).
 * Every value read from the rings is read once into a local and checked
 * before use; every buffer address goes through guestmem's one range
 * check. A violation marks the queue broken (nothing more is taken from
 * it until it is set up again) and says why; it never aborts. */
#ifndef BULKHEAD_VIRTQ_H
#define BULKHEAD_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guestmem.h"

/* Largest queue accepted: QEMU's VIRTQUEUE_MAX_SIZE. The spec allows
 * 32768; refusing more bounds every per-request array and loop. */
#define VQ_SIZE_MAX 1024
/* A chain has one segment per descriptor it walks, or more for a buffer
 * that crosses from one guest memory region into the next (one per
 * region it touches). A direct chain has at most the queue size in
 * descriptors, an indirect table at most VQ_SIZE_MAX (a driver may use
 * tables longer than a small queue); the segments of one chain are
 * capped at VQ_SEGS_MAX (IOV_MAX, so they go to one preadv), far above
 * what a driver's seg_max allows. */
#define VQ_SEGS_MAX VQ_SIZE_MAX

struct vq_seg {
	uint8_t *host; /* inside one guest memory region, len bytes */
	uint32_t len;
};

/* One request: its device-readable segments seg[0..nout), then its
 * device-writable ones seg[nout..nout + nin). */
struct vq_chain {
	uint16_t head;
	unsigned queue; /* the queue it was taken from (set by vu_dev) */
	unsigned nout, nin;
	uint64_t out_len, in_len; /* sums of 32-bit lengths: cannot wrap */
	struct vq_seg seg[VQ_SEGS_MAX];
};

struct virtq {
	uint16_t size;  /* power of two, 1..VQ_SIZE_MAX */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;  /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint8_t *desc, *avail, *used; /* host pointers, whole rings checked */
	uint16_t last_avail;          /* next avail entry to take: private */
	uint16_t used_idx; /* next used entry: private, never read back */
	uint16_t inflight; /* taken and not yet returned */
	uint16_t signalled_used;
	bool signalled_valid;
	bool broken;
	char why[128];
};

/* Ring sizes in bytes for a queue of n entries (event fields included). */
uint64_t vq_desc_bytes(unsigned n);
uint64_t vq_avail_bytes(unsigned n);
uint64_t vq_used_bytes(unsigned n);
/* n is an acceptable split-ring size: a power of two, 1..VQ_SIZE_MAX. */
bool vq_size_ok(uint64_t n);

/* Attach host pointers to rings of vq_*_bytes(size) that the caller has
 * resolved through guestmem. Checks size and alignment (16/2/4, so each
 * index is read with one aligned load). base is where the driver's
 * avail index stands (SET_VRING_BASE); the used index starts there too.
 * 0, or -1 with q->why. */
int vq_attach(struct virtq *q, uint16_t size, void *desc, void *avail,
	      void *used, uint16_t base, bool event_idx, bool indirect);

/* Take the next available chain into c. 1: a chain; 0: none pending;
 * -1: violation (q->broken set, q->why says what). */
int vq_pop(struct virtq *q, const struct guestmem *gm, struct vq_chain *c);

/* iov[] for len bytes from skip bytes into segments seg[first..first+cnt)
 * of c (iov has room for cnt entries); returns how many it filled. */
int vq_chain_iov(const struct vq_chain *c, unsigned first, unsigned cnt,
		 uint64_t skip, uint64_t len, struct iovec *iov);

/* Copy len bytes from skip bytes into segments seg[first..first+cnt) of
 * c out to buf, or (to_guest) from buf into them. Returns the bytes
 * moved: fewer if the segments end first. Each guest byte is read or
 * written once. */
uint64_t vq_chain_copy(const struct vq_chain *c, unsigned first, unsigned cnt,
		       uint64_t skip, uint8_t *buf, uint64_t len,
		       bool to_guest);

/* Give back the chain the last vq_pop took, untouched: the device cannot
 * serve it yet (a full tap, no frame to receive). The next vq_pop walks
 * it again, from the ring, with every check. */
void vq_unpop(struct virtq *q);

/* Return a taken chain with written bytes (device-writable bytes the
 * device filled). */
void vq_push(struct virtq *q, uint16_t head, uint32_t written);

/* After pushes: whether the driver asked to be interrupted (EVENT_IDX's
 * used_event, or the avail ring's NO_INTERRUPT flag). */
bool vq_should_notify(struct virtq *q);

/* Before sleeping: publish where we are (EVENT_IDX's avail_event) and
 * re-check the avail index, so a request made meanwhile is not missed.
 * true if there is more to take. */
bool vq_arm(struct virtq *q);

#endif
