#include "vmdir.h"

#include <errno.h>
#include <string.h>

#include "../common/paths.h"
#include "../common/util.h"

#define BACKEND_ROOT_PREFIX "root-"

static const struct {
	const char *leaf;
	bool dir;
} files[VMF_COUNT] = {
	[VMF_RECORD] = { "record.json", false },
	[VMF_RECORD_TMP] = { "record.json.tmp", false },
	[VMF_CONFIG] = { "config", false },
	[VMF_CONFIG_TMP] = { "config.tmp", false },
	[VMF_CONTROL_SOCK] = { "control.sock", false },
	[VMF_QMP_SOCK] = { "qmp.sock", false },
	[VMF_CONSOLE_SOCK] = { "console.sock", false },
	[VMF_ATTACH_LOCK] = { "attach.lock", false },
	[VMF_ROOT] = { "root", true },
	[VMF_PROBE_ROOT] = { "probe-root", true },
};

static const char *const logs[VML_COUNT] = {
	[VML_MONITOR] = "monitor.log",
	[VML_QEMU] = "qemu.log",
	[VML_CONSOLE] = "console.log",
};

const char *
vmdir_leaf(enum vm_file f)
{
	return (unsigned)f < VMF_COUNT ? files[f].leaf : NULL;
}

bool
vmdir_is_dir(enum vm_file f)
{
	return (unsigned)f < VMF_COUNT && files[f].dir;
}

int
vmdir_path(char *buf, size_t len, const char *name)
{
	return path_fmt(buf, len, "%s/%s", BH_VM_DIR, name);
}

int
vmdir_file(char *buf, size_t len, const char *name, enum vm_file f)
{
	const char *leaf = vmdir_leaf(f);

	return leaf ? path_fmt(buf, len, "%s/%s/%s", BH_VM_DIR, name, leaf)
		    : -EINVAL;
}

int
vmdir_backend_root(char *buf, size_t len, const char *name, const char *dev)
{
	return path_fmt(buf, len, "%s/%s/" BACKEND_ROOT_PREFIX "%s", BH_VM_DIR,
			name, dev);
}

int
vmdir_vif_socket(char *buf, size_t len, const char *name, unsigned vif)
{
	return path_fmt(buf, len, "%s/%s/vu-vif%u.sock", BH_VM_DIR, name, vif);
}

bool
vmdir_is_backend_root(const char *leaf)
{
	return strncmp(leaf, BACKEND_ROOT_PREFIX,
		       strlen(BACKEND_ROOT_PREFIX)) == 0;
}

int
vmdir_log_dir(char *buf, size_t len, const char *name)
{
	return path_fmt(buf, len, "%s/%s", BH_LOG_DIR, name);
}

int
vmdir_log(char *buf, size_t len, const char *name, enum vm_log l)
{
	return (unsigned)l < VML_COUNT ? path_fmt(buf, len, "%s/%s/%s",
						  BH_LOG_DIR, name, logs[l])
				       : -EINVAL;
}
