/* The nft text of a VM's anti-spoofing rules (antispoof.h). Everything
 * printed comes from parsed bytes (addresses, MACs, interface indexes) or
 * a validated VM name, so no config text reaches nft's parser. */
#include "antispoof.h"

#include "../config/config.h"

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

/* The EUI-64 link-local address of MAC m, as 16 bytes. */
static void
link_local(const uint8_t m[6], uint8_t a[16])
{
	struct vif_ip ll;

	vif_link_local(m, &ll);
	memcpy(a, ll.addr, 16);
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
	/* A DHCP server's port: a rogue server names another router and
	 * resolver, as the router advertisements dropped below would. */
	put(o, "%s ip protocol udp udp sport 67 drop\n", pre);
	put(o, "%s ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n", pre);
	put(o, "%s ip saddr != { ", pre);
	put_addrs(o, v, AF_INET, false);
	put(o, " } drop\n");
}

/* IPv6 extension headers a VM with ip= may not send first: a fragment
 * header puts the ICMPv6 header, or its target, in a fragment the rules
 * cannot read (a rule whose field is missing does not match), and the
 * others wrap what follows (AH, ESP) or lengthen the chain ahead of it.
 * Routing 43, fragment 44, ESP 50, AH 51, destination options 60,
 * mobility 135, HIP 139, shim6 140, experimental 253 and 254. */
#define V6_EXTHDRS "43, 44, 50, 51, 60, 135, 139, 140, 253, 254"

/* Neighbour discovery (RFC 4861): router solicitation and advertisement,
 * neighbour solicitation and advertisement, redirect. */
#define ND_TYPES "133, 134, 135, 136, 137"

/* The options of ND message TYPE, whose fixed part is HDR bytes: none,
 * or exactly one (8 bytes: type, length 1, 6 more) of type OPT, naming
 * the vif's own MAC, or of type 14 if NONCE (RFC 7527: Linux puts a
 * nonce in its DAD probes), naming none. The ICMPv6 length is exact, so
 * no second option names another MAC; ip6 length is the ICMPv6 length
 * because ND behind hop-by-hop is dropped before this. */
static void
rules_llao(struct out *o, const char *pre, const struct vif_spec *v,
	   const char *type, unsigned hdr, unsigned opt, bool nonce)
{
	const uint8_t *m = v->mac;

	put(o, "%s icmpv6 type %s ip6 length != { %u, %u } drop\n", pre, type,
	    hdr, hdr + 8);
	put(o, "%s icmpv6 type %s ip6 length %u @th,%u,16 != ", pre, type,
	    hdr + 8, hdr * 8);
	put(o, nonce ? "{ 0x%02x01, 0x0e01 } drop\n" : "0x%02x01 drop\n", opt);
	put(o,
	    "%s icmpv6 type %s ip6 length %u @th,%u,16 0x%02x01 @th,%u,48 != "
	    "0x%02x%02x%02x%02x%02x%02x drop\n",
	    pre, type, hdr + 8, hdr * 8, opt, hdr * 8 + 16, m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/* IPv6 with ip= giving IPv6 addresses: the source is one of them or the
 * MAC's link-local address; :: only for duplicate address detection
 * (neighbour solicitations for its own addresses, MLD reports); a
 * neighbour advertisement only for the VM's own addresses; ND's
 * link-layer address options only the vif's MAC; no router advertisement
 * or redirect (a VM is a host, not a router); no DHCPv6 server. Extension
 * headers first, so that no accept below sees a packet whose ICMPv6 part
 * hides behind one; hop-by-hop (MLD's router alert) only directly before
 * ICMPv6, which icmpv6 type then reads (nft's transport header is found
 * past it), and never before ND, which does not use it. */
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
	put(o, "%s ip6 nexthdr { " V6_EXTHDRS " } drop\n", pre);
	/* The hop-by-hop header's own next header: byte 40. */
	put(o, "%s ip6 nexthdr 0 @nh,320,8 != 58 drop\n", pre);
	put(o, "%s ip6 nexthdr 0 icmpv6 type { " ND_TYPES " } drop\n", pre);
	put(o, "%s ip6 nexthdr udp udp sport 547 drop\n", pre);
	/* RS: 8 bytes, then its option; NS, NA: 24 (with the target). */
	rules_llao(o, pre, v, "nd-router-solicit", 8, 1, false);
	rules_llao(o, pre, v, "nd-neighbor-solicit", 24, 1, true);
	rules_llao(o, pre, v, "nd-neighbor-advert", 24, 2, false);
	/* The target address is at bytes 8..23 of the ICMPv6 message: a
	 * DAD probe for another's address fails that host's DAD. */
	put(o,
	    "%s ip6 saddr :: icmpv6 type nd-neighbor-solicit "
	    "@th,64,128 != { ",
	    pre);
	put_addrs(o, &ll, AF_INET6, true);
	put(o, ", ");
	put_addrs(o, v, AF_INET6, true);
	put(o, " } drop\n");
	put(o,
	    "%s ip6 saddr :: icmpv6 type { nd-neighbor-solicit, "
	    "mld2-listener-report } accept\n",
	    pre);
	put(o, "%s ip6 saddr != { %s, ", pre, s);
	put_addrs(o, v, AF_INET6, false);
	put(o, " } drop\n");
	put(o, "%s icmpv6 type { nd-router-advert, nd-redirect } drop\n", pre);
	put(o, "%s icmpv6 type nd-neighbor-advert @th,64,128 != { ", pre);
	put_addrs(o, &ll, AF_INET6, true);
	put(o, ", ");
	put_addrs(o, v, AF_INET6, true);
	put(o, " } drop\n");
}

/* A tap name as nft reads it between quotes: what bulkhead names taps
 * (bhID.N) and what an admin plausibly does, nothing nft could misread. */
static bool
tap_name_ok(const char *tap)
{
	size_t n = strlen(tap);

	if (n == 0 || n >= 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = tap[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Port K of VM: its own base chain on the ingress hook of its tap, which
 * sees every frame the tap sends before the bridge does, link-local
 * group addresses included. Priority -500: before anyone's filter. */
static void
rules_port(struct out *o, const char *vm, size_t k, const struct vif_spec *v)
{
	char pre[160];
	bool v4 = count(v, AF_INET) > 0, v6 = count(v, AF_INET6) > 0;

	put(o,
	    "add chain " ANTISPOOF_FAMILY " " ANTISPOOF_TABLE " tap-%s/%zu "
	    "{ type filter hook ingress device \"%s\" priority -500; "
	    "policy accept; }\n",
	    vm, k, v->vifname);
	snprintf(pre, sizeof(pre),
		 "add rule " ANTISPOOF_FAMILY " " ANTISPOOF_TABLE " tap-%s/%zu",
		 vm, k);
	/* 01:80:c2:00:00:0X: STP, pause, 802.1X, LLDP...: the bridge's or
	 * the link's own protocols, none a VM's to speak. */
	put(o, "%s ether daddr & ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00 drop\n",
	    pre);
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

/* "add" or "delete" each chain VM may have, tap-VM/0 to the most vifs a
 * VM has: found by the VM's name, whatever its record lost. */
static int
chain_cmds(const char *verb, const char *vm, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	for (size_t k = 0; k < CONFIG_VIFS_MAX; k++)
		put(&o,
		    "%s chain " ANTISPOOF_FAMILY " " ANTISPOOF_TABLE
		    " tap-%s/%zu\n",
		    verb, vm, k);
	return o.full ? -ENOSPC : (int)o.used;
}

int
antispoof_delete_cmds(const char *vm, char *buf, size_t len)
{
	return chain_cmds("delete", vm, buf, len);
}

int
antispoof_add_cmds(const char *vm, char *buf, size_t len)
{
	return chain_cmds("add", vm, buf, len);
}

int
antispoof_rules(const char *vm, const struct vif_spec *vifs, size_t n,
		char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };
	size_t k = 0;

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	/* Whatever a VM of this name left (a lost record) is replaced:
	 * adding a chain that exists is no error, and makes the delete
	 * that follows none either. */
	put(&o, "add table " ANTISPOOF_FAMILY " " ANTISPOOF_TABLE "\n");
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
	for (size_t i = 0; i < n; i++) {
		if (vifs[i].user)
			continue; /* no tap: passt's frames reach no bridge */
		if (!tap_name_ok(vifs[i].vifname))
			return -EINVAL;
		rules_port(&o, vm, k++, &vifs[i]);
	}
	return o.full ? -ENOSPC : (int)o.used;
}
