/* evil-dm's network mode (evil=late-spoof): a compromised device model
 * writing raw frames to its tap fd, forged and legitimate ones, each
 * marked "BHAS:<tag>;" so that a capture on the bridge's far side can
 * tell which arrived. Its addresses come from the guest command line:
 * as4= and as6= its own, f4= and f6= someone else's. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evil_net.h"

struct fr {
	uint8_t b[512];
	size_t n;
};

static void
add(struct fr *f, const void *p, size_t len)
{
	if (f->n + len <= sizeof(f->b)) {
		memcpy(f->b + f->n, p, len);
		f->n += len;
	}
}

static void
u8(struct fr *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	add(f, &b, 1);
}

static void
u16(struct fr *f, unsigned v)
{
	u8(f, v >> 8);
	u8(f, v);
}

static void
u32(struct fr *f, uint32_t v)
{
	u16(f, v >> 16);
	u16(f, v & 0xffff);
}

static void
mark(struct fr *f, const char *tag)
{
	char m[64];
	int n = snprintf(m, sizeof(m), "BHAS:%s;", tag);
	add(f, m, (size_t)n);
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t forged_mac[6] = { 0x00, 0x16, 0x3e, 0x66, 0x66, 0x66 };

/* A zero virtio-net header (the tap has IFF_VNET_HDR), then Ethernet. */
static void
eth(struct fr *f, const uint8_t src[6], unsigned type)
{
	static const uint8_t vnet[10];
	f->n = 0;
	add(f, vnet, sizeof(vnet));
	add(f, bcast, 6);
	add(f, src, 6);
	u16(f, type);
}

static void
arp(struct fr *f, unsigned op, const uint8_t sha[6], const uint8_t spa[4],
    const uint8_t tpa[4], const char *tag)
{
	static const uint8_t zero[6];
	u16(f, 1);
	u16(f, 0x0800);
	u8(f, 6);
	u8(f, 4);
	u16(f, op);
	add(f, sha, 6);
	add(f, spa, 4);
	add(f, zero, 6);
	add(f, tpa, 4);
	mark(f, tag);
}

static void
udp4(struct fr *f, const uint8_t src[4], unsigned sport, unsigned dport,
     const char *tag)
{
	char m[64];
	int mlen = snprintf(m, sizeof(m), "BHAS:%s;", tag);
	size_t h = f->n;
	u8(f, 0x45);
	u8(f, 0);
	u16(f, 20 + 8 + (unsigned)mlen);
	u32(f, 0);
	u8(f, 64);
	u8(f, 17);
	u16(f, 0);
	add(f, src, 4);
	add(f, bcast, 4);
	uint32_t sum = 0;
	for (size_t i = h; i < h + 20; i += 2)
		sum += (uint32_t)(f->b[i] << 8 | f->b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[h + 10] = (uint8_t)(~sum >> 8);
	f->b[h + 11] = (uint8_t)~sum;
	u16(f, sport);
	u16(f, dport);
	u16(f, 8 + (unsigned)mlen);
	u16(f, 0);
	add(f, m, (size_t)mlen);
}

/* IPv6 to ff02::1 with NEXT and BODY (built by the caller after). */
static void
ip6(struct fr *f, const uint8_t src[16], unsigned next, unsigned plen)
{
	static const uint8_t all[16] = { 0xff, 2, [15] = 1 };
	u32(f, 0x60000000);
	u16(f, plen);
	u8(f, next);
	u8(f, 255);
	add(f, src, 16);
	add(f, all, 16);
}

/* An IPv6 header whose destination is the mark "BHAS:TAG;" (TAG at
 * most 10 bytes): an ND message is exactly its fixed part and options,
 * with no room for a mark, and a bridge may trim what follows it. The
 * frame goes to the Ethernet broadcast address whatever this says. */
static void
ip6_tagged(struct fr *f, const uint8_t src[16], unsigned next, unsigned plen,
	   const char *tag)
{
	char dst[17] = { 0 };

	snprintf(dst, sizeof(dst), "BHAS:%s;", tag);
	u32(f, 0x60000000);
	u16(f, plen);
	u8(f, next);
	u8(f, 255);
	add(f, src, 16);
	add(f, dst, 16);
}

static void
udp6(struct fr *f, const uint8_t src[16], const char *tag)
{
	char m[64];
	int mlen = snprintf(m, sizeof(m), "BHAS:%s;", tag);
	ip6(f, src, 17, 8 + (unsigned)mlen);
	u16(f, 9999);
	u16(f, 9999);
	u16(f, 8 + (unsigned)mlen);
	u16(f, 0);
	add(f, m, (size_t)mlen);
}

/* ICMPv6 TYPE with a 4-byte word and a target (NS, NA) or 12 more
 * bytes (RA), no option; the mark in its destination. */
static void
icmp6(struct fr *f, const uint8_t src[16], unsigned type,
      const uint8_t target[16], const char *tag)
{
	ip6_tagged(f, src, 58, 8 + 16, tag);
	u8(f, type);
	u8(f, 0);
	u16(f, 0);
	u32(f, type == 136 ? 0x20000000 : 0);
	add(f, target, 16);
}

/* An Ethernet header to group address DST from SRC (link-local: LLDP,
 * 802.1X), TYPE, the mark: what only the bridge or link should hear. */
static void
group(struct fr *f, unsigned last, const uint8_t src[6], unsigned type,
      const char *tag)
{
	static const uint8_t vnet[10];
	const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0, 0, (uint8_t)last };
	f->n = 0;
	add(f, vnet, sizeof(vnet));
	add(f, dst, 6);
	add(f, src, 6);
	u16(f, type);
	mark(f, tag);
}

/* A fragment header: NEXT, byte offset OFF, more fragments MORE. */
static void
frag6(struct fr *f, unsigned next, unsigned off, int more, unsigned id)
{
	u8(f, next);
	u8(f, 0);
	u16(f, off | (more ? 1 : 0));
	u32(f, id);
}

/* A neighbour advertisement for TARGET cut in two fragments: the first
 * holds the ICMPv6 header and half the target, so a rule reading the
 * whole target finds none; the second the rest, and the mark. */
static void
frag_na(int tap, const uint8_t mac[6], const uint8_t src[16],
	const uint8_t target[16], unsigned id)
{
	struct fr f;
	char m[32];
	int mlen = snprintf(m, sizeof(m), "BHAS:bad-frag-na;");

	eth(&f, mac, 0x86dd);
	ip6(&f, src, 44, 8 + 16);
	frag6(&f, 58, 0, 1, id);
	u8(&f, 136);
	u8(&f, 0);
	u16(&f, 0);
	u32(&f, 0x20000000);
	add(&f, target, 8);
	(void)!write(tap, f.b, f.n);
	eth(&f, mac, 0x86dd);
	ip6(&f, src, 44, 8 + 8 + (unsigned)mlen);
	frag6(&f, 58, 16, 0, id);
	add(&f, target + 8, 8);
	add(&f, m, (size_t)mlen);
	(void)!write(tap, f.b, f.n);
}

/* A router advertisement behind a destination options header, in the
 * second fragment: the first says ICMPv6 comes, the second (whose
 * fragment header names only the options) holds it. */
static void
frag_ra(int tap, const uint8_t mac[6], const uint8_t src[16], unsigned id)
{
	struct fr f;
	char m[32];
	int mlen = snprintf(m, sizeof(m), "BHAS:bad-frag-ra;");

	eth(&f, mac, 0x86dd);
	ip6(&f, src, 44, 8 + 8);
	frag6(&f, 60, 0, 1, id);
	u8(&f, 58); /* options: next ICMPv6, 8 bytes, PadN */
	u8(&f, 0);
	u16(&f, 0x0104);
	u32(&f, 0);
	(void)!write(tap, f.b, f.n);
	eth(&f, mac, 0x86dd);
	ip6(&f, src, 44, 8 + 16 + (unsigned)mlen);
	frag6(&f, 60, 8, 0, id);
	u8(&f, 134);
	u8(&f, 0);
	u16(&f, 0);
	u32(&f, 0x40000e10); /* hop limit 64, router lifetime 3600 s */
	u32(&f, 0);
	u32(&f, 0);
	add(&f, m, (size_t)mlen);
	(void)!write(tap, f.b, f.n);
}

/* A neighbour advertisement for TARGET behind an authentication header
 * (12 bytes of ICV: 24 in all, length field 4). */
static void
ah_na(struct fr *f, const uint8_t src[16], const uint8_t target[16])
{
	char m[32];
	int mlen = snprintf(m, sizeof(m), "BHAS:bad-ah-na;");

	ip6(f, src, 51, 24 + 24 + (unsigned)mlen);
	u8(f, 58);
	u8(f, 4);
	u16(f, 0);
	u32(f, 0x1000); /* SPI */
	u32(f, 1);      /* sequence */
	for (int i = 0; i < 3; i++)
		u32(f, 0);
	u8(f, 136);
	u8(f, 0);
	u16(f, 0);
	u32(f, 0x20000000);
	add(f, target, 16);
	add(f, m, (size_t)mlen);
}

/* A neighbour advertisement for TARGET behind hop-by-hop, which the
 * rules let through before ICMPv6 (MLD): its type and target are still
 * read there. */
static void
hbh_na(struct fr *f, const uint8_t src[16], const uint8_t target[16])
{
	char m[32];
	int mlen = snprintf(m, sizeof(m), "BHAS:bad-hbh-na;");

	ip6(f, src, 0, 8 + 24 + (unsigned)mlen);
	u8(f, 58);
	u8(f, 0);
	u16(f, 0x0104); /* PadN, 4 bytes */
	u32(f, 0);
	u8(f, 136);
	u8(f, 0);
	u16(f, 0);
	u32(f, 0x20000000);
	add(f, target, 16);
	add(f, m, (size_t)mlen);
}

/* An MLDv2 report with hop-by-hop's router alert, as a host sends on
 * joining a group: what the extension-header rules must let pass. */
static void
mld(struct fr *f, const uint8_t src[16])
{
	char m[32];
	int mlen = snprintf(m, sizeof(m), "BHAS:ok-mld;");

	ip6(f, src, 0, 8 + 8 + (unsigned)mlen);
	u8(f, 58);
	u8(f, 0);
	u32(f, 0x05020000); /* router alert: MLD */
	u16(f, 0x0100);     /* PadN, 0 bytes */
	u8(f, 143);
	u8(f, 0);
	u16(f, 0);
	u16(f, 0);
	u16(f, 0); /* no records */
	add(f, m, (size_t)mlen);
}

static const char *
arg(int argc, char **argv, const char *key)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-append") != 0)
			continue;
		const char *p = strstr(argv[i + 1], key);
		return p ? p + strlen(key) : NULL;
	}
	return NULL;
}

static int
addr(int af, int argc, char **argv, const char *key, uint8_t *out)
{
	char s[64];
	const char *v = arg(argc, argv, key);
	if (!v)
		return -1;
	snprintf(s, sizeof(s), "%.*s", (int)strcspn(v, " \""), v);
	return inet_pton(af, s, out) == 1 ? 0 : -1;
}

void
evil_net(int argc, char **argv)
{
	int tap = -1;
	uint8_t mac[6] = { 0 }, a4[4], f4[4], a6[16], f6[16];
	static const uint8_t zero[16], peer[4] = { 10, 255, 255, 1 };
	unsigned m[6];

	for (int i = 1; i + 1 < argc; i++) {
		const char *p = strstr(argv[i + 1], ",fd=");
		if (!strcmp(argv[i], "-netdev") && p)
			tap = atoi(p + 4);
		p = strstr(argv[i + 1], ",mac=");
		if (!strcmp(argv[i], "-device") && p &&
		    sscanf(p + 5, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1],
			   &m[2], &m[3], &m[4], &m[5]) == 6)
			for (int k = 0; k < 6; k++)
				mac[k] = (uint8_t)m[k];
	}
	if (tap < 0 || addr(AF_INET, argc, argv, "as4=", a4) ||
	    addr(AF_INET, argc, argv, "f4=", f4) ||
	    addr(AF_INET6, argc, argv, "as6=", a6) ||
	    addr(AF_INET6, argc, argv, "f6=", f6)) {
		fprintf(stderr, "evil-dm: late-spoof: no tap or addresses\n");
		return;
	}
	fprintf(stderr, "evil-dm: spoofing on tap fd %d\n", tap);
	for (int round = 0; round < 240; round++) {
		struct fr f;
#define SEND() (void)!write(tap, f.b, f.n)
		/* What the VM may send. */
		eth(&f, mac, 0x0800);
		udp4(&f, a4, 9999, 9999, "ok-udp4");
		SEND();
		eth(&f, mac, 0x0806);
		arp(&f, 1, mac, a4, peer, "ok-arp");
		SEND();
		eth(&f, mac, 0x0806);
		arp(&f, 1, mac, zero, a4, "ok-probe");
		SEND();
		eth(&f, mac, 0x0800);
		udp4(&f, zero, 68, 67, "ok-dhcp");
		SEND();
		eth(&f, mac, 0x86dd);
		udp6(&f, a6, "ok-udp6");
		SEND();
		eth(&f, mac, 0x86dd);
		icmp6(&f, zero, 135, a6, "ok-dad");
		SEND();
		eth(&f, mac, 0x86dd);
		icmp6(&f, a6, 136, a6, "ok-na");
		SEND();
		eth(&f, mac, 0x8035);
		arp(&f, 3, mac, zero, zero, "ok-rarp");
		SEND();
		eth(&f, mac, 0x86dd);
		mld(&f, a6);
		SEND();
		/* What it may not. */
		eth(&f, forged_mac, 0x0800);
		udp4(&f, a4, 9999, 9999, "bad-mac");
		SEND();
		eth(&f, mac, 0x0800);
		udp4(&f, f4, 9999, 9999, "bad-ip4");
		SEND();
		eth(&f, mac, 0x0800);
		udp4(&f, zero, 9, 9, "bad-zero");
		SEND();
		eth(&f, mac, 0x0806);
		arp(&f, 2, mac, f4, peer, "bad-arp-ip");
		SEND();
		eth(&f, mac, 0x0806);
		arp(&f, 2, forged_mac, a4, peer, "bad-arp-mac");
		SEND();
		eth(&f, mac, 0x8100);
		u16(&f, 5);
		u16(&f, 0x0806);
		arp(&f, 2, mac, f4, peer, "bad-vlan-arp");
		SEND();
		eth(&f, mac, 0x86dd);
		udp6(&f, f6, "bad-ip6");
		SEND();
		eth(&f, mac, 0x86dd);
		udp6(&f, zero, "bad-dad-udp");
		SEND();
		eth(&f, mac, 0x86dd);
		icmp6(&f, a6, 136, f6, "bad-na");
		SEND();
		eth(&f, mac, 0x86dd);
		icmp6(&f, a6, 134, zero, "bad-ra");
		SEND();
		eth(&f, mac, 0x88b5);
		mark(&f, "bad-ethertype");
		SEND();
		/* ICMPv6 behind extension headers (review of issue 14). */
		frag_na(tap, mac, a6, f6, (unsigned)round);
		frag_ra(tap, mac, a6, (unsigned)round + 1000);
		eth(&f, mac, 0x86dd);
		ah_na(&f, a6, f6);
		SEND();
		eth(&f, mac, 0x86dd);
		hbh_na(&f, a6, f6);
		SEND();
		/* Link-local group addresses, from its own MAC: LLDP and an
		 * 802.1X logoff, for a bridge that forwards them. */
		group(&f, 0x0e, mac, 0x88cc, "bad-lldp");
		SEND();
		group(&f, 0x03, mac, 0x888e, "bad-eapol");
		SEND();
		usleep(100000);
	}
}

/* evil=late-bpdu (review of issue 14): a configuration BPDU to the
 * bridge group address, from a source MAC that is not the vif's,
 * claiming root bridge priority 0 with that MAC, once a second. */
void
evil_bpdu(int argc, char **argv)
{
	int tap = -1;
	static const uint8_t stp[6] = { 0x01, 0x80, 0xc2, 0, 0, 0 };

	for (int i = 1; i + 1 < argc; i++) {
		const char *p = strstr(argv[i + 1], ",fd=");
		if (!strcmp(argv[i], "-netdev") && p)
			tap = atoi(p + 4);
	}
	if (tap < 0) {
		fprintf(stderr, "evil-dm: bpdu: no tap\n");
		return;
	}
	fprintf(stderr, "evil-dm: bpdu on tap fd %d\n", tap);
	for (int round = 0; round < 600; round++) {
		static const uint8_t vnet[10];
		struct fr f;
		f.n = 0;
		add(&f, vnet, sizeof(vnet));
		add(&f, stp, 6);
		add(&f, forged_mac, 6);
		u16(&f, 3 + 35); /* 802.3 length: LLC + config BPDU */
		u8(&f, 0x42);
		u8(&f, 0x42);
		u8(&f, 0x03);
		u16(&f, 0); /* protocol */
		u8(&f, 0);  /* version */
		u8(&f, 0);  /* config */
		u8(&f, 0);  /* flags */
		u16(&f, 0); /* root: priority 0 */
		add(&f, forged_mac, 6);
		u32(&f, 0); /* root path cost */
		u16(&f, 0); /* bridge: priority 0 */
		add(&f, forged_mac, 6);
		u16(&f, 0x8001);   /* port */
		u16(&f, 0);        /* message age */
		u16(&f, 20 * 256); /* max age */
		u16(&f, 2 * 256);  /* hello */
		u16(&f, 15 * 256); /* forward delay */
		while (f.n < 10 + 60)
			u8(&f, 0);
		(void)!write(tap, f.b, f.n);
		usleep(500000);
	}
}

/* evil=late-passt-udp (review of issue 14): as a guest may, send one UDP
 * datagram from source port pport= to port pdport= (9 if none) of the
 * gateway pgw= (passt's, the host's default gateway, which passt maps to
 * the host's loopback; 192.0.2.1 if none) through a type=user vif's stream
 * socket (4-byte length, then Ethernet), then report every frame passt
 * delivers that carries a BHRV- mark (sent by the host's network,
 * which the guest never asked for). */
void
evil_passt_udp(int argc, char **argv)
{
	int s = -1;
	unsigned port = 0, dport = 9;
	const char *p = arg(argc, argv, "pport="),
		   *d = arg(argc, argv, "pdport=");
	static const uint8_t me[4] = { 192, 0, 2, 2 };
	uint8_t gw[4] = { 192, 0, 2, 1 };
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x0c, 0x0d, 0x0e };

	for (int i = 1; i + 1 < argc; i++) {
		const char *q = strstr(argv[i + 1], "addr.str=");
		if (!strcmp(argv[i], "-netdev") && q)
			s = atoi(q + 9);
	}
	if (p)
		port = (unsigned)atoi(p);
	if (d)
		dport = (unsigned)atoi(d);
	if (arg(argc, argv, "pgw=") &&
	    addr(AF_INET, argc, argv, "pgw=", gw) < 0)
		fprintf(stderr, "evil-dm: passt-udp: bad pgw=\n");
	if (s < 0 || !port) {
		fprintf(stderr, "evil-dm: passt-udp: no stream fd or pport\n");
		return;
	}
	struct fr f;
	f.n = 0;
	u32(&f, 0); /* length, set below */
	add(&f, bcast, 6);
	add(&f, mac, 6);
	u16(&f, 0x0800);
	size_t h = f.n;
	u8(&f, 0x45);
	u8(&f, 0);
	u16(&f, 20 + 8 + 5);
	u32(&f, 0);
	u8(&f, 64);
	u8(&f, 17);
	u16(&f, 0);
	add(&f, me, 4);
	add(&f, gw, 4);
	uint32_t sum = 0;
	for (size_t i = h; i < h + 20; i += 2)
		sum += (uint32_t)(f.b[i] << 8 | f.b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f.b[h + 10] = (uint8_t)(~sum >> 8);
	f.b[h + 11] = (uint8_t)~sum;
	u16(&f, port);
	u16(&f, dport);
	u16(&f, 8 + 5);
	u16(&f, 0);
	add(&f, "hello", 5);
	uint32_t len = (uint32_t)(f.n - 4);
	f.b[0] = (uint8_t)(len >> 24);
	f.b[1] = (uint8_t)(len >> 16);
	f.b[2] = (uint8_t)(len >> 8);
	f.b[3] = (uint8_t)len;
	(void)!write(s, f.b, f.n);
	fprintf(stderr, "evil-dm: passt-udp: sent from port %u\n", port);
	static char buf[1 << 16];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(s, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = 0;
		/* BHRV-INBOUND to the guest's port, BHRV-STRANGER to the
		 * port passt bound for it, BHRV-REPLY from the server. */
		static const char *const marks[] = { "BHRV-INBOUND",
						     "BHRV-STRANGER",
						     "BHRV-REPLY" };
		for (size_t m = 0; m < 3; m++)
			if (memmem(buf, have, marks[m], strlen(marks[m]))) {
				fprintf(stderr, "evil-dm: passt-udp: got %s\n",
					marks[m]);
				have = 0;
			}
		if (have > sizeof(buf) / 2)
			have = 0;
	}
}

/* evil=late-ndopts (review 15): frames the rules let through though
 * they speak for someone else, each marked: a duplicate address probe
 * for another's address (fails that host's DAD), a neighbour
 * advertisement for its own address and a solicitation whose
 * link-layer option names another MAC (ARP's sender MAC is held, ND's
 * is not; or its own MAC's option and then a second naming another),
 * and DHCP and DHCPv6 server replies (a rogue server hands
 * out another router and resolver, as a router advertisement would).
 * ok-r15 is its own frame, the baseline; ok-sllao a solicitation with
 * its own MAC and ok-nonce a DAD probe with an RFC 7527 nonce (Linux's),
 * which must still arrive. */
static void
nd_opt(struct fr *f, const uint8_t src[16], unsigned type,
       const uint8_t target[16], unsigned opt, const uint8_t first[6],
       bool second, const char *tag)
{
	ip6_tagged(f, src, 58, 8 + 16 + 8 + (second ? 8 : 0), tag);
	u8(f, type);
	u8(f, 0);
	u16(f, 0);
	u32(f, type == 136 ? 0x20000000 : 0);
	add(f, target, 16);
	u8(f, opt);
	u8(f, 1);
	add(f, first, 6);
	if (second) {
		u8(f, opt);
		u8(f, 1);
		add(f, forged_mac, 6);
	}
}

void
evil_ndopts(int argc, char **argv)
{
	int tap = -1;
	uint8_t mac[6] = { 0 }, a4[4], a6[16], f6[16];
	static const uint8_t zero[16];
	static const uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };
	unsigned m[6];

	for (int i = 1; i + 1 < argc; i++) {
		const char *p = strstr(argv[i + 1], ",fd=");
		if (!strcmp(argv[i], "-netdev") && p)
			tap = atoi(p + 4);
		p = strstr(argv[i + 1], ",mac=");
		if (!strcmp(argv[i], "-device") && p &&
		    sscanf(p + 5, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1],
			   &m[2], &m[3], &m[4], &m[5]) == 6)
			for (int k = 0; k < 6; k++)
				mac[k] = (uint8_t)m[k];
	}
	if (tap < 0 || addr(AF_INET, argc, argv, "as4=", a4) ||
	    addr(AF_INET6, argc, argv, "as6=", a6) ||
	    addr(AF_INET6, argc, argv, "f6=", f6)) {
		fprintf(stderr, "evil-dm: late-ndopts: no tap or addresses\n");
		return;
	}
	for (int round = 0; round < 240; round++) {
		struct fr f;
		char mk[64];
		int mlen;
		eth(&f, mac, 0x0800);
		udp4(&f, a4, 9999, 9999, "ok-r15");
		SEND();
		eth(&f, mac, 0x86dd);
		icmp6(&f, zero, 135, f6, "bad-dadfor");
		SEND();
		eth(&f, mac, 0x86dd);
		nd_opt(&f, a6, 136, a6, 2, forged_mac, false, "bad-tllao");
		SEND();
		eth(&f, mac, 0x86dd);
		nd_opt(&f, a6, 135, f6, 1, forged_mac, false, "bad-sllao");
		SEND();
		eth(&f, mac, 0x86dd);
		nd_opt(&f, a6, 136, a6, 2, mac, true, "bad-2opts");
		SEND();
		eth(&f, mac, 0x86dd);
		nd_opt(&f, a6, 135, f6, 1, mac, false, "ok-sllao");
		SEND();
		eth(&f, mac, 0x86dd);
		nd_opt(&f, zero, 135, a6, 14, nonce, false, "ok-nonce");
		SEND();
		eth(&f, mac, 0x0800);
		udp4(&f, a4, 67, 68, "bad-dhcp-server");
		SEND();
		eth(&f, mac, 0x86dd);
		mlen = snprintf(mk, sizeof(mk), "BHAS:bad-dhcp6-server;");
		ip6(&f, a6, 17, 8 + (unsigned)mlen);
		u16(&f, 547);
		u16(&f, 546);
		u16(&f, 8 + (unsigned)mlen);
		u16(&f, 0);
		add(&f, mk, (size_t)mlen);
		SEND();
		usleep(100000);
	}
}
