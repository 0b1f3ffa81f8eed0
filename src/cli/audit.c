#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

struct ctx {
	const char *root;
	pid_t pid;
	pid_t host;
	char *status;
	char *limits;
	char *cmdline; /* the argv, NUL-separated, as the kernel gives it */
	size_t cmdlen;
	char *cgroup;
	struct audit_report *r;
};

/* A /proc text, NUL-terminated. The NULs of a text that has them (a
 * cmdline) stay: its length is the whole text. */
static char *
slurp_len(const struct ctx *c, pid_t pid, const char *file, size_t *len)
{
	char p[512], *text = NULL;

	*len = 0;
	if (path_fmt(p, sizeof(p), "%s/%d/%s", c->root, (int)pid, file) < 0 ||
	    file_read_all(p, 1 << 20, &text, len) < 0)
		return NULL;
	return text;
}

/* A /proc text read as one string: a NUL in it (where the kernel
 * writes none) ends it. */
static char *
slurp(const struct ctx *c, pid_t pid, const char *file)
{
	size_t len;
	return slurp_len(c, pid, file, &len);
}

static const char *
field(const char *text, const char *key)
{
	static char v[256];
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\n%s:", key);
	if (!text || !(p = strstr(text, k)))
		return NULL;
	/* The kernel writes each key once (and escapes newlines in the
	 * name, the only text the process chooses): a second one is a
	 * forgery, and the field counts as unreadable. */
	if (strstr(p + 1, k))
		return NULL;
	p += strlen(k);
	while (*p == '\t' || *p == ' ')
		p++;
	size_t n = strcspn(p, "\n");
	if (n >= sizeof(v))
		n = sizeof(v) - 1;
	memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

static void __attribute__((format(printf, 4, 5)))
item(struct ctx *c, const char *id, bool pass, const char *fmt, ...)
{
	struct audit_report *r = c->r;
	va_list ap;

	if (r->n == AUDIT_ITEMS_MAX)
		return;
	struct audit_item *it = &r->items[r->n++];
	it->id = id;
	it->pass = pass;
	va_start(ap, fmt);
	vsnprintf(it->seen, sizeof(it->seen), fmt, ap);
	va_end(ap);
	/* What was seen may hold the process's own text (a cgroup name):
	 * only printable ASCII reaches the auditor's terminal or JSON. */
	text_printable(it->seen, sizeof(it->seen), it->seen);
	r->passed += pass;
}

static void
recommend(struct ctx *c, const char *text)
{
	c->r->items[c->r->n - 1].recommend = text;
}

static void
check_ids(struct ctx *c)
{
	unsigned u[4] = { 0 }, g[4] = { 0 };
	const char *v = field(c->status, "Uid");
	int nu = v ? sscanf(v, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]) : 0;
	c->r->uid = u[0];
	item(c, "uid-not-root", nu == 4 && u[0] && u[1] && u[2] && u[3],
	     "uids %u %u %u %u", u[0], u[1], u[2], u[3]);
	recommend(
		c,
		"run QEMU as an unprivileged uid of its own (dm_restrict; -run-with user=)");
	v = field(c->status, "Gid");
	int ng = v ? sscanf(v, "%u %u %u %u", &g[0], &g[1], &g[2], &g[3]) : 0;
	item(c, "gid-not-root", ng == 4 && g[0] && g[1] && g[2] && g[3],
	     "gids %u %u %u %u", g[0], g[1], g[2], g[3]);
	recommend(c, "give QEMU an unprivileged gid of its own");
	v = field(c->status, "Groups");
	item(c, "no-supplementary-groups", v && v[strspn(v, " \t")] == '\0',
	     "groups: %s", v && *v ? v : "(none)");
	recommend(c, "drop supplementary groups (setgroups(0)) before exec");
}

static unsigned long long
cap(const struct ctx *c, const char *k)
{
	const char *v = field(c->status, k);
	return v ? strtoull(v, NULL, 16) : ~0ULL;
}

/* Whether OPTS (-sandbox's value) turns the sandbox on with
 * elevateprivileges=deny and spawn=deny, each a whole option. */
static bool
sandbox_opts(const char *opts)
{
	bool on = false, elevate = false, spawn = false, first = true;

	for (const char *o = opts; *o;) {
		size_t n = strcspn(o, ",");
		if (first && ((n == 2 && !strncmp(o, "on", 2)) ||
			      (n == 9 && !strncmp(o, "enable=on", 9))))
			on = true;
		elevate |= n == 22 && !strncmp(o, "elevateprivileges=deny", 22);
		spawn |= n == 10 && !strncmp(o, "spawn=deny", 10);
		first = false;
		o += n + (o[n] == ',');
	}
	return on && elevate && spawn;
}

/* Whether the command line (NUL-separated arguments, and a NUL at
 * argv[len] from the read) holds a -sandbox argument whose next argument
 * turns it on with both denies. Text inside another argument (-name
 * 'x -sandbox on,...') is not one. */
static bool
sandbox_on(const char *argv, size_t len)
{
	for (size_t i = 0; argv && i < len;) {
		const char *a = argv + i;
		size_t n = strnlen(a, len - i);
		size_t next = i + n + 1;
		if ((!strcmp(a, "-sandbox") || !strcmp(a, "--sandbox")) &&
		    next < len && sandbox_opts(argv + next))
			return true;
		i = next;
	}
	return false;
}

static void
check_caps(struct ctx *c)
{
	unsigned long long e = cap(c, "CapEff"), p = cap(c, "CapPrm");
	unsigned long long b = cap(c, "CapBnd"), a = cap(c, "CapAmb");
	unsigned long long i = cap(c, "CapInh");
	item(c, "caps-effective-permitted", !e && !p, "CapEff %llx CapPrm %llx",
	     e, p);
	recommend(c, "QEMU needs no capability: run it as non-root");
	item(c, "caps-bounding", !b, "CapBnd %llx", b);
	recommend(c, "empty the bounding set (PR_CAPBSET_DROP) before exec");
	item(c, "caps-ambient-inheritable", !a && !i, "CapAmb %llx CapInh %llx",
	     a, i);
	recommend(c, "clear the ambient and inheritable sets before exec");
	const char *v = field(c->status, "NoNewPrivs");
	item(c, "no-new-privs", v && !strcmp(v, "1"), "NoNewPrivs %s",
	     v ? v : "?");
	recommend(c, "set PR_SET_NO_NEW_PRIVS before exec");
	v = field(c->status, "Seccomp");
	item(c, "seccomp", v && !strcmp(v, "2"), "Seccomp %s", v ? v : "?");
	recommend(
		c,
		"start QEMU with -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	const char *f = field(c->status, "Seccomp_filters");
	int nf = f ? atoi(f) : 0;
	item(c, "seccomp-outer-filter", nf >= 2, "%d filter(s)", nf);
	recommend(
		c,
		"install a filter before exec too: QEMU's own is a deny-list it installs itself");
	bool sandbox = sandbox_on(c->cmdline, c->cmdlen);
	item(c, "qemu-sandbox-flags", sandbox, "%s",
	     sandbox ? "-sandbox on with elevateprivileges/spawn deny"
		     : "not on the command line");
	recommend(
		c,
		"add -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
}

static int
ns_link(const struct ctx *c, pid_t pid, const char *ns, char *buf, size_t len)
{
	char p[512];

	if (path_fmt(p, sizeof(p), "%s/%d/ns/%s", c->root, (int)pid, ns) < 0)
		return -1;
	ssize_t n = readlink(p, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static void
check_ns(struct ctx *c)
{
	static const char *const ns[] = { "mnt", "pid", "net", "ipc", "uts" };
	static const char *const ids[] = { "own-mount-ns", "own-pid-ns",
					   "own-net-ns", "own-ipc-ns",
					   "own-uts-ns" };
	static const char *const rec[] = {
		"start QEMU in a new mount namespace (unshare/clone CLONE_NEWNS)",
		"start QEMU in a new pid namespace so it sees no host process",
		"start QEMU in an empty network namespace; pass taps as fds",
		"start QEMU in a new IPC namespace",
		"start QEMU in a new UTS namespace",
	};
	for (size_t i = 0; i < 5; i++) {
		char a[64], b[64];
		bool ok = ns_link(c, c->pid, ns[i], a, sizeof(a)) == 0 &&
			  ns_link(c, c->host, ns[i], b, sizeof(b)) == 0;
		item(c, ids[i], ok && strcmp(a, b) != 0, "%s",
		     ok ? a : "unreadable");
		recommend(c, rec[i]);
	}
}

static void
check_root(struct ctx *c)
{
	char p[512], q[512];
	struct stat a, b;

	snprintf(p, sizeof(p), "%s/%d/root", c->root, (int)c->pid);
	snprintf(q, sizeof(q), "%s/%d/root", c->root, (int)c->host);
	bool own = stat(p, &a) == 0 && stat(q, &b) == 0 &&
		   (a.st_dev != b.st_dev || a.st_ino != b.st_ino);
	item(c, "own-root", own, "%s",
	     own ? "root differs from the host's" : "host root");
	recommend(
		c,
		"pivot_root (or chroot) into an empty directory (-run-with chroot=)");
	static const char *const host[] = { "etc", "home", "root",
					    "var", "proc", "sys" };
	int seen = 0;
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		snprintf(q, sizeof(q), "%s/%s", p, host[i]);
		seen += access(q, F_OK) == 0;
	}
	item(c, "no-host-dirs", seen == 0,
	     "%d of 6 host dirs (etc home root var proc sys) visible", seen);
	recommend(
		c,
		"show QEMU only what it needs: its libraries, firmware, kernel");
	/* Dumpable processes own their /proc files; non-dumpable ones show
	 * root, which keeps same-uid ptrace and /proc/PID/mem away. */
	snprintf(q, sizeof(q), "%s/%d/status", c->root, (int)c->pid);
	bool nd = stat(q, &a) == 0 && (c->r->uid == 0 || a.st_uid == 0);
	item(c, "not-dumpable", nd && c->r->uid != 0, "status owned by uid %u",
	     (unsigned)a.st_uid);
	recommend(
		c,
		"make QEMU non-dumpable (an execute-only binary, or PR_SET_DUMPABLE 0)");
}

static bool
limit(const struct ctx *c, const char *name, unsigned long long max)
{
	const char *p = c->limits ? strstr(c->limits, name) : NULL;
	char soft[32], hard[32];

	if (!p || sscanf(p + strlen(name), "%31s %31s", soft, hard) != 2)
		return false;
	if (!strcmp(hard, "unlimited"))
		return false;
	return strtoull(hard, NULL, 10) <= max &&
	       strtoull(soft, NULL, 10) <= max;
}

/* The largest regular file the process holds open for writing (its
 * read-write disks): FSIZE must cover it, or writes to its end fail. */
static unsigned long long
largest_writable(const struct ctx *c)
{
	char d[512], p[600];
	unsigned long long max = 0;

	if (path_fmt(d, sizeof(d), "%s/%d/fd", c->root, (int)c->pid) < 0)
		return 0;
	DIR *dir = opendir(d);
	if (!dir)
		return 0;
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.')
			continue;
		char *info = NULL;
		unsigned flags = 0;
		struct stat st;
		if (path_fmt(p, sizeof(p), "%s/%d/fdinfo/%s", c->root,
			     (int)c->pid, e->d_name) < 0 ||
		    file_read_all(p, 1 << 16, &info, NULL) < 0)
			continue;
		const char *f = strstr(info, "flags:");
		bool writable = f && sscanf(f + 6, "%o", &flags) == 1 &&
				(flags & 3) != 0;
		free(info);
		/* stat follows the fd's link to the open file itself. */
		if (writable &&
		    path_fmt(p, sizeof(p), "%s/%d/fd/%s", c->root, (int)c->pid,
			     e->d_name) == 0 &&
		    stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_size > max)
			max = (unsigned long long)st.st_size;
	}
	closedir(dir);
	return max;
}

static void
check_limits(struct ctx *c)
{
	unsigned long long fmax = largest_writable(c);
	if (fmax < (1 << 20))
		fmax = 1 << 20;
	item(c, "rlimit-core", limit(c, "Max core file size", 0),
	     "core dumps %s",
	     limit(c, "Max core file size", 0) ? "off" : "allowed");
	recommend(c, "RLIMIT_CORE 0: a core of QEMU holds guest memory");
	item(c, "rlimit-fsize", limit(c, "Max file size", fmax), "file size %s",
	     limit(c, "Max file size", fmax) ? "bounded" : "unbounded");
	recommend(
		c,
		"RLIMIT_FSIZE sized to the largest read-write disk, or Xen's 256 KiB");
	item(c, "rlimit-nofile", limit(c, "Max open files", 4096),
	     "open files %s",
	     limit(c, "Max open files", 4096) ? "<= 4096" : "> 4096");
	recommend(c, "RLIMIT_NOFILE sized to need, soft = hard");
	item(c, "rlimit-memlock", limit(c, "Max locked memory", 0),
	     "locked memory %s",
	     limit(c, "Max locked memory", 0) ? "0" : "allowed");
	recommend(c, "RLIMIT_MEMLOCK 0");
}

/* The path of the memory controller's group (v1), or of the unified
 * group (v2), from a /proc/PID/cgroup text. */
static void
cgroup_path(const char *text, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		const char *c1 = memchr(l, ':', n);
		const char *c2 =
			c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l))
			   : NULL;
		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			bool mem = cl == 6 && !strncmp(c1 + 1, "memory", 6);
			bool unified = cl == 0 && out[0] == '\0';
			if (mem || unified)
				snprintf(out, len, "%.*s",
					 (int)(n - (size_t)(c2 + 1 - l)),
					 c2 + 1);
			if (mem)
				return;
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void
check_cgroup(struct ctx *c)
{
	char mine[256], host[256];
	char *hc = slurp(c, c->host, "cgroup");

	cgroup_path(c->cgroup, mine, sizeof(mine));
	cgroup_path(hc, host, sizeof(host));
	free(hc);
	bool own = mine[0] && strcmp(mine, "/") != 0 && strcmp(mine, host) != 0;
	item(c, "own-cgroup", own, "cgroup %s", mine[0] ? mine : "?");
	recommend(
		c,
		"put each VM in a cgroup of its own with memory and pids limits");
}

int
audit_pid(const char *proc_root, pid_t pid, pid_t host_pid,
	  struct audit_report *r, char *why, size_t whylen)
{
	struct ctx c = {
		.root = proc_root, .pid = pid, .host = host_pid, .r = r
	};

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	c.status = slurp(&c, pid, "status");
	if (!c.status) {
		snprintf(why, whylen, "cannot read %s/%d/status", proc_root,
			 (int)pid);
		return -1;
	}
	c.limits = slurp(&c, pid, "limits");
	c.cmdline = slurp_len(&c, pid, "cmdline", &c.cmdlen);
	c.cgroup = slurp(&c, pid, "cgroup");
	/* "Name:" is the first line, so field() (which matches after a
	 * newline) cannot see it. */
	if (!strncmp(c.status, "Name:", 5)) {
		const char *p = c.status + 5 + strspn(c.status + 5, " \t");
		snprintf(r->exe, sizeof(r->exe), "%.*s", (int)strcspn(p, "\n"),
			 p);
	}
	/* The audited process sets its own name (PR_SET_NAME): nothing
	 * but printable ASCII reaches the auditor's terminal. */
	text_printable(r->exe, sizeof(r->exe), r->exe);
	check_ids(&c);
	check_caps(&c);
	check_ns(&c);
	check_root(&c);
	check_limits(&c);
	check_cgroup(&c);
	free(c.status);
	free(c.limits);
	free(c.cmdline);
	free(c.cgroup);
	return 0;
}

int
audit_find_qemu(const char *proc_root, pid_t *pids, size_t max)
{
	DIR *d = opendir(proc_root);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL && n < max) {
		char p[512], *comm;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (path_fmt(p, sizeof(p), "%s/%s/comm", proc_root,
			     de->d_name) < 0 ||
		    file_read_all(p, 256, &comm, NULL) < 0)
			continue;
		if (!strncmp(comm, "qemu-system", 11) ||
		    !strncmp(comm, "qemu-custom", 11))
			pids[n++] = (pid_t)atoi(de->d_name);
		free(comm);
	}
	closedir(d);
	return (int)n;
}
