/* Shared by the unit tests that fork: a child's exit status, or 128 +
 * the signal that killed it. */
#ifndef BULKHEAD_TEST_CHILD_H
#define BULKHEAD_TEST_CHILD_H

#include <sys/types.h>
#include <sys/wait.h>

static inline int
child_status(pid_t pid)
{
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
