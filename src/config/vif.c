#include "vif.h"

#include <stdio.h>
#include <string.h>

bool
vif_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3 + 2] != ':' && i < 5)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	/* A guest NIC needs a unicast address. */
	if (mac[0] & 1)
		return -1;
	return 0;
}

int
vif_spec_parse(const char *spec, struct vif_spec *out, char *why, size_t whylen)
{
	char buf[256], *save = NULL;
	bool seen_model = false;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(why, whylen, "vif spec too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ' || *item == '\t')
			item++;
		char *end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		char *eq = strchr(item, '=');
		if (!eq) {
			snprintf(why, whylen,
				 "vif spec item '%s' is not key=value", item);
			return -1;
		}
		*eq = '\0';
		char *key = item, *val = eq + 1;
		while (*val == ' ')
			val++;
		for (char *k = eq; k > key && (k[-1] == ' ' || k[-1] == '\t');)
			*--k = '\0';
		if (!strcmp(key, "bridge")) {
			if (out->bridge[0] || !vif_ifname_valid(val)) {
				snprintf(
					why, whylen,
					out->bridge[0]
						? "vif spec key 'bridge' given twice"
						: "bad bridge name '%s'",
					val);
				return -1;
			}
			snprintf(out->bridge, sizeof(out->bridge), "%s", val);
		} else if (!strcmp(key, "vifname")) {
			if (out->vifname[0] || !vif_ifname_valid(val)) {
				snprintf(
					why, whylen,
					out->vifname[0]
						? "vif spec key 'vifname' given twice"
						: "bad vifname '%s'",
					val);
				return -1;
			}
			snprintf(out->vifname, sizeof(out->vifname), "%s", val);
		} else if (!strcmp(key, "mac")) {
			if (out->has_mac || parse_mac(val, out->mac) < 0) {
				snprintf(
					why, whylen,
					out->has_mac
						? "vif spec key 'mac' given twice"
						: "bad mac '%s' (expected unicast "
						  "xx:xx:xx:xx:xx:xx)",
					val);
				return -1;
			}
			out->has_mac = true;
		} else if (!strcmp(key, "model")) {
			if (seen_model || (strcmp(val, "virtio-net") != 0 &&
					   strcmp(val, "virtio") != 0)) {
				snprintf(
					why, whylen,
					seen_model
						? "vif spec key 'model' given twice"
						: "vif model '%s' is not supported (only "
						  "virtio-net)",
					val);
				return -1;
			}
			seen_model = true;
		} else {
			snprintf(why, whylen, "unknown vif spec key '%s'", key);
			return -1;
		}
	}
	if (!out->bridge[0]) {
		snprintf(why, whylen, "vif spec has no bridge=");
		return -1;
	}
	return 0;
}
