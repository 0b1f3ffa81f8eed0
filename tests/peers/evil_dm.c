/* evil-dm: a device model that has been compromised, for the hostile-QMP
 * tests. bulkhead starts it as device_model_override, in the same jail
 * and with the same arguments as QEMU; the mode comes from the guest
 * command line (-append "... evil=MODE"). Modes named late-* first pass
 * the handshake like QEMU, so the VM is running when they turn. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evil_net.h"

static int qmp = -1;
static int passed = -1; /* the last fd that came with a request (getfd) */

static void
put(const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(qmp, s, len);
		if (n <= 0)
			_exit(0);
		s += n;
		len -= (size_t)n;
	}
}

/* Read one request line; return its "id" (or -1). */
static long
request(char *cmd, size_t cmdlen)
{
	char line[4096];
	size_t got = 0;

	while (got + 1 < sizeof(line)) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = line + got, .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(qmp, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			_exit(0);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(&passed, CMSG_DATA(c), sizeof(int));
		if (line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	const char *e = strstr(line, "\"execute\":\"");
	cmd[0] = '\0';
	if (e) {
		e += 11;
		size_t k = strcspn(e, "\"");
		snprintf(cmd, cmdlen, "%.*s",
			 (int)(k < cmdlen ? k : cmdlen - 1), e);
	}
	const char *id = strstr(line, "\"id\":");
	return id ? strtol(id + 5, NULL, 10) : -1;
}

static void
reply(long id, const char *ret)
{
	char out[512];
	snprintf(out, sizeof(out), "{\"return\": %s, \"id\": %ld}\n", ret, id);
	put(out);
}

static const char greeting[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
	"\"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\n";
static const char event[] =
	"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RTC_CHANGE\", "
	"\"data\": {\"offset\": 0}}\n";

/* A guest that reboots as fast as the toolstack restarts it: a SHUTDOWN
 * (guest-reset) event, then answers to the restart (system_reset,
 * query-status: running), forever. The host's event log must stay
 * bounded. */
static void
reboot_loop(unsigned pace_us)
{
	static const char reset[] =
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
		"\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, "
		"\"reason\": \"guest-reset\"}}\n";
	char cmd[64];

	for (;;) {
		if (pace_us)
			usleep(pace_us);
		put(reset);
		for (;;) {
			long id = request(cmd, sizeof(cmd));
			if (!strcmp(cmd, "query-status")) {
				reply(id, "{\"status\": \"running\", "
					  "\"running\": true}");
				break;
			}
			reply(id, "{}");
		}
	}
}

/* Answer like QEMU until the VM runs (qmp_capabilities, query-status,
 * any media, cont). */
static void
handshake(void)
{
	char cmd[64];

	put(greeting);
	for (;;) {
		long id = request(cmd, sizeof(cmd));
		if (!strcmp(cmd, "query-status"))
			reply(id,
			      "{\"status\": \"prelaunch\", \"running\": false}");
		else
			reply(id, "{}");
		if (!strcmp(cmd, "cont"))
			return;
	}
}

static void
hang(void)
{
	for (;;)
		pause();
}

static void
flood(void)
{
	for (;;)
		put(event);
}

/* Drop the toolstack's image locks (src/host/imglock.h) on every rw
 * file it was handed, so a second VM could open the image: each way
 * must fail under the jail's filter. Says what happened on stderr. */
static void
unlock_disks(void)
{
	for (int fd = 0; fd < 1024; fd++) {
		struct flock un = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
		struct stat st;
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || (fl & O_ACCMODE) != O_RDWR ||
		    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		int a = fcntl(fd, F_OFD_SETLK, &un);
		int ea = errno;
		int b = flock(fd, LOCK_UN);
		int eb = errno;
		fprintf(stderr,
			"evil-dm: unlock fd %d: F_OFD_SETLK %s, flock %s\n", fd,
			a == 0 ? "ok" : strerror(ea),
			b == 0 ? "ok" : strerror(eb));
	}
}

/* A VNC server that serves its first client (the RFB greeting, then an
 * echo of what the client sends) and never answers the QMP request that
 * hands it a second one: the toolstack must keep relaying the first. */
static void
vnc_stall(void)
{
	char cmd[64], buf[4096];
	int client = -1, next = -1, handed = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = qmp, .events = POLLIN },
				       { .fd = client, .events = POLLIN } };
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents) {
			ssize_t n = read(client, buf, sizeof(buf));
			if (n <= 0 || write(client, buf, (size_t)n) != n) {
				close(client);
				client = -1;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		passed = -1;
		long id = request(cmd, sizeof(cmd));
		if (!strcmp(cmd, "getfd") && handed == 0) {
			next = passed;
			reply(id, "{}");
		} else if (!strcmp(cmd, "add_client") && next >= 0) {
			client = next;
			next = -1;
			handed = 1;
			if (write(client, "RFB 003.008\n", 12) != 12)
				_exit(4);
			reply(id, "{}");
		} else if (!strcmp(cmd, "getfd")) {
			fprintf(stderr, "evil-dm: a second VNC client, never "
					"answered\n");
		} else {
			reply(id, "{}");
		}
	}
}

int
main(int argc, char **argv)
{
	const char *mode = "";
	char cmd[64];

	for (int i = 1; i + 1 < argc; i++) {
		const char *fd = strstr(argv[i + 1], "id=bh-qmp,fd=");
		if (!strcmp(argv[i], "-chardev") && fd)
			qmp = atoi(fd + 13);
		const char *m = strstr(argv[i + 1], "evil=");
		if (!strcmp(argv[i], "-append") && m)
			mode = m + 5;
	}
	if (qmp < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (!strncmp(mode, "silent", 6))
		hang(); /* not even the connection is taken */
	/* Like QEMU (server=on), take the monitor's connection first. */
	int conn = accept(qmp, NULL, NULL);
	if (conn < 0)
		return 3;
	qmp = conn;
	if (!strncmp(mode, "garbage", 7)) {
		put("this is not JSON\n");
	} else if (!strncmp(mode, "hugeline", 8)) {
		/* 1 GiB without a newline: the monitor must stop at 64 KiB. */
		static char mib[1 << 20];
		memset(mib, 'x', sizeof(mib));
		put("{\"QMP\": \"");
		for (int i = 0; i < 1024; i++)
			put(mib);
	} else if (!strncmp(mode, "deep", 4)) {
		put(greeting);
		long id = request(cmd, sizeof(cmd));
		char *s = malloc(20000);
		int n = sprintf(s, "{\"return\": ");
		for (int i = 0; i < 5000; i++)
			s[n++] = '[';
		for (int i = 0; i < 5000; i++)
			s[n++] = ']';
		sprintf(s + n, ", \"id\": %ld}\n", id);
		put(s);
	} else if (!strncmp(mode, "flood", 5)) {
		put(greeting);
		flood();
	} else if (!strncmp(mode, "silent", 6)) {
		/* never a greeting */
	} else if (!strncmp(mode, "outoforder", 10)) {
		put(greeting);
		reply(request(cmd, sizeof(cmd)) + 1000, "{}");
	} else if (!strncmp(mode, "closemid", 8)) {
		put(greeting);
		(void)request(cmd, sizeof(cmd));
		put("{\"return\": {}, \"i");
		close(qmp);
	} else if (!strncmp(mode, "late-garbage", 12)) {
		handshake();
		sleep(1);
		put("]]]] not JSON\n");
	} else if (!strncmp(mode, "late-flood", 10)) {
		handshake();
		flood();
	} else if (!strncmp(mode, "late-close", 10)) {
		handshake();
		close(qmp);
	} else if (!strncmp(mode, "late-silent", 11)) {
		handshake();
	} else if (!strncmp(mode, "late-badshape", 13)) {
		handshake();
		reply(request(cmd, sizeof(cmd)), "{\"surprise\": [1, 2, 3]}");
	} else if (!strncmp(mode, "late-badevent", 13)) {
		handshake();
		sleep(1);
		put("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
		    "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": \"yes\"}}\n");
	} else if (!strncmp(mode, "late-unlock", 11)) {
		handshake();
		unlock_disks();
	} else if (!strncmp(mode, "late-vnc-stall", 14)) {
		handshake();
		vnc_stall();
	} else if (!strncmp(mode, "late-bpdu", 9)) {
		handshake();
		evil_bpdu(argc, argv);
	} else if (!strncmp(mode, "late-passt-udp", 14)) {
		handshake();
		evil_passt_udp(argc, argv);
	} else if (!strncmp(mode, "late-spoof", 10)) {
		handshake();
		evil_net(argc, argv);
	} else if (!strncmp(mode, "late-ndopts", 11)) {
		handshake();
		evil_ndopts(argc, argv);
	} else if (!strncmp(mode, "late-reboot-after", 17)) {
		/* As late-reboots, once the monitor has settled (review 15:
		 * a reset sent at once may meet the monitor still starting),
		 * and at most about 300 a second: never the worker's event
		 * flood, so the loop goes on until the VM is destroyed. */
		handshake();
		sleep(1);
		reboot_loop(3000);
	} else if (!strncmp(mode, "late-reboots", 12)) {
		handshake();
		reboot_loop(0);
	} else if (!strncmp(mode, "late-unsolicited", 16)) {
		handshake();
		sleep(1);
		reply(77, "{}");
	}
	hang();
}
