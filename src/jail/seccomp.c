#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "jail.h"

/* The outer filter: a deny-list, installed by the jail before exec and
 * stacked under QEMU's own -sandbox. It removes kernel surface no device
 * model needs, whatever the binary (device_model_override included) does
 * with its own filter. Denied calls fail with EPERM rather than killing,
 * so code that probes for a feature (io_uring) falls back cleanly. */
static const struct jail_denied_syscall denied[] = {
	{ "ptrace", "inspect or control other processes" },
	{ "process_vm_readv", "read another process's memory" },
	{ "process_vm_writev", "write another process's memory" },
	{ "pidfd_getfd", "steal another process's fds" },
	{ "kcmp", "compare kernel objects of other processes" },
	{ "bpf", "load BPF programs into the kernel" },
	{ "perf_event_open",
	  "performance counters: side channels, kernel bugs" },
	{ "userfaultfd", "stall kernel accesses: exploit primitive" },
	{ "io_uring_setup", "large, bug-prone kernel surface" },
	{ "io_uring_enter", "large, bug-prone kernel surface" },
	{ "io_uring_register", "large, bug-prone kernel surface" },
	{ "keyctl", "kernel keyrings" },
	{ "add_key", "kernel keyrings" },
	{ "request_key", "kernel keyrings" },
	{ "kexec_load", "replace the running kernel" },
	{ "kexec_file_load", "replace the running kernel" },
	{ "init_module", "load kernel modules" },
	{ "finit_module", "load kernel modules" },
	{ "delete_module", "unload kernel modules" },
	{ "mount", "change the jail's filesystem view" },
	{ "umount2", "change the jail's filesystem view" },
	{ "pivot_root", "change the jail's root" },
	{ "chroot", "change the jail's root" },
	{ "move_mount", "new mount API" },
	{ "open_tree", "new mount API" },
	{ "fsopen", "new mount API" },
	{ "fsconfig", "new mount API" },
	{ "fsmount", "new mount API" },
	{ "fspick", "new mount API" },
	{ "mount_setattr", "new mount API" },
	{ "unshare", "new namespaces: user namespaces expose more kernel" },
	{ "setns", "join other namespaces" },
	{ "personality", "disable ASLR or make reads executable" },
	{ "acct", "process accounting to a file" },
	{ "swapon", "host swap configuration" },
	{ "swapoff", "host swap configuration" },
	{ "reboot", "reboot the host" },
	{ "syslog", "read or clear the kernel log" },
	{ "quotactl", "filesystem quotas" },
	{ "open_by_handle_at", "open files by handle, bypassing paths" },
	{ "name_to_handle_at", "file handles" },
	{ "lookup_dcookie", "kernel profiling" },
	{ "settimeofday", "host clock" },
	{ "clock_settime", "host clock" },
	{ "clock_adjtime", "host clock" },
	{ "adjtimex", "host clock" },
	{ "sethostname", "host identity" },
	{ "setdomainname", "host identity" },
	{ "iopl", "raw I/O port access" },
	{ "ioperm", "raw I/O port access" },
	{ "vhangup", "hang up terminals" },
	{ "uselib", "obsolete loader call" },
	{ "fanotify_init", "watch filesystem events host-wide" },
};

const struct jail_denied_syscall *
jail_seccomp_denied(size_t *n)
{
	*n = sizeof(denied) / sizeof(denied[0]);
	return denied;
}

int
jail_seccomp_apply(char *why, size_t whylen)
{
	/* Default allow; libseccomp sends calls of any other ABI (i386
	 * int 0x80, x32) to the bad-arch action, so the deny-list cannot be
	 * bypassed through a second syscall table. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -EINVAL;

	if (!ctx) {
		snprintf(why, whylen, "seccomp_init failed");
		return -ENOMEM;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			      SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; rc == 0 && i < sizeof(denied) / sizeof(denied[0]);
	     i++) {
		int nr = seccomp_syscall_resolve_name(denied[i].name);
		if (nr == __NR_SCMP_ERROR) {
			snprintf(why, whylen, "seccomp: unknown syscall %s",
				 denied[i].name);
			rc = -EINVAL;
			break;
		}
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* Typing into a terminal the jail inherited (TIOCSTI) or reading
	 * console memory (TIOCLINUX): ioctl stays, these commands do not. */
	if (rc == 0)
		rc = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (rc == 0)
		rc = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0 && why[0] == '\0')
		snprintf(why, whylen, "seccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc;
}
