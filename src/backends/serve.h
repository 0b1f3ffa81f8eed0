/* What bulkhead-blk and bulkhead-rng share: the command-line options for
 * the connection, and serving it. Either the process was given a
 * connected socket (--fd, how bulkhead starts it: one connection, then
 * exit) or it listens on a path of its own (--socket, standalone: each
 * connection in turn, so a front end may reconnect). */
#ifndef BULKHEAD_SERVE_H
#define BULKHEAD_SERVE_H

#include <stdbool.h>

#include "../vhost/vu_dev.h"

struct serve_opts {
	const char *socket_path; /* listen here, or */
	int sock_fd;             /* serve this connected socket */
	bool seccomp;            /* false: --no-seccomp (benchmarks) */
	/* --fd named a listening socket (bulkhead-net's, which QEMU
	 * connects to by path): accept one connection, serve it, exit. */
	bool accept_once;
};

/* Parse an inherited fd number (3..1023, open) given to option name
 * (--fd, --disk-fd, --tap-fd). -1 if bad, said on stderr as prog. */
int serve_parse_fd(const char *s, const char *prog, const char *name);
/* The connection options both backends take, as getopt_long entries
 * (name, has_arg, flag, val): --socket, --fd, --no-seccomp. */
#define SERVE_LONGOPTS                                  \
	{ "socket", required_argument, NULL, 's' },     \
		{ "fd", required_argument, NULL, 'f' }, \
	{                                               \
		"no-seccomp", no_argument, NULL, 'S'    \
	}
/* Apply one of those options: 1 taken, 0 not ours, -1 bad (said on
 * stderr as prog). */
int serve_option(struct serve_opts *o, int opt, const char *arg,
		 const char *prog);
/* Check the options, prepare the socket and set SIGTERM up to stop the
 * serving loops; before anything is served and before the allowlist. 0,
 * or -1 with why. */
int serve_prepare(struct serve_opts *o, char *why, size_t whylen);
/* Apply the allowlist (unless disabled) and serve. Returns the exit
 * status: 0 after the front end hung up (--fd) or SIGTERM, 1 after a
 * violation (--fd) or an error. With --socket it serves connection after
 * connection until SIGTERM. */
int serve_run(const struct serve_opts *o, const struct vu_device *d);

#endif
