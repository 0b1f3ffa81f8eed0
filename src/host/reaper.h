/* Kill every process of a uid the way libxl does: from a child with
 * real uid = reaper, effective uid = target, saved uid = 0, send
 * kill(-1, SIGKILL). The target cannot signal back (its uids match
 * neither the reaper's real nor saved uid), a fork loop cannot outrun it,
 * and no stored pid (which may have been reused) is trusted. An exclusive
 * lock keeps two reapers, which share the reaper uid, from killing each
 * other. */
#ifndef BULKHEAD_REAPER_H
#define BULKHEAD_REAPER_H

#include <sys/types.h>

/* 0 when the signal was sent or nothing was left to signal; -errno. */
int reaper_kill_uid(const char *lock_path, uid_t reaper, uid_t target);

#endif
