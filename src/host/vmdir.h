/* The one owner of a VM's names on the host: its runtime directory
 * /run/bulkhead/vm/NAME (root only) with every file and directory a
 * toolstack process puts there, and its log directory
 * /var/log/bulkhead/NAME. Teardown removes exactly what the table below
 * lists, so a file added here is a file destroy cleans up. */
#ifndef BULKHEAD_VMDIR_H
#define BULKHEAD_VMDIR_H

#include <stdbool.h>
#include <stddef.h>

enum vm_file {
	VMF_RECORD,       /* record.json: the VM's record */
	VMF_RECORD_TMP,   /* record.json.tmp: file_write_atomic's temporary */
	VMF_CONFIG,       /* config: the text create parsed, for a take-over */
	VMF_CONFIG_TMP,   /* config.tmp */
	VMF_CONTROL_SOCK, /* control.sock: CLI <-> monitor */
	VMF_QMP_SOCK,     /* qmp.sock: QEMU listens, the monitor connects */
	VMF_CONSOLE_SOCK, /* console.sock: the same, for the serial port */
	VMF_ATTACH_LOCK,  /* attach.lock: one take-over at a time */
	VMF_ROOT,         /* root/: the device model's empty root (dir) */
	VMF_PROBE_ROOT,   /* probe-root/: bulkhead check's probe (dir) */
	VMF_COUNT,
};

enum vm_log {
	VML_MONITOR, /* monitor.log: the monitors' own output */
	VML_QEMU,    /* qemu.log: QEMU's and the backends' output, capped */
	VML_CONSOLE, /* console.log: the guest's serial console, capped */
	VML_COUNT,
};

/* The leaf name of a runtime file, and whether it is a directory. */
const char *vmdir_leaf(enum vm_file f);
bool vmdir_is_dir(enum vm_file f);
/* /run/bulkhead/vm/NAME. 0 or -ENAMETOOLONG (for all of these). */
int vmdir_path(char *buf, size_t len, const char *name);
/* /run/bulkhead/vm/NAME/LEAF. */
int vmdir_file(char *buf, size_t len, const char *name, enum vm_file f);
/* A backend's empty root beside the device model's: root-DEV. Every
 * root directory's leaf starts with "root" (vmdir_is_backend_root). */
int vmdir_backend_root(char *buf, size_t len, const char *name,
		       const char *dev);
bool vmdir_is_backend_root(const char *leaf);
/* Isolated vif N's vhost-user socket: vu-vifN.sock. bulkhead-net
 * accepts on it; QEMU connects by this path (bound into its root), as
 * QEMU 7.2's vhost-user netdev takes no socket passed as an fd. */
int vmdir_vif_socket(char *buf, size_t len, const char *name, unsigned vif);
/* /var/log/bulkhead/NAME, and a log file in it. */
int vmdir_log_dir(char *buf, size_t len, const char *name);
int vmdir_log(char *buf, size_t len, const char *name, enum vm_log l);

#endif
