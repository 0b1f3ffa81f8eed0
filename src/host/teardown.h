/* Destroying a VM: kill its device model, prove every process of its uid
 * is gone, then free its runtime directory and VM id. Used by the monitor
 * and, when no monitor answers, by the CLI itself. */
#ifndef BULKHEAD_TEARDOWN_H
#define BULKHEAD_TEARDOWN_H

#include <stddef.h>

#include "record.h"

/* Kill only. dm_pidfd may be -1 (then the recorded pid is used only if
 * its start time still matches). Returns 0 when no process of the VM is
 * left, -1 with why set when some survive: then nothing is removed. */
int teardown_kill(const struct vm_record *r, int dm_pidfd, char *why,
		  size_t whylen);
/* Remove the VM's runtime directory and release its id. */
int teardown_cleanup(const struct vm_record *r);
/* Both, in order. */
int teardown_vm(const struct vm_record *r, int dm_pidfd, char *why,
		size_t whylen);

#endif
