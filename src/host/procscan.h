/* Reading /proc: processes by uid and gid, start times (pid-reuse detection). */
#ifndef BULKHEAD_PROCSCAN_H
#define BULKHEAD_PROCSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Ids a scan does not look for. */
#define PROCSCAN_NO_UID ((uid_t)-1)
#define PROCSCAN_NO_GID ((gid_t)-1)

/* Number of processes (thread groups) of which some live thread holds
 * uid (real, effective, saved or filesystem) or gid (the same four, or
 * a supplementary group); PROCSCAN_NO_UID / PROCSCAN_NO_GID leave one
 * out. Credentials belong to each thread, not to the process: every
 * thread is read (/proc/PID/task/TID/status), those of a group whose
 * leader has exited (a zombie) included; only zombie and dead threads
 * are not counted. A process whose threads cannot be read counts (fail
 * closed). -errno if /proc cannot be listed. */
int procscan_count_ids(uid_t uid, gid_t gid);
/* SIGKILL, as the caller (root), each such thread group, each through
 * a pidfd of its tgid opened before its threads are read (a reused pid
 * is never hit): a group signal, so every thread dies, the one holding
 * the ids included. Reaches what the reaper's kill(-1), checked against
 * leaders' credentials only, cannot. Returns how many were signalled,
 * or -errno. */
int procscan_kill_ids(uid_t uid, gid_t gid);
/* Start time (clock ticks since boot, /proc/PID/stat field 22); 0 if the
 * process does not exist. */
uint64_t procscan_starttime(pid_t pid);
/* pid is still the process that started at start, and not a zombie (a
 * killed process stays one until its parent, maybe a host init, reaps). */
bool procscan_running(pid_t pid, uint64_t start);
/* A pidfd for pid only if it is still the process that started at
 * start (a recorded pid may have been reused); -1 otherwise. */
int procscan_pidfd_open(pid_t pid, uint64_t start);

#endif
