/* libFuzzer harness: the tenant policy parser (tokenizer, keys, ranges,
 * rules and their account lookups) on arbitrary bytes, then the lookup
 * of an owner's limits and of addresses in its grant (addresses =
 * [...] prefixes: lengths, host bits, IPv4-mapped). It must never crash, leak or read out of
 * bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "../../src/config/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	static struct policy_limits l;
	static struct safe_who who;
	struct cfg_error err;

	if (size > CFG_FILE_MAX + 16)
		return 0;
	if (policy_parse((const char *)data, size, "fuzz.cfg", &p, &err) < 0)
		return 0;
	memset(&who, 0, sizeof(who));
	who.uid = 2;
	who.gid = 3;
	who.groups[0] = 4;
	who.ngroups = 1;
	policy_limits_of(&p, &who, &l);
	(void)policy_bridge_granted(&l, "br0");
	/* The input's last bytes as an address of each family. */
	struct vif_ip ip = { .family = AF_INET6 };
	memcpy(ip.addr, data + (size > 16 ? size - 16 : 0),
	       size < 16 ? size : 16);
	(void)policy_addr_granted(&l, &ip);
	ip.family = AF_INET;
	(void)policy_addr_granted(&l, &ip);
	return 0;
}
