/* Loading and removing a VM's anti-spoofing chains through libnftables,
 * nft's own library: one transaction per call, the kernel's answer in
 * the error buffer. */
#include "antispoof.h"

#include <errno.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "nft.h"

/* 64 rule lines per tap at most, a bit over 100 bytes each. */
#define RULES_MAX (CONFIG_VIFS_MAX * 64 * 160 + 4096)

int
antispoof_install(const char *vm, const struct vif_spec *vifs, size_t n,
		  char *why, size_t whylen)
{
	char *buf = malloc(RULES_MAX);

	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	int len = antispoof_rules(vm, vifs, n, buf, RULES_MAX);
	int rc = -1;
	if (len < 0)
		snprintf(why, whylen, "anti-spoofing rules: %s",
			 strerror(-len));
	else
		rc = nft_run(buf, why, whylen);
	free(buf);
	return rc;
}

/* Run ADD then DEL, the commands that add and delete the VM's chains in
 * TABLE, as one transaction where TABLE exists (none is made here; asked
 * rather than read from nft's message, which is nft's to word). Adding
 * first makes each delete find its chain: a half-made VM's, and one the
 * kernel left with no device when its tap went. 0 or -EIO. */
static int
remove_in(const char *table, const char *add, const char *del)
{
	char cmd[128], why[256], *buf;

	snprintf(cmd, sizeof(cmd), "list table %s", table);
	if (nft_run(cmd, why, sizeof(why)) < 0)
		return 0;
	if (asprintf(&buf, "%s%s", add, del) < 0)
		return -ENOMEM;
	int rc = nft_run(buf, why, sizeof(why)) < 0 ? -EIO : 0;
	free(buf);
	return rc;
}

int
antispoof_remove(const char *vm)
{
	char add[1024], del[1024];
	static const char *const old[] = { "pre", "in", "vif" };

	if (antispoof_add_cmds(vm, add, sizeof(add)) < 0 ||
	    antispoof_delete_cmds(vm, del, sizeof(del)) < 0)
		return -EINVAL;
	int rc = remove_in(ANTISPOOF_FAMILY " " ANTISPOOF_TABLE, add, del);
	/* The bridge-family chains of a VM an earlier bulkhead made: their
	 * rules name its taps by index, which a new tap may get. */
	size_t a = 0, d = 0;
	for (size_t i = 0; i < 3; i++) {
		a += (size_t)snprintf(add + a, sizeof(add) - a,
				      "add chain bridge " ANTISPOOF_TABLE
				      " %s-%s\n",
				      old[i], vm);
		d += (size_t)snprintf(del + d, sizeof(del) - d,
				      "delete chain bridge " ANTISPOOF_TABLE
				      " %s-%s\n",
				      old[i], vm);
	}
	int old_rc = remove_in("bridge " ANTISPOOF_TABLE, add, del);
	return rc < 0 ? rc : old_rc;
}

int
antispoof_present(const char *vm, size_t k, const char *tap, unsigned ifindex)
{
	char cmd[256], hook[64];
	struct nft_ctx *ctx;

	if (!antispoof_name_ok(vm))
		return -EINVAL;
	/* The chain is bound to a name: renamed, the tap is not filtered
	 * (and another device of that name would be). */
	if (if_nametoindex(tap) != ifindex || ifindex == 0)
		return 0;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	snprintf(cmd, sizeof(cmd),
		 "list chain " ANTISPOOF_FAMILY " " ANTISPOOF_TABLE
		 " tap-%s/%zu",
		 vm, k);
	snprintf(hook, sizeof(hook), "hook ingress device \"%s\" ", tap);
	int found = nft_run_cmd_from_buffer(ctx, cmd) == 0;
	const char *out = nft_ctx_get_output_buffer(ctx);
	found = found && out && strstr(out, hook) &&
		strstr(out, "ether saddr != ");
	nft_ctx_free(ctx);
	return found;
}
