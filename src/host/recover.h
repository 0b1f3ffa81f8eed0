/* Finding a VM whose record is lost (its runtime dir removed, a crashed
 * or reinstalled toolstack): by the id file that names it, its cgroup,
 * and the uid its VM id maps to, so that destroy can still kill it. */
#ifndef BULKHEAD_RECOVER_H
#define BULKHEAD_RECOVER_H

#include "record.h"

/* Fill r (name, vmid, uid for kill-by-uid when provably the VM's) from
 * what the host still shows. 0 if anything of NAME exists, -ENOENT. */
int recover_find(const char *name, struct vm_record *r);

#endif
