/* vhost-user messages (QEMU docs/interop/vhost-user.rst), read from a
 * front end we do not trust. vu_msg_recv() moves one message's bytes and
 * fds off the socket; vu_msg_parse() turns them into a typed request,
 * checking the header flags, the exact payload size for the request, the
 * number of fds it may carry and the meaning of every field it can check
 * without device state (region counts, overlaps, wrap, config bounds).
 * Anything else is a protocol violation: the caller disconnects. */
#ifndef BULKHEAD_VU_MSG_H
#define BULKHEAD_VU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

/* Header flags. */
#define VU_VERSION 0x1u
#define VU_VERSION_MASK 0x3u
#define VU_FLAG_REPLY 0x4u
#define VU_FLAG_NEED_REPLY 0x8u

/* Feature bits we use. */
#define VU_F_PROTOCOL_FEATURES 30 /* virtio feature bit */
#define VU_PF_MQ 0
#define VU_PF_REPLY_ACK 3
#define VU_PF_CONFIG 9

#define VU_HDR_BYTES 12
#define VU_CONFIG_MAX 256 /* VHOST_USER_MAX_CONFIG_SIZE */
#define VU_CONFIG_HDR 12  /* offset, size, flags */
#define VU_MEM_HDR 8      /* nregions, padding */
#define VU_MEM_REGION_BYTES 32
#define VU_PAYLOAD_MAX (VU_CONFIG_HDR + VU_CONFIG_MAX)
#define VU_FDS_MAX GM_REGIONS_MAX
#define VU_VRING_INDEX_MASK 0xffu
#define VU_VRING_NOFD 0x100u
#define VU_VRING_ADDR_F_LOG 0x1u

/* A message as it came off the socket. */
struct vu_raw {
	uint32_t request, flags, size;
	uint8_t payload[VU_PAYLOAD_MAX];
	int fds[VU_FDS_MAX];
	unsigned nfds;
};

/* A message after parsing. The fds are moved from the raw message. */
struct vu_req {
	uint32_t type;
	bool need_reply;
	union {
		uint64_t u64;
		struct {
			uint32_t index, num;
		} state;
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} addr;
		struct {
			unsigned n;
			struct gm_region_desc r[GM_REGIONS_MAX];
		} mem;
		struct {
			uint32_t index;
			bool nofd;
		} file;
		struct {
			uint32_t offset, size, flags;
			uint8_t data[VU_CONFIG_MAX];
		} config;
	} u;
	int fds[VU_FDS_MAX];
	unsigned nfds;
};

/* Read one message: 1 read, 0 orderly EOF before a header, -1 error
 * (why says which; a truncated message or fd list is an error). All fds
 * received are in raw->fds, never more than VU_FDS_MAX (the rest are
 * closed and reported). */
int vu_msg_recv(int sock, struct vu_raw *raw, char *why, size_t whylen);

/* Parse a raw message into req. On success the fds belong to req; on
 * failure they are all closed. 0, or -1 with why. */
int vu_msg_parse(struct vu_raw *raw, struct vu_req *req, char *why,
		 size_t whylen);

/* Close every fd a request still holds. */
void vu_req_close_fds(struct vu_req *req);

/* Send a reply (flags: version | REPLY) to request with payload. */
int vu_msg_reply(int sock, uint32_t request, const void *payload,
		 uint32_t size);

const char *vu_request_name(uint32_t request);

#endif
