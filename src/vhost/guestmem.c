#include "guestmem.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>

/* [a, a + alen) and [b, b + blen) overlap; both ranges already known
 * not to wrap. */
static bool
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int
gm_table_check(const struct gm_region_desc *d, unsigned n, char *why,
	       size_t whylen)
{
	if (n == 0 || n > GM_REGIONS_MAX) {
		snprintf(why, whylen, "memory table with %u regions (1..%d)", n,
			 GM_REGIONS_MAX);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t sz = d[i].size;

		if (sz == 0) {
			snprintf(why, whylen, "memory region %u is empty", i);
			return -1;
		}
		if (d[i].gpa > UINT64_MAX - sz || d[i].uva > UINT64_MAX - sz ||
		    d[i].mmap_off > UINT64_MAX - sz ||
		    d[i].mmap_off + sz > (uint64_t)SIZE_MAX) {
			snprintf(why, whylen,
				 "memory region %u wraps past 2^64", i);
			return -1;
		}
		for (unsigned j = 0; j < i; j++) {
			if (overlaps(d[i].gpa, sz, d[j].gpa, d[j].size) ||
			    overlaps(d[i].uva, sz, d[j].uva, d[j].size)) {
				snprintf(why, whylen,
					 "memory regions %u and %u overlap", j,
					 i);
				return -1;
			}
		}
	}
	return 0;
}

int
gm_map(struct guestmem *gm, const struct gm_region_desc *d, const int *fds,
       unsigned n, char *why, size_t whylen)
{
	struct guestmem fresh;

	memset(&fresh, 0, sizeof(fresh));
	if (gm_table_check(d, n, why, whylen) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct gm_region *r = &fresh.r[i];
		size_t len = (size_t)(d[i].mmap_off + d[i].size);
		struct stat st;
		void *p;

		/* Mapping past the end of the file would turn the first
		 * guest access there into SIGBUS. */
		if (fstat(fds[i], &st) < 0 || st.st_size < 0 ||
		    (uint64_t)st.st_size < d[i].mmap_off + d[i].size) {
			snprintf(why, whylen,
				 "memory region %u is larger than its file", i);
			gm_unmap(&fresh);
			return -1;
		}
		/* From offset 0, as the offset need not be page aligned;
		 * never executable. */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i],
			 0);
		if (p == MAP_FAILED) {
			snprintf(why, whylen, "mmap region %u: %s", i,
				 strerror(errno));
			gm_unmap(&fresh);
			return -1;
		}
		r->d = d[i];
		r->map_base = p;
		r->map_len = len;
		r->host = (uint8_t *)p + d[i].mmap_off;
		fresh.n = i + 1;
	}
	*gm = fresh;
	return 0;
}

void
gm_unmap(struct guestmem *gm)
{
	for (unsigned i = 0; i < gm->n && i < GM_REGIONS_MAX; i++)
		if (gm->r[i].map_base)
			munmap(gm->r[i].map_base, gm->r[i].map_len);
	memset(gm, 0, sizeof(*gm));
}

/* The one range check. base is the region's start in the address space
 * asked about (gpa or uva). The host address of addr, with in *room the
 * bytes of its region from addr on (at least 1); NULL if addr is in no
 * region. */
static uint8_t *
find(const struct guestmem *gm, uint64_t addr, bool by_uva, uint64_t *room)
{
	for (unsigned i = 0; i < gm->n && i < GM_REGIONS_MAX; i++) {
		const struct gm_region *r = &gm->r[i];
		uint64_t base = by_uva ? r->d.uva : r->d.gpa;
		uint64_t off;

		if (addr < base)
			continue;
		off = addr - base;
		if (off >= r->d.size)
			continue;
		*room = r->d.size - off;
		return r->host + off;
	}
	return NULL;
}

static void *
lookup(const struct guestmem *gm, uint64_t addr, uint64_t len, bool by_uva)
{
	uint64_t room;
	uint8_t *h;

	if (len == 0)
		return NULL;
	h = find(gm, addr, by_uva, &room);
	/* len <= room: [addr, addr + len) inside the region, no wrap. */
	return h && len <= room ? h : NULL;
}

int
gm_gpa_split(const struct guestmem *gm, uint64_t gpa, uint64_t len,
	     struct gm_piece *p, unsigned max)
{
	unsigned n = 0;

	/* The last byte, gpa + len - 1, must not wrap: a range running off
	 * the top never continues at guest physical address 0. */
	if (len == 0 || len - 1 > UINT64_MAX - gpa)
		return -1;
	while (len) {
		uint64_t room, take;
		uint8_t *h = find(gm, gpa, false, &room);

		if (!h || n >= max)
			return -1;
		take = len < room ? len : room;
		p[n].host = h;
		p[n].len = take;
		n++;
		len -= take;
		/* No wrap: take <= len before, and gpa + len - 1 fits. The
		 * next piece starts exactly at this region's end; only a
		 * region that begins there can hold it (they never
		 * overlap). */
		gpa += take;
	}
	return (int)n;
}

void *
gm_gpa(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	return lookup(gm, gpa, len, false);
}

void *
gm_uva(const struct guestmem *gm, uint64_t uva, uint64_t len)
{
	return lookup(gm, uva, len, true);
}

/* The SIGBUS guard. The handler runs on the faulting thread, in the
 * middle of a load or store into guest memory; it only reads the armed
 * table (set before, never changed while armed) and jumps out. No
 * syscall: sigsetjmp(.., 0) saves no signal mask and siglongjmp restores
 * none, and SA_NODEFER keeps SIGBUS unblocked in the handler, so leaving
 * it by a jump leaves the mask as it was (SIGTERM stays blocked outside
 * the wait, serve.c) and a later SIGBUS is caught again. */
static sigjmp_buf fault_env;
static const struct guestmem *volatile fault_gm;
static volatile unsigned fault_region;
static volatile uint64_t fault_off;

static void
on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	const struct guestmem *gm = fault_gm;
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)sig;
	/* Only a fault of ours (si_code > 0: the kernel's BUS_ codes); a
	 * SIGBUS someone sent has no address worth trusting. */
	for (unsigned i = 0;
	     si->si_code > 0 && gm && i < gm->n && i < GM_REGIONS_MAX; i++) {
		uintptr_t base = (uintptr_t)gm->r[i].map_base;

		if (!base || a < base || a - base >= gm->r[i].map_len)
			continue;
		fault_gm = NULL;
		fault_region = i;
		fault_off = (uint64_t)(a - base);
		siglongjmp(fault_env, 1);
	}
	/* Not guest memory, or not while serving: a bug of ours, which must
	 * still end the process with SIGBUS, as without the guard. Return
	 * with SIGBUS blocked in the mask rt_sigreturn restores: the access
	 * runs again, and the kernel delivers a fault signal that is
	 * blocked with its default action (force_sig_fault), no call of
	 * ours needed. A SIGBUS sent with kill() has no access to run
	 * again: it is ignored. */
	if (si->si_code > 0)
		sigaddset(&((ucontext_t *)ctx)->uc_sigmask, SIGBUS);
}

int
gm_fault_install(char *why, size_t whylen)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) < 0) {
		snprintf(why, whylen, "SIGBUS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

sigjmp_buf *
gm_fault_env(void)
{
	return &fault_env;
}

void
gm_fault_arm(const struct guestmem *gm)
{
	fault_gm = gm;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void
gm_fault_disarm(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	fault_gm = NULL;
}

void
gm_fault_where(unsigned *region, uint64_t *off)
{
	*region = fault_region;
	*off = fault_off;
}
