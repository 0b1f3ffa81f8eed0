#include "nft.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

int
nft_run(const char *cmds, char *why, size_t whylen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx) {
		snprintf(why, whylen, "nftables: no context");
		return -1;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	int rc = nft_run_cmd_from_buffer(ctx, cmds);
	if (rc != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		/* nft's first line names the error; the rest quotes us. */
		snprintf(why, whylen, "nftables: %.*s",
			 e ? (int)strcspn(e, "\n") : 7, e ? e : "failed");
	}
	nft_ctx_free(ctx);
	return rc == 0 ? 0 : -1;
}
