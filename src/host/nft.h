/* One nftables transaction through libnftables, for the rule sets the
 * host keeps (antispoof.c, inbound_guard.c). */
#ifndef BULKHEAD_NFT_H
#define BULKHEAD_NFT_H

#include <stddef.h>

/* Run CMDS as one transaction: 0, or -1 with nft's message in why. */
int nft_run(const char *cmds, char *why, size_t whylen);

#endif
