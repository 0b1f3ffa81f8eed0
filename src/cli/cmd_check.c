/* check NAME [--as LEVEL]: run bulkhead-probe in the jail of running VM
 * NAME and show which escapes it blocked. The probe goes through the same
 * jail code as the child it stands for (src/jail/levels.c), as that
 * child's uid and gid (the VM's; a backend's own with range uids):
 *  dm:      level JAIL_PROBE: the device model's pid, net, ipc and uts
 *           namespaces (joined through its pidfd), a fresh mount namespace
 *           built by the same rootfs code, the same rlimits, Landlock and
 *           seccomp filter, and a cgroup with the VM's limits;
 *  backend: the backend's own row, JAIL_BACKEND, in a cgroup with the
 *           backend's pids limit and the VM's memory limit;
 *  worker, copier: JAIL_PROBE_WORKER/COPIER, their rows but for a root
 *           holding the probe and an exec, in a cgroup with the limits
 *           the monitor gives theirs (CG_HELPER_PIDS, _MEMORY_MIB).
 * A cgroup made here is a sibling, not the VM's own, so the probe's
 * memory and fork bombs cannot take the VM down. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../host/accounts.h"
#include "../host/antispoof.h"
#include "../host/cgroup.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "../host/vmdir.h"
#include "../jail/jail.h"
#include "cli.h"

#define PROBE_TIMEOUT_MS 120000
#define PROBE_OUT_MAX (64 * 1024)
#define PROBE_MIN_ATTEMPTS 30

/* The children check --as can stand for. */
static const struct {
	const char *name;
	enum jail_level level;
} as_levels[] = {
	{ "dm", JAIL_PROBE },
	{ "backend", JAIL_BACKEND },
	{ "worker", JAIL_PROBE_WORKER },
	{ "copier", JAIL_PROBE_COPIER },
};

/* Host-side listeners the probe must not reach from the jail. */
struct canaries {
	int tcp;
	int tcp_port;
	int abstract;
	char abstract_name[64];
};

static int
canaries_open(struct canaries *c)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	c->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->tcp < 0 ||
	    bind(c->tcp, (struct sockaddr *)&in, sizeof(in)) < 0 ||
	    listen(c->tcp, 1) < 0 ||
	    getsockname(c->tcp, (struct sockaddr *)&in, &len) < 0)
		return -1;
	c->tcp_port = ntohs(in.sin_port);
	snprintf(c->abstract_name, sizeof(c->abstract_name),
		 "bulkhead-canary-%d", (int)getpid());
	memcpy(un.sun_path + 1, c->abstract_name, strlen(c->abstract_name));
	c->abstract = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->abstract < 0 ||
	    bind(c->abstract, (struct sockaddr *)&un,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     strlen(c->abstract_name))) < 0 ||
	    listen(c->abstract, 1) < 0)
		return -1;
	return 0;
}

/* The probe sits next to the bulkhead binary. */
static int
probe_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (path_fmt(buf, len, "%s/bulkhead-probe", self) < 0)
		return -1;
	/* An ASan build lives in build/asan/: its probe is the one above. */
	if (access(buf, X_OK) < 0 && (slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		return path_fmt(buf, len, "%s/bulkhead-probe", self);
	}
	return 0;
}

static ssize_t
read_output(int fd, char *buf, size_t len)
{
	size_t got = 0;
	uint64_t deadline = now_ms() + PROBE_TIMEOUT_MS;

	while (got < len - 1) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

/* The sibling cgroup the probe enters, for a level that enters one:
 * the VM's limits, a backend's pids limit at its level. The group's
 * name in cg, or "" for a level that stays in its parent's. */
static int
probe_group(const struct vm_record *r, enum jail_level level,
	    struct cg_limits *lim, char *cg, size_t cglen, char *why,
	    size_t whylen)
{
	cg[0] = '\0';
	if (!jail_policy_get(level)->cgroup) {
		memset(lim, 0, sizeof(*lim)); /* no limit of its own */
		return 0;
	}
	if (level == JAIL_BACKEND)
		lim->pids_max = BACKEND_PIDS;
	/* The group the monitor gives each (cgroup_helper_create). */
	if (level == JAIL_PROBE_WORKER || level == JAIL_PROBE_COPIER)
		cgroup_helper_limits(lim);
	/* '.' cannot start a VM name, so this group belongs to no VM. */
	snprintf(cg, cglen, ".probe-%s", r->name);
	return cgroup_create(cg, lim, why, whylen);
}

/* The probe's output, then the probe stopped and reaped: with its
 * group where it has one; else it reaps its own children. */
static ssize_t
collect(int fd, pid_t pid, int pidfd, const char *cg, char *out, size_t len)
{
	ssize_t n = read_output(fd, out, len);
	int st;

	if (cg[0])
		cgroup_kill(cg);
	else
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pidfd);
	return n;
}

static int
run_probe(const struct vm_record *r, const struct dm_identity *who,
	  enum jail_level level, int vm_pidfd, struct cg_limits *lim,
	  const struct canaries *c, char *out, size_t outlen, char *why,
	  size_t whylen)
{
	char probe[PATH_MAX], root[PATH_MAX], cg[BH_NAME_MAX + 16];
	char port[16], mem[32], pids[32];
	int rc = -1, pipefd[2] = { -1, -1 };

	if (probe_path(probe, sizeof(probe)) < 0 || access(probe, X_OK) < 0) {
		snprintf(why, whylen,
			 "bulkhead-probe not found next to bulkhead");
		return -1;
	}
	if (vmdir_file(root, sizeof(root), r->name, VMF_PROBE_ROOT) < 0 ||
	    (mkdir(root, 0755) < 0 && errno != EEXIST)) {
		snprintf(why, whylen, "cannot make %s", root);
		return -1;
	}
	if (probe_group(r, level, lim, cg, sizeof(cg), why, whylen) < 0)
		goto out_root;
	snprintf(port, sizeof(port), "%d", c->tcp_port);
	snprintf(mem, sizeof(mem), "%llu",
		 (unsigned long long)lim->memory_bytes);
	snprintf(pids, sizeof(pids), "%llu", (unsigned long long)lim->pids_max);
	char *const argv[] = { probe,
			       exec_arg("--canary-tcp"),
			       port,
			       exec_arg("--canary-abstract"),
			       exec_arg(c->abstract_name),
			       exec_arg("--memory-limit"),
			       mem,
			       exec_arg("--pids-limit"),
			       pids,
			       NULL };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		goto out_cg;
	int fds[3] = { devnull, pipefd[1], pipefd[1] };
	struct jail_spec js = {
		.level = level,
		.root_dir = root,
		.uid = who->uid,
		.gid = who->gid,
		.exec_path = probe,
		.argv = argv,
		.fds = fds,
		.nfds = 3,
		.fsize = JAIL_FSIZE_MIN,
		.cgroup = cg[0] ? cg : NULL,
		.join_pidfd = jail_policy_get(level)->ns_join ? vm_pidfd : -1,
	};
	pid_t pid;
	int pfd;
	int sr = jail_spawn(&js, &pid, &pfd, why, whylen);
	close(pipefd[1]);
	close(devnull);
	if (sr < 0)
		goto out_pipe;
	ssize_t n = collect(pipefd[0], pid, pfd, cg, out, outlen);
	if (n < 0) {
		snprintf(why, whylen, "the probe did not finish in time");
		goto out_pipe;
	}
	rc = 0;
out_pipe:
	close(pipefd[0]);
out_cg:
	if (cg[0]) {
		cgroup_kill(cg);
		cgroup_remove(cg);
	}
out_root:
	rmdir(root);
	return rc;
}

/* Whom the probe runs as: the device model's uid and gid, or at a
 * backend's level the backend's (its own with range uids). */
static int
probe_identity(const struct vm_record *r, enum jail_level level,
	       struct dm_identity *who, char *why, size_t whylen)
{
	struct dm_identity dm;

	if (record_identity(r, &dm) < 0) {
		snprintf(why, whylen, "its record names no identity");
		return -1;
	}
	if (level != JAIL_BACKEND) {
		*who = dm;
		return 0;
	}
	return ident_backend(&dm, who, why, whylen);
}

/* The probe's report, as a table or JSON. It runs as the VM's uid: its
 * output is parsed, not trusted to be well-formed. Attempts counted
 * (skipped ones too: the probe makes the same attempts everywhere);
 * escapes in *escaped. */
static int
print_results(const char *name, const char *as, char *out, json_t *extra,
	      bool json, int *escaped)
{
	int attempts = 0, skipped = 0;
	json_t *arr = json ? json_array() : NULL;

	if (!json)
		printf("%-8s %-22s %s\n", "RESULT", "ATTEMPT", "DETAIL");
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char result[16], id[64];
		int off = 0;
		if (sscanf(line, "%15s %63s %n", result, id, &off) != 2 ||
		    (strcmp(result, "blocked") != 0 &&
		     strcmp(result, "escaped") != 0 &&
		     strcmp(result, "skipped") != 0))
			continue;
		attempts++;
		*escaped += result[0] == 'e';
		skipped += result[0] == 's';
		if (arr)
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s}", "attempt", id,
					       "result", result, "detail",
					       line + off));
		else
			printf("%-8s %-22s %s\n",
			       result[0] == 'e' ? "ESCAPED" : result, id,
			       line + off);
	}
	if (arr) {
		json_t *o =
			json_pack("{s:s, s:s, s:i, s:i, s:i, s:o}", "vm", name,
				  "as", as, "attempts", attempts, "escaped",
				  *escaped, "skipped", skipped, "results", arr);
		if (extra)
			json_object_set_new(o, "antispoof", extra);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("\n%s as %s: %d attempts, %d escaped, %d skipped\n",
		       name, as, attempts, *escaped, skipped);
	}
	return attempts;
}

/* Host side, not the probe's: the VM's anti-spoofing rules are in the
 * kernel for each of its taps (SECURITY.md, issue 14); the taps are the
 * device model's, so with its probe only. Printed per tap, or put in
 * *arr for --json; how many are missing. */
static int
check_antispoof(const struct vm_record *r, enum jail_level level, json_t **arr)
{
	int missing = 0;

	if (level != JAIL_PROBE || !r->ntaps)
		return 0;
	if (arr)
		*arr = json_array();
	for (size_t i = 0; i < r->ntaps; i++) {
		int rc = antispoof_present(r->name, i, r->taps[i].name,
					   r->taps[i].ifindex);
		const char *what = rc == 1 ? "present" : "MISSING";
		missing += rc != 1;
		if (arr)
			json_array_append_new(*arr,
					      json_pack("{s:s, s:s}", "tap",
							r->taps[i].name,
							"rules", what));
		else
			printf("anti-spoofing rules on %s: %s\n",
			       r->taps[i].name, what);
	}
	return missing;
}

int
cmd_check(int argc, char **argv)
{
	struct vm_record r;
	struct canaries c = { -1, 0, -1, "" };
	struct cg_limits lim;
	struct dm_identity who;
	char why[512];
	bool json = false;
	const char *name = NULL, *as = "dm";
	static char out[PROBE_OUT_MAX];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--as") && i + 1 < argc)
			as = argv[++i];
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			name = NULL, i = argc;
	}
	enum jail_level level = JAIL_LEVEL_NONE;
	for (size_t i = 0; i < sizeof(as_levels) / sizeof(as_levels[0]); i++)
		if (!strcmp(as, as_levels[i].name))
			level = as_levels[i].level;
	if (!name || level == JAIL_LEVEL_NONE) {
		log_error("usage: bulkhead check NAME [--as "
			  "dm|backend|worker|copier] [--json]");
		return 2;
	}
	if (cli_require_root("check") < 0)
		return 1;
	if (!config_name_valid(name) || record_read(name, &r) < 0) {
		log_error("%s: no such VM", name);
		return 1;
	}
	if (!r.uid_exclusive || r.uid == 0) {
		log_error(
			"%s: its device model is not deprivileged (identity %s); "
			"nothing to check",
			name, r.ident);
		return 1;
	}
	int vm_pidfd = procscan_pidfd_open(r.dm_pid, r.dm_start);
	if (vm_pidfd < 0) {
		log_error("%s: its device model is not running", name);
		return 1;
	}
	if (cgroup_get_limits(name, &lim) < 0 || canaries_open(&c) < 0) {
		log_error("%s: cannot prepare the check", name);
		return 1;
	}
	int rc = probe_identity(&r, level, &who, why, sizeof(why));
	if (rc == 0)
		rc = run_probe(&r, &who, level, vm_pidfd, &lim, &c, out,
			       sizeof(out), why, sizeof(why));
	close(vm_pidfd);
	close(c.tcp);
	close(c.abstract);
	if (rc < 0) {
		log_error("%s as %s: %s", name, as, why);
		return 1;
	}

	int escaped = 0, missing = 0;
	json_t *spoof = NULL;
	if (json)
		missing = check_antispoof(&r, level, &spoof);
	int attempts = print_results(name, as, out, spoof, json, &escaped);
	if (!json)
		missing = check_antispoof(&r, level, NULL);
	if (attempts < PROBE_MIN_ATTEMPTS) {
		log_error(
			"%s: the probe made only %d attempts; the check is incomplete",
			name, attempts);
		return 1;
	}
	return escaped || missing ? 1 : 0;
}
