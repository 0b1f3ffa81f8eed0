/* bulkhead-blk: a vhost-user-blk backend. Started by bulkhead inside its
 * own jail with inherited fds only (--fd, --disk-fd), or by hand
 * (--socket, --disk) for a stock QEMU. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "blk.h"
#include "serve.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bulkhead-blk (--socket PATH | --fd N)\n"
		"                    (--disk PATH | --disk-fd N) [--read-only]\n"
		"                    [--queues N] [--serial ID] [--no-seccomp]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SERVE_LONGOPTS,
		{ "disk", required_argument, NULL, 'd' },
		{ "disk-fd", required_argument, NULL, 'D' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "queues", required_argument, NULL, 'q' },
		{ "serial", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct blk_disk disk;
	struct serve_opts o = { .sock_fd = -1, .seccomp = true };
	const char *disk_path = NULL, *serial = "bulkhead";
	int disk_fd = -1, opt;
	bool ro = false;
	uint64_t queues = 1;
	char why[256];

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int taken = serve_option(&o, opt, optarg, "bulkhead-blk");

		if (taken < 0)
			return 2;
		if (taken)
			continue;
		switch (opt) {
		case 'd':
			disk_path = optarg;
			break;
		case 'D':
			disk_fd = serve_parse_fd(optarg, "bulkhead-blk",
						 "--disk-fd");
			if (disk_fd < 0)
				return 2;
			break;
		case 'r':
			ro = true;
			break;
		case 'q':
			if (parse_u64(optarg, 1, VU_QUEUES_MAX, &queues) < 0) {
				fprintf(stderr,
					"bulkhead-blk: --queues: 1..%d\n",
					VU_QUEUES_MAX);
				return 2;
			}
			break;
		case 'i':
			serial = optarg;
			if (strlen(serial) > BLK_ID_BYTES) {
				fprintf(stderr,
					"bulkhead-blk: --serial: at "
					"most %d characters\n",
					BLK_ID_BYTES);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !disk_path == (disk_fd < 0)) {
		usage(stderr);
		return 2;
	}
	if (disk_path) {
		disk_fd = open(disk_path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (disk_fd < 0) {
			perror(disk_path);
			return 1;
		}
	} else if (!ro && (fcntl(disk_fd, F_GETFL) & O_ACCMODE) != O_RDWR) {
		fprintf(stderr, "bulkhead-blk: --disk-fd is not open "
				"read-write (use --read-only)\n");
		return 2;
	}
	if (blk_disk_init(&disk, disk_fd, ro, serial, (unsigned)queues, why,
			  sizeof(why)) < 0 ||
	    serve_prepare(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "bulkhead-blk: %s\n", why);
		return 1;
	}
	{
		struct vu_device d = {
			.name = "bulkhead-blk",
			.features = blk_features(&disk),
			.protocol_features = 1ull << VU_PF_CONFIG,
			.queues = (unsigned)queues,
			.config = disk.config,
			.config_len = sizeof(disk.config),
			.request = blk_request,
			.dev = &disk,
		};
		int rc = serve_run(&o, &d);

		fprintf(stderr,
			"bulkhead-blk: done: %llu reads, %llu writes, "
			"%llu flushes, %llu errors\n",
			(unsigned long long)disk.reads,
			(unsigned long long)disk.writes,
			(unsigned long long)disk.flushes,
			(unsigned long long)disk.errors);
		return rc;
	}
}
