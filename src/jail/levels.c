/* The confinement table: what every child the toolstack spawns gets,
 * one row per level, in one place. jail_spawn() reads nothing else to
 * decide a step, so a difference between two children is a difference
 * between two rows. The rows record today's confinement faithfully,
 * gaps included; tightening a child is editing its row. Every level
 * installs the fd allowlist first: a child holds the fds its spec lists
 * and no other.
 * A level with the outer filter makes sockets only of the families its
 * row lists (.sockets, JAIL_AF bits): every resource a child uses comes
 * to it as an fd, so none of today's children makes a socket at all. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "jail.h"

#define NS_ALL                                                      \
	(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | \
	 CLONE_NEWUTS)
/* Xen's dm_restrict limits, NOFILE and FSIZE sized to need. */
#define RL_XEN                                                               \
	(JAIL_RL_CORE | JAIL_RL_MSGQUEUE | JAIL_RL_LOCKS | JAIL_RL_MEMLOCK | \
	 JAIL_RL_NOFILE | JAIL_RL_FSIZE)

/* The worker's and the copier's confinement, shared with the probe's
 * copies of their rows (check --as worker|copier), which differ only in
 * what they end in: an exec of the static probe from a root holding
 * that one binary, as a backend's does, where the real child calls a
 * function in an empty root. test_levels.c pins every other field. */
#define WORKER_ROW                                                     \
	.ns_new = NS_ALL, .clear_env = true, .setsid = true,           \
	.hostname = "bulkhead-wk",                                     \
	.rlimits = JAIL_RL_CORE | JAIL_RL_MSGQUEUE | JAIL_RL_MEMLOCK | \
		   JAIL_RL_NOFILE | JAIL_RL_FSIZE,                     \
	.nofile = 16, .privs = JAIL_PRIVS_DROP, .pdeathsig = true,     \
	.cgroup = true, .landlock = JAIL_LL_ROOT, .seccomp = true,     \
	.sockets = 0
#define COPIER_ROW                                                   \
	.ns_new = NS_ALL, .clear_env = true, .setsid = true,         \
	.hostname = "bulkhead-cp",                                   \
	.rlimits = JAIL_RL_CORE | JAIL_RL_MSGQUEUE | JAIL_RL_LOCKS | \
		   JAIL_RL_MEMLOCK | JAIL_RL_NOFILE,                 \
	.nofile = 8, .privs = JAIL_PRIVS_DROP, .pdeathsig = true,    \
	.cgroup = true, .landlock = JAIL_LL_ROOT, .seccomp = true,   \
	.sockets = 0

static const struct jail_policy policies[JAIL_LEVELS] = {
	[JAIL_DM] = {
		.name = "device-model", .child = "qemu-system-x86_64",
		.ns_new = NS_ALL, .cgroup = true, .clear_env = true,
		.setsid = true, .hostname = "bulkhead-dm",
		.root = JAIL_ROOT_DM, .rlimits = RL_XEN,
		.nofile = 0, /* 64 + 4 per disk (qemu_nofile) */
		.privs = JAIL_PRIVS_DROP, .landlock = JAIL_LL_ROOT,
		.seccomp = true, .sockets = 0, .end = JAIL_END_EXEC,
	},
	/* dm_restrict = 0: root, not security-supported. */
	[JAIL_DM_ROOT] = {
		.name = "device-model-root", .child = "qemu-system-x86_64",
		.cgroup = true, .clear_env = true, .root = JAIL_ROOT_HOST,
		.privs = JAIL_PRIVS_KEEP, .end = JAIL_END_EXEC,
	},
	[JAIL_BACKEND] = {
		.name = "backend",
		.child = "bulkhead-blk,bulkhead-rng,bulkhead-net",
		.ns_new = NS_ALL, .cgroup = true, .clear_env = true,
		.setsid = true, .hostname = "bulkhead-be",
		.root = JAIL_ROOT_BARE, .rlimits = RL_XEN,
		/* 3 stdio, its socket, its disk or tap, up to 8 memory regions and
		 * a kick, call and error eventfd per queue. */
		.nofile = 64,
		.privs = JAIL_PRIVS_DROP, .landlock = JAIL_LL_ROOT,
		.seccomp = true, .sockets = 0, .end = JAIL_END_EXEC,
	},
	/* The two children that run a function of this image get every
	 * namespace, each pid 1 of a pid namespace of its own (cloned into
	 * it: jail.c's clone_into), a root with nothing in it (no /proc, no
	 * host file, and no pathname socket such as /dev/log, which Landlock
	 * does not govern) and Landlock with no rule: everything they use
	 * is an fd given before the jail.
	 * The worker's log is a pipe the monitor copies, capped (it writes
	 * no file: Xen's FSIZE). */
	[JAIL_WORKER] = {
		.name = "qmp-worker", .child = "bh-qmp-worker",
		WORKER_ROW, .root = JAIL_ROOT_EMPTY, .end = JAIL_END_CALL,
	},
	/* It reads, writes and syncs two fds and writes nothing else; its
	 * FSIZE is unset, as the save file is as large as the guest. */
	[JAIL_COPIER] = {
		.name = "copier", .child = "bh-copier",
		COPIER_ROW, .root = JAIL_ROOT_EMPTY, .end = JAIL_END_CALL,
	},
	/* The device model's jail, in the device model's namespaces; a
	 * joined UTS namespace keeps its owner's hostname. */
	[JAIL_PROBE] = {
		.name = "probe", .child = "bulkhead-probe",
		.ns_new = CLONE_NEWNS,
		.ns_join = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
			   CLONE_NEWUTS,
		.cgroup = true, .clear_env = true, .setsid = true,
		.root = JAIL_ROOT_DM, .rlimits = RL_XEN, .nofile = 64,
		.privs = JAIL_PRIVS_DROP, .landlock = JAIL_LL_ROOT,
		.seccomp = true, .sockets = 0, .end = JAIL_END_EXEC,
	},
	/* The probe as the worker and as the copier (see WORKER_ROW). */
	[JAIL_PROBE_WORKER] = {
		.name = "probe-worker", .child = "bulkhead-probe",
		WORKER_ROW, .root = JAIL_ROOT_BARE, .end = JAIL_END_EXEC,
	},
	[JAIL_PROBE_COPIER] = {
		.name = "probe-copier", .child = "bulkhead-probe",
		COPIER_ROW, .root = JAIL_ROOT_BARE, .end = JAIL_END_EXEC,
	},
	/* passt NATs the guest's traffic through sockets of its own, so it
	 * stays in the host's network namespace: that is its job, and what
	 * a compromise of it reaches (SECURITY.md). It sandboxes itself at
	 * start (a user namespace, mount, pivot_root to an empty tmpfs, its
	 * own seccomp allowlist before it reads a frame), which Landlock
	 * (no mount for a landlocked process) and the outer filter (no
	 * unshare, mount, pivot_root; no netlink socket, which it reads
	 * routes and addresses through) would make fail: neither is here,
	 * and passt's own filter is the one it runs under. 8 + 4096 fds:
	 * one host socket per guest flow. */
	[JAIL_PASST] = {
		.name = "passt", .child = "passt",
		.ns_new = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
			  CLONE_NEWUTS,
		.cgroup = true, .clear_env = true, .setsid = true,
		.hostname = "bulkhead-nu", .root = JAIL_ROOT_SELF_SANDBOX,
		.rlimits = RL_XEN, .nofile = 4104,
		.privs = JAIL_PRIVS_DROP, .landlock = JAIL_LL_NONE,
		.seccomp = false, .sockets = 0, .end = JAIL_END_EXEC,
	},
};

const struct jail_policy *
jail_policy_get(enum jail_level level)
{
	if (level <= JAIL_LEVEL_NONE || level >= JAIL_LEVELS)
		return NULL;
	return &policies[level];
}

int
jail_policy_check(const struct jail_policy *p, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (!p->name || !p->child)
		bad = "unnamed";
	else if (p->ns_new & p->ns_join)
		bad = "a namespace both new and joined";
	else if ((p->ns_new | p->ns_join) & ~(unsigned long)NS_ALL)
		bad = "an unknown namespace";
	else if (p->root != JAIL_ROOT_HOST && !(p->ns_new & CLONE_NEWNS))
		bad = "a root of its own without a new mount namespace";
	else if (p->hostname && !(p->ns_new & CLONE_NEWUTS))
		bad = "a hostname without a new UTS namespace";
	else if (p->pdeathsig && p->ns_join)
		bad = "a parent-death signal in joined namespaces (its parent "
		      "is the joining child, not the spawner)";
	else if (p->end == JAIL_END_CALL && p->ns_join)
		bad = "a function call in joined namespaces";
	else if (p->root == JAIL_ROOT_EMPTY && p->end != JAIL_END_CALL)
		bad = "an exec from an empty root";
	else if (p->end == JAIL_END_CALL &&
		 (p->root == JAIL_ROOT_BARE || p->root == JAIL_ROOT_DM ||
		  p->root == JAIL_ROOT_SELF_SANDBOX))
		bad = "a function call in a root built for a binary";
	else if ((p->landlock != JAIL_LL_NONE || p->seccomp) &&
		 p->privs == JAIL_PRIVS_KEEP)
		bad = "Landlock or seccomp without no_new_privs";
	else if (p->landlock == JAIL_LL_ROOT && p->root == JAIL_ROOT_HOST)
		bad = "Landlock rules for the host's root";
	else if (p->end == JAIL_END_EXEC && !p->clear_env)
		bad = "an exec without a cleared environment";
	else if (p->nofile && !(p->rlimits & JAIL_RL_NOFILE))
		bad = "a NOFILE value it does not set";
	else if (p->sockets && !p->seccomp)
		bad = "a socket allowlist without the filter that keeps it";
	else if (p->sockets >> AF_MAX)
		bad = "a socket family past AF_MAX";
	else if (p->sockets & JAIL_AF(AF_NETLINK))
		bad = "netlink sockets (the filter cannot tell netfilter, "
		      "audit or uevents from routes)";
	if (bad) {
		snprintf(why, whylen, "level %s: %s", p->name ? p->name : "?",
			 bad);
		return -1;
	}
	return 0;
}

/* --- the table as text ---------------------------------------------- */

enum {
	C_LEVEL,
	C_CHILD,
	C_NEW,
	C_JOIN,
	C_CGROUP,
	C_ENV,
	C_SESSION,
	C_HOST,
	C_ROOT,
	C_RLIMITS,
	C_PRIVS,
	C_PDEATH,
	C_LANDLOCK,
	C_SECCOMP,
	C_SOCKETS,
	C_END,
	C_COLS
};

static const char *const headers[C_COLS] = {
	"level",    "child",   "new-ns",     "joined-ns",
	"cgroup",   "env",     "session",    "hostname",
	"root",     "rlimits", "privileges", "pdeathsig",
	"landlock", "seccomp", "sockets",    "ends-in",
};

#define CELL_MAX 96

static void
ns_text(unsigned long mask, char *out, size_t len)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} ns[] = { { CLONE_NEWNS, "mnt" },
		   { CLONE_NEWPID, "pid" },
		   { CLONE_NEWNET, "net" },
		   { CLONE_NEWIPC, "ipc" },
		   { CLONE_NEWUTS, "uts" } };
	size_t at = 0;

	snprintf(out, len, "-");
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if ((mask & ns[i].flag) && at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%s",
					       at ? "," : "", ns[i].name);
}

static void
rlimits_text(const struct jail_policy *p, char *out, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} fixed[] = { { JAIL_RL_CORE, "CORE" },
		      { JAIL_RL_MSGQUEUE, "MSGQUEUE" },
		      { JAIL_RL_LOCKS, "LOCKS" },
		      { JAIL_RL_MEMLOCK, "MEMLOCK" } };
	size_t at = 0;
	char nofile[32];

	snprintf(out, len, "-");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if ((p->rlimits & fixed[i].bit) && at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%s",
					       at ? "," : "", fixed[i].name);
	if (at && at < len)
		at += (size_t)snprintf(out + at, len - at, "=0");
	if (p->nofile)
		snprintf(nofile, sizeof(nofile), "%lu", p->nofile);
	else
		snprintf(nofile, sizeof(nofile), "spec");
	if ((p->rlimits & JAIL_RL_NOFILE) && at < len)
		at += (size_t)snprintf(out + at, len - at, "%sNOFILE=%s",
				       at ? ";" : "", nofile);
	if ((p->rlimits & JAIL_RL_FSIZE) && at < len)
		snprintf(out + at, len - at, "%sFSIZE=spec", at ? ";" : "");
}

/* The families a level may make sockets of: "any" without the filter,
 * "none", or their names. */
static void
sockets_text(const struct jail_policy *p, char *out, size_t len)
{
	static const char *const names[AF_MAX] = {
		[AF_UNIX] = "unix",     [AF_INET] = "inet",
		[AF_INET6] = "inet6",   [AF_NETLINK] = "netlink",
		[AF_PACKET] = "packet", [AF_VSOCK] = "vsock",
	};
	size_t at = 0;

	snprintf(out, len, "%s", p->seccomp ? "none" : "any");
	for (int f = 0; f < AF_MAX && p->seccomp; f++) {
		if (!(p->sockets & JAIL_AF(f)) || at >= len)
			continue;
		if (names[f])
			at += (size_t)snprintf(out + at, len - at, "%s%s",
					       at ? "," : "", names[f]);
		else
			at += (size_t)snprintf(out + at, len - at, "%saf%d",
					       at ? "," : "", f);
	}
}

static void
policy_cells(const struct jail_policy *p, char cells[C_COLS][CELL_MAX])
{
	static const char *const roots[] = { "host", "tmpfs-binary",
					     "tmpfs-binds-dev", "tmpfs-empty",
					     "tmpfs-binds-dev-proc" };
	static const char *const privs[] = { "root", "drop" };
	static const char *const landlock[] = { "-", "no-rules", "root" };

	snprintf(cells[C_LEVEL], CELL_MAX, "%s", p->name);
	snprintf(cells[C_CHILD], CELL_MAX, "%s", p->child);
	ns_text(p->ns_new, cells[C_NEW], CELL_MAX);
	ns_text(p->ns_join, cells[C_JOIN], CELL_MAX);
	snprintf(cells[C_CGROUP], CELL_MAX, "%s",
		 p->cgroup ? "spec" : "parent's");
	snprintf(cells[C_ENV], CELL_MAX, "%s",
		 p->clear_env ? "cleared" : "inherited");
	snprintf(cells[C_SESSION], CELL_MAX, "%s", p->setsid ? "setsid" : "-");
	snprintf(cells[C_HOST], CELL_MAX, "%s",
		 p->hostname ? p->hostname : "-");
	snprintf(cells[C_ROOT], CELL_MAX, "%s", roots[p->root]);
	rlimits_text(p, cells[C_RLIMITS], CELL_MAX);
	snprintf(cells[C_PRIVS], CELL_MAX, "%s", privs[p->privs]);
	snprintf(cells[C_PDEATH], CELL_MAX, "%s",
		 p->pdeathsig ? "SIGKILL" : "-");
	snprintf(cells[C_LANDLOCK], CELL_MAX, "%s", landlock[p->landlock]);
	snprintf(cells[C_SECCOMP], CELL_MAX, "%s", p->seccomp ? "outer" : "-");
	sockets_text(p, cells[C_SOCKETS], CELL_MAX);
	snprintf(cells[C_END], CELL_MAX, "%s",
		 p->end == JAIL_END_EXEC ? "execve" : "function");
}

static void
print_row(FILE *out, char cells[C_COLS][CELL_MAX], const size_t *width,
	  bool markdown)
{
	for (size_t c = 0; c < C_COLS; c++) {
		if (markdown)
			fprintf(out, "| %s ", cells[c]);
		else
			fprintf(out, "%-*s%s",
				c + 1 < C_COLS ? (int)width[c] : 0, cells[c],
				c + 1 < C_COLS ? " " : "");
	}
	fputs(markdown ? "|\n" : "\n", out);
}

void
jail_policies_print(FILE *out, bool markdown)
{
	char cells[JAIL_LEVELS][C_COLS][CELL_MAX];
	size_t width[C_COLS];

	for (size_t c = 0; c < C_COLS; c++) {
		snprintf(cells[0][c], CELL_MAX, "%s", headers[c]);
		width[c] = strlen(headers[c]);
	}
	/* Row 0 is the header: level 0 is no level. */
	for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++) {
		policy_cells(&policies[l], cells[l]);
		for (size_t c = 0; c < C_COLS; c++)
			if (strlen(cells[l][c]) > width[c])
				width[c] = strlen(cells[l][c]);
	}
	print_row(out, cells[0], width, markdown);
	if (markdown) {
		for (size_t c = 0; c < C_COLS; c++)
			fputs("|---", out);
		fputs("|\n", out);
	}
	for (int l = JAIL_LEVEL_NONE + 1; l < JAIL_LEVELS; l++)
		print_row(out, cells[l], width, markdown);
}
