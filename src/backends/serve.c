#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "../vhost/guestmem.h"
#include "allowlist.h"

int
serve_parse_fd(const char *s, const char *prog, const char *name)
{
	uint64_t v;

	if (parse_u64(s, 3, 1023, &v) < 0 || fcntl((int)v, F_GETFD) < 0) {
		fprintf(stderr, "%s: %s: not an open fd 3..1023\n", prog, name);
		return -1;
	}
	return (int)v;
}

int
serve_option(struct serve_opts *o, int opt, const char *arg, const char *prog)
{
	switch (opt) {
	case 's':
		o->socket_path = arg;
		return 1;
	case 'f':
		o->sock_fd = serve_parse_fd(arg, prog, "--fd");
		return o->sock_fd < 0 ? -1 : 1;
	case 'S':
		o->seccomp = false;
		return 1;
	default:
		return 0;
	}
}

/* Listen on path: a stale socket from an earlier run is replaced,
 * anything else at the path is left alone. */
static int
listen_on(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(why, whylen, "%s exists and is not a socket", path);
		return -1;
	}
	fd = unix_listen_path(path, false);
	if (fd < 0)
		snprintf(why, whylen, "listen on %s: %s", path, strerror(-fd));
	return fd < 0 ? -1 : fd;
}

/* SIGTERM ends serving between two requests, and the process leaves
 * main() the ordinary way (its closing line, atexit handlers,
 * LeakSanitizer in a sanitized build). It is blocked except while the
 * loops wait in ppoll with wait_mask, so it can only arrive there, the
 * wait returns EINTR and the loop sees the flag; a signal at any other
 * moment stays pending until that wait. Set up here, before the
 * allowlist, which then needs no call beyond the ppoll the loops make
 * and the rt_sigreturn of the handler. With a handler, SIGTERM also
 * reaches a backend that is pid 1 of its namespace (which ignores a
 * signal left at its default action). */
static volatile sig_atomic_t stopping;
static sigset_t wait_mask;

static void
on_sigterm(int sig)
{
	(void)sig;
	stopping = 1;
}

static int
stop_on_sigterm(char *why, size_t whylen)
{
	struct sigaction sa;
	sigset_t term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm; /* no SA_RESTART: the wait returns */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigprocmask(SIG_BLOCK, &term, &wait_mask) < 0) {
		snprintf(why, whylen, "SIGTERM: %s", strerror(errno));
		return -1;
	}
	sigdelset(&wait_mask, SIGTERM);
	return 0;
}

int
serve_prepare(struct serve_opts *o, char *why, size_t whylen)
{
	int type = 0, domain = 0, listening = 0;
	socklen_t len = sizeof(int);

	if (!!o->socket_path == (o->sock_fd >= 0)) {
		snprintf(why, whylen, "give exactly one of --socket and --fd");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Before the allowlist, which has no rt_sigaction: a front end that
	 * shrinks guest memory under us ends its connection, not us. */
	if (stop_on_sigterm(why, whylen) < 0 ||
	    gm_fault_install(why, whylen) < 0)
		return -1;
	if (o->socket_path) {
		o->sock_fd = listen_on(o->socket_path, why, whylen);
		return o->sock_fd < 0 ? -1 : 0;
	}
	if (getsockopt(o->sock_fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(o->sock_fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(o->sock_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		       &len) < 0 ||
	    type != SOCK_STREAM || domain != AF_UNIX) {
		snprintf(why, whylen, "--fd %d is not a unix stream socket",
			 o->sock_fd);
		return -1;
	}
	o->accept_once = listening != 0;
	return 0;
}

static void
say_stopping(const struct vu_device *d)
{
	fprintf(stderr, "%s: SIGTERM: stopping\n", d->name);
}

/* Serve one connection: 0 the front end hung up, 1 it broke the
 * protocol, 2 SIGTERM. */
static int
serve_one(int sock, const struct vu_device *d)
{
	static struct vu_conn conn; /* 16 KiB chain inside: not on the stack */
	char why[256] = "";
	int r;

	vu_conn_init(&conn, sock, d);
	conn.stop = &stopping;
	conn.wait_mask = &wait_mask;
	r = vu_conn_run(&conn, why, sizeof(why));
	if (r < 0) {
		text_printable(why, sizeof(why), why);
		fprintf(stderr, "%s: front end broke the protocol: %s\n",
			d->name, why);
	} else if (r > 0) {
		say_stopping(d);
	}
	vu_conn_reset(&conn);
	return r < 0 ? 1 : r > 0 ? 2 : 0;
}

/* Wait for the next connection or SIGTERM: the fd, -1 on an error, -2
 * on SIGTERM. */
static int
next_connection(const struct serve_opts *o, const struct vu_device *d)
{
	for (;;) {
		struct pollfd p = { .fd = o->sock_fd, .events = POLLIN };
		int c;

		if (ppoll(&p, 1, NULL, &wait_mask) < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", d->name,
				strerror(errno));
			return -1;
		}
		if (stopping) {
			say_stopping(d);
			return -2;
		}
		if (!p.revents)
			continue;
		c = accept4(o->sock_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		if (errno != EINTR && errno != ECONNABORTED) {
			fprintf(stderr, "%s: accept: %s\n", d->name,
				strerror(errno));
			return -1;
		}
	}
}

int
serve_run(const struct serve_opts *o, const struct vu_device *d)
{
	char why[256];

	bool listening = o->socket_path || o->accept_once;

	if (o->seccomp &&
	    backend_allowlist_apply(listening, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s\n", d->name, why);
		return 1;
	}
	if (!listening)
		return serve_one(o->sock_fd, d) == 1 ? 1 : 0;
	if (o->accept_once) {
		int c = next_connection(o, d), r;

		if (c < 0)
			return c == -2 ? 0 : 1;
		r = serve_one(c, d);
		close(c);
		return r == 1 ? 1 : 0;
	}
	for (;;) {
		int c = next_connection(o, d), r;

		if (c < 0)
			return c == -2 ? 0 : 1;
		r = serve_one(c, d);
		close(c);
		if (r == 2)
			return 0;
	}
}
