#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "jail.h"

/* Compact the allowlist into 0..n-1 and close everything else, except
 * keep_fd (the error pipe, close-on-exec) which moves to fd n. Sources
 * are first copied above every target (n + 1 and up) so no dup2
 * clobbers a source. Not higher: F_DUPFD fails with EINVAL at or above
 * the soft RLIMIT_NOFILE, which is 1024 in many root shells. */
int
jail_fds_install(const int *fds, size_t n, int keep_fd, int *kept)
{
	int tmp[JAIL_FDS_MAX];
	const int high = (int)n + 1;

	if (n > JAIL_FDS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, high);
		if (tmp[i] < 0)
			return -errno;
	}
	int k = fcntl(keep_fd, F_DUPFD_CLOEXEC, high);
	if (k < 0)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (dup2(tmp[i], (int)i) < 0) /* dup2 clears FD_CLOEXEC */
			return -errno;
	if (dup3(k, (int)n, O_CLOEXEC) < 0)
		return -errno;
	*kept = (int)n;
	if (close_range((unsigned)n + 1, ~0U, 0) < 0)
		return -errno;
	return 0;
}
