/* The tenant policy: how large a VM a config that a non-root user owns
 * may ask for, how many VMs that owner may have, which bridges its
 * vifs may join and which addresses they may claim. Root's configs are not limited by it.
 *
 * The file, BH_POLICY_PATH, is in the VM config's syntax (cfgfile.h),
 * read in order:
 *
 *   max_memory = 2048       # MiB of guest memory per VM
 *   max_vcpus = 2
 *   max_pids_max = 512      # the highest pids_max a config may give
 *   max_cpu_weight = 100    # the highest cpu_weight
 *   max_vms = 2             # VMs the owner may have at once
 *   bridges = [ "br-ten" ]  # [] = no network
 *   addresses = [ "10.0.5.0/28", "fd00:5::/124" ]
 *                           # the ip= a vif may claim; none: no vif
 *   cpus = "2-7"            # the host CPUs its VMs may run on (xl's
 *                           # cpus syntax; built-in: every CPU)
 *
 *   user = "alice"          # a rule: the keys after it, up to the next
 *   max_memory = 8192       # rule, apply to alice's configs
 *   group = "students"      # a rule for the members of a group
 *   max_vms = 1
 *
 * Keys before the first rule are the defaults for every non-root owner;
 * a key no default sets has its built-in value (POLICY_BUILTIN_*). An
 * owner gets its user rule if there is one, else the first group rule
 * (in file order) naming one of its groups, else the defaults; a key that
 * rule does not set comes from the defaults. A key given twice in one
 * part, an unknown key, a number out of range, a user or group with no
 * account, two rules for one user: the file is refused, and so is every
 * tenant's config while it is (never "unlimited"). No file at all: the
 * built-in values, which are small on purpose. */
#ifndef BULKHEAD_POLICY_H
#define BULKHEAD_POLICY_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../host/safe_who.h"
#include "cfgfile.h"
#include "cpuset.h"
#include "prefix.h"

#define BH_POLICY_PATH "/etc/bulkhead/policy.cfg"

#define POLICY_RULES_MAX 64
#define POLICY_BRIDGES_MAX 16
#define POLICY_NAME_MAX 32
#define POLICY_ADDRS_MAX 16

enum policy_limit {
	PL_MEMORY,
	PL_VCPUS,
	PL_PIDS_MAX,
	PL_CPU_WEIGHT,
	PL_VMS,
	PL_COUNT
};

/* The built-in values: one small VM, no network. */
#define POLICY_BUILTIN_MEMORY 1024
#define POLICY_BUILTIN_VCPUS 1
#define POLICY_BUILTIN_PIDS_MAX 512
#define POLICY_BUILTIN_CPU_WEIGHT 100
#define POLICY_BUILTIN_VMS 1

/* Values of the limits and bridges, each with the line that set it (0:
 * not set in this part of the file). */
struct policy_set {
	unsigned max[PL_COUNT];
	int line[PL_COUNT];
	char bridges[POLICY_BRIDGES_MAX][IFNAMSIZ];
	size_t nbridges;
	int bridges_line;
	struct cpuset_spec cpus;
	int cpus_line;
	struct ip_prefix addrs[POLICY_ADDRS_MAX];
	size_t naddrs;
	int addrs_line;
};

struct policy_rule {
	bool group;
	uid_t uid; /* user rule */
	gid_t gid; /* group rule */
	char name[POLICY_NAME_MAX + 1];
	int line;
	struct policy_set set;
};

struct policy {
	char file[PATH_MAX];
	bool present; /* false: no policy file, built-in values */
	struct policy_set defaults;
	struct policy_rule rules[POLICY_RULES_MAX];
	size_t nrules;
};

/* What one owner gets: every limit, its value and where it came from. */
struct policy_limits {
	unsigned max[PL_COUNT];
	char from[PL_COUNT][PATH_MAX + 96];
	const char (*bridges)[IFNAMSIZ];
	size_t nbridges;
	char bridges_from[PATH_MAX + 96];
	const struct cpuset_spec *cpus; /* NULL: every CPU */
	char cpus_from[PATH_MAX + 96];
	const struct ip_prefix *addrs; /* none: a vif on a bridge is refused */
	size_t naddrs;
	char addrs_from[PATH_MAX + 96];
};

/* The policy key of a limit ("max_memory", ...). */
const char *policy_key(enum policy_limit l);

/* Parse policy text from file fname. 0, or -1 with err->msg naming the
 * file and line. */
int policy_parse(const char *text, size_t len, const char *fname,
		 struct policy *p, struct cfg_error *err);

/* Read and parse path: it must be a regular file owned by root that
 * group and others cannot write, reached through directories only root
 * writes (safe_open.h's walk). No file: 0 with p->present false. -1 with
 * err->msg otherwise. */
int policy_load(const char *path, struct policy *p, struct cfg_error *err);

/* The limits of who (a config's owner). A uid with no account matches
 * no rule: its groups are not known. */
void policy_limits_of(const struct policy *p, const struct safe_who *who,
		      struct policy_limits *out);

struct vm_config;
/* Whether a config that who owns is within the limits l gives who (the
 * VM count aside): memory, vcpus, pids_max, cpu_weight, memory_overhead
 * no more than its default, and every vif on a bridge l grants, with
 * ip= within the addresses l grants and a mac=, if any, that is locally
 * administered. 0, or -1
 * with err->msg naming the config's line, the value, the limit and where
 * the limit was set. */
int policy_check_config(const struct vm_config *cfg,
			const struct policy_limits *l, struct cfg_error *err);
/* A tenant's CPUs, on a host with these online: a config's cpus must
 * be within the CPUs l grants, and a config with none is confined to
 * them (*out: the CPUs the VM gets, as a spec; given is false when
 * neither limits them). 0, or -1 with err->msg as above. */
int policy_check_cpus(const struct vm_config *cfg,
		      const struct policy_limits *l,
		      const uint64_t online[CPUSET_WORDS],
		      struct cpuset_spec *out, struct cfg_error *err);
/* Whether who may have one VM more than the n it has. */
int policy_check_count(const struct vm_config *cfg,
		       const struct policy_limits *l, unsigned n,
		       struct cfg_error *err);

/* Whether a policy lets the owner's vifs join bridge. */
bool policy_bridge_granted(const struct policy_limits *l, const char *bridge);
/* Whether a policy lets the owner's vifs claim ip. */
bool policy_addr_granted(const struct policy_limits *l,
			 const struct vif_ip *ip);

#endif
