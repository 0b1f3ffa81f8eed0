#include "pathcheck.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int
pathcheck_absolute(const char *path, char *why, size_t whylen)
{
	size_t len = strlen(path);

	if (len == 0) {
		snprintf(why, whylen, "empty path");
		return -1;
	}
	if (path[0] != '/') {
		snprintf(why, whylen, "path '%s' is not absolute", path);
		return -1;
	}
	if (len >= PATH_MAX) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen,
				 "path contains control character 0x%02x", *p);
			return -1;
		}
	}
	/* Reject "." and ".." components: the path a user reads in the
	 * config must be the path that is opened. */
	for (const char *c = path; c; c = strchr(c + 1, '/')) {
		const char *s = c + 1;
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.')) {
			snprintf(why, whylen,
				 "path '%s' has a '.' or '..' component", path);
			return -1;
		}
	}
	return 0;
}
