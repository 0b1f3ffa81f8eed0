/* The seccomp allowlist of the vhost-user backends, built with
 * libseccomp: the system calls their serving loop needs and nothing else
 * (no open, no socket, no exec, no fork). Anything else kills the
 * process. Applied by the backend itself once its fds are set up, so the
 * same filter confines a backend started by bulkhead and one started by
 * hand. */
#ifndef BULKHEAD_ALLOWLIST_H
#define BULKHEAD_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

struct allowed_syscall {
	const char *name;
	const char *why;
	bool listening_only; /* only for a backend that accepts connections */
};

const struct allowed_syscall *backend_allowlist(size_t *n);

/* Load the filter (and no_new_privs). listening: the backend accepts
 * new connections on a socket of its own (standalone mode). 0, or -1
 * with why. */
int backend_allowlist_apply(bool listening, char *why, size_t whylen);

#endif
