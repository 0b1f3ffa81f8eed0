/* Loading and removing a VM's anti-spoofing chains through libnftables,
 * nft's own library: one transaction per call, the kernel's answer in
 * the error buffer. */
#include "antispoof.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"

/* 64 rule lines per port at most, a bit over 100 bytes each. */
#define RULES_MAX (CONFIG_VIFS_MAX * 64 * 160 + 4096)

/* Run CMDS as one transaction: 0, or -1 with nft's message in why. */
static int
run(const char *cmds, char *why, size_t whylen)
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

int
antispoof_install(const char *vm, const struct vif_spec *vifs,
		  const unsigned *ifindex, size_t n, char *why, size_t whylen)
{
	char *buf = malloc(RULES_MAX);

	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	int len = antispoof_rules(vm, vifs, ifindex, n, buf, RULES_MAX);
	int rc = -1;
	if (len < 0)
		snprintf(why, whylen, "anti-spoofing rules: %s",
			 strerror(-len));
	else
		rc = run(buf, why, whylen);
	free(buf);
	return rc;
}

int
antispoof_remove(const char *vm)
{
	char buf[1024], why[256];

	if (antispoof_delete_cmds(vm, buf, sizeof(buf)) < 0)
		return -EINVAL;
	if (run(buf, why, sizeof(why)) == 0)
		return 0;
	/* No bulkhead table (a host where no VM had a vif, or without
	 * nf_tables): nothing to remove, and none is made here. Asked
	 * rather than read from the message, which is nft's to word. */
	if (run("list table bridge " ANTISPOOF_TABLE, why, sizeof(why)) < 0)
		return 0;
	/* Some of the chains only (a half-made VM, someone's chain of the
	 * name): adding those that are missing first, in the same
	 * transaction, makes each delete find its chain. */
	int n = antispoof_add_cmds(vm, buf, sizeof(buf));
	if (n < 0 ||
	    antispoof_delete_cmds(vm, buf + n, sizeof(buf) - (size_t)n) < 0)
		return -EINVAL;
	return run(buf, why, sizeof(why)) < 0 ? -EIO : 0;
}

/* Does nft's listing of chain NAME (in bulkhead's table) hold each of
 * the NEEDLES? 1 yes, 0 no or no such chain, -ENOMEM. */
static int
chain_has(const char *name, const char *const *needles, size_t n)
{
	char cmd[256];
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return -ENOMEM;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	snprintf(cmd, sizeof(cmd), "list chain bridge " ANTISPOOF_TABLE " %s",
		 name);
	int found = nft_run_cmd_from_buffer(ctx, cmd) == 0;
	const char *out = nft_ctx_get_output_buffer(ctx);
	for (size_t i = 0; found && i < n; i++)
		found = out && strstr(out, needles[i]);
	nft_ctx_free(ctx);
	return found;
}

int
antispoof_present(const char *vm, const char *tap)
{
	char rule[64], pre[96], in[96], vif[96], jump[96];

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	snprintf(pre, sizeof(pre), "pre-%s", vm);
	snprintf(in, sizeof(in), "in-%s", vm);
	snprintf(vif, sizeof(vif), "vif-%s", vm);
	snprintf(jump, sizeof(jump), "jump vif-%s\n", vm);
	/* nft names the tap whose index the rule holds. */
	snprintf(rule, sizeof(rule), "iif \"%s\" ether saddr != ", tap);
	const char *const hook_pre[] = { "hook prerouting", jump };
	const char *const hook_in[] = { "hook input", jump };
	const char *const rules[] = { rule };
	int rc = chain_has(pre, hook_pre, 2);
	if (rc == 1)
		rc = chain_has(in, hook_in, 2);
	if (rc == 1)
		rc = chain_has(vif, rules, 1);
	return rc;
}
