/* bulkhead-rng: a vhost-user-rng backend, the smallest device on the
 * pattern: one queue of device-writable buffers, filled by getrandom. */
#include <getopt.h>
#include <stdio.h>

#include "rng.h"
#include "serve.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct rng_dev rng;
	struct serve_opts o = { .sock_fd = -1, .seccomp = true };
	char why[256];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.socket_path = optarg;
			break;
		case 'f':
			o.sock_fd = serve_parse_fd(optarg);
			if (o.sock_fd < 0) {
				fprintf(stderr, "bulkhead-rng: --fd: not an "
					"open fd 3..1023\n");
				return 2;
			}
			break;
		case 'S':
			o.seccomp = false;
			break;
		case 'h':
			printf("usage: bulkhead-rng (--socket PATH | --fd N) "
			       "[--no-seccomp]\n");
			return 0;
		default:
			fprintf(stderr, "usage: bulkhead-rng (--socket PATH | "
				"--fd N) [--no-seccomp]\n");
			return 2;
		}
	}
	if (optind != argc || serve_prepare(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "bulkhead-rng: %s\n",
			optind != argc ? "unexpected argument" : why);
		return 2;
	}
	{
		struct vu_device d = {
			.name = "bulkhead-rng",
			.queues = 1,
			.request = rng_request,
			.dev = &rng,
		};

		rc = serve_run(&o, &d);
		fprintf(stderr, "bulkhead-rng: done: %llu bytes\n",
			(unsigned long long)rng.bytes);
		return rc;
	}
}
