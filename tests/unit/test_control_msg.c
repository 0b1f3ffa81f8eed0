/* The control socket is root-only, but the monitor still reads each
 * request through one typed reader: known verbs only, a CD-ROM vdev
 * exactly where one belongs, an fd exactly where one belongs (every
 * other fd is closed), bounded lines, no NULs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/ipc/control.h"
#include "../../src/ipc/control_msg.h"
#include "../../src/ipc/deadlines.h"

/* Decode a literal line (its length given: it may hold NULs). */
static int
decode(const char *line, size_t len, int fd, size_t nfds, struct ctl_msg *m)
{
	char why[256];

	why[0] = '\0';
	int rc = ctl_msg_decode(line, len, fd, nfds, m, why, sizeof(why));
	if (rc < 0)
		assert_true(why[0] != '\0'); /* a refusal says why */
	return rc;
}

#define DECODE(s, fd, nfds, m) decode((s), sizeof(s) - 1, (fd), (nfds), (m))

static void
test_round_trip(void **state)
{
	(void)state;
	static const struct {
		enum ctl_type type;
		const char *vdev;
		int fd;
		const char *line;
	} cases[] = {
		{ CTL_DESTROY, NULL, -1, "destroy\n" },
		{ CTL_CONSOLE, NULL, -1, "console\n" },
		{ CTL_PAUSE, NULL, -1, "pause\n" },
		{ CTL_UNPAUSE, NULL, -1, "unpause\n" },
		{ CTL_CD_INSERT, "hdc", 7, "cd-insert hdc\n" },
		{ CTL_CD_EJECT, "hdd", -1, "cd-eject hdd\n" },
		{ CTL_SAVE, NULL, 9, "save\n" },
		{ CTL_SAVE_CONTINUE, NULL, 9, "save-continue\n" },
		{ CTL_SHUTDOWN, NULL, -1, "shutdown\n" },
		{ CTL_REBOOT, NULL, -1, "reboot\n" },
		{ CTL_VNC, NULL, 9, "vnc\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_msg m, got;
		char line[CONTROL_LINE_MAX];
		assert_int_equal(ctl_msg_set(&m, cases[i].type, cases[i].vdev,
					     cases[i].fd),
				 0);
		int n = ctl_msg_encode(&m, line, sizeof(line));
		assert_int_equal(n, (int)strlen(cases[i].line));
		assert_memory_equal(line, cases[i].line, (size_t)n);
		assert_int_equal(decode(line, (size_t)n - 1, cases[i].fd,
					cases[i].fd >= 0, &got),
				 0);
		assert_int_equal(got.type, cases[i].type);
		assert_int_equal(got.fd, cases[i].fd);
		assert_string_equal(got.vdev,
				    cases[i].vdev ? cases[i].vdev : "");
	}
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	struct ctl_msg m;
	char line[CONTROL_LINE_MAX];

	assert_int_equal(ctl_msg_set(&m, 0, NULL, -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_TYPES, NULL, -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, (enum ctl_type) - 1, NULL, -1),
			 -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_PAUSE, "hdc", -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_PAUSE, NULL, 3), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_CD_INSERT, "hdc", -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_CD_INSERT, NULL, 3), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_CD_EJECT, "xvda", -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_CD_EJECT, "hde", -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_SAVE, NULL, -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_SHUTDOWN, NULL, 3), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_REBOOT, "hdc", -1), -EINVAL);
	/* vnc carries exactly one fd (the client's socket) and no vdev. */
	assert_int_equal(ctl_msg_set(&m, CTL_VNC, NULL, -1), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_VNC, "hdc", 3), -EINVAL);

	/* A message changed after set is checked again. */
	assert_int_equal(ctl_msg_set(&m, CTL_CD_EJECT, "hdc", -1), 0);
	strcpy(m.vdev, "hd\n");
	assert_int_equal(ctl_msg_encode(&m, line, sizeof(line)), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_PAUSE, NULL, -1), 0);
	m.fd = 4;
	assert_int_equal(ctl_msg_encode(&m, line, sizeof(line)), -EINVAL);
	m.fd = -1;
	m.type = 42;
	assert_int_equal(ctl_msg_encode(&m, line, sizeof(line)), -EINVAL);
	assert_int_equal(ctl_msg_set(&m, CTL_PAUSE, NULL, -1), 0);
	assert_int_equal(ctl_msg_encode(&m, line, 4), -EMSGSIZE);
}

static void
test_unknown_verbs(void **state)
{
	(void)state;
	struct ctl_msg m;

	assert_int_equal(DECODE("", -1, 0, &m), -1);
	assert_int_equal(DECODE("Pause", -1, 0, &m), -1);
	assert_int_equal(DECODE("pause ", -1, 0, &m), -1);
	assert_int_equal(DECODE(" pause", -1, 0, &m), -1);
	assert_int_equal(DECODE("pause\r", -1, 0, &m), -1);
	assert_int_equal(DECODE("pausex", -1, 0, &m), -1);
	assert_int_equal(DECODE("paus", -1, 0, &m), -1);
	assert_int_equal(DECODE("destroy now", -1, 0, &m), -1);
	assert_int_equal(DECODE("save-continue-x", 5, 1, &m), -1);
	assert_int_equal(DECODE("restore", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-insert", 5, 1, &m), -1);
	assert_int_equal(DECODE("shutdown -F", -1, 0, &m), -1);
	assert_int_equal(DECODE("reboot hdc", -1, 0, &m), -1);
	assert_int_equal(DECODE("shutdown", 5, 1, &m), -1);
	assert_int_equal(DECODE("vnc", -1, 0, &m), -1);    /* without its fd */
	assert_int_equal(DECODE("vnc", 5, 2, &m), -1);     /* two fds */
	assert_int_equal(DECODE("vnc hdc", 5, 1, &m), -1); /* a vdev */
	assert_int_equal(DECODE("vnc 5901", 5, 1, &m), -1);
	assert_int_equal(DECODE("VNC", 5, 1, &m), -1);
	assert_int_equal(DECODE("pause", 5, 1, &m), -1); /* an fd too many */
	assert_int_equal(DECODE("\xff\xfe", -1, 0, &m), -1);
	assert_int_equal(m.type, 0);
	assert_int_equal(m.fd, -1);
}

static void
test_bad_vdevs(void **state)
{
	(void)state;
	struct ctl_msg m;

	assert_int_equal(DECODE("cd-eject hdc", -1, 0, &m), 0);
	assert_int_equal(DECODE("cd-eject ", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject  hdc", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hdc ", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hdc hdd", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hde", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hdC", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject xvda", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject ../x", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hdcccccccccccccccccccc", -1, 0, &m),
			 -1);
	assert_int_equal(DECODE("cd-insert sda", 5, 1, &m), -1);
	assert_int_equal(DECODE("cd-insert hd%s", 5, 1, &m), -1);
	assert_int_equal(m.fd, -1);
}

static void
test_fd_rules(void **state)
{
	(void)state;
	struct ctl_msg m;

	/* Missing. */
	assert_int_equal(DECODE("cd-insert hdc", -1, 0, &m), -1);
	assert_int_equal(DECODE("save", -1, 0, &m), -1);
	assert_int_equal(DECODE("save-continue", -1, 0, &m), -1);
	/* Where none belongs. */
	assert_int_equal(DECODE("pause", 5, 1, &m), -1);
	assert_int_equal(DECODE("unpause", 5, 1, &m), -1);
	assert_int_equal(DECODE("destroy", 5, 1, &m), -1);
	assert_int_equal(DECODE("console", 5, 1, &m), -1);
	assert_int_equal(DECODE("cd-eject hdc", 5, 1, &m), -1);
	/* More than one, or a count without an fd. */
	assert_int_equal(DECODE("cd-insert hdc", 5, 2, &m), -1);
	assert_int_equal(DECODE("save", 5, 3, &m), -1);
	assert_int_equal(DECODE("save", -1, 1, &m), -1);
	assert_int_equal(m.fd, -1);
	/* Exactly one, where it belongs. */
	assert_int_equal(DECODE("save", 5, 1, &m), 0);
	assert_int_equal(m.fd, 5);
}

static void
test_nuls_and_length(void **state)
{
	(void)state;
	struct ctl_msg m;
	char line[200];

	assert_int_equal(DECODE("pause\0", -1, 0, &m), -1);
	assert_int_equal(DECODE("pause\0x", -1, 0, &m), -1);
	assert_int_equal(DECODE("\0pause", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hd\0", -1, 0, &m), -1);
	assert_int_equal(DECODE("cd-eject hdc\0", -1, 0, &m), -1);
	memset(line, 'a', sizeof(line));
	memcpy(line, "pause", 5);
	assert_int_equal(decode(line, sizeof(line), -1, 0, &m), -1);
	assert_int_equal(decode(line, CONTROL_LINE_MAX, -1, 0, &m), -1);
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Send raw bytes with the given fds (n of them) in one message. */
static void
send_raw(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
			     .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(ctl.buf, 0, sizeof(ctl.buf));
	if (n) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

/* Read one request from a fresh connection that got buf and fds. */
static int
read_one(const void *buf, size_t len, const int *fds, size_t n,
	 struct ctl_msg *m)
{
	int sv[2];
	char why[256];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	send_raw(sv[1], buf, len, fds, n);
	shutdown(sv[1], SHUT_WR);
	int rc = ctl_msg_read(sv[0], m, 200, why, sizeof(why));
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static void
test_read_closes_fds(void **state)
{
	(void)state;
	struct ctl_msg m;
	int p[2], before;
	char big[300];

	assert_int_equal(pipe(p), 0);
	before = open_fds();

	assert_int_equal(read_one("save\n", 5, p, 1, &m), 0);
	assert_int_equal(m.type, CTL_SAVE);
	assert_true(m.fd >= 0);
	close(m.fd);
	assert_int_equal(open_fds(), before);

	/* Refused: an answer to give, and no fd kept. */
	assert_int_equal(read_one("pause\n", 6, p, 1, &m), -EBADMSG);
	assert_int_equal(read_one("save\n", 5, p, 2, &m), -EBADMSG);
	assert_int_equal(read_one("cd-insert hdc\n", 14, p, 2, &m), -EBADMSG);
	assert_int_equal(read_one("cd-insert hdz\n", 14, p, 1, &m), -EBADMSG);
	assert_int_equal(read_one("save\0\n", 6, p, 1, &m), -EBADMSG);
	assert_int_equal(read_one("reboot\n", 7, p, 1, &m), -EBADMSG);
	assert_int_equal(m.fd, -1);
	assert_int_equal(open_fds(), before);

	/* Nothing usable: no answer, and no fd kept. */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(read_one(big, sizeof(big), p, 1, &m), -EMSGSIZE);
	assert_int_equal(read_one("save", 4, p, 1, &m), -ECONNRESET);
	assert_int_equal(read_one("", 0, NULL, 0, &m), -ECONNRESET);
	assert_int_equal(m.fd, -1);
	assert_int_equal(open_fds(), before);
	close(p[0]);
	close(p[1]);
}

static void
test_read_leaves_what_follows(void **state)
{
	(void)state;
	int sv[2];
	struct ctl_msg m;
	char why[256], rest[16];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Silence is a timeout. */
	assert_int_equal(ctl_msg_read(sv[0], &m, 50, why, sizeof(why)),
			 -ETIMEDOUT);
	/* Console bytes after the request stay for the relay. */
	assert_int_equal(ctl_msg_set(&m, CTL_CONSOLE, NULL, -1), 0);
	assert_int_equal(ctl_msg_send(sv[1], &m), 0);
	assert_int_equal(write(sv[1], "ls\n", 3), 3);
	assert_int_equal(ctl_msg_read(sv[0], &m, 200, why, sizeof(why)), 0);
	assert_int_equal(m.type, CTL_CONSOLE);
	assert_int_equal(read(sv[0], rest, sizeof(rest)), 3);
	assert_memory_equal(rest, "ls\n", 3);
	close(sv[0]);
	close(sv[1]);
}

/* Each side waits longer than the side it waits on. */
static void
test_deadlines(void **state)
{
	(void)state;
	for (int k = 0; k < DL_KINDS; k++)
		assert_true(deadline_worker_ms(k) > deadline_qmp_ms(k));
	assert_int_equal(deadline_kind_of(WK_HANDSHAKE), DL_HANDSHAKE);
	assert_int_equal(deadline_kind_of(WK_SAVE), DL_MIGRATE);
	assert_int_equal(deadline_kind_of(WK_RESTORE), DL_MIGRATE);
	assert_int_equal(deadline_kind_of(WK_EJECT), DL_COMMAND);
	assert_int_equal(deadline_kind_of(WK_POWERDOWN), DL_COMMAND);
	assert_int_equal(deadline_kind_of(WK_VNC), DL_COMMAND);
	for (int t = 1; t < CTL_TYPES; t++)
		assert_true(deadline_request_ms(t) >
			    deadline_worker_ms(DL_COMMAND));
	/* A save: stop, the stream, its sync and cont, one after another. */
	assert_true(deadline_request_ms(CTL_SAVE) >
		    2 * deadline_worker_ms(DL_COMMAND) +
			    deadline_worker_ms(DL_MIGRATE) +
			    DEADLINE_SAVE_SYNC_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encoder_refuses),
		cmocka_unit_test(test_unknown_verbs),
		cmocka_unit_test(test_bad_vdevs),
		cmocka_unit_test(test_fd_rules),
		cmocka_unit_test(test_nuls_and_length),
		cmocka_unit_test(test_read_closes_fds),
		cmocka_unit_test(test_read_leaves_what_follows),
		cmocka_unit_test(test_deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
