#include "audit.h"

#include <dirent.h>
#include <fcntl.h>
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

/* Following a magic link does no lookup, and AT_STATX_DONT_SYNC has FUSE
 * (and NFS, and overlayfs over either) answer from its inode cache, never
 * with a request that a hostile daemon may leave unanswered. */
int
audit_peek(const char *path, int flags, struct statx *st)
{
	return statx(AT_FDCWD, path,
		     flags | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT,
		     STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MNT_ID, st);
}

int
audit_mount_type(const char *text, unsigned long long id, char *type,
		 size_t len)
{
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		char *end;
		/* Paths and sources are escaped (a space is \040): the first
		 * " - " of a line ends its optional fields. */
		const char *sep = memmem(l, n, " - ", 3);
		if (l[0] >= '0' && l[0] <= '9' && sep &&
		    strtoull(l, &end, 10) == id && *end == ' ') {
			const char *t = sep + 3;
			size_t tl = strcspn(t, " \n");
			if (tl == 0 || tl >= len)
				return -1;
			memcpy(type, t, tl);
			type[tl] = '\0';
			return 0;
		}
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* Whether looking up names in the directory on mount MNT_ID asks no one
 * but the kernel. A mount the auditor sees itself was made by root (in
 * the host's mount namespace only root mounts) unless it is FUSE's; one
 * only the target sees may be its own: only file systems whose lookups
 * stay in the kernel. TYPE says which, or "unknown". */
static bool
lookups_safe(const struct ctx *c, unsigned long long mnt_id, char *type,
	     size_t len)
{
	static const char *const local[] = { "tmpfs", "ramfs", "devtmpfs",
					     "ext2",  "ext3",  "ext4",
					     "xfs",   "btrfs", "squashfs",
					     "erofs" };
	char *mine = NULL, *theirs = slurp(c, c->pid, "mountinfo");
	bool safe = false;

	snprintf(type, len, "unknown");
	if (file_read_all("/proc/self/mountinfo", 1 << 22, &mine, NULL) == 0 &&
	    audit_mount_type(mine, mnt_id, type, len) == 0) {
		safe = strncmp(type, "fuse", 4) != 0;
	} else if (audit_mount_type(theirs, mnt_id, type, len) == 0) {
		for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
			safe |= !strcmp(type, local[i]);
	}
	free(mine);
	free(theirs);
	text_printable(type, len, type);
	return safe;
}

/* How many of the host's top-level directories the root at P shows,
 * or -1 (with why) where it is not looked into. */
static int
host_dirs_seen(const struct ctx *c, const char *p, bool host_root,
	       const struct statx *st, char *why, size_t len)
{
	static const char *const host[] = { "etc", "home", "root",
					    "var", "proc", "sys" };
	char q[600], type[32];
	struct statx x;
	int seen = 0;

	/* The host's own root is the auditor's too; another's lookups may
	 * be served by a daemon that never answers. */
	if (!host_root &&
	    !((st->stx_mask & STATX_MNT_ID) &&
	      lookups_safe(c, st->stx_mnt_id, type, sizeof(type)))) {
		snprintf(why, len, "root on a %s file system: not looked into",
			 (st->stx_mask & STATX_MNT_ID) ? type : "unknown");
		return -1;
	}
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		/* The name itself: a symbolic link is not followed (it would
		 * resolve against the auditor's root). */
		snprintf(q, sizeof(q), "%s/%s", p, host[i]);
		seen += audit_peek(q, AT_SYMLINK_NOFOLLOW, &x) == 0;
	}
	return seen;
}

static void
check_root(struct ctx *c)
{
	char p[512], q[512], why[96];
	struct statx a, b;
	struct stat s;

	snprintf(p, sizeof(p), "%s/%d/root", c->root, (int)c->pid);
	snprintf(q, sizeof(q), "%s/%d/root", c->root, (int)c->host);
	bool read = audit_peek(p, 0, &a) == 0 && audit_peek(q, 0, &b) == 0;
	bool own = read && (a.stx_dev_major != b.stx_dev_major ||
			    a.stx_dev_minor != b.stx_dev_minor ||
			    a.stx_ino != b.stx_ino);
	item(c, "own-root", own, "%s",
	     own ? "root differs from the host's" : "host root");
	recommend(
		c,
		"pivot_root (or chroot) into an empty directory (-run-with chroot=)");
	int seen = read ? host_dirs_seen(c, p, !own, &a, why, sizeof(why)) : -1;
	if (seen < 0 && !read)
		snprintf(why, sizeof(why), "root unreadable");
	if (seen < 0)
		item(c, "no-host-dirs", false, "%s", why);
	else
		item(c, "no-host-dirs", seen == 0,
		     "%d of 6 host dirs (etc home root var proc sys) visible",
		     seen);
	recommend(
		c,
		"show QEMU only what it needs: its libraries, firmware, kernel");
	/* Dumpable processes own their /proc files; non-dumpable ones show
	 * root, which keeps same-uid ptrace and /proc/PID/mem away. */
	snprintf(q, sizeof(q), "%s/%d/status", c->root, (int)c->pid);
	bool nd = stat(q, &s) == 0 && (c->r->uid == 0 || s.st_uid == 0);
	item(c, "not-dumpable", nd && c->r->uid != 0, "status owned by uid %u",
	     (unsigned)s.st_uid);
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
		struct statx st;
		if (path_fmt(p, sizeof(p), "%s/%d/fdinfo/%s", c->root,
			     (int)c->pid, e->d_name) < 0 ||
		    file_read_all(p, 1 << 16, &info, NULL) < 0)
			continue;
		const char *f = strstr(info, "flags:");
		bool writable = f && sscanf(f + 6, "%o", &flags) == 1 &&
				(flags & 3) != 0;
		free(info);
		/* The fd's link leads to the open file itself; its size is
		 * the cached one (a hostile file system's is its own say). */
		if (writable &&
		    path_fmt(p, sizeof(p), "%s/%d/fd/%s", c->root, (int)c->pid,
			     e->d_name) == 0 &&
		    audit_peek(p, 0, &st) == 0 && S_ISREG(st.stx_mode) &&
		    st.stx_size > max)
			max = st.stx_size;
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

void
audit_cgroup_path(const char *text, char *out, size_t len)
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

	audit_cgroup_path(c->cgroup, mine, sizeof(mine));
	audit_cgroup_path(hc, host, sizeof(host));
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
