/* The numbers the documentation states, against what the code uses: each
 * sentence is looked up with the code's value written into it, so a
 * change on either side fails here. The config keys' ranges and defaults
 * are read from bulkhead.cfg(5) and tried on the config parser. Run from
 * the top of the tree (run-all.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/config/cfgfile.h"
#include "../../src/config/config.h"
#include "../../src/config/policy.h"
#include "../../src/host/accounts.h"
#include "../../src/ipc/control_msg.h"
#include "../../src/ipc/deadlines.h"
#include "../../src/jail/jail.h"
#include "../../src/monitor/child_log.h"
#include "../../src/monitor/console_log.h"
#include "../../src/qmpworker/qmp.h"
#include "../../src/vhost/guestmem.h"
#include "../../src/vhost/virtq.h"
#include "../../src/vhost/vu_dev.h"
#include "../../src/vhost/vu_msg.h"
#include "../../src/backends/blk.h"

/* A document as one line: whitespace runs become one space; in a man
 * page "\-" is "-" and font changes (\fB, \fR, \fI) go. */
static char *
doc(const char *path)
{
	FILE *f = fopen(path, "r");
	char *raw = NULL, *out;
	size_t len = 0, n = 0;

	if (!f)
		fail_msg("%s: cannot open (run from the top of the tree)",
			 path);
	FILE *m = open_memstream(&raw, &len);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	out = malloc(len + 1);
	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		char ch = raw[i];
		if (raw[i] == '\\' && raw[i + 1] == '-') {
			ch = '-';
			i++;
		} else if (raw[i] == '\\' && raw[i + 1] == 'f' && raw[i + 2]) {
			i += 2;
			continue;
		}
		if (ch == '\n' || ch == '\t')
			ch = ' ';
		if (ch == ' ' && n > 0 && out[n - 1] == ' ')
			continue;
		out[n++] = ch;
	}
	out[n] = '\0';
	free(raw);
	return out;
}

/* Fails unless the document holds the sentence, formatted with the
 * code's numbers. */
static void __attribute__((format(printf, 2, 3)))
says(const char *path, const char *fmt, ...)
{
	char want[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	char *text = doc(path);
	if (!strstr(text, want))
		fail_msg("%s does not say \"%s\" (the code's number)", path,
			 want);
	free(text);
}

static void
test_qmp_worker_and_control(void **state)
{
	(void)state;
	size_t denied;
	(void)jail_seccomp_denied(&denied);
	says("SECURITY.md", "%zu syscalls a device model never needs", denied);
	says("SECURITY.md", "lines ≤ %d KiB, nesting ≤ %d", QMP_LINE_MAX / 1024,
	     QMP_DEPTH_MAX);
	says("SECURITY.md", "(%d s handshake, %d s per command",
	     deadline_qmp_ms(DL_HANDSHAKE) / 1000,
	     deadline_qmp_ms(DL_COMMAND) / 1000);
	says("docs/man/bulkhead.1",
	     "well-formed reply of the expected shape within %d seconds",
	     deadline_qmp_ms(DL_COMMAND) / 1000);
	says("SECURITY.md", "≤ %d events a second", QMP_EVENTS_PER_SEC);
	says("SECURITY.md",
	     "the outer seccomp filter, NOFILE %lu, FSIZE %llu KiB",
	     jail_policy_get(JAIL_WORKER)->nofile, JAIL_FSIZE_MIN / 1024);
	says("SECURITY.md", "lines cut at %d bytes, %d KiB in all",
	     CHILD_LOG_LINE, CHILD_LOG_MAX / 1024);
	says("SECURITY.md", "the outer deny-list, NOFILE %lu, FSIZE = its disk",
	     jail_policy_get(JAIL_BACKEND)->nofile);
	static const char *const words[] = { "zero",  "one",  "two", "three",
					     "four",  "five", "six", "seven",
					     "eight", "nine", "ten", "eleven",
					     "twelve" };
	assert_true(CTL_TYPES - 1 < 13);
	says("SECURITY.md", "takes one typed request: the %s verbs",
	     words[CTL_TYPES - 1]);
}

static void
test_logs_limits_uids(void **state)
{
	(void)state;
	says("README.md", "capped at %d MiB plus one rotated file",
	     CONSOLE_LOG_MAX >> 20);
	says("SECURITY.md", "(%d MiB + one rotated file)",
	     CONSOLE_LOG_MAX >> 20);
	says("docs/SUPPORT.md", "log capped at %d MiB + one rotated file",
	     CONSOLE_LOG_MAX >> 20);
	says("docs/man/bulkhead.1", "console.log (capped at %d MiB",
	     CONSOLE_LOG_MAX >> 20);
	says("SECURITY.md", "caps qemu.log at %d KiB + one rotated file",
	     QEMU_LOG_MAX >> 10);
	says("docs/man/bulkhead.1", "capped at %d KiB, one rotated qemu.log.1",
	     QEMU_LOG_MAX >> 10);
	says("SECURITY.md", "(Xen's %llu KiB when no disk is bigger)",
	     JAIL_FSIZE_MIN >> 10);
	says("docs/man/bulkhead.1", "(uid and gid %u unless",
	     RANGE_BASE_DEFAULT);
	says("docs/man/bulkhead.1", "VMs use base+1 to base+%d", VMID_MAX);
	says("SECURITY.md", "range base + %u + vmid, checked",
	     BACKEND_UID_OFFSET);
	says("docs/man/bulkhead.cfg.5", "range base + %u + VM id",
	     BACKEND_UID_OFFSET);
	says("SECURITY.md", "(VM ids end below %u)", BACKEND_UID_OFFSET);
	assert_true(VMID_MAX < BACKEND_UID_OFFSET);
	says("docs/man/bulkhead.cfg.5", "The file may be at most %d MiB",
	     CFG_FILE_MAX >> 20);
	says("docs/man/bulkhead.cfg.5", "Up to %d disks", CONFIG_DISKS_MAX);
	says("docs/man/bulkhead.cfg.5", "naming a driver domain. Up to %d.",
	     CONFIG_VIFS_MAX);
	says("docs/man/bulkhead.cfg.5", "(string, at most %d bytes)",
	     CONFIG_CMDLINE_MAX - 1);
	says("docs/man/bulkhead.cfg.5", "1-%d characters of", BH_NAME_MAX);
}

/* The tenant policy's keys, ranges and built-in values, and the config
 * defaults its page quotes. */
static void
test_policy(void **state)
{
	(void)state;
	static const char *page = "docs/man/bulkhead-policy.cfg.5";

	says(page, "(MiB, 16-1048576, built-in %d)", POLICY_BUILTIN_MEMORY);
	says(page, "(1-64, built-in %d)", POLICY_BUILTIN_VCPUS);
	says(page, "(16-65536, built-in %d)", POLICY_BUILTIN_PIDS_MAX);
	says(page, "(1-10000, built-in %d)", POLICY_BUILTIN_CPU_WEIGHT);
	says(page, "(0-%d, built-in %d)", VMID_MAX, POLICY_BUILTIN_VMS);
	says(page, "above its default (%u)", CONFIG_MEMORY_OVERHEAD_DEFAULT);
	says(page, "(one VM of one vCPU and %d MiB, no network)",
	     POLICY_BUILTIN_MEMORY);
	assert_int_equal(POLICY_BUILTIN_VMS, 1);
	assert_int_equal(POLICY_BUILTIN_VCPUS, 1);
	says(page, "%s", BH_POLICY_PATH);
	for (int l = 0; l < PL_COUNT; l++)
		says(page, ".BR %s \" (", policy_key((enum policy_limit)l));
}

static void
test_vhost(void **state)
{
	(void)state;
	says("SECURITY.md", "(more than %d fds, or fds on a request",
	     VU_FDS_MAX);
	says("SECURITY.md", "memory tables (1..%d regions", GM_REGIONS_MAX);
	says("SECURITY.md", "sizes (power of two, 1..%d)", VQ_SIZE_MAX);
	/* An indirect table holds 1 to a queue's worth of descriptors. */
	says("SECURITY.md",
	     "by their entries (%" PRIu64 "..%" PRIu64
	     " bytes, multiple of %" PRIu64,
	     vq_desc_bytes(1), vq_desc_bytes(VQ_SIZE_MAX), vq_desc_bytes(1));
	says("SECURITY.md", "at most %llu GiB a request",
	     (unsigned long long)(BLK_REQ_BYTES_MAX >> 30));
	says("docs/man/bulkhead-blk.1", "Request queues, 1..%d (default 1)",
	     VU_QUEUES_MAX);
	says("docs/man/bulkhead-blk.1", "at most %d characters (default",
	     BLK_ID_BYTES);
}

/* The audit scores in README's table are the golden fixtures' (which
 * tests/golden/audit/run.sh holds to the code's output). */
static void
test_audit_scores(void **state)
{
	(void)state;
	static const char *const cases[] = { "bulkhead-vm", "root-qemu",
					     "libvirt-qemu", "uid-only" };
	char row[256] = "| **score** |";
	unsigned total = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "tests/golden/audit/%s.expect",
			 cases[i]);
		char *t = doc(path);
		char *at = strstr(t, "): ");
		unsigned pass, all;
		assert_non_null(at);
		assert_int_equal(sscanf(at, "): %u/%u checks", &pass, &all), 2);
		total = all;
		size_t n = strlen(row);
		snprintf(row + n, sizeof(row) - n, " **%u/%u** |", pass, all);
		free(t);
	}
	says("README.md", "%s", row);
	says("README.md", "scores any running QEMU from outside (%u checks",
	     total);
	says("SECURITY.md", "scores %u checks (README has", total);
	says("docs/SUPPORT.md", "from /proc (%u checks)", total);
}

/* --- bulkhead.cfg(5): every "(number, ..., MIN-MAX, default D" -------- */

struct key {
	const char *name;
	size_t off; /* of an unsigned or uint64_t in struct vm_config */
	bool wide;
	bool disk; /* needs a disk to be accepted */
};

#define K(n, f, w, d)                                  \
	{                                              \
		n, offsetof(struct vm_config, f), w, d \
	}
static const struct key keys[] = {
	K("memory", memory_mib, false, false),
	K("vcpus", vcpus, false, false),
	K("memory_overhead", memory_overhead_mib, false, false),
	K("pids_max", pids_max, false, false),
	K("cpu_weight", cpu_weight, false, false),
	K("cpu_cap", cpu_cap, false, false),
	K("disk_read_bps", disk_read_bps, true, true),
	K("disk_write_bps", disk_write_bps, true, true),
	K("disk_read_iops", disk_read_iops, true, true),
	K("disk_write_iops", disk_write_iops, true, true),
};

static struct vm_config cfg;

/* Parse a minimal config with "key = value"; 0 if accepted. */
static int
try(const struct key *k, uint64_t v, bool with_key)
{
	char text[512];
	struct cfg_error e;
	int n = snprintf(text, sizeof(text), "name='a'\nkernel='/k'\n%s",
			 k->disk ? "disk = [ 'vdev=xvda, target=/a' ]\n" : "");
	if (with_key)
		snprintf(text + n, sizeof(text) - (size_t)n,
			 "%s = %" PRIu64 "\n", k->name, v);
	return config_parse(text, strlen(text), "vm.cfg", &cfg, &e);
}

static uint64_t
field(const struct key *k)
{
	const char *p = (const char *)&cfg + k->off;
	uint64_t w;
	unsigned u;

	if (k->wide) {
		memcpy(&w, p, sizeof(w));
		return w;
	}
	memcpy(&u, p, sizeof(u));
	return u;
}

/* The range and default the man page gives KEY: its ".BR" line names
 * the key (alone, or with a second one as "a ", " b"), then
 * "(number, ..., [0 or ]MIN-MAX, default D". */
static void
man_range(const char *man, const char *key, bool *zero_or, uint64_t *min,
	  uint64_t *max, uint64_t *def)
{
	char pat[80];
	const char *at = man;

	for (;;) {
		snprintf(pat, sizeof(pat), ".BR %s ", key);
		at = strstr(at, pat);
		if (!at) {
			snprintf(pat, sizeof(pat), "\" %s \" (number", key);
			at = strstr(man, pat);
		}
		if (!at)
			fail_msg("bulkhead.cfg(5) gives %s no range", key);
		break;
	}
	const char *open = strstr(at, "(number");
	const char *close = open ? strchr(open, ')') : NULL;
	assert_non_null(close);
	char buf[160];
	snprintf(buf, sizeof(buf), "%.*s", (int)(close - open), open);
	char *range = strrchr(buf, '-');
	char *dflt = strstr(buf, "default ");
	assert_non_null(range);
	assert_non_null(dflt);
	char *lo = range;
	while (lo > buf && lo[-1] >= '0' && lo[-1] <= '9')
		lo--;
	*min = strtoull(lo, NULL, 10);
	*max = strtoull(range + 1, NULL, 10);
	*def = strtoull(dflt + strlen("default "), NULL, 10);
	*zero_or = strstr(buf, " 0 or ") != NULL;
}

static void
test_cfg_ranges(void **state)
{
	(void)state;
	char *man = doc("docs/man/bulkhead.cfg.5");

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		bool zero_or;
		uint64_t min, max, def;
		man_range(man, k->name, &zero_or, &min, &max, &def);
		if (try(k, min, true) != 0 || field(k) != min)
			fail_msg("%s = %" PRIu64
				 " (the man page's minimum) refused",
				 k->name, min);
		if (try(k, max, true) != 0 || field(k) != max)
			fail_msg("%s = %" PRIu64
				 " (the man page's maximum) refused",
				 k->name, max);
		if (min > 0 && !(zero_or && min - 1 == 0) &&
		    try(k, min - 1, true) == 0)
			fail_msg("%s = %" PRIu64
				 " (below the man page's range) accepted",
				 k->name, min - 1);
		if (try(k, max + 1, true) == 0)
			fail_msg("%s = %" PRIu64
				 " (above the man page's range) accepted",
				 k->name, max + 1);
		if (zero_or && try(k, 0, true) != 0)
			fail_msg("%s = 0 refused, the man page allows it",
				 k->name);
		if (try(k, 0, false) != 0 || field(k) != def)
			fail_msg("%s defaults to %" PRIu64
				 ", the man page says %" PRIu64,
				 k->name, field(k), def);
	}
	free(man);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qmp_worker_and_control),
		cmocka_unit_test(test_logs_limits_uids),
		cmocka_unit_test(test_vhost),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_audit_scores),
		cmocka_unit_test(test_cfg_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
