#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../config/config.h"
#include "../ipc/control.h"
#include "../ipc/control_msg.h"
#include "cli.h"

#define DETACH_CHAR 0x1d /* Ctrl-] as in xl console and virsh console */

static struct termios saved;
static bool raw_set;

static void
term_raw(void)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, &saved) < 0)
		return;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSANOW, &t) == 0)
		raw_set = true;
}

static void
term_restore(void)
{
	if (raw_set)
		tcsetattr(0, TCSANOW, &saved);
}

int
cmd_console(int argc, char **argv)
{
	char line[256] = "", buf[4096];

	if (argc != 2) {
		log_error("usage: bulkhead console NAME");
		return 2;
	}
	if (cli_require_root("console") < 0)
		return 1;
	if (!config_name_valid(argv[1])) {
		log_error("'%s' is not a valid VM name", argv[1]);
		return 2;
	}
	int fd = control_connect(argv[1]);
	if ((fd == -ENOENT || fd == -ECONNREFUSED) &&
	    cli_reattach(argv[1]) == 0)
		fd = control_connect(argv[1]);
	if (fd < 0) {
		log_error("%s: no running VM of that name (%s)", argv[1],
			  strerror(-fd));
		return 1;
	}
	struct ctl_msg req;
	if (ctl_msg_set(&req, CTL_CONSOLE, NULL, -1) < 0 ||
	    ctl_msg_send(fd, &req) < 0 ||
	    control_read_line(fd, line, sizeof(line), 5000) < 0 ||
	    strcmp(line, "ok") != 0) {
		log_error("%s: %s", argv[1],
			  line[0] ? line : "monitor did not answer");
		close(fd);
		return 1;
	}
	fprintf(stderr, "Connected to %s's console; Ctrl-] detaches.\r\n",
		argv[1]);
	term_raw();
	bool in_open = true;
	int rc = 0;
	for (;;) {
		struct pollfd p[2] = { { .fd = in_open ? 0 : -1,
					 .events = POLLIN },
				       { .fd = fd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = 1;
			break;
		}
		if (p[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break; /* VM gone or console taken over */
			if (write_all(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false; /* keep showing output */
				continue;
			}
			char *d = memchr(buf, DETACH_CHAR, (size_t)n);
			if (d)
				n = d - buf;
			if (n > 0 && write_all(fd, buf, (size_t)n) < 0)
				break;
			if (d)
				break;
		}
	}
	term_restore();
	close(fd);
	fprintf(stderr, "\r\nDetached from %s.\n", argv[1]);
	return rc;
}
