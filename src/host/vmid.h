/* VM id allocation: one file per id in use under a directory, created
 * with O_EXCL while the caller holds the global lock. An id's file is
 * removed only once teardown has proven the VM's processes gone, so an id
 * (and the uid derived from it) is never reused while its holder lives. */
#ifndef BULKHEAD_VMID_H
#define BULKHEAD_VMID_H

/* Take an exclusive flock on path (created 0600). Returns the fd. */
int lock_take(const char *path);
void lock_release(int fd);
/* Lowest free id in dir, claimed for name. Returns id or -errno. */
int vmid_alloc(const char *dir, const char *name);
/* Lowest free id without claiming it (for dry runs). */
int vmid_peek(const char *dir);
int vmid_release(const char *dir, unsigned id);

#endif
