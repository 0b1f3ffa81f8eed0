/* host-init: the accounts of the dm_restrict scheme, the runtime
 * directories, and a report of what this host offers. Idempotent. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "../common/util.h"
#include "../host/accounts.h"
#include "../host/cgroup.h"
#include "../host/idrange.h"
#include "../host/subid.h"
#include "../jail/jail.h"
#include "cli.h"

#define KVM_GET_API_VERSION_NR 0xAE00
/* Debian's SUB_UID_MAX and SUB_GID_MAX (login.defs): new users' ranges
 * stay below it. */
#define SUGGEST_MIN 600100000u

static int
run(char *const argv[])
{
	char *const envp[] = { exec_arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
			       NULL };
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

/* A module source of subordinate ids (nsswitch.conf's subid: line):
 * every account getpwent lists is asked for its ranges, and what that
 * cannot cover is said plainly. 0, or -1 with the error logged. */
static int
nss_free(const char *name, uid_t ubase, gid_t gbase, bool report)
{
	struct idrange_nss_scan sc;
	char why[512];
	int rc =
		idrange_nss_accounts(ubase, gbase, name, &sc, why, sizeof(why));

	if (rc < 0)
		log_error("range base %u: %s", (unsigned)ubase, why);
	if (!report || !sc.src.module) {
		if (report && rc == 0)
			printf("subid source: files (%s, %s)\n", SUBUID_PATH,
			       SUBGID_PATH);
		return rc;
	}
	printf("subid source: '%s' (%s subid:), through libsubid, and the "
	       "files: %u account(s) checked, %u not answered for%s%s%s\n",
	       sc.src.name, NSSWITCH_PATH, sc.checked, sc.unanswered,
	       sc.unanswered ? " (first: " : "", sc.first_unanswered,
	       sc.unanswered ? ")" : "");
	log_warn("subid source '%s' can be checked in full only for the "
		 "accounts it answers for: a source that does not list its "
		 "users (SSSD's default enumerate = false) may hold ranges "
		 "over the VM ids that host-init cannot see; create asks it "
		 "for the owners of each VM's own ids at every start",
		 sc.src.name);
	return rc;
}

/* The whole range, base .. base + 65535 as uids and gids (VMs and their
 * backends), must belong to no other account or group and lie in no
 * subordinate range (idrange.h). Refused with a base that would do. */
static int
range_free(const char *name, uid_t ubase, gid_t gbase)
{
	char why[512];

	if (idrange_check(ubase, gbase, name, why, sizeof(why)) == 0)
		return nss_free(name, ubase, gbase, false);
	log_error("range base %u: %s", (unsigned)ubase, why);
	uid_t alt = idrange_suggest(SUGGEST_MIN);
	if (alt)
		log_error("a free range (above every subordinate range and "
			  "Debian's SUB_UID_MAX): remove account %s if it "
			  "exists, then 'bulkhead host-init --range-base %u'",
			  name, (unsigned)alt);
	return -1;
}

static int
ensure_range_base(const char *name, unsigned base)
{
	struct passwd *pw = getpwnam(name);
	char ids[16];

	if (pw) {
		printf("account %s: exists (uid %u gid %u)\n", name,
		       (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		if (pw->pw_uid != pw->pw_gid)
			log_warn("%s: uid and gid differ; VM gids are gid + "
				 "vmid",
				 name);
		return range_free(name, pw->pw_uid, pw->pw_gid);
	}
	if (base == 0 || base % 65536 != 0)
		log_warn("range base %u is not a multiple of 65536", base);
	if (getpwuid(base) || getgrgid(base)) {
		log_error("uid/gid %u is already taken", base);
		return -1;
	}
	if (range_free(name, base, base) < 0)
		return -1;
	snprintf(ids, sizeof(ids), "%u", base);
	char *const ga[] = { exec_arg("/usr/sbin/groupadd"),
			     exec_arg("--system"),
			     exec_arg("--gid"),
			     ids,
			     exec_arg(name),
			     NULL };
	char *const ua[] = { exec_arg("/usr/sbin/useradd"),
			     exec_arg("--system"),
			     exec_arg("--no-create-home"),
			     exec_arg("--home-dir"),
			     exec_arg("/nonexistent"),
			     exec_arg("--shell"),
			     exec_arg("/usr/sbin/nologin"),
			     exec_arg("--uid"),
			     ids,
			     exec_arg("--gid"),
			     ids,
			     exec_arg(name),
			     NULL };
	if (run(ga) < 0 || run(ua) < 0) {
		log_error("creating %s failed", name);
		return -1;
	}
	printf("account %s: created (uid %u gid %u)\n", name, base, base);
	return 0;
}

static int
ensure_reaper(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (pw) {
		printf("account %s: exists (uid %u)\n", name,
		       (unsigned)pw->pw_uid);
		return pw->pw_uid == 0 ? -1 : 0;
	}
	char *const ua[] = { exec_arg("/usr/sbin/useradd"),
			     exec_arg("--system"),
			     exec_arg("--no-create-home"),
			     exec_arg("--home-dir"),
			     exec_arg("/nonexistent"),
			     exec_arg("--shell"),
			     exec_arg("/usr/sbin/nologin"),
			     exec_arg("--user-group"),
			     exec_arg(name),
			     NULL };
	if (run(ua) < 0 || !(pw = getpwnam(name))) {
		log_error("creating %s failed", name);
		return -1;
	}
	printf("account %s: created (uid %u)\n", name, (unsigned)pw->pw_uid);
	return 0;
}

/* An empty path (root's, 0644) if none: usermod adds no subordinate
 * ids to a file that does not exist. */
static int
subid_file_present(const char *path)
{
	int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		     0644);

	if (fd >= 0)
		return close(fd);
	return errno == EEXIST ? 0 : -1;
}

/* Reserve the range for the range base account in /etc/subuid and
 * /etc/subgid with usermod --add-subuids/--add-subgids (shadow writes a
 * new file and renames it over the old, under its lock): useradd gives
 * a new user a subordinate range that overlaps no existing entry, so
 * none over the VM ids. idrange_check exempts exactly this entry. Run
 * again, host-init finds it and adds nothing; a failure fails
 * host-init. */
static int
reserve_range(const char *name)
{
	struct passwd *pw = getpwnam(name);
	char why[256], ur[48], gr[48];

	if (!pw)
		return -1;
	unsigned u = (unsigned)pw->pw_uid, g = (unsigned)pw->pw_gid;
	struct subid_entry eu = { name, u, IDRANGE_SPAN };
	struct subid_entry eg = { name, g, IDRANGE_SPAN };
	int had = idrange_reserved(u, g, name, why, sizeof(why));
	if (had < 0) {
		log_error("reserving the VM id range: %s", why);
		return -1;
	}
	snprintf(ur, sizeof(ur), "%u-%u", u, u + IDRANGE_SPAN - 1);
	snprintf(gr, sizeof(gr), "%u-%u", g, g + IDRANGE_SPAN - 1);
	if (had == 0) {
		/* Only what is missing: usermod would add a second line. */
		char *av[7];
		int n = 0;
		av[n++] = exec_arg("/usr/sbin/usermod");
		if (subid_has_file(SUBUID_PATH, &eu, why, sizeof(why)) != 1) {
			av[n++] = exec_arg("--add-subuids");
			av[n++] = ur;
		}
		if (subid_has_file(SUBGID_PATH, &eg, why, sizeof(why)) != 1) {
			av[n++] = exec_arg("--add-subgids");
			av[n++] = gr;
		}
		av[n++] = exec_arg(name);
		av[n] = NULL;
		if (subid_file_present(SUBUID_PATH) < 0 ||
		    subid_file_present(SUBGID_PATH) < 0 || run(av) < 0 ||
		    idrange_reserved(u, g, name, why, sizeof(why)) != 1) {
			log_error("reserving uids %s and gids %s for %s in %s "
				  "and %s failed",
				  ur, gr, name, SUBUID_PATH, SUBGID_PATH);
			return -1;
		}
	}
	printf("subordinate ids: %s:%u:%u in %s, %s:%u:%u in %s: %s (new "
	       "users' ranges are allocated around them)\n",
	       name, u, IDRANGE_SPAN, SUBUID_PATH, name, g, IDRANGE_SPAN,
	       SUBGID_PATH, had ? "reserved" : "reserved now");
	return 0;
}

/* The range and whether it is still free (create checks it again). */
static void
report_range(const char *name)
{
	struct passwd *pw = getpwnam(name);
	char why[512];

	if (!pw) {
		printf("id range: no account %s\n", name);
		return;
	}
	unsigned u = (unsigned)pw->pw_uid, g = (unsigned)pw->pw_gid;
	printf("uid range %u..%u, gid range %u..%u (VMs base+1..base+%u, "
	       "backends base+%u..base+%u): ",
	       u, u + IDRANGE_SPAN - 1, g, g + IDRANGE_SPAN - 1,
	       (unsigned)VMID_MAX, BACKEND_UID_OFFSET + 1,
	       BACKEND_UID_OFFSET + (unsigned)VMID_MAX);
	if (idrange_check(pw->pw_uid, pw->pw_gid, name, why, sizeof(why)) == 0)
		printf("free of other accounts, groups and subordinate ids\n");
	else
		printf("NOT FREE: %s\n", why);
	if (nss_free(name, pw->pw_uid, pw->pw_gid, true) < 0)
		printf("id range: NOT FREE of the subid source's ranges\n");
	if (idrange_reserved(pw->pw_uid, pw->pw_gid, name, why, sizeof(why)) ==
	    1)
		printf("id range: reserved against useradd's subordinate "
		       "ids\n");
	else
		printf("id range: NOT RESERVED against useradd's subordinate "
		       "ids (%s): the next new user may get VM ids\n",
		       why);
}

static void
report_host(void)
{

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int api = kvm >= 0 ? ioctl(kvm, KVM_GET_API_VERSION_NR, 0) : -1;
	if (kvm >= 0)
		close(kvm);
	printf("kvm: %s\n", api == 12 ? "/dev/kvm present (API 12); whether "
					"it boots guests is only known by "
					"trying"
				      : "not available: use accel = \"tcg\" "
					"(not security-supported)");
	enum cg_mode m = cgroup_detect();
	const char *cg =
		m == CG_V2 ? "v2 (unified): used"
		: m == CG_V1
			? (access("/sys/fs/cgroup/unified", F_OK) == 0
				   ? "hybrid: v1 controllers used (v2 beside them has none)"
				   : "v1: used")
			: "none usable: VMs cannot be started";
	printf("cgroups: %s\n", cg);
	long ll = syscall(SYS_landlock_create_ruleset, NULL, 0,
			  LANDLOCK_CREATE_RULESET_VERSION);
	char lacks[512];
	if (ll > 0 && *jail_landlock_missing((int)ll, lacks, sizeof(lacks)))
		printf("landlock: ABI %ld; this kernel lacks %s\n", ll, lacks);
	else if (ll > 0)
		printf("landlock: ABI %ld; every rule bulkhead uses\n", ll);
	else
		printf("landlock: not available\n");
	printf("seccomp: %s\n",
	       prctl(PR_GET_SECCOMP) >= 0 ? "available" : "not available");
	printf("namespaces: mount pid ipc uts net %s\n",
	       access("/proc/self/ns/user", F_OK) == 0 ? "user" : "");
}

int
cmd_host_init(int argc, char **argv)
{
	struct account_names an = { "", "", "", "" };
	uint64_t base = RANGE_BASE_DEFAULT;

	if (argc == 3 && strcmp(argv[1], "--range-base") == 0) {
		if (parse_u64(argv[2], 1, 0x7fffffffu - VMID_MAX, &base) < 0) {
			log_error("--range-base: '%s' is not a uid", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		log_error("usage: bulkhead host-init [--range-base UID]");
		return 2;
	}
	if (cli_require_root("host-init") < 0)
		return 1;
	accounts_names(&an);
	int rc = 0;
	if (ensure_range_base(an.range_base, (unsigned)base) < 0 ||
	    reserve_range(an.range_base) < 0)
		rc = 1;
	if (ensure_reaper(an.reaper) < 0)
		rc = 1;
	if (cli_ensure_dirs() < 0)
		rc = 1;
	else
		printf("runtime dirs: %s, %s\n", BH_RUN_DIR, BH_LOG_DIR);
	report_range(an.range_base);
	report_host();
	cli_tenant_report();
	return rc;
}
