/* blkbench: 4 KiB random read and write IOPS at queue depth 1 and 32 on
 * one 1 GiB file, through the synthetic vhost-user front end, for
 *   bulkhead-blk jailed   - started by the toolstack's backend_spawn, as
 *                           for a VM: jail, own uid, cgroup, allowlist
 *   bulkhead-blk unconfined - the same binary, plain, --no-seccomp
 *   qemu-storage-daemon   - Debian's, --export type=vhost-user-blk
 * all measured in this one run, with the same front end, the same
 * offsets (one seeded generator) and the file in the page cache. Prints
 * each figure and the ratios. Needs root (the jail). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/host/cgroup.h"
#include "../src/monitor/backends.h"
#include "../tests/frontend/vu_front.h"

#define FILE_BYTES (1ull << 30)
#define BLOCK 4096u
#define QSIZE 128
#define MEM_BYTES (16u << 20)
#define SLOT_BYTES (2 * BLOCK)

enum target { JAILED, UNCONFINED, QSD, TARGETS };
static const char *const target_name[TARGETS] = { "bulkhead-blk jailed+seccomp",
						  "bulkhead-blk unconfined",
						  "qemu-storage-daemon" };

struct workload {
	const char *name;
	bool write;
	unsigned qd;
};
static const struct workload workloads[] = {
	{ "randread QD1", false, 1 },
	{ "randread QD32", false, 32 },
	{ "randwrite QD1", true, 1 },
	{ "randwrite QD32", true, 32 },
};
#define NWORK (sizeof(workloads) / sizeof(workloads[0]))

#define ROUNDS_MAX 15
static double seconds = 1.0;
static int rounds = 5;
static const char *dir;
static char build_dir[4096]; /* absolute: the jail copies the binary in */
static char disk[512], group[64];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t rng_state;

static uint64_t
next_sector(void)
{
	/* xorshift64: the same sequence for every target. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state % (FILE_BYTES / BLOCK)) * (BLOCK / 512);
}

/* IOPS of one workload on a set-up front end; -1 on an I/O error. */
static double
run(struct vf *f, const struct workload *w, double secs)
{
	uint32_t type = w->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	uint64_t done = 0;
	double start, end;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (unsigned s = 0; s < w->qd; s++)
		vf_blk_prepare(f, 0, s, type, next_sector(), BLOCK, false);
	vf_kick(f, 0, true);
	start = now();
	end = start + secs;
	for (;;) {
		uint16_t head;
		uint32_t len;
		unsigned got = 0;
		bool stop = now() >= end;

		while (vf_reap(f, 0, &head, &len) == 1) {
			unsigned s = head / 3;

			if (vf_blk_status(f, s) != VIRTIO_BLK_S_OK)
				return -1;
			done++;
			got++;
			if (!stop)
				vf_blk_prepare(f, 0, s, type, next_sector(),
					       BLOCK, false);
		}
		if (stop) {
			/* Drain what is still in flight. */
			uint64_t inflight = 0;

			for (unsigned i = 0;
			     i < 1000 && f->q[0].used_seen != f->q[0].avail_idx;
			     i++) {
				if (vf_reap(f, 0, &head, &len) == 1)
					inflight++;
				else
					vf_wait(f, 0, 10);
			}
			(void)inflight;
			break;
		}
		if (got)
			vf_kick(f, 0, false);
		else if (vf_wait(f, 0, 1000) == 0)
			return -1;
	}
	return (double)done / (now() - start);
}

static int
make_file(void)
{
	static uint8_t buf[1 << 20];
	int fd;

	if (snprintf(disk, sizeof(disk), "%s/bench.img", dir) >=
	    (int)sizeof(disk))
		return -1;
	fd = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (uint64_t off = 0; off < FILE_BYTES; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) !=
		    (ssize_t)sizeof(buf)) {
			close(fd);
			return -1;
		}
	fsync(fd);
	close(fd);
	return 0;
}

/* Start a target; *sock gets the front end's connected socket and *pid
 * the process to stop afterwards. */
static int
start(enum target t, int *sock, pid_t *pid, int *pidfd)
{
	char why[512];
	int sv[2];

	*pidfd = -1;
	if (t == QSD) {
		char sockpath[512], blockdev[700], export[700];

		snprintf(sockpath, sizeof(sockpath), "%s/qsd.sock", dir);
		snprintf(
			blockdev, sizeof(blockdev),
			"driver=file,node-name=file,filename=%s,cache.direct=off",
			disk);
		snprintf(
			export, sizeof(export),
			"type=vhost-user-blk,id=exp,node-name=disk,writable=on,"
			"addr.type=unix,addr.path=%s",
			sockpath);
		*pid = fork();
		if (*pid == 0) {
			execlp("qemu-storage-daemon", "qemu-storage-daemon",
			       "--blockdev", blockdev, "--blockdev",
			       "driver=raw,node-name=disk,file=file",
			       "--export", export, (char *)NULL);
			_exit(127);
		}
		*sock = vf_connect(sockpath, 10000);
		return *sock < 0 ? -1 : 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	int dfd = open(disk, O_RDWR | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (t == UNCONFINED) {
		*pid = fork();
		if (*pid == 0) {
			char exe[512];

			dup2(sv[1], 3);
			dup2(dfd, 4);
			snprintf(exe, sizeof(exe), "%s/bulkhead-blk",
				 build_dir);
			execl(exe, "bulkhead-blk", "--fd", "3", "--disk-fd",
			      "4", "--no-seccomp", (char *)NULL);
			_exit(127);
		}
	} else {
		char root[512];
		struct backend b;
		struct backend_spec spec = {
			.vm = group,
			.dev = "blk",
			.blk = true,
			.root_dir = root,
			.uid = 65534,
			.gid = 65534,
			.sock = sv[1],
			.disk = dfd,
			.queues = 1,
			.log_fd = 2,
			.memory_mib = MEM_BYTES >> 20,
			.cpu_weight = 100,
			.exec_dir = build_dir,
		};

		snprintf(root, sizeof(root), "%s/root", dir);
		mkdir(root, 0755);
		if (backend_spawn(&spec, &b, why, sizeof(why)) < 0) {
			fprintf(stderr, "blkbench: jailed backend: %s\n", why);
			return -1;
		}
		*pid = b.pid;
		*pidfd = b.pidfd;
	}
	close(sv[1]);
	close(dfd);
	*sock = sv[0];
	return 0;
}

static void
stop(pid_t pid, int pidfd)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (pidfd >= 0)
		close(pidfd);
}

int
main(int argc, char **argv)
{
	static double samples[TARGETS][NWORK][ROUNDS_MAX];
	double iops[TARGETS][NWORK];
	char tmpl[] = "/var/tmp/blkbench-XXXXXX";
	int opt;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		if (opt == 's' && atof(optarg) > 0)
			seconds = atof(optarg);
		else if (opt == 'r' && atoi(optarg) >= 1 &&
			 atoi(optarg) <= ROUNDS_MAX)
			rounds = atoi(optarg);
		else {
			fprintf(stderr,
				"usage: blkbench [-s seconds a run] "
				"[-r rounds, 1..%d]\n",
				ROUNDS_MAX);
			return 2;
		}
	}
	if (!realpath(getenv("BENCH_BUILD") ? getenv("BENCH_BUILD") : "build",
		      build_dir)) {
		fprintf(stderr, "blkbench: no build directory\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "blkbench: needs root (the jailed backend)\n");
		return 2;
	}
	dir = mkdtemp(tmpl);
	if (!dir || make_file() < 0) {
		fprintf(stderr,
			"blkbench: cannot make the 1 GiB file in /var/tmp\n");
		return 1;
	}
	snprintf(group, sizeof(group), "blkbench-%d", (int)getpid());
	printf("# 4 KiB random I/O on a 1 GiB file (page cache), %.1f s a run,\n"
	       "# %d rounds, one queue of %d, the same front end and offsets "
	       "for all\n",
	       seconds, rounds, QSIZE);
	/* Targets interleaved round by round, so drift in a shared machine
	 * hits all alike; the median of the rounds is reported. */
	for (size_t w = 0; w < NWORK; w++) {
		for (int r = 0; r < rounds; r++) {
			for (int t = 0; t < TARGETS; t++) {
				struct vf f;
				int sock, pidfd;
				pid_t pid;
				double v = -1;

				if (start((enum target)t, &sock, &pid, &pidfd) <
				    0) {
					fprintf(stderr,
						"blkbench: cannot start %s\n",
						target_name[t]);
					return 1;
				}
				if (vf_open(&f, sock, MEM_BYTES, SLOT_BYTES) ==
					    0 &&
				    vf_setup(&f, ~0ull, 1, QSIZE) == 0 &&
				    run(&f, &workloads[w], 0.3) >
					    0) /* warm-up */
					v = run(&f, &workloads[w], seconds);
				vf_close(&f);
				stop(pid, pidfd);
				samples[t][w][r] = v;
			}
		}
		for (int t = 0; t < TARGETS; t++) {
			iops[t][w] = median(samples[t][w], rounds);
			printf("%-28s %-15s %10.0f IOPS (median of %d:",
			       target_name[t], workloads[w].name, iops[t][w],
			       rounds);
			for (int r = 0; r < rounds; r++)
				printf(" %.0f", samples[t][w][r]);
			printf(")\n");
		}
		fflush(stdout);
	}
	printf("\n%-15s %12s %12s %12s %10s %10s %10s\n", "workload", "jailed",
	       "unconfined", "qsd", "jail/qsd", "unconf/qsd", "jail cost");
	for (size_t w = 0; w < NWORK; w++) {
		double j = iops[JAILED][w], u = iops[UNCONFINED][w],
		       q = iops[QSD][w];

		printf("%-15s %12.0f %12.0f %12.0f %9.2fx %9.2fx %9.1f%%\n",
		       workloads[w].name, j, u, q, q > 0 ? j / q : 0,
		       q > 0 ? u / q : 0, u > 0 ? 100.0 * (1 - j / u) : 0);
	}
	{
		char path[600];

		/* The jailed backend's group (each run's process was
		 * already killed and reaped). */
		if (cgroup_backend_name(path, sizeof(path), group, "blk") == 0)
			cgroup_remove(path);
		snprintf(path, sizeof(path), "%s/root", dir);
		rmdir(path);
		unlink(disk);
		snprintf(path, sizeof(path), "%s/qsd.sock", dir);
		unlink(path);
		rmdir(dir);
	}
	return 0;
}
