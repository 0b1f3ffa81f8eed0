/* The QMP worker: the only process that reads what the device model
 * sends on QMP (monitor/worker_spawn.c starts and confines it). It serves
 * the monitor's typed requests (ipc/worker_msg.h) on fd WORKER_CHAN_FD
 * over the QMP connection on fd WORKER_QMP_FD, and logs to fd 2. */
#ifndef BULKHEAD_WORKER_H
#define BULKHEAD_WORKER_H

#include <stdnoreturn.h>

#define WORKER_QMP_FD 3
#define WORKER_CHAN_FD 4

noreturn void worker_run(void);

#endif
