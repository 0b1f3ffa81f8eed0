#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../jail/jail.h"

int
save_check_fd(int fd, bool for_write, char *why, size_t whylen)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "the save file is not a regular file");
		return -1;
	}
	int mode = fl & O_ACCMODE;
	if (for_write ? mode == O_RDONLY : mode != O_RDONLY) {
		snprintf(why, whylen, "the save file fd is open for %s",
			 for_write ? "reading only" : "writing");
		return -1;
	}
	return 0;
}

/* A child that copies src to dst until EOF as uid/gid with nothing else
 * open, then fdatasyncs dst if it is a file. pid, or -1. */
static pid_t
copier_spawn(int src, int dst, uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char why[128], buf[65536];
	int in = fcntl(src, F_DUPFD, 10), out = fcntl(dst, F_DUPFD, 11);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(120);
	close_range(2, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	if (jail_drop_privileges(uid, gid, why, sizeof(why)) < 0)
		_exit(121);
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(122);
		if (n == 0)
			break;
		if (write_all(1, buf, (size_t)n) < 0)
			_exit(123);
	}
	struct stat st;
	if (fstat(1, &st) == 0 && S_ISREG(st.st_mode) && fdatasync(1) < 0)
		_exit(124);
	_exit(0);
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

/* query-migrate: an object whose "status" is one of QEMU's. */
static bool
shape_migrate(const json_t *ret)
{
	static const char *const known[] = {
		"none", "setup", "cancelling", "cancelled", "active",
		"postcopy-active", "postcopy-paused", "postcopy-recover",
		"completed", "failed", "colo", "pre-switchover", "device",
		"wait-unplug",
	};
	const char *s = json_string_value(json_object_get(ret, "status"));

	if (!json_is_object(ret) || !s)
		return false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

/* Poll query-migrate until it completes (QMP_OK) or fails (REFUSED). */
static int
migration_wait(struct qmp_conn *c, uint64_t deadline_ms, char *why,
	       size_t whylen)
{
	for (;;) {
		json_t *ret = NULL;
		int rc = qmp_call(c, "query-migrate", NULL, -1, shape_migrate,
				  deadline_ms, &ret, why, whylen);
		if (rc != QMP_OK)
			return rc;
		char status[32];
		snprintf(status, sizeof(status), "%s",
			 json_string_value(json_object_get(ret, "status")));
		json_decref(ret);
		if (strcmp(status, "completed") == 0)
			return QMP_OK;
		if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
			snprintf(why, whylen, "migration %s", status);
			return QMP_REFUSED;
		}
		if (now_ms() >= deadline_ms) {
			snprintf(why, whylen, "qmp: migration did not finish in time");
			return QMP_BROKEN;
		}
		sleep_ms(50);
	}
}

/* Hand QEMU one end of a pipe under fdname; the copier has the other. */
static int
pipe_to_qemu(struct qmp_conn *c, const char *fdname, int qemu_end,
	     uint64_t deadline_ms, char *why, size_t whylen)
{
	return qmp_call(c, "getfd", json_pack("{s:s}", "fdname", fdname),
			qemu_end, qmp_shape_empty, deadline_ms, NULL, why,
			whylen);
}

int
save_migrate_out(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		 char *why, size_t whylen)
{
	/* No bandwidth cap for a save to a local file. */
	int rc = qmp_call(c, "migrate-set-parameters",
			  json_pack("{s:I}", "max-bandwidth",
				    (json_int_t)1 << 40),
			  -1, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	if (rc == QMP_OK)
		rc = pipe_to_qemu(c, "bh-save", qemu_end, deadline_ms, why, whylen);
	if (rc == QMP_OK)
		rc = qmp_call(c, "migrate", json_pack("{s:s}", "uri", "fd:bh-save"),
			      -1, qmp_shape_empty, deadline_ms, NULL, why, whylen);
	return rc == QMP_OK ? migration_wait(c, deadline_ms, why, whylen) : rc;
}

int
save_migrate_in(struct qmp_conn *c, int qemu_end, uint64_t deadline_ms,
		char *why, size_t whylen)
{
	int rc = pipe_to_qemu(c, "bh-restore", qemu_end, deadline_ms, why, whylen);

	if (rc == QMP_OK)
		rc = qmp_call(c, "migrate-incoming",
			      json_pack("{s:s}", "uri", "fd:bh-restore"), -1,
			      qmp_shape_empty, deadline_ms, NULL, why, whylen);
	return rc == QMP_OK ? migration_wait(c, deadline_ms, why, whylen) : rc;
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
