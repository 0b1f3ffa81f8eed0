/* xl-style disk specifications: 'format=raw, vdev=xvda, access=rw,
 * target=/path'. target= comes last and takes the rest of the string, as
 * in xl-disk-configuration(5), so paths may contain commas.
 * 'vdev=hdc, devtype=cdrom, target=' is an empty CD-ROM drive (IDE hda to
 * hdd); with a path it starts with that medium. CD-ROMs are read-only.
 * 'backendtype=isolated' serves the disk from bulkhead-blk, a vhost-user
 * backend in a jail of its own, instead of QEMU's built-in virtio-blk
 * ('backendtype=qdisk', the default, as in xl). */
#ifndef BULKHEAD_DISK_H
#define BULKHEAD_DISK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define DISK_VDEV_MAX 8

/* The controller a disk sits on. An HVM guest's vdev chooses it, as xl
 * maps them: hdX on IDE (or AHCI, with hdtype), sdX on SCSI (a
 * virtio-scsi HBA), xvdX and vdX on virtio-blk. Every disk of a direct
 * kernel (pv, pvh) guest is virtio-blk. Set by hvm_keys_finish(). */
enum disk_bus { DISK_BUS_VIRTIO, DISK_BUS_IDE, DISK_BUS_AHCI, DISK_BUS_SCSI };

struct disk_spec {
	char vdev[DISK_VDEV_MAX];
	char target[PATH_MAX];
	bool readonly;
	bool cdrom;
	bool isolated; /* backendtype=isolated */
	bool blockdev; /* the target is a block device (set when opened) */
	enum disk_bus bus;
	unsigned slot; /* IDE: bus * 2 + unit; AHCI: port; SCSI: target */
	bool qcow2;    /* format=qcow2: QEMU's qcow2 driver, no backing file */
	int line;
};

/* Parse one spec. On error returns -1 with a message in why (no prefix). */
int disk_spec_parse(const char *spec, struct disk_spec *out, char *why,
		    size_t whylen);
/* Is this a valid vdev name (xvda, hdc, sdb, vdaa ...)? */
bool disk_vdev_valid(const char *vdev);
/* IDE bus and unit of a CD-ROM vdev (hda..hdd). -1 if it has none. */
int disk_ide_slot(const char *vdev, unsigned *bus, unsigned *unit);
/* The index of a vdev's letters after its prefix (hda 0, sdb 1, xvdaa
 * 26), as Linux numbers disks; -1 if it has none. */
int disk_vdev_index(const char *vdev);
/* Fds the device model inherits for this disk: none for a CD-ROM (its
 * medium goes over QMP), one read-only, or read-only plus read-write;
 * for an isolated disk, its end of the vhost-user socket. */
size_t disk_fd_count(const struct disk_spec *d);

#endif
