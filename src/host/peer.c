#include "peer.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <sys/socket.h>

#define TCP_STATE_ESTABLISHED 0x01 /* the kernel's TCP_ESTABLISHED */
#define TCP_STATE_LISTEN 0x0A      /* and TCP_LISTEN */

int
peer_tcp_line(const char *line, const struct sockaddr_in *peer,
	      const struct sockaddr_in *us, uid_t *uid)
{
	unsigned la, lp, ra, rp, st, u;

	/* "sl: LOCAL:PORT REMOTE:PORT st tx:rx tr:when retrnsmt uid" with
	 * addresses in network order as the host prints a u32. */
	if (sscanf(line, " %*u: %8X:%4X %8X:%4X %x %*x:%*x %*x:%*x %*x %u", &la,
		   &lp, &ra, &rp, &st, &u) != 6)
		return 0;
	if (st != TCP_STATE_ESTABLISHED || la != peer->sin_addr.s_addr ||
	    lp != ntohs(peer->sin_port) || ra != us->sin_addr.s_addr ||
	    rp != ntohs(us->sin_port))
		return 0;
	*uid = (uid_t)u;
	return 1;
}

uid_t
peer_tcp_uid(const struct sockaddr_in *peer, const struct sockaddr_in *us)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	char line[512];
	uid_t uid = PEER_UID_UNKNOWN;

	if (!f)
		return uid;
	while (fgets(line, sizeof(line), f))
		if (peer_tcp_line(line, peer, us, &uid))
			break;
	fclose(f);
	return uid;
}

int
peer_listener_line(const char *line, uint16_t port, uid_t *uid)
{
	unsigned lp, st, u;

	/* The same columns in tcp and tcp6; only the address widths
	 * differ (8 or 32 hex digits). */
	if (sscanf(line,
		   " %*u: %*[0-9A-Fa-f]:%4X %*[0-9A-Fa-f]:%*4X %x %*x:%*x "
		   "%*x:%*x %*x %u",
		   &lp, &st, &u) != 3)
		return 0;
	if (st != TCP_STATE_LISTEN || lp != port)
		return 0;
	*uid = (uid_t)u;
	return 1;
}

uid_t
peer_listener_uid(uint16_t port)
{
	static const char *const tables[] = { "/proc/net/tcp",
					      "/proc/net/tcp6" };
	uid_t found = PEER_UID_UNKNOWN;
	char line[512];

	for (size_t t = 0; t < 2; t++) {
		FILE *f = fopen(tables[t], "re");
		if (!f)
			continue;
		uid_t u;
		while (fgets(line, sizeof(line), f))
			if (peer_listener_line(line, port, &u) &&
			    (found == PEER_UID_UNKNOWN || u != 0))
				found = u;
		fclose(f);
	}
	return found;
}

bool
peer_addr_own(const struct in_addr *a)
{
	struct ifaddrs *list;
	bool own = (ntohl(a->s_addr) >> 24) == 127;

	/* Unlisted (getifaddrs failed): taken as the host's, so the
	 * client is let in only if its socket is found and allowed. */
	if (own || getifaddrs(&list) < 0)
		return true;
	for (struct ifaddrs *i = list; i && !own; i = i->ifa_next)
		own = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		      ((const struct sockaddr_in *)(const void *)i->ifa_addr)
				      ->sin_addr.s_addr == a->s_addr;
	freeifaddrs(list);
	return own;
}

enum peer_verdict
peer_judge(uid_t uid, bool own_addr, bool allow_remote, uid_t user)
{
	if (uid != PEER_UID_UNKNOWN)
		return uid == 0 || (user != 0 && uid == user)
			       ? PEER_LET_IN
			       : PEER_REFUSE_USER;
	if (own_addr)
		return PEER_REFUSE_UNKNOWN;
	return allow_remote ? PEER_LET_IN : PEER_REFUSE_REMOTE;
}
