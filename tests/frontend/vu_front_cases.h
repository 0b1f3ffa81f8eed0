/* What vu-front's subcommand files share: one result line per check,
 * counted for the exit status. */
#ifndef BULKHEAD_VU_FRONT_CASES_H
#define BULKHEAD_VU_FRONT_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__attribute__((format(printf, 2, 3))) void check(bool ok, const char *fmt, ...);
int vf_failures(void);
/* n pseudo-random bytes from seed: the same seed, the same bytes. */
void fill(uint8_t *p, size_t n, uint32_t seed);

/* net-check: start backend_argv (its tap is our socketpair's end, as
 * fd 3) and drive it on sock. Exit status. */
int net_check(const char *sock, char **backend_argv);

#endif
