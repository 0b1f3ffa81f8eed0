/* bulkhead-net: a vhost-user-net backend holding the VM's tap. Started
 * by bulkhead inside its own jail with inherited fds only (--fd,
 * --tap-fd); by hand it can also serve a stock QEMU (--socket) with a
 * tap fd it inherited. It opens nothing: a tap needs CAP_NET_ADMIN to
 * make, and that stays with the toolstack. */
#include <getopt.h>
#include <stdio.h>

#include "net.h"
#include "serve.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: bulkhead-net (--socket PATH | --fd N) --tap-fd N "
		   "[--no-seccomp]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SERVE_LONGOPTS,
		{ "tap-fd", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct net_dev net;
	struct serve_opts o = { .sock_fd = -1, .seccomp = true };
	struct vu_device d;
	int tap = -1, opt, rc;
	char why[256];

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int taken = serve_option(&o, opt, optarg, "bulkhead-net");

		if (taken < 0)
			return 2;
		if (taken)
			continue;
		switch (opt) {
		case 't':
			tap = serve_parse_fd(optarg, "bulkhead-net",
					     "--tap-fd");
			if (tap < 0)
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || tap < 0) {
		usage(stderr);
		return 2;
	}
	if (net_dev_init(&net, tap, why, sizeof(why)) < 0 ||
	    serve_prepare(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "bulkhead-net: %s\n", why);
		return 1;
	}
	net_device(&net, &d);
	rc = serve_run(&o, &d);
	fprintf(stderr,
		"bulkhead-net: done: %llu frames received, %llu sent, "
		"%llu dropped on receive, %llu on send, %llu waits on a "
		"full tap\n",
		(unsigned long long)net.rx_frames,
		(unsigned long long)net.tx_frames,
		(unsigned long long)net.rx_dropped,
		(unsigned long long)net.tx_dropped,
		(unsigned long long)net.tap_full);
	return rc;
}
