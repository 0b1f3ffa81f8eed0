/* Guest memory and a ring for the ring fuzzers (fuzz_virtq, fuzz_net):
 * two regions adjacent in guest physical space from GPA, each a heap
 * block of exactly its size (32 KiB: the largest rings fit in the
 * first), filled from the fuzzer's bytes, so a buffer may cross from one
 * into the other and any access outside them is an ASan report. The
 * ring of 2^(size_byte % 11) entries has its descriptor table at the
 * first byte, the avail ring right after it, the used ring after that
 * (4-byte aligned). */
#ifndef BULKHEAD_FUZZ_GUEST_H
#define BULKHEAD_FUZZ_GUEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/vhost/guestmem.h"
#include "../../src/vhost/virtq.h"

#define FUZZ_GUEST_BYTES (64u << 10)
#define FUZZ_HALF (FUZZ_GUEST_BYTES / 2)
#define FUZZ_GPA 0x10000ull

struct fuzz_guest {
	struct guestmem gm;
	uint8_t *mem, *mem2;
};

/* 0, or -1 when out of memory (the input is skipped). */
static inline int
fuzz_guest_make(struct fuzz_guest *g, const uint8_t *bytes, size_t n)
{
	memset(g, 0, sizeof(*g));
	g->mem = calloc(1, FUZZ_HALF);
	g->mem2 = calloc(1, FUZZ_HALF);
	if (!g->mem || !g->mem2) {
		free(g->mem);
		free(g->mem2);
		return -1;
	}
	memcpy(g->mem, bytes, n < FUZZ_HALF ? n : FUZZ_HALF);
	if (n > FUZZ_HALF)
		memcpy(g->mem2, bytes + FUZZ_HALF,
		       n - FUZZ_HALF < FUZZ_HALF ? n - FUZZ_HALF : FUZZ_HALF);
	g->gm.n = 2;
	g->gm.r[0].d =
		(struct gm_region_desc){ FUZZ_GPA, FUZZ_HALF, FUZZ_GPA, 0 };
	g->gm.r[0].host = g->mem;
	g->gm.r[1].d = (struct gm_region_desc){ FUZZ_GPA + FUZZ_HALF, FUZZ_HALF,
						FUZZ_GPA + FUZZ_HALF, 0 };
	g->gm.r[1].host = g->mem2;
	return 0;
}

/* Attach q: 0, or -1 as vq_attach. */
static inline int
fuzz_guest_ring(struct fuzz_guest *g, struct virtq *q, uint8_t size_byte,
		uint16_t base, bool event_idx, bool indirect)
{
	unsigned n = 1u << (size_byte % 11);
	unsigned avail = 16u * n;
	unsigned used = (avail + 6u + 2u * n + 3u) & ~3u;

	return vq_attach(q, (uint16_t)n, g->mem, g->mem + avail, g->mem + used,
			 base, event_idx, indirect);
}

static inline void
fuzz_guest_free(struct fuzz_guest *g)
{
	free(g->mem);
	free(g->mem2);
}

#endif
