#include "copier_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../copier/copier.h"
#include "../host/hostfile.h"
#include "../jail/jail.h"

/* A child that copies src to dst until EOF as uid/gid with nothing else
 * open, then fdatasyncs dst if it is a file. pid, or -1. */
static pid_t
copier_spawn(int src, int dst, uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char why[128];
	int in = fcntl(src, F_DUPFD, 10), out = fcntl(dst, F_DUPFD, 11);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(120);
	close_range(2, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	if (jail_drop_privileges(uid, gid, why, sizeof(why)) < 0)
		_exit(121);
	copier_run();
}

/* Check the save file, make the pipe and start the copier between them
 * (pipe -> file for a save, file -> pipe for a restore). The copier's
 * pid and QEMU's end of the pipe, or -1 with why. */
pid_t
save_copier_start(int file_fd, bool save, uid_t uid, gid_t gid, int *qemu_end,
		  char *why, size_t whylen)
{
	int p[2];

	if (save_check_fd(file_fd, save, why, whylen) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = save ? copier_spawn(p[0], file_fd, uid, gid)
			 : copier_spawn(file_fd, p[1], uid, gid);
	close(save ? p[0] : p[1]);
	*qemu_end = save ? p[1] : p[0];
	if (pid < 0) {
		close(*qemu_end);
		snprintf(why, whylen, "fork: %s", strerror(errno));
	}
	return pid;
}

/* Wait for the copier until deadline; kill it past that. Its status. */
static int
copier_wait(pid_t pid, uint64_t deadline_ms)
{
	int st = 0;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() >= deadline_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		sleep_ms(20);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
save_copier_finish(pid_t pid, bool save, bool migrated, uint64_t deadline_ms,
		   char *why, size_t whylen)
{
	/* A restore's copier may be cut short: QEMU stops reading at the end
	 * of its stream, and what follows in the file is not its business.
	 * A save's must finish: QEMU closed its end when the stream was
	 * complete, and the copier fdatasyncs. */
	if (!save || !migrated) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 0;
	}
	int st = copier_wait(pid, deadline_ms);
	if (st != 0) {
		snprintf(why, whylen, "writing the save file failed (copier %d)", st);
		return -1;
	}
	return 0;
}
