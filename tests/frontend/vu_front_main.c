/* vu-front: drives a vhost-user backend as QEMU and a guest would, with
 * no VM. Subcommands:
 *   blk-check  correctness of a blk backend (every request type)
 *   rng-check  correctness of an rng backend
 *   hostile    the hostile-front-end and hostile-guest scenarios of
 *              ../shared/research/device_bug_classes.md that apply
 *   regions    buffers across two memory regions, guest memory shrunk
 *              under the backend
 *   durability writes until the backend is killed, then checks that
 *              every acknowledged write is in the disk file
 *   net-check  -- BACKEND ARGS: starts bulkhead-net on a tap of ours
 *              and checks it (vu_front_net.c)
 * Output is one "ok - " or "not ok - " line per check; the exit status
 * is 1 if any check failed. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/vhost/vu_msg.h"
#include "vu_front.h"
#include "vu_front_cases.h"

#define MEM_BYTES (8u << 20)
#define SLOT_BYTES (64u << 10)
#define QSIZE 256
#define ALL_FEATURES (~0ull)

static const char *sock_path;
static const uint8_t zeros[4096];
static int failures;

int
vf_failures(void)
{
	return failures;
}

void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static int
front(struct vf *f, uint64_t want, unsigned nq)
{
	int s = vf_connect(sock_path, 5000);

	if (s < 0) {
		fprintf(stderr, "vu-front: connect %s: %s\n", sock_path,
			strerror(-s));
		return -1;
	}
	if (vf_open(f, s, MEM_BYTES, SLOT_BYTES) < 0) {
		close(s);
		return -1;
	}
	return vf_setup(f, want, nq, QSIZE);
}

/* --- blk-check ------------------------------------------------------- */

void
fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int
blk_check(bool expect_ro, const char *serial)
{
	struct vf f;
	uint8_t cfg[60], pat[8192];
	uint64_t cap;
	uint32_t used, seg_max, blk_size;
	unsigned nq;
	int st;

	if (front(&f, ALL_FEATURES, 1) < 0) {
		check(false, "blk: set-up");
		return 1;
	}
	check(vf_get_config(&f, 0, sizeof(cfg), cfg) == 0, "blk: GET_CONFIG");
	memcpy(&cap, cfg, 8);
	memcpy(&seg_max, cfg + 12, 4);
	memcpy(&blk_size, cfg + 20, 4);
	cap = le64toh(cap);
	nq = le16toh(*(uint16_t *)(void *)(cfg + 34));
	check(cap > 16 && le32toh(blk_size) == 512 && le32toh(seg_max) >= 1,
	      "blk: config capacity %llu sectors, blk_size %u, seg_max %u, "
	      "%u queues",
	      (unsigned long long)cap, le32toh(blk_size), le32toh(seg_max), nq);
	check(((f.features >> VIRTIO_BLK_F_RO) & 1) == expect_ro,
	      "blk: RO feature %s", expect_ro ? "set" : "clear");

	/* Read what is there, write a pattern, read it back. */
	st = vf_blk_do(&f, 0, 0, VIRTIO_BLK_T_IN, 8, 8192, &used, 5000);
	check(st == VIRTIO_BLK_S_OK && used == 8193,
	      "blk: read 8 KiB (status %d, used %u)", st, used);
	memcpy(pat, vf_blk_data(&f, 0), sizeof(pat));
	if (expect_ro) {
		fill(vf_blk_data(&f, 1), 8192, 7);
		st = vf_blk_do(&f, 0, 1, VIRTIO_BLK_T_OUT, 8, 8192, &used,
			       5000);
		check(st == VIRTIO_BLK_S_IOERR && used == 1,
		      "blk: write to a read-only disk refused with IOERR "
		      "(status %d)",
		      st);
		st = vf_blk_do(&f, 0, 2, VIRTIO_BLK_T_IN, 8, 8192, NULL, 5000);
		check(st == 0 && !memcmp(vf_blk_data(&f, 2), pat, 8192),
		      "blk: read-only disk unchanged");
		st = vf_blk_do(&f, 0, 3, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, NULL,
			       5000);
		check(st == VIRTIO_BLK_S_IOERR,
		      "blk: write-zeroes on a read-only disk refused (%d)", st);
	} else {
		fill(pat, sizeof(pat), 42);
		memcpy(vf_blk_data(&f, 1), pat, sizeof(pat));
		st = vf_blk_do(&f, 0, 1, VIRTIO_BLK_T_OUT, 8, 8192, &used,
			       5000);
		check(st == VIRTIO_BLK_S_OK && used == 1,
		      "blk: write 8 KiB (status %d)", st);
		memset(vf_blk_data(&f, 2), 0, 8192);
		vf_blk_prepare(&f, 0, 2, VIRTIO_BLK_T_IN, 8, 8192, true);
		vf_kick(&f, 0, true);
		{
			uint16_t head = 0;
			uint32_t len = 0;
			int got = 0;

			for (int i = 0; i < 500 && !got; i++) {
				got = vf_reap(&f, 0, &head, &len);
				if (!got)
					vf_wait(&f, 0, 10);
			}
			check(got && head == 2 && vf_blk_status(&f, 2) == 0 &&
				      !memcmp(vf_blk_data(&f, 2), pat, 8192),
			      "blk: read back through an indirect table "
			      "matches");
		}
		st = vf_blk_do(&f, 0, 3, VIRTIO_BLK_T_FLUSH, 0, 0, &used, 5000);
		check(st == VIRTIO_BLK_S_OK && used == 1,
		      "blk: flush (status %d)", st);
		/* Write zeroes over the pattern's first 4 KiB. */
		{
			uint64_t r[2] = { htole64(8), htole64(8) };

			memcpy(vf_blk_data(&f, 4), r, sizeof(r));
			st = vf_blk_do(&f, 0, 4, VIRTIO_BLK_T_WRITE_ZEROES, 0,
				       16, NULL, 5000);
			vf_blk_do(&f, 0, 5, VIRTIO_BLK_T_IN, 8, 8192, NULL,
				  5000);
			check(st == 0 &&
				      !memcmp(vf_blk_data(&f, 5), zeros,
					      4096) &&
				      !memcmp(vf_blk_data(&f, 5) + 4096,
					      pat + 4096, 4096),
			      "blk: write-zeroes zeroed 4 KiB and no more "
			      "(status %d)",
			      st);
			memcpy(vf_blk_data(&f, 4), r, sizeof(r));
			st = vf_blk_do(&f, 0, 4, VIRTIO_BLK_T_DISCARD, 0, 16,
				       NULL, 5000);
			check(st == 0, "blk: discard (status %d)", st);
			r[1] = htole64(8ull | (0x80ull << 32)); /* bad flags */
			memcpy(vf_blk_data(&f, 4), r, sizeof(r));
			st = vf_blk_do(&f, 0, 4, VIRTIO_BLK_T_DISCARD, 0, 16,
				       NULL, 5000);
			check(st == VIRTIO_BLK_S_UNSUPP,
			      "blk: discard with reserved flags is UNSUPP "
			      "(%d)",
			      st);
		}
	}
	st = vf_blk_do(&f, 0, 6, VIRTIO_BLK_T_GET_ID, 0, 20, &used, 5000);
	check(st == 0 && used == 21 &&
		      !strncmp((char *)vf_blk_data(&f, 6), serial, 20),
	      "blk: GET_ID \"%.20s\"", (char *)vf_blk_data(&f, 6));
	st = vf_blk_do(&f, 0, 7, VIRTIO_BLK_T_IN, cap - 1, 1024, NULL, 5000);
	check(st == VIRTIO_BLK_S_IOERR, "blk: read past the end: IOERR (%d)",
	      st);
	st = vf_blk_do(&f, 0, 7, VIRTIO_BLK_T_IN, UINT64_MAX - 1, 512, NULL,
		       5000);
	check(st == VIRTIO_BLK_S_IOERR,
	      "blk: sector near 2^64 does not wrap: IOERR (%d)", st);
	st = vf_blk_do(&f, 0, 7, VIRTIO_BLK_T_IN, 0, 100, NULL, 5000);
	check(st == VIRTIO_BLK_S_IOERR, "blk: partial-sector read: IOERR (%d)",
	      st);
	st = vf_blk_do(&f, 0, 7, 99, 0, 512, NULL, 5000);
	check(st == VIRTIO_BLK_S_UNSUPP, "blk: unknown type 99: UNSUPP (%d)",
	      st);
	/* The queue still serves after all of that. */
	st = vf_blk_do(&f, 0, 8, VIRTIO_BLK_T_IN, 0, 512, NULL, 5000);
	check(st == 0, "blk: still serving");
	if (nq > 1) {
		vf_close(&f);
		if (front(&f, ALL_FEATURES, nq) == 0) {
			st = vf_blk_do(&f, nq - 1, 0, VIRTIO_BLK_T_IN, 8, 4096,
				       NULL, 5000);
			check(st == 0, "blk: queue %u of %u serves", nq - 1,
			      nq);
		} else {
			check(false, "blk: set-up with %u queues", nq);
		}
	}
	vf_close(&f);
	return failures ? 1 : 0;
}

/* --- hostile --------------------------------------------------------- */

/* Every byte of the data area is a canary except what the scenario hands
 * the device to write. */
#define CANARY 0xa5

static void
canaries_set(struct vf *f)
{
	memset(f->mem + VF_DATA_START, CANARY, f->mem_bytes - VF_DATA_START);
}

static size_t
canaries_broken(const struct vf *f)
{
	size_t n = 0;

	for (size_t i = VF_DATA_START; i < f->mem_bytes; i++)
		n += f->mem[i] != CANARY;
	return n;
}

static uint64_t
data_gpa(const struct vf *f)
{
	return vf_gpa(f, vf_blk_data(f, 0));
}

static uint64_t
hdr_gpa(const struct vf *f)
{
	return vf_gpa(f, vf_slot(f, 0));
}

/* A read request's header in slot 0 (the canaries there are its own). */
static void
header(struct vf *f)
{
	uint32_t h[4] = { htole32(VIRTIO_BLK_T_IN), 0, 0, 0 };

	memcpy(vf_slot(f, 0), h, sizeof(h));
}

static void
submit(struct vf *f, uint16_t head)
{
	vf_offer(f, 0, head);
	vf_kick(f, 0, true);
}

/* Ring scenarios: each builds a hostile chain on a working queue. */
static void
r_self_loop(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 16, VRING_DESC_F_NEXT, 0);
	submit(f, 0);
}

static void
r_cycle(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 16, VRING_DESC_F_NEXT, 1);
	vf_desc(f, 0, 1, data_gpa(f), 512,
		VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	vf_desc(f, 0, 2, data_gpa(f), 512,
		VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	submit(f, 0);
}

static void
r_next_range(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 16, VRING_DESC_F_NEXT, QSIZE);
	submit(f, 0);
}

static void
r_bad_head(struct vf *f)
{
	submit(f, QSIZE + 44);
}

static void
avail_to(struct vf *f, uint16_t idx)
{
	__atomic_store_n((uint16_t *)(void *)(f->q[0].avail + 2), htole16(idx),
			 __ATOMIC_RELEASE);
	f->q[0].avail_idx = idx;
	vf_kick(f, 0, true);
}

static void
r_avail_jump(struct vf *f)
{
	avail_to(f, 0x8000);
}

static void
r_avail_back(struct vf *f)
{
	avail_to(f, 0xffff);
}

/* header, then one data descriptor as given, then status. */
static void
chain3(struct vf *f, uint64_t addr, uint32_t len, uint16_t flags)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 16, VRING_DESC_F_NEXT, 1);
	vf_desc(f, 0, 1, addr, len, flags | VRING_DESC_F_NEXT, 2);
	vf_desc(f, 0, 2, vf_gpa(f, vf_slot(f, 0) + 16), 1, VRING_DESC_F_WRITE,
		0);
	submit(f, 0);
}

static void
r_zero_len(struct vf *f)
{
	chain3(f, data_gpa(f), 0, VRING_DESC_F_WRITE);
}

static void
r_addr_wrap(struct vf *f)
{
	chain3(f, 0xfffffffffffff000ull, 0x2000, VRING_DESC_F_WRITE);
}

static void
r_huge_len(struct vf *f)
{
	chain3(f, data_gpa(f), 0xffffffffu, VRING_DESC_F_WRITE);
}

static void
r_below_mem(struct vf *f)
{
	chain3(f, 0x1000, 4096, VRING_DESC_F_WRITE);
}

static void
r_past_mem(struct vf *f)
{
	chain3(f, VF_GPA_BASE + f->mem_bytes - 512, 4096, VRING_DESC_F_WRITE);
}

static void
r_bad_order(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, data_gpa(f), 512,
		VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	vf_desc(f, 0, 1, hdr_gpa(f), 16, VRING_DESC_F_NEXT, 2);
	vf_desc(f, 0, 2, data_gpa(f), 1, VRING_DESC_F_WRITE, 0);
	submit(f, 0);
}

static void
indirect(struct vf *f, uint64_t table, uint32_t len, uint16_t flags)
{
	vf_desc(f, 0, 0, table, len, VRING_DESC_F_INDIRECT | flags, 1);
	submit(f, 0);
}

/* A well-formed 3-entry indirect table in slot 1's first bytes. */
static uint64_t
table(struct vf *f, bool nested)
{
	uint8_t *t = vf_slot(f, 1);
	struct vring_desc d[3] = {
		{ htole64(hdr_gpa(f)), htole32(16), htole16(VRING_DESC_F_NEXT),
		  htole16(1) },
		{ htole64(data_gpa(f)), htole32(512),
		  htole16(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
			  (nested ? VRING_DESC_F_INDIRECT : 0)),
		  htole16(2) },
		{ htole64(data_gpa(f) + 512), htole32(1),
		  htole16(VRING_DESC_F_WRITE), 0 },
	};

	header(f);
	memcpy(t, d, sizeof(d));
	return vf_gpa(f, t);
}

static void
r_ind_zero(struct vf *f)
{
	indirect(f, table(f, false), 0, 0);
}

static void
r_ind_odd(struct vf *f)
{
	indirect(f, table(f, false), 17, 0);
}

static void
r_ind_huge(struct vf *f)
{
	indirect(f, table(f, false), 16u * 65537u, 0);
}

static void
r_ind_nested(struct vf *f)
{
	indirect(f, table(f, true), 48, 0);
}

static void
r_ind_next(struct vf *f)
{
	indirect(f, table(f, false), 48, VRING_DESC_F_NEXT);
}

static void
r_short_header(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 8, VRING_DESC_F_NEXT, 1);
	vf_desc(f, 0, 1, data_gpa(f), 1, VRING_DESC_F_WRITE, 0);
	submit(f, 0);
}

static void
r_no_status(struct vf *f)
{
	header(f);
	vf_desc(f, 0, 0, hdr_gpa(f), 16, 0, 0);
	submit(f, 0);
}

struct ring_scenario {
	const char *name;
	void (*run)(struct vf *f);
};

static const struct ring_scenario ring_scenarios[] = {
	{ "self-loop", r_self_loop },
	{ "three-cycle", r_cycle },
	{ "next-out-of-range", r_next_range },
	{ "head-out-of-range", r_bad_head },
	{ "avail-index-jump", r_avail_jump },
	{ "avail-index-backwards", r_avail_back },
	{ "zero-length", r_zero_len },
	{ "address-wraps-2^64", r_addr_wrap },
	{ "length-4GiB", r_huge_len },
	{ "below-guest-memory", r_below_mem },
	{ "past-guest-memory", r_past_mem },
	{ "writable-before-readable", r_bad_order },
	{ "indirect-length-0", r_ind_zero },
	{ "indirect-length-17", r_ind_odd },
	{ "indirect-65537-entries", r_ind_huge },
	{ "indirect-nested", r_ind_nested },
	{ "indirect-with-next", r_ind_next },
	{ "header-too-short", r_short_header },
	{ "no-status-byte", r_no_status },
};

/* A stopped queue serves nothing, not even a valid request offered
 * after the one that stopped it: a backend that dropped only the bad
 * chain, and went on, would complete it. Slot 2 (descriptors 6..8) is
 * one no scenario uses. True if it stayed unserved for 200 ms. */
static bool
valid_request_unserved(struct vf *f, uint16_t used_before)
{
	uint16_t used;

	vf_blk_prepare(f, 0, 2, VIRTIO_BLK_T_IN, 0, 512, false);
	vf_kick(f, 0, true);
	usleep(200 * 1000);
	used = le16toh(*(uint16_t *)(void *)(f->q[0].used + 2));
	return used == used_before && vf_blk_status(f, 2) == 0xee;
}

/* The queue must stop (no completion, not even of a valid request that
 * follows), nothing may be written, the connection must stay up, and
 * stopping and restarting the queue (a device reset, as a driver's
 * reset makes QEMU do it) must bring it back. */
static void
ring_case(const struct ring_scenario *s)
{
	struct vf f;
	uint32_t base = 0;
	uint16_t used;
	int st;

	if (front(&f, ALL_FEATURES, 1) < 0) {
		check(false, "hostile %s: set-up", s->name);
		return;
	}
	canaries_set(&f);
	s->run(&f);
	usleep(200 * 1000);
	used = le16toh(*(uint16_t *)(void *)(f.q[0].used + 2));
	{
		/* The scenario's own header (slot 0) and table (slot 1)
		 * are not canaries; everything else is. */
		size_t dirty = canaries_broken(&f);

		for (size_t i = 0; i < 16; i++)
			dirty -= vf_slot(&f, 0)[i] != CANARY;
		for (size_t i = 0; i < 48; i++)
			dirty -= vf_slot(&f, 1)[i] != CANARY;
		check(used == 0 && dirty == 0 && !vf_peer_closed(&f, 0),
		      "hostile %s: queue stopped, %zu bytes written, "
		      "connection up",
		      s->name, dirty);
	}
	check(valid_request_unserved(&f, used),
	      "hostile %s: a valid request after it is not served while the "
	      "queue is stopped",
	      s->name);
	st = vf_stop_queue(&f, 0, &base) == 0 &&
	     vf_start_queue(&f, 0, QSIZE) == 0;
	if (st)
		st = vf_blk_do(&f, 0, 2, VIRTIO_BLK_T_IN, 0, 512, NULL, 5000) ==
		     0;
	check(st, "hostile %s: queue reset serves again", s->name);
	vf_close(&f);
}

/* Scenario 42: a second "vCPU" rewrites the descriptor the backend is
 * reading, while valid requests keep coming. Whatever copy the backend
 * sees, it may only complete or stop the queue, and write nothing but
 * the buffers of the request. */
struct flipper {
	struct vf *f;
	volatile bool stop;
};

static void *
flip(void *arg)
{
	struct flipper *fl = arg;
	struct vring_desc *d = (void *)(fl->f->q[0].desc + 16);
	uint32_t n = 0;

	while (!fl->stop) {
		/* Mostly legal values (lengths and addresses inside the
		 * buffer), now and then a hostile one. */
		bool bad = (++n & 0xfff) == 0;

		__atomic_store_n(&d->len,
				 htole32(bad && (n & 0x1000) ? 0xffffffffu
							     : 512u >> (n & 1)),
				 __ATOMIC_RELAXED);
		__atomic_store_n(
			&d->addr,
			htole64(bad && (n & 0x2000)
					? 0xfffffffffffff000ull
					: data_gpa(fl->f) + (n & 2) * 64),
			__ATOMIC_RELAXED);
		__atomic_store_n(&d->next, htole16(bad && (n & 0x4000) ? 1 : 2),
				 __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
double_fetch_case(void)
{
	struct vf f;
	struct flipper fl = { .f = &f };
	pthread_t t;
	unsigned done = 0, i;
	bool stopped = false;

	if (front(&f, ALL_FEATURES & ~(1ull << VIRTIO_RING_F_INDIRECT_DESC),
		  1) < 0) {
		check(false, "hostile double-fetch: set-up");
		return;
	}
	canaries_set(&f);
	header(&f);
	vf_desc(&f, 0, 0, hdr_gpa(&f), 16, VRING_DESC_F_NEXT, 1);
	vf_desc(&f, 0, 1, data_gpa(&f), 512,
		VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	vf_desc(&f, 0, 2, data_gpa(&f) + 512, 1, VRING_DESC_F_WRITE, 0);
	pthread_create(&t, NULL, flip, &fl);
	for (i = 0; i < 2000 && !stopped; i++) {
		uint16_t head;
		uint32_t len;
		int got = 0;

		submit(&f, 0);
		for (int w = 0; w < 50 && !got; w++) {
			got = vf_reap(&f, 0, &head, &len);
			if (!got)
				vf_wait(&f, 0, 2);
		}
		if (got)
			done++;
		else
			stopped = true;
	}
	fl.stop = true;
	pthread_join(t, NULL);
	{
		/* Only slot 0's header and the bytes the flipped descriptors
		 * may name (data + 0..640, status) may differ. */
		size_t dirty = 0;

		for (size_t k = VF_DATA_START; k < f.mem_bytes; k++) {
			size_t off = k - VF_DATA_START;

			if (off < 16 ||
			    (off >= VF_SLOT_DATA && off < VF_SLOT_DATA + 640))
				continue;
			dirty += f.mem[k] != CANARY;
		}
		check(dirty == 0 && !vf_peer_closed(&f, 0),
		      "hostile double-fetch: %u completed, queue %s, no stray "
		      "write, connection up",
		      done, stopped ? "stopped" : "serving");
	}
	vf_close(&f);
}

/* Protocol scenarios: the backend must hang up (and, when it listens,
 * take the next connection). */
static int
raw_front(struct vf *f)
{
	int s = vf_connect(sock_path, 5000);

	if (s < 0)
		return -1;
	return vf_open(f, s, MEM_BYTES, SLOT_BYTES);
}

static int
send_state(struct vf *f, uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { htole32(index), htole32(num) };

	return vf_send(f, req, VU_VERSION, st, sizeof(st), NULL, 0);
}

static int
send_u64(struct vf *f, uint32_t req, uint64_t v, const int *fds, unsigned nfds)
{
	v = htole64(v);
	return vf_send(f, req, VU_VERSION, &v, sizeof(v), fds, nfds);
}

static int
mem_table(struct vf *f, unsigned n, const uint64_t (*r)[4], const int *fds,
	  unsigned nfds)
{
	uint8_t p[VU_MEM_HDR + 16 * VU_MEM_REGION_BYTES];
	uint32_t cnt = htole32(n);

	memset(p, 0, sizeof(p));
	memcpy(p, &cnt, 4);
	for (unsigned i = 0; i < n && i < 16; i++)
		for (unsigned k = 0; k < 4; k++) {
			uint64_t v = htole64(r[i][k]);

			memcpy(p + VU_MEM_HDR + i * VU_MEM_REGION_BYTES + k * 8,
			       &v, 8);
		}
	return vf_send(f, VU_SET_MEM_TABLE, VU_VERSION, p,
		       VU_MEM_HDR + (n < 16 ? n : 16) * VU_MEM_REGION_BYTES,
		       fds, nfds);
}

static int
p_bad_version(struct vf *f)
{
	return vf_send(f, VU_GET_FEATURES, 0x2, NULL, 0, NULL, 0);
}

static int
p_reply_flag(struct vf *f)
{
	return vf_send(f, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, NULL, 0,
		       NULL, 0);
}

static int
p_oversize(struct vf *f)
{
	static uint8_t big[4000];

	return vf_send(f, VU_SET_FEATURES, VU_VERSION, big, sizeof(big), NULL,
		       0);
}

static int
p_short_u64(struct vf *f)
{
	uint32_t v = 0;

	return vf_send(f, VU_SET_FEATURES, VU_VERSION, &v, sizeof(v), NULL, 0);
}

static int
p_unknown(struct vf *f)
{
	return vf_send(f, 99, VU_VERSION, NULL, 0, NULL, 0);
}

static int
p_log_base(struct vf *f)
{
	return send_u64(f, VU_SET_LOG_BASE, 0, &f->memfd, 1);
}

static int
p_fd_on_get(struct vf *f)
{
	return vf_send(f, VU_GET_FEATURES, VU_VERSION, NULL, 0, &f->memfd, 1);
}

static int
p_unoffered(struct vf *f)
{
	return send_u64(f, VU_SET_FEATURES, 1ull << 63, NULL, 0);
}

static int
p_mem_nine(struct vf *f)
{
	uint64_t r[9][4];
	int fds[8];

	for (unsigned i = 0; i < 9; i++) {
		r[i][0] = VF_GPA_BASE + i * 4096ull;
		r[i][1] = 4096;
		r[i][2] = 0x10000000ull + i * 4096ull;
		r[i][3] = i * 4096ull;
	}
	for (unsigned i = 0; i < 8; i++)
		fds[i] = f->memfd;
	return mem_table(f, 9, r, fds, 8);
}

static int
p_mem_overlap(struct vf *f)
{
	const uint64_t r[2][4] = { { VF_GPA_BASE, 8192, 0x10000000, 0 },
				   { VF_GPA_BASE + 4096, 8192, 0x20000000,
				     0 } };
	int fds[2] = { f->memfd, f->memfd };

	return mem_table(f, 2, r, fds, 2);
}

static int
p_mem_no_fd(struct vf *f)
{
	const uint64_t r[1][4] = { { VF_GPA_BASE, 8192, 0x10000000, 0 } };

	return mem_table(f, 1, r, NULL, 0);
}

static int
p_mem_too_big(struct vf *f)
{
	const uint64_t r[1][4] = { { VF_GPA_BASE, 1ull << 40, 0x10000000, 0 } };

	return mem_table(f, 1, r, &f->memfd, 1);
}

static int
p_mem_offset_past(struct vf *f)
{
	const uint64_t r[1][4] = { { VF_GPA_BASE, 8192, 0x10000000,
				     MEM_BYTES - 4096 } };

	return mem_table(f, 1, r, &f->memfd, 1);
}

static int
p_mem_wrap(struct vf *f)
{
	const uint64_t r[1][4] = { { UINT64_MAX - 4095, 8192, 0x10000000, 0 } };

	return mem_table(f, 1, r, &f->memfd, 1);
}

static int
p_too_many_fds(struct vf *f)
{
	const uint64_t r[1][4] = { { VF_GPA_BASE, 8192, 0x10000000, 0 } };
	int fds[12];

	for (unsigned i = 0; i < 12; i++)
		fds[i] = f->memfd;
	return mem_table(f, 1, r, fds, 12);
}

static int
p_num_3(struct vf *f)
{
	return send_state(f, VU_SET_VRING_NUM, 0, 3);
}

static int
p_num_0(struct vf *f)
{
	return send_state(f, VU_SET_VRING_NUM, 0, 0);
}

static int
p_num_32768(struct vf *f)
{
	return send_state(f, VU_SET_VRING_NUM, 0, 32768);
}

static int
p_queue_index(struct vf *f)
{
	return send_state(f, VU_SET_VRING_NUM, 200, 256);
}

static int
p_kick_nofd(struct vf *f)
{
	return send_u64(f, VU_SET_VRING_KICK, VU_VRING_NOFD, NULL, 0);
}

static int
p_kick_reserved(struct vf *f)
{
	int e = eventfd(0, EFD_CLOEXEC);
	int r = send_u64(f, VU_SET_VRING_KICK, 0x200, &e, 1);

	close(e);
	return r;
}

static int
p_kick_early(struct vf *f)
{
	int e = eventfd(0, EFD_CLOEXEC);
	int r = send_u64(f, VU_SET_VRING_KICK, 0, &e, 1);

	close(e);
	return r;
}

static int
p_config_big(struct vf *f)
{
	uint8_t p[VU_CONFIG_HDR + 300];
	uint32_t h[3] = { 0, htole32(300), 0 };

	memset(p, 0, sizeof(p));
	memcpy(p, h, sizeof(h));
	return vf_send(f, VU_GET_CONFIG, VU_VERSION, p, sizeof(p), NULL, 0);
}

static int
p_config_offset(struct vf *f)
{
	uint8_t p[VU_CONFIG_HDR + 10];
	uint32_t h[3] = { htole32(250), htole32(10), 0 };

	memset(p, 0, sizeof(p));
	memcpy(p, h, sizeof(h));
	return vf_send(f, VU_GET_CONFIG, VU_VERSION, p, sizeof(p), NULL, 0);
}

static int
p_truncated(struct vf *f)
{
	uint32_t h[4] = { htole32(VU_SET_FEATURES), htole32(VU_VERSION),
			  htole32(8), 0 };

	if (send(f->sock, h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		return -1;
	return shutdown(f->sock, SHUT_WR);
}

/* On a fully set-up connection. */
static int
p_addr_started(struct vf *f)
{
	uint64_t a[5] = { 0, htole64((uint64_t)(uintptr_t)f->q[0].desc),
			  htole64((uint64_t)(uintptr_t)f->q[0].used),
			  htole64((uint64_t)(uintptr_t)f->q[0].avail), 0 };

	return vf_send(f, VU_SET_VRING_ADDR, VU_VERSION, a, sizeof(a), NULL, 0);
}

static int
p_num_started(struct vf *f)
{
	return send_state(f, VU_SET_VRING_NUM, 0, 128);
}

struct proto_scenario {
	const char *name;
	int (*run)(struct vf *f);
	bool after_setup;
};

static const struct proto_scenario proto_scenarios[] = {
	{ "header-version-2", p_bad_version, false },
	{ "header-reply-flag", p_reply_flag, false },
	{ "payload-4000-bytes", p_oversize, false },
	{ "set-features-4-bytes", p_short_u64, false },
	{ "unknown-request-99", p_unknown, false },
	{ "log-base-not-offered", p_log_base, false },
	{ "fd-on-get-features", p_fd_on_get, false },
	{ "features-not-offered", p_unoffered, false },
	{ "mem-table-9-regions", p_mem_nine, false },
	{ "mem-table-overlap", p_mem_overlap, false },
	{ "mem-table-without-fd", p_mem_no_fd, false },
	{ "mem-table-region-past-file", p_mem_too_big, false },
	{ "mem-table-offset-past-file", p_mem_offset_past, false },
	{ "mem-table-wraps-2^64", p_mem_wrap, false },
	{ "mem-table-12-fds", p_too_many_fds, false },
	{ "vring-num-3", p_num_3, false },
	{ "vring-num-0", p_num_0, false },
	{ "vring-num-32768", p_num_32768, false },
	{ "queue-index-200", p_queue_index, false },
	{ "kick-without-fd", p_kick_nofd, false },
	{ "kick-reserved-bits", p_kick_reserved, false },
	{ "kick-before-set-up", p_kick_early, false },
	{ "config-300-bytes", p_config_big, false },
	{ "config-offset-250", p_config_offset, false },
	{ "truncated-message", p_truncated, false },
	{ "vring-addr-on-started-queue", p_addr_started, true },
	{ "vring-num-on-started-queue", p_num_started, true },
};

static void
proto_case(const struct proto_scenario *s, bool listening)
{
	struct vf f;
	bool closed;

	if ((s->after_setup ? front(&f, ALL_FEATURES, 1) : raw_front(&f)) < 0) {
		check(false, "hostile %s: set-up", s->name);
		return;
	}
	if (!s->after_setup) {
		/* GET_CONFIG is only valid once CONFIG is negotiated. */
		if (s->run == p_config_big || s->run == p_config_offset)
			vf_negotiate(&f, ALL_FEATURES);
	}
	closed = s->run(&f) == 0 && vf_peer_closed(&f, 3000);
	vf_close(&f);
	if (listening && closed) {
		/* The next connection is served as if nothing happened. */
		closed = front(&f, ALL_FEATURES, 1) == 0 &&
			 vf_blk_do(&f, 0, 0, VIRTIO_BLK_T_IN, 0, 512, NULL,
				   5000) == 0;
		vf_close(&f);
	}
	check(closed, "hostile %s: backend hung up%s", s->name,
	      listening ? ", next connection served" : "");
}

/* Edges that must be served, not refused. */
static void
serve_cases(void)
{
	struct vf f;
	uint8_t cfg[8];
	uint64_t verdict = 0;
	uint32_t base = 0;
	uint8_t p[VU_CONFIG_HDR + 4];

	if (front(&f, ALL_FEATURES, 1) < 0) {
		check(false, "hostile edges: set-up");
		return;
	}
	/* Scenario 43: a read across the end of config space. */
	check(vf_get_config(&f, 58, 4, cfg) == 0 && cfg[2] == 0xff &&
		      cfg[3] == 0xff,
	      "hostile config-read-across-end: served, past-the-end bytes "
	      "read as 0xff");
	/* SET_CONFIG: refused with a negative ack, connection kept. */
	memset(p, 0, sizeof(p));
	p[4] = 4;
	{
		bool ok = vf_send(&f, VU_SET_CONFIG,
				  VU_VERSION | VU_FLAG_NEED_REPLY, p, sizeof(p),
				  NULL, 0) == 0 &&
			  vf_recv_reply(&f, VU_SET_CONFIG, &verdict,
					sizeof(verdict), 3000) == 0;

		check(ok && verdict != 0 && !vf_peer_closed(&f, 0),
		      "hostile set-config: refused (ack %llu), connection up",
		      (unsigned long long)verdict);
	}
	/* Scenario 40: stop a queue after work, restart at its base. */
	for (unsigned i = 0; i < 5; i++)
		vf_blk_do(&f, 0, i, VIRTIO_BLK_T_IN, i, 512, NULL, 5000);
	{
		bool ok = vf_stop_queue(&f, 0, &base) == 0;

		check(ok && base == 5,
		      "hostile stop-queue: GET_VRING_BASE says %u after 5 "
		      "requests",
		      base);
		ok = vf_start_queue(&f, 0, QSIZE) == 0;
		check(ok, "hostile stop-queue: restarted");
	}
	vf_close(&f);
}

static int
hostile(bool listening)
{
	for (size_t i = 0;
	     i < sizeof(ring_scenarios) / sizeof(ring_scenarios[0]); i++)
		ring_case(&ring_scenarios[i]);
	double_fetch_case();
	for (size_t i = 0;
	     i < sizeof(proto_scenarios) / sizeof(proto_scenarios[0]); i++)
		proto_case(&proto_scenarios[i], listening);
	serve_cases();
	return failures ? 1 : 0;
}

/* --- rng-check ------------------------------------------------------- */

/* Offer descriptor i as one 512-byte device-writable buffer in slot 1
 * and wait up to ms for the device to use it: the bytes it wrote, 0 if
 * it was not used. */
static uint32_t
rng_fill(struct vf *f, uint16_t i, int ms)
{
	uint16_t head = 0;
	uint32_t len = 0;
	int got = 0;

	vf_desc(f, 0, i, vf_gpa(f, vf_slot(f, 1)), 512, VRING_DESC_F_WRITE, 0);
	submit(f, i);
	for (int waited = 0; waited < ms && !got; waited += 10) {
		got = vf_reap(f, 0, &head, &len);
		if (!got)
			vf_wait(f, 0, 10);
	}
	return got && head == i ? len : 0;
}

static int
rng_check(void)
{
	struct vf f;
	uint8_t *buf;
	uint16_t head = 0;
	uint32_t len = 0;
	unsigned distinct = 0;
	bool seen[256] = { false };
	int got = 0;

	if (front(&f, ALL_FEATURES, 1) < 0) {
		check(false, "rng: set-up");
		return 1;
	}
	buf = vf_slot(&f, 0);
	memset(buf, 0, 4096);
	vf_desc(&f, 0, 0, vf_gpa(&f, buf), 4096, VRING_DESC_F_WRITE, 0);
	submit(&f, 0);
	for (int i = 0; i < 500 && !got; i++) {
		got = vf_reap(&f, 0, &head, &len);
		if (!got)
			vf_wait(&f, 0, 10);
	}
	for (unsigned i = 0; i < 4096; i++)
		if (!seen[buf[i]]) {
			seen[buf[i]] = true;
			distinct++;
		}
	check(got && head == 0 && len == 4096 && distinct > 200,
	      "rng: 4096 bytes filled, %u distinct byte values", distinct);
	/* Device-readable buffers in an rng request stop the queue. */
	vf_desc(&f, 0, 1, vf_gpa(&f, buf), 64, VRING_DESC_F_NEXT, 2);
	vf_desc(&f, 0, 2, vf_gpa(&f, buf + 64), 64, VRING_DESC_F_WRITE, 0);
	submit(&f, 1);
	usleep(200 * 1000);
	check(vf_reap(&f, 0, &head, &len) == 0 && !vf_peer_closed(&f, 0),
	      "rng: request with readable buffers stops the queue");
	/* Stopped, not just that chain dropped: a valid request after it
	 * stays unserved; a reset (stop and restart the queue) serves one. */
	check(rng_fill(&f, 3, 200) == 0,
	      "rng: a valid request after it is not served while the queue "
	      "is stopped");
	{
		uint32_t base = 0;
		bool reset = vf_stop_queue(&f, 0, &base) == 0 &&
			     vf_start_queue(&f, 0, QSIZE) == 0;

		len = reset ? rng_fill(&f, 0, 5000) : 0;
		check(len == 512, "rng: queue reset serves again (%u bytes)",
		      len);
	}
	vf_close(&f);
	return failures ? 1 : 0;
}

/* --- durability ------------------------------------------------------ */

/* Write distinct 4 KiB blocks at queue depth 8 until the backend goes
 * away; then every block it acknowledged must be in the file. */
static int
durability(const char *disk, pid_t victim, unsigned kill_after)
{
	enum { QD = 8, BLOCK = 4096 };
	struct vf f;
	uint32_t *acked;
	unsigned nacked = 0, next = 0, max_blocks;
	uint64_t cap;
	uint8_t cfg[8];
	int fd;

	if (front(&f, ALL_FEATURES, 1) < 0 ||
	    vf_get_config(&f, 0, 8, cfg) < 0) {
		check(false, "durability: set-up");
		return 1;
	}
	memcpy(&cap, cfg, 8);
	max_blocks = (unsigned)(le64toh(cap) * 512 / BLOCK);
	acked = calloc(max_blocks, sizeof(*acked));
	if (!acked)
		return 1;
	for (unsigned s = 0; s < QD && next < max_blocks; s++, next++) {
		uint32_t *d = (uint32_t *)(void *)vf_blk_data(&f, s);

		for (unsigned k = 0; k < BLOCK / 4; k++)
			d[k] = next ^ 0x5a5a0000u;
		vf_blk_prepare(&f, 0, s, VIRTIO_BLK_T_OUT, next * 8ull, BLOCK,
			       false);
	}
	vf_kick(&f, 0, true);
	printf("# writing until the backend is killed\n");
	fflush(stdout);
	for (;;) {
		uint16_t head;
		uint32_t len;

		if (vf_reap(&f, 0, &head, &len) == 1) {
			unsigned s = head / 3;
			uint32_t block =
				*(uint32_t *)(void *)vf_blk_data(&f, s) ^
				0x5a5a0000u;

			if (vf_blk_status(&f, s) == VIRTIO_BLK_S_OK)
				acked[nacked++] = block;
			/* SIGKILL with requests in flight. */
			if (victim > 0 && nacked == kill_after) {
				kill(victim, SIGKILL);
				printf("# killed the backend after %u "
				       "acknowledged writes\n",
				       nacked);
			}
			if (next < max_blocks) {
				uint32_t *d =
					(uint32_t *)(void *)vf_blk_data(&f, s);

				for (unsigned k = 0; k < BLOCK / 4; k++)
					d[k] = next ^ 0x5a5a0000u;
				vf_blk_prepare(&f, 0, s, VIRTIO_BLK_T_OUT,
					       next * 8ull, BLOCK, false);
				next++;
				vf_kick(&f, 0, false);
			}
			continue;
		}
		if (vf_peer_closed(&f, 0) || next >= max_blocks)
			break;
		vf_wait(&f, 0, 100);
	}
	fd = open(disk, O_RDONLY | O_CLOEXEC);
	{
		unsigned bad = 0;
		uint32_t buf[BLOCK / 4];

		for (unsigned i = 0; i < nacked && fd >= 0; i++) {
			if (pread(fd, buf, BLOCK, (off_t)acked[i] * BLOCK) !=
			    BLOCK) {
				bad++;
				continue;
			}
			for (unsigned k = 0; k < BLOCK / 4; k++)
				if (buf[k] != (acked[i] ^ 0x5a5a0000u)) {
					bad++;
					break;
				}
		}
		check(fd >= 0 && nacked > 0 && bad == 0 &&
			      (victim <= 0 || next < max_blocks),
		      "durability: %u writes acknowledged before the backend "
		      "died, %u missing from the file",
		      nacked, bad);
	}
	if (fd >= 0)
		close(fd);
	free(acked);
	vf_close(&f);
	return failures ? 1 : 0;
}

/* --- regions --------------------------------------------------------- */

/* Slot 1's 8 KiB of data straddle the boundary of two regions from two
 * memfds (the second at a non-zero offset), as QEMU's guest memory does
 * when split between memory backends. */
#define SPLIT_AT (VF_DATA_START + SLOT_BYTES + VF_SLOT_DATA + 4096)

static int
front_with(struct vf *f, bool seal, size_t split)
{
	int s = vf_connect(sock_path, 5000);

	if (s < 0)
		return -1;
	if (vf_open_memfd(f, s, MEM_BYTES, SLOT_BYTES, seal) < 0 ||
	    (split && vf_split(f, split, 8192) < 0)) {
		vf_close(f);
		return -1;
	}
	return vf_setup(f, ALL_FEATURES, 1, QSIZE);
}

static void
span_cases(void)
{
	struct vf f;
	uint8_t a[8192], b[8192];
	uint32_t used = 0;
	int st;

	if (front_with(&f, true, SPLIT_AT) < 0) {
		check(false, "regions: set-up with two memfds");
		return;
	}
	fill(a, sizeof(a), 11);
	fill(b, sizeof(b), 12);
	/* Write through the straddling buffer, read back through one
	 * that lies in one region. */
	memcpy(vf_blk_data(&f, 1), a, sizeof(a));
	st = vf_blk_do(&f, 0, 1, VIRTIO_BLK_T_OUT, 1000, 8192, &used, 3000);
	check(st == VIRTIO_BLK_S_OK && used == 1,
	      "regions: write from a buffer across two memfds (status %d)", st);
	memset(vf_blk_data(&f, 3), 0, 8192);
	st = vf_blk_do(&f, 0, 3, VIRTIO_BLK_T_IN, 1000, 8192, NULL, 3000);
	check(st == 0 && !memcmp(vf_blk_data(&f, 3), a, sizeof(a)),
	      "regions: the disk holds both halves of it (status %d)", st);
	/* And the other way: into the straddling buffer. */
	memcpy(vf_blk_data(&f, 3), b, sizeof(b));
	st = vf_blk_do(&f, 0, 3, VIRTIO_BLK_T_OUT, 2000, 8192, NULL, 3000);
	memset(vf_blk_data(&f, 1), 0, 8192);
	st = st ? st
		: vf_blk_do(&f, 0, 1, VIRTIO_BLK_T_IN, 2000, 8192, &used, 3000);
	check(st == 0 && used == 8193 &&
		      !memcmp(vf_blk_data(&f, 1), b, sizeof(b)),
	      "regions: read into a buffer across two memfds (status %d, "
	      "used %u)",
	      st, used);
	check(!memcmp(f.mem + SPLIT_AT, b + 4096, 4096) &&
		      !vf_peer_closed(&f, 0),
	      "regions: its second half landed in the second memfd, "
	      "connection up");
	vf_close(&f);
}

static void
shrink_cases(void)
{
	struct vf f;
	uint16_t used;
	bool closed;
	int st, e;

	/* A sealed memfd (QEMU's memory-backend-memfd default) cannot be
	 * shrunk at all. */
	if (front_with(&f, true, 0) < 0) {
		check(false, "regions: set-up with a sealed memfd");
		return;
	}
	e = ftruncate(f.memfd, VF_DATA_START) < 0 ? errno : 0;
	st = vf_blk_do(&f, 0, 0, VIRTIO_BLK_T_IN, 0, 4096, NULL, 3000);
	check(e == EPERM && st == 0,
	      "regions: shrinking a sealed memfd fails (%s), requests "
	      "served",
	      strerror(e));
	vf_close(&f);

	/* An unsealed one (memory-backend-file) shrunk under a request:
	 * the backend hangs up, without dying of SIGBUS. */
	if (front_with(&f, false, 0) < 0) {
		check(false, "regions: set-up with an unsealed memfd");
		return;
	}
	st = vf_blk_do(&f, 0, 0, VIRTIO_BLK_T_IN, 0, 4096, NULL, 3000);
	vf_blk_prepare(&f, 0, 2, VIRTIO_BLK_T_IN, 0, 4096, false);
	/* Everything past the rings goes: the request's header too. */
	e = ftruncate(f.memfd, VF_DATA_START) < 0 ? errno : 0;
	vf_kick(&f, 0, true);
	closed = vf_peer_closed(&f, 3000);
	used = le16toh(*(uint16_t *)(void *)(f.q[0].used + 2));
	check(st == 0 && e == 0 && closed && used == 1,
	      "regions: an unsealed memfd shrunk under a request: backend "
	      "hung up (%s), request not completed",
	      closed ? "closed" : "still open");
	vf_close(&f);
	closed = front_with(&f, true, 0) == 0 &&
		 vf_blk_do(&f, 0, 0, VIRTIO_BLK_T_IN, 0, 512, NULL, 3000) == 0;
	check(closed, "regions: the next connection is served");
	vf_close(&f);
}

static int
regions(void)
{
	span_cases();
	shrink_cases();
	return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "serial", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },
		{ "kill-pid", required_argument, NULL, 'k' },
		{ "kill-after", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *serial = "bulkhead", *disk = NULL, *cmd;
	bool ro = false;
	int opt;
	long victim = 0, kill_after = 1000;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'r':
			ro = true;
			break;
		case 'i':
			serial = optarg;
			break;
		case 'd':
			disk = optarg;
			break;
		case 'k':
			victim = strtol(optarg, NULL, 10);
			break;
		case 'a':
			kill_after = strtol(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 < argc && !strcmp(argv[optind], "net-check") &&
	    sock_path)
		return net_check(sock_path, argv + optind + 1);
	if (optind + 1 != argc || !sock_path) {
		fprintf(stderr,
			"usage: vu-front --socket PATH "
			"(blk-check [--read-only] [--serial S] | rng-check | "
			"hostile | regions | durability --disk FILE [--kill-pid P --kill-after N] | "
			"net-check BACKEND ARGS...)\n");
		return 2;
	}
	cmd = argv[optind];
	if (!strcmp(cmd, "blk-check"))
		return blk_check(ro, serial);
	if (!strcmp(cmd, "rng-check"))
		return rng_check();
	if (!strcmp(cmd, "hostile"))
		return hostile(true);
	if (!strcmp(cmd, "regions"))
		return regions();
	if (!strcmp(cmd, "durability") && disk)
		return durability(disk, (pid_t)victim, (unsigned)kill_after);
	fprintf(stderr, "vu-front: unknown command %s\n", cmd);
	return 2;
}
