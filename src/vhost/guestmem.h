/* Guest memory as a vhost-user back end sees it: up to GM_REGIONS_MAX
 * regions of the front end's shared memory, each known by its guest
 * physical address (descriptors) and its front-end virtual address (ring
 * addresses). Every access to guest memory goes through gm_gpa_split(),
 * gm_gpa() or gm_uva(): the one place where a guest-chosen range is
 * checked, with overflow-safe arithmetic, to lie inside mapped memory:
 * wholly inside one region, or (gm_gpa_split, for buffers) in a run of
 * regions each starting where the one before ends in guest physical
 * space, cut into one piece per region. */
#ifndef BULKHEAD_GUESTMEM_H
#define BULKHEAD_GUESTMEM_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* VHOST_MEMORY_BASELINE_NREGIONS: what SET_MEM_TABLE can carry. */
#define GM_REGIONS_MAX 8

/* One region as the front end describes it (SET_MEM_TABLE). */
struct gm_region_desc {
	uint64_t gpa;      /* guest physical address of its first byte */
	uint64_t size;     /* bytes */
	uint64_t uva;      /* front end's virtual address of its first byte */
	uint64_t mmap_off; /* offset of its first byte in the region's fd */
};

struct gm_region {
	struct gm_region_desc d;
	uint8_t *host;  /* where d.gpa is mapped in this process */
	void *map_base; /* what mmap returned (covers mmap_off..) */
	size_t map_len;
};

struct guestmem {
	struct gm_region r[GM_REGIONS_MAX];
	unsigned n;
};

/* Check a table of n descriptors: 1..GM_REGIONS_MAX regions, each of
 * non-zero size, with no gpa + size, uva + size or mmap_off + size past
 * 2^64, and no two regions overlapping in guest physical or front-end
 * virtual space. 0, or -1 with the reason in why. */
int gm_table_check(const struct gm_region_desc *d, unsigned n, char *why,
		   size_t whylen);

/* Map a checked table: fds[i] backs d[i]. On success *gm holds the new
 * mappings (the caller unmaps the old table with gm_unmap afterwards, so
 * no ring is ever left pointing at unmapped memory). The fds are not
 * closed. 0, or -1 with why. */
int gm_map(struct guestmem *gm, const struct gm_region_desc *d, const int *fds,
	   unsigned n, char *why, size_t whylen);
void gm_unmap(struct guestmem *gm);

/* Host pointer to [gpa, gpa + len) if it lies wholly in one region, else
 * NULL. len 0 is refused (CVE-2016-6490's zero-length loop). */
void *gm_gpa(const struct guestmem *gm, uint64_t gpa, uint64_t len);

/* One piece of a guest range: inside one region. */
struct gm_piece {
	uint8_t *host;
	uint64_t len;
};

/* [gpa, gpa + len) as pieces p[0..n), in order, each wholly inside one
 * region, the next piece starting in guest physical space where the
 * one before ends (QEMU splits guest RAM into several regions, possibly
 * of different fds, and a guest buffer may cross from one into the
 * next). Returns n (1..max), or -1: len 0, a range that wraps past
 * 2^64, a byte in no region, or more than max pieces. At most one piece
 * per region, as regions do not overlap. */
int gm_gpa_split(const struct guestmem *gm, uint64_t gpa, uint64_t len,
		 struct gm_piece *p, unsigned max);
/* The same for the front end's virtual addresses (ring addresses). */
void *gm_uva(const struct guestmem *gm, uint64_t uva, uint64_t len);

/* Guest memory that goes away under us. A front end can shrink a region's
 * file after SET_MEM_TABLE (a memfd without F_SEAL_SHRINK, a tmpfs or
 * hugetlbfs file of memory-backend-file), or leave a hole a hugetlb page
 * cannot fill: a load or store there is a SIGBUS (preadv, pwritev and
 * getrandom get EFAULT instead). The backend then recovers instead of
 * dying: gm_fault_install() sets a SIGBUS handler (once, before the
 * allowlist: it needs no call of its own, see guestmem.c); a caller
 * about to touch guest memory does
 *
 *	if (sigsetjmp(*gm_fault_env(), 0)) { ...recover... }
 *	gm_fault_arm(gm);
 *	...loads and stores in gm's regions...
 *	gm_fault_disarm();
 *
 * and a SIGBUS inside one of gm's mappings while armed returns from that
 * sigsetjmp with 1 (disarmed). Any other fault still ends the process
 * with SIGBUS; a SIGBUS sent with kill() is ignored. One thread. */
int gm_fault_install(char *why, size_t whylen);
sigjmp_buf *gm_fault_env(void);
void gm_fault_arm(const struct guestmem *gm);
void gm_fault_disarm(void);
/* After a recovered fault: the region, and the offset in its fd. */
void gm_fault_where(unsigned *region, uint64_t *off);

#endif
