/* The anti-spoofing rules of a VM's vifs: the text given to nftables for
 * MAC-only vifs and for ip= with IPv4, IPv6 or both; names nft could
 * misread refused; and, as root, the rules loaded into the kernel and
 * removed again (chains of a name no VM has, filtering lo, which is no
 * bridge port). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/host/antispoof.h"

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

#define R "add rule bridge bulkhead vif-vm1 meta iif 7 "

static void
test_mac_only(void **state)
{
	(void)state;
	struct vif_spec v;
	unsigned idx = 7;

	vif("bridge=br0, mac=00:16:3e:01:02:03", &v);
	assert_true(antispoof_rules("vm1", &v, &idx, 1, buf, sizeof(buf)) > 0);
	/* Any chain of the name replaced in the same transaction. */
	has("add table bridge bulkhead\n"
	    "add chain bridge bulkhead pre-vm1\n"
	    "add chain bridge bulkhead in-vm1\n"
	    "add chain bridge bulkhead vif-vm1\n"
	    "delete chain bridge bulkhead pre-vm1\n"
	    "delete chain bridge bulkhead in-vm1\n"
	    "delete chain bridge bulkhead vif-vm1\n"
	    "add chain bridge bulkhead vif-vm1\n");
	has("add chain bridge bulkhead pre-vm1 { type filter hook prerouting "
	    "priority -300; policy accept; }\n");
	has("add chain bridge bulkhead in-vm1 { type filter hook input "
	    "priority -300; policy accept; }\n");
	has("add rule bridge bulkhead pre-vm1 jump vif-vm1\n");
	has("add rule bridge bulkhead in-vm1 jump vif-vm1\n");
	has(R "ether saddr != 00:16:3e:01:02:03 drop\n");
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
	unsigned idx = 7;

	vif("mac=02:16:3e:0a:0b:0c, ip=10.0.0.5 fd00::5 192.168.7.1", &v);
	assert_true(antispoof_rules("vm1", &v, &idx, 1, buf, sizeof(buf)) > 0);
	has(R "ether saddr != 02:16:3e:0a:0b:0c drop\n");
	has(R "ether type != { 0x8035, ip, arp, ip6 } drop\n");
	has(R "arp htype != 1 drop\n" R "arp ptype != ip drop\n" R
	      "arp hlen != 6 drop\n" R "arp plen != 4 drop\n");
	has(R "arp saddr ether != 02:16:3e:0a:0b:0c drop\n");
	has(R "arp saddr ip != { 0.0.0.0, 10.0.0.5, 192.168.7.1 } drop\n");
	/* The DHCP exception comes before the source check. */
	has(R "ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n" R
	      "ip saddr != { 10.0.0.5, 192.168.7.1 } drop\n");
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
	unsigned idx = 7;

	vif("mac=00:16:3e:01:02:03, ip=10.0.0.5", &v);
	assert_true(antispoof_rules("vm1", &v, &idx, 1, buf, sizeof(buf)) > 0);
	has(R "ether type != { 0x8035, ip, arp } drop\n");
	hasnt("ip6");
	vif("mac=00:16:3e:01:02:03, ip=2001:db8::1", &v);
	assert_true(antispoof_rules("vm1", &v, &idx, 1, buf, sizeof(buf)) > 0);
	has(R "ether type != { 0x8035, ip6 } drop\n");
	hasnt("arp");
	hasnt("ip saddr");
}

/* Each port's rules name its own tap. */
static void
test_two_ports(void **state)
{
	(void)state;
	struct vif_spec v[2];
	unsigned idx[2] = { 7, 12 };

	vif("mac=00:16:3e:01:02:03", &v[0]);
	vif("mac=00:16:3e:01:02:04, ip=10.0.0.9", &v[1]);
	assert_true(antispoof_rules("vm1", v, idx, 2, buf, sizeof(buf)) > 0);
	has(R "ether saddr != 00:16:3e:01:02:03 drop\n");
	has("vif-vm1 meta iif 12 ether saddr != 00:16:3e:01:02:04 drop\n");
	has("vif-vm1 meta iif 12 ip saddr != { 10.0.0.9 } drop\n");
	hasnt("meta iif 7 ip saddr");
}

static void
test_refused(void **state)
{
	(void)state;
	struct vif_spec v;
	unsigned idx = 7, zero = 0;
	static const char *const names[] = {
		"",
		"a b",
		"a;flush ruleset",
		"a\nflush ruleset",
		"a}",
		"a\"",
		"x0123456789012345678901234567890123456789012345678901234567890123",
	};

	vif("mac=00:16:3e:01:02:03", &v);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (antispoof_rules(names[i], &v, &idx, 1, buf, sizeof(buf)) !=
		    -EINVAL)
			fail_msg("name '%s' taken", names[i]);
		assert_int_equal(
			antispoof_delete_cmds(names[i], buf, sizeof(buf)),
			-EINVAL);
	}
	assert_int_equal(antispoof_rules("vm1", &v, &zero, 1, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(antispoof_rules("vm1", &v, &idx, 1, buf, 300),
			 -ENOSPC);
	assert_true(antispoof_delete_cmds("vm1", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "delete chain bridge bulkhead pre-vm1\n"
				 "delete chain bridge bulkhead in-vm1\n"
				 "delete chain bridge bulkhead vif-vm1\n");
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

/* 0 when nft lists chain vif-VM, -1 when it does not. */
static int
listed(const char *vm)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "list chain bridge bulkhead vif-%s", vm);
	return nft(cmd);
}

static void
test_kernel(void **state)
{
	(void)state;
	struct vif_spec v;
	unsigned idx = 1; /* lo */
	char vm[64], why[256] = "";

	if (geteuid() != 0)
		skip();
	snprintf(vm, sizeof(vm), "bhtest-unit-%d", (int)getpid());
	vif("mac=02:16:3e:0a:0b:0c, ip=10.0.0.5 fd00::5", &v);
	if (antispoof_install(vm, &v, &idx, 1, why, sizeof(why)) != 0)
		fail_msg("install: %s", why);
	assert_int_equal(listed(vm), 0);
	/* What check reports: the rules for that tap, and hooked. */
	assert_int_equal(antispoof_present(vm, "lo"), 1);
	assert_int_equal(antispoof_present(vm, "bhnosuch0"), 0);
	/* Again: replaced, not doubled or refused. */
	if (antispoof_install(vm, &v, &idx, 1, why, sizeof(why)) != 0)
		fail_msg("install again: %s", why);
	assert_int_equal(antispoof_present(vm, "lo"), 1);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "flush chain bridge bulkhead vif-%s", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_present(vm, "lo"), 0);
	if (antispoof_install(vm, &v, &idx, 1, why, sizeof(why)) != 0)
		fail_msg("install again: %s", why);
	snprintf(cmd, sizeof(cmd), "flush chain bridge bulkhead in-%s", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_present(vm, "lo"), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(antispoof_present(vm, "lo"), 0);
	assert_int_equal(listed(vm), -1);
	/* Nothing to remove is no error. */
	assert_int_equal(antispoof_remove(vm), 0);
	/* Only some of the chains (a half-made VM): all removed. */
	snprintf(cmd, sizeof(cmd), "add chain bridge bulkhead vif-%s", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(listed(vm), -1);
	/* A chain the kernel will not delete (another jumps to it): an
	 * error, so teardown keeps the VM's record; then removed. */
	snprintf(cmd, sizeof(cmd),
		 "add chain bridge bulkhead vif-%s\n"
		 "add chain bridge bulkhead hold-%s\n"
		 "add rule bridge bulkhead hold-%s jump vif-%s\n",
		 vm, vm, vm, vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), -EIO);
	assert_int_equal(antispoof_install(vm, &v, &idx, 1, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "nftables: "));
	snprintf(cmd, sizeof(cmd), "delete chain bridge bulkhead hold-%s", vm);
	assert_int_equal(nft(cmd), 0);
	assert_int_equal(antispoof_remove(vm), 0);
	assert_int_equal(listed(vm), -1);
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
		cmocka_unit_test(test_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
