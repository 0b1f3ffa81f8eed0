/* Checks on host paths written in a config file, before any are opened. */
#ifndef BULKHEAD_PATHCHECK_H
#define BULKHEAD_PATHCHECK_H

#include <stddef.h>

/* Absolute, no control characters (newline included), no "." or ".."
 * components, shorter than PATH_MAX. -1 with a reason on failure. */
int pathcheck_absolute(const char *path, char *why, size_t whylen);

#endif
