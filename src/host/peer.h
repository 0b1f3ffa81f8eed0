/* Who is at the other end of a connection root accepted, for a command
 * that lets only some of the host's users in (bulkhead vnc): host users
 * other than root are not trusted, and any of them can connect to an
 * address of the host. */
#ifndef BULKHEAD_PEER_H
#define BULKHEAD_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PEER_UID_UNKNOWN ((uid_t)-1)

/* One line of /proc/net/tcp: 1, with its uid, if it is the established
 * socket at the other end of our connection (its local address our
 * peer's, its remote ours), else 0. */
int peer_tcp_line(const char *line, const struct sockaddr_in *peer,
		  const struct sockaddr_in *us, uid_t *uid);
/* That socket's uid (its creator's) from the host's TCP table, or
 * PEER_UID_UNKNOWN when there is none established: a remote client, or
 * a local one already gone (a TIME_WAIT entry shows uid 0 and must not
 * pass for root's). */
uid_t peer_tcp_uid(const struct sockaddr_in *peer,
		   const struct sockaddr_in *us);
/* One line of /proc/net/tcp or tcp6: 1, with its uid, if it is a
 * listening socket on port, else 0. */
int peer_listener_line(const char *line, uint16_t port, uid_t *uid);
/* Who listens on TCP port (any address, IPv4 or IPv6): the uid of a
 * listener that is not root's if there is one, else 0 if root's alone
 * do, else PEER_UID_UNKNOWN (none, or the tables unreadable). */
uid_t peer_listener_uid(uint16_t port);
/* Whether a is the host's own: in 127.0.0.0/8, or an address of one of
 * its interfaces (getifaddrs). A client from there is a local user. */
bool peer_addr_own(const struct in_addr *a);

enum peer_verdict {
	PEER_LET_IN,
	PEER_REFUSE_USER,    /* a local socket of a user not let in */
	PEER_REFUSE_UNKNOWN, /* from the host itself, its socket not found */
	PEER_REFUSE_REMOTE,  /* from elsewhere, without allow_remote */
};

/* The rule: a client whose socket is the host's (uid known) is let in
 * when it is root's or user's (user 0: none); one from the host's own
 * address whose socket is not found is refused; one from elsewhere is
 * let in only with allow_remote. */
enum peer_verdict peer_judge(uid_t uid, bool own_addr, bool allow_remote,
			     uid_t user);

#endif
