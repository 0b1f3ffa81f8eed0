/* vnc: the guest's display for a VNC client, with nothing listening in
 * the jail. This command listens (loopback by default), and for each
 * client it accepts makes a socketpair, passes one end to the VM's
 * monitor (which hands it to QEMU over QMP: getfd, add_client) and
 * copies bytes between the client's TCP socket and the other end until
 * either side closes. It never reads what it copies. The device model
 * gets a unix socket, never the TCP one: a socket of the host's network
 * namespace could be disconnected and connected anywhere the host
 * reaches (connect with AF_UNSPEC), which its empty network namespace
 * exists to prevent. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../config/vnc.h"
#include "../host/record.h"
#include "../host/vmdir.h"
#include "cli.h"

#define VNC_CLIENTS_MAX 8
#define VNC_BUF 16384
#define VNC_PORT_TRIES 100 /* vncunused: ports tried after the first */

struct vnc_opts {
	char name[BH_NAME_MAX + 1];
	struct sockaddr_in addr;
	bool listen_given;
	bool allow_remote;
	uid_t user; /* a second uid let in over loopback, or 0 */
};

/* One direction of one relay: bytes read from `from`, not yet written to
 * `to`. */
struct pipe_dir {
	int from, to;
	size_t off, len;
	char buf[VNC_BUF];
};

struct relay {
	bool used;
	struct pipe_dir up, down; /* client -> QEMU, QEMU -> client */
};

static struct relay relays[VNC_CLIENTS_MAX]; /* 256 KiB: off the stack */

/* "ADDR:PORT", dotted IPv4 and 1..65535. */
static int
parse_listen(const char *s, struct sockaddr_in *sa)
{
	char a[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	char *end;

	if (!colon || (size_t)(colon - s) >= sizeof(a) || colon[1] < '0' ||
	    colon[1] > '9')
		return -1;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, a, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
parse_args(int argc, char **argv, struct vnc_opts *o)
{
	const char *vm = NULL;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			if (parse_listen(argv[++i], &o->addr) < 0) {
				log_error("--listen '%s': expected IPV4:PORT "
					  "(e.g. 127.0.0.1:5901)",
					  argv[i]);
				return 2;
			}
			o->listen_given = true;
		} else if (!strcmp(argv[i], "--allow-remote")) {
			o->allow_remote = true;
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			const struct passwd *pw = getpwnam(argv[++i]);
			if (!pw) {
				log_error("--user '%s': no such user", argv[i]);
				return 2;
			}
			o->user = pw->pw_uid;
		} else if (argv[i][0] == '-' || vm) {
			vm = NULL;
			break;
		} else {
			vm = argv[i];
		}
	}
	if (!vm) {
		log_error("usage: bulkhead vnc NAME|ID [--listen IPV4:PORT] "
			  "[--allow-remote] [--user USER]");
		return 2;
	}
	if (cli_vm_name(vm, o->name, sizeof(o->name)) < 0) {
		log_error("%s: no such VM (by name or VM id)", vm);
		return 2;
	}
	return 0;
}

/* The address the config's display keys give: vnclisten (a loopback
 * address), port 5900 + vncdisplay, else 5900 + the VM id. */
static int
vm_display(struct vnc_opts *o, bool *search)
{
	char path[PATH_MAX];
	static struct vm_config cfg; /* large */
	struct cfg_error err;
	struct vm_record rec;

	if (record_read(o->name, &rec) < 0 ||
	    vmdir_file(path, sizeof(path), o->name, VMF_CONFIG) < 0 ||
	    config_load(path, &cfg, &err) < 0) {
		log_error("%s: no running VM of that name", o->name);
		return 1;
	}
	if (!cfg.vnc) {
		log_error("%s: the VM has no display: its config does not say "
			  "vnc = 1 (add it, and create the VM again)",
			  o->name);
		return 1;
	}
	*search = !o->listen_given && cfg.vncunused;
	if (o->listen_given)
		return 0;
	unsigned n = cfg.vncdisplay >= 0 ? (unsigned)cfg.vncdisplay : rec.vmid;
	if (n > VNC_DISPLAY_MAX) {
		log_error("%s: display %u is past port 65535; give --listen",
			  o->name, n);
		return 1;
	}
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons((uint16_t)(VNC_PORT_BASE + n));
	inet_pton(AF_INET, cfg.vnclisten[0] ? cfg.vnclisten : "127.0.0.1",
		  &o->addr.sin_addr);
	return 0;
}

static int
open_listener(struct vnc_opts *o, bool search)
{
	unsigned tries = search ? VNC_PORT_TRIES : 1;
	int one = 1;

	for (unsigned i = 0; i < tries; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			break;
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one));
		if (bind(s, (struct sockaddr *)&o->addr, sizeof(o->addr)) ==
			    0 &&
		    listen(s, 4) == 0)
			return s;
		int e = errno;
		close(s);
		if (e != EADDRINUSE || ntohs(o->addr.sin_port) == 65535)
			break;
		o->addr.sin_port =
			htons((uint16_t)(ntohs(o->addr.sin_port) + 1));
		errno = e;
	}
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &o->addr.sin_addr, a, sizeof(a));
	log_error("%s: cannot listen on %s:%u: %s", o->name, a,
		  ntohs(o->addr.sin_port), strerror(errno));
	return -1;
}

/* The uid of the socket at the other end of a loopback connection, from
 * the kernel's table of the host's TCP sockets (its creator's uid), if
 * that socket is still established. (uid_t)-1 if it is not: a client
 * that closed at once leaves a TIME_WAIT entry, which shows uid 0 and
 * must not pass for root's (found by the outside review). */
#define TCP_STATE_ESTABLISHED 0x01 /* the kernel's TCP_ESTABLISHED */

static uid_t
loopback_peer_uid(const struct sockaddr_in *peer, const struct sockaddr_in *us)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	char line[512];
	uid_t found = (uid_t)-1;

	if (!f)
		return found;
	while (fgets(line, sizeof(line), f)) {
		unsigned la, lp, ra, rp, st, uid;
		if (sscanf(line,
			   " %*u: %8X:%4X %8X:%4X %x %*x:%*x %*x:%*x %*x %u",
			   &la, &lp, &ra, &rp, &st, &uid) != 6)
			continue;
		if (st == TCP_STATE_ESTABLISHED &&
		    la == peer->sin_addr.s_addr &&
		    lp == ntohs(peer->sin_port) && ra == us->sin_addr.s_addr &&
		    rp == ntohs(us->sin_port)) {
			found = (uid_t)uid;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Who may use the display: over loopback, root and --user only (a
 * host's other users are not trusted); from elsewhere, anyone who
 * reaches an address root chose with --allow-remote. */
static bool
client_allowed(int c, const struct vnc_opts *o)
{
	struct sockaddr_in peer = { 0 }, us = { 0 };
	socklen_t pl = sizeof(peer), ul = sizeof(us);

	if (getpeername(c, (struct sockaddr *)&peer, &pl) < 0 ||
	    getsockname(c, (struct sockaddr *)&us, &ul) < 0 ||
	    peer.sin_family != AF_INET)
		return false;
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
	if (!vnc_addr_loopback(a))
		return o->allow_remote;
	uid_t uid = loopback_peer_uid(&peer, &us);
	char b;
	/* Looked up while established, and not closed since: a client
	 * that already sent its end of stream is refused as well. */
	if ((uid == 0 || (o->user && uid == o->user)) &&
	    recv(c, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
		return true;
	log_warn("%s: a client from %s:%u (uid %d) refused: only root%s may "
		 "connect (--user USER lets another in)",
		 o->name, a, ntohs(peer.sin_port),
		 uid == (uid_t)-1 ? -1 : (int)uid,
		 o->user ? " and --user" : "");
	return false;
}

static bool
vm_gone(const char *name)
{
	char p[PATH_MAX];

	return vmdir_file(p, sizeof(p), name, VMF_CONTROL_SOCK) < 0 ||
	       access(p, F_OK) < 0;
}

/* Hand one accepted client over: the monitor gets one end of a new
 * socketpair, the relay the other. */
static int
client_start(int c, const struct vnc_opts *o)
{
	int sv[2];
	size_t i;

	for (i = 0; i < VNC_CLIENTS_MAX && relays[i].used; i++)
		;
	if (i == VNC_CLIENTS_MAX)
		log_warn("%s: a client refused: %d are connected already",
			 o->name, VNC_CLIENTS_MAX);
	if (i == VNC_CLIENTS_MAX || !client_allowed(c, o) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(c);
		return 0;
	}
	int rc = cli_vm_request(o->name, CTL_VNC, NULL, sv[1],
				"a VNC client handed to the display");
	close(sv[1]);
	fflush(stdout);
	if (rc != 0) {
		close(sv[0]);
		close(c);
		return vm_gone(o->name) ? rc : 0;
	}
	fd_set_nonblock(c, true);
	fd_set_nonblock(sv[0], true);
	struct relay *r = &relays[i];
	r->used = true;
	r->up.from = c;
	r->up.to = sv[0];
	r->down.from = sv[0];
	r->down.to = c;
	r->up.off = r->up.len = r->down.off = r->down.len = 0;
	return 0;
}

static void
relay_close(struct relay *r)
{
	close(r->up.from);
	close(r->up.to);
	r->used = false;
}

/* Move what one direction can: read when its buffer is empty, write what
 * it holds. -1 when that side is closed or failed. */
static int
pipe_move(struct pipe_dir *d, short rev_from, short rev_to)
{
	if (d->len == 0 && (rev_from & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recv(d->from, d->buf, sizeof(d->buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		d->off = 0;
		d->len = n > 0 ? (size_t)n : 0;
	}
	(void)rev_to; /* a write that would block just waits (EAGAIN) */
	if (d->len) {
		ssize_t n = send(d->to, d->buf + d->off, d->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			d->off += (size_t)n;
			d->len -= (size_t)n;
		}
	}
	return 0;
}

/* fds: the listener, then each relay's client and QEMU end. */
static int
serve(int lsock, const struct vnc_opts *o)
{
	struct pollfd p[1 + 2 * VNC_CLIENTS_MAX];

	for (;;) {
		p[0] = (struct pollfd){ .fd = lsock, .events = POLLIN };
		for (size_t i = 0; i < VNC_CLIENTS_MAX; i++) {
			struct relay *r = &relays[i];
			struct pollfd *c = &p[1 + 2 * i], *q = c + 1;
			c->fd = r->used ? r->up.from : -1;
			q->fd = r->used ? r->down.from : -1;
			c->events = (short)((r->up.len ? 0 : POLLIN) |
					    (r->down.len ? POLLOUT : 0));
			q->events = (short)((r->down.len ? 0 : POLLIN) |
					    (r->up.len ? POLLOUT : 0));
		}
		int n = poll(p, 1 + 2 * VNC_CLIENTS_MAX, 1000);
		if (n < 0 && errno != EINTR)
			return 1;
		if (vm_gone(o->name)) {
			printf("%s: the VM is gone\n", o->name);
			return 0;
		}
		for (size_t i = 0; n > 0 && i < VNC_CLIENTS_MAX; i++) {
			struct relay *r = &relays[i];
			short rc = p[1 + 2 * i].revents,
			      rq = p[2 + 2 * i].revents;
			/* A side that hung up or failed ends the relay: what
			 * it still owed cannot be delivered, and polling it
			 * again would only spin. */
			if (r->used && (pipe_move(&r->up, rc, rq) < 0 ||
					pipe_move(&r->down, rq, rc) < 0 ||
					((rc | rq) & (POLLHUP | POLLERR))))
				relay_close(r);
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && client_start(c, o) != 0)
				return 1;
		}
	}
}

int
cmd_vnc(int argc, char **argv)
{
	struct vnc_opts o;
	bool search = false;
	char a[INET_ADDRSTRLEN];

	if (cli_require_root("vnc") < 0)
		return 1;
	int rc = parse_args(argc, argv, &o);
	if (rc || (rc = vm_display(&o, &search)))
		return rc;
	inet_ntop(AF_INET, &o.addr.sin_addr, a, sizeof(a));
	if (!vnc_addr_loopback(a) && !o.allow_remote) {
		log_error("%s is not a loopback address: VNC here has no "
			  "password and no encryption, so anyone who reaches "
			  "it sees and types into the guest; give "
			  "--allow-remote to accept that, or tunnel "
			  "127.0.0.1 over SSH",
			  a);
		return 2;
	}
	if (!vnc_addr_loopback(a))
		log_warn("listening on %s: anyone who reaches it sees and "
			 "types into %s's display, with no password",
			 a, o.name);
	signal(SIGPIPE, SIG_IGN);
	int lsock = open_listener(&o, search);
	if (lsock < 0)
		return 1;
	printf("%s: vnc on %s:%u; Ctrl-C stops\n", o.name, a,
	       ntohs(o.addr.sin_port));
	fflush(stdout);
	rc = serve(lsock, &o);
	close(lsock);
	return rc;
}
