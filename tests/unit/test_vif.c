/* xl network specs: accepted forms and rejected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../src/config/vif.h"

static void
test_good(void **state)
{
	(void)state;
	struct vif_spec v;
	char why[256];

	assert_int_equal(vif_spec_parse("bridge=br0", &v, why, sizeof(why)), 0);
	assert_string_equal(v.bridge, "br0");
	assert_false(v.has_mac);
	assert_string_equal(v.vifname, "");
	assert_int_equal(
		vif_spec_parse(" bridge = xenbr0 , mac=00:16:3E:aa:bb:cc, "
			       "vifname=web1-eth0, model=virtio-net ",
			       &v, why, sizeof(why)),
		0);
	assert_string_equal(v.bridge, "xenbr0");
	assert_string_equal(v.vifname, "web1-eth0");
	assert_true(v.has_mac);
	assert_int_equal(v.mac[3], 0xaa);
	assert_int_equal(v.mac[5], 0xcc);
	assert_false(v.bridge_default);
	assert_int_equal(v.model, VIF_VIRTIO_NET);
	assert_string_equal(vif_model_device(v.model), "virtio-net-pci");
	/* The emulated NICs an HVM guest's own driver may need. */
	assert_int_equal(vif_spec_parse("model=e1000", &v, why, sizeof(why)),
			 0);
	assert_string_equal(vif_model_device(v.model), "e1000");
	assert_int_equal(vif_spec_parse("model=rtl8139", &v, why, sizeof(why)),
			 0);
	assert_string_equal(vif_model_device(v.model), "rtl8139");
	/* Who serves the NIC: QEMU by default, bulkhead-net if isolated. */
	assert_int_equal(vif_spec_parse("bridge=br0", &v, why, sizeof(why)), 0);
	assert_false(v.isolated);
	assert_int_equal(vif_spec_parse("bridge=br0, backendtype=isolated", &v,
					why, sizeof(why)),
			 0);
	assert_true(v.isolated);
	assert_int_equal(vif_spec_parse("backendtype=isolated,model=virtio", &v,
					why, sizeof(why)),
			 0);
	assert_true(v.isolated);
	assert_int_equal(vif_spec_parse("model=e1000, backendtype=qemu", &v,
					why, sizeof(why)),
			 0);
	assert_false(v.isolated);
	/* xl's defaults: '' and a mac-only vif join xenbr0. */
	static const char *const defaults[] = {
		"",
		" ",
		"mac=00:16:3e:00:00:01",
		"type=ioemu",
		"type=vif",
		"backend=0,model=virtio",
		"backend=Domain-0",
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (vif_spec_parse(defaults[i], &v, why, sizeof(why)) != 0)
			fail_msg("'%s' refused: %s", defaults[i], why);
		assert_string_equal(v.bridge, VIF_DEFAULT_BRIDGE);
		assert_true(v.bridge_default);
		assert_int_equal(v.nips, 0);
		assert_false(v.user);
	}
}

/* type=user: passt's network, no tap and no bridge (not even the
 * default one), with the NIC's MAC and model as for any vif. */
static void
test_user(void **state)
{
	(void)state;
	struct vif_spec v;
	char why[256];

	assert_int_equal(vif_spec_parse("type=user", &v, why, sizeof(why)), 0);
	assert_true(v.user);
	assert_string_equal(v.bridge, "");
	assert_false(v.bridge_default);
	assert_string_equal(v.vifname, "");
	assert_false(v.has_mac);
	assert_int_equal(v.model, VIF_VIRTIO_NET);
	assert_int_equal(vif_spec_parse(" mac=00:16:3e:01:02:03 , type = user ,"
					" model=e1000",
					&v, why, sizeof(why)),
			 0);
	assert_true(v.user);
	assert_true(v.has_mac);
	assert_int_equal(v.mac[5], 0x03);
	assert_int_equal(v.model, VIF_E1000);
	assert_string_equal(v.bridge, "");
	/* xl's backend=0 names the host, which serves a user vif too. */
	assert_int_equal(
		vif_spec_parse("type=user,backend=0", &v, why, sizeof(why)), 0);
	assert_true(v.user);
}

static void
test_ips(void **state)
{
	(void)state;
	struct vif_spec v;
	char why[256] = "";

	/* xl's form: several addresses in one ip=, spaces between. */
	if (vif_spec_parse("bridge=br0, ip=10.0.0.5  fd00::5\t192.168.1.2, "
			   "mac=00:16:3e:00:00:01",
			   &v, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
	assert_int_equal(v.nips, 3);
	assert_int_equal(v.ips[0].family, AF_INET);
	assert_memory_equal(v.ips[0].addr, "\x0a\x00\x00\x05", 4);
	assert_int_equal(v.ips[1].family, AF_INET6);
	assert_memory_equal(v.ips[1].addr,
			    "\xfd\x00\0\0\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
	assert_int_equal(v.ips[2].family, AF_INET);
	assert_int_equal(v.ips[2].addr[0], 192);
	assert_true(v.has_mac);
	/* A link-local address may be listed (a guest with RFC 7217
	 * addresses), and IPv4-mapped ones are addresses too. */
	assert_int_equal(vif_spec_parse("ip=fe80::1234 ::ffff:10.1.2.3", &v,
					why, sizeof(why)),
			 0);
	assert_int_equal(v.nips, 2);
	/* ... which the tenant policy tells apart (policy_check.c). */
	assert_false(vif_ip_mapped(&v.ips[0]));
	assert_true(vif_ip_mapped(&v.ips[1]));
	assert_int_equal(vif_spec_parse("ip=10.0.0.1 10.0.0.2 10.0.0.3 "
					"10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 "
					"10.0.0.8",
					&v, why, sizeof(why)),
			 0);
	assert_int_equal(v.nips, VIF_IPS_MAX);
}

static const struct {
	const char *spec;
	const char *why;
} bad[] = {
	{ "br0", "is not key=value" },
	{ "bridge=", "bad bridge name ''" },
	{ "bridge=a/b", "bad bridge name 'a/b'" },
	{ "bridge=a b", "bad bridge name 'a b'" },
	{ "bridge=0123456789abcdef", "bad bridge name" },
	{ "bridge=br0,bridge=br1", "'bridge' given twice" },
	{ "bridge=br0,mac=01:16:3e:00:00:01", "bad mac" }, /* multicast */
	{ "bridge=br0,mac=00:16:3e:00:00", "bad mac" },
	{ "bridge=br0,mac=00:16:3e:00:00:0g", "bad mac" },
	{ "bridge=br0,mac=00-16-3e-00-00-01", "bad mac" },
	{ "bridge=br0,mac=00:16:3e:00:00:01x", "bad mac" },
	{ "bridge=br0,model=ne2k_pci",
	  "vif model 'ne2k_pci' is not supported" },
	{ "bridge=br0,vifname=..", "bad vifname" },
	{ "bridge=br0,script=/etc/xen/scripts/vif-bridge",
	  "vif spec key 'script': bulkhead runs no vif scripts as root" },
	/* ip=: host addresses only, each once, at most VIF_IPS_MAX. */
	{ "ip=", "vif ip=: no address given" },
	{ "ip= ", "vif ip=: no address given" },
	{ "ip=10.0.0.5/24", "'10.0.0.5/24' is not an IPv4 or IPv6 address" },
	{ "ip=fd00::5/64", "'fd00::5/64' is not an IPv4 or IPv6 address" },
	{ "ip=10.0.0", "'10.0.0' is not an IPv4" },
	{ "ip=10.0.0.256", "is not an IPv4" },
	{ "ip=010.0.0.1", "is not an IPv4" },
	{ "ip=0x0a.0.0.1", "is not an IPv4" },
	{ "ip=10.0.0.1x", "is not an IPv4" },
	{ "ip=host.example", "is not an IPv4" },
	{ "ip=fe80::1%eth0", "is not an IPv4" },
	{ "ip=1:2:3:4:5:6:7:8:9", "is not an IPv4" },
	{ "ip=10.0.0.1;drop", "is not an IPv4" },
	{ "ip=10.0.0.1}", "is not an IPv4" },
	{ "ip=0.0.0.0", "'0.0.0.0' is not a unicast host address" },
	{ "ip=127.0.0.1", "is not a unicast host address" },
	{ "ip=224.0.0.1", "is not a unicast host address" },
	{ "ip=255.255.255.255", "is not a unicast host address" },
	{ "ip=::", "'::' is not a unicast host address" },
	{ "ip=::1", "is not a unicast host address" },
	{ "ip=ff02::1", "is not a unicast host address" },
	{ "ip=10.0.0.1 10.0.0.1", "'10.0.0.1' given twice" },
	{ "ip=fd00::1 fd00:0::1", "'fd00:0::1' given twice" },
	{ "ip=10.0.0.1,ip=10.0.0.2", "vif spec key 'ip' given twice" },
	{ "ip=10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 "
	  "10.0.0.7 10.0.0.8 10.0.0.9",
	  "more than 8 addresses" },
	{ "gatewaydev=eth0", "vif spec key 'gatewaydev'" },
	{ "rate=10Mb/s", "vif spec key 'rate'" },
	{ "backend=netdom", "vif spec key 'backend': driver domains" },
	{ "type=pv", "vif type 'pv' is not supported (ioemu, vif or user)" },
	/* type=user: no tap, so nothing that names one or a bridge, in
	 * either order; and one type only. */
	{ "type=user,bridge=br0", "type=user has no tap: bridge=" },
	{ "bridge=br0,type=user", "type=user has no tap: bridge=" },
	{ "type=user,vifname=x0", "type=user has no tap: vifname=" },
	{ "vifname=x0, type = user", "type=user has no tap: vifname=" },
	{ "type=user,type=ioemu", "'type' given twice" },
	{ "type=ioemu,type=user", "'type' given twice" },
	{ "type=user,type=user", "'type' given twice" },
	{ "type=User", "vif type 'User' is not supported" },
	{ "type=user ,script=/bin/sh", "vif spec key 'script'" },
	{ "type=user,ip=10.0.0.1", "vif type=user has no tap: ip= does" },
	{ "type=user\n", "vif type 'user\n' is not supported" },
	{ "type=user\x01", "is not supported" },
	{ "type=", "vif type '' is not supported" },
	{ "type=useruser", "vif type 'useruser' is not supported" },
	{ "type=user,mac=ff:ff:ff:ff:ff:ff", "bad mac" },
	{ "type=user,model=ne2k_pci", "vif model 'ne2k_pci'" },
	{ "devid=3", "vif spec key 'devid'" },
	{ "frob=1", "unknown vif spec key 'frob'" },
	{ "backendtype=isolated,model=e1000",
	  "backendtype=isolated serves virtio-net only" },
	{ "model=rtl8139,backendtype=isolated",
	  "backendtype=isolated serves virtio-net only" },
	{ "backendtype=phy", "vif backendtype 'phy' is not supported" },
	{ "backendtype=qemu,backendtype=isolated",
	  "'backendtype' given twice" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vif_spec v;
		char why[256] = "";
		if (vif_spec_parse(bad[i].spec, &v, why, sizeof(why)) != -1 ||
		    !strstr(why, bad[i].why))
			fail_msg("case '%s': why '%s'", bad[i].spec, why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_ips),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
