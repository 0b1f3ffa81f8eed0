#include "reaper.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmid.h"

int
reaper_kill_uid(const char *lock_path, uid_t reaper, uid_t target)
{
	if (reaper == 0 || target == 0 || reaper == target)
		return -EINVAL;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* The lock fd is held until this child exits. */
		int lk = lock_take(lock_path);
		if (lk < 0)
			_exit(100);
		if (setresuid(reaper, target, 0) < 0)
			_exit(101);
		if (kill(-1, SIGKILL) < 0 && errno != ESRCH)
			_exit(102);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(st))
		return -ECHILD;
	switch (WEXITSTATUS(st)) {
	case 0:
		return 0;
	case 100:
		return -ENOLCK;
	case 101:
		return -EPERM;
	default:
		return -EIO;
	}
}
