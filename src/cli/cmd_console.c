#include <errno.h>
#include <langinfo.h>
#include <locale.h>
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
#include "termfilter.h"

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

/* Whether the terminal decodes UTF-8, as the caller's locale says. */
static bool
locale_utf8(void)
{
	const char *cs;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	cs = nl_langinfo(CODESET);
	return strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0;
}

/* Copy the guest's output to the terminal: filtered, unless raw. */
static int
show(struct term_filter *tf, const char *buf, size_t n)
{
	char out[4096 + TF_HOLD_MAX];

	if (!tf)
		return write_all(1, buf, n);
	return write_all(1, out, term_filter_run(tf, buf, n, out));
}

/* Guest output to the terminal, keystrokes to the guest, until the VM
 * or the caller ends it (Ctrl-]). 0, or 1 on a poll error. */
static int
relay(int fd, struct term_filter *tf)
{
	char buf[4096];
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
			if (show(tf, buf, (size_t)n) < 0)
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
	return rc;
}

int
cmd_console(int argc, char **argv)
{
	char line[256] = "";
	struct term_filter filter, *tf = &filter;

	if (argc == 3 && strcmp(argv[1], "--raw") == 0) {
		tf = NULL; /* the guest's bytes as they are */
		argc--;
		argv++;
	}
	if (argc != 2) {
		log_error("usage: bulkhead console [--raw] NAME");
		return 2;
	}
	if (tf)
		term_filter_init(tf, locale_utf8());
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
	int rc = relay(fd, tf);
	term_restore();
	close(fd);
	fprintf(stderr, "\r\nDetached from %s.\n", argv[1]);
	return rc;
}
