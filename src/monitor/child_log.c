#include "child_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"

void
child_log_init(struct child_log *l, int in, int out, const char *prefix,
	       size_t max)
{
	memset(l, 0, sizeof(*l));
	l->in = in;
	l->out = out;
	l->prefix = prefix;
	l->max = max;
}

/* One line out, with what it said escaped (an empty one is dropped); at
 * the cap the one line saying so instead, and nothing more. */
static void
emit(struct child_log *l)
{
	char buf[64 + 4 * CHILD_LOG_LINE + 16];
	size_t at = 0;

	if (l->capped || (l->len == 0 && !l->cut))
		return;
	at += (size_t)snprintf(buf, sizeof(buf), "%s| ", l->prefix);
	at += text_escape(buf + at, sizeof(buf) - 16 - at, l->line, l->len);
	at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s\n",
			       l->cut ? " [cut]" : "");
	if (l->copied + at > l->max) {
		l->capped = true;
		at = (size_t)snprintf(buf, sizeof(buf),
				      "%s| [more output dropped: %zu bytes "
				      "copied]\n",
				      l->prefix, l->copied);
	}
	if (write_all(l->out, buf, at) == 0)
		l->copied += at;
}

void
child_log_feed(struct child_log *l, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			emit(l);
			l->len = 0;
			l->cut = false;
		} else if (l->len < sizeof(l->line)) {
			l->line[l->len++] = buf[i];
		} else {
			l->cut = true;
		}
	}
}

void
child_log_read(struct child_log *l)
{
	char buf[4096];

	while (l->in >= 0) {
		ssize_t n = read(l->in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			emit(l);
			l->len = 0;
			l->cut = false;
			close(l->in);
			l->in = -1;
			return;
		}
		child_log_feed(l, buf, (size_t)n);
	}
}

void
child_log_close(struct child_log *l)
{
	if (l->in < 0)
		return;
	child_log_read(l); /* up to EAGAIN, or the end */
	if (l->in >= 0) {
		emit(l);
		close(l->in);
		l->in = -1;
	}
	l->len = 0;
	l->cut = false;
}
