/* The backends' seccomp allowlist: it names nothing that opens, creates
 * sockets, runs programs or makes processes, and once loaded it kills a
 * process that tries, while the calls of the serving loop still work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/backends/allowlist.h"

static const char *const forbidden[] = {
	"open",    "openat",  "openat2", "creat",  "socket",   "socketpair",
	"connect", "bind",    "listen",  "execve", "execveat", "fork",
	"vfork",   "clone",   "clone3",  "ptrace", "ioctl",    "mprotect",
	"mount",   "unshare", "setns",   "chdir",  "kill",     "tgkill",
	"setuid",  "prctl",   "seccomp",
};

static void
test_names_nothing_forbidden(void **state)
{
	size_t n;
	const struct allowed_syscall *a = backend_allowlist(&n);

	(void)state;
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(a[i].why);
		for (size_t k = 0; k < sizeof(forbidden) / sizeof(forbidden[0]);
		     k++)
			if (!strcmp(a[i].name, forbidden[k]))
				fail_msg("allowlist names %s", a[i].name);
	}
}

/* In a child: load the allowlist (fd mode), do what the loop does, then
 * the forbidden thing given by what. Returns the child's wait status. */
static int
run_child(int what)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		char why[256];
		int efd = eventfd(0, 0);
		uint64_t v = 1;
		void *p;

		if (efd < 0 ||
		    backend_allowlist_apply(false, why, sizeof(why)) < 0)
			_exit(100);
		/* The serving loop's calls. */
		if (write(efd, &v, sizeof(v)) != sizeof(v) ||
		    read(efd, &v, sizeof(v)) != sizeof(v))
			_exit(101);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || munmap(p, 4096) < 0)
			_exit(102);
		switch (what) {
		case 0:
			_exit(0); /* nothing forbidden */
		case 1:
			syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
			break;
		case 2:
			syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
			break;
		case 3:
			syscall(SYS_execve, "/bin/true", NULL, NULL);
			break;
		case 4:
			/* Executable memory is refused by the mmap rule. */
			syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		case 5:
			syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
			break;
		default:
			break;
		}
		_exit(103); /* survived a forbidden call */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
test_loop_calls_work(void **state)
{
	int st;

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	/* The ASan runtime itself makes calls the allowlist refuses (that is
	 * why sanitized backends run with --no-seccomp); the normal build
	 * runs this check. */
	print_message("SKIPPED: the ASan runtime makes system calls the "
		      "allowlist refuses; checked by the normal build\n");
	skip();
#endif
	st = run_child(0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_forbidden_calls_kill(void **state)
{
	(void)state;
	for (int what = 1; what <= 5; what++) {
		int st = run_child(what);

		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("case %d: status 0x%x, not killed by SIGSYS",
				 what, st);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_nothing_forbidden),
		cmocka_unit_test(test_loop_calls_work),
		cmocka_unit_test(test_forbidden_calls_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
