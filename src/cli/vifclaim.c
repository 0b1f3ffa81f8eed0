/* Under the create lock: each bridged vif's MAC and ip= are the VM's
 * alone. The anti-spoofing rules enforce what a vif claims, so a claim
 * another VM holds would let this VM send as that one (issue 14's
 * review). Every VM's record keeps its claims (record.h); a vif without
 * mac= gets a random one in Xen's OUI, 00:16:3e, that no VM holds. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../host/record.h"
#include "cli.h"

/* Random MACs redrawn at most this often when one is taken. */
#define DRAWS_MAX 16

struct claim {
	const struct vm_config *cfg;
	size_t vif;       /* the config's vif found held */
	bool mac;         /* its MAC (else ip[]) */
	struct vif_ip ip; /* the address held */
	char other[BH_NAME_MAX + 1];
};

static bool
same_ip(const struct vif_ip *a, const struct vif_ip *b)
{
	return a->family == b->family &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/* The link-local address the anti-spoofing rules let a MAC send from. */
static struct vif_ip
link_local(const uint8_t mac[6])
{
	struct vif_ip ll;

	vif_link_local(mac, &ll);
	return ll;
}

/* Whether one of ips (n of them) is ip. */
static bool
ip_in(const struct vif_ip *ip, const struct vif_ip *ips, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_ip(ip, &ips[i]))
			return true;
	return false;
}

/* Whether vif v claims what r holds: its MAC, one of its addresses, or
 * the link-local address its MAC sends from (and the other way round). */
static bool
held_by(struct claim *c, const struct vif_spec *v, const struct vm_record *r)
{
	struct vif_ip own_ll = link_local(v->mac);

	for (size_t k = 0; k < r->nvifs; k++) {
		const struct record_vif *o = &r->vifs[k];
		struct vif_ip other_ll = link_local(o->mac);
		if (!memcmp(o->mac, v->mac, 6)) {
			c->mac = true;
			return true;
		}
		c->mac = false;
		for (size_t i = 0; i < v->nips; i++)
			if (ip_in(&v->ips[i], o->ips, o->nips) ||
			    same_ip(&v->ips[i], &other_ll)) {
				c->ip = v->ips[i];
				return true;
			}
		if (ip_in(&own_ll, o->ips, o->nips)) {
			c->ip = own_ll;
			return true;
		}
	}
	return false;
}

static int
claim_one(const char *name, void *arg)
{
	struct claim *c = arg;
	struct vm_record r;

	/* Unreadable under the lock: being torn down. */
	if (record_read(name, &r) != 0)
		return 0;
	for (size_t i = 0; i < c->cfg->nvifs; i++) {
		const struct vif_spec *v = &c->cfg->vifs[i];
		if (v->user || !held_by(c, v, &r))
			continue;
		c->vif = i;
		snprintf(c->other, sizeof(c->other), "%s", name);
		return 1;
	}
	return 0;
}

/* A random MAC in Xen's OUI for each vif without one, none equal to
 * another of the config's. */
static int
draw_macs(struct vm_config *cfg, const bool drawn[CONFIG_VIFS_MAX])
{
	for (size_t i = 0; i < cfg->nvifs; i++) {
		struct vif_spec *v = &cfg->vifs[i];
		uint8_t r[3];
		bool dup = true;
		if (!drawn[i])
			continue;
		for (int n = 0; dup && n < DRAWS_MAX; n++) {
			if (getrandom(r, sizeof(r), 0) != sizeof(r))
				return -1;
			const uint8_t mac[6] = { 0x00,        0x16, 0x3e,
						 r[0] & 0x7f, r[1], r[2] };
			memcpy(v->mac, mac, sizeof(mac));
			dup = false;
			for (size_t j = 0; j < i; j++)
				dup |= !memcmp(cfg->vifs[j].mac, mac, 6);
		}
		v->has_mac = true;
	}
	return 0;
}

/* The host address ifa as a vif_ip: 0, or -1 for another family. */
static int
host_addr(const struct sockaddr *sa, struct vif_ip *h)
{
	memset(h, 0, sizeof(*h));
	h->family = sa->sa_family;
	if (h->family == AF_INET)
		memcpy(h->addr,
		       &((const struct sockaddr_in *)(const void *)sa)
				->sin_addr,
		       4);
	else if (h->family == AF_INET6)
		memcpy(h->addr,
		       &((const struct sockaddr_in6 *)(const void *)sa)
				->sin6_addr,
		       16);
	else
		return -1;
	return 0;
}

/* Whether host interface i is what tenant vif v claims: its own mac=
 * (the bridge would learn it on the VM's port) or one of its addresses
 * (the rules would let the VM answer ARP and neighbour discovery as the
 * host, its gateway). Says which, as create's refusal. */
static bool
host_holds(const struct vm_config *cfg, const struct vif_spec *v,
	   const struct ifaddrs *i)
{
	char w[CONFIG_WHERE_MAX], what[INET6_ADDRSTRLEN + 8];
	const struct sockaddr_ll *ll = (const void *)i->ifa_addr;
	struct vif_ip h;

	if (v->has_mac && ll->sll_family == AF_PACKET && ll->sll_halen == 6 &&
	    !memcmp(ll->sll_addr, v->mac, 6)) {
		snprintf(what, sizeof(what), "mac=");
		vif_mac_format(v->mac, what + 4, sizeof(what) - 4);
	} else {
		size_t k = 0;
		if (host_addr(i->ifa_addr, &h) < 0)
			return false;
		while (k < v->nips && !same_ip(&h, &v->ips[k]))
			k++;
		if (k == v->nips)
			return false;
		snprintf(what, sizeof(what), "ip ");
		vif_ip_format(&v->ips[k], what + 3, sizeof(what) - 3);
	}
	log_error("%s: vif: %s is the host interface %s's: refused for a "
		  "config uid %u owns",
		  config_where(cfg, v->line, w, sizeof(w)), what, i->ifa_name,
		  (unsigned)cfg->owner.uid);
	return true;
}

/* A tenant's vifs claim nothing of the host's interfaces: one listing
 * of them for the whole config. 0, 2 (refused) or 1. */
static int
host_claims(const struct vm_config *cfg)
{
	struct ifaddrs *ifa;
	int rc = 0;

	if (cfg->owner.uid == 0)
		return 0;
	if (getifaddrs(&ifa) < 0) {
		log_error("%s: cannot list the host's interfaces", cfg->file);
		return 1;
	}
	for (size_t n = 0; n < cfg->nvifs && rc == 0; n++)
		for (const struct ifaddrs *i = ifa; i && rc == 0;
		     i = i->ifa_next)
			if (!cfg->vifs[n].user && i->ifa_addr &&
			    host_holds(cfg, &cfg->vifs[n], i))
				rc = 2;
	freeifaddrs(ifa);
	return rc;
}

static void
keep_claims(const struct vm_config *cfg, struct vm_record *rec)
{
	rec->nvifs = 0;
	for (size_t i = 0; i < cfg->nvifs; i++) {
		const struct vif_spec *v = &cfg->vifs[i];
		if (v->user)
			continue; /* passt's NAT: nothing on a bridge */
		struct record_vif *o = &rec->vifs[rec->nvifs++];
		memcpy(o->mac, v->mac, 6);
		memcpy(o->ips, v->ips, sizeof(o->ips));
		o->nips = v->nips;
	}
}

static int
refuse(const struct claim *c)
{
	const struct vif_spec *v = &c->cfg->vifs[c->vif];
	char w[CONFIG_WHERE_MAX], what[INET6_ADDRSTRLEN + 8];

	if (c->mac) {
		snprintf(what, sizeof(what), "mac=");
		vif_mac_format(v->mac, what + 4, sizeof(what) - 4);
	} else {
		snprintf(what, sizeof(what), "ip ");
		vif_ip_format(&c->ip, what + 3, sizeof(what) - 3);
	}
	log_error("%s: vif: %s is held by VM '%s' (a MAC or address is one "
		  "VM's at a time: the host's anti-spoofing rules enforce "
		  "it)",
		  config_where(c->cfg, v->line, w, sizeof(w)), what, c->other);
	return 2;
}

int
cli_vif_claim(struct vm_config *cfg, struct vm_record *rec)
{
	bool drawn[CONFIG_VIFS_MAX] = { false }, ours[CONFIG_VIFS_MAX];
	struct claim c = { .cfg = cfg };
	int rc = 0;

	for (size_t i = 0; i < cfg->nvifs; i++)
		drawn[i] = ours[i] = !cfg->vifs[i].has_mac;
	if ((rc = host_claims(cfg)) != 0)
		return rc;
	for (int n = 0; n < DRAWS_MAX; n++) {
		if (draw_macs(cfg, drawn) < 0) {
			log_error("%s: no random MAC: getrandom failed",
				  cfg->file);
			return 1;
		}
		rc = record_foreach(claim_one, &c);
		if (rc < 0) {
			log_error("%s: cannot read the VMs' records: %s",
				  cfg->file, strerror(-rc));
			return 1;
		}
		if (rc == 0) {
			keep_claims(cfg, rec);
			return 0;
		}
		if (!c.mac || !ours[c.vif])
			return refuse(&c);
		/* Our own random draw is taken: only it is drawn again. */
		for (size_t i = 0; i < cfg->nvifs; i++)
			drawn[i] = i == c.vif;
	}
	log_error("%s: no free random MAC in %d draws", cfg->file, DRAWS_MAX);
	return 1;
}
