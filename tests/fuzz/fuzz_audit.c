/* libFuzzer harness: bulkhead audit's parsing of /proc files, which a
 * hostile process partly controls (its name and command line) and whose
 * format a future kernel may change. The input is split at 0x1e bytes
 * into status, limits, cmdline, cgroup, comm, one fdinfo and mountinfo
 * (a hostile process mounts, and names, what it likes in a namespace of
 * its own), written as a fixture /proc tree; audit_pid() and the
 * mountinfo parser (and --all's search, over the tree) must never crash, leak or read out of bounds, and what it reports (the name, each check's "seen") must be
 * printable ASCII whatever the process wrote: no escape sequence, line
 * or invalid UTF-8 reaches the auditor's terminal or JSON. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/cli/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

static void
put(const char *file, const uint8_t *p, size_t n)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/100/%s", root, file);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static const char *const dirs[] = { "",        "/100",        "/100/root",
				    "/100/fd", "/100/fdinfo", "/100/ns",
				    "/1",      "/1/root",     "/1/ns" };
static const char *const files[] = { "status", "limits",   "cmdline",  "cgroup",
				     "comm",   "fdinfo/3", "mountinfo" };
static const char *const links[] = { "/100/fd/3", "/100/ns/mnt", "/1/ns/mnt" };
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The fixture tree goes when the fuzzer exits. */
static void
cleanup(void)
{
	char p[160];
	for (size_t i = 0; i < N(files); i++) {
		snprintf(p, sizeof(p), "%s/100/%s", root, files[i]);
		unlink(p);
	}
	for (size_t i = 0; i < N(links); i++) {
		snprintf(p, sizeof(p), "%s%s", root, links[i]);
		unlink(p);
	}
	for (size_t i = N(dirs); i-- > 0;) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		rmdir(p);
	}
}

static void
setup(void)
{
	char p[160];
	snprintf(root, sizeof(root), "/tmp/bh-fuzz-audit-%d", (int)getpid());
	atexit(cleanup);
	for (size_t i = 0; i < N(dirs); i++) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			abort();
	}
	snprintf(p, sizeof(p), "%s/100/fd/3", root);
	(void)!symlink("/dev/null", p);
	snprintf(p, sizeof(p), "%s/100/ns/mnt", root);
	(void)!symlink("mnt:[1]", p);
	snprintf(p, sizeof(p), "%s/1/ns/mnt", root);
	(void)!symlink("mnt:[2]", p);
}

static void
require_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t nfiles = N(files);
	struct audit_report r;
	char why[256];

	if (!root[0])
		setup();
	size_t start = 0, k = 0;
	for (size_t i = 0; i <= size && k < nfiles; i++) {
		if (i == size || data[i] == 0x1e) {
			put(files[k++], data + start, i - start);
			start = i + 1;
		}
	}
	while (k < nfiles)
		put(files[k++], data, 0);
	/* The last part, as text: the mountinfo parser on its own. */
	size_t ml = start < size ? size - start : 0;
	char *mi = malloc(ml + 1), type[32];
	if (!mi)
		abort();
	memcpy(mi, data + size - ml, ml);
	mi[ml] = '\0';
	for (unsigned long long id = 0; id < 40; id++)
		if (audit_mount_type(mi, id, type, sizeof(type)) == 0 &&
		    strlen(type) >= sizeof(type))
			abort();
	free(mi);
	/* --all over the tree: the name and cgroup are the process's text. */
	struct audit_target *t;
	int nt = audit_find(root, &t);
	if (nt > 2 || (nt > 0 && t[0].pid != 1 && t[0].pid != 100))
		abort();
	if (nt >= 0)
		free(t);
	if (audit_pid(root, 100, 1, &r, why, sizeof(why)) < 0)
		return 0;
	if (r.n > AUDIT_ITEMS_MAX || r.passed > r.n)
		abort();
	require_printable(r.exe);
	for (size_t i = 0; i < r.n; i++)
		require_printable(r.items[i].seen);
	return 0;
}
