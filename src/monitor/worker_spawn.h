/* Starting the QMP worker (qmpworker/), the only process that reads what
 * the device model sends on QMP. The monitor forks it with the QMP connection and one end
 * of a channel; it drops to an unprivileged uid with no capabilities,
 * no_new_privs, no network, a Landlock ruleset that lets it open no file,
 * the outer seccomp filter and small rlimits, then serves the monitor's
 * typed requests (worker_msg.h). What it can do if a device model takes
 * it over: answer the monitor wrongly, which the monitor checks, and
 * damage the QMP session of the one VM it serves. */
#ifndef BULKHEAD_WORKER_SPAWN_H
#define BULKHEAD_WORKER_SPAWN_H

#include <sys/types.h>

/* Fork the worker for qmp_fd, running as uid/gid, with log_fd as its
 * stderr. The worker has its own copies: the caller closes its qmp_fd.
 * pid, with the monitor's end of the channel in *chan; or -1. */
pid_t worker_start(int qmp_fd, int log_fd, uid_t uid, gid_t gid, int *chan);

#endif
