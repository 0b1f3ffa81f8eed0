#include "features_table.h"

static const struct feature table[F_COUNT] = {
	{ F_ACCEL_KVM, "accel=kvm", FS_SUPPORTED,
	  "hardware virtualization; the production path" },
	{ F_ACCEL_TCG, "accel=tcg", FS_NOT_SECURITY_SUPPORTED,
	  "QEMU does not treat TCG as a security boundary; for tests and "
	  "hosts without usable KVM" },
	{ F_DM_RESTRICT, "dm_restrict=1", FS_SUPPORTED,
	  "device model deprivileged: own uid, namespaces, empty root, "
	  "rlimits, no capabilities, Landlock, two seccomp filters" },
	{ F_LANDLOCK_KERNEL, "Landlock, by kernel", FS_SUPPORTED,
	  "file rules from Linux 5.13 (Debian 12's 6.1: ABI 2); truncate "
	  "6.2, TCP bind/connect 6.7, device ioctls 6.10, signal and "
	  "abstract-socket scoping 6.12; where the kernel lacks a rule the "
	  "empty root, the network and pid namespaces and seccomp stand in, "
	  "and host-init names each rule this host lacks" },
	{ F_DM_UNRESTRICTED, "dm_restrict=0", FS_NOT_SECURITY_SUPPORTED,
	  "device model runs as root with no jail" },
	{ F_UID_RANGE, "uid from bulkhead-range-base", FS_SUPPORTED,
	  "one uid per VM id, never shared; the range is refused where an "
	  "account or a subuid/subgid range overlaps it (the files, and an "
	  "NSS subid: source through libsubid), and host-init reserves it "
	  "against useradd's subordinate ids" },
	{ F_UID_USER, "device_model_user", FS_SUPPORTED,
	  "one dedicated bulkhead-dm-NAME account per VM; login, system, "
	  "overflow, busy and shared accounts are refused" },
	{ F_UID_SHARED, "bulkhead-shared fallback", FS_NOT_SECURITY_SUPPORTED,
	  "VMs share one uid and can attack each other's device models" },
	{ F_DM_OVERRIDE, "device_model_override", FS_TECH_PREVIEW,
	  "runs in the same jail with the same arguments, but bulkhead "
	  "cannot vouch for the binary" },
	{ F_DISK_RAW_FD, "disk format=raw (fd-passed)", FS_SUPPORTED,
	  "QEMU's built-in virtio-blk (backendtype=qdisk, the default and "
	  "the recommended disk); opened by the toolstack, passed with "
	  "-add-fd; never probed; specs in every xl-disk-configuration(5) "
	  "form (key=value, positional, xend's prefixes); a regular file or "
	  "a block device (LV, zvol, disk: not one the host mounts, swaps "
	  "on or builds a dm/md device on); each image locked, so no two "
	  "VMs share one read-write" },
	{ F_DIRECT_KERNEL_BOOT, "kernel/ramdisk/cmdline", FS_SUPPORTED,
	  "direct kernel boot; files bound read-only into the jail" },
	{ F_FIRMWARE_SEABIOS, "type=hvm firmware boot (SeaBIOS)", FS_SUPPORTED,
	  "an unmodified guest boots the whole PC (i440fx, PIIX3) from its "
	  "disk or CD (boot = c, d), in the same jail; Debian's SeaBIOS" },
	{ F_FIRMWARE_OVMF, "bios=ovmf (UEFI)", FS_SUPPORTED,
	  "Debian's OVMF, bound read-only; UEFI variables last as long as "
	  "the VM (no per-VM store)" },
	{ F_DISK_IDE, "hdX disks of an HVM guest: IDE, AHCI", FS_SUPPORTED,
	  "PIIX3 IDE (hda-hdd) or AHCI with hdtype=ahci (hda-hdf), as Xen "
	  "security-supports them; more guest-reachable code than "
	  "virtio-blk; the same fd-passed image" },
	{ F_DISK_SCSI, "sdX disks of an HVM guest: virtio-scsi", FS_SUPPORTED,
	  "a virtio-scsi HBA, not the lsi53c895a xl's device model "
	  "gives (a legacy controller with a long CVE history)" },
	{ F_NIC_E1000, "vif model=e1000", FS_SUPPORTED,
	  "an emulated Intel NIC for guests without virtio drivers, as Xen "
	  "security-supports it; the same tap by fd; option ROM only for boot=n" },
	{ F_NIC_RTL8139, "vif model=rtl8139", FS_SUPPORTED,
	  "an emulated Realtek NIC (xl's default HVM model; bulkhead's is "
	  "virtio-net), as Xen security-supports it; the same tap by fd; "
	  "option ROM only for boot=n" },
	{ F_USB_TABLET, "usbdevice='tablet' (HVM)", FS_SUPPORTED,
	  "the PC's UHCI controller with one USB tablet, for a display's "
	  "pointer; no other USB device and no passthrough" },
	{ F_NETBOOT, "boot='n' (network boot, iPXE)", FS_SUPPORTED,
	  "the first vif carries Debian's iPXE option ROM, bound read-only "
	  "only for these VMs; iPXE runs in the guest, whose DHCP and TFTP "
	  "(or HTTP) peers are the network's: a hostile server reaches the "
	  "guest, not the host; other vifs keep no ROM" },
	{ F_SERIAL_CONSOLE, "serial console", FS_SUPPORTED,
	  "socketpair to the monitor; log capped at 1 MiB + one rotated file" },
	{ F_LIFECYCLE_ACTIONS, "on_poweroff/on_reboot/on_crash", FS_SUPPORTED,
	  "destroy, restart (in place: same process, uid and jail) or "
	  "preserve; crashes reported by pvpanic" },
	{ F_CGROUPS, "cgroup limits (v2, v1/hybrid)", FS_SUPPORTED,
	  "memory = guest + memory_overhead (an OOM kills the whole VM), "
	  "pids_max, cpu_weight, cpu_cap; destroy kills through the cgroup" },
	{ F_DISK_THROTTLE, "disk I/O throttling", FS_SUPPORTED,
	  "disk_read/write_bps/iops on each disk's backing device, in the "
	  "kernel (v1 blkio.throttle, v2 io.max); O_DIRECT disk I/O, which "
	  "a compromised device model can clear: its writes then bypass the "
	  "limits on v1, and hold to them on v2 only on a filesystem with "
	  "cgroup writeback (ext4, xfs, ext2, f2fs); not for disks on tmpfs, "
	  "overlayfs, btrfs or NFS" },
	{ F_VIF, "vif (bridge, virtio-net)", FS_SUPPORTED,
	  "tap created and bridged by the toolstack, passed as an fd; the "
	  "device model's network namespace stays empty; the host kernel "
	  "(nftables, on the tap's ingress hook) drops frames from it whose "
	  "source MAC is not the vif's, VLAN-tagged ones and those to "
	  "link-local group addresses (STP, LLDP, 802.1X); a MAC or ip= "
	  "another VM holds is refused at create" },
	{ F_VIF_IP, "vif ip= (IP anti-spoofing)", FS_SUPPORTED,
	  "IPv4, ARP and IPv6 from the vif must use its listed addresses "
	  "(and its EUI-64 link-local; 0.0.0.0 for DHCP and ARP probes, :: "
	  "for DAD of its own addresses), neighbour advertisements only for "
	  "them, ND link-layer options only its MAC, no router "
	  "advertisements, no DHCP or DHCPv6 server replies, no other "
	  "ethertype but RARP, no IPv6 extension header but hop-by-hop "
	  "before ICMPv6 other than ND (so no IPv6 fragments or IPsec); "
	  "rules loaded before the device model starts and removed with "
	  "the VM" },
	{ F_VIF_USER, "vif type=user (passt)", FS_TECH_PREVIEW,
	  "no tap, no bridge: Debian's passt NATs the guest through host "
	  "sockets, jailed as the VM's backend uid with no capabilities, "
	  "under its own seccomp filter and empty root, in the host's "
	  "network namespace (its compromise reaches the host's network, "
	  "loopback included, as that uid); QEMU gets a socketpair end; "
	  "no port inbound: a BPF bind guard on its group gives its UDP "
	  "sockets ports the kernel picks, never the guest's, and an "
	  "nftables rule drops packets for its sockets that are not part "
	  "of a flow the guest started (needs a cgroup v2 hierarchy, on "
	  "hybrid hosts the one at /sys/fs/cgroup/unified); not for "
	  "tenants; Debian 12's passt has no "
	  "vhost-user" },
	{ F_TENANT_POLICY, "tenant policy (/etc/bulkhead/policy.cfg)",
	  FS_SUPPORTED,
	  "a config a user owns is held, at create and restore, to root's "
	  "per-user/per-group max memory, vCPUs, pids_max, cpu_weight, VM "
	  "count, bridges and the addresses a vif may claim (ip= required "
	  "within them; a tenant's own mac= locally administered; built in "
	  "without the file: 1 VM, 1 vCPU, 1024 MiB, no network); a policy "
	  "that is not root's alone or does not parse refuses tenants; not "
	  "I/O limits or cpu_cap" },
	{ F_CHECK, "bulkhead check (bulkhead-probe)", FS_SUPPORTED,
	  "102 escape attempts in a running VM's jail: joined namespaces, "
	  "same uid, rlimits, Landlock, seccomp, a cgroup with its limits; "
	  "--as backend|worker|copier under those children's rows (each "
	  "pid 1 of a pid namespace of its own, in a cgroup of its own; "
	  "nothing escapes)" },
	{ F_AUDIT, "bulkhead audit", FS_SUPPORTED,
	  "scores any running QEMU from /proc (23 checks); tested on "
	  "bulkhead's, a hand-run root QEMU and a libvirt-started one" },
	{ F_CDROM, "cdrom (devtype=cdrom, cd-insert/cd-eject)", FS_SUPPORTED,
	  "IDE CD-ROM; each medium opened read-only by the toolstack and "
	  "passed over QMP as an fd; not combined with disk I/O limits" },
	{ F_VNC, "vnc = 1 (VGA card, bulkhead vnc)", FS_TECH_PREVIEW,
	  "QEMU's std VGA and VNC server, in the jail: more surface for the "
	  "guest and for clients; -vnc none, so nothing in the jail listens: "
	  "bulkhead vnc listens on loopback (or a root-owned unix socket, "
	  "--unix), lets in root's clients (and a --user's) only, and hands "
	  "each to QEMU over QMP as a unix socket; no password or "
	  "encryption (--allow-remote for a wider address)" },
	{ F_PAUSE, "pause/unpause", FS_SUPPORTED,
	  "QMP stop/cont; the device model keeps every restriction" },
	{ F_SHUTDOWN, "shutdown/reboot (ACPI power button)", FS_SUPPORTED,
	  "QMP system_powerdown through the QMP worker; -w waits, -F then "
	  "destroys; reboot restarts in place (same process, uid and jail)" },
	{ F_SAVE_RESTORE, "save/restore", FS_SUPPORTED,
	  "QEMU migrates to/from a pipe; an unprivileged copier moves the "
	  "bytes to/from the file the toolstack opened; a restored VM gets "
	  "a fresh VM's jail; disks must be the same files" },
	{ F_QMP_WORKER, "QMP parsed by an unprivileged worker", FS_SUPPORTED,
	  "every VM; the privileged monitor sees only checked fixed-size "
	  "messages; a misbehaving device model or worker ends the VM" },
	{ F_ISOLATED_DISK, "disk backendtype=isolated (bulkhead-blk)",
	  FS_TECH_PREVIEW,
	  "vhost-user-blk served by a jailed backend of our own (the uid "
	  "of the VM's backends, not QEMU's; own namespaces, empty root, "
	  "cgroup, seccomp allowlist); not the "
	  "default until proven in use; no save/restore, no I/O limits, "
	  "and a backend's death ends the VM" },
	{ F_ISOLATED_RNG, "rng = \"isolated\" (bulkhead-rng)", FS_TECH_PREVIEW,
	  "virtio-rng from getrandom in a jailed vhost-user backend, the "
	  "same jail as bulkhead-blk; no save/restore" },
	{ F_ISOLATED_NET, "vif backendtype=isolated (bulkhead-net)",
	  FS_EXPERIMENTAL,
	  "vhost-user-net served by a jailed backend holding the tap (the "
	  "same jail as bulkhead-blk); QEMU holds no tap; virtio-net only, "
	  "one queue pair, no offloads or mergeable buffers; no "
	  "save/restore; a backend's death ends the VM; QEMU 7.2 connects "
	  "to it only by path, so that device model may make Unix sockets" },
	{ F_BACKEND_STANDALONE,
	  "bulkhead-blk/-rng/-net --socket with stock QEMU", FS_EXPERIMENTAL,
	  "for testing and benchmarks: the allowlist applies, the jail does "
	  "not; reconnects are served, requests in flight at a backend crash "
	  "are lost" },
	{ F_CREATE_ARGS, "create CONFIG KEY=VALUE...", FS_SUPPORTED,
	  "as xl's: each argument is one more config line, parsed and "
	  "checked as the file's, replacing the file's value of its key; "
	  "held to the tenant policy and the root-only keys as the file" },
	{ F_CPUS, "cpus (cpuset cgroup)", FS_SUPPORTED,
	  "the host CPUs the device model's threads may run on, in the "
	  "VM's cpuset cgroup (v1 cpuset hierarchy, v2 cpuset.cpus); "
	  "offline CPUs refused; one set per VM, not per vCPU; a tenant's "
	  "within the policy's cpus, and confined to them when it gives "
	  "none" },
	{ F_DISK_QCOW2, "disk format=qcow2 (fd-passed)", FS_SUPPORTED,
	  "only when the config says so (never probed); QEMU's qcow2 driver "
	  "in the jail over the fd the toolstack opened, with no backing "
	  "file (unallocated clusters read as zeros); root never parses "
	  "the image; not for cdroms or isolated disks" },
	{ F_EVENTS, "events, wait, create --json (machine interface)",
	  FS_SUPPORTED,
	  "versioned JSON for orchestrators: lifecycle events made by each "
	  "monitor from its own decisions (never copied from QMP), at most "
	  "20 at once and 5 a second per VM, a VM's creation and end never "
	  "dropped; wait blocks until a VM ends "
	  "and says why; root only; no stats yet" },
	{ F_INSTALL, "make install, Debian package", FS_SUPPORTED,
	  "PREFIX/DESTDIR install with one manifest for uninstall (config "
	  "files the admin changed are kept); dpkg-buildpackage builds a "
	  "lintian-clean .deb whose postinst runs host-init" },
	{ F_HOST_GUESTS, "bulkhead-guests.service (autostart, host shutdown)",
	  FS_SUPPORTED,
	  "as xendomains: starts /etc/bulkhead/auto at boot, and at host "
	  "shutdown ends every VM in parallel by its power button, save or "
	  "destroy, destroying what is left after the timeout; never "
	  "restarted by a package upgrade" },
};

const struct feature *
features_table(size_t *n)
{
	*n = F_COUNT;
	return table;
}

const struct feature *
feature_get(enum feature_id id)
{
	return &table[id];
}

const char *
feature_status_name(enum feature_status s)
{
	switch (s) {
	case FS_SUPPORTED:
		return "supported";
	case FS_TECH_PREVIEW:
		return "tech preview";
	case FS_EXPERIMENTAL:
		return "experimental";
	case FS_NOT_SECURITY_SUPPORTED:
		return "not security-supported";
	default:
		return "?";
	}
}

bool
feature_security_supported(enum feature_id id)
{
	return table[id].status == FS_SUPPORTED;
}
