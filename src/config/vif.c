#include "vif.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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

int
vif_mac_parse(const char *s, uint8_t mac[6])
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

/* A unicast address a host may have: not 0.0.0.0, 127/8, 224/4 (and
 * the class E and broadcast above), ::, ::1, ff00::/8. */
static bool
vif_ip_is_host(const struct vif_ip *ip)
{
	const uint8_t *a = ip->addr;
	static const uint8_t zero[16];

	if (ip->family == AF_INET)
		return memcmp(a, zero, 4) != 0 && a[0] != 127 && a[0] < 224;
	if (a[0] == 0xff || !memcmp(a, zero, 16))
		return false;
	return memcmp(a, zero, 15) != 0 || a[15] != 1;
}

void
vif_mac_format(const uint8_t mac[6], char *out, size_t len)
{
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

void
vif_ip_format(const struct vif_ip *ip, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(ip->family, ip->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(out, len, "%s", a);
}

bool
vif_ip_mapped(const struct vif_ip *ip)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return ip->family == AF_INET6 &&
	       !memcmp(ip->addr, mapped, sizeof(mapped));
}

int
vif_ips_parse(const char *val, struct vif_spec *out, char *why, size_t whylen)
{
	char buf[256], *save = NULL;

	if (out->nips) {
		snprintf(why, whylen, "vif spec key 'ip' given twice");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *a = strtok_r(buf, " \t", &save); a;
	     a = strtok_r(NULL, " \t", &save)) {
		struct vif_ip ip = { .family = AF_INET };

		if (out->nips == VIF_IPS_MAX) {
			snprintf(why, whylen, "vif ip=: more than %d addresses",
				 VIF_IPS_MAX);
			return -1;
		}
		if (inet_pton(AF_INET, a, ip.addr) != 1) {
			ip.family = AF_INET6;
			if (inet_pton(AF_INET6, a, ip.addr) != 1) {
				snprintf(why, whylen,
					 "vif ip=: '%s' is not an IPv4 or IPv6 "
					 "address (no prefix length)",
					 a);
				return -1;
			}
		}
		if (!vif_ip_is_host(&ip)) {
			snprintf(why, whylen,
				 "vif ip=: '%s' is not a unicast host address",
				 a);
			return -1;
		}
		for (size_t i = 0; i < out->nips; i++)
			if (out->ips[i].family == ip.family &&
			    !memcmp(out->ips[i].addr, ip.addr, 16)) {
				snprintf(why, whylen,
					 "vif ip=: '%s' given twice", a);
				return -1;
			}
		out->ips[out->nips++] = ip;
	}
	if (!out->nips) {
		snprintf(why, whylen, "vif ip=: no address given");
		return -1;
	}
	return 0;
}

/* xl-network-configuration(5) keys bulkhead does not take, each with
 * why and what instead. */
static int
vif_refused_key(const char *key, const char *val, char *why, size_t whylen)
{
	static const struct {
		const char *key, *why;
	} refused[] = {
		{ "script", "bulkhead runs no vif scripts as root; it "
			    "attaches the tap to bridge= itself" },
		{ "gatewaydev", "routed and NAT vif scripts are not supported; "
				"use bridge=" },
		{ "forwarddev", "routed and NAT vif scripts are not supported; "
				"use bridge=" },
		{ "rate", "vif rate limits are not in this version" },
		{ "mtu", "a vif's MTU is the bridge's in this version" },
		{ "devid", "vifs are numbered by their order in the list" },
		{ "backend", "driver domains are not supported; the host "
			     "serves every vif (drop backend=)" },
		{ "accel", "no NIC acceleration option is supported" },
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (strcmp(key, refused[i].key) != 0)
			continue;
		/* backend=0 names the host, as in xl. */
		if (!strcmp(key, "backend") &&
		    (!strcmp(val, "0") || !strcmp(val, "Domain-0")))
			return 0;
		snprintf(why, whylen, "vif spec key '%s': %s", key,
			 refused[i].why);
		return -1;
	}
	snprintf(why, whylen, "unknown vif spec key '%s'", key);
	return -1;
}

static const struct {
	const char *name; /* xl's model= */
	enum vif_model model;
	const char *device; /* QEMU's */
	const char *rom;    /* iPXE's, for network boot (ipxe-qemu) */
} models[] = {
	{ "virtio-net", VIF_VIRTIO_NET, "virtio-net-pci", "efi-virtio.rom" },
	{ "virtio", VIF_VIRTIO_NET, "virtio-net-pci", "efi-virtio.rom" },
	{ "e1000", VIF_E1000, "e1000", "efi-e1000.rom" },
	{ "rtl8139", VIF_RTL8139, "rtl8139", "efi-rtl8139.rom" },
};

static int
vif_model_parse(const char *val, struct vif_spec *out)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (strcmp(models[i].name, val) == 0) {
			out->model = models[i].model;
			return 0;
		}
	}
	return -1;
}

const char *
vif_model_device(enum vif_model m)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].model == m)
			return models[i].device;
	return "virtio-net-pci";
}

const char *
vif_model_rom(enum vif_model m)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].model == m)
			return models[i].rom;
	return "efi-virtio.rom";
}

/* type=: xl's ioemu (an emulated NIC) and vif (a PV one) are both the
 * NIC model= names here; user is passt's user-mode network. */
static int
vif_type_parse(const char *val, bool *seen, struct vif_spec *out, char *why,
	       size_t whylen)
{
	if (*seen) {
		snprintf(why, whylen, "vif spec key 'type' given twice");
		return -1;
	}
	*seen = true;
	if (!strcmp(val, "user")) {
		out->user = true;
		return 0;
	}
	if (strcmp(val, "ioemu") != 0 && strcmp(val, "vif") != 0) {
		snprintf(why, whylen,
			 "vif type '%s' is not supported (ioemu, vif or user)",
			 val);
		return -1;
	}
	return 0;
}

/* A user vif has no tap: nothing to attach to a bridge, nothing to
 * name on the host. */
static int
vif_user_check(const struct vif_spec *v, char *why, size_t whylen)
{
	const char *bad = v->bridge[0]    ? "bridge="
			  : v->vifname[0] ? "vifname="
			  : v->nips       ? "ip="
			  : v->isolated   ? "backendtype=isolated"
					  : NULL;

	if (!bad)
		return 0;
	snprintf(why, whylen,
		 "vif type=user has no tap: %s does not apply (passt NATs "
		 "through host sockets; drop it or use a bridge)",
		 bad);
	return -1;
}

/* backendtype=: who serves the NIC. xl's word for a disk's backend;
 * for a vif, QEMU (in-process virtio-net or emulated NIC on the tap) or
 * bulkhead-net. */
static int
vif_backendtype(const char *val, bool *seen, struct vif_spec *out, char *why,
		size_t whylen)
{
	if (*seen) {
		snprintf(why, whylen, "vif spec key 'backendtype' given twice");
		return -1;
	}
	*seen = true;
	if (!strcmp(val, "isolated") || !strcmp(val, "qemu")) {
		out->isolated = val[0] == 'i';
		return 0;
	}
	snprintf(why, whylen,
		 "vif backendtype '%s' is not supported (qemu or isolated)",
		 val);
	return -1;
}

int
vif_spec_parse(const char *spec, struct vif_spec *out, char *why, size_t whylen)
{
	char buf[256], *save = NULL;
	bool seen_model = false, seen_type = false;
	bool seen_backendtype = false;

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
		if (!*item)
			continue; /* ' ' or ', ,': nothing given */
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
			if (out->has_mac || vif_mac_parse(val, out->mac) < 0) {
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
			if (seen_model || vif_model_parse(val, out) < 0) {
				snprintf(
					why, whylen,
					seen_model
						? "vif spec key 'model' given twice"
						: "vif model '%s' is not supported "
						  "(virtio-net, e1000 or rtl8139)",
					val);
				return -1;
			}
			seen_model = true;
		} else if (!strcmp(key, "ip")) {
			if (vif_ips_parse(val, out, why, whylen) < 0)
				return -1;
		} else if (!strcmp(key, "type")) {
			if (vif_type_parse(val, &seen_type, out, why, whylen) <
			    0)
				return -1;
		} else if (!strcmp(key, "backendtype")) {
			if (vif_backendtype(val, &seen_backendtype, out, why,
					    whylen) < 0)
				return -1;
		} else if (vif_refused_key(key, val, why, whylen) < 0) {
			return -1;
		}
	}
	if (out->user)
		return vif_user_check(out, why, whylen);
	if (out->isolated && out->model != VIF_VIRTIO_NET) {
		snprintf(why, whylen,
			 "vif: backendtype=isolated serves virtio-net only "
			 "(bulkhead-net is a vhost-user-net backend): drop "
			 "model= or use backendtype=qemu");
		return -1;
	}
	/* As xl: with no bridge=, the VM joins xenbr0. */
	if (!out->bridge[0]) {
		snprintf(out->bridge, sizeof(out->bridge), "%s",
			 VIF_DEFAULT_BRIDGE);
		out->bridge_default = true;
	}
	return 0;
}

void
vif_link_local(const uint8_t mac[6], struct vif_ip *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->addr[0] = 0xfe;
	out->addr[1] = 0x80;
	out->addr[8] = mac[0] ^ 0x02;
	out->addr[9] = mac[1];
	out->addr[10] = mac[2];
	out->addr[11] = 0xff;
	out->addr[12] = 0xfe;
	out->addr[13] = mac[3];
	out->addr[14] = mac[4];
	out->addr[15] = mac[5];
}
