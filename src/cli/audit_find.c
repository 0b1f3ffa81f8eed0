/* audit --all: which processes are device models. A device model may be
 * hostile and hide: it sets its own name (PR_SET_NAME, /proc/self/comm)
 * and command line. So a process is taken first by what it cannot change:
 * a bulkhead VM's record (pid and start time, written by root), its
 * membership of a VM's cgroup (moving out needs root), the identity of
 * the file it executes (device and inode of an installed QEMU); then by
 * its executable's file name, and last by the name it gives itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../host/cgroup.h"
#include "../host/procscan.h"
#include "../host/record.h"
#include "audit.h"

#define BINARIES_MAX 64

struct file_id {
	unsigned major, minor;
	unsigned long long ino;
};

struct vm_pid {
	pid_t pid;
	uint64_t start;
};

struct known {
	bool live;
	struct vm_pid *vm; /* one per VM: as many as the host runs */
	size_t nvm;
	struct file_id bin[BINARIES_MAX];
	size_t nbin;
};

/* A QEMU system emulator's file name, as installed or built. */
static bool
qemu_name(const char *name)
{
	return !strncmp(name, "qemu-system", 11) ||
	       !strncmp(name, "qemu-custom", 11) ||
	       !strncmp(name, "qemu-kvm", 8);
}

static int
add_record(const char *name, void *arg)
{
	struct known *k = arg;
	struct vm_record r;

	/* Written by root, read strictly; a malformed one names no one. */
	if (record_read(name, &r) < 0 || r.dm_pid <= 0 || !r.dm_start)
		return 0;
	struct vm_pid *v = realloc(k->vm, (k->nvm + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	k->vm = v;
	k->vm[k->nvm++] = (struct vm_pid){ r.dm_pid, r.dm_start };
	return 0;
}

/* The QEMU binaries installed where distributions put them (a link, such
 * as /usr/bin/qemu-kvm, counts as the file it names). Root's folders: a
 * plain statx is safe. */
static void
add_binaries(struct known *k)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/libexec",
					    "/usr/local/bin",
					    "/usr/local/libexec" };
	char p[512];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		for (struct dirent *e; d && (e = readdir(d));) {
			struct statx st;
			if (k->nbin == BINARIES_MAX || !qemu_name(e->d_name) ||
			    path_fmt(p, sizeof(p), "%s/%s", dirs[i],
				     e->d_name) < 0 ||
			    statx(AT_FDCWD, p, 0, STATX_TYPE | STATX_INO, &st) <
				    0 ||
			    !S_ISREG(st.stx_mode))
				continue;
			k->bin[k->nbin++] = (struct file_id){ st.stx_dev_major,
							      st.stx_dev_minor,
							      st.stx_ino };
		}
		if (d)
			closedir(d);
	}
}

static bool
by_record(const struct known *k, pid_t pid)
{
	for (size_t i = 0; i < k->nvm; i++)
		if (k->vm[i].pid == pid &&
		    procscan_starttime(pid) == k->vm[i].start)
			return true;
	return false;
}

/* In a VM's own group, bulkhead/NAME: not a backend's (NAME+DEV), not a
 * probe's (.probe-NAME). The kernel writes the path; only root makes
 * groups there or moves a process out. */
static bool
by_cgroup(const char *proc_root, const char *pid)
{
	static const char prefix[] = "/" CG_PARENT "/";
	char p[512], path[256], *text = NULL;

	if (path_fmt(p, sizeof(p), "%s/%s/cgroup", proc_root, pid) < 0 ||
	    file_read_all(p, 1 << 16, &text, NULL) < 0)
		return false;
	audit_cgroup_path(text, path, sizeof(path));
	free(text);
	const char *vm = path + sizeof(prefix) - 1;
	return !strncmp(path, prefix, sizeof(prefix) - 1) && vm[0] &&
	       vm[0] != '.' && !strpbrk(vm, "/+");
}

/* Why pid's executable makes it a device model, or NULL. Its link is
 * read, and its file looked at in the inode cache only: the executable
 * may sit on a file system whose daemon never answers. */
static const char *
by_exe(const struct known *k, const char *proc_root, const char *pid)
{
	char p[512], target[512];
	struct statx st;

	if (path_fmt(p, sizeof(p), "%s/%s/exe", proc_root, pid) < 0)
		return NULL;
	if (k->live && audit_peek(p, 0, &st) == 0)
		for (size_t i = 0; i < k->nbin; i++)
			if (st.stx_dev_major == k->bin[i].major &&
			    st.stx_dev_minor == k->bin[i].minor &&
			    st.stx_ino == k->bin[i].ino)
				return "exe";
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	return qemu_name(base ? base + 1 : target) ? "exe-name" : NULL;
}

static bool
by_name(const char *proc_root, const char *pid)
{
	char p[512], *comm = NULL;

	if (path_fmt(p, sizeof(p), "%s/%s/comm", proc_root, pid) < 0 ||
	    file_read_all(p, 256, &comm, NULL) < 0)
		return false;
	bool hit = qemu_name(comm);
	free(comm);
	return hit;
}

static const char *
found_by(const struct known *k, const char *proc_root, const char *pid)
{
	const char *why;

	if (k->live && by_record(k, (pid_t)atoi(pid)))
		return "record";
	if (by_cgroup(proc_root, pid))
		return "cgroup";
	if ((why = by_exe(k, proc_root, pid)))
		return why;
	return by_name(proc_root, pid) ? "name" : NULL;
}

/* Appends pid to *t, growing it; -1 if out of memory. */
static int
add_target(struct audit_target **t, size_t *n, pid_t pid, const char *why)
{
	struct audit_target *g = realloc(*t, (*n + 1) * sizeof(**t));

	if (!g)
		return -1;
	*t = g;
	g[(*n)++] = (struct audit_target){ pid, why };
	return 0;
}

int
audit_find(const char *proc_root, struct audit_target **t)
{
	struct known k = { .live = !strcmp(proc_root, "/proc") };
	struct dirent **list;
	size_t n = 0;
	int rc = 0;

	*t = NULL;
	if (k.live) {
		/* Without every record, a VM is found by cgroup or exe. */
		(void)record_foreach(add_record, &k);
		add_binaries(&k);
	}
	int np = scandir(proc_root, &list, NULL, versionsort);
	if (np < 0) {
		free(k.vm);
		return -1;
	}
	/* No cap: any user can start look-alikes (a QEMU of their own, a
	 * process named so), and a cap would let them push the host's
	 * device models off the list. */
	for (int i = 0; i < np; i++) {
		const char *pid = list[i]->d_name;
		const char *why;
		if (rc == 0 && pid[0] >= '1' && pid[0] <= '9' &&
		    strspn(pid, "0123456789") == strlen(pid) &&
		    !(k.live && atoi(pid) == (int)getpid()) &&
		    (why = found_by(&k, proc_root, pid)))
			rc = add_target(t, &n, (pid_t)atoi(pid), why);
		free(list[i]);
	}
	free(list);
	free(k.vm);
	if (rc < 0) {
		free(*t);
		*t = NULL;
		return -1;
	}
	return (int)n;
}
