#include "events_log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

int
events_format(const struct bh_event *e, char *buf, size_t len)
{
	json_t *o = json_pack("{s:i, s:f, s:s, s:I, s:s, s:s}", "version",
			      EVENTS_VERSION, "time", e->time, "vm", e->vm,
			      "vmid", (json_int_t)e->vmid, "event", e->event,
			      "detail", e->detail);
	if (!o)
		return -1;
	/* ASCII only: a reader's terminal sees no control bytes. */
	size_t n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (n == 0 || n + 1 >= len)
		return -1;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)n + 1;
}

/* A string field of at most size-1 bytes, copied into out. */
static int
field_str(json_t *o, const char *key, char *out, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int
events_parse(const char *line, size_t len, struct bh_event *e)
{
	json_error_t err;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	int rc = -1;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		goto out;
	json_t *ver = json_object_get(o, "version");
	json_t *t = json_object_get(o, "time");
	json_t *id = json_object_get(o, "vmid");
	if (!json_is_integer(ver) ||
	    json_integer_value(ver) != EVENTS_VERSION || !json_is_number(t) ||
	    !json_is_integer(id) || json_integer_value(id) < 0 ||
	    field_str(o, "vm", e->vm, sizeof(e->vm)) < 0 ||
	    field_str(o, "event", e->event, sizeof(e->event)) < 0 ||
	    field_str(o, "detail", e->detail, sizeof(e->detail)) < 0)
		goto out;
	e->time = json_number_value(t);
	e->vmid = (long)json_integer_value(id);
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* fd is still the file at EVENTS_LOG_PATH (not moved aside since). */
static bool
still_the_log(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(EVENTS_LOG_PATH, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
events_append(const struct bh_event *e)
{
	char line[EVENTS_LINE_MAX];
	int n = events_format(e, line, sizeof(line));

	if (n < 0)
		return -EINVAL;
	/* Monitors append concurrently: under the file's lock, a writer
	 * that finds its file moved aside opens the new one. */
	for (int tries = 0; tries < 4; tries++) {
		int fd = open(EVENTS_LOG_PATH,
			      O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
				      O_CLOEXEC,
			      0600);
		struct stat st;

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != 0) {
			close(fd);
			return -EPERM;
		}
		if (!still_the_log(fd)) {
			close(fd);
			continue;
		}
		if ((uint64_t)st.st_size + (uint64_t)n > EVENTS_LOG_MAX_BYTES) {
			(void)rename(EVENTS_LOG_PATH, EVENTS_LOG_PATH ".1");
			close(fd);
			continue;
		}
		int rc = write_all(fd, line, (size_t)n);
		close(fd);
		return rc < 0 ? rc : 0;
	}
	return -EAGAIN;
}

int
events_follow_open(struct events_follow *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (f->inotify < 0)
		return -errno;
	if (inotify_add_watch(f->inotify, BH_RUN_DIR,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		goto fail;
	f->fd = open(EVENTS_LOG_PATH,
		     O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f->fd < 0)
		goto fail;
	if (lseek(f->fd, 0, SEEK_END) < 0)
		goto fail;
	return 0;
fail:;
	int rc = -errno;
	events_follow_close(f);
	return rc;
}

void
events_follow_close(struct events_follow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->inotify >= 0)
		close(f->inotify);
	f->fd = f->inotify = -1;
}

/* One complete line from the buffer into e: 1 if it parsed, 0 if no
 * complete line is buffered. A line longer than the buffer is dropped. */
static int
take_line(struct events_follow *f, struct bh_event *e, bool *parsed)
{
	char *nl = memchr(f->buf, '\n', f->have);

	*parsed = false;
	if (!nl) {
		if (f->have == sizeof(f->buf))
			f->have = 0; /* too long to be an event */
		return 0;
	}
	size_t len = (size_t)(nl - f->buf);
	*parsed = events_parse(f->buf, len, e) == 0;
	memmove(f->buf, nl + 1, f->have - len - 1);
	f->have -= len + 1;
	return 1;
}

/* Read what the log has. 1: read some; 0: at its end; -errno. At the
 * end of a log that was moved aside, go on in the new one. */
static int
fill(struct events_follow *f)
{
	ssize_t n = read(f->fd, f->buf + f->have, sizeof(f->buf) - f->have);

	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	if (n > 0) {
		f->have += (size_t)n;
		return 1;
	}
	if (still_the_log(f->fd))
		return 0;
	int fd = open(EVENTS_LOG_PATH, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	close(f->fd);
	f->fd = fd;
	f->have = 0;
	return 1;
}

int
events_follow_next(struct events_follow *f, struct bh_event *e, int timeout_ms)
{
	for (;;) {
		bool parsed;

		while (take_line(f, e, &parsed) == 1)
			if (parsed)
				return 1;
		int rc = fill(f);
		if (rc < 0)
			return rc;
		if (rc > 0)
			continue;
		struct pollfd p = { .fd = f->inotify, .events = POLLIN };
		rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc == 0)
			return 0;
		char drain[4096];
		while (read(f->inotify, drain, sizeof(drain)) > 0)
			;
	}
}
