/* The VM's names come from one table: each leaf once, directories
 * marked, and the backends' roots told apart from the table's entries
 * (teardown removes both, each exactly once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "../../src/host/vmdir.h"

static void
test_table(void **state)
{
	(void)state;
	for (int i = 0; i < VMF_COUNT; i++) {
		const char *a = vmdir_leaf((enum vm_file)i);

		assert_non_null(a);
		assert_null(strchr(a, '/'));
		assert_false(vmdir_is_backend_root(a));
		for (int j = i + 1; j < VMF_COUNT; j++)
			assert_string_not_equal(a, vmdir_leaf((enum vm_file)j));
	}
	assert_true(vmdir_is_dir(VMF_ROOT));
	assert_true(vmdir_is_dir(VMF_PROBE_ROOT));
	assert_false(vmdir_is_dir(VMF_RECORD));
	assert_null(vmdir_leaf(VMF_COUNT));
}

static void
test_paths(void **state)
{
	(void)state;
	char p[PATH_MAX];

	assert_int_equal(vmdir_path(p, sizeof(p), "vm1"), 0);
	assert_string_equal(p, "/run/bulkhead/vm/vm1");
	assert_int_equal(vmdir_file(p, sizeof(p), "vm1", VMF_CONTROL_SOCK), 0);
	assert_string_equal(p, "/run/bulkhead/vm/vm1/control.sock");
	assert_int_equal(vmdir_file(p, sizeof(p), "vm1", VMF_RECORD), 0);
	assert_string_equal(p, "/run/bulkhead/vm/vm1/record.json");
	assert_int_equal(vmdir_backend_root(p, sizeof(p), "vm1", "xvdb"), 0);
	assert_string_equal(p, "/run/bulkhead/vm/vm1/root-xvdb");
	assert_true(vmdir_is_backend_root("root-xvdb"));
	assert_true(vmdir_is_backend_root("root-rng"));
	assert_int_equal(vmdir_log(p, sizeof(p), "vm1", VML_QEMU), 0);
	assert_string_equal(p, "/var/log/bulkhead/vm1/qemu.log");
	assert_int_equal(vmdir_log_dir(p, sizeof(p), "vm1"), 0);
	assert_string_equal(p, "/var/log/bulkhead/vm1");
	assert_true(vmdir_file(p, 8, "vm1", VMF_CONFIG) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
