/* Audit a running device model from outside, through /proc and the
 * cgroup it sits in, against the checklist of the seeds (Xen's
 * dm_restrict, the QEMU security talk's best practices). Works for any
 * QEMU process: bulkhead's, libvirt's or one run by hand. All reads go
 * through proc_root so golden tests can use fixture trees. */
#ifndef BULKHEAD_AUDIT_H
#define BULKHEAD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
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
/* The file system type of mount ID in a /proc/PID/mountinfo TEXT, into
 * TYPE; -1 if no line names ID (or its type does not fit). */
int audit_mount_type(const char *text, unsigned long long id, char *type,
		     size_t len);
/* Every process under proc_root whose comm starts with "qemu-system". */
int audit_find_qemu(const char *proc_root, pid_t *pids, size_t max);

#endif
