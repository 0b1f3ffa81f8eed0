#include "qemu_args.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../host/safe_open.h"
#include "../host/vmdir.h"

/* QEMU is relocatable: it looks for firmware and modules relative to its
 * own executable (PREFIX/bin/qemu -> PREFIX/share/qemu and
 * PREFIX/lib/x86_64-linux-gnu/qemu). For Debian's binary PREFIX is /usr;
 * an override brings its own prefix. */
#define QEMU_DATADIR "share/qemu"
#define SEABIOS_DIR "share/seabios" /* Debian's share/qemu links here */
#define QEMU_MODDIR "lib/x86_64-linux-gnu/qemu"

unsigned
qemu_blk_queues(const struct vm_config *cfg)
{
	return cfg->vcpus < 8 ? cfg->vcpus : 8;
}

unsigned long
qemu_nofile(const struct vm_config *cfg)
{
	/* QEMU's own eventfds, signalfd, thread-pool and timer fds stay
	 * well under 64 for our machine; each disk adds its fdset fds and
	 * the dup QEMU makes of each. */
	unsigned long n = 64 + 4 * cfg->ndisks + 4 * cfg->nvifs;

	/* A vhost-user device: its socket and a kick, call and error
	 * eventfd per queue. */
	for (size_t i = 0; i < cfg->ndisks; i++)
		if (cfg->disks[i].isolated)
			n += 4 + 3 * qemu_blk_queues(cfg);
	for (size_t i = 0; i < cfg->nvifs; i++)
		if (cfg->vifs[i].isolated)
			n += 4 + 3 * 2; /* a receive and a transmit queue */
	return n + (cfg->rng_isolated ? 8 : 0);
}

static int __attribute__((format(printf, 2, 3)))
add(struct qemu_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n >= QEMU_ARGV_MAX)
		return -1;
	va_start(ap, fmt);
	int rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	a->argv[a->n++] = s;
	a->argv[a->n] = NULL;
	return 0;
}

/* The fd number of a slot; a slot the table lacks sets *bad. */
static int
slot(const struct plan_fdtab *t, enum plan_fd_kind kind, unsigned index,
     int *bad)
{
	int n = plan_fd_num(t, kind, index);

	if (n < 0)
		*bad = -1;
	return n;
}

/* Everything but the devices: machine, sandbox, limits. */
static int
args_machine(const struct vm_config *cfg, struct qemu_argv *a)
{
	int rc = 0;

	rc |= add(a, "%s", cfg->dm_binary);
	rc |= add(a, "-nodefaults");
	rc |= add(a, "-no-user-config");
	rc |= add(a, "-S");
	rc |= add(a, "-name");
	rc |= add(a, "guest=%s", cfg->name);
	if (cfg->uuid[0]) { /* xl's uuid: the guest reads it from SMBIOS */
		rc |= add(a, "-uuid");
		rc |= add(a, "%s", cfg->uuid);
	}
	/* i440fx with nothing optional: no vmport, no HPET, and no USB
	 * unless usbdevice asks for a tablet. */
	rc |= add(a, "-machine");
	/* A vhost-user backend maps guest memory, so it must be a shared
	 * memfd (QEMU sends its fd in SET_MEM_TABLE). */
	rc |= add(a, "pc,accel=%s,usb=%s,vmport=off,hpet=off%s",
		  config_accel_name(cfg->accel), cfg->usb_tablet ? "on" : "off",
		  config_has_backends(cfg) ? ",memory-backend=bh-mem" : "");
	if (config_has_backends(cfg)) {
		rc |= add(a, "-object");
		rc |= add(a, "memory-backend-memfd,id=bh-mem,size=%uM,share=on",
			  cfg->memory_mib);
	}
	if (cfg->accel == ACCEL_KVM) {
		rc |= add(a, "-cpu");
		rc |= add(a, "host");
	}
	rc |= add(a, "-m");
	rc |= add(a, "%u", cfg->memory_mib);
	rc |= add(a, "-smp");
	rc |= add(a, "%u", cfg->vcpus);
	rc |= add(a, "-display");
	rc |= add(a, "none");
	if (cfg->bios == BIOS_OVMF) {
		/* One image, code and variables: variables set by the guest
		 * last until the VM ends (no per-VM store to write). */
		rc |= add(a, "-bios");
		rc |= add(a, "%s", CONFIG_OVMF_IMAGE);
	}
	if (cfg->localtime) {
		/* The host's local time, read here: QEMU's own
		 * base=localtime would read it in the jail, which has no
		 * zone file and no TZ, and give UTC. */
		char now[32];
		time_t t = time(NULL);
		struct tm tm;
		if (!localtime_r(&t, &tm) ||
		    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			return -1;
		rc |= add(a, "-rtc");
		rc |= add(a, "base=%s", now);
	}
	if (cfg->firmware_boot) {
		/* Only the devices boot names are tried (bootindex), no
		 * fallback to the others. */
		rc |= add(a, "-boot");
		rc |= add(a, "strict=on");
	}
	rc |= add(a, "-sandbox");
	rc |= add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
		     "resourcecontrol=deny");
	rc |= add(a, "-msg");
	rc |= add(a, "timestamp=on");
	return rc;
}

/* QMP, the console, the on_* actions and the kernel. */
static int
args_channels(const struct vm_config *cfg, const struct plan_fdtab *t,
	      struct qemu_argv *a)
{
	int rc = 0, bad = 0;

	rc |= add(a, "-chardev");
	/* Both are listening sockets the monitor connects to (server=on):
	 * when a monitor dies, QEMU waits for the next one, which can then
	 * take over the running VM. */
	rc |= add(a, "socket,id=bh-qmp,fd=%d,server=on,wait=off",
		  slot(t, PFD_QMP, 0, &bad));
	rc |= add(a, "-mon");
	rc |= add(a, "chardev=bh-qmp,mode=control");
	rc |= add(a, "-chardev");
	rc |= add(a, "socket,id=bh-console,fd=%d,server=on,wait=off",
		  slot(t, PFD_CONSOLE, 0, &bad));
	rc |= add(a, "-serial");
	rc |= add(a, "chardev:bh-console");
	/* A guest poweroff or panic stops QEMU instead of ending it, and a
	 * reboot does too unless on_reboot is restart (an in-place reset):
	 * the monitor then applies on_poweroff/on_reboot/on_crash. pvpanic
	 * (one register) is how a guest reports a crash. */
	rc |= add(a, "-action");
	rc |= add(a, "shutdown=pause,panic=pause,reboot=%s",
		  cfg->on_reboot == ACTION_RESTART ? "reset" : "shutdown");
	rc |= add(a, "-device");
	rc |= add(a, "pvpanic-pci");
	if (cfg->kernel[0]) {
		rc |= add(a, "-kernel");
		rc |= add(a, "%s", cfg->kernel);
	}
	if (cfg->ramdisk[0]) {
		rc |= add(a, "-initrd");
		rc |= add(a, "%s", cfg->ramdisk);
	}
	if (cfg->cmdline[0]) {
		rc |= add(a, "-append");
		rc |= add(a, "%s", cfg->cmdline);
	}
	return rc | bad;
}

/* The firmware's boot order (bootindex): for each letter of boot, the
 * first disk (c) or CD drive (d) in the config's order; n is the first
 * vif's (args_vif), never a disk's. */
static void
boot_index(const struct vm_config *cfg, size_t i, char *out, size_t len)
{
	out[0] = '\0';
	if (!cfg->firmware_boot)
		return;
	for (size_t b = 0; cfg->boot[b]; b++) {
		if (cfg->boot[b] == 'n')
			continue;
		bool cd = cfg->boot[b] == 'd';
		size_t first = cfg->ndisks;
		for (size_t j = 0; j < cfg->ndisks && first == cfg->ndisks; j++)
			if (cfg->disks[j].cdrom == cd)
				first = j;
		if (first == i) {
			snprintf(out, len, ",bootindex=%zu", b + 1);
			return;
		}
	}
}

/* The device the guest sees for a disk, on its controller (hvm_keys.c
 * chose it from the vdev). */
static int
args_disk_device(const struct disk_spec *d, const char *boot,
		 struct qemu_argv *a)
{
	switch (d->bus) {
	case DISK_BUS_IDE:
		return add(a, "ide-hd,bus=ide.%u,unit=%u,drive=disk-%s,id=%s%s",
			   d->slot / 2, d->slot % 2, d->vdev, d->vdev, boot);
	case DISK_BUS_AHCI:
		return add(a, "ide-hd,bus=bh-ahci.%u,drive=disk-%s,id=%s%s",
			   d->slot, d->vdev, d->vdev, boot);
	case DISK_BUS_SCSI:
		return add(a,
			   "scsi-hd,bus=bh-scsi.0,channel=0,scsi-id=%u,lun=0,"
			   "drive=disk-%s,id=%s,serial=%s%s",
			   d->slot, d->vdev, d->vdev, d->vdev, boot);
	case DISK_BUS_VIRTIO:
	default:
		return add(a, "virtio-blk-pci,drive=disk-%s,id=%s,serial=%s%s",
			   d->vdev, d->vdev, d->vdev, boot);
	}
}

/* The controllers the disks need beyond the PC's own IDE: one AHCI and
 * one virtio-scsi HBA, each only if a disk sits on it. */
static int
args_controllers(const struct vm_config *cfg, struct qemu_argv *a)
{
	bool ahci = false, scsi = false;
	int rc = 0;

	for (size_t i = 0; i < cfg->ndisks; i++) {
		ahci |= cfg->disks[i].bus == DISK_BUS_AHCI;
		scsi |= cfg->disks[i].bus == DISK_BUS_SCSI;
	}
	if (ahci) {
		rc |= add(a, "-device");
		rc |= add(a, "ahci,id=bh-ahci");
	}
	if (scsi) {
		rc |= add(a, "-device");
		rc |= add(a, "virtio-scsi-pci,id=bh-scsi");
	}
	return rc;
}

static int
args_disk(const struct vm_config *cfg, const struct plan_fdtab *t, size_t i,
	  struct qemu_argv *a)
{
	int rc = 0, bad = 0;
	const struct disk_spec *d = &cfg->disks[i];
	unsigned set = (unsigned)i + 1;
	char boot[16];

	boot_index(cfg, i, boot, sizeof(boot));

	if (d->cdrom) {
		/* An empty drive on the piix IDE controller; media
		 * come over QMP as fds (monitor/cdrom.c). */
		unsigned bus = 0, unit = 0;
		rc |= disk_ide_slot(d->vdev, &bus, &unit);
		rc |= add(a, "-device");
		rc |= add(a, "ide-cd,bus=ide.%u,unit=%u,id=%s%s", bus, unit,
			  d->vdev, boot);
		return rc | bad;
	}
	if (d->isolated) {
		/* Served by bulkhead-blk over a connected socket the
		 * toolstack made; QEMU never sees the disk. */
		rc |= add(a, "-chardev");
		rc |= add(a, "socket,id=bh-vu-%s,fd=%d", d->vdev,
			  slot(t, PFD_DISK_VHOST, (unsigned)i, &bad));
		rc |= add(a, "-device");
		rc |= add(a,
			  "vhost-user-blk-pci,chardev=bh-vu-%s,id=%s,"
			  "num-queues=%u%s",
			  d->vdev, d->vdev, qemu_blk_queues(cfg), boot);
		return rc | bad;
	}
	/* QEMU picks the fd of an fdset whose access mode matches
	 * each open it makes, so a rw disk gets both. */
	rc |= add(a, "-add-fd");
	rc |= add(a, "fd=%d,set=%u,opaque=%s-ro",
		  slot(t, PFD_DISK_RO, (unsigned)i, &bad), set, d->vdev);
	if (!d->readonly) {
		rc |= add(a, "-add-fd");
		rc |= add(a, "fd=%d,set=%u,opaque=%s-rw",
			  slot(t, PFD_DISK_RW, (unsigned)i, &bad), set,
			  d->vdev);
	}
	const char *ro = d->readonly ? "on" : "off";
	/* Throttled disks bypass the host page cache: buffered
	 * writes are flushed by kernel threads outside the VM's
	 * cgroup, and cache hits would skip the read limit. */
	/* A block device (an LV, a zvol, a disk) needs host_device:
	 * 'file' refuses anything but a regular file. */
	rc |= add(a, "-blockdev");
	rc |= add(a,
		  "driver=%s,node-name=file-%s,filename=/dev/fdset/%u,"
		  "read-only=%s,auto-read-only=off,locking=off%s",
		  d->blockdev ? "host_device" : "file", d->vdev, set, ro,
		  config_io_throttled(cfg) ? ",cache.direct=on" : "");
	/* The format the config states: a guest-written image is never
	 * probed. A qcow2's backing file is never opened (a JSON null,
	 * which key=value syntax cannot say): QEMU reaches this fd alone,
	 * and unallocated clusters read as zeros. */
	rc |= add(a, "-blockdev");
	if (d->qcow2)
		rc |= add(a,
			  "{\"driver\":\"qcow2\",\"node-name\":\"disk-%s\","
			  "\"file\":\"file-%s\",\"read-only\":%s,"
			  "\"backing\":null}",
			  d->vdev, d->vdev, d->readonly ? "true" : "false");
	else
		rc |= add(a,
			  "driver=raw,node-name=disk-%s,file=file-%s,"
			  "read-only=%s",
			  d->vdev, d->vdev, ro);
	rc |= add(a, "-device");
	rc |= args_disk_device(d, boot, a);
	return rc | bad;
}

static int
args_vif(const struct vm_config *cfg, const struct plan_fdtab *t, size_t i,
	 struct qemu_argv *a)
{
	int rc = 0, bad = 0;
	const struct vif_spec *v = &cfg->vifs[i];
	char mac[32] = "";

	if (v->has_mac)
		snprintf(mac, sizeof(mac), ",mac=%02x:%02x:%02x:%02x:%02x:%02x",
			 v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
			 v->mac[5]);
	/* The tap comes as an fd: QEMU needs no network privilege and
	 * its network namespace stays empty. No option ROM (romfile=)
	 * unless the firmware boots from this vif (boot = 'n', the first
	 * vif): then the model's own, iPXE's (CONFIG_IPXE_DIR, bound
	 * read-only by qemu_binds). Named by QEMU's default, not by path:
	 * QEMU patches only its default ROM to the device's PCI ids, and
	 * SeaBIOS skips a ROM whose ids differ. A user vif's frames go over
	 * a connected socket to passt, also an fd (QEMU 7.2's stream netdev
	 * with an fd address: it opens, binds and connects nothing).
	 * Isolated: bulkhead-net holds the tap and QEMU only a vhost-user
	 * socket to it (virtio-net only, checked by vif.c), which QEMU
	 * connects to by path: QEMU 7.2's vhost-user netdev wants a chardev
	 * that can pass fds, and gives that feature only to one it opened
	 * by path, never to fd=N. The socket is the one thing in its root
	 * it can reach. */
	char rom[32] = ",romfile=";
	if (i == 0 && config_net_boot(cfg))
		snprintf(rom, sizeof(rom), ",bootindex=%zu",
			 (size_t)(strchr(cfg->boot, 'n') - cfg->boot) + 1);
	if (v->isolated) {
		char path[PATH_MAX];

		if (vmdir_vif_socket(path, sizeof(path), cfg->name,
				     (unsigned)i) < 0)
			return -1;
		rc |= add(a, "-chardev");
		rc |= add(a, "socket,id=bh-vu-net%zu,path=%s", i, path);
		rc |= add(a, "-netdev");
		rc |= add(a, "vhost-user,id=net%zu,chardev=bh-vu-net%zu", i, i);
	} else if (v->user) {
		rc |= add(a, "-netdev");
		rc |= add(a,
			  "stream,id=net%zu,server=off,addr.type=fd,"
			  "addr.str=%d",
			  i, slot(t, PFD_PASST, (unsigned)i, &bad));
	} else {
		rc |= add(a, "-netdev");
		rc |= add(a, "tap,id=net%zu,fd=%d,vhost=off", i,
			  slot(t, PFD_TAP, (unsigned)i, &bad));
	}
	/* QEMU 7.2 turns guest-notifier masking off for vhost-user-net and
	 * then sets up a KVM irqfd for each MSI-X vector, which under TCG
	 * dereferences a NULL table (virtio_pci_one_vector_unmask): QEMU
	 * crashes when the driver starts the NIC. Under TCG the isolated
	 * NIC takes INTx (vectors=0); KVM keeps MSI-X. */
	rc |= add(a, "-device");
	rc |= add(a, "%s,netdev=net%zu%s%s%s", vif_model_device(v->model), i,
		  mac, rom,
		  v->isolated && cfg->accel == ACCEL_TCG ? ",vectors=0" : "");
	return rc | bad;
}

/* vnc = 1: QEMU's standard VGA, whose legacy text mode shows the
 * firmware's and the kernel's VGA console (bochs-display has none; cirrus
 * is the older, more bug-ridden card), and a VNC server with no listening
 * socket: each client arrives as a connected fd over QMP (add_client,
 * qmpworker/vnc.c), so nothing in the jail listens. */
static int
args_display(const struct vm_config *cfg, struct qemu_argv *a)
{
	int rc = 0;

	if (!cfg->vnc)
		return 0;
	rc |= add(a, "-device");
	rc |= add(a, "VGA,id=bh-vga");
	rc |= add(a, "-vnc");
	rc |= add(a, "none");
	return rc;
}

int
qemu_args_build(const struct vm_config *cfg, const struct plan_fdtab *t,
		bool incoming, struct qemu_argv *a)
{
	int rc = 0, bad = 0;

	memset(a, 0, sizeof(*a));
	rc |= args_machine(cfg, a);
	rc |= args_channels(cfg, t, a);
	rc |= args_controllers(cfg, a);
	if (cfg->usb_tablet) { /* on the machine's UHCI (usb=on) */
		rc |= add(a, "-device");
		rc |= add(a, "usb-tablet,id=bh-tablet");
	}
	for (size_t i = 0; i < cfg->ndisks; i++)
		rc |= args_disk(cfg, t, i, a);
	for (size_t i = 0; i < cfg->nvifs; i++)
		rc |= args_vif(cfg, t, i, a);
	if (cfg->rng_isolated) {
		rc |= add(a, "-chardev");
		rc |= add(a, "socket,id=bh-vu-rng,fd=%d",
			  slot(t, PFD_RNG_VHOST, 0, &bad));
		rc |= add(a, "-device");
		rc |= add(a, "vhost-user-rng-pci,chardev=bh-vu-rng,id=rng");
	}
	rc |= args_display(cfg, a);
	if (incoming) {
		rc |= add(a, "-incoming");
		rc |= add(a, "defer");
	}
	if ((rc | bad) != 0) {
		qemu_args_free(a);
		return -1;
	}
	return 0;
}

void
qemu_args_free(struct qemu_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->argv[i]);
	a->n = 0;
	a->argv[0] = NULL;
}

/* A directory (or module) of the device model's prefix, bound by name:
 * every component must be root's alone, with no symlink on the way
 * (safe_check_root), or a user who can write one could point the bind
 * at a directory of theirs, or of root's that the jail should not see
 * (realpath followed any link). */
static int
bind_add(struct jail_bind *out, size_t max, size_t *n, const char *path,
	 bool exec, char *why, size_t whylen)
{
	char msg[400];

	if (safe_check_root(path, exec ? SAFE_REG : SAFE_DIR, msg,
			    sizeof(msg)) < 0) {
		snprintf(why, whylen, "device model %s: %s",
			 exec ? "module" : "data directory", msg);
		return -1;
	}
	if (*n == max) {
		snprintf(why, whylen, "too many binds");
		return -1;
	}
	snprintf(out[*n].path, sizeof(out[*n].path), "%s", path);
	out[*n].exec = exec;
	out[*n].kind = JAIL_BIND_PLAIN;
	out[*n].who = NULL;
	(*n)++;
	return 0;
}

/* A file the config names: bound as written (no realpath, which would
 * follow a link), from the inode safe_open checks in the jail. */
static int
bind_checked(struct jail_bind *out, size_t max, size_t *n, const char *path,
	     const struct safe_who *who)
{
	if (*n == max)
		return -1;
	snprintf(out[*n].path, sizeof(out[*n].path), "%s", path);
	out[*n].exec = false;
	out[*n].kind = JAIL_BIND_CHECKED;
	out[*n].who = who;
	(*n)++;
	return 0;
}

int
qemu_binds(const struct vm_config *cfg, struct jail_bind *out, size_t max,
	   char *why, size_t whylen)
{
	size_t n = 0;
	char prefix[PATH_MAX], p[PATH_MAX];

	/* dm_binary is canonical: PREFIX is two levels up. */
	snprintf(prefix, sizeof(prefix), "%s", cfg->dm_binary);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(prefix, '/');
		if (!slash) {
			snprintf(why, whylen, "%s: no prefix", cfg->dm_binary);
			return -1;
		}
		*slash = '\0';
	}
	/* Without share/qemu, QEMU could not boot anything. */
	snprintf(p, sizeof(p), "%s/%s", prefix, QEMU_DATADIR);
	if (bind_add(out, max, &n, p, false, why, whylen) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/%s", prefix, SEABIOS_DIR);
	if (access(p, F_OK) == 0 &&
	    bind_add(out, max, &n, p, false, why, whylen) < 0)
		return -1;
	/* Debian builds TCG as a loadable module. */
	snprintf(p, sizeof(p), "%s/%s/accel-tcg-x86_64.so", prefix,
		 QEMU_MODDIR);
	if (cfg->accel == ACCEL_TCG && access(p, F_OK) == 0 &&
	    bind_add(out, max, &n, p, true, why, whylen) < 0)
		return -1;
	if (cfg->bios == BIOS_OVMF &&
	    bind_add(out, max, &n, CONFIG_OVMF_DIR, false, why, whylen) < 0)
		return -1;
	if (config_net_boot(cfg) &&
	    bind_add(out, max, &n, CONFIG_IPXE_DIR, false, why, whylen) < 0)
		return -1;
	for (unsigned i = 0; i < cfg->nvifs; i++) {
		if (!cfg->vifs[i].isolated)
			continue;
		if (n == max ||
		    vmdir_vif_socket(out[n].path, sizeof(out[n].path),
				     cfg->name, i) < 0) {
			snprintf(why, whylen, "too many binds");
			return -1;
		}
		out[n].exec = false;
		out[n].kind = JAIL_BIND_PLAIN; /* made by the monitor */
		out[n].who = NULL;
		n++;
	}
	if ((cfg->kernel[0] &&
	     bind_checked(out, max, &n, cfg->kernel, &cfg->owner) < 0) ||
	    (cfg->ramdisk[0] &&
	     bind_checked(out, max, &n, cfg->ramdisk, &cfg->owner) < 0)) {
		snprintf(why, whylen, "too many binds");
		return -1;
	}
	return (int)n;
}
