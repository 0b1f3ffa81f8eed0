/* vnc: the guest's display for a VNC client, with nothing listening in
 * the jail. This command listens (loopback TCP by default, or a unix
 * socket), and for each client it accepts makes a socketpair, passes
 * one end to the VM's monitor (which hands it to QEMU over QMP: getfd,
 * add_client) and copies bytes between the client's socket and the
 * other end until either side closes. It never reads what it copies.
 * The device model gets a unix socket, never the TCP one: a socket of
 * the host's network namespace could be disconnected and connected
 * anywhere the host reaches (connect with AF_UNSPEC), which its empty
 * network namespace exists to prevent. The command serves the VM it
 * started for only (its record's identity, pinned): a new VM made with
 * the name or the id is not handed a client. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../common/log.h"
#include "../config/config.h"
#include "../config/vnc.h"
#include "../host/vmdir.h"
#include "cli.h"
#include "vnc.h"

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
usage(void)
{
	log_error("usage: bulkhead vnc NAME|ID [--listen IPV4:PORT "
		  "[--allow-remote] | --unix PATH] [--user USER]");
	return 2;
}

/* One option at argv[*i]: 0, 1 for not an option, or 2 for a bad one. */
static int
parse_opt(int argc, char **argv, int *i, struct vnc_opts *o)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--allow-remote")) {
		o->allow_remote = true;
		return 0;
	}
	if (*i + 1 >= argc ||
	    (strcmp(a, "--listen") != 0 && strcmp(a, "--user") != 0 &&
	     strcmp(a, "--unix") != 0))
		return 1;
	const char *v = argv[++*i];
	if (!strcmp(a, "--unix")) {
		o->unix_path = v;
	} else if (!strcmp(a, "--listen")) {
		if (parse_listen(v, &o->addr) < 0) {
			log_error("--listen '%s': expected IPV4:PORT (e.g. "
				  "127.0.0.1:5901)",
				  v);
			return 2;
		}
		o->listen_given = true;
	} else {
		const struct passwd *pw = getpwnam(v);
		if (!pw || pw->pw_uid == 0) {
			log_error("--user '%s': no such user (other than root)",
				  v);
			return 2;
		}
		o->user = pw->pw_uid;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct vnc_opts *o)
{
	const char *vm = NULL;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		int rc = parse_opt(argc, argv, &i, o);
		if (rc == 2)
			return 2;
		if (rc == 0)
			continue;
		if (argv[i][0] == '-' || vm)
			return usage();
		vm = argv[i];
	}
	if (!vm || (o->unix_path && (o->listen_given || o->allow_remote)))
		return usage();
	if (cli_vm_name(vm, o->name, sizeof(o->name)) < 0) {
		log_error("%s: no such VM (by name or VM id)", vm);
		return 2;
	}
	return 0;
}

/* The VM, pinned (its record as now), and the address the config's
 * display keys give: vnclisten (a loopback address), port 5900 +
 * vncdisplay, else 5900 + the VM id. */
static int
vm_display(struct vnc_opts *o, bool *search)
{
	char path[PATH_MAX];
	static struct vm_config cfg; /* large */
	struct cfg_error err;

	if (record_read(o->name, &o->pin) < 0 ||
	    vmdir_file(path, sizeof(path), o->name, VMF_CONFIG) < 0 ||
	    config_load(path, &cfg, &err) < 0 || o->pin.dm_start == 0) {
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
	if (o->listen_given || o->unix_path)
		return 0;
	unsigned n =
		cfg.vncdisplay >= 0 ? (unsigned)cfg.vncdisplay : o->pin.vmid;
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

/* A non-loopback TCP address only with --allow-remote, which warns. */
static int
check_addr(const struct vnc_opts *o)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &o->addr.sin_addr, a, sizeof(a));
	if (vnc_addr_loopback(a))
		return 0;
	if (!o->allow_remote) {
		log_error("%s is not a loopback address: VNC here has no "
			  "password and no encryption, so anyone who reaches "
			  "it sees and types into the guest; give "
			  "--allow-remote to accept that, or tunnel "
			  "127.0.0.1 (or --unix PATH) over SSH",
			  a);
		return 2;
	}
	log_warn("listening on %s: anyone who reaches it sees and types into "
		 "%s's display, with no password",
		 a, o->name);
	return 0;
}

static int
open_listener(struct vnc_opts *o, bool search, struct vnc_unix *u)
{
	char why[512], a[INET_ADDRSTRLEN];
	int fd;

	if (o->unix_path) {
		int rc = vnc_listen_unix(o, u, &fd, why, sizeof(why));
		if (rc < 0) {
			log_error("%s: --unix %s", o->name, why);
			return rc == -EPERM || rc == -EEXIST || rc == -ELOOP
				       ? -2
				       : -1;
		}
		printf("%s: vnc on %s; Ctrl-C stops\n", o->name, o->unix_path);
		return fd;
	}
	fd = vnc_listen_tcp(o, search);
	if (fd < 0)
		return -1;
	inet_ntop(AF_INET, &o->addr.sin_addr, a, sizeof(a));
	printf("%s: vnc on %s:%u; Ctrl-C stops\n", o->name, a,
	       ntohs(o->addr.sin_port));
	return fd;
}

int
cmd_vnc(int argc, char **argv)
{
	struct vnc_opts o;
	struct vnc_unix u = { .dirfd = -1 };
	bool search = false;
	sigset_t stop;

	if (cli_require_root("vnc") < 0)
		return 1;
	int rc = parse_args(argc, argv, &o);
	if (rc || (rc = vm_display(&o, &search)) ||
	    (!o.unix_path && (rc = check_addr(&o))))
		return rc;
	signal(SIGPIPE, SIG_IGN);
	/* Ctrl-C and the like end the loop, so the socket is removed. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	int lsock = open_listener(&o, search, &u);
	if (lsock < 0)
		return lsock == -2 ? 2 : 1;
	fflush(stdout);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	int sigfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	rc = sigfd < 0 ? 1 : vnc_serve(lsock, sigfd, &o);
	close(lsock);
	vnc_unix_remove(&u);
	if (sigfd >= 0)
		close(sigfd);
	return rc;
}
