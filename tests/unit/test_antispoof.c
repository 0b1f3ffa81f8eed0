/* The anti-spoofing rules of a VM's vifs: the text given to nftables for
 * MAC-only vifs and for ip= with IPv4, IPv6 or both; names nft could
 * misread refused; and, as root, the rules loaded into the kernel and
 * removed again (chains of a name no VM has, on a tap of the test's own
 * that lives as long as its fd); and the inbound guard's rule of a
 * type=user vif's passt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/host/antispoof.h"
#include "../../src/host/inbound_guard.h"

static char buf[65536];

static void
vif(const char *spec, struct vif_spec *v)
{
	char why[256] = "";

	if (vif_spec_parse(spec, v, why, sizeof(why)) != 0)
		fail_msg("'%s': %s", spec, why);
}

static void
has(const char *line)
{
	if (!strstr(buf, line))
		fail_msg("no '%s' in:\n%s", line, buf);
}

static void
hasnt(const char *what)
{
	if (strstr(buf, what))
		fail_msg("'%s' in:\n%s", what, buf);
}

#define R "add rule netdev bulkhead tap-vm1/0 "

static void
test_mac_only(void **state)
{
	(void)state;
	struct vif_spec v;

	vif("bridge=br0, mac=00:16:3e:01:02:03, vifname=bh7.0", &v);
	assert_true(antispoof_rules("vm1", &v, 1, buf, sizeof(buf)) > 0);
	/* Any chain of the name replaced in the same transaction. */
	has("add table netdev bulkhead\n"
	    "add chain netdev bulkhead tap-vm1/0\n"
	    "add chain netdev bulkhead tap-vm1/1\n");
	has("add chain netdev bulkhead tap-vm1/7\n"
	    "delete chain netdev bulkhead tap-vm1/0\n");
	has("delete chain netdev bulkhead tap-vm1/7\n"
	    "add chain netdev bulkhead tap-vm1/0 { type filter hook ingress "
	    "device \"bh7.0\" priority -500; policy accept; }\n");
	/* Link-local group addresses first, then the MAC. */
	has(R "ether daddr & ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00 drop\n" R
	      "ether saddr != 00:16:3e:01:02:03 drop\n");
	hasnt("bridge");
	hasnt("tap-vm1/1 {");
	has(R "ether type { 8021q, 8021ad } drop\n");
	has(R "arp saddr ether != 00:16:3e:01:02:03 drop\n");
	/* Without ip=, no address is checked. */
	hasnt("ip saddr");
	hasnt("ip6");
	hasnt("ether type !=");
}

static void
test_dual(void **state)
{
	(void)state;
	struct vif_spec v;

	vif("mac=02:16:3e:0a:0b:0c, ip=10.0.0.5 fd00::5 192.168.7.1, "
	    "vifname=bh7.0",
	    &v);
	assert_true(antispoof_rules("vm1", &v, 1, buf, sizeof(buf)) > 0);
	has(R "ether saddr != 02:16:3e:0a:0b:0c drop\n");
	has(R "ether type != { 0x8035, ip, arp, ip6 } drop\n");
	has(R "arp htype != 1 drop\n" R "arp ptype != ip drop\n" R
	      "arp hlen != 6 drop\n" R "arp plen != 4 drop\n");
	has(R "arp saddr ether != 02:16:3e:0a:0b:0c drop\n");
	has(R "arp saddr ip != { 0.0.0.0, 10.0.0.5, 192.168.7.1 } drop\n");
	/* No DHCP server; the client's exception before the source check. */
	has(R "ip protocol udp udp sport 67 drop\n" R
	      "ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n" R
	      "ip saddr != { 10.0.0.5, 192.168.7.1 } drop\n");
	/* Extension headers that could hide ICMPv6 go before any accept;
	 * hop-by-hop only in front of ICMPv6 (MLD). */
	has(R "ip6 nexthdr { 43, 44, 50, 51, 60, 135, 139, 140, 253, 254 } "
	      "drop\n" R "ip6 nexthdr 0 @nh,320,8 != 58 drop\n" R
	      "ip6 nexthdr 0 icmpv6 type { 133, 134, 135, 136, 137 } drop\n" R
	      "ip6 nexthdr udp udp sport 547 drop\n");
	/* Link-layer address options: none or exactly one, the vif's MAC
	 * (or a DAD nonce); all before the accept of ::. */
	has(R "icmpv6 type nd-router-solicit ip6 length != { 8, 16 } drop\n" R
	      "icmpv6 type nd-router-solicit ip6 length 16 @th,64,16 != "
	      "0x0101 drop\n" R
	      "icmpv6 type nd-router-solicit ip6 length 16 @th,64,16 0x0101 "
	      "@th,80,48 != "
	      "0x02163e0a0b0c drop\n" R
	      "icmpv6 type nd-neighbor-solicit ip6 length != { 24, 32 } "
	      "drop\n" R
	      "icmpv6 type nd-neighbor-solicit ip6 length 32 @th,192,16 != "
	      "{ 0x0101, 0x0e01 } drop\n" R
	      "icmpv6 type nd-neighbor-solicit ip6 length 32 @th,192,16 0x0101 "
	      "@th,208,48 != "
	      "0x02163e0a0b0c drop\n" R
	      "icmpv6 type nd-neighbor-advert ip6 length != { 24, 32 } "
	      "drop\n" R
	      "icmpv6 type nd-neighbor-advert ip6 length 32 @th,192,16 != "
	      "0x0201 drop\n" R
	      "icmpv6 type nd-neighbor-advert ip6 length 32 @th,192,16 0x0201 "
	      "@th,208,48 != "
	      "0x02163e0a0b0c drop\n" R
	      "ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 != { "
	      "0xfe8000000000000000163efffe0a0b0c, "
	      "0xfd000000000000000000000000000005 } drop\n" R
	      "ip6 saddr :: icmpv6 type { nd-neighbor-solicit, ");
	/* The EUI-64 link-local of 02:16:3e:0a:0b:0c flips bit 1: 00. */
	has(R "ip6 saddr :: icmpv6 type { nd-neighbor-solicit, "
	      "mld2-listener-report } accept\n" R
	      "ip6 saddr != { fe80::16:3eff:fe0a:b0c, fd00::5 } drop\n");
	has(R "icmpv6 type { nd-router-advert, nd-redirect } drop\n");
	has(R "icmpv6 type nd-neighbor-advert @th,64,128 != { "
	      "0xfe8000000000000000163efffe0a0b0c, "
	      "0xfd000000000000000000000000000005 } drop\n");
}

/* ip= with no address of a family: that family is dropped whole. */
static void
test_one_family(void **state)
{
	(void)state;
	struct vif_spec v;

	vif("mac=00:16:3e:01:02:03, ip=10.0.0.5, vifname=bh7.0", &v);
	assert_true(antispoof_rules("vm1", &v, 1, buf, sizeof(buf)) > 0);
	has(R "ether type != { 0x8035, ip, arp } drop\n");
	hasnt("ip6");
	hasnt("nexthdr");
	vif("mac=00:16:3e:01:02:03, ip=2001:db8::1, vifname=bh7.0", &v);
	assert_true(antispoof_rules("vm1", &v, 1, buf, sizeof(buf)) > 0);
	has(R "ether type != { 0x8035, ip6 } drop\n");
	hasnt("arp");
	hasnt("ip saddr");
}

/* Each tap has its own chain on its own ingress hook, numbered among
 * the taps (a user-mode vif has none). */
static void
test_two_ports(void **state)
{
	(void)state;
	struct vif_spec v[3];

	vif("mac=00:16:3e:01:02:03, vifname=bh7.0", &v[0]);
	vif("type=user", &v[1]);
	vif("mac=00:16:3e:01:02:04, ip=10.0.0.9, vifname=bh7.2", &v[2]);
	assert_true(antispoof_rules("vm1", v, 3, buf, sizeof(buf)) > 0);
	has(R "ether saddr != 00:16:3e:01:02:03 drop\n");
	has("add chain netdev bulkhead tap-vm1/1 { type filter hook ingress "
	    "device \"bh7.2\" priority -500; policy accept; }\n");
	has("tap-vm1/1 ether saddr != 00:16:3e:01:02:04 drop\n");
	has("tap-vm1/1 ip saddr != { 10.0.0.9 } drop\n");
	hasnt("tap-vm1/0 ip saddr");
	hasnt("tap-vm1/2 {");
}

static void
test_refused(void **state)
{
	(void)state;
	struct vif_spec v;
	static const char *const names[] = {
		"",
		"a b",
		"a;flush ruleset",
		"a\nflush ruleset",
		"a}",
		"a\"",
		"x0123456789012345678901234567890123456789012345678901234567890123",
	};

	vif("mac=00:16:3e:01:02:03, vifname=bh7.0", &v);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (antispoof_rules(names[i], &v, 1, buf, sizeof(buf)) !=
		    -EINVAL)
			fail_msg("name '%s' taken", names[i]);
		assert_int_equal(
			antispoof_delete_cmds(names[i], buf, sizeof(buf)),
			-EINVAL);
	}
	assert_int_equal(antispoof_rules("vm1", &v, 1, buf, 300), -ENOSPC);
	/* A tap name nft would read as more than a name, or none. */
	static const char *const taps[] = { "", "a\"b", "a;b", "a}b", "a\\b" };
	for (size_t i = 0; i < sizeof(taps) / sizeof(taps[0]); i++) {
		snprintf(v.vifname, sizeof(v.vifname), "%s", taps[i]);
		if (antispoof_rules("vm1", &v, 1, buf, sizeof(buf)) != -EINVAL)
			fail_msg("tap '%s' taken", taps[i]);
	}
	assert_true(antispoof_delete_cmds("vm1", buf, sizeof(buf)) > 0);
	has("delete chain netdev bulkhead tap-vm1/0\n");
	has("delete chain netdev bulkhead tap-vm1/7\n");
	hasnt("tap-vm1/8");
}

/* nft's answer to CMD: 0 or -1. */
static int
nft(const char *cmd)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	int rc = nft_run_cmd_from_buffer(ctx, cmd);
	nft_ctx_free(ctx);
	return rc == 0 ? 0 : -1;
}

/* 0 when nft lists the VM's first tap chain, -1 when it does not. */
static int
listed(const char *vm)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "list chain netdev bulkhead tap-%s/0", vm);
	return nft(cmd);
}

/* A tap of the test's own, gone when fd closes; its index, or 0. */
static unsigned
own_tap(int *fd, char name[IFNAMSIZ])
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

	snprintf(ifr.ifr_name, IFNAMSIZ, "bhut%d", (int)getpid() % 100000);
	*fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*fd < 0 || ioctl(*fd, TUNSETIFF, &ifr) < 0)
		return 0;
	snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
	return if_nametoindex(name);
}

static void
test_kernel(void **state)
{
	(void)state;
	struct vif_spec v;
	char vm[64], why[256] = "", tap[IFNAMSIZ], spec[128], cmd[512];
	int fd;

	if (geteuid() != 0)
		skip();
	unsigned idx = own_tap(&fd, tap);
	if (!idx)
		fail_msg("no tap");
	snprintf(vm, sizeof(vm), "bhtest-unit-%d", (int)getpid());
	snprintf(spec, sizeof(spec),
		 "mac=02:16:3e:0a:0b:0c, ip=10.0.0.5 fd00::5, vifname=%s", tap);
	vif(spec, &v);
	if (antispoof_install(vm, &v, 1, why, sizeof(why)) != 0)
		fail_msg("install: %s", why);
	assert_int_equal(listed(vm), 0);
	/* What check reports: the rules on that tap's ingress hook, as
	 * long as the name is still that tap's. */
	assert_int_equal(antispoof_present(vm, 0, tap, idx), 1);
	assert_int_equal(antispoof_present(vm, 1, tap, idx), 0);
	assert_int_equal(antispoof_present(vm, 0, "bhnosuch0", idx), 0);
	assert_int_equal(antispoof_present(vm, 0, tap, idx + 1000), 0);
	/* Again: replaced, not doubled or refused. */
	if (antispoof_install(vm, &v, 1, why, sizeof(why)) != 0)
		fail_msg("install again: %s", why);
	assert_int_equal(antispoof_present(vm, 0, tap, idx), 1);
	snprintf(cmd, sizeof(cmd), "flush chain netdev bulkhead tap-%s/0", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_present(vm, 0, tap, idx), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(listed(vm), -1);
	/* Nothing to remove is no error. */
	assert_int_equal(antispoof_remove(vm), 0);
	/* The tap goes under the VM: whatever the kernel kept of the
	 * chain, remove leaves none. */
	if (antispoof_install(vm, &v, 1, why, sizeof(why)) != 0)
		fail_msg("install again: %s", why);
	close(fd);
	assert_int_equal(antispoof_present(vm, 0, tap, idx), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(listed(vm), -1);
	/* Only some of the chains (a half-made VM): all removed. */
	snprintf(cmd, sizeof(cmd), "add chain netdev bulkhead tap-%s/3", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	snprintf(cmd, sizeof(cmd), "list chain netdev bulkhead tap-%s/3", vm);
	assert_int_equal(nft(cmd), -1);
	/* An earlier bulkhead's bridge-family chains of the name go too. */
	snprintf(cmd, sizeof(cmd),
		 "add table bridge bulkhead\n"
		 "add chain bridge bulkhead vif-%s\n"
		 "add chain bridge bulkhead pre-%s { type filter hook "
		 "prerouting priority -300; }\n"
		 "add rule bridge bulkhead pre-%s jump vif-%s\n",
		 vm, vm, vm, vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	snprintf(cmd, sizeof(cmd), "list chain bridge bulkhead vif-%s", vm);
	assert_int_equal(nft(cmd), -1);
	/* A chain the kernel will not delete (another jumps to it): an
	 * error, so teardown keeps the VM's record; then removed. */
	idx = own_tap(&fd, tap);
	snprintf(cmd, sizeof(cmd),
		 "add chain netdev bulkhead tap-%s/0\n"
		 "add chain netdev bulkhead hold-%s\n"
		 "add rule netdev bulkhead hold-%s jump tap-%s/0\n",
		 vm, vm, vm, vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), -EIO);
	assert_int_equal(antispoof_install(vm, &v, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nftables: "));
	snprintf(cmd, sizeof(cmd), "delete chain netdev bulkhead hold-%s", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(listed(vm), -1);
	close(fd);
}

/* A type=user vif's passt: the inbound guard's rule for its group, and
 * names nft could misread refused. */
static void
test_inbound_guard(void **state)
{
	(void)state;
	assert_true(inbound_guard_cmds("vm1", "bulkhead/vm1+passt0", buf,
				       sizeof(buf)) > 0);
	has("add chain inet bulkhead pin-vm1 { type filter hook input "
	    "priority -300; policy accept; }\n");
	has("add rule inet bulkhead pin-vm1 socket cgroupv2 level 2 "
	    "\"bulkhead/vm1+passt0\" ct state != { established, related } "
	    "drop\n");
	assert_int_equal(
		inbound_guard_cmds("vm 1", "bulkhead/x", buf, sizeof(buf)),
		-EINVAL);
	assert_int_equal(
		inbound_guard_cmds("vm1", "bulkhead/\"x", buf, sizeof(buf)),
		-EINVAL);
	assert_int_equal(inbound_guard_cmds("vm1", "bulkhead/x", buf, 16),
			 -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_only),
		cmocka_unit_test(test_dual),
		cmocka_unit_test(test_one_family),
		cmocka_unit_test(test_two_ports),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_inbound_guard),
		cmocka_unit_test(test_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
