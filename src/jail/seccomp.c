#include <errno.h>
#include <fcntl.h>
#include <linux/cdrom.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "jail.h"

/* The outer filter: a deny-list, installed by the jail before exec and
 * stacked under QEMU's own -sandbox. It removes kernel surface no device
 * model needs, whatever the binary (device_model_override included) does
 * with its own filter. Denied calls fail with EPERM rather than killing,
 * so code that probes for a feature (io_uring) falls back cleanly. Two
 * parts are narrower than a deny-list: no namespace on any path, and
 * sockets only of the families the level's row lists. */
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
	{ "setns", "join other namespaces (by an ns fd or a pidfd)" },
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

/* No new namespace and no way into another, on every path the kernel
 * has to one. A namespace is made by clone, clone3 and unshare, and
 * entered by setns; nothing else creates or joins one (fork and vfork
 * take no flags; the new mount API's anonymous mount namespaces
 * (open_tree OPEN_TREE_CLONE, fsmount) and chroot/pivot_root are in the
 * deny-list; an ns fd from /proc/PID/ns, a pidfd or an nsfs ioctl
 * (NS_GET_USERNS, NS_GET_PARENT, SIOCGSKNS) leads in only through
 * setns; io_uring, which could clone for us, is denied). unshare and
 * setns are in the list above, whatever their arguments. clone takes its
 * flags in a register: refused with any CLONE_NEW* bit (0x80, NEWTIME,
 * is clone's exit-signal byte, refused all the same). clone3 takes them
 * in memory the filter cannot read: refused as a whole with ENOSYS, the
 * answer of a kernel without clone3, on which glibc's pthread_create,
 * posix_spawn and the sanitizers fall back to clone. A user namespace is
 * the one an unprivileged process wants: it holds every capability
 * there and reaches nf_tables, and the others come with it. */
static const unsigned long ns_flags[] = {
	CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
	CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

static int
add_namespace_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0;
	     rc == 0 && i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		rc = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(clone3), 0);
	return rc;
}

static int
add_denied_list(scmp_filter_ctx ctx, char *why, size_t whylen)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(denied) / sizeof(denied[0]);
	     i++) {
		int nr = seccomp_syscall_resolve_name(denied[i].name);
		if (nr == __NR_SCMP_ERROR) {
			snprintf(why, whylen, "seccomp: unknown syscall %s",
				 denied[i].name);
			return -EINVAL;
		}
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	return rc;
}

/* Sockets of the level's families only (levels.c); every other family
 * fails with EPERM. A jail's resources come as fds (QMP, console and
 * vhost-user sockets, taps), so a family is one the process makes
 * itself: AF_INET and AF_INET6 (Landlock's TCP rules are absent before
 * Linux 6.7 and cover neither UDP nor raw), AF_VSOCK (not namespaced: the
 * hypervisor when the host is a VM, and other VMs' vhost-vsock),
 * AF_NETLINK (netfilter, audit, uevents, sock_diag), AF_PACKET, and the
 * rest, each of which can also make the kernel load a protocol module.
 * socket and socketpair make sockets of a family they name; accept and
 * accept4 make one of their listening socket's family, which the
 * process made or was given; socketcall exists only in the i386 table
 * (killed); io_uring's IORING_OP_SOCKET is denied with io_uring; a
 * socket received over SCM_RIGHTS is its sender's choice. The kernel
 * reads the family as an int: numbers with any of the upper 32 bits set,
 * and every number from AF_MAX on, are refused whatever their low bits,
 * then each family below AF_MAX the level does not list. */
_Static_assert(AF_MAX <= 64, "a family past the allowlist's 64 bits");

/* AF_UNIX is granted to one process only: a device model that must
 * connect to a vhost-user backend by path (QEMU 7.2 opens a vhost-user
 * netdev no other way). That takes socket(AF_UNIX, SOCK_STREAM) alone:
 * no socketpair, and no datagram or seqpacket socket, so the process
 * gets no connected pair of its own to pass fds around in (the kernel's
 * unix garbage collector has a history). The type's low 4 bits are the
 * type; the rest are SOCK_CLOEXEC and SOCK_NONBLOCK. */
static int
narrow_unix(scmp_filter_ctx ctx, uint64_t sockets)
{
	if (!(sockets & JAIL_AF(AF_UNIX)))
		return 0;
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
				  SCMP_SYS(socketpair), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	for (scmp_datum_t t = 0; rc == 0 && t < 16; t++)
		if (t != SOCK_STREAM)
			rc = seccomp_rule_add(
				ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2,
				SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
	return rc;
}

static int
add_socket_rules(scmp_filter_ctx ctx, uint64_t sockets)
{
	static const int calls[] = { SCMP_SYS(socket), SCMP_SYS(socketpair) };
	int rc = 0;

	for (size_t c = 0; rc == 0 && c < sizeof(calls) / sizeof(calls[0]);
	     c++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), calls[c], 1,
				      SCMP_A0(SCMP_CMP_GE, AF_MAX));
		for (int f = 0; rc == 0 && f < AF_MAX; f++)
			if (!(sockets & JAIL_AF(f)))
				rc = seccomp_rule_add(
					ctx, SCMP_ACT_ERRNO(EPERM), calls[c], 1,
					SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)f));
	}
	return rc ? rc : narrow_unix(ctx, sockets);
}

/* ioctl stays; these commands do not. The kernel reads the command as
 * an unsigned int, so the rules compare the low 32 bits only (mask),
 * whatever a caller puts in the upper ones; a mask of 0xffffff00 takes
 * a driver's whole range. Each is a command the holder of an fd the
 * jail was given (a tty, its tap, a medium) may issue without any
 * capability, and that changes something other processes share. */
static const struct jail_denied_ioctl denied_ioctls[] = {
	{ TIOCSTI, 0xffffffffu, "TIOCSTI", "type into an inherited terminal" },
	{ TIOCLINUX, 0xffffffffu, "TIOCLINUX", "read console memory" },
	/* The tap is the toolstack's: the device model uses it (QEMU's
	 * TUNGETIFF, TUNGETFEATURES, TUNSETOFFLOAD, TUNSETVNETHDRSZ,
	 * TUNSETSNDBUF, TUNSETVNETLE/BE stay), it does not remake it. A
	 * tap fd's holder needs no capability for any of these. */
	{ TUNSETIFF, 0xffffffffu, "TUNSETIFF", "make or attach a tun device" },
	{ TUNSETPERSIST, 0xffffffffu, "TUNSETPERSIST",
	  "keep the tap after the VM: it outlives destroy" },
	{ TUNSETOWNER, 0xffffffffu, "TUNSETOWNER",
	  "give the tap to a host user, who attaches to the bridge" },
	{ TUNSETGROUP, 0xffffffffu, "TUNSETGROUP",
	  "give the tap to a host group" },
	{ TUNSETLINK, 0xffffffffu, "TUNSETLINK", "change the tap's link type" },
	{ TUNSETQUEUE, 0xffffffffu, "TUNSETQUEUE",
	  "attach or detach queues (bulkhead's taps have one)" },
	{ TUNSETIFINDEX, 0xffffffffu, "TUNSETIFINDEX",
	  "choose the index of a new tun device" },
	{ TUNSETTXFILTER, 0xffffffffu, "TUNSETTXFILTER",
	  "filter what the bridge delivers to the VM" },
	{ TUNATTACHFILTER, 0xffffffffu, "TUNATTACHFILTER",
	  "classic BPF on the tap's socket" },
	{ TUNDETACHFILTER, 0xffffffffu, "TUNDETACHFILTER",
	  "classic BPF on the tap's socket" },
	{ TUNSETSTEERINGEBPF, 0xffffffffu, "TUNSETSTEERINGEBPF",
	  "eBPF on the tap" },
	{ TUNSETFILTEREBPF, 0xffffffffu, "TUNSETFILTEREBPF",
	  "eBPF on the tap" },
	{ TUNSETCARRIER, 0xffffffffu, "TUNSETCARRIER",
	  "take the host side's link down or up" },
	{ TUNSETDEBUG, 0xffffffffu, "TUNSETDEBUG",
	  "make the host kernel log every frame to the tap, unlimited" },
	{ TUNSETNOCSUM, 0xffffffffu, "TUNSETNOCSUM",
	  "change the tap's checksum handling" },
	{ SIOCSIFHWADDR, 0xffffffffu, "SIOCSIFHWADDR",
	  "change the tap's host MAC, and so maybe the bridge's" },
	/* A loop device medium: LOOP_CHANGE_FD and LOOP_CLR_FD need no
	 * capability at all, even on a read-only fd, and change what
	 * every user of the loop device reads. QEMU needs none. */
	{ 0x4C00, 0xffffff00u, "LOOP_*", "rebind or detach a loop device" },
	/* A CD drive medium: a read-only fd moves the tray, locks the
	 * door, sets the drive's options and speed, with no capability.
	 * (Block ioctls that change shared state need CAP_SYS_ADMIN
	 * (BLKPG, BLKRRPART, BLKFLSBUF, BLKROSET, BLKBSZSET, BLKRASET) or
	 * a writable fd (BLKDISCARD, BLKZEROOUT, zone resets): left to
	 * the kernel. The SCSI pass-through commands below are not.) */
	{ CDROMEJECT, 0xffffffffu, "CDROMEJECT", "open a shared drive's tray" },
	{ CDROMCLOSETRAY, 0xffffffffu, "CDROMCLOSETRAY",
	  "close a shared drive's tray" },
	{ CDROMEJECT_SW, 0xffffffffu, "CDROMEJECT_SW",
	  "set a shared drive's auto-eject" },
	{ CDROM_LOCKDOOR, 0xffffffffu, "CDROM_LOCKDOOR",
	  "lock a shared drive's door" },
	{ CDROM_SET_OPTIONS, 0xffffffffu, "CDROM_SET_OPTIONS",
	  "set a shared drive's options" },
	{ CDROM_CLEAR_OPTIONS, 0xffffffffu, "CDROM_CLEAR_OPTIONS",
	  "clear a shared drive's options" },
	{ CDROM_SELECT_SPEED, 0xffffffffu, "CDROM_SELECT_SPEED",
	  "set a shared drive's speed" },
	{ CDROM_SELECT_DISC, 0xffffffffu, "CDROM_SELECT_DISC",
	  "change a changer's disc" },
	{ CDROMSTOP, 0xffffffffu, "CDROMSTOP", "spin a shared drive down" },
	{ CDROMSTART, 0xffffffffu, "CDROMSTART", "spin a shared drive up" },
	/* Playing audio changes a shared drive's state as stopping does. */
	{ CDROMPAUSE, 0xffffffffu, "CDROMPAUSE", "pause a shared drive" },
	{ CDROMRESUME, 0xffffffffu, "CDROMRESUME", "resume a shared drive" },
	{ CDROMPLAYMSF, 0xffffffffu, "CDROMPLAYMSF", "play a shared drive" },
	{ CDROMPLAYTRKIND, 0xffffffffu, "CDROMPLAYTRKIND",
	  "play a shared drive" },
	{ CDROMPLAYBLK, 0xffffffffu, "CDROMPLAYBLK", "play a shared drive" },
	{ CDROMVOLCTRL, 0xffffffffu, "CDROMVOLCTRL",
	  "set a shared drive's volume" },
	/* SCSI commands through a block device: on a read-only fd the
	 * kernel still lets START STOP UNIT through (it opens a shared
	 * drive's tray, stops a shared disk). bulkhead never gives QEMU
	 * SCSI pass-through (no scsi-generic, no scsi-block). */
	{ 0x2285, 0xffffffffu, "SG_IO", "send SCSI commands to the device" },
	{ CDROM_SEND_PACKET, 0xffffffffu, "CDROM_SEND_PACKET",
	  "send packet commands to a shared drive" },
	{ 1, 0xffffffffu, "SCSI_IOCTL_SEND_COMMAND",
	  "send SCSI commands to the device (the old way)" },
};

const struct jail_denied_ioctl *
jail_seccomp_denied_ioctls(size_t *n)
{
	*n = sizeof(denied_ioctls) / sizeof(denied_ioctls[0]);
	return denied_ioctls;
}

static int
add_ioctl_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0;
	     rc == 0 && i < sizeof(denied_ioctls) / sizeof(denied_ioctls[0]);
	     i++)
		rc = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, denied_ioctls[i].mask,
				denied_ioctls[i].cmd));
	return rc;
}

/* Disk image locks (src/host/imglock.h) are OFD locks on the fds the
 * device model is handed: any holder of the description could release
 * them (F_UNLCK) and let a second VM open the image read-write. No lock
 * is taken or dropped here: fcntl F_SETLK, F_SETLKW, F_OFD_SETLK,
 * F_OFD_SETLKW and flock fail with EPERM. QEMU needs none with
 * locking=off (qemu_args.c); F_GETLK and F_OFD_GETLK stay. */
static const unsigned lock_cmds[] = { F_SETLK, F_SETLKW, F_OFD_SETLK,
				      F_OFD_SETLKW };

static int
add_lock_rules(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(flock),
				  0);

	for (size_t i = 0;
	     rc == 0 && i < sizeof(lock_cmds) / sizeof(lock_cmds[0]); i++)
		rc = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, lock_cmds[i]));
	return rc;
}

int
jail_seccomp_apply(uint64_t sockets, char *why, size_t whylen)
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
	if (rc == 0)
		rc = add_denied_list(ctx, why, whylen);
	if (rc == 0)
		rc = add_namespace_rules(ctx);
	if (rc == 0)
		rc = add_socket_rules(ctx, sockets);
	if (rc == 0)
		rc = add_ioctl_rules(ctx);
	if (rc == 0)
		rc = add_lock_rules(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0 && why[0] == '\0')
		snprintf(why, whylen, "seccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc;
}
