/* The support matrix: one table, used by `bulkhead features`, by
 * docs/SUPPORT.md (generated from it) and by `create`, which warns about
 * every feature a config uses that is not security-supported. */
#ifndef BULKHEAD_FEATURES_H
#define BULKHEAD_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

enum feature_status {
	FS_SUPPORTED,
	FS_TECH_PREVIEW,
	FS_EXPERIMENTAL,
	FS_NOT_SECURITY_SUPPORTED,
};

enum feature_id {
	F_ACCEL_KVM,
	F_ACCEL_TCG,
	F_DM_RESTRICT,
	F_LANDLOCK_KERNEL,
	F_DM_UNRESTRICTED,
	F_UID_RANGE,
	F_UID_USER,
	F_UID_SHARED,
	F_DM_OVERRIDE,
	F_DISK_RAW_FD,
	F_DIRECT_KERNEL_BOOT,
	F_FIRMWARE_SEABIOS,
	F_FIRMWARE_OVMF,
	F_DISK_IDE,
	F_DISK_SCSI,
	F_NIC_E1000,
	F_NIC_RTL8139,
	F_USB_TABLET,
	F_NETBOOT,
	F_SERIAL_CONSOLE,
	F_LIFECYCLE_ACTIONS,
	F_CGROUPS,
	F_DISK_THROTTLE,
	F_VIF,
	F_VIF_IP,
	F_VIF_USER,
	F_TENANT_POLICY,
	F_CHECK,
	F_AUDIT,
	F_CDROM,
	F_VNC,
	F_PAUSE,
	F_SHUTDOWN,
	F_SAVE_RESTORE,
	F_QMP_WORKER,
	F_ISOLATED_DISK,
	F_ISOLATED_RNG,
	F_ISOLATED_NET,
	F_BACKEND_STANDALONE,
	F_CREATE_ARGS,
	F_CPUS,
	F_DISK_QCOW2,
	F_EVENTS,
	F_INSTALL,
	F_HOST_GUESTS,
	F_COUNT
};

struct feature {
	enum feature_id id;
	const char *name;
	enum feature_status status;
	const char *reason;
};

const struct feature *features_table(size_t *n);
const struct feature *feature_get(enum feature_id id);
const char *feature_status_name(enum feature_status s);
/* Security-supported means supported: tech previews are not covered. */
bool feature_security_supported(enum feature_id id);

#endif
