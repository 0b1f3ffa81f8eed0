/* What vu-front's subcommand files share: one result line per check,
 * counted for the exit status. */
#ifndef BULKHEAD_VU_FRONT_CASES_H
#define BULKHEAD_VU_FRONT_CASES_H

#include <stdbool.h>

__attribute__((format(printf, 2, 3))) void check(bool ok, const char *fmt, ...);
int vf_failures(void);

/* net-check: start backend_argv (its tap is our socketpair's end, as
 * fd 3) and drive it on sock. Exit status. */
int net_check(const char *sock, char **backend_argv);

#endif
