#include "blk.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u
#define HDR_BYTES 16   /* struct virtio_blk_outhdr */
#define RANGE_BYTES 16 /* struct virtio_blk_discard_write_zeroes */

static void
put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void
put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void
put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

uint64_t
blk_features(const struct blk_disk *b)
{
	uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) |
		     (1ull << VIRTIO_BLK_F_BLK_SIZE) |
		     (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_MQ);

	if (b->read_only)
		f |= 1ull << VIRTIO_BLK_F_RO;
	else
		f |= (1ull << VIRTIO_BLK_F_DISCARD) |
		     (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	return f;
}

int
blk_disk_init(struct blk_disk *b, int fd, bool read_only, const char *serial,
	      unsigned queues, char *why, size_t whylen)
{
	struct stat st;
	uint64_t bytes;
	uint8_t *c;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->read_only = read_only;
	b->queues = queues;
	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "disk: %s", strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
			snprintf(why, whylen, "disk size: %s", strerror(errno));
			return -1;
		}
	} else {
		snprintf(why, whylen,
			 "disk is neither a regular file nor a block device");
		return -1;
	}
	b->sectors = bytes / SECTOR;
	if (b->sectors == 0) {
		snprintf(why, whylen, "disk is smaller than one sector");
		return -1;
	}
	/* GET_ID: the serial, NUL-padded, not necessarily terminated. */
	strncpy(b->id, serial ? serial : "", sizeof(b->id));

	c = b->config;            /* struct virtio_blk_config, little-endian */
	put64(c + 0, b->sectors); /* capacity */
	put32(c + 12, BLK_SEG_MAX);      /* seg_max */
	put32(c + 20, SECTOR);           /* blk_size */
	c[32] = 1;                       /* writeback */
	put16(c + 34, (uint16_t)queues); /* num_queues */
	if (!read_only) {
		put32(c + 36, BLK_RANGE_SECTORS_MAX); /* max_discard_sectors */
		put32(c + 40, BLK_RANGES_MAX);        /* max_discard_seg */
		put32(c + 44, 4096 / SECTOR); /* discard_sector_alignment */
		put32(c + 48,
		      BLK_RANGE_SECTORS_MAX);  /* max_write_zeroes_sectors */
		put32(c + 52, BLK_RANGES_MAX); /* max_write_zeroes_seg */
		c[56] = 1;                     /* write_zeroes_may_unmap */
	}
	return 0;
}

/* Copy len bytes starting skip bytes into seg[first..first+n) into dst:
 * request headers and ranges are used only as copied here (one fetch).
 * false if the segments hold fewer bytes. */
static bool
gather(const struct vq_chain *c, unsigned first, unsigned n, uint64_t skip,
       void *dst, size_t len)
{
	return vq_chain_copy(c, first, n, skip, dst, len, false) == len;
}

/* The whole transfer or an error, resuming after short transfers. */
static int
rw_full(int fd, struct iovec *iov, int cnt, uint64_t off, bool write)
{
	while (cnt > 0) {
		ssize_t n = write ? pwritev(fd, iov, cnt, (off_t)off)
				  : preadv(fd, iov, cnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* error, or the file shrank under us */
		off += (uint64_t)n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static bool
in_range(const struct blk_disk *b, uint64_t sector, uint64_t count)
{
	return sector <= b->sectors && count <= b->sectors - sector;
}

static uint8_t
do_rw(struct blk_disk *b, const struct vq_chain *c, uint64_t sector, bool write,
      uint64_t *data)
{
	uint64_t len;
	int cnt;

	if (write) {
		len = c->out_len - HDR_BYTES;
		cnt = vq_chain_iov(c, 0, c->nout, HDR_BYTES, len, b->iov);
	} else {
		len = c->in_len - 1; /* all but the status byte */
		cnt = vq_chain_iov(c, c->nout, c->nin, 0, len, b->iov);
	}
	*data = 0;
	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || len > BLK_REQ_BYTES_MAX ||
	    !in_range(b, sector, len / SECTOR))
		return VIRTIO_BLK_S_IOERR;
	if (len && rw_full(b->fd, b->iov, cnt, sector * SECTOR, write) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (write)
		b->writes++;
	else
		b->reads++;
	*data = write ? 0 : len;
	return VIRTIO_BLK_S_OK;
}

static const uint8_t zeros[65536];

static int
write_zeroes(int fd, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES: an array of ranges after the header, each
 * copied in and checked before any is acted on. */
static uint8_t
do_ranges(struct blk_disk *b, const struct vq_chain *c, bool zero)
{
	uint8_t buf[BLK_RANGES_MAX][RANGE_BYTES];
	struct {
		uint64_t sector;
		uint32_t count, flags;
	} r[BLK_RANGES_MAX];
	uint64_t bytes = c->out_len - HDR_BYTES;
	unsigned n;

	if (b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (bytes == 0 || bytes % RANGE_BYTES ||
	    bytes / RANGE_BYTES > BLK_RANGES_MAX)
		return VIRTIO_BLK_S_UNSUPP;
	n = (unsigned)(bytes / RANGE_BYTES);
	if (!gather(c, 0, c->nout, HDR_BYTES, buf, (size_t)bytes))
		return VIRTIO_BLK_S_IOERR;
	/* Decode and check every range before acting on any. */
	for (unsigned i = 0; i < n; i++) {
		memcpy(&r[i].sector, buf[i], 8);
		memcpy(&r[i].count, buf[i] + 8, 4);
		memcpy(&r[i].flags, buf[i] + 12, 4);
		r[i].sector = le64toh(r[i].sector);
		r[i].count = le32toh(r[i].count);
		r[i].flags = le32toh(r[i].flags);
		if ((r[i].flags &
		     ~(uint32_t)(zero ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP
				      : 0)) ||
		    r[i].count > BLK_RANGE_SECTORS_MAX)
			return VIRTIO_BLK_S_UNSUPP;
		if (!in_range(b, r[i].sector, r[i].count))
			return VIRTIO_BLK_S_IOERR;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = r[i].sector * SECTOR;
		uint64_t len = (uint64_t)r[i].count * SECTOR;
		int mode;

		if (len == 0)
			continue;
		if (!zero || (r[i].flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		else
			mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		if (fallocate(b->fd, mode, (off_t)off, (off_t)len) == 0)
			continue;
		/* Discard is a hint; zeroes must be written somehow. */
		if (!zero && (errno == EOPNOTSUPP || errno == ENOSYS))
			continue;
		if (zero && (errno == EOPNOTSUPP || errno == ENOSYS) &&
		    write_zeroes(b->fd, off, len) == 0)
			continue;
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

int64_t
blk_request(void *dev, struct vq_chain *c, char *why, size_t whylen)
{
	struct blk_disk *b = dev;
	uint8_t hdr[HDR_BYTES];
	uint32_t type;
	uint64_t sector, data = 0;
	const struct vq_seg *last;
	uint8_t status;

	/* A request without its header or status byte cannot be answered:
	 * the driver is broken (QEMU: "virtio-blk missing headers"). */
	if (c->out_len < HDR_BYTES || c->in_len < 1) {
		snprintf(why, whylen, "request without header or status");
		return -1;
	}
	if (!gather(c, 0, c->nout, 0, hdr, sizeof(hdr))) {
		snprintf(why, whylen, "short request header");
		return -1;
	}
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	last = &c->seg[c->nout + c->nin - 1];

	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = do_rw(b, c, sector, type == VIRTIO_BLK_T_OUT, &data);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK
					       : VIRTIO_BLK_S_IOERR;
		b->flushes++;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t room = c->in_len - 1;

		data = room < BLK_ID_BYTES ? room : BLK_ID_BYTES;
		vq_chain_copy(c, c->nout, c->nin, 0, (uint8_t *)b->id, data,
			      true);
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = do_ranges(b, c, type == VIRTIO_BLK_T_WRITE_ZEROES);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (status != VIRTIO_BLK_S_OK)
		b->errors++;
	last->host[last->len - 1] = status;
	return (int64_t)data + 1;
}
