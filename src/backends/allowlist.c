#include "allowlist.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

/* In the order the filter tests them: the data path first (libseccomp
 * gives earlier rules a higher priority), so the common calls cost the
 * fewest comparisons. */
static const struct allowed_syscall allowed[] = {
	{ "preadv", "block reads into guest buffers", false },
	{ "pwritev", "block writes from guest buffers", false },
	{ "pwrite64", "writing zeroes where fallocate cannot", false },
	{ "read", "draining kick eventfds", false },
	{ "write", "call/err eventfds, log lines on stderr", false },
	{ "poll", "waiting for the socket and kicks", false },
	{ "ppoll", "waiting, SIGTERM let in only there (serve.c)", false },
	{ "recvmsg", "vhost-user headers with their fds", false },
	{ "recvfrom", "vhost-user payloads", false },
	{ "sendto", "vhost-user replies", false },
	{ "fdatasync", "FLUSH", false },
	{ "fallocate", "DISCARD and WRITE_ZEROES", false },
	{ "getrandom", "the rng device's entropy", false },
	{ "mmap", "mapping guest memory (never PROT_EXEC)", false },
	{ "munmap", "unmapping a replaced memory table", false },
	{ "fstat", "checking a memory region's size", false },
	{ "newfstatat", "fstat as libc makes it (AT_EMPTY_PATH only)", false },
	{ "close", "fds replaced by the front end", false },
	{ "brk", "libc's allocator", false },
	{ "rt_sigreturn", "returning from a signal", false },
	{ "restart_syscall", "an interrupted poll", false },
	{ "exit", "ending", false },
	{ "exit_group", "ending", false },
	{ "accept", "the next connection (standalone)", true },
	{ "accept4", "the next connection (standalone)", true },
};

const struct allowed_syscall *
backend_allowlist(size_t *n)
{
	*n = sizeof(allowed) / sizeof(allowed[0]);
	return allowed;
}

int
backend_allowlist_apply(bool listening, char *why, size_t whylen)
{
	size_t n = sizeof(allowed) / sizeof(allowed[0]);
	scmp_filter_ctx ctx;
	int rc = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(why, whylen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(why, whylen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i].name);

		if (allowed[i].listening_only && !listening)
			continue;
		if (nr == __NR_SCMP_ERROR) {
			snprintf(why, whylen, "seccomp: unknown syscall %s",
				 allowed[i].name);
			seccomp_release(ctx);
			return -1;
		}
		rc = seccomp_syscall_priority(ctx, nr, (uint8_t)(255 - i));
		if (rc < 0)
			break;
		if (nr == SCMP_SYS(mmap))
			rc = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, nr, 1,
				SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		else if (nr == SCMP_SYS(newfstatat))
			rc = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, nr, 1,
				SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH));
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(why, whylen, "seccomp: %s", strerror(-rc));
		return -1;
	}
	return 0;
}
