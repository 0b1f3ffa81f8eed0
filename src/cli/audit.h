/* Audit a running device model from outside, through /proc and the
 * cgroup it sits in, against the checklist of the seeds (Xen's
 * dm_restrict, the QEMU security talk's best practices). Works for any
 * QEMU process: bulkhead's, libvirt's or one run by hand. All reads go
 * through proc_root so golden tests can use fixture trees. */
#ifndef BULKHEAD_AUDIT_H
#define BULKHEAD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define AUDIT_ITEMS_MAX 32

struct audit_item {
	const char *id;
	bool pass;
	char seen[160];
	const char *recommend; /* one line, for a failed item */
};

struct audit_report {
	pid_t pid;
	char exe[64]; /* comm */
	unsigned uid;
	struct audit_item items[AUDIT_ITEMS_MAX];
	size_t n;
	size_t passed;
};

/* host_pid: the process whose namespaces and root count as "the host's"
 * (the auditor itself, normally). -1 with why if PID cannot be read. */
int audit_pid(const char *proc_root, pid_t pid, pid_t host_pid,
	      struct audit_report *r, char *why, size_t whylen);
/* What the inode cache says of PATH (type, inode, size, mount), which may
 * pass through a hostile process's magic links (/proc/PID/root, exe,
 * fd/N), without asking its file system, which may never answer. */
int audit_peek(const char *path, int flags, struct statx *st);
/* The file system type of mount ID in a /proc/PID/mountinfo TEXT, into
 * TYPE; -1 if no line names ID (or its type does not fit). */
int audit_mount_type(const char *text, unsigned long long id, char *type,
		     size_t len);
/* The path of the memory controller's group (v1), or of the unified
 * group (v2), from a /proc/PID/cgroup text; "" if neither. */
void audit_cgroup_path(const char *text, char *out, size_t len);

/* A process audit --all takes for a device model, and why: "record" (a
 * bulkhead VM's recorded device model: pid and start time), "cgroup" (in
 * a VM's group, bulkhead/NAME), "exe" (runs a QEMU binary installed on
 * the host: same device and inode), "exe-name" (its executable's file
 * is named like QEMU), "name" (it calls itself so: the one hint the
 * process sets itself). The first that holds, in that order. */
struct audit_target {
	pid_t pid;
	const char *found_by;
};

/* Every device model under proc_root, in pid order, into *t (malloc'd,
 * the caller frees it); their count, or -1 if proc_root cannot be listed
 * (or memory runs out). Records and installed binaries are the live
 * host's: they count only when proc_root is /proc. */
int audit_find(const char *proc_root, struct audit_target **t);

#endif
