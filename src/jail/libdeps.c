#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "jail.h"

#define LIST_MAX (64 * 1024)
#define PHDRS_MAX 64

/* The ELF interpreter of an x86_64 binary (PT_INTERP) into interp, or ""
 * for a static binary. Root configured the binary, but it is still read
 * with bounds checks: a truncated or odd file is refused, not trusted. */
static int
elf_interp(int fd, char *interp, size_t len)
{
	Elf64_Ehdr eh;

	interp[0] = '\0';
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > PHDRS_MAX)
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof(ph);
		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > len)
			return -1;
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz)
			return -1;
		interp[ph.p_filesz - 1] = '\0';
		if (interp[0] != '/' || strlen(interp) != ph.p_filesz - 1)
			return -1;
		return 0;
	}
	return 0;
}

/* Canonical form: real directory + the name as given, so a soname link
 * (libz.so.1 -> libz.so.1.2.13) keeps the name the loader looks for. */
static int
canonical(const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	if (!realpath(dirname(tmp), dir))
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s", path);
	return path_fmt(out, len, "%s/%s", strcmp(dir, "/") ? dir : "",
			basename(tmp));
}

static int
add_bind(struct jail_bind *out, size_t max, size_t *n, const char *path)
{
	char c[PATH_MAX];

	if (canonical(path, c, sizeof(c)) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(out[i].path, c) == 0)
			return 0;
	if (*n == max)
		return -1;
	snprintf(out[*n].path, sizeof(out[*n].path), "%s", c);
	out[*n].exec = true;
	out[*n].checked = false;
	out[*n].who = NULL;
	(*n)++;
	return 0;
}

/* Read the lister's output until EOF, a full buffer or 10 s. */
static size_t
read_list(int fd, char *buf, size_t len)
{
	size_t got = 0;
	uint64_t deadline = now_ms() + 10000;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		if (now >= deadline ||
		    poll(&pfd, 1, (int)(deadline - now)) <= 0)
			break;
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == len - 1)
			break;
	}
	buf[got] = '\0';
	return got;
}

/* Run the loader's --list in a child at level JAIL_LIBDEPS (run_uid, no
 * privileges): it maps the binary's libraries (and may run their IFUNC
 * resolvers), so it gets no more authority than the jailed process
 * itself will have. The binary goes by fd: its directory may be closed
 * to the unprivileged uid, the file itself is opened by root. */
static int
run_list(const char *ldso, int bin_fd, uid_t uid, gid_t gid, char *buf,
	 size_t len, char *why, size_t whylen)
{
	char *const argv[] = { exec_arg(ldso), exec_arg("--list"),
			       exec_arg("/proc/self/fd/3"), NULL };
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(why, whylen, "/dev/null: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	int fds[] = { devnull, p[1], devnull, bin_fd };
	struct jail_spec js = {
		.level = JAIL_LIBDEPS,
		.uid = uid,
		.gid = gid,
		.exec_path = ldso,
		.argv = argv,
		.fds = fds,
		.nfds = 4,
		.join_pidfd = -1,
	};
	int rc = jail_spawn(&js, &pid, NULL, why, whylen);
	close(devnull);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		return -1;
	}
	size_t got = read_list(p[0], buf, len);
	close(p[0]);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	if (got == len - 1) {
		snprintf(why, whylen, "library list too long");
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, whylen, "%s --list failed", ldso);
		return -1;
	}
	return 0;
}

int
jail_libdeps(const char *binary, uid_t run_uid, gid_t run_gid,
	     struct jail_bind *out, size_t max, char *why, size_t whylen)
{
	char ldso[PATH_MAX];
	char *buf = NULL;
	size_t n = 0;
	int rc = -1;
	int fd = open(binary, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || elf_interp(fd, ldso, sizeof(ldso)) < 0) {
		snprintf(why, whylen, "%s: not an x86_64 ELF executable",
			 binary);
		goto out;
	}
	if (ldso[0] == '\0') {
		rc = 0; /* static binary: nothing to bind */
		goto out;
	}
	buf = malloc(LIST_MAX);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (run_list(ldso, fd, run_uid, run_gid, buf, LIST_MAX, why, whylen) <
	    0)
		goto out;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == '\t' || *line == ' ')
			line++;
		char *path = NULL, *arrow = strstr(line, "=> ");
		if (strstr(line, "not found")) {
			snprintf(why, whylen, "%s: missing library: %.100s",
				 binary, line);
			goto out;
		}
		if (arrow)
			path = arrow + 3;
		else if (line[0] == '/')
			path = line;
		else
			continue; /* linux-vdso.so.1 and the like */
		char *sp = strchr(path, ' ');
		if (sp)
			*sp = '\0';
		if (path[0] != '/' || add_bind(out, max, &n, path) < 0) {
			snprintf(why, whylen, "%s: cannot use library %.200s",
				 binary, path);
			goto out;
		}
	}
	/* The kernel opens the interpreter by its PT_INTERP path. */
	if (add_bind(out, max, &n, ldso) < 0) {
		snprintf(why, whylen, "cannot add %s", ldso);
		goto out;
	}
	rc = (int)n;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
