/* Starting the QMP worker (qmpworker/), the only process that reads what
 * the device model sends on QMP. The monitor spawns it through the jail
 * at level JAIL_WORKER (its row in src/jail/levels.c) with the QMP
 * connection and one end of a channel: an unprivileged uid with no
 * capabilities, no_new_privs, no network, a mount namespace whose root
 * is an empty read-only tmpfs, a Landlock ruleset that lets it open no
 * file, the outer seccomp filter and small rlimits; then it
 * serves the monitor's typed requests (worker_msg.h). What it can do if
 * a device model takes it over: answer the monitor wrongly, which the
 * monitor checks, and damage the QMP session of the one VM it serves. */
#ifndef BULKHEAD_WORKER_SPAWN_H
#define BULKHEAD_WORKER_SPAWN_H

#include <sys/types.h>

/* Spawn the worker for qmp_fd, running as uid/gid, its empty root
 * mounted (in its own mount namespace) on root_dir, an empty root-owned
 * directory. The worker has its own copies: the caller closes its
 * qmp_fd. pid, with the monitor's end of the channel in *chan and the
 * read end of its stderr pipe (non-blocking) in *log_fd, once the
 * worker is confined; or -1 (why is logged). */
pid_t worker_start(const char *vm, int qmp_fd, const char *root_dir, uid_t uid,
		   gid_t gid, int *chan, int *log_fd);

#endif
