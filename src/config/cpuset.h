/* xl.cfg's cpus: the host CPUs a VM's device model may run on. xl pins
 * each vCPU; bulkhead confines the whole device model (its vCPU and I/O
 * threads) through the cpuset controller of the VM's cgroup, which a
 * compromised QEMU cannot widen with sched_setaffinity. Parsing is pure;
 * only cpuset_online() reads the host. */
#ifndef BULKHEAD_CPUSET_H
#define BULKHEAD_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUSET_MAX 1024 /* CPUs 0..1023 */
#define CPUSET_WORDS (CPUSET_MAX / 64)
/* "0-1023" style lists: at worst every other CPU, "0,2,4,...". */
#define CPUSET_LIST_MAX 4096

struct cpuset_spec {
	bool given;    /* a cpus key other than "all" */
	bool from_all; /* starts from every online CPU ("^N" first, "all") */
	uint64_t set[CPUSET_WORDS];   /* after the spec's adds and removes */
	uint64_t named[CPUSET_WORDS]; /* CPUs it adds by number */
};

/* One xl cpus string: "all", or items "N", "N-M", "^N", "^N-M" joined
 * by ','. An exclusion first starts from all CPUs, as xl's does.
 * "nodes:" (NUMA) is refused with why. 0 or -1 with why. */
int cpuset_parse(const char *s, struct cpuset_spec *out, char *why,
		 size_t whylen);
/* Whether two specs give the same CPUs on every host. */
bool cpuset_same(const struct cpuset_spec *a, const struct cpuset_spec *b);
/* A kernel CPU list ("0-3,5\n", as /sys and cpuset files have it) into
 * bits. 0 or -1. */
int cpuset_list_parse(const char *s, uint64_t bits[CPUSET_WORDS]);
/* bits as a kernel CPU list; "" for none. */
void cpuset_format(const uint64_t bits[CPUSET_WORDS], char *buf, size_t len);
/* The CPUs the spec gives on a host with these online: a CPU it names
 * that is not online, or an empty result, is refused with why. */
int cpuset_resolve(const struct cpuset_spec *s,
		   const uint64_t online[CPUSET_WORDS],
		   uint64_t out[CPUSET_WORDS], char *why, size_t whylen);
/* The host's online CPUs, from /sys/devices/system/cpu/online. 0/-1. */
int cpuset_online(uint64_t bits[CPUSET_WORDS]);

#endif
