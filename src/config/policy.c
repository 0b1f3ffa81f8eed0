#include "policy.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../host/accounts.h"
#include "../host/safe_open.h"
#include "vif.h"

/* Each limit's key and the values a policy may give it: the VM config's
 * own ranges (config.c), so a policy cannot promise what a config could
 * never ask, and a huge number is refused, not wrapped. */
static const struct {
	const char *key;
	unsigned min, max, builtin;
} limits[PL_COUNT] = {
	[PL_MEMORY] = { "max_memory", 16, 1024 * 1024, POLICY_BUILTIN_MEMORY },
	[PL_VCPUS] = { "max_vcpus", 1, 64, POLICY_BUILTIN_VCPUS },
	[PL_PIDS_MAX] = { "max_pids_max", 16, 65536, POLICY_BUILTIN_PIDS_MAX },
	[PL_CPU_WEIGHT] = { "max_cpu_weight", 1, 10000,
			    POLICY_BUILTIN_CPU_WEIGHT },
	[PL_VMS] = { "max_vms", 0, VMID_MAX, POLICY_BUILTIN_VMS },
};

const char *
policy_key(enum policy_limit l)
{
	return (unsigned)l < PL_COUNT ? limits[l].key : "?";
}

struct pctx {
	struct policy *p;
	const struct cfg_entry *e;
	struct cfg_error *err;
};

static int __attribute__((format(printf, 2, 3)))
pfail(struct pctx *c, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err->msg, sizeof(c->err->msg), "%s:%d: %s: %s", c->p->file,
		 c->e->line, c->e->key, what);
	return -1;
}

static int
set_limit(struct pctx *c, struct policy_set *s, enum policy_limit l)
{
	const struct cfg_value *v = &c->e->val;

	if (s->line[l])
		return pfail(c, "given twice in one part (first on line %d)",
			     s->line[l]);
	if (v->type != CFG_NUM)
		return pfail(c, "expected a number");
	if (v->num < limits[l].min || v->num > limits[l].max)
		return pfail(c, "%llu is out of range %u..%u",
			     (unsigned long long)v->num, limits[l].min,
			     limits[l].max);
	s->max[l] = (unsigned)v->num;
	s->line[l] = c->e->line;
	return 0;
}

static int
set_bridges(struct pctx *c, struct policy_set *s)
{
	const struct cfg_value *v = &c->e->val;

	if (s->bridges_line)
		return pfail(c, "given twice in one part (first on line %d)",
			     s->bridges_line);
	if (v->type != CFG_LIST)
		return pfail(c, "expected a list of bridge names ([] = none)");
	if (v->nitems > POLICY_BRIDGES_MAX)
		return pfail(c, "more than %d bridges", POLICY_BRIDGES_MAX);
	for (size_t i = 0; i < v->nitems; i++) {
		const struct cfg_value *it = &v->items[i];
		if (it->type != CFG_STR || !vif_ifname_valid(it->str))
			return pfail(c, "item %zu: not an interface name",
				     i + 1);
		snprintf(s->bridges[i], IFNAMSIZ, "%s", it->str);
	}
	s->nbridges = v->nitems;
	s->bridges_line = c->e->line;
	return 0;
}

static int
set_addresses(struct pctx *c, struct policy_set *s)
{
	const struct cfg_value *v = &c->e->val;
	char why[200];

	if (s->addrs_line)
		return pfail(c, "given twice in one part (first on line %d)",
			     s->addrs_line);
	if (v->type != CFG_LIST)
		return pfail(c, "expected a list of prefixes such as "
				"[ \"10.0.5.0/28\" ] ([] = none)");
	if (v->nitems > POLICY_ADDRS_MAX)
		return pfail(c, "more than %d prefixes", POLICY_ADDRS_MAX);
	for (size_t i = 0; i < v->nitems; i++) {
		const struct cfg_value *it = &v->items[i];
		if (it->type != CFG_STR)
			return pfail(c, "item %zu: expected a string", i + 1);
		if (ip_prefix_parse(it->str, &s->addrs[i], why, sizeof(why)) <
		    0)
			return pfail(c, "item %zu: %s", i + 1, why);
	}
	s->naddrs = v->nitems;
	s->addrs_line = c->e->line;
	return 0;
}

static int
set_cpus(struct pctx *c, struct policy_set *s)
{
	const struct cfg_value *v = &c->e->val;
	char why[200];

	if (s->cpus_line)
		return pfail(c, "given twice in one part (first on line %d)",
			     s->cpus_line);
	if (v->type != CFG_STR)
		return pfail(c, "expected a CPU list such as \"2-7\"");
	if (cpuset_parse(v->str, &s->cpus, why, sizeof(why)) < 0)
		return pfail(c, "%s", why);
	s->cpus_line = c->e->line;
	return 0;
}

/* The account a rule names, which must exist now: a rule for no one
 * is a typo that would silently give its user the defaults. */
static int
rule_account(struct pctx *c, struct policy_rule *r)
{
	static char buf[1 << 16]; /* a group's member list can be long */
	int rc;

	if (r->group) {
		struct group gr, *res = NULL;
		rc = getgrnam_r(r->name, &gr, buf, sizeof(buf), &res);
		if (rc == 0 && res)
			r->gid = gr.gr_gid;
	} else {
		struct passwd pw, *res = NULL;
		rc = getpwnam_r(r->name, &pw, buf, sizeof(buf), &res);
		if (rc == 0 && res)
			r->uid = pw.pw_uid;
		if (rc == 0 && res && pw.pw_uid == 0)
			return pfail(c,
				     "'%s' is root, whose configs the "
				     "policy does not limit",
				     r->name);
	}
	if (rc != 0)
		return pfail(c, "'%s': account lookup: %s", r->name,
			     strerror(rc));
	if (r->group ? r->gid == (gid_t)-1 : r->uid == (uid_t)-1)
		return pfail(c, "no %s named '%s'", r->group ? "group" : "user",
			     r->name);
	return 0;
}

static int
start_rule(struct pctx *c, bool group)
{
	struct policy *p = c->p;
	const struct cfg_value *v = &c->e->val;

	if (p->nrules == POLICY_RULES_MAX)
		return pfail(c, "more than %d rules", POLICY_RULES_MAX);
	if (v->type != CFG_STR || !v->str[0] ||
	    strlen(v->str) > POLICY_NAME_MAX)
		return pfail(c, "expected a %s name of 1..%d characters",
			     group ? "group" : "user", POLICY_NAME_MAX);
	struct policy_rule *r = &p->rules[p->nrules];
	memset(r, 0, sizeof(*r));
	r->group = group;
	r->uid = (uid_t)-1;
	r->gid = (gid_t)-1;
	r->line = c->e->line;
	snprintf(r->name, sizeof(r->name), "%s", v->str);
	if (rule_account(c, r) < 0)
		return -1;
	/* A second rule for the same account would never apply. */
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *o = &p->rules[i];
		if (o->group == group &&
		    (group ? o->gid == r->gid : o->uid == r->uid))
			return pfail(c, "'%s' already has a rule on line %d",
				     r->name, o->line);
	}
	p->nrules++;
	return 0;
}

static int
policy_entry(struct pctx *c, struct policy_set **cur)
{
	const char *key = c->e->key;

	if (!strcmp(key, "user") || !strcmp(key, "group")) {
		if (start_rule(c, key[0] == 'g') < 0)
			return -1;
		*cur = &c->p->rules[c->p->nrules - 1].set;
		return 0;
	}
	if (!strcmp(key, "bridges"))
		return set_bridges(c, *cur);
	if (!strcmp(key, "cpus"))
		return set_cpus(c, *cur);
	if (!strcmp(key, "addresses"))
		return set_addresses(c, *cur);
	for (int l = 0; l < PL_COUNT; l++)
		if (!strcmp(key, limits[l].key))
			return set_limit(c, *cur, (enum policy_limit)l);
	return pfail(c, "unknown key");
}

int
policy_parse(const char *text, size_t len, const char *fname, struct policy *p,
	     struct cfg_error *err)
{
	struct cfg_file f;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->present = true;
	if (strlen(fname) >= sizeof(p->file)) {
		snprintf(err->msg, sizeof(err->msg), "policy path too long");
		return -1;
	}
	snprintf(p->file, sizeof(p->file), "%s", fname);
	if (cfgfile_parse(text, len, fname, &f, err) < 0)
		return -1;
	struct policy_set *cur = &p->defaults;
	for (size_t i = 0; i < f.n && rc == 0; i++) {
		struct pctx c = { p, &f.entries[i], err };
		rc = policy_entry(&c, &cur);
	}
	cfgfile_free(&f);
	return rc;
}

int
policy_load(const char *path, struct policy *p, struct cfg_error *err)
{
	char *text, why[PATH_MAX + 256];
	size_t len;
	struct stat st;
	int rc = safe_read_all(path, CFG_FILE_MAX, &text, &len, &st, why,
			       sizeof(why));

	memset(p, 0, sizeof(*p));
	snprintf(p->file, sizeof(p->file), "%s", path);
	if (rc == -ENOENT)
		return 0; /* no policy: the built-in values */
	if (rc < 0) {
		snprintf(err->msg, sizeof(err->msg), "policy: %s", why);
		return -1;
	}
	/* The walk trusts a directory a user owns for that user's files
	 * only: a root-owned file was reached through root's directories. */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err->msg, sizeof(err->msg),
			 "policy: %s: must be owned by root and writable by "
			 "root alone (owner uid %u, mode %04o)",
			 path, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		free(text);
		return -1;
	}
	rc = policy_parse(text, len, path, p, err);
	free(text);
	return rc;
}

static bool
who_in(const struct safe_who *who, gid_t gid)
{
	if (who->gid == gid)
		return true;
	for (int i = 0; i < who->ngroups; i++)
		if (who->groups[i] == gid)
			return true;
	return false;
}

/* The owner's rule: its user rule, else the first group rule of one of
 * its groups; NULL for none (and always for a uid with no account). */
static const struct policy_rule *
rule_of(const struct policy *p, const struct safe_who *who)
{
	if (who->no_account)
		return NULL;
	for (size_t i = 0; i < p->nrules; i++)
		if (!p->rules[i].group && p->rules[i].uid == who->uid)
			return &p->rules[i];
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].group && who_in(who, p->rules[i].gid))
			return &p->rules[i];
	return NULL;
}

/* Where a value came from, for messages. */
static void
origin(const struct policy *p, const struct policy_rule *r, int rline,
       int dline, char *out, size_t len)
{
	if (r && rline)
		snprintf(out, len, "%s:%d, the rule for %s '%s'", p->file,
			 rline, r->group ? "group" : "user", r->name);
	else if (dline)
		snprintf(out, len, "%s:%d", p->file, dline);
	else if (p->present)
		snprintf(out, len, "built-in default, not set in %s", p->file);
	else
		snprintf(out, len,
			 "built-in default: there is no %s, see "
			 "bulkhead-policy.cfg(5)",
			 p->file);
}

void
policy_limits_of(const struct policy *p, const struct safe_who *who,
		 struct policy_limits *out)
{
	const struct policy_rule *r = rule_of(p, who);
	const struct policy_set *d = &p->defaults;

	memset(out, 0, sizeof(*out));
	for (int l = 0; l < PL_COUNT; l++) {
		int rl = r ? r->set.line[l] : 0;
		out->max[l] = rl           ? r->set.max[l]
			      : d->line[l] ? d->max[l]
					   : limits[l].builtin;
		origin(p, r, rl, d->line[l], out->from[l],
		       sizeof(out->from[l]));
	}
	const struct policy_set *b = (r && r->set.bridges_line) ? &r->set : d;
	out->bridges = b->bridges;
	out->nbridges = b->nbridges; /* 0 when nothing set: no bridge */
	origin(p, r, r ? r->set.bridges_line : 0, d->bridges_line,
	       out->bridges_from, sizeof(out->bridges_from));
	const struct policy_set *c = (r && r->set.cpus_line) ? &r->set : d;
	out->cpus = c->cpus_line && c->cpus.given ? &c->cpus : NULL;
	origin(p, r, r ? r->set.cpus_line : 0, d->cpus_line, out->cpus_from,
	       sizeof(out->cpus_from));
	const struct policy_set *a = (r && r->set.addrs_line) ? &r->set : d;
	out->addrs = a->addrs;
	out->naddrs = a->naddrs; /* 0 when nothing set: no address */
	origin(p, r, r ? r->set.addrs_line : 0, d->addrs_line, out->addrs_from,
	       sizeof(out->addrs_from));
}

bool
policy_bridge_granted(const struct policy_limits *l, const char *bridge)
{
	for (size_t i = 0; i < l->nbridges; i++)
		if (!strcmp(l->bridges[i], bridge))
			return true;
	return false;
}

bool
policy_addr_granted(const struct policy_limits *l, const struct vif_ip *ip)
{
	for (size_t i = 0; i < l->naddrs; i++)
		if (ip_prefix_contains(&l->addrs[i], ip))
			return true;
	return false;
}
