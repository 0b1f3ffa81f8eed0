/* The save/restore copier: moves the migration stream between QEMU's pipe
 * and the save file, and never parses it. It runs as the VM's uid with
 * no privilege and holds only fd 0 (what it reads) and fd 1 (what it
 * writes). Exit status: 0 done (a file written is fdatasync'ed), 122 a
 * read failed, 123 a write failed, 124 fdatasync failed. */
#ifndef BULKHEAD_COPIER_H
#define BULKHEAD_COPIER_H

#include <stdnoreturn.h>

noreturn void copier_run(void);

#endif
