/* Small host helpers with no policy: bounded I/O, number parsing, fds. */
#ifndef BULKHEAD_UTIL_H
#define BULKHEAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all of buf, retrying on EINTR and short writes. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read up to len bytes until EOF; returns bytes read or -errno. */
ssize_t read_full(int fd, void *buf, size_t len);
/* Read a whole small file (at most max bytes) into a NUL-terminated heap
 * buffer. -EFBIG if larger. */
/* All of fd (at most max bytes, NUL-terminated, malloc'd into *out);
 * -EFBIG if it holds more, -errno. The fd stays open. */
int fd_read_all(int fd, size_t max, char **out, size_t *len);
int file_read_all(const char *path, size_t max, char **out, size_t *len);
/* Write path atomically (tmp file + rename) with the given mode. */
int file_write_atomic(const char *path, const void *buf, size_t len,
		      unsigned mode);
/* Parse a whole decimal string into [min, max]. 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* mkdir that tolerates an existing directory of the same mode/owner. */
int mkdir_exact(const char *path, unsigned mode);
/* snprintf that reports truncation as -ENAMETOOLONG. */
int path_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Monotonic milliseconds. */
uint64_t now_ms(void);
void sleep_ms(unsigned ms);
/* Send all of buf on a stream socket; pass_fd (unless -1) travels with
 * the first byte as SCM_RIGHTS. 0 or -errno. */
int send_with_fd(int sock, const void *buf, size_t len, int pass_fd);
/* Copy src into dst (len bytes, NUL included, cut to fit), each byte
 * that is not printable ASCII replaced by '?': text from a hostile peer
 * on its way to a log or a terminal. dst may be src. */
void text_printable(char *dst, size_t len, const char *src);
/* n bytes of src into dst (room for cap bytes, not terminated) with
 * every byte outside printable ASCII, and the backslash, written \xNN;
 * stops before a byte that would not fit whole. The bytes written. */
size_t text_escape(char *dst, size_t cap, const char *src, size_t n);
/* The SCM_RIGHTS fds of a received message (struct msghdr *): up to
 * max in total are appended to fds at *n, any more are closed. */
struct msghdr;
void cmsg_take_fds(struct msghdr *mh, int *fds, size_t max, size_t *n);
/* A listening Unix stream socket at path (replacing whatever is there),
 * created under umask 077 (mode 0700: its owner only). fd or -errno. */
int unix_listen_path(const char *path, bool nonblock);
/* A connection to the Unix stream socket at path. A listener that does
 * not take it (its backlog full) within timeout_ms (-1: no limit) is
 * -ETIMEDOUT. fd or -errno. */
int unix_connect_path(const char *path, int timeout_ms);
/* Set FD_CLOEXEC / O_NONBLOCK. */
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);

/* A string for execve's argv or envp, whose prototype predates const:
 * the kernel copies the strings and never writes them. The one place
 * the project drops a const (so -Wcast-qual can stay on elsewhere). */
char *exec_arg(const char *s);

#endif
