/* A synthetic vhost-user front end: what QEMU and a guest driver do,
 * without a VM, so a backend can be driven, attacked and measured by a
 * test. It shares guest memory with the backend through a sealed memfd,
 * speaks the vhost-user protocol on a unix socket and plays the virtio
 * driver on the rings. Test code only: it trusts what it built itself,
 * and checks what the backend answers. */
#ifndef BULKHEAD_VU_FRONT_H
#define BULKHEAD_VU_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VF_QUEUES_MAX 16
#define VF_RING_AREA 0x10000u     /* per queue: desc, avail, used */
#define VF_DATA_START 0x100000u   /* slots start at 1 MiB */
#define VF_GPA_BASE 0x40000000ull /* guest physical address of byte 0 */
#define VF_SLOT_DATA 4096u        /* data starts a page into a slot */

struct vf_queue {
	uint16_t size;
	uint8_t *desc, *avail, *used;
	int kick, call;
	uint16_t avail_idx; /* next avail index we publish */
	uint16_t kicked_at; /* avail index at the last kick */
	uint16_t used_seen; /* used entries consumed */
};

struct vf {
	int sock;
	int memfd;
	uint8_t *mem;
	size_t mem_bytes;
	/* With vf_split: guest memory from split on is a second region,
	 * memfd2 from offset off2, mapped right after the first in our
	 * address space (so mem stays one contiguous view). */
	int memfd2;
	size_t split;
	uint64_t off2;
	uint64_t features; /* negotiated */
	uint64_t protocol; /* negotiated */
	unsigned nq;
	struct vf_queue q[VF_QUEUES_MAX];
	uint32_t slot_bytes;
	unsigned nslots;
};

/* Guest memory of mem_bytes (memfd, sealed against shrinking) cut into
 * slots of slot_bytes after the ring area. 0 or -errno. */
int vf_open(struct vf *f, int sock, size_t mem_bytes, uint32_t slot_bytes);
/* vf_open with or without the seals (an unsealed memfd can be shrunk
 * under the backend). */
int vf_open_memfd(struct vf *f, int sock, size_t mem_bytes, uint32_t slot_bytes,
		  bool seal);
/* Before vf_setup: describe guest memory as two regions adjacent in
 * guest physical space, the part from split (page aligned) on coming
 * from a second memfd at offset off2 (page aligned). 0 or -errno. */
int vf_split(struct vf *f, size_t split, uint64_t off2);
void vf_close(struct vf *f);
/* Connect to a listening backend, retrying for up to timeout_ms. */
int vf_connect(const char *path, int timeout_ms);

/* The whole set-up QEMU does: features (offered & want), protocol
 * features, owner, memory table, then nq queues of qsize started and
 * enabled. 0, or -1 with a message on stderr. */
int vf_setup(struct vf *f, uint64_t want, unsigned nq, uint16_t qsize);
int vf_negotiate(struct vf *f, uint64_t want);
int vf_set_mem_table(struct vf *f);
int vf_start_queue(struct vf *f, unsigned qi, uint16_t size);
/* GET_VRING_BASE: stops the ring; *base is the backend's position. */
int vf_stop_queue(struct vf *f, unsigned qi, uint32_t *base);

/* Raw protocol, for hostile tests. vf_send returns 0 or -errno;
 * vf_recv_reply reads one reply of exactly size bytes for req: 0, or -1
 * (EOF, wrong request, wrong size, timeout). */
int vf_send(struct vf *f, uint32_t req, uint32_t flags, const void *payload,
	    uint32_t size, const int *fds, unsigned nfds);
int vf_recv_reply(struct vf *f, uint32_t req, void *payload, uint32_t size,
		  int timeout_ms);
int vf_get_u64(struct vf *f, uint32_t req, uint64_t *v);
int vf_get_config(struct vf *f, uint32_t off, uint32_t size, void *out);
/* Whether the backend has closed the connection (waits up to ms). */
bool vf_peer_closed(struct vf *f, int ms);

/* The driver. Addresses are guest physical. */
uint64_t vf_gpa(const struct vf *f, const void *p);
uint8_t *vf_host(const struct vf *f, uint64_t gpa);
uint8_t *vf_slot(const struct vf *f, unsigned slot);
void vf_desc(struct vf *f, unsigned qi, uint16_t i, uint64_t gpa, uint32_t len,
	     uint16_t flags, uint16_t next);
/* Publish head as available (release). */
void vf_offer(struct vf *f, unsigned qi, uint16_t head);
/* Kick if the backend wants it (EVENT_IDX) or always; force: always. */
int vf_kick(struct vf *f, unsigned qi, bool force);
/* Take one used element: 1, or 0 if none is pending. */
int vf_reap(struct vf *f, unsigned qi, uint16_t *head, uint32_t *len);
/* Ask for an interrupt at the next completion, then wait up to ms for
 * one (or for a used element already there). 1, 0 on timeout. */
int vf_wait(struct vf *f, unsigned qi, int ms);

/* virtio-blk: a request in slot (descriptors 3*slot .. 3*slot+2, or an
 * indirect table in the slot when indirect), offered, not kicked. */
void vf_blk_prepare(struct vf *f, unsigned qi, unsigned slot, uint32_t type,
		    uint64_t sector, uint32_t len, bool indirect);
uint8_t vf_blk_status(const struct vf *f, unsigned slot);
uint8_t *vf_blk_data(const struct vf *f, unsigned slot);
/* One request, waited for. Returns the status byte, or -1 if no
 * completion came within ms. *used gets the used length. */
int vf_blk_do(struct vf *f, unsigned qi, unsigned slot, uint32_t type,
	      uint64_t sector, uint32_t len, uint32_t *used, int ms);

#endif
