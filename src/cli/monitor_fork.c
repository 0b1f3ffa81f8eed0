/* Starting a monitor: forked from the CLI, in its own session, with its
 * output in the VM's monitor.log; its first line on a pipe says whether
 * it serves the VM ("ok PID") or why not ("error: ..."). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../monitor/monitor.h"
#include "cli.h"

pid_t
cli_fork_monitor(struct monitor_launch *ml, const char *mon_log,
		 void (*entry)(struct monitor_launch *), int *ready_fd)
{
	int ready[2];

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		close(ready[0]);
		ml->ready_fd = ready[1];
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lf = open(mon_log,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
				      O_NOFOLLOW,
			      0600);
		if (null < 0 || lf < 0 || setsid() < 0 || dup2(null, 0) < 0 ||
		    dup2(lf, 1) < 0 || dup2(lf, 2) < 0)
			_exit(1);
		close(null);
		close(lf);
		log_set_prog("bulkhead-monitor");
		entry(ml); /* does not return */
		_exit(1);
	}
	close(ready[1]);
	*ready_fd = ready[0];
	return pid;
}

int
cli_monitor_word(int ready_fd, int timeout_ms, char *msg, size_t len)
{
	struct pollfd p = { .fd = ready_fd, .events = POLLIN };
	int rc = 0;

	if (poll(&p, 1, timeout_ms) <= 0) {
		rc = -ETIMEDOUT;
	} else {
		ssize_t n = read_full(ready_fd, msg, len - 1);
		if (n <= 0) {
			rc = -EPIPE;
		} else {
			msg[n] = '\0';
			msg[strcspn(msg, "\n")] = '\0';
		}
	}
	close(ready_fd);
	return rc;
}
