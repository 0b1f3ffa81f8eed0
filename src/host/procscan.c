#include "procscan.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"

/* A status is small, but its Groups line may list NGROUPS_MAX (65536)
 * ids of up to 10 digits: read it whole, or a process could hide behind
 * a long list of groups. */
#define STATUS_MAX (1u << 20)

/* Whether the line of text that starts with key lists id. */
static bool
line_lists(const char *text, const char *key, unsigned long id)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p)
		return false;
	for (p += strlen(key);; p = end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		if (strtoul(p, &end, 10) == id)
			return true;
	}
}

/* 1 if the thread whose status is at path runs and holds uid or gid, 0
 * if not (or it is gone), -errno if it cannot be read. */
static int
task_holds(const char *path, uid_t uid, gid_t gid)
{
	char *text;
	int rc = file_read_all(path, STATUS_MAX, &text, NULL);

	if (rc == -ENOENT || rc == -ESRCH)
		return 0; /* exited meanwhile */
	if (rc < 0)
		return rc;
	const char *state = strstr(text, "\nState:\t");
	if (!state || !strstr(text, "\nUid:") || !strstr(text, "\nGid:"))
		rc = -EIO;
	/* A zombie or dead thread holds no resources and runs no code. A
	 * zombie leader's live threads are read on their own. */
	else if (state[8] == 'Z' || state[8] == 'X')
		rc = 0;
	else
		rc = (uid != PROCSCAN_NO_UID &&
		      line_lists(text, "\nUid:", uid)) ||
		     (gid != PROCSCAN_NO_GID &&
		      (line_lists(text, "\nGid:", gid) ||
		       line_lists(text, "\nGroups:", gid)));
	free(text);
	return rc;
}

/* 1 if some thread of process tgid holds uid or gid, else -errno if a
 * thread could not be read, else 0. */
static int
group_holds(const char *tgid, uid_t uid, gid_t gid)
{
	char path[96];
	struct dirent *de;
	int hit = 0;

	if (path_fmt(path, sizeof(path), "/proc/%s/task", tgid) < 0)
		return -ENAMETOOLONG;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	while (hit <= 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		int rc = path_fmt(path, sizeof(path), "/proc/%s/task/%s/status",
				  tgid, de->d_name);
		if (rc == 0)
			rc = task_holds(path, uid, gid);
		if (rc != 0)
			hit = rc;
	}
	closedir(d);
	return hit;
}

/* SIGKILL thread group tgid as root if it holds uid or gid, through a
 * pidfd opened before the check: if the pid was reused meanwhile, the
 * pidfd's process is dead and the signal goes nowhere (the next scan
 * sees the new one). A group signal: every thread dies. 1 if signalled. */
static int
kill_if_holds(const char *tgid, uid_t uid, gid_t gid)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)atoi(tgid), 0);
	int hit = 0;

	if (fd < 0)
		return 0;
	if (group_holds(tgid, uid, gid) > 0)
		hit = syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0;
	close(fd);
	return hit;
}

/* Every thread group holding uid or gid: counted (an unreadable one
 * too: fail closed), or killed. */
static int
scan(uid_t uid, gid_t gid, bool kill)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		int held = group_holds(de->d_name, uid, gid);
		if (kill)
			n += held > 0 ? kill_if_holds(de->d_name, uid, gid) : 0;
		else
			n += held != 0;
	}
	closedir(d);
	return n;
}

int
procscan_kill_ids(uid_t uid, gid_t gid)
{
	return scan(uid, gid, true);
}

int
procscan_count_ids(uid_t uid, gid_t gid)
{
	return scan(uid, gid, false);
}

/* State letter (field 3) and start time (field 22) of pid; 0 if none. */
static uint64_t
read_stat(pid_t pid, char *state)
{
	char path[64], *text;
	unsigned long long st = 0;

	*state = '?';
	if (pid <= 0 || path_fmt(path, sizeof(path), "/proc/%d/stat", pid) < 0)
		return 0;
	if (file_read_all(path, 4096, &text, NULL) < 0)
		return 0;
	/* comm may contain spaces and ')': fields restart after the last ')'. */
	char *p = strrchr(text, ')');
	if (p && p[1] == ' ' && p[2]) {
		*state = p[2];
		int field = 2;
		for (p++; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		if (field == 22)
			st = strtoull(p, NULL, 10);
	}
	free(text);
	return st;
}

uint64_t
procscan_starttime(pid_t pid)
{
	char state;

	return read_stat(pid, &state);
}

bool
procscan_running(pid_t pid, uint64_t start)
{
	char state;

	return start != 0 && read_stat(pid, &state) == start && state != 'Z' &&
	       state != 'X';
}

int
procscan_pidfd_open(pid_t pid, uint64_t start)
{
	if (pid <= 0 || start == 0 || procscan_starttime(pid) != start)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* The pidfd pins the process: re-check it is still the same one. */
	if (fd >= 0 && procscan_starttime(pid) != start) {
		close(fd);
		return -1;
	}
	return fd;
}
