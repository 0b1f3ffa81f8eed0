/* A tenant's config against the limits the policy gives its owner
 * (policy.h): each refusal names the config's line, the value asked,
 * the limit and the policy line it came from. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "policy.h"

/* The config's sizes that the policy bounds. */
static const struct {
	enum policy_limit l;
	enum config_key key;
	const char *name;
	size_t off;
} sized[] = {
	{ PL_MEMORY, KEY_MEMORY, "memory",
	  offsetof(struct vm_config, memory_mib) },
	{ PL_VCPUS, KEY_VCPUS, "vcpus", offsetof(struct vm_config, vcpus) },
	{ PL_PIDS_MAX, KEY_PIDS_MAX, "pids_max",
	  offsetof(struct vm_config, pids_max) },
	{ PL_CPU_WEIGHT, KEY_CPU_WEIGHT, "cpu_weight",
	  offsetof(struct vm_config, cpu_weight) },
};

static int
check_sizes(const struct vm_config *cfg, const struct policy_limits *l,
	    struct cfg_error *err)
{
	char w[CONFIG_WHERE_MAX];

	for (size_t i = 0; i < sizeof(sized) / sizeof(sized[0]); i++) {
		unsigned v;
		memcpy(&v, (const char *)cfg + sized[i].off, sizeof(v));
		if (v <= l->max[sized[i].l])
			continue;
		int line = cfg->line[sized[i].key];
		config_where(cfg, line, w, sizeof(w));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: %s: %u%s is over the limit for uid %u: %s = %u "
			 "(%s)",
			 w, sized[i].name, v, line ? "" : " (the default)",
			 (unsigned)cfg->owner.uid, policy_key(sized[i].l),
			 l->max[sized[i].l], l->from[sized[i].l]);
		return -1;
	}
	/* QEMU's own share of the VM's memory cgroup: a tenant may lower
	 * it, not raise it past the limit the policy sets on memory. */
	if (cfg->memory_overhead_mib > CONFIG_MEMORY_OVERHEAD_DEFAULT) {
		config_where(cfg, cfg->line[KEY_MEMORY_OVERHEAD], w, sizeof(w));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: memory_overhead: %u is over %u, the most a "
			 "config root does not own may give (the VM's memory "
			 "cgroup is memory + memory_overhead)",
			 w, cfg->memory_overhead_mib,
			 CONFIG_MEMORY_OVERHEAD_DEFAULT);
		return -1;
	}
	return 0;
}

/* A tenant's vif on a granted bridge claims an identity that the
 * anti-spoofing rules then enforce: its addresses must be the policy's
 * to give, and a MAC it picks must be outside every vendor's OUI (and
 * Xen's, which bulkhead assigns from), so it names no NIC nor VM of
 * another. Whether another VM holds it is asked under the create lock. */
static int
check_vif_identity(const struct vm_config *cfg, const struct vif_spec *v,
		   const struct policy_limits *l, struct cfg_error *err)
{
	char w[CONFIG_WHERE_MAX], a[INET6_ADDRSTRLEN + 4];
	char granted[POLICY_ADDRS_MAX * (PREFIX_TEXT_MAX + 1) + 1] = "";
	size_t n = 0;

	config_where(cfg, v->line, w, sizeof(w));
	if (v->has_mac && !vif_mac_local(v->mac)) {
		vif_mac_format(v->mac, a, sizeof(a));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vif: mac=%s is not locally administered: uid %u "
			 "may give only such a MAC (first octet with bit 1 "
			 "set, e.g. 02:...), or none for one bulkhead assigns",
			 w, a, (unsigned)cfg->owner.uid);
		return -1;
	}
	for (size_t j = 0; j < l->naddrs; j++) {
		char p[PREFIX_TEXT_MAX];
		ip_prefix_format(&l->addrs[j], p, sizeof(p));
		n += (size_t)snprintf(granted + n, sizeof(granted) - n, "%s%s",
				      j ? " " : "", p);
	}
	if (!v->nips) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vif: bridge '%s' needs ip= for uid %u: a "
			 "tenant's vif claims only addresses the policy "
			 "grants: addresses = [%s] (%s)",
			 w, v->bridge, (unsigned)cfg->owner.uid, granted,
			 l->addrs_from);
		return -1;
	}
	for (size_t i = 0; i < v->nips; i++) {
		/* Mapped: never within an IPv4 grant, and not to be let in
		 * by a wide IPv6 one either. */
		bool mapped = vif_ip_mapped(&v->ips[i]);
		if (!mapped && policy_addr_granted(l, &v->ips[i]))
			continue;
		vif_ip_format(&v->ips[i], a, sizeof(a));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vif: ip %s is not granted to uid %u%s: "
			 "addresses = [%s] (%s)",
			 w, a, (unsigned)cfg->owner.uid,
			 mapped ? " (IPv4-mapped IPv6: give the IPv4 address)"
				: "",
			 granted, l->addrs_from);
		return -1;
	}
	return 0;
}

static int
check_vif(const struct vm_config *cfg, const struct vif_spec *v,
	  const struct policy_limits *l, struct cfg_error *err)
{
	char w[CONFIG_WHERE_MAX];
	char granted[POLICY_BRIDGES_MAX * (IFNAMSIZ + 1) + 1] = "";

	config_where(cfg, v->line, w, sizeof(w));
	if (v->user) {
		/* passt maps its gateway address to the host's loopback: a
		 * tenant's guest would reach every service bound there. No
		 * policy grants that. */
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vif: type=user is not granted to uid %u in this "
			 "version (passt's guest reaches the host's loopback "
			 "services)",
			 w, (unsigned)cfg->owner.uid);
		return -1;
	}
	if (policy_bridge_granted(l, v->bridge))
		return check_vif_identity(cfg, v, l, err);
	size_t n = 0;
	for (size_t j = 0; j < l->nbridges; j++)
		n += (size_t)snprintf(granted + n, sizeof(granted) - n, "%s%s",
				      j ? " " : "", l->bridges[j]);
	snprintf(err->msg, sizeof(err->msg),
		 "%s: vif: bridge '%s' is not granted to uid %u: bridges = "
		 "[%s] (%s)",
		 w, v->bridge, (unsigned)cfg->owner.uid, granted,
		 l->bridges_from);
	return -1;
}

int
policy_check_config(const struct vm_config *cfg, const struct policy_limits *l,
		    struct cfg_error *err)
{
	if (check_sizes(cfg, l, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nvifs; i++)
		if (check_vif(cfg, &cfg->vifs[i], l, err) < 0)
			return -1;
	return 0;
}

int
policy_check_count(const struct vm_config *cfg, const struct policy_limits *l,
		   unsigned n, struct cfg_error *err)
{
	if (n < l->max[PL_VMS])
		return 0;
	snprintf(err->msg, sizeof(err->msg),
		 "%s: uid %u already has %u VM(s), the limit: %s = %u (%s)",
		 cfg->file, (unsigned)cfg->owner.uid, n, policy_key(PL_VMS),
		 l->max[PL_VMS], l->from[PL_VMS]);
	return -1;
}

int
policy_check_cpus(const struct vm_config *cfg, const struct policy_limits *l,
		  const uint64_t online[CPUSET_WORDS], struct cpuset_spec *out,
		  struct cfg_error *err)
{
	uint64_t granted[CPUSET_WORDS], asked[CPUSET_WORDS];
	char why[200], w[CONFIG_WHERE_MAX];

	*out = cfg->cpus;
	if (!l->cpus)
		return 0;
	if (cpuset_resolve(l->cpus, online, granted, why, sizeof(why)) < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: the CPUs granted to uid %u are not usable on "
			 "this host: %s (%s)",
			 cfg->file, (unsigned)cfg->owner.uid, why,
			 l->cpus_from);
		return -1;
	}
	if (!cfg->cpus.given) {
		/* Unpinned, a tenant's VM runs where the policy says. */
		memset(out, 0, sizeof(*out));
		out->given = true;
		memcpy(out->set, granted, sizeof(out->set));
		return 0;
	}
	/* The config's own list, on the CPUs online now: one it names that
	 * is not online is refused here too (config_check_host ran before,
	 * against what was online then). */
	if (cpuset_resolve(&cfg->cpus, online, asked, why, sizeof(why)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: cpus: %s",
			 config_where(cfg, cfg->line[KEY_CPUS], w, sizeof(w)),
			 why);
		return -1;
	}
	uint64_t outside[CPUSET_WORDS];
	bool any = false;
	for (size_t i = 0; i < CPUSET_WORDS; i++) {
		outside[i] = asked[i] & ~granted[i];
		any |= outside[i] != 0;
	}
	if (!any) {
		/* What was checked, as a fixed set: "^0" resolved later
		 * would grow with every CPU that comes online. */
		memset(out, 0, sizeof(*out));
		out->given = true;
		memcpy(out->set, asked, sizeof(out->set));
		return 0;
	}
	char o[CPUSET_LIST_MAX], g[CPUSET_LIST_MAX];
	cpuset_format(outside, o, sizeof(o));
	cpuset_format(granted, g, sizeof(g));
	snprintf(err->msg, sizeof(err->msg),
		 "%s: cpus: CPU(s) %s are not granted to uid %u: cpus = "
		 "\"%s\" (%s)",
		 config_where(cfg, cfg->line[KEY_CPUS], w, sizeof(w)), o,
		 (unsigned)cfg->owner.uid, g, l->cpus_from);
	return -1;
}
