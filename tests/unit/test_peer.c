/* Who is at the other end of a connection (bulkhead vnc's admission):
 * the /proc/net/tcp line that is a connection's mirror, and the rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/host/peer.h"

static struct sockaddr_in
ipv4(const char *a, unsigned port)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

/* A connection from 10.9.8.7:40000 to 10.9.8.7:5901, seen from the
 * server: the client's socket is the line whose local end is the peer.
 * The kernel prints each address as the u32 in host order of the
 * network-order bytes (little-endian here: 10.9.8.7 is 0708090A). */
static void
test_tcp_line(void **state)
{
	(void)state;
	struct sockaddr_in peer = ipv4("10.9.8.7", 40000);
	struct sockaddr_in us = ipv4("10.9.8.7", 5901);
	char line[256];
	uid_t uid = 12345;

	snprintf(line, sizeof(line),
		 "   3: %08X:9C40 %08X:170D 01 00000000:00000000 00:00000000 "
		 "00000000 65534        0 123 1 0 20 4 30 10 -1",
		 peer.sin_addr.s_addr, us.sin_addr.s_addr);
	assert_int_equal(peer_tcp_line(line, &peer, &us, &uid), 1);
	assert_int_equal(uid, 65534);
	/* The server's own socket (local = us): not the client's. */
	uid = 12345;
	assert_int_equal(peer_tcp_line(line, &us, &peer, &uid), 0);
	assert_int_equal(uid, 12345);
	/* The same ends, TIME_WAIT (06): gone, and its uid 0 is no one's. */
	snprintf(line, sizeof(line),
		 "   3: %08X:9C40 %08X:170D 06 00000000:00000000 03:00000000 "
		 "00000000     0        0 0 3 0",
		 peer.sin_addr.s_addr, us.sin_addr.s_addr);
	assert_int_equal(peer_tcp_line(line, &peer, &us, &uid), 0);
	/* Another port, and the header line. */
	struct sockaddr_in other = ipv4("10.9.8.7", 40001);
	assert_int_equal(peer_tcp_line(line, &other, &us, &uid), 0);
	assert_int_equal(
		peer_tcp_line("  sl  local_address rem_address   st tx_queue "
			      "rx_queue tr tm->when retrnsmt   uid  timeout",
			      &peer, &us, &uid),
		0);
}

static void
test_judge(void **state)
{
	(void)state;
	/* A socket of the host's: root's and --user's only, whatever
	 * the address and --allow-remote. */
	assert_int_equal(peer_judge(0, true, false, 0), PEER_LET_IN);
	assert_int_equal(peer_judge(1000, true, false, 0), PEER_REFUSE_USER);
	assert_int_equal(peer_judge(1000, true, true, 0), PEER_REFUSE_USER);
	assert_int_equal(peer_judge(1000, false, true, 0), PEER_REFUSE_USER);
	assert_int_equal(peer_judge(1000, true, true, 1000), PEER_LET_IN);
	assert_int_equal(peer_judge(1001, true, true, 1000), PEER_REFUSE_USER);
	/* From the host's own address but no socket found (gone, or
	 * another namespace's): refused, even with --allow-remote. */
	assert_int_equal(peer_judge(PEER_UID_UNKNOWN, true, true, 0),
			 PEER_REFUSE_UNKNOWN);
	/* From elsewhere: only with --allow-remote. */
	assert_int_equal(peer_judge(PEER_UID_UNKNOWN, false, false, 0),
			 PEER_REFUSE_REMOTE);
	assert_int_equal(peer_judge(PEER_UID_UNKNOWN, false, true, 0),
			 PEER_LET_IN);
}

static void
test_addr_own(void **state)
{
	(void)state;
	struct in_addr a;

	inet_pton(AF_INET, "127.3.2.1", &a);
	assert_true(peer_addr_own(&a));
	inet_pton(AF_INET, "192.0.2.77", &a); /* TEST-NET-1: no one's */
	assert_false(peer_addr_own(&a));
}

/* A listener on a port, in tcp's and tcp6's layouts; other states and
 * ports are not; and a live one: ours, found as root's. */
static void
test_listener(void **state)
{
	(void)state;
	uid_t uid = 12345;

	assert_int_equal(
		peer_listener_line("   0: 0100007F:170D 00000000:0000 0A "
				   "00000000:00000000 00:00000000 00000000 "
				   "65534        0 1 1 0 100 0 0 10 0",
				   5901, &uid),
		1);
	assert_int_equal(uid, 65534);
	assert_int_equal(peer_listener_line(
				 "   1: 00000000000000000000000000000000:170D "
				 "00000000000000000000000000000000:0000 0A "
				 "00000000:00000000 00:00000000 00000000  1001 "
				 "       0 2 1 0 100 0 0 10 0",
				 5901, &uid),
			 1);
	assert_int_equal(uid, 1001);
	uid = 12345;
	assert_int_equal(
		peer_listener_line("   0: 0100007F:170D 0100007F:9C40 01 "
				   "00000000:00000000 00:00000000 00000000 "
				   "65534        0 1 1 0 100 0 0 10 0",
				   5901, &uid),
		0);
	assert_int_equal(
		peer_listener_line("   0: 0100007F:170E 00000000:0000 0A "
				   "00000000:00000000 00:00000000 00000000 "
				   "65534        0 1 1 0 100 0 0 10 0",
				   5901, &uid),
		0);
	assert_int_equal(peer_listener_line("garbage", 5901, &uid), 0);
	assert_int_equal(uid, 12345);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = ipv4("127.0.0.1", 0);
	socklen_t len = sizeof(a);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(peer_listener_uid(ntohs(a.sin_port)), geteuid());
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_line),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_addr_own),
		cmocka_unit_test(test_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
