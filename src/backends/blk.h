/* The virtio-blk device of bulkhead-blk (virtio 1.1 §5.2): request
 * decoding and the disk I/O behind it. The disk is an fd the process was
 * given; it never opens anything. A write is acknowledged only once
 * pwritev has put it in the file (so it survives the backend being
 * killed); FLUSH is fdatasync. */
#ifndef BULKHEAD_BLK_H
#define BULKHEAD_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../vhost/virtq.h"

#define BLK_ID_BYTES 20     /* VIRTIO_BLK_ID_BYTES */
#define BLK_CONFIG_BYTES 60 /* struct virtio_blk_config */
#define BLK_SEG_MAX 126     /* queue size 128 - header - status */
#define BLK_RANGES_MAX 32   /* discard / write-zeroes ranges a request */
#define BLK_RANGE_SECTORS_MAX (1u << 22) /* 2 GiB a range */
/* One request moves at most this much: bounded work per request. */
#define BLK_REQ_BYTES_MAX (1ull << 30)

struct blk_disk {
	int fd;
	bool read_only;
	uint64_t sectors; /* 512-byte sectors */
	unsigned queues;
	char id[BLK_ID_BYTES];
	uint8_t config[BLK_CONFIG_BYTES];
	struct iovec iov[VQ_SEGS_MAX];
	uint64_t reads, writes, flushes, errors;
};

/* Size the disk behind fd (a regular file or a block device) and build
 * the config space. 0, or -1 with why. */
int blk_disk_init(struct blk_disk *b, int fd, bool read_only,
		  const char *serial, unsigned queues, char *why,
		  size_t whylen);
uint64_t blk_features(const struct blk_disk *b);

/* Serve one request chain (vu_request_fn). */
int64_t blk_request(void *dev, struct vq_chain *c, char *why, size_t whylen);

#endif
