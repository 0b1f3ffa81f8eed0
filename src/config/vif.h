/* xl-style network specs: 'bridge=br0, mac=00:16:3e:01:02:03,
 * vifname=web1-eth0, model=virtio-net'; '' takes every default (xenbr0,
 * a random MAC in Xen's OUI), as in xl-network-configuration(5). The toolstack creates the tap,
 * attaches it to the bridge and passes QEMU only the fd. 'type=user'
 * (with mac= and model= only) has no tap: QEMU gets one end of a
 * socketpair whose other end a jailed passt holds. */
#ifndef BULKHEAD_VIF_H
#define BULKHEAD_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bridge a vif without bridge= joins: xl's default. */
#define VIF_DEFAULT_BRIDGE "xenbr0"

/* The NIC the guest sees (model=): virtio-net by default; an HVM
 * guest's driver may need one of the emulated ones. */
enum vif_model { VIF_VIRTIO_NET, VIF_E1000, VIF_RTL8139 };

/* ip=: the addresses the VM may use as a source on this vif (xl takes
 * several, separated by spaces). Host addresses only: no prefix, no
 * unspecified, loopback, multicast or broadcast address. */
#define VIF_IPS_MAX 8
struct vif_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct vif_spec {
	/* type=user: no tap and no bridge; Debian's passt, jailed, NATs
	 * the guest's traffic through host sockets (issue 14). */
	bool user;
	char bridge[IFNAMSIZ];
	bool bridge_default;    /* no bridge= given */
	char vifname[IFNAMSIZ]; /* "" = bulkhead picks bh<vmid>.<n> */
	uint8_t mac[6];
	bool has_mac;
	enum vif_model model;
	struct vif_ip ips[VIF_IPS_MAX];
	size_t nips; /* > 0 iff ip= was given */
	/* backendtype=isolated: virtio-net served by bulkhead-net, which
	 * holds the tap; QEMU gets only a vhost-user socket. Default
	 * (backendtype=qemu): QEMU's own virtio-net on the tap. */
	bool isolated;
	int line;
};

int vif_spec_parse(const char *spec, struct vif_spec *out, char *why,
		   size_t whylen);
/* QEMU's device for a model: virtio-net-pci, e1000 or rtl8139. */
const char *vif_model_device(enum vif_model m);
/* Its iPXE option ROM (file name in CONFIG_IPXE_DIR), for boot = 'n'. */
const char *vif_model_rom(enum vif_model m);
/* Linux interface name rules: 1..15 bytes, no '/', ':', whitespace,
 * not "." or "..". */
bool vif_ifname_valid(const char *name);
/* "xx:xx:xx:xx:xx:xx", a unicast MAC, into mac: 0 or -1. */
int vif_mac_parse(const char *s, uint8_t mac[6]);
/* A MAC as xx:xx:xx:xx:xx:xx (out: at least 18 bytes). */
void vif_mac_format(const uint8_t mac[6], char *out, size_t len);
/* An address as inet_ntop writes it (out: INET6_ADDRSTRLEN bytes). */
void vif_ip_format(const struct vif_ip *ip, char *out, size_t len);
/* Whether a MAC is locally administered (bit 1 of its first octet):
 * not from a vendor's OUI, so never a NIC's burned-in address nor one
 * bulkhead assigns in Xen's 00:16:3e. */
static inline bool
vif_mac_local(const uint8_t mac[6])
{
	return (mac[0] & 2) != 0;
}
/* Whether ip is IPv4-mapped IPv6, ::ffff:a.b.c.d: an IPv4 address in
 * IPv6's clothes, which a tenant may not claim (policy_check.c). */
bool vif_ip_mapped(const struct vif_ip *ip);
/* The EUI-64 link-local address of MAC mac (RFC 4291 appendix A): the
 * one the anti-spoofing rules let a vif send from besides its ip=. */
void vif_link_local(const uint8_t mac[6], struct vif_ip *out);
/* ip='A B ...' into out->ips: -1 with why on anything but host
 * addresses. */
int vif_ips_parse(const char *val, struct vif_spec *out, char *why,
		  size_t whylen);

#endif
