/* The libraries (and the ELF interpreter) a dynamic binary needs, found
 * as the dynamic loader inside the jail will find them, without running
 * any code of the binary or of its libraries: each object's ELF is read
 * with libelf (elfdeps.c), and each name is looked up, recursively, in
 * the system library directories only, every candidate opened by
 * sysfile's rules (root's alone, links followed on purpose).
 *
 * Why these directories and no others: the jail's root has no
 * /etc/ld.so.cache and no environment, so its loader searches only the
 * object's DT_RUNPATH (or DT_RPATH) and glibc's built-in system path.
 * The directories of /etc/ld.so.conf are known to the loader only
 * through the cache: a library found there would be bound where the
 * jail's loader never looks. A RUNPATH or RPATH entry is accepted only
 * when it is (or lies beneath) a system directory; $ORIGIN is replaced
 * by the object's own directory and must then pass the same test. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "elfdeps.h"
#include "jail.h"
#include "sysfile.h"

/* Debian glibc's system search path, in its order (ld.so --help). */
static const char *const search_default[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib",
	"/usr/lib",
};
/* Where x86_64 binaries name their interpreter (not searched). */
static const char *const interp_default[] = { "/lib64" };

#define DIRS_MAX 16
#define LIST_MAX (DIRS_MAX * 2)

struct ctx {
	const char *binary;             /* printable */
	char roots[DIRS_MAX][PATH_MAX]; /* canonical: every allowed dir */
	size_t nroots;
	char search[DIRS_MAX][PATH_MAX]; /* canonical, searched in order */
	size_t nsearch;
	char list[LIST_MAX][PATH_MAX]; /* one object's search list */
	size_t nlist;
	struct jail_bind *out;
	size_t max, n;
	char (*soname)[ELFDEPS_NAME_MAX + 1]; /* out[i]'s DT_SONAME */
	struct elfdeps obj, cand;
	bool main_runpath;
	char main_rpath[ELFDEPS_SEARCH_MAX];
	char *why;
	size_t whylen;
};

static int
fail(struct ctx *c, const char *fmt, const char *a, const char *b)
{
	char pa[PATH_MAX], pb[512];

	text_printable(pa, sizeof(pa), a ? a : "");
	text_printable(pb, sizeof(pb), b ? b : "");
	char msg[PATH_MAX + 512];
	snprintf(msg, sizeof(msg), fmt, pa, pb);
	snprintf(c->why, c->whylen, "%s: %s", c->binary, msg);
	return -1;
}

static bool
under_roots(const struct ctx *c, const char *p)
{
	for (size_t i = 0; i < c->nroots; i++)
		if (sysfile_beneath(p, c->roots[i]))
			return true;
	return false;
}

/* Canonical names of the directories (root's alone; a missing one is
 * left out), into roots, and into search when searched. */
static int
add_dirs(struct ctx *c, const char *const *dirs, size_t n, bool searched)
{
	char canon[PATH_MAX], why[256];

	for (size_t i = 0; i < n; i++) {
		int fd = sysfile_open(dirs[i], SYSFILE_DIR, canon,
				      sizeof(canon), why, sizeof(why));
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fail(c, "system library directory: %s%s", why,
				    "");
		close(fd);
		if (c->nroots == DIRS_MAX || c->nsearch == DIRS_MAX)
			return fail(c, "too many library directories%s%s", "",
				    "");
		if (searched)
			snprintf(c->search[c->nsearch++], PATH_MAX, "%s",
				 canon);
		snprintf(c->roots[c->nroots++], PATH_MAX, "%s", canon);
	}
	return 0;
}

/* A name the loader looks up in directories: no path, plain bytes. */
static int
check_name(struct ctx *c, const char *name)
{
	if (strchr(name, '/'))
		return fail(c,
			    "needs library '%s' by a path (DT_NEEDED with "
			    "'/'): only names looked up in the system "
			    "library directories are allowed%s",
			    name, "");
	bool ok = name[0] && strcmp(name, ".") != 0 &&
		  strcmp(name, "..") != 0 && strlen(name) <= NAME_MAX;
	for (const char *p = name; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || strchr("._+-", *p);
	return ok ? 0
		  : fail(c, "library name '%s' is not a plain file name%s",
			 name, "");
}

static bool
known(const struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *base = strrchr(c->out[i].path, '/');
		if (strcmp(base ? base + 1 : c->out[i].path, name) == 0 ||
		    strcmp(c->soname[i], name) == 0)
			return true;
	}
	return false;
}

static int
add_bind(struct ctx *c, const char *path, const char *soname)
{
	if (c->n == c->max)
		return fail(c, "too many libraries (at %s)%s", path, "");
	struct jail_bind *b = &c->out[c->n];
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->exec = true;
	b->kind = JAIL_BIND_SYSTEM;
	b->who = NULL;
	snprintf(c->soname[c->n], sizeof(c->soname[c->n]), "%s", soname);
	c->n++;
	return 0;
}

/* dir/name as a library: 1 if taken, 0 if not there (or of another
 * machine, which the loader skips too), -1 if refused. */
static int
try_dir(struct ctx *c, const char *dir, const char *name)
{
	char path[PATH_MAX], real[PATH_MAX], why[PATH_MAX];

	if (path_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return fail(c, "library path too long: %s%s", dir, "");
	int fd = sysfile_open(path, SYSFILE_REG, real, sizeof(real), why,
			      sizeof(why));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(c, "library refused: %s%s", why, "");
	if (!under_roots(c, real)) {
		close(fd);
		return fail(c,
			    "library %s resolves to %s, outside the system "
			    "library directories",
			    path, real);
	}
	enum elfdeps_rc rc = elfdeps_read_fd(fd, &c->cand, why, sizeof(why));
	close(fd);
	if (rc == ELFDEPS_FOREIGN)
		return 0;
	if (rc != ELFDEPS_OK)
		return fail(c, "library %s: %s", path, why);
	return add_bind(c, path, c->cand.soname) < 0 ? -1 : 1;
}

static int
resolve(struct ctx *c, const char *name)
{
	if (check_name(c, name) < 0)
		return -1;
	if (known(c, name))
		return 0;
	for (size_t i = 0; i < c->nlist; i++) {
		int rc = try_dir(c, c->list[i], name);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return fail(c,
		    "library %s not found in the system library directories "
		    "(or only for another machine)%s",
		    name, "");
}

/* One RUNPATH/RPATH entry onto the search list, if it is (beneath) a
 * system directory; $ORIGIN is the object's directory. */
static int
add_entry(struct ctx *c, const char *tag, const char *e, const char *origin)
{
	char path[PATH_MAX], canon[PATH_MAX], why[PATH_MAX];
	const char *rest = NULL;

	if (strncmp(e, "$ORIGIN", 7) == 0)
		rest = e + 7;
	else if (strncmp(e, "${ORIGIN}", 9) == 0)
		rest = e + 9;
	if (rest && (*rest == '\0' || *rest == '/') && !strchr(rest, '$'))
		snprintf(path, sizeof(path), "%s%s", origin, rest);
	else if (e[0] == '/' && !strchr(e, '$'))
		snprintf(path, sizeof(path), "%s", e);
	else
		return fail(c,
			    "%s entry '%s' is not an absolute directory "
			    "(or uses a $ token other than $ORIGIN)",
			    tag, e);
	int fd = sysfile_open(path, SYSFILE_DIR, canon, sizeof(canon), why,
			      sizeof(why));
	if (fd == -ENOENT)
		return 0; /* nothing there, in the jail either */
	if (fd < 0)
		return fail(c, "%s entry refused: %s", tag, why);
	close(fd);
	if (!under_roots(c, canon))
		return fail(c,
			    "%s entry %s is outside the system library "
			    "directories",
			    tag, canon);
	if (c->nlist == LIST_MAX)
		return fail(c, "%s: too many entries%s", tag, "");
	snprintf(c->list[c->nlist++], PATH_MAX, "%s", canon);
	return 0;
}

static int
add_entries(struct ctx *c, const char *tag, const char *s, const char *origin)
{
	char copy[ELFDEPS_SEARCH_MAX];

	snprintf(copy, sizeof(copy), "%s", s);
	for (char *e = copy, *colon; e; e = colon ? colon + 1 : NULL) {
		colon = strchr(e, ':');
		if (colon)
			*colon = '\0';
		if (add_entry(c, tag, e, origin) < 0)
			return -1;
	}
	return 0;
}

/* The loader's order for c->obj's needs: its RUNPATH, or else its RPATH
 * and the executable's (without a RUNPATH there), then the system. */
static int
search_list(struct ctx *c, const char *origin)
{
	c->nlist = 0;
	if (c->obj.has_runpath &&
	    add_entries(c, "RUNPATH", c->obj.runpath, origin) < 0)
		return -1;
	if (!c->obj.has_runpath && c->obj.has_rpath &&
	    add_entries(c, "RPATH", c->obj.rpath, origin) < 0)
		return -1;
	if (!c->obj.has_runpath && !c->main_runpath && c->main_rpath[0] &&
	    add_entries(c, "RPATH", c->main_rpath, origin) < 0)
		return -1;
	for (size_t i = 0; i < c->nsearch; i++) {
		if (c->nlist == LIST_MAX)
			return fail(c, "too many search directories%s%s", "",
				    "");
		snprintf(c->list[c->nlist++], PATH_MAX, "%s", c->search[i]);
	}
	return 0;
}

/* Resolve every DT_NEEDED of c->obj, whose directory is origin. */
static int
resolve_needed(struct ctx *c, const char *origin)
{
	if (search_list(c, origin) < 0)
		return -1;
	for (size_t i = 0; i < c->obj.nneeded; i++)
		if (resolve(c, c->obj.needed[i]) < 0)
			return -1;
	return 0;
}

/* The interpreter, bound where the kernel opens it: PT_INTERP's
 * directory (canonical, a system one) and its file name. */
static int
add_interp(struct ctx *c, const char *interp)
{
	char dir[PATH_MAX], canon[PATH_MAX], path[PATH_MAX], why[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", interp);
	char *slash = strrchr(dir, '/');
	const char *base = interp + (slash - dir) + 1;
	*slash = '\0';
	int fd = sysfile_open(dir[0] ? dir : "/", SYSFILE_DIR, canon,
			      sizeof(canon), why, sizeof(why));
	if (fd < 0)
		return fail(c, "ELF interpreter refused: %s%s", why, "");
	close(fd);
	if (!under_roots(c, canon) || check_name(c, base) < 0)
		return fail(c,
			    "ELF interpreter %s is not a file in a system "
			    "library directory%s",
			    interp, "");
	if (path_fmt(path, sizeof(path), "%s/%s", canon, base) < 0)
		return fail(c, "ELF interpreter path too long%s%s", "", "");
	int rc = try_dir(c, canon, base);
	if (rc == 0)
		return fail(c,
			    "ELF interpreter %s missing or for another "
			    "machine%s",
			    interp, "");
	return rc < 0 ? -1 : 0;
}

/* Every library found so far, in turn: read it, resolve its needs. */
static int
walk_libraries(struct ctx *c)
{
	char why[PATH_MAX], origin[PATH_MAX];

	for (size_t i = 0; i < c->n; i++) {
		const char *path = c->out[i].path;
		int fd = sysfile_open(path, SYSFILE_REG, NULL, 0, why,
				      sizeof(why));
		if (fd < 0)
			return fail(c, "library refused: %s%s", why, "");
		enum elfdeps_rc rc =
			elfdeps_read_fd(fd, &c->obj, why, sizeof(why));
		close(fd);
		if (rc != ELFDEPS_OK)
			return fail(c, "library %s: %s", path, why);
		snprintf(origin, sizeof(origin), "%s", path);
		*strrchr(origin, '/') = '\0';
		if (resolve_needed(c, origin) < 0)
			return -1;
	}
	return 0;
}

/* The executable: its interpreter and its needs, with its RPATH kept
 * for its libraries (the loader's rule for DT_RPATH). */
static int
start(struct ctx *c, const char *binary)
{
	char why[PATH_MAX], origin[PATH_MAX];
	struct stat st;
	/* O_NONBLOCK: a FIFO in its place cannot hang create. */
	int fd = open(binary, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return fail(c, "cannot open: %s%s", strerror(errno), "");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(c, "not a regular file%s%s", "", "");
	}
	enum elfdeps_rc rc = elfdeps_read_fd(fd, &c->obj, why, sizeof(why));
	close(fd);
	if (rc != ELFDEPS_OK)
		return fail(c, "not an x86_64 ELF executable: %s%s", why, "");
	if (!c->obj.interp[0])
		return c->obj.nneeded ? fail(c,
					     "needs libraries but names no ELF "
					     "interpreter%s%s",
					     "", "")
				      : 0; /* static: nothing to bind */
	struct elfdeps *main_obj = malloc(sizeof(*main_obj));
	if (!main_obj)
		return fail(c, "out of memory%s%s", "", "");
	*main_obj = c->obj;
	c->main_runpath = main_obj->has_runpath;
	if (main_obj->has_rpath)
		snprintf(c->main_rpath, sizeof(c->main_rpath), "%s",
			 main_obj->rpath);
	snprintf(origin, sizeof(origin), "%s", binary);
	char *slash = strrchr(origin, '/');
	if (slash)
		*slash = '\0';
	int r = add_interp(c, main_obj->interp);
	if (r == 0) {
		c->obj = *main_obj;
		r = resolve_needed(c, slash && origin[0] ? origin : "/");
	}
	free(main_obj);
	return r < 0 ? -1 : walk_libraries(c);
}

int
jail_libdeps_in(const char *binary, const struct jail_libdirs *dirs,
		struct jail_bind *out, size_t max, char *why, size_t whylen)
{
	char name[PATH_MAX];
	struct ctx *c = calloc(1, sizeof(*c));
	int rc = -1;

	text_printable(name, sizeof(name), binary);
	if (!c) {
		snprintf(why, whylen, "%s: out of memory", name);
		return -1;
	}
	c->binary = name;
	c->out = out;
	c->max = max;
	c->why = why;
	c->whylen = whylen;
	c->soname = calloc(max ? max : 1, sizeof(*c->soname));
	if (!c->soname)
		fail(c, "out of memory%s%s", "", "");
	else if (add_dirs(c, dirs->search, dirs->nsearch, true) == 0 &&
		 add_dirs(c, dirs->interp, dirs->ninterp, false) == 0 &&
		 start(c, binary) == 0)
		rc = (int)c->n;
	free(c->soname);
	free(c);
	return rc;
}

int
jail_libdeps(const char *binary, struct jail_bind *out, size_t max, char *why,
	     size_t whylen)
{
	const struct jail_libdirs dirs = {
		.search = search_default,
		.nsearch = sizeof(search_default) / sizeof(search_default[0]),
		.interp = interp_default,
		.ninterp = sizeof(interp_default) / sizeof(interp_default[0]),
	};
	return jail_libdeps_in(binary, &dirs, out, max, why, whylen);
}
