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
		SERVE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct rng_dev rng;
	struct serve_opts o = { .sock_fd = -1, .seccomp = true };
	char why[256];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int taken = serve_option(&o, opt, optarg, "bulkhead-rng");

		if (taken < 0)
			return 2;
		if (taken)
			continue;
		switch (opt) {
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
