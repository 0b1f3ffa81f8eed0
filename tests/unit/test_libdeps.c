/* jail_libdeps: the device model's libraries, found without running any
 * of its code and only in the system library directories. The real QEMU
 * must give the set `ldd` prints (ldd is run here, by the test, never by
 * the product); hostile ELF files, made here byte by byte, must each be
 * refused with a reason. Needs root (a root-only directory in /run,
 * chown); skipped otherwise.
 *
 * Built with -DOLD_LIBDEPS against the code before the fix (the loader's
 * --list, run as nobody), the tests that exist there fail: that is how
 * the fix was shown to matter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/jail/jail.h"
#ifndef OLD_LIBDEPS
#include "../../src/jail/elfdeps.h"
#include "../../src/jail/sysfile.h"
#endif

#define NOBODY 65534
#define BINDS 256

static char dir[64];  /* root's, 0755, in /run */
static char tmpd[64]; /* nobody's, in /tmp */
static char marker[128];
static char why[1024];
static struct jail_bind binds[BINDS];

static const char *
at(const char *name)
{
	static char p[8][PATH_MAX];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* --- ELF files made by hand ------------------------------------------- */

struct fake {
	uint16_t machine; /* 0: EM_X86_64 */
	uint16_t type;    /* 0: ET_DYN */
	const char *interp;
	const char *needed[4];
	const char *runpath, *soname;
	const unsigned char *code; /* a static program's text */
	size_t codelen;
};

static size_t
put(unsigned char *buf, size_t off, const void *p, size_t n)
{
	memcpy(buf + off, p, n);
	return off + n;
}

/* One PT_LOAD over the whole file (vaddr = base + offset), PT_INTERP and
 * PT_DYNAMIC as asked; the string table found by its address. */
static size_t
build_elf(const struct fake *f, unsigned char *buf)
{
	bool dyn = f->needed[0] || f->runpath || f->soname;
	size_t nph = 1 + (f->interp != NULL) + dyn;
	uint64_t base = f->type == ET_EXEC ? 0x400000 : 0;
	size_t code = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	size_t interp = code + f->codelen;
	size_t strtab = interp + (f->interp ? strlen(f->interp) + 1 : 0);
	char str[1024] = "";
	size_t slen = 1, off[6] = { 0 };
	const char *s[6] = { f->needed[0], f->needed[1], f->needed[2],
			     f->needed[3], f->runpath,   f->soname };
	for (int i = 0; i < 6; i++) {
		if (!s[i])
			continue;
		off[i] = slen;
		memcpy(str + slen, s[i], strlen(s[i]) + 1);
		slen += strlen(s[i]) + 1;
	}
	size_t dynoff = (strtab + slen + 7) & ~(size_t)7;
	Elf64_Dyn d[10];
	size_t nd = 0;
	for (int i = 0; i < 4; i++)
		if (s[i])
			d[nd++] = (Elf64_Dyn){ DT_NEEDED, { off[i] } };
	if (f->runpath)
		d[nd++] = (Elf64_Dyn){ DT_RUNPATH, { off[4] } };
	if (f->soname)
		d[nd++] = (Elf64_Dyn){ DT_SONAME, { off[5] } };
	d[nd++] = (Elf64_Dyn){ DT_STRTAB, { base + strtab } };
	d[nd++] = (Elf64_Dyn){ DT_STRSZ, { slen } };
	d[nd++] = (Elf64_Dyn){ DT_NULL, { 0 } };
	size_t total = dyn ? dynoff + nd * sizeof(Elf64_Dyn) : strtab;

	memset(buf, 0, total);
	Elf64_Ehdr eh = {
		.e_type = f->type ? f->type : ET_DYN,
		.e_machine = f->machine ? f->machine : EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = f->code ? base + code : 0,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)nph,
	};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	size_t o = put(buf, 0, &eh, sizeof(eh));
	Elf64_Phdr load = { PT_LOAD, PF_R | PF_X, 0,     base,
			    base,    total,       total, 0x1000 };
	o = put(buf, o, &load, sizeof(load));
	if (f->interp) {
		Elf64_Phdr ph = { PT_INTERP,
				  PF_R,
				  interp,
				  base + interp,
				  base + interp,
				  strlen(f->interp) + 1,
				  strlen(f->interp) + 1,
				  1 };
		o = put(buf, o, &ph, sizeof(ph));
	}
	if (dyn) {
		Elf64_Phdr ph = { PT_DYNAMIC,
				  PF_R,
				  dynoff,
				  base + dynoff,
				  base + dynoff,
				  nd * sizeof(Elf64_Dyn),
				  nd * sizeof(Elf64_Dyn),
				  8 };
		o = put(buf, o, &ph, sizeof(ph));
	}
	if (f->code)
		put(buf, code, f->code, f->codelen);
	if (f->interp)
		put(buf, interp, f->interp, strlen(f->interp) + 1);
	put(buf, strtab, str, slen);
	if (dyn)
		put(buf, dynoff, d, nd * sizeof(Elf64_Dyn));
	return total;
}

static void
write_file(const char *path, const void *buf, size_t len, uid_t uid,
	   mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chown(path, uid, uid), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
make(const char *path, const struct fake *f)
{
	static unsigned char buf[8192];

	write_file(path, buf, build_elf(f, buf), 0, 0755);
}

/* A static program: creates marker (as whoever runs it) and prints a
 * line the loader's --list would print for /etc/shadow. Run, it shows
 * that code of the binary ran; its output, what became a bind. */
static void
make_evil_interp(const char *path)
{
	static const char msg[] = "\t/etc/shadow (0x0000000000000000)\n";
	unsigned char c[256];
	size_t plen = strlen(marker) + 1;
	int32_t d1 = 57 - 7, d2 = (int32_t)(57 + plen - 41);
	uint32_t mlen = sizeof(msg) - 1;
	size_t o = 0;

	o = put(c, o, "\x48\x8d\x3d", 3); /* lea rdi, [rip+d1]: marker */
	o = put(c, o, &d1, 4);
	o = put(c, o, "\xbe\x41\x00\x00\x00", 5);         /* O_WRONLY|O_CREAT */
	o = put(c, o, "\xba\xa4\x01\x00\x00", 5);         /* 0644 */
	o = put(c, o, "\xb8\x02\x00\x00\x00\x0f\x05", 7); /* open */
	o = put(c, o, "\xb8\x01\x00\x00\x00\xbf\x01\x00\x00\x00", 10);
	o = put(c, o, "\x48\x8d\x35", 3); /* lea rsi, [rip+d2]: msg */
	o = put(c, o, &d2, 4);
	o = put(c, o, "\xba", 1);
	o = put(c, o, &mlen, 4);
	o = put(c, o, "\x0f\x05", 2);                             /* write */
	o = put(c, o, "\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05", 9); /* exit */
	assert_int_equal(o, 57);
	o = put(c, o, marker, plen);
	o = put(c, o, msg, mlen);
	struct fake f = { .type = ET_EXEC, .code = c, .codelen = o };
	make(path, &f);
}

/* --- fixtures ---------------------------------------------------------- */

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/run/bh-test-libdeps.XXXXXX");
	snprintf(tmpd, sizeof(tmpd), "/tmp/bh-test-libdeps.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0 || !mkdtemp(tmpd) ||
	    chown(tmpd, NOBODY, NOBODY) < 0)
		return -1;
	snprintf(marker, sizeof(marker), "%s/ran", tmpd);
	static const char *const sub[] = { "lib", "lib2", "ld", "bin" };
	for (size_t i = 0; i < 4; i++)
		if (mkdir(at(sub[i]), 0755) < 0)
			return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	/* Only what setup made: the two fresh directories. */
	if (dir[0] && strncmp(dir, "/run/bh-test-libdeps.", 21) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' '%s'", dir, tmpd);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* The libdeps call of the code under test. */
static int
libdeps_default(const char *bin)
{
	why[0] = '\0';
#ifdef OLD_LIBDEPS
	return jail_libdeps(bin, NOBODY, NOBODY, binds, BINDS, why,
			    sizeof(why));
#else
	return jail_libdeps(bin, binds, BINDS, why, sizeof(why));
#endif
}

static void
expect_refused(int rc, const char *word)
{
	if (rc >= 0) {
		for (int i = 0; i < rc; i++)
			print_message("  bound: %s\n", binds[i].path);
		fail_msg("accepted (%d binds), wanted a refusal about '%s'", rc,
			 word);
	}
	if (!strstr(why, word))
		fail_msg("refused, but not about '%s': %s", word, why);
	print_message("  refused: %s\n", why);
}

/* --- against the code before the fix, too ------------------------------ */

/* An interpreter outside the system directories is never run: before
 * the fix it was, as nobody, and what it printed became a bind. */
static void
test_interp_never_run(void **state)
{
	(void)state;
	make_evil_interp(at("ld/evil-ld"));
	struct fake f = { .interp = at("ld/evil-ld"),
			  .needed = { "libc.so.6" } };
	make(at("bin/prog"), &f);
	unlink(marker);
	int rc = libdeps_default(at("bin/prog"));
	bool ran = access(marker, F_OK) == 0;
	for (int i = 0; i < (rc > 0 ? rc : 0); i++)
		print_message("  bound: %s\n", binds[i].path);
	assert_false(ran);
	expect_refused(rc, "ELF interpreter");
}

/* A library named by path (DT_NEEDED with '/'), with the real loader as
 * interpreter: refused, not bound wherever it lies. */
static void
test_needed_path(void **state)
{
	(void)state;
	char lib[PATH_MAX];
	snprintf(lib, sizeof(lib), "%s/libevil.so", tmpd);
	struct fake l = { .soname = "libevil.so" };
	make(lib, &l);
	assert_int_equal(chown(lib, NOBODY, NOBODY), 0);
	struct fake f = { .interp = "/lib64/ld-linux-x86-64.so.2",
			  .needed = { "libc.so.6", lib } };
	make(at("bin/prog"), &f);
	expect_refused(libdeps_default(at("bin/prog")), "by a path");
}

/* A RUNPATH in /tmp, holding a library a user owns. */
static void
test_runpath_tmp(void **state)
{
	(void)state;
	char lib[PATH_MAX];
	snprintf(lib, sizeof(lib), "%s/libbhevil.so.1", tmpd);
	struct fake l = { .soname = "libbhevil.so.1" };
	make(lib, &l);
	assert_int_equal(chown(lib, NOBODY, NOBODY), 0);
	struct fake f = { .interp = "/lib64/ld-linux-x86-64.so.2",
			  .needed = { "libbhevil.so.1", "libc.so.6" },
			  .runpath = tmpd };
	make(at("bin/prog"), &f);
	expect_refused(libdeps_default(at("bin/prog")), "RUNPATH");
}

#ifndef OLD_LIBDEPS
/* --- the real device model ---------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Real files of ldd's list (the test runs ldd; the product never). */
static size_t
ldd_set(const char *bin, char **out, size_t max)
{
	char cmd[PATH_MAX + 16], line[1024], real[PATH_MAX];
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "ldd '%s'", bin);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *path = strstr(line, "=> ");
		path = path ? path + 3 : line + strspn(line, " \t");
		if (path[0] != '/')
			continue; /* linux-vdso.so.1 */
		path[strcspn(path, " \n")] = '\0';
		assert_non_null(realpath(path, real));
		assert_true(n < max);
		out[n++] = strdup(real);
	}
	assert_int_equal(pclose(p), 0);
	qsort(out, n, sizeof(*out), cmp_str);
	return n;
}

static void
test_qemu_matches_ldd(void **state)
{
	(void)state;
	static const char *const bins[] = { "/usr/bin/qemu-system-x86_64",
					    "/usr/bin/true" };
	for (size_t b = 0; b < 2; b++) {
		char *want[BINDS], *got[BINDS], real[PATH_MAX], d[PATH_MAX];
		size_t nw = ldd_set(bins[b], want, BINDS);
		int n = libdeps_default(bins[b]);
		if (n < 0)
			fail_msg("%s", why);
		for (int i = 0; i < n; i++) {
			assert_int_equal(binds[i].kind, JAIL_BIND_SYSTEM);
			assert_true(binds[i].exec);
			/* bound at a canonical directory */
			snprintf(d, sizeof(d), "%s", binds[i].path);
			*strrchr(d, '/') = '\0';
			assert_non_null(realpath(d, real));
			assert_string_equal(real, d);
			assert_non_null(realpath(binds[i].path, real));
			got[i] = strdup(real);
		}
		qsort(got, (size_t)n, sizeof(*got), cmp_str);
		for (size_t i = 0; i < nw || i < (size_t)n; i++)
			print_message("  ldd %-50s ours %s\n",
				      i < nw ? want[i] : "-",
				      i < (size_t)n ? got[i] : "-");
		assert_int_equal((size_t)n, nw);
		for (size_t i = 0; i < nw; i++) {
			assert_string_equal(got[i], want[i]);
			free(got[i]);
			free(want[i]);
		}
	}
}

/* --- hostile libraries, in test directories ----------------------------- */

static int
libdeps_here(const char *bin)
{
	const char *search[] = { at("lib"), at("lib2") };
	const char *interp[] = { at("ld") };
	const struct jail_libdirs dirs = { search, 2, interp, 1 };

	why[0] = '\0';
	return jail_libdeps_in(bin, &dirs, binds, BINDS, why, sizeof(why));
}

/* The fixture's loader and a program needing names. */
static void
prog(const char *n0, const char *n1, const char *runpath)
{
	struct fake ld = { .soname = "ld-fake.so.2" };
	make(at("ld/ld-fake.so.2"), &ld);
	struct fake f = { .interp = at("ld/ld-fake.so.2"),
			  .needed = { n0, n1 },
			  .runpath = runpath };
	make(at("bin/prog"), &f);
}

static void
clean_libs(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -f -- '%s'/lib/* '%s'/lib2/*", dir, dir);
	assert_int_equal(system(cmd), 0);
}

/* libA.so.1 -> libA.so.1.2.3 (a soname link) needs libB.so.2, which
 * needs libA.so.1 again; a libB.so.2 for another machine comes first
 * and is skipped, as the loader skips it. */
static void
test_chain(void **state)
{
	(void)state;
	clean_libs();
	prog("libA.so.1", NULL, NULL);
	struct fake a = { .soname = "libA.so.1", .needed = { "libB.so.2" } };
	make(at("lib/libA.so.1.2.3"), &a);
	assert_int_equal(symlink("libA.so.1.2.3", at("lib/libA.so.1")), 0);
	struct fake arm = { .machine = EM_AARCH64, .soname = "libB.so.2" };
	make(at("lib/libB.so.2"), &arm);
	struct fake b = { .soname = "libB.so.2", .needed = { "libA.so.1" } };
	make(at("lib2/libB.so.2"), &b);

	int n = libdeps_here(at("bin/prog"));
	if (n < 0)
		fail_msg("%s", why);
	assert_int_equal(n, 3);
	assert_string_equal(binds[0].path, at("ld/ld-fake.so.2"));
	assert_string_equal(binds[1].path, at("lib/libA.so.1"));
	assert_string_equal(binds[2].path, at("lib2/libB.so.2"));

	/* A static binary needs nothing. */
	struct fake st = { .type = ET_EXEC };
	make(at("bin/static"), &st);
	assert_int_equal(libdeps_here(at("bin/static")), 0);
}

static void
test_needed_names(void **state)
{
	(void)state;
	clean_libs();
	static const char *const bad[] = { "../lib2/libB.so.2", "/etc/passwd",
					   "lib/libA.so.1" };
	for (size_t i = 0; i < 3; i++) {
		prog(bad[i], NULL, NULL);
		expect_refused(libdeps_here(at("bin/prog")), "by a path");
	}
	prog("..", NULL, NULL);
	expect_refused(libdeps_here(at("bin/prog")), "not a plain file name");
	prog("lib\033[2Jx.so", NULL, NULL);
	expect_refused(libdeps_here(at("bin/prog")), "not a plain file name");
	assert_null(strchr(why, '\033')); /* no raw escape to a terminal */
}

static void
test_runpath(void **state)
{
	(void)state;
	clean_libs();
	struct fake l = { .soname = "libA.so.1" };
	make(at("lib2/libA.so.1"), &l);
	prog("libA.so.1", NULL, "/tmp");
	expect_refused(libdeps_here(at("bin/prog")), "RUNPATH entry refused");
	prog("libA.so.1", NULL, "/etc");
	expect_refused(libdeps_here(at("bin/prog")), "outside the system");
	prog("libA.so.1", NULL, "$LIB");
	expect_refused(libdeps_here(at("bin/prog")), "$ORIGIN");
	prog("libA.so.1", NULL, "lib2");
	expect_refused(libdeps_here(at("bin/prog")), "not an absolute");
	/* $ORIGIN is the object's own directory: bin/../lib2 passes. */
	prog("libA.so.1", NULL, "$ORIGIN/../lib2:/nonexistent");
	int n = libdeps_here(at("bin/prog"));
	if (n < 0)
		fail_msg("%s", why);
	assert_int_equal(n, 2);
	assert_string_equal(binds[1].path, at("lib2/libA.so.1"));
	/* ... and the program's $ORIGIN/.. is the test directory itself,
	 * which is no system directory. */
	prog("libA.so.1", NULL, "$ORIGIN/..");
	expect_refused(libdeps_here(at("bin/prog")), "outside the system");
}

static void
test_hostile_files(void **state)
{
	(void)state;
	static unsigned char buf[8192];
	clean_libs();
	prog("libX.so.1", NULL, NULL);

	/* a soname link to /etc/shadow (root's: the walk alone allows it) */
	assert_int_equal(symlink("/etc/shadow", at("lib/libX.so.1")), 0);
	expect_refused(libdeps_here(at("bin/prog")), "outside the system");
	/* a link into a directory a user writes */
	char t[PATH_MAX];
	snprintf(t, sizeof(t), "%s/libX.so.1", tmpd);
	struct fake x = { .soname = "libX.so.1" };
	make(t, &x);
	unlink(at("lib/libX.so.1"));
	assert_int_equal(symlink(t, at("lib/libX.so.1")), 0);
	expect_refused(libdeps_here(at("bin/prog")), "writable by group");
	unlink(at("lib/libX.so.1"));
	/* a library a user owns */
	make(at("lib/libX.so.1"), &x);
	assert_int_equal(chown(at("lib/libX.so.1"), NOBODY, NOBODY), 0);
	expect_refused(libdeps_here(at("bin/prog")), "owned by root");
	/* not an ELF */
	write_file(at("lib/libX.so.1"), "#!/bin/sh\nid\n", 13, 0, 0755);
	expect_refused(libdeps_here(at("bin/prog")), "not an ELF");
	/* truncated: in the program headers, then in the dynamic array */
	size_t len = build_elf(&x, buf);
	write_file(at("lib/libX.so.1"), buf, 100, 0, 0755);
	expect_refused(libdeps_here(at("bin/prog")), "libX.so.1");
	write_file(at("lib/libX.so.1"), buf, len - 8, 0, 0755);
	expect_refused(libdeps_here(at("bin/prog")), "libX.so.1");
	/* for another machine only */
	struct fake arm = { .machine = EM_AARCH64, .soname = "libX.so.1" };
	make(at("lib/libX.so.1"), &arm);
	expect_refused(libdeps_here(at("bin/prog")), "not found");
	/* a main binary for another machine, or needing without a loader */
	make(at("bin/prog"), &arm);
	expect_refused(libdeps_here(at("bin/prog")), "not an x86_64 ELF");
	struct fake noi = { .needed = { "libc.so.6" } };
	make(at("bin/prog"), &noi);
	expect_refused(libdeps_here(at("bin/prog")), "no ELF interpreter");
	/* a FIFO for the binary: refused at once, not waited on */
	unlink(at("bin/fifo"));
	assert_int_equal(mkfifo(at("bin/fifo"), 0644), 0);
	expect_refused(libdeps_here(at("bin/fifo")), "not a regular file");
	/* the interpreter outside the allowed directories */
	struct fake out = { .interp = "/usr/bin/true" };
	make(at("bin/prog"), &out);
	expect_refused(libdeps_here(at("bin/prog")), "ELF interpreter");
}

/* sysfile: links followed on purpose, root's directories only. */
static void
test_sysfile(void **state)
{
	(void)state;
	char real[PATH_MAX], want[PATH_MAX];
	int fd = sysfile_open("/lib64/ld-linux-x86-64.so.2", SYSFILE_REG, real,
			      sizeof(real), why, sizeof(why));
	if (fd < 0)
		fail_msg("%s", why);
	close(fd);
	assert_non_null(realpath("/lib64/ld-linux-x86-64.so.2", want));
	assert_string_equal(real, want);
	assert_int_equal(
		sysfile_open("/tmp", SYSFILE_DIR, NULL, 0, why, sizeof(why)),
		-EPERM);
	assert_int_equal(
		sysfile_open("/etc", SYSFILE_REG, NULL, 0, why, sizeof(why)),
		-EISDIR);
	assert_int_equal(sysfile_open("/etc/../nonexistent", SYSFILE_REG, NULL,
				      0, why, sizeof(why)),
			 -ENOENT);
	assert_int_equal(symlink("loop2", at("lib/loop1")), 0);
	assert_int_equal(symlink("loop1", at("lib/loop2")), 0);
	assert_int_equal(sysfile_open(at("lib/loop1"), SYSFILE_REG, NULL, 0,
				      why, sizeof(why)),
			 -ELOOP);
	assert_int_equal(sysfile_open("relative", SYSFILE_REG, NULL, 0, why,
				      sizeof(why)),
			 -EINVAL);
	assert_true(sysfile_beneath("/usr/lib/x", "/usr/lib"));
	assert_false(sysfile_beneath("/usr/libx", "/usr/lib"));
	assert_true(sysfile_beneath("/usr/lib", "/usr/lib"));
}
#endif

int
main(void)
{
	if (geteuid() != 0) {
		printf("test_libdeps: SKIPPED: needs root\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interp_never_run),
		cmocka_unit_test(test_needed_path),
		cmocka_unit_test(test_runpath_tmp),
#ifndef OLD_LIBDEPS
		cmocka_unit_test(test_qemu_matches_ldd),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_needed_names),
		cmocka_unit_test(test_runpath),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_sysfile),
#endif
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
