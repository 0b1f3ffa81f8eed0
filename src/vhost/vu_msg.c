#include "vu_msg.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void
close_all(int *fds, unsigned *n)
{
	for (unsigned i = 0; i < *n && i < VU_FDS_MAX; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	*n = 0;
}

const char *
vu_request_name(uint32_t request)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_RESET_OWNER] = "RESET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_LOG_BASE] = "SET_LOG_BASE",
		[VU_SET_LOG_FD] = "SET_LOG_FD",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_SET_VRING_ERR] = "SET_VRING_ERR",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VU_GET_CONFIG] = "GET_CONFIG",
		[VU_SET_CONFIG] = "SET_CONFIG",
	};

	if (request < sizeof(names) / sizeof(names[0]) && names[request])
		return names[request];
	return "unknown request";
}

int
vu_msg_recv(int sock, struct vu_raw *raw, char *why, size_t whylen)
{
	uint8_t hdr[VU_HDR_BYTES];
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	bool extra = false;
	ssize_t n;

	raw->nfds = 0;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0) {
		snprintf(why, whylen, "recvmsg: %s", strerror(errno));
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (raw->nfds < VU_FDS_MAX)
				raw->fds[raw->nfds++] = fd;
			else {
				close(fd);
				extra = true;
			}
		}
	}
	if (extra || (mh.msg_flags & MSG_CTRUNC)) {
		close_all(raw->fds, &raw->nfds);
		snprintf(why, whylen, "more than %d fds on one message",
			 VU_FDS_MAX);
		return -1;
	}
	if ((size_t)n != sizeof(hdr)) {
		close_all(raw->fds, &raw->nfds);
		snprintf(why, whylen, "truncated header");
		return -1;
	}
	raw->request = get32(hdr);
	raw->flags = get32(hdr + 4);
	raw->size = get32(hdr + 8);
	if (raw->size > VU_PAYLOAD_MAX) {
		close_all(raw->fds, &raw->nfds);
		snprintf(why, whylen, "%s: payload of %u bytes (max %d)",
			 vu_request_name(raw->request), raw->size,
			 VU_PAYLOAD_MAX);
		return -1;
	}
	if (raw->size == 0)
		return 1;
	do {
		n = recv(sock, raw->payload, raw->size, MSG_WAITALL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)raw->size) {
		close_all(raw->fds, &raw->nfds);
		snprintf(why, whylen, "%s: truncated payload",
			 vu_request_name(raw->request));
		return -1;
	}
	return 1;
}

/* The payload must be exactly size bytes with exactly nfds fds. */
static int
expect(const struct vu_raw *raw, uint32_t size, unsigned nfds, char *why,
       size_t whylen)
{
	if (raw->size != size) {
		snprintf(why, whylen, "%s: payload of %u bytes, expected %u",
			 vu_request_name(raw->request), raw->size, size);
		return -1;
	}
	if (raw->nfds != nfds) {
		snprintf(why, whylen, "%s: %u fds, expected %u",
			 vu_request_name(raw->request), raw->nfds, nfds);
		return -1;
	}
	return 0;
}

static int
parse_mem(const struct vu_raw *raw, struct vu_req *req, char *why,
	  size_t whylen)
{
	uint32_t n;

	if (raw->size < VU_MEM_HDR) {
		snprintf(why, whylen, "SET_MEM_TABLE: short payload");
		return -1;
	}
	n = get32(raw->payload);
	if (n == 0 || n > GM_REGIONS_MAX) {
		snprintf(why, whylen, "SET_MEM_TABLE: %u regions (1..%d)", n,
			 GM_REGIONS_MAX);
		return -1;
	}
	if (expect(raw, VU_MEM_HDR + n * VU_MEM_REGION_BYTES, n, why, whylen) <
	    0)
		return -1;
	req->u.mem.n = n;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p =
			raw->payload + VU_MEM_HDR + i * VU_MEM_REGION_BYTES;

		req->u.mem.r[i].gpa = get64(p);
		req->u.mem.r[i].size = get64(p + 8);
		req->u.mem.r[i].uva = get64(p + 16);
		req->u.mem.r[i].mmap_off = get64(p + 24);
	}
	return gm_table_check(req->u.mem.r, n, why, whylen);
}

static int
parse_config(const struct vu_raw *raw, struct vu_req *req, bool set, char *why,
	     size_t whylen)
{
	uint32_t off, size;

	if (raw->size < VU_CONFIG_HDR) {
		snprintf(why, whylen, "%s: short payload",
			 vu_request_name(raw->request));
		return -1;
	}
	off = get32(raw->payload);
	size = get32(raw->payload + 4);
	if (size == 0 || size > VU_CONFIG_MAX || off > VU_CONFIG_MAX - size) {
		snprintf(why, whylen, "%s: offset %u size %u outside %d bytes",
			 vu_request_name(raw->request), off, size,
			 VU_CONFIG_MAX);
		return -1;
	}
	if (expect(raw, VU_CONFIG_HDR + size, 0, why, whylen) < 0)
		return -1;
	req->u.config.offset = off;
	req->u.config.size = size;
	req->u.config.flags = get32(raw->payload + 8);
	memset(req->u.config.data, 0, sizeof(req->u.config.data));
	if (set)
		memcpy(req->u.config.data, raw->payload + VU_CONFIG_HDR, size);
	return 0;
}

static int
parse_body(const struct vu_raw *raw, struct vu_req *req, char *why,
	   size_t whylen)
{
	switch (raw->request) {
	case VU_GET_FEATURES:
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
		return expect(raw, 0, 0, why, whylen);
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
		if (expect(raw, 8, 0, why, whylen) < 0)
			return -1;
		req->u.u64 = get64(raw->payload);
		return 0;
	case VU_SET_MEM_TABLE:
		return parse_mem(raw, req, why, whylen);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		if (expect(raw, 8, 0, why, whylen) < 0)
			return -1;
		req->u.state.index = get32(raw->payload);
		req->u.state.num = get32(raw->payload + 4);
		return 0;
	case VU_SET_VRING_ADDR:
		if (expect(raw, 40, 0, why, whylen) < 0)
			return -1;
		req->u.addr.index = get32(raw->payload);
		req->u.addr.flags = get32(raw->payload + 4);
		req->u.addr.desc = get64(raw->payload + 8);
		req->u.addr.used = get64(raw->payload + 16);
		req->u.addr.avail = get64(raw->payload + 24);
		req->u.addr.log = get64(raw->payload + 32);
		if (req->u.addr.flags & ~VU_VRING_ADDR_F_LOG) {
			snprintf(why, whylen, "SET_VRING_ADDR: flags 0x%x",
				 req->u.addr.flags);
			return -1;
		}
		return 0;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR: {
		uint64_t v;

		if (raw->size != 8) {
			snprintf(why, whylen, "%s: payload of %u bytes",
				 vu_request_name(raw->request), raw->size);
			return -1;
		}
		v = get64(raw->payload);
		if (v & ~(uint64_t)(VU_VRING_INDEX_MASK | VU_VRING_NOFD)) {
			snprintf(why, whylen, "%s: reserved bits in 0x%llx",
				 vu_request_name(raw->request),
				 (unsigned long long)v);
			return -1;
		}
		req->u.file.index = (uint32_t)(v & VU_VRING_INDEX_MASK);
		req->u.file.nofd = (v & VU_VRING_NOFD) != 0;
		return expect(raw, 8, req->u.file.nofd ? 0 : 1, why, whylen);
	}
	case VU_GET_CONFIG:
		return parse_config(raw, req, false, why, whylen);
	case VU_SET_CONFIG:
		return parse_config(raw, req, true, why, whylen);
	default:
		/* Includes the log, postcopy, inflight, slave-channel and
		 * memory-slot requests: we offer none of their features. */
		snprintf(why, whylen, "%s (%u) not supported",
			 vu_request_name(raw->request), raw->request);
		return -1;
	}
}

int
vu_msg_parse(struct vu_raw *raw, struct vu_req *req, char *why, size_t whylen)
{
	memset(req, 0, sizeof(*req));
	if ((raw->flags & VU_VERSION_MASK) != VU_VERSION ||
	    (raw->flags & ~(VU_VERSION_MASK | VU_FLAG_NEED_REPLY))) {
		snprintf(why, whylen, "%s: header flags 0x%x",
			 vu_request_name(raw->request), raw->flags);
		close_all(raw->fds, &raw->nfds);
		return -1;
	}
	if (raw->size > VU_PAYLOAD_MAX || raw->nfds > VU_FDS_MAX ||
	    parse_body(raw, req, why, whylen) < 0) {
		if (raw->size > VU_PAYLOAD_MAX)
			snprintf(why, whylen, "oversized payload");
		close_all(raw->fds, &raw->nfds);
		req->nfds = 0;
		return -1;
	}
	req->type = raw->request;
	req->need_reply = (raw->flags & VU_FLAG_NEED_REPLY) != 0;
	memcpy(req->fds, raw->fds, raw->nfds * sizeof(int));
	req->nfds = raw->nfds;
	raw->nfds = 0;
	return 0;
}

void
vu_req_close_fds(struct vu_req *req)
{
	close_all(req->fds, &req->nfds);
}

int
vu_msg_reply(int sock, uint32_t request, const void *payload, uint32_t size)
{
	uint8_t buf[VU_HDR_BYTES + VU_PAYLOAD_MAX];
	uint32_t h[3] = { htole32(request), htole32(VU_VERSION | VU_FLAG_REPLY),
			  htole32(size) };
	size_t len = VU_HDR_BYTES + size;
	size_t off = 0;

	if (size > VU_PAYLOAD_MAX)
		return -EINVAL;
	memcpy(buf, h, sizeof(h));
	if (size)
		memcpy(buf + VU_HDR_BYTES, payload, size);
	while (off < len) {
		ssize_t n = send(sock, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}
