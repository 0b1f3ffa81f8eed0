/* vu-front net-check: bulkhead-net driven as QEMU and a guest driver
 * would, with the test holding the other end of its "tap" (a unix
 * seqpacket socketpair: bare frames, one per message). vu-front starts
 * the backend itself so it can keep that end. Correct frames both ways
 * (split chains, 64 KiB frames), hostile rings and virtio-net headers,
 * a tap that fills up (no spinning, no frame lost or reordered) and one
 * that goes away (reported, survived). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu_front.h"
#include "vu_front_cases.h"

#define NQ 2
#define RXQ 0
#define TXQ 1
#define HDR 12
#define FRAME_MAX (65535 + 14 + 4) /* bulkhead-net's NET_FRAME_MAX */
#define MEM_BYTES (8u << 20)
#define SLOT_BYTES (64u << 10)
#define QSIZE 256

struct net_front {
	struct vf f;
	int tap; /* our end */
	pid_t be;
	uint16_t next[NQ]; /* next free descriptor */
	uint8_t buf[2 * FRAME_MAX];
};

/* n descriptors in a row on queue qi (wrapping to 0 at the end). */
static uint16_t
take(struct net_front *n, unsigned qi, unsigned cnt)
{
	uint16_t d = n->next[qi];

	if (d + cnt > QSIZE)
		d = 0;
	n->next[qi] = (uint16_t)(d + cnt);
	return d;
}

/* [gpa, gpa + len) as cnt descriptors (the first is the 12-byte header
 * when cnt > 1 and hdr_apart), chained, offered and kicked. */
static uint16_t
offer(struct net_front *n, unsigned qi, uint64_t gpa, uint32_t len,
      unsigned cnt, bool hdr_apart, uint16_t flags)
{
	uint16_t head = take(n, qi, cnt);
	uint32_t left = len;

	for (unsigned i = 0; i < cnt; i++) {
		uint32_t l = i + 1 == cnt          ? left
			     : i == 0 && hdr_apart ? HDR
						   : left / (cnt - i);

		vf_desc(&n->f, qi, (uint16_t)(head + i), gpa, l,
			(uint16_t)(flags |
				   (i + 1 < cnt ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)(head + i + 1));
		gpa += l;
		left -= l;
	}
	vf_offer(&n->f, qi, head);
	vf_kick(&n->f, qi, true);
	return head;
}

/* One used element of qi within ms: 1, else 0. */
static int
reap(struct net_front *n, unsigned qi, uint16_t *head, uint32_t *len, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (vf_reap(&n->f, qi, head, len))
			return 1;
		vf_wait(&n->f, qi, 10);
	}
	return 0;
}

/* A frame from the tap within ms: its length, or -1. */
static ssize_t
tap_recv(struct net_front *n, uint8_t *out, size_t max, int ms)
{
	struct pollfd p = { .fd = n->tap, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recv(n->tap, out, max, MSG_DONTWAIT);
}

/* Transmit: header h, then a frame of flen pattern bytes (seed), in
 * slot memory from slot 0 on, cut in cnt descriptors. Whether the backend
 * completed it; *got is what the tap then carried (-1: nothing). */
static bool
tx(struct net_front *n, const uint8_t *h, uint32_t flen, uint32_t seed,
   unsigned cnt, ssize_t *got)
{
	uint8_t *p = vf_slot(&n->f, 0);
	uint16_t head, uh = 0;
	uint32_t ul = 0;
	bool done;

	memcpy(p, h, HDR);
	fill(p + HDR, flen, seed);
	head = offer(n, TXQ, vf_gpa(&n->f, p), HDR + flen, cnt, cnt > 1, 0);
	done = reap(n, TXQ, &uh, &ul, 2000) && uh == head && ul == 0;
	*got = tap_recv(n, n->buf, sizeof(n->buf), done ? 200 : 0);
	return done;
}

static bool
tx_intact(struct net_front *n, uint32_t flen, unsigned cnt)
{
	static const uint8_t zero[HDR];
	uint8_t want[FRAME_MAX];
	ssize_t got;
	bool done = tx(n, zero, flen, flen, cnt, &got);

	fill(want, flen, flen);
	return done && got == (ssize_t)flen && !memcmp(n->buf, want, flen);
}

/* Receive: a buffer of blen bytes from slot 8 on as cnt descriptors, then
 * a frame of flen pattern bytes on the tap. Whether it arrived whole:
 * used length header + frame, an empty header saying one buffer, the
 * bytes the same. */
static bool
rx_intact(struct net_front *n, uint32_t blen, unsigned cnt, uint32_t flen)
{
	uint8_t *p = vf_slot(&n->f, 8);
	uint8_t want[HDR] = { 0 };
	uint16_t head, uh = 0;
	uint32_t ul = 0;

	memset(p, 0xee, blen);
	head = offer(n, RXQ, vf_gpa(&n->f, p), blen, cnt, cnt > 1,
		     VRING_DESC_F_WRITE);
	fill(n->buf, flen, ~flen);
	if (send(n->tap, n->buf, flen, 0) != (ssize_t)flen)
		return false;
	if (!reap(n, RXQ, &uh, &ul, 2000) || uh != head || ul != HDR + flen)
		return false;
	want[10] = 1; /* num_buffers, little-endian */
	return !memcmp(p, want, HDR) && !memcmp(p + HDR, n->buf, flen);
}

static void
correct_cases(struct net_front *n)
{
	check(tx_intact(n, 60, 1), "net: a 60-byte frame sent in one "
				   "descriptor reaches the tap intact");
	check(tx_intact(n, 1514, 4),
	      "net: a 1514-byte frame cut in 4 descriptors reaches the tap "
	      "intact");
	check(tx_intact(n, FRAME_MAX, 3),
	      "net: a %u-byte (64 KiB) frame reaches the tap intact",
	      FRAME_MAX);
	check(rx_intact(n, 2048, 1, 60),
	      "net: a 60-byte frame from the tap fills one receive buffer");
	check(rx_intact(n, 2048, 3, 1514),
	      "net: a 1514-byte frame fills a receive chain of 3 "
	      "descriptors");
	check(rx_intact(n, HDR + FRAME_MAX, 2, FRAME_MAX),
	      "net: a %u-byte frame from the tap arrives whole", FRAME_MAX);
}

/* A frame the backend must drop: completed (the guest gets its buffer
 * back), nothing on the tap, and the queue still works. */
static void
tx_dropped(struct net_front *n, const char *what, uint8_t flags, uint8_t gso,
	   uint16_t hdr_len, uint16_t gso_size, uint16_t cstart, uint16_t coff,
	   uint32_t flen)
{
	struct virtio_net_hdr h = { flags,
				    gso,
				    htole16(hdr_len),
				    htole16(gso_size),
				    htole16(cstart),
				    htole16(coff) };
	uint8_t raw[HDR] = { 0 };
	ssize_t got;
	bool done;

	memcpy(raw, &h, sizeof(h));
	done = tx(n, raw, flen, 7, 1, &got);
	check(done && got < 0 && tx_intact(n, 100, 1),
	      "net: hostile transmit header (%s): completed, dropped, the "
	      "queue goes on",
	      what);
}

static void
header_cases(struct net_front *n)
{
	tx_dropped(n, "NEEDS_CSUM, csum_start past the frame",
		   VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 60000, 6, 100);
	tx_dropped(n, "NEEDS_CSUM, csum_offset past the frame",
		   VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 14, 65535, 100);
	tx_dropped(n, "GSO TCPv4, hdr_len 65535, gso_size 1",
		   VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 65535,
		   1, 34, 16, 1000);
	tx_dropped(n, "GSO UDP with no checksum request", 0,
		   VIRTIO_NET_HDR_GSO_UDP, 42, 8, 0, 0, 1000);
	tx_dropped(n, "GSO TCPv6 | ECN", 0,
		   VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN, 74, 1400,
		   0, 0, 3000);
	tx_dropped(n, "unknown flag bits", 0xfc, 0, 0, 0, 0, 0, 100);
	tx_dropped(n, "zero-length frame: header only", 0, 0, 0, 0, 0, 0, 0);
	tx_dropped(n, "13-byte runt", 0, 0, 0, 0, 0, 0, 13);
	tx_dropped(n, "frame one byte over 64 KiB + headers", 0, 0, 0, 0, 0, 0,
		   FRAME_MAX + 1);
}

/* Receive-side drops: a frame too large for the posted buffer, and a
 * runt, are dropped without using the buffer; the next frame gets it. */
static void
rx_drop_cases(struct net_front *n)
{
	uint8_t *p = vf_slot(&n->f, 8);
	uint8_t small[5] = { 1, 2, 3, 4, 5 };
	uint16_t head, uh = 0;
	uint32_t ul = 0;

	head = offer(n, RXQ, vf_gpa(&n->f, p), 1024, 1, false,
		     VRING_DESC_F_WRITE);
	fill(n->buf, 3000, 3);
	(void)!send(n->tap, n->buf, 3000, 0);
	(void)!send(n->tap, small, sizeof(small), 0);
	fill(n->buf, 200, 4);
	(void)!send(n->tap, n->buf, 200, 0);
	check(reap(n, RXQ, &uh, &ul, 2000) && uh == head && ul == HDR + 200 &&
		      !memcmp(p + HDR, n->buf, 200),
	      "net: a frame larger than the receive buffer and a 5-byte "
	      "runt are dropped; the next frame gets the buffer");
}

/* utime + stime of pid, in clock ticks. */
static unsigned long long
cpu_ticks(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	p = fgets(line, sizeof(line), fp) ? strrchr(line, ')') : NULL;
	fclose(fp);
	if (!p ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &st) != 2)
		return 0;
	return ut + st;
}

/* The tap stops taking frames (our end unread, its buffer full): the
 * backend must wait, not spin and not drop, and deliver every frame in
 * order once the tap drains. */
static void
full_tap_case(struct net_front *n)
{
	enum { FRAMES = 96, FLEN = 1400 };
	uint8_t *p = vf_slot(&n->f, 16);
	static const uint8_t zero[HDR];
	unsigned done = 0, got = 0, in_order = 0;
	unsigned long long t0, t1;
	uint16_t uh;
	uint32_t ul;

	for (unsigned i = 0; i < FRAMES; i++) {
		uint8_t *e = p + (size_t)i * (HDR + FLEN);

		memcpy(e, zero, HDR);
		fill(e + HDR, FLEN, 1000 + i);
		offer(n, TXQ, vf_gpa(&n->f, e), HDR + FLEN, 1, false, 0);
	}
	usleep(300 * 1000);
	while (vf_reap(&n->f, TXQ, &uh, &ul))
		done++;
	t0 = cpu_ticks(n->be);
	sleep(1);
	t1 = cpu_ticks(n->be);
	check(done < FRAMES,
	      "net: full tap: %u of %u frames taken, the rest wait on the "
	      "ring",
	      done, FRAMES);
	check(t1 - t0 <= 10,
	      "net: full tap: the backend sleeps meanwhile (%llu ticks of CPU "
	      "in 1 s)",
	      t1 - t0);
	for (int idle = 0; got < FRAMES && idle < 300;) {
		uint8_t want[FLEN];
		ssize_t r = tap_recv(n, n->buf, sizeof(n->buf), 10);

		while (vf_reap(&n->f, TXQ, &uh, &ul))
			done++;
		if (r < 0) {
			idle++;
			continue;
		}
		fill(want, FLEN, 1000 + got);
		in_order += r == FLEN && !memcmp(n->buf, want, FLEN);
		got++;
	}
	for (int i = 0; i < 100 && done < FRAMES; i++)
		if (reap(n, TXQ, &uh, &ul, 10))
			done++;
	check(got == FRAMES && in_order == FRAMES && done == FRAMES,
	      "net: full tap drained: all %u frames arrive, in order, intact "
	      "(%u/%u), and all complete (%u)",
	      FRAMES, in_order, got, done);
}

/* Frames wait in the tap while the guest posts no receive buffer: no
 * spinning; buffers posted later get them. */
static void
no_buffers_case(struct net_front *n)
{
	uint8_t *p = vf_slot(&n->f, 40);
	unsigned long long t0, t1;
	unsigned ok = 0;

	for (unsigned i = 0; i < 8; i++) {
		fill(n->buf, 100 + i, i);
		(void)!send(n->tap, n->buf, 100 + i, 0);
	}
	t0 = cpu_ticks(n->be);
	sleep(1);
	t1 = cpu_ticks(n->be);
	check(t1 - t0 <= 10,
	      "net: frames waiting, no receive buffer: the backend sleeps "
	      "(%llu ticks in 1 s)",
	      t1 - t0);
	for (unsigned i = 0; i < 8; i++)
		offer(n, RXQ, vf_gpa(&n->f, p + i * 2048u), 2048, 1, false,
		      VRING_DESC_F_WRITE);
	for (unsigned i = 0; i < 8; i++) {
		uint16_t uh;
		uint32_t ul;

		fill(n->buf, 100 + i, i);
		ok += reap(n, RXQ, &uh, &ul, 2000) && ul == HDR + 100 + i &&
		      !memcmp(p + i * 2048u + HDR, n->buf, 100 + i);
	}
	check(ok == 8,
	      "net: buffers posted later receive the 8 waiting "
	      "frames in order (%u/8)",
	      ok);
}

/* Ring violations break one queue, not the device or the connection. */
static void
ring_cases(struct net_front *n)
{
	uint8_t *p = vf_slot(&n->f, 60);
	uint16_t uh;
	uint32_t ul;

	offer(n, TXQ, vf_gpa(&n->f, p), 8, 1, false, 0);
	check(!reap(n, TXQ, &uh, &ul, 300) && rx_intact(n, 2048, 1, 80) &&
		      !vf_peer_closed(&n->f, 0),
	      "net: a transmit chain shorter than its header stops the "
	      "transmit queue only (receive still works)");
	/* Refused before any frame is read: none is lost to it. */
	offer(n, RXQ, vf_gpa(&n->f, p), 64, 1, false, 0);
	check(!reap(n, RXQ, &uh, &ul, 300) && !vf_peer_closed(&n->f, 0),
	      "net: a receive chain with a device-readable buffer stops the "
	      "receive queue; the connection stays");
}

/* The tap goes away (our end closed: EOF, as a deleted tap's EBADFD):
 * reported once, frames sent from then on complete and are dropped. */
static void
vanish_case(struct net_front *n)
{
	static const uint8_t zero[HDR];
	ssize_t got;

	close(n->tap);
	n->tap = -1;
	offer(n, RXQ, vf_gpa(&n->f, vf_slot(&n->f, 8)), 2048, 1, false,
	      VRING_DESC_F_WRITE);
	usleep(200 * 1000);
	check(tx(n, zero, 100, 5, 1, &got) && tx(n, zero, 200, 6, 2, &got) &&
		      !vf_peer_closed(&n->f, 0) && kill(n->be, 0) == 0,
	      "net: tap gone: the backend lives, frames sent complete "
	      "(dropped)");
}

static bool
no_seccomp(char **argv)
{
	for (; *argv; argv++)
		if (!strcmp(*argv, "--no-seccomp"))
			return true;
	return false;
}

/* The Seccomp: line of pid's status, or -1. */
static int
seccomp_mode(pid_t pid)
{
	char path[64], line[256];
	int mode = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	if (fp)
		fclose(fp);
	return mode;
}

static pid_t
spawn(char **argv, int tapfd)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (dup2(tapfd, 3) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int
setup(struct net_front *n, const char *sock)
{
	int s = vf_connect(sock, 5000);

	if (s < 0 || vf_open(&n->f, s, MEM_BYTES, SLOT_BYTES) < 0)
		return -1;
	memset(n->next, 0, sizeof(n->next));
	return vf_setup(&n->f, ~0ull, NQ, QSIZE);
}

int
net_check(const char *sock, char **backend_argv)
{
	static struct net_front n;
	uint64_t offered = 0;
	int sv[2], st = 0;

	/* Seqpacket: one frame a message, and the kernel's queue limit
	 * (net.unix.max_dgram_qlen) fills it after a few frames. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	n.tap = sv[0];
	n.be = spawn(backend_argv, sv[1]);
	close(sv[1]);
	if (n.be < 0 || setup(&n, sock) < 0) {
		check(false, "net: set-up");
		return 1;
	}
	(void)vf_get_u64(&n.f, 1 /* GET_FEATURES */, &offered);
	check((offered >> VIRTIO_F_VERSION_1 & 1) &&
		      !(offered & ((1ull << VIRTIO_NET_F_CSUM) |
				   (1ull << VIRTIO_NET_F_GUEST_CSUM) |
				   (1ull << VIRTIO_NET_F_HOST_TSO4) |
				   (1ull << VIRTIO_NET_F_GUEST_TSO4) |
				   (1ull << VIRTIO_NET_F_MRG_RXBUF))),
	      "net: offers VERSION_1 and no offload or mergeable buffers "
	      "(0x%llx)",
	      (unsigned long long)offered);
	if (!no_seccomp(backend_argv))
		check(seccomp_mode(n.be) == 2,
		      "net: the backend runs under its seccomp allowlist "
		      "(Seccomp: %d)",
		      seccomp_mode(n.be));
	correct_cases(&n);
	header_cases(&n);
	rx_drop_cases(&n);
	no_buffers_case(&n);
	full_tap_case(&n);
	ring_cases(&n);
	/* A new connection (QEMU reconnecting) gets fresh queues. */
	vf_close(&n.f);
	if (setup(&n, sock) < 0) {
		check(false, "net: second connection set-up");
	} else {
		check(tx_intact(&n, 300, 2) && rx_intact(&n, 2048, 1, 300),
		      "net: a new connection serves both queues again");
		vanish_case(&n);
		vf_close(&n.f);
	}
	kill(n.be, SIGTERM);
	waitpid(n.be, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "net: SIGTERM: the backend exits 0 (status 0x%x)", st);
	return vf_failures() ? 1 : 0;
}
