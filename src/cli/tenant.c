/* create's checks of a tenant's config (one a non-root user owns)
 * against the policy (config/policy.h): its sizes and bridges when it
 * is read, its owner's VM count under the create lock. Root's configs
 * are not limited. */
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../config/policy.h"
#include "../host/idrange.h"
#include "../host/record.h"
#include "cli.h"

/* Large, and one per create: kept off the stack. */
static struct policy policy;
static struct policy_limits limits;

/* The policy limits each owner by uid: an owner must be one account,
 * not one of the many ids a user can own files as. A uid with no
 * account, or inside someone's subordinate range (a user maps 65536 of
 * them with newuidmap and chowns files to each), would otherwise get
 * the defaults, and its own VM count, once per id. */
static int
cli_tenant_owner(const struct vm_config *cfg)
{
	char why[512];

	if (cfg->owner.no_account) {
		log_error("%s: owned by uid %u, which has no account: a "
			  "tenant's config must belong to a user account "
			  "(an id without one, such as a subordinate id, "
			  "would get the policy's defaults once per id)",
			  cfg->file, (unsigned)cfg->owner.uid);
		return -1;
	}
	if (idrange_check_subid(cfg->owner.uid, cfg->owner.gid, why,
				sizeof(why)) < 0) {
		log_error("%s: owned by uid %u, a subordinate id of another "
			  "user: %s (a tenant's config must belong to the "
			  "account itself)",
			  cfg->file, (unsigned)cfg->owner.uid, why);
		return -1;
	}
	return 0;
}

int
cli_tenant_config(struct vm_config *cfg)
{
	struct cfg_error err;
	uint64_t online[CPUSET_WORDS];

	if (cfg->owner.uid == 0)
		return 0;
	if (cli_tenant_owner(cfg) < 0)
		return 2;
	/* A policy that cannot be read refuses tenants: never unlimited. */
	if (policy_load(BH_POLICY_PATH, &policy, &err) < 0) {
		log_error("%s: owned by uid %u, refused: %s (fix the policy "
			  "file; root's configs are not affected)",
			  cfg->file, (unsigned)cfg->owner.uid, err.msg);
		return 2;
	}
	policy_limits_of(&policy, &cfg->owner, &limits);
	if (policy_check_config(cfg, &limits, &err) < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	if (limits.cpus && cpuset_online(online) < 0) {
		log_error("%s: cannot read the host's online CPUs for the "
			  "policy's cpus",
			  cfg->file);
		return 1;
	}
	struct cpuset_spec cpus;
	if (limits.cpus &&
	    policy_check_cpus(cfg, &limits, online, &cpus, &err) < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	if (limits.cpus)
		cfg->cpus = cpus;
	return 0;
}

/* For host-init: whether the policy is there and reads, so a broken
 * one is found before a tenant's create is refused for it. */
void
cli_tenant_report(void)
{
	struct cfg_error err;
	struct safe_who anyone = { .uid = 65534, .no_account = true };

	if (policy_load(BH_POLICY_PATH, &policy, &err) < 0) {
		printf("tenant policy: BROKEN, configs users own are refused "
		       "until it is fixed: %s\n",
		       err.msg);
		return;
	}
	policy_limits_of(&policy, &anyone, &limits);
	printf("tenant policy: %s%s: configs users own get at most %u "
	       "VM(s) of %u vCPU(s) and %u MiB, %zu bridge(s), by default; "
	       "%zu user/group rule(s)\n",
	       BH_POLICY_PATH, policy.present ? "" : " absent, built-in values",
	       limits.max[PL_VMS], limits.max[PL_VCPUS], limits.max[PL_MEMORY],
	       limits.nbridges, policy.nrules);
}

struct owner_count {
	uid_t uid;
	unsigned n;
};

static int
count_one(const char *name, void *arg)
{
	struct owner_count *c = arg;
	struct vm_record r;

	/* Unreadable under the lock: being torn down. */
	if (record_read(name, &r) == 0 && r.owner == c->uid)
		c->n++;
	return 0;
}

int
cli_tenant_count(const struct vm_config *cfg)
{
	struct owner_count c = { cfg->owner.uid, 0 };
	struct cfg_error err;

	if (cfg->owner.uid == 0)
		return 0;
	int rc = record_foreach(count_one, &c);
	if (rc < 0) {
		log_error("%s: cannot count the VMs of uid %u: %s", cfg->file,
			  (unsigned)c.uid, strerror(-rc));
		return 1;
	}
	if (policy_check_count(cfg, &limits, c.n, &err) < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	return 0;
}
