/* The ring walker against hostile descriptor tables: the virtio
 * scenarios of ../shared/research/device_bug_classes.md §11.E that a
 * walker alone can meet. Guest memory is a buffer of this process,
 * described to guestmem as two regions with a hole between them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <endian.h>
#include <linux/virtio_ring.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/vhost/guestmem.h"
#include "../../src/vhost/virtq.h"

#define MEM_BYTES (1u << 20)
#define GPA0 0x100000ull /* region 0: [1 MiB, 1.5 MiB) */
#define GPA1 0x200000ull /* region 1: [2 MiB, 2.5 MiB) */
#define HALF (MEM_BYTES / 2)
#define DESC_GPA GPA0
#define AVAIL_GPA (GPA0 + 0x10000)
#define USED_GPA (GPA0 + 0x20000)
#define TABLE_GPA (GPA0 + 0x30000) /* indirect tables */
#define DATA_GPA (GPA1)            /* buffers */

static uint8_t mem[MEM_BYTES] __attribute__((aligned(4096)));
static struct guestmem gm;
static struct virtq q;
static struct vq_chain chain;

static uint8_t *
host(uint64_t gpa)
{
	return gm_gpa(&gm, gpa, 1);
}

static void
set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
	 uint16_t flags, uint16_t next)
{
	struct vring_desc d = { htole64(addr), htole32(len), htole16(flags),
				htole16(next) };

	memcpy(host(table + 16ull * i), &d, sizeof(d));
}

static void
put16(uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(host(gpa), &v, 2);
}

static uint16_t
get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, host(gpa), 2);
	return le16toh(v);
}

/* Make head available as the next avail entry. */
static void
offer(uint16_t head)
{
	uint16_t idx = get16(AVAIL_GPA + 2);

	put16(AVAIL_GPA + 4 + 2u * (idx % q.size), head);
	put16(AVAIL_GPA + 2, (uint16_t)(idx + 1));
}

static int
setup_size(void **state, uint16_t size, bool indirect, bool event_idx)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	memset(&gm, 0, sizeof(gm));
	gm.n = 2;
	gm.r[0].d = (struct gm_region_desc){ GPA0, HALF, 0x7f0000000000ull, 0 };
	gm.r[0].host = mem;
	gm.r[1].d = (struct gm_region_desc){ GPA1, HALF,
					     0x7f0000000000ull + HALF, HALF };
	gm.r[1].host = mem + HALF;
	return vq_attach(&q, size, host(DESC_GPA), host(AVAIL_GPA),
			 host(USED_GPA), 0, event_idx, indirect);
}

static int
setup(void **state)
{
	return setup_size(state, 256, true, false);
}

static void
expect_broken(const char *what)
{
	assert_int_equal(vq_pop(&q, &gm, &chain), -1);
	assert_true(q.broken);
	if (!strstr(q.why, what))
		fail_msg("why \"%s\" lacks \"%s\"", q.why, what);
	/* Broken stays broken: nothing more is taken. */
	assert_int_equal(vq_pop(&q, &gm, &chain), -1);
}

static void
test_good_chain(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 5);
	set_desc(DESC_GPA, 5, DATA_GPA + 512, 4096,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 9);
	set_desc(DESC_GPA, 9, DATA_GPA + 8192, 1, VRING_DESC_F_WRITE, 0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 0); /* nothing offered */
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.head, 0);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 2);
	assert_int_equal(chain.out_len, 16);
	assert_int_equal(chain.in_len, 4097);
	assert_ptr_equal(chain.seg[1].host, host(DATA_GPA + 512));
	assert_int_equal(q.inflight, 1);

	/* The used ring gets the element, then the index. */
	vq_push(&q, chain.head, 4097);
	assert_int_equal(get16(USED_GPA + 2), 1);
	assert_int_equal(le32toh(*(uint32_t *)(void *)host(USED_GPA + 8)),
			 4097);
	assert_int_equal(q.inflight, 0);
	/* A guest scribbling on the used index changes nothing of ours. */
	put16(USED_GPA + 2, 999);
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	vq_push(&q, chain.head, 1);
	assert_int_equal(get16(USED_GPA + 2), 2);
	assert_int_equal(vq_pop(&q, &gm, &chain), 0);
}

static void
test_self_loop(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 64, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_broken("loops");
}

static void
test_three_cycle(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 64, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 64, VRING_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, DATA_GPA, 64, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_broken("loops");
}

/* A chain through every descriptor of the queue is legal. */
static void
test_chain_of_queue_size(void **state)
{
	(void)state;
	for (unsigned i = 0; i < q.size; i++)
		set_desc(DESC_GPA, i, DATA_GPA + i * 16ull, 16,
			 i + 1 < q.size ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nout, q.size);
	assert_int_equal(chain.out_len, 16ull * q.size);
}

static void
test_next_out_of_range(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 64, VRING_DESC_F_NEXT, 256);
	offer(0);
	expect_broken("next 256 out of range");
}

static void
test_bad_head(void **state)
{
	(void)state;
	offer(256);
	expect_broken("index 256 is available");
	setup(state);
	offer(0xffff);
	expect_broken("index 65535");
}

static void
test_avail_jump(void **state)
{
	(void)state;
	put16(AVAIL_GPA + 2, 0x8000);
	expect_broken("moved avail index");
	/* Backwards: one less than where we stand. */
	setup(state);
	put16(AVAIL_GPA + 2, 0xffff);
	expect_broken("moved avail index");
	/* Exactly a queue's worth is fine. */
	setup(state);
	set_desc(DESC_GPA, 0, DATA_GPA, 64, 0, 0);
	put16(AVAIL_GPA + 2, 256);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
}

static void
test_zero_length(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 0, 0, 0);
	offer(0);
	expect_broken("zero-length");
}

static void
test_address_wrap(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	offer(0);
	expect_broken("outside guest memory");
}

static void
test_huge_lengths(void **state)
{
	(void)state;
	/* 4 GiB - 1 from inside a region. */
	set_desc(DESC_GPA, 0, GPA1 + 4096, 0xffffffffu, 0, 0);
	offer(0);
	expect_broken("outside guest memory");
	/* One byte past the end of a region, and across the hole. */
	setup(state);
	set_desc(DESC_GPA, 0, GPA0 + HALF - 16, 17, 0, 0);
	offer(0);
	expect_broken("outside guest memory");
	/* Segments of a whole region each: the sums are 64-bit. */
	setup(state);
	for (unsigned i = 0; i < 4; i++)
		set_desc(DESC_GPA, i, GPA1, HALF, i < 3 ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.out_len, 4ull * HALF);
}

static void
test_bad_order(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 64,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 64, 0, 0);
	offer(0);
	expect_broken("readable descriptor after");
}

static void
test_indirect_good(void **state)
{
	(void)state;
	set_desc(TABLE_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(TABLE_GPA, 2, DATA_GPA + 64, 512,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(TABLE_GPA, 1, DATA_GPA + 4096, 1, VRING_DESC_F_WRITE, 0);
	set_desc(DESC_GPA, 7, TABLE_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(7);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.head, 7);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 2);
	assert_int_equal(chain.in_len, 513);
}

static void
test_indirect_sizes(void **state)
{
	static const uint32_t bad[] = { 0, 17, 8, 16u * 65537u,
					16u * (VQ_SIZE_MAX + 1) };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		set_desc(DESC_GPA, 0, TABLE_GPA, bad[i], VRING_DESC_F_INDIRECT,
			 0);
		offer(0);
		expect_broken("indirect table of");
	}
	/* A table reaching outside guest memory. */
	setup(state);
	set_desc(DESC_GPA, 0, GPA0 + HALF - 32, 64, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("indirect table outside");
}

static void
test_indirect_abuse(void **state)
{
	/* Nested. */
	set_desc(TABLE_GPA, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	set_desc(DESC_GPA, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("nested");
	/* INDIRECT | NEXT. */
	setup(state);
	set_desc(TABLE_GPA, 0, DATA_GPA, 16, 0, 0);
	set_desc(DESC_GPA, 0, TABLE_GPA, 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0);
	expect_broken("with NEXT");
	/* An indirect descriptor after a direct one. */
	setup(state);
	set_desc(DESC_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("inside a chain");
	/* next past the table's own entries (the queue has more). */
	setup(state);
	set_desc(TABLE_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("next 2 out of range (2 entries)");
	/* A loop inside the table. */
	setup(state);
	set_desc(TABLE_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(TABLE_GPA, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0);
	set_desc(DESC_GPA, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("loops");
	/* Not negotiated. */
	setup_size(state, 256, false, false);
	set_desc(DESC_GPA, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("not negotiated");
}

static void
test_queue_sizes(void **state)
{
	static const unsigned bad[] = { 0, 3, 2048, 32768, 32769, 65535 };
	static const unsigned good[] = { 1, 2, 256, VQ_SIZE_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(vq_size_ok(bad[i]));
		assert_int_equal(
			setup_size(state, (uint16_t)bad[i], true, false), -1);
		/* A queue that failed to attach gives nothing. */
		assert_int_equal(vq_pop(&q, &gm, &chain), -1);
	}
	assert_false(vq_size_ok(65536));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(
			setup_size(state, (uint16_t)good[i], true, false), 0);
}

static void
test_misaligned_rings(void **state)
{
	setup(state);
	assert_int_equal(vq_attach(&q, 16, host(DESC_GPA + 8), host(AVAIL_GPA),
				   host(USED_GPA), 0, false, false),
			 -1);
	assert_int_equal(vq_attach(&q, 16, host(DESC_GPA), host(AVAIL_GPA + 1),
				   host(USED_GPA), 0, false, false),
			 -1);
	assert_int_equal(vq_attach(&q, 16, host(DESC_GPA), host(AVAIL_GPA),
				   host(USED_GPA + 2), 0, false, false),
			 -1);
	assert_int_equal(vq_attach(&q, 16, NULL, host(AVAIL_GPA),
				   host(USED_GPA), 0, false, false),
			 -1);
}

/* More requests than the queue holds, never completed (CVE-2016-5403). */
static void
test_inflight_cap(void **state)
{
	setup_size(state, 4, true, false);
	set_desc(DESC_GPA, 0, DATA_GPA, 16, 0, 0);
	for (int i = 0; i < 4; i++) {
		offer(0);
		assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	}
	offer(0);
	expect_broken("in flight");
}

static void
test_event_idx(void **state)
{
	setup_size(state, 16, true, true);
	set_desc(DESC_GPA, 0, DATA_GPA, 16, 0, 0);
	/* used_event = 1: the driver wants an interrupt once used passes 1. */
	put16(AVAIL_GPA + 4 + 2 * 16, 1);
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	vq_push(&q, 0, 0);
	assert_true(vq_should_notify(&q)); /* the first one always */
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	vq_push(&q, 0, 0); /* used 1 -> 2 crosses used_event 1 */
	assert_true(vq_should_notify(&q));
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	vq_push(&q, 0, 0); /* 2 -> 3 does not */
	assert_false(vq_should_notify(&q));
	/* Arming publishes avail_event and sees nothing new. */
	assert_false(vq_arm(&q));
	assert_int_equal(get16(USED_GPA + 4 + 8 * 16), 3);
	offer(0);
	assert_true(vq_arm(&q));
}

static void
test_no_interrupt_flag(void **state)
{
	(void)state;
	set_desc(DESC_GPA, 0, DATA_GPA, 16, 0, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	vq_push(&q, 0, 0);
	assert_true(vq_should_notify(&q));
	put16(AVAIL_GPA, VRING_AVAIL_F_NO_INTERRUPT);
	assert_false(vq_should_notify(&q));
}

static void
test_table_check(void **state)
{
	struct gm_region_desc d[GM_REGIONS_MAX + 1];
	char why[128];

	(void)state;
	memset(d, 0, sizeof(d));
	d[0] = (struct gm_region_desc){ 0, 4096, 0x1000, 0 };
	d[1] = (struct gm_region_desc){ 8192, 4096, 0x9000, 0 };
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), 0);
	assert_int_equal(gm_table_check(d, 0, why, sizeof(why)), -1);
	assert_int_equal(
		gm_table_check(d, GM_REGIONS_MAX + 1, why, sizeof(why)), -1);
	/* Overlap in guest physical space, then in front-end space. */
	d[1].gpa = 4095;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "overlap"));
	d[1].gpa = 8192;
	d[1].uva = 0x1fff;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
	d[1].uva = 0x9000;
	/* Empty, and wrapping past 2^64 in each address. */
	d[1].size = 0;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
	d[1].size = 4096;
	d[1].gpa = UINT64_MAX - 100;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
	d[1].gpa = 8192;
	d[1].uva = UINT64_MAX - 4094;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
	d[1].uva = 0x9000;
	d[1].mmap_off = UINT64_MAX;
	assert_int_equal(gm_table_check(d, 2, why, sizeof(why)), -1);
}

static void
test_lookup_edges(void **state)
{
	(void)state;
	assert_null(gm_gpa(&gm, GPA0, 0));
	assert_non_null(gm_gpa(&gm, GPA0, HALF));
	assert_null(gm_gpa(&gm, GPA0, HALF + 1));
	assert_null(gm_gpa(&gm, GPA0 - 1, 2));
	assert_non_null(gm_gpa(&gm, GPA0 + HALF - 1, 1));
	assert_null(gm_gpa(&gm, GPA0 + HALF, 1)); /* the hole */
	assert_null(gm_gpa(&gm, UINT64_MAX, 1));
	assert_null(gm_gpa(&gm, GPA1 + 1, UINT64_MAX));
	assert_non_null(gm_uva(&gm, 0x7f0000000000ull, 16));
	assert_null(gm_uva(&gm, 0x7f0000000000ull - 1, 16));
}

/* Guest memory that QEMU splits into several regions (NUMA nodes, DIMMs,
 * memory below and above a hole), each its own fd at its own offset: a
 * buffer may run from one region into the next one that starts where
 * it ends. Regions A, B and C follow each other in guest physical space
 * but are listed out of order and live at unrelated places of this
 * process (here: inside the data half of mem). */
#define SPAN_A 0x400000ull /* [4 MiB, 4 MiB + 64 KiB) */
#define SPAN_B (SPAN_A + 0x10000)
#define SPAN_C (SPAN_B + 0x10000) /* 4 KiB */
#define SPAN_HOST_A (HALF + 0x50000)
#define SPAN_HOST_B (HALF + 0x10000)
#define SPAN_HOST_C (HALF + 0x70000)

static void
add_region(uint64_t gpa, uint64_t size, size_t host_off)
{
	struct gm_region *r = &gm.r[gm.n];

	r->d = (struct gm_region_desc){ gpa, size, 0x7e0000000000ull + gpa,
					host_off };
	r->host = mem + host_off;
	gm.n++;
}

static int
setup_span(void **state)
{
	int rc = setup(state);

	add_region(SPAN_B, 0x10000, SPAN_HOST_B);
	add_region(SPAN_C, 0x1000, SPAN_HOST_C);
	add_region(SPAN_A, 0x10000, SPAN_HOST_A);
	return rc;
}

/* A read request: header, then one device-writable buffer of len bytes
 * at gpa, then the status byte. */
static void
offer_read(uint64_t gpa, uint32_t len)
{
	set_desc(DESC_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, gpa, len, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 2);
	set_desc(DESC_GPA, 2, DATA_GPA + 8192, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
}

static void
test_span_two_regions(void **state)
{
	(void)state;
	/* 100 bytes at the end of A, 200 at the start of B. */
	offer_read(SPAN_B - 100, 300);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 3); /* two pieces, then the status */
	assert_int_equal(chain.in_len, 301);
	assert_ptr_equal(chain.seg[1].host, mem + SPAN_HOST_A + 0x10000 - 100);
	assert_int_equal(chain.seg[1].len, 100);
	assert_ptr_equal(chain.seg[2].host, mem + SPAN_HOST_B);
	assert_int_equal(chain.seg[2].len, 200);
	assert_ptr_equal(chain.seg[3].host, host(DATA_GPA + 8192));
	assert_int_equal(chain.seg[3].len, 1);
	/* Exactly up to the end of A, and exactly from the start of B: one
	 * piece each. */
	vq_push(&q, chain.head, 1);
	offer_read(SPAN_B - 100, 100);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nin, 2);
	vq_push(&q, chain.head, 1);
	offer_read(SPAN_B, 0x10000);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nin, 2);
	assert_ptr_equal(chain.seg[1].host, mem + SPAN_HOST_B);
}

static void
test_span_three_regions(void **state)
{
	(void)state;
	/* The last byte of A, all of B, the first 10 bytes of C. */
	offer_read(SPAN_B - 1, 1 + 0x10000 + 10);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nin, 4);
	assert_int_equal(chain.in_len, 1 + 0x10000 + 10 + 1);
	assert_ptr_equal(chain.seg[1].host, mem + SPAN_HOST_A + 0xffff);
	assert_int_equal(chain.seg[1].len, 1);
	assert_ptr_equal(chain.seg[2].host, mem + SPAN_HOST_B);
	assert_int_equal(chain.seg[2].len, 0x10000);
	assert_ptr_equal(chain.seg[3].host, mem + SPAN_HOST_C);
	assert_int_equal(chain.seg[3].len, 10);
}

static void
test_span_past_last_region(void **state)
{
	(void)state;
	/* C is followed by nothing: one byte past it is refused. */
	offer_read(SPAN_C, 0x1001);
	expect_broken("outside guest memory");
}

static void
test_span_gap_of_one_byte(void **state)
{
	(void)state;
	/* Move C one byte up: B and C no longer touch. */
	for (unsigned i = 0; i < gm.n; i++)
		if (gm.r[i].d.gpa == SPAN_C)
			gm.r[i].d.gpa = SPAN_C + 1;
	offer_read(SPAN_C - 16, 32);
	expect_broken("outside guest memory");
}

static void
test_span_wrap(void **state)
{
	(void)state;
	/* A region that ends at 2^64 (gm_table_check would refuse it) and
	 * one at 0: a buffer running off the top never continues at the
	 * bottom. */
	gm.n = 2;
	add_region(0, 0x1000, HALF + 0x1000);
	add_region(UINT64_MAX - 0xfff, 0x1000, HALF + 0x3000);
	offer_read(UINT64_MAX - 0xf, 0x20);
	expect_broken("outside guest memory");
}

static void
test_span_too_many_pieces(void **state)
{
	(void)state;
	/* 600 descriptors of an indirect table, each across A|B: 1200
	 * pieces, more than a chain holds. */
	for (unsigned i = 0; i < 600; i++)
		set_desc(TABLE_GPA, i, SPAN_B - 8, 16,
			 VRING_DESC_F_WRITE | (i < 599 ? VRING_DESC_F_NEXT : 0),
			 (uint16_t)(i + 1));
	set_desc(DESC_GPA, 0, TABLE_GPA, 600 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("too many segments");
}

static void
test_span_indirect_table(void **state)
{
	uint64_t table = SPAN_B - 40; /* entry 2 straddles A|B */
	struct vring_desc d[3] = {
		{ htole64(DATA_GPA), htole32(16), htole16(VRING_DESC_F_NEXT),
		  htole16(1) },
		{ htole64(SPAN_B - 4), htole32(12),
		  htole16(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE), htole16(2) },
		{ htole64(DATA_GPA + 8192), htole32(1),
		  htole16(VRING_DESC_F_WRITE), 0 },
	};

	(void)state;
	memcpy(mem + SPAN_HOST_A + 0x10000 - 40, d, 40);
	memcpy(mem + SPAN_HOST_B, (uint8_t *)d + 40, 8);
	set_desc(DESC_GPA, 0, table, sizeof(d), VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &gm, &chain), 1);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 3);
	assert_ptr_equal(chain.seg[1].host, mem + SPAN_HOST_A + 0xfffc);
	assert_int_equal(chain.seg[1].len, 4);
	assert_ptr_equal(chain.seg[2].host, mem + SPAN_HOST_B);
	assert_int_equal(chain.seg[2].len, 8);
	assert_ptr_equal(chain.seg[3].host, host(DATA_GPA + 8192));
}

static void
test_span_rings_stay_in_one_region(void **state)
{
	(void)state;
	/* Rings are found by front-end address, each in one region (see
	 * vu_dev.c): adjacent front-end ranges do not make one ring. */
	assert_non_null(gm_uva(&gm, 0x7e0000000000ull + SPAN_B - 16, 16));
	assert_null(gm_uva(&gm, 0x7e0000000000ull + SPAN_B - 16, 32));
	/* Adjacent regions are a legal table. */
	{
		struct gm_region_desc t[3];
		char why[128];

		for (unsigned i = 0; i < 3; i++)
			t[i] = gm.r[2 + i].d;
		assert_int_equal(gm_table_check(t, 3, why, sizeof(why)), 0);
	}
}

/* A region whose file shrinks under us: a load there comes back through
 * the guard's sigsetjmp, and the fault is placed in the right region; a
 * raised SIGBUS does not jump, and a fault while disarmed still ends the
 * process with SIGBUS. */
static void
test_fault_guard(void **state)
{
	struct gm_region_desc d[2] = {
		{ 0, 8192, 0x1000000, 0 },
		{ 8192, 8192, 0x2000000, 4096 },
	};
	struct guestmem g;
	volatile int faults = 0;
	volatile uint8_t sink = 0;
	unsigned region = 99;
	uint64_t off = 0;
	int fds[2], st = 0;
	char why[128];
	pid_t pid;

	(void)state;
	fds[0] = memfd_create("gm-a", 0);
	fds[1] = memfd_create("gm-b", 0);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(ftruncate(fds[0], 8192), 0);
	assert_int_equal(ftruncate(fds[1], 4096 + 8192), 0);
	assert_int_equal(gm_map(&g, d, fds, 2, why, sizeof(why)), 0);
	assert_int_equal(gm_fault_install(why, sizeof(why)), 0);
	/* Region 1's file loses its last page. */
	assert_int_equal(ftruncate(fds[1], 4096 + 4096), 0);
	if (sigsetjmp(*gm_fault_env(), 0) == 0) {
		gm_fault_arm(&g);
		sink = *(volatile uint8_t *)gm_gpa(&g, 8192 + 100, 1);
		sink = *(volatile uint8_t *)gm_gpa(&g, 8192 + 4096 + 8, 1);
		gm_fault_disarm();
	} else {
		faults++;
	}
	(void)sink;
	assert_int_equal(faults, 1);
	gm_fault_where(&region, &off);
	assert_int_equal(region, 1);
	assert_int_equal(off, 4096 + 4096 + 8);
	/* A SIGBUS sent while armed is no fault in guest memory: no jump. */
	faults = 0;
	if (sigsetjmp(*gm_fault_env(), 0) == 0) {
		gm_fault_arm(&g);
		raise(SIGBUS);
		gm_fault_disarm();
	} else {
		faults++;
	}
	assert_int_equal(faults, 0);
	/* Disarmed again: the same load, not under the guard, still ends
	 * the process with SIGBUS (a bug of ours, as without the guard). */
	pid = fork();
	if (pid == 0) {
		sink = *(volatile uint8_t *)gm_gpa(&g, 8192 + 4096 + 8, 1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
	gm_unmap(&g);
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_chain, setup),
		cmocka_unit_test_setup(test_self_loop, setup),
		cmocka_unit_test_setup(test_three_cycle, setup),
		cmocka_unit_test_setup(test_chain_of_queue_size, setup),
		cmocka_unit_test_setup(test_next_out_of_range, setup),
		cmocka_unit_test_setup(test_bad_head, setup),
		cmocka_unit_test_setup(test_avail_jump, setup),
		cmocka_unit_test_setup(test_zero_length, setup),
		cmocka_unit_test_setup(test_address_wrap, setup),
		cmocka_unit_test_setup(test_huge_lengths, setup),
		cmocka_unit_test_setup(test_bad_order, setup),
		cmocka_unit_test_setup(test_indirect_good, setup),
		cmocka_unit_test_setup(test_indirect_sizes, setup),
		cmocka_unit_test_setup(test_indirect_abuse, setup),
		cmocka_unit_test(test_queue_sizes),
		cmocka_unit_test(test_misaligned_rings),
		cmocka_unit_test(test_inflight_cap),
		cmocka_unit_test(test_event_idx),
		cmocka_unit_test_setup(test_no_interrupt_flag, setup),
		cmocka_unit_test(test_table_check),
		cmocka_unit_test_setup(test_lookup_edges, setup),
		cmocka_unit_test_setup(test_span_two_regions, setup_span),
		cmocka_unit_test_setup(test_span_three_regions, setup_span),
		cmocka_unit_test_setup(test_span_past_last_region, setup_span),
		cmocka_unit_test_setup(test_span_gap_of_one_byte, setup_span),
		cmocka_unit_test_setup(test_span_wrap, setup_span),
		cmocka_unit_test_setup(test_span_too_many_pieces, setup_span),
		cmocka_unit_test_setup(test_span_indirect_table, setup_span),
		cmocka_unit_test_setup(test_span_rings_stay_in_one_region,
				       setup_span),
		cmocka_unit_test(test_fault_guard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
