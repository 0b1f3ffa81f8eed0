/* Address prefixes such as "10.0.5.0/28" or "fd00:5::/124": what the
 * tenant policy's addresses key grants (policy.h). Parsing is pure. */
#ifndef BULKHEAD_PREFIX_H
#define BULKHEAD_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif.h"

/* The longest prefix text taken: a full IPv6 address and "/128". */
#define PREFIX_TEXT_MAX 64

struct ip_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned len; /* 1..32 or 1..128 */
};

/* "A/L", or a bare address (one host: /32 or /128). Refused with why:
 * no address, a length out of range or 0 (every address), bits set past
 * the length (a typo that would grant another network), and an
 * IPv4-mapped IPv6 prefix (::ffff:0:0/96, IPv4 in IPv6 clothes). */
int ip_prefix_parse(const char *s, struct ip_prefix *out, char *why,
		    size_t whylen);
/* Whether ip lies within p: the same family and the first len bits. */
bool ip_prefix_contains(const struct ip_prefix *p, const struct vif_ip *ip);
/* p as "A/L" into out (at least PREFIX_TEXT_MAX bytes). */
void ip_prefix_format(const struct ip_prefix *p, char *out, size_t len);

#endif
