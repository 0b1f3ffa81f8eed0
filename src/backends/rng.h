/* The virtio-rng device of bulkhead-rng (virtio 1.1 §5.4): every request
 * is device-writable buffers, filled from getrandom(2). */
#ifndef BULKHEAD_RNG_H
#define BULKHEAD_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "../vhost/virtq.h"

/* At most this much entropy a request: bounded work per request. */
#define RNG_REQ_BYTES_MAX 65536

struct rng_dev {
	uint64_t bytes;
};

int64_t rng_request(void *dev, struct vq_chain *c, char *why, size_t whylen);

#endif
