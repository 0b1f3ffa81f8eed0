/* xl network specs: accepted forms and rejected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

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
	}
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
	{ "bridge=br0,ip=10.0.0.1", "vif spec key 'ip': per-vif addresses" },
	{ "gatewaydev=eth0", "vif spec key 'gatewaydev'" },
	{ "rate=10Mb/s", "vif spec key 'rate'" },
	{ "backend=netdom", "vif spec key 'backend': driver domains" },
	{ "type=pv", "vif type 'pv' is not supported (ioemu or vif)" },
	{ "devid=3", "vif spec key 'devid'" },
	{ "frob=1", "unknown vif spec key 'frob'" },
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
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
