/* libFuzzer harness: the ring walker and the blk request parser on guest
 * memory the fuzzer writes. Byte 0 picks the queue size (2^(b % 11)),
 * byte 1 the features (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC), byte 2 the
 * avail index start; the rest is guest memory from its first byte: the
 * descriptor table at 0, the avail ring right after it, the used ring
 * after that (4-byte aligned), buffers anywhere. Guest memory is two
 * regions adjacent in guest physical space, each a heap block of exactly
 * its size (32 KiB: the largest rings fit in the first), so a buffer may
 * cross from one into the other and any access outside them is an ASan
 * report. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/backends/blk.h"
#include "../../src/backends/rng.h"
#include "../../src/vhost/guestmem.h"
#include "../../src/vhost/virtq.h"
#include "fuzz_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct blk_disk disk;
static struct rng_dev rng;
static struct vq_chain chain;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fuzz_guest g;
	struct virtq q;
	char why[128];

	if (!ready) {
		int fd = memfd_create("fuzz-disk", 0);

		if (fd < 0 || ftruncate(fd, 1 << 20) < 0 ||
		    blk_disk_init(&disk, fd, false, "fuzz", 1, why,
				  sizeof(why)) < 0)
			__builtin_trap();
		ready = true;
	}
	if (size < 3 || fuzz_guest_make(&g, data + 3, size - 3) < 0)
		return 0;
	if (fuzz_guest_ring(&g, &q, data[0], data[2], data[1] & 1,
			    data[1] & 2) == 0) {
		for (int i = 0; i < 64; i++) {
			int64_t w;
			int r = vq_pop(&q, &g.gm, &chain);

			if (r <= 0)
				break;
			w = (data[1] & 4) ? rng_request(&rng, &chain, why,
							sizeof(why))
					  : blk_request(&disk, &chain, why,
							sizeof(why));
			if (w < 0 || (uint64_t)w > chain.in_len)
				break;
			vq_push(&q, chain.head, (uint32_t)w);
			(void)vq_should_notify(&q);
		}
		(void)vq_arm(&q);
	}
	fuzz_guest_free(&g);
	return 0;
}
