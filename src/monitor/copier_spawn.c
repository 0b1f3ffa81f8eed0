#include "copier_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../copier/copier.h"
#include "../host/cgroup.h"
#include "../host/hostfile.h"
#include "../jail/jail.h"

/* Entered confined (level JAIL_COPIER: levels.c says what it gave up). */
static void
copier_enter(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "bh-copier", 0, 0, 0); /* in ps and audits */
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE: exit 123 */
	copier_run();
}

/* A child that copies src (its fd 0) to dst (its fd 1) until EOF as
 * uid/gid with nothing else open (no fd 2: it says what failed by its
 * exit status), then fdatasyncs dst if it is a file. pid, or -1 with
 * why. */
static pid_t
copier_spawn(const char *vm, int src, int dst, const char *root_dir, uid_t uid,
	     gid_t gid, char *why, size_t whylen)
{
	char group[CG_NAME_MAX];
	int fds[] = { src, dst };

	if (cgroup_helper_create(vm, "copier", group, sizeof(group), why,
				 whylen) < 0)
		return -1;
	struct jail_spec js = {
		.level = JAIL_COPIER,
		.root_dir = root_dir,
		.cgroup = group,
		.uid = uid,
		.gid = gid,
		.fn = copier_enter,
		.fds = fds,
		.nfds = 2,
		.join_pidfd = -1,
	};
	pid_t pid;

	return jail_spawn(&js, &pid, NULL, why, whylen) < 0 ? -1 : pid;
}

/* Check the save file, make the pipe and start the copier between them
 * (pipe -> file for a save, file -> pipe for a restore). The copier's
 * pid and QEMU's end of the pipe, or -1 with why. */
pid_t
save_copier_start(const char *vm, int file_fd, bool save, const char *root_dir,
		  uid_t uid, gid_t gid, int *qemu_end, char *why, size_t whylen)
{
	int p[2];

	if (save_check_fd(file_fd, save, why, whylen) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = save ? copier_spawn(vm, p[0], file_fd, root_dir, uid, gid,
					why, whylen)
			 : copier_spawn(vm, file_fd, p[1], root_dir, uid, gid,
					why, whylen);
	close(save ? p[0] : p[1]);
	*qemu_end = save ? p[1] : p[0];
	if (pid < 0)
		close(*qemu_end);
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
		snprintf(why, whylen,
			 "writing the save file failed (copier %d)", st);
		return -1;
	}
	return 0;
}
