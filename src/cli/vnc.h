/* bulkhead vnc, in three parts: the listener and who may connect
 * (vnc_listen.c), the hand-over of one client to the VM's monitor
 * (vnc_handover.c), and the relays with their loop (vnc_relay.c);
 * cmd_vnc.c reads the command line and the VM's display keys. */
#ifndef BULKHEAD_CLI_VNC_H
#define BULKHEAD_CLI_VNC_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/paths.h"
#include "../host/record.h"

struct vnc_opts {
	char name[BH_NAME_MAX + 1];
	struct sockaddr_in addr;
	bool listen_given;
	bool allow_remote;
	const char *unix_path; /* --unix: a unix socket instead of TCP */
	uid_t user;            /* a second uid let in, or 0 */
	struct vm_record pin;  /* the VM this relay serves, as it started */
};

/* The unix socket made for --unix, to be removed at the end only if its
 * name still names it. */
struct vnc_unix {
	int dirfd; /* its directory, O_PATH */
	char leaf[NAME_MAX + 1];
	dev_t dev;
	ino_t ino;
};

/* vncunused: ports tried after the first. */
#define VNC_PORT_TRIES 100

int vnc_listen_tcp(struct vnc_opts *o, bool search);
/* 0 with the listening socket in *fd, or -errno with why (-EPERM,
 * -EEXIST: the path is refused). */
int vnc_listen_unix(const struct vnc_opts *o, struct vnc_unix *u, int *fd,
		    char *why, size_t whylen);
void vnc_unix_remove(struct vnc_unix *u);
/* Whether the client on an accepted socket may use the display; a
 * refusal is said on stderr with the client's uid. */
bool vnc_client_allowed(int c, const struct vnc_opts *o);

/* One hand-over under way: the request sent to the monitor, its answer
 * awaited without blocking, until a deadline. */
struct handover {
	int ctl; /* the connection to the monitor, -1 when none */
	uint64_t deadline;
	size_t got;
	char reply[256];
};

/* Connect to the VM's monitor without waiting, check that it is the
 * monitor of the pinned VM, and send it fd. 0, or -errno with why
 * (-ESTALE: the name is another VM's now). */
int handover_begin(struct handover *h, const struct vm_record *pin, int fd,
		   char *why, size_t whylen);
/* Read what the monitor has answered: 1 when it took the client, 0 while
 * its answer is still to come, -1 (why) for a refusal, a failure or a
 * deadline passed at now. */
int handover_read(struct handover *h, uint64_t now, char *why, size_t whylen);
void handover_end(struct handover *h);

/* Relay until the VM goes (0) or a host error (1); a signal in sigfd
 * (-1: none) ends it too (0). */
int vnc_serve(int lsock, int sigfd, const struct vnc_opts *o);
/* Whether the pinned VM still runs: 0, or -1 having said why not. */
int vnc_vm_check(const struct vnc_opts *o);

#endif
