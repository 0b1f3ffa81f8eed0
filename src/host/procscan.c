#include "procscan.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"

static int
status_has_uid(const char *pid, uid_t uid)
{
	char path[64], *text, *line;
	unsigned r, e, s, f;

	if (path_fmt(path, sizeof(path), "/proc/%s/status", pid) < 0)
		return 0;
	if (file_read_all(path, 16384, &text, NULL) < 0)
		return 0; /* gone meanwhile */
	/* A zombie holds no resources and runs no code; it only waits for
	 * whoever reaps it (possibly a host init we do not control). */
	const char *state = strstr(text, "\nState:\t");
	if (state && (state[8] == 'Z' || state[8] == 'X')) {
		free(text);
		return 0;
	}
	line = strstr(text, "\nUid:");
	int hit = line &&
		  sscanf(line, "\nUid: %u %u %u %u", &r, &e, &s, &f) == 4 &&
		  (r == uid || e == uid || s == uid || f == uid);
	free(text);
	return hit;
}

/* SIGKILL pid as root if it holds uid, through a pidfd opened before
 * the check: if the pid was reused meanwhile, the pidfd's process is
 * dead and the signal goes nowhere. 1 if signalled. */
static int
kill_if_uid(const char *pid, uid_t uid)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)atoi(pid), 0);
	int hit = 0;

	if (fd < 0)
		return 0;
	if (status_has_uid(pid, uid))
		hit = syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0;
	close(fd);
	return hit;
}

int
procscan_kill_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    !status_has_uid(de->d_name, uid))
			continue;
		n += kill_if_uid(de->d_name, uid);
	}
	closedir(d);
	return n;
}

int
procscan_count_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		n += status_has_uid(de->d_name, uid);
	}
	closedir(d);
	return n;
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
