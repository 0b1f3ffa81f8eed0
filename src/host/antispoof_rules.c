/* The nft text of a VM's anti-spoofing rules (antispoof.h). Everything
 * printed comes from parsed bytes (addresses, MACs, interface indexes) or
 * a validated VM name, so no config text reaches nft's parser. */
#include "antispoof.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct out {
	char *buf;
	size_t len, used;
	bool full;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->full = true;
	else
		o->used += (size_t)n;
}

/* nft takes an unquoted identifier: a letter, then letters, digits and
 * "/\-_." ; a VM name (config_name_valid) fits after our prefix. */
bool
antispoof_name_ok(const char *vm)
{
	size_t n = strlen(vm);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = vm[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static void
put_mac(struct out *o, const uint8_t m[6])
{
	put(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	    m[5]);
}

/* The EUI-64 link-local address of MAC m (RFC 4291 appendix A). */
static void
link_local(const uint8_t m[6], uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = m[0] ^ 2;
	a[9] = m[1];
	a[10] = m[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = m[3];
	a[14] = m[4];
	a[15] = m[5];
}

/* The vif's addresses of FAMILY, ", "-separated; how many. As hex
 * integers when hex (a raw payload match takes no address literal). */
static size_t
put_addrs(struct out *o, const struct vif_spec *v, int family, bool hex)
{
	size_t k = 0;
	char s[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < v->nips; i++) {
		const struct vif_ip *ip = &v->ips[i];
		if (ip->family != family)
			continue;
		put(o, k++ ? ", " : "");
		if (hex) {
			put(o, "0x");
			for (int b = 0; b < 16; b++)
				put(o, "%02x", ip->addr[b]);
		} else if (inet_ntop(family, ip->addr, s, sizeof(s))) {
			put(o, "%s", s);
		} else {
			o->full = true;
		}
	}
	return k;
}

static size_t
count(const struct vif_spec *v, int family)
{
	size_t k = 0;

	for (size_t i = 0; i < v->nips; i++)
		k += v->ips[i].family == family;
	return k;
}

/* IPv4 and ARP with ip= giving IPv4 addresses: the source (ARP's sender)
 * is one of them; 0.0.0.0 only for a DHCP client's request and an ARP
 * probe (RFC 5227). */
static void
rules_v4(struct out *o, const char *pre, const struct vif_spec *v)
{
	put(o, "%s arp htype != 1 drop\n", pre);
	put(o, "%s arp ptype != ip drop\n", pre);
	put(o, "%s arp hlen != 6 drop\n", pre);
	put(o, "%s arp plen != 4 drop\n", pre);
	put(o, "%s arp saddr ether != ", pre);
	put_mac(o, v->mac);
	put(o, " drop\n%s arp saddr ip != { 0.0.0.0, ", pre);
	put_addrs(o, v, AF_INET, false);
	put(o, " } drop\n");
	put(o, "%s ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n", pre);
	put(o, "%s ip saddr != { ", pre);
	put_addrs(o, v, AF_INET, false);
	put(o, " } drop\n");
}

/* IPv6 with ip= giving IPv6 addresses: the source is one of them or the
 * MAC's link-local address; :: only for duplicate address detection
 * (neighbour solicitations, MLD reports); a neighbour advertisement only
 * for the VM's own addresses; no router advertisement or redirect (a VM
 * is a host, not a router). */
static void
rules_v6(struct out *o, const char *pre, const struct vif_spec *v)
{
	struct vif_spec ll = { .nips = 1 };
	char s[INET6_ADDRSTRLEN];

	ll.ips[0].family = AF_INET6;
	link_local(v->mac, ll.ips[0].addr);
	if (!inet_ntop(AF_INET6, ll.ips[0].addr, s, sizeof(s))) {
		o->full = true;
		return;
	}
	put(o,
	    "%s ip6 saddr :: icmpv6 type { nd-neighbor-solicit, "
	    "mld2-listener-report } accept\n",
	    pre);
	put(o, "%s ip6 saddr != { %s, ", pre, s);
	put_addrs(o, v, AF_INET6, false);
	put(o, " } drop\n");
	put(o, "%s icmpv6 type { nd-router-advert, nd-redirect } drop\n", pre);
	/* The target address is at bytes 8..23 of the ICMPv6 message. */
	put(o, "%s icmpv6 type nd-neighbor-advert @th,64,128 != { ", pre);
	put_addrs(o, &ll, AF_INET6, true);
	put(o, ", ");
	put_addrs(o, v, AF_INET6, true);
	put(o, " } drop\n");
}

static void
rules_port(struct out *o, const char *vm, const struct vif_spec *v,
	   unsigned ifindex)
{
	char pre[128];
	bool v4 = count(v, AF_INET) > 0, v6 = count(v, AF_INET6) > 0;

	snprintf(pre, sizeof(pre),
		 "add rule bridge " ANTISPOOF_TABLE " vif-%s meta iif %u", vm,
		 ifindex);
	put(o, "%s ether saddr != ", pre);
	put_mac(o, v->mac);
	put(o, " drop\n");
	/* A tagged frame's inner header is behind the tag, where no
	 * ip/arp match looks; the vif is no trunk. */
	put(o, "%s ether type { 8021q, 8021ad } drop\n", pre);
	if (!v->nips) {
		/* MAC only: ARP's sender MAC is the frame's. */
		put(o, "%s arp hlen != 6 drop\n", pre);
		put(o, "%s arp saddr ether != ", pre);
		put_mac(o, v->mac);
		put(o, " drop\n");
		return;
	}
	/* With ip=: what an addressed host sends, nothing else (RARP is
	 * QEMU's announcement of the guest's MAC after a restore). */
	put(o, "%s ether type != { 0x8035%s%s } drop\n", pre,
	    v4 ? ", ip, arp" : "", v6 ? ", ip6" : "");
	if (v4)
		rules_v4(o, pre, v);
	if (v6)
		rules_v6(o, pre, v);
}

static const char *const chains[] = { "pre", "in", "vif" };

int
antispoof_delete_cmds(const char *vm, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	/* The hooked chains first: they jump to vif-. */
	for (size_t i = 0; i < 3; i++)
		put(&o, "delete chain bridge " ANTISPOOF_TABLE " %s-%s\n",
		    chains[i], vm);
	return o.full ? -ENOSPC : (int)o.used;
}

int
antispoof_add_cmds(const char *vm, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	for (size_t i = 0; i < 3; i++)
		put(&o, "add chain bridge " ANTISPOOF_TABLE " %s-%s\n",
		    chains[i], vm);
	return o.full ? -ENOSPC : (int)o.used;
}

int
antispoof_rules(const char *vm, const struct vif_spec *vifs,
		const unsigned *ifindex, size_t n, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	/* Whatever a VM of this name left (a lost record) is replaced:
	 * adding a chain that exists is no error, and makes the delete
	 * that follows none either. */
	put(&o, "add table bridge " ANTISPOOF_TABLE "\n");
	if (o.full)
		return -ENOSPC;
	int a = antispoof_add_cmds(vm, buf + o.used, len - o.used);
	if (a < 0)
		return a;
	o.used += (size_t)a;
	int d = antispoof_delete_cmds(vm, buf + o.used, len - o.used);
	if (d < 0)
		return d;
	o.used += (size_t)d;
	/* Prerouting sees what the bridge forwards or passes up; input
	 * also sees link-local frames (STP) that skip prerouting. Priority
	 * -300: before anyone's filter. */
	put(&o, "add chain bridge " ANTISPOOF_TABLE " vif-%s\n", vm);
	put(&o,
	    "add chain bridge " ANTISPOOF_TABLE " pre-%s { type filter hook "
	    "prerouting priority -300; policy accept; }\n",
	    vm);
	put(&o,
	    "add chain bridge " ANTISPOOF_TABLE " in-%s { type filter hook "
	    "input priority -300; policy accept; }\n",
	    vm);
	put(&o, "add rule bridge " ANTISPOOF_TABLE " pre-%s jump vif-%s\n", vm,
	    vm);
	put(&o, "add rule bridge " ANTISPOOF_TABLE " in-%s jump vif-%s\n", vm,
	    vm);
	for (size_t i = 0; i < n; i++) {
		if (vifs[i].user)
			continue; /* no tap: passt's frames reach no bridge */
		if (ifindex[i] == 0)
			return -EINVAL;
		rules_port(&o, vm, &vifs[i], ifindex[i]);
	}
	return o.full ? -ENOSPC : (int)o.used;
}
