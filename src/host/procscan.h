/* Reading /proc: processes by uid, start times (pid-reuse detection). */
#ifndef BULKHEAD_PROCSCAN_H
#define BULKHEAD_PROCSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Number of live (non-zombie) processes whose real, effective, saved or
 * filesystem uid is uid; -errno. */
int procscan_count_uid(uid_t uid);
/* SIGKILL, as the caller (root), each such process, each through a
 * pidfd opened before its uids are read (a reused pid is never hit).
 * For what the reaper cannot signal: a process whose effective uid is
 * the target but whose real and saved uids are another's. Returns how
 * many were signalled, or -errno. */
int procscan_kill_uid(uid_t uid);
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
