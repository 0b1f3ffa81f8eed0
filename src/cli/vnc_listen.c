/* Where bulkhead vnc listens, and who may connect. VNC here has no
 * password (the device model would hold it), and a host's users other
 * than root are not trusted, so a client that is a local user is let in
 * only if it is root or the --user given: over TCP from any of the
 * host's own addresses (its socket's uid from the kernel's TCP table),
 * over --unix by its peer credentials. A remote client reaches only an
 * address root chose with --allow-remote. */
#include "vnc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/log.h"
#include "../host/peer.h"
#include "../host/safe_open.h"

int
vnc_listen_tcp(struct vnc_opts *o, bool search)
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
		/* A user's listener on the port this VM's viewers expect
		 * would get them (and what they type) if we moved on;
		 * said by name either way. */
		uid_t held =
			e == EADDRINUSE
				? peer_listener_uid(ntohs(o->addr.sin_port))
				: 0;
		if (held != 0 && held != PEER_UID_UNKNOWN) {
			log_error("%s: port %u is held by a listener of uid "
				  "%u, not root's: a viewer aimed at this "
				  "VM's port would reach it; not moving on "
				  "(give --listen ADDR:PORT, or --unix PATH)",
				  o->name, ntohs(o->addr.sin_port),
				  (unsigned)held);
			return -1;
		}
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

/* Bind s to leaf in the directory dirfd, through /proc/self/fd: the
 * directory walked and checked, not its name again. Made 0600 (the
 * umask), root's or user's: no one else may connect in between. */
static int
bind_in(int s, int dirfd, const char *leaf, uid_t user)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path),
			 "/proc/self/fd/%d/%s", dirfd, leaf);

	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	mode_t old = umask(0177);
	int rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		return -errno;
	if (user &&
	    fchownat(dirfd, leaf, user, (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		unlinkat(dirfd, leaf, 0);
		return rc;
	}
	return 0;
}

int
vnc_listen_unix(const struct vnc_opts *o, struct vnc_unix *u, int *fd,
		char *why, size_t whylen)
{
	struct stat st;
	int rc = safe_parent_root(o->unix_path, &u->dirfd, u->leaf,
				  sizeof(u->leaf), why, whylen);

	*fd = -1;
	if (rc < 0)
		return rc;
	/* The socket given to --user is its own: in a directory others
	 * may write (sticky or not) it could rename it away and listen at
	 * the path in its place. */
	if (o->user &&
	    (fstat(u->dirfd, &st) < 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		snprintf(why, whylen,
			 "%s: with --user, its directory must be writable by "
			 "root alone (the user could rename its socket and "
			 "listen there instead)",
			 o->unix_path);
		rc = -EPERM;
		goto fail;
	}
	/* Nothing there is followed or replaced: a symlink, a user's
	 * socket, a stale one of ours alike. */
	if (fstatat(u->dirfd, u->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(why, whylen,
			 "%s exists: it is neither followed nor replaced "
			 "(remove it if it is a stale socket)",
			 o->unix_path);
		rc = -EEXIST;
		goto fail;
	}
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || (rc = bind_in(*fd, u->dirfd, u->leaf, o->user)) < 0 ||
	    fstatat(u->dirfd, u->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    listen(*fd, 4) < 0) {
		rc = rc < 0 ? rc : -errno;
		snprintf(why, whylen, "%s: cannot listen: %s", o->unix_path,
			 strerror(-rc));
		goto fail;
	}
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	close(u->dirfd);
	u->dirfd = -1;
	return rc;
}

void
vnc_unix_remove(struct vnc_unix *u)
{
	struct stat st;

	if (u->dirfd < 0)
		return;
	if (fstatat(u->dirfd, u->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == u->dev && st.st_ino == u->ino)
		unlinkat(u->dirfd, u->leaf, 0);
	close(u->dirfd);
	u->dirfd = -1;
}

static void
refused(const struct vnc_opts *o, const char *from, uid_t uid,
	enum peer_verdict v)
{
	log_warn("%s: a client%s%s (uid %d) refused: %s", o->name,
		 from[0] ? " from " : "", from,
		 uid == PEER_UID_UNKNOWN ? -1 : (int)uid,
		 v == PEER_REFUSE_REMOTE ? "not a local client, and "
					   "--allow-remote not given"
		 : v == PEER_REFUSE_UNKNOWN
			 ? "a local client whose socket was gone (or is not "
			   "the host's) when it was checked"
		 : o->user ? "only root and --user may connect"
			   : "only root may connect (--user USER lets "
			     "another in)");
}

/* A --unix client: its peer credentials (the connecting process's). */
static bool
unix_allowed(int c, const struct vnc_opts *o)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	uid_t uid = getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0
			    ? cr.uid
			    : PEER_UID_UNKNOWN;
	enum peer_verdict v = peer_judge(uid, true, false, o->user);

	if (v != PEER_LET_IN)
		refused(o, "", uid, v);
	return v == PEER_LET_IN;
}

bool
vnc_client_allowed(int c, const struct vnc_opts *o)
{
	struct sockaddr_in peer = { 0 }, us = { 0 };
	socklen_t pl = sizeof(peer), ul = sizeof(us);
	char a[INET_ADDRSTRLEN + 8];

	if (o->unix_path)
		return unix_allowed(c, o);
	if (getpeername(c, (struct sockaddr *)&peer, &pl) < 0 ||
	    getsockname(c, (struct sockaddr *)&us, &ul) < 0 ||
	    peer.sin_family != AF_INET)
		return false;
	uid_t uid = peer_tcp_uid(&peer, &us);
	enum peer_verdict v = peer_judge(uid, peer_addr_own(&peer.sin_addr),
					 o->allow_remote, o->user);
	char b;
	/* A local socket looked up while established, and not closed
	 * since: one that already sent its end of stream is refused as
	 * well (its socket may be gone and its port reused). */
	if (v == PEER_LET_IN && (uid == PEER_UID_UNKNOWN ||
				 recv(c, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0))
		return true;
	if (v == PEER_LET_IN)
		v = PEER_REFUSE_UNKNOWN;
	inet_ntop(AF_INET, &peer.sin_addr, a, INET_ADDRSTRLEN);
	snprintf(a + strlen(a), sizeof(a) - strlen(a), ":%u",
		 ntohs(peer.sin_port));
	refused(o, a, uid, v);
	return false;
}
