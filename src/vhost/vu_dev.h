/* The back-end half of a vhost-user connection: the protocol state
 * machine (features, memory table, queue set-up, start and stop) and the
 * loop that waits on the socket and the queues' kick eventfds. A device
 * (blk, rng) supplies its features, config space and a function that
 * handles one request chain. Every message from the front end is checked
 * against the state it arrives in; a violation ends the connection. */
#ifndef BULKHEAD_VU_DEV_H
#define BULKHEAD_VU_DEV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"
#include "virtq.h"
#include "vu_msg.h"

#define VU_QUEUES_MAX 16

/* What a device does with one chain. Returns the number of bytes it
 * wrote into the chain's device-writable part (>= 0), or -1 when the
 * chain itself is malformed for this device (the queue is then broken,
 * with why). */
typedef int64_t (*vu_request_fn)(void *dev, struct vq_chain *c, char *why,
				 size_t whylen);
/* What a request function returns when it cannot serve the chain yet
 * (bulkhead-net: the tap is full, or has no frame to receive): the chain
 * goes back on the ring untouched and the queue is not served again
 * until the device's own fd or a kick says so. */
#define VU_REQ_AGAIN (-2)

struct vu_conn;

struct vu_device {
	const char *name;
	uint64_t features; /* device feature bits; the core adds its own */
	uint64_t protocol_features; /* beyond REPLY_ACK, which is always on */
	unsigned queues;            /* 1..VU_QUEUES_MAX */
	const uint8_t *config;      /* device config space, config_len bytes */
	size_t config_len;
	vu_request_fn request;
	void *dev;
	/* Optional. set_features: the features the driver acknowledged
	 * (SET_FEATURES), before any queue of them starts. wait: a host fd
	 * of the device's own that the loop also waits on (bulkhead-net's
	 * tap), with *events, or -1 for none this turn; ready: after it
	 * fired with revents, the queues to serve (bit i: queue i). */
	void (*set_features)(void *dev, uint64_t features);
	int (*wait)(void *dev, const struct vu_conn *c, short *events);
	unsigned (*ready)(void *dev, short revents);
};

struct vu_queue {
	struct virtq vq;
	uint16_t num;
	uint16_t base;
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	int kick_fd, call_fd, err_fd;
	bool started;  /* has a kick fd, not stopped by GET_VRING_BASE */
	bool enabled;  /* SET_VRING_ENABLE (or implied, see vu_dev.c) */
	bool attached; /* vq holds pointers into the current table */
	bool reported; /* its breakage has been logged */
	uint64_t served;
};

struct vu_conn {
	int sock;
	/* Stopping from a signal (a backend's SIGTERM), or NULL: the handler
	 * sets *stop; the loop waits with wait_mask in place, so a signal
	 * blocked everywhere else is taken during the wait, never missed. */
	volatile sig_atomic_t *stop;
	const sigset_t *wait_mask;
	const struct vu_device *d;
	uint64_t features; /* acknowledged by SET_FEATURES */
	bool features_set;
	uint64_t protocol; /* acknowledged by SET_PROTOCOL_FEATURES */
	bool owner;
	struct guestmem mem;
	struct vu_queue q[VU_QUEUES_MAX];
	uint64_t violations; /* queue breakages seen */
	bool mem_fault;      /* guest memory vanished under us: hang up */
	char fault_why[128];
	struct vq_chain chain; /* the chain being served (16 KiB) */
};

/* Queue qi is started, enabled, attached to guest memory and not
 * broken: serving it could take a chain. */
bool vu_queue_ready(const struct vu_conn *c, unsigned qi);

/* The features offered: the device's and the core's. */
uint64_t vu_offered_features(const struct vu_device *d);
uint64_t vu_offered_protocol(const struct vu_device *d);

/* A connection on sock that no signal stops (stop and wait_mask NULL);
 * the caller may set them. */
void vu_conn_init(struct vu_conn *c, int sock, const struct vu_device *d);
/* Drop all state: queues stopped, fds closed, memory unmapped. The
 * socket is left open. */
void vu_conn_reset(struct vu_conn *c);

/* Apply one parsed request (its fds become the connection's or are
 * closed) and send any reply. 0, or -1 with why: a violation, end the
 * connection. */
int vu_conn_handle(struct vu_conn *c, struct vu_req *r, char *why,
		   size_t whylen);

/* Take and serve up to budget chains from queue qi. Returns the number
 * served; *more is set if chains were left for the next round. If guest
 * memory vanished under it (a SIGBUS caught by guestmem's guard, when
 * installed), c->mem_fault is set, with c->fault_why. */
unsigned vu_queue_serve(struct vu_conn *c, unsigned qi, unsigned budget,
			bool *more);

/* Serve the connection until the front end disconnects (0), *stop is set
 * (1) or the front end breaks the protocol (-1 with why). The socket is
 * not closed. */
int vu_conn_run(struct vu_conn *c, char *why, size_t whylen);

#endif
