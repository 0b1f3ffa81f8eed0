#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_bridge.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

static int
fail(char *why, size_t whylen, const char *what, const char *name, int e)
{
	snprintf(why, whylen, "%s %s: %s", what, name, strerror(e));
	return -e;
}

/* Send one rtnetlink request of len bytes and read the kernel's answer:
 * 0 or -errno. */
static int
rtnl_ack(void *req, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int rc = -EIO;

	if (s < 0)
		return -errno;
	if (sendto(s, req, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)len)
		rc = -errno;
	else if (recv(s, &ack, sizeof(ack), 0) >= (ssize_t)sizeof(ack) &&
		 ack.nh.nlmsg_type == NLMSG_ERROR)
		rc = ack.err.error; /* 0 or -errno */
	close(s);
	return rc;
}

/* RTM_DELLINK of ifindex. */
static int
dellink(unsigned ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)ifindex;
	return rtnl_ack(&req, sizeof(req));
}

/* BPDU guard on the tap's bridge port (bridge link set ... guard on):
 * with STP on, the bridge hands BPDUs to its STP code before any
 * netfilter hook, so the anti-spoofing rules never see them; guarded,
 * a port that receives one is disabled instead of letting a VM claim
 * root of the spanning tree. A VM never has a reason to send one. */
static int
bpdu_guard(unsigned ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct nlattr protinfo;
		struct nlattr guard;
		uint8_t on, pad[3];
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_SETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 2;
	req.ifi.ifi_family = AF_BRIDGE;
	req.ifi.ifi_index = (int)ifindex;
	req.protinfo.nla_type = IFLA_PROTINFO | NLA_F_NESTED;
	req.protinfo.nla_len =
		(uint16_t)(sizeof(req.protinfo) + sizeof(req.guard) + 4);
	req.guard.nla_type = IFLA_BRPORT_GUARD;
	req.guard.nla_len = (uint16_t)(sizeof(req.guard) + 1);
	req.on = 1;
	return rtnl_ack(&req, sizeof(req));
}

int
tap_create(const char *name, const char *bridge, char *why, size_t whylen)
{
	struct ifreq ifr;
	int e;

	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(why, whylen, "open", "/dev/net/tun", errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* TUNSETIFF on an existing tap would attach to it: refuse instead,
	 * an interface of that name belongs to someone else. */
	if (if_nametoindex(name) != 0) {
		close(fd);
		return fail(why, whylen, "create tap", name, EEXIST);
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		return fail(why, whylen, "create tap", name, e);
	}
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		e = errno;
		close(fd);
		return fail(why, whylen, "socket for", name, e);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = (int)if_nametoindex(name);
	if (ifr.ifr_ifindex == 0 || ioctl(s, SIOCBRADDIF, &ifr) < 0) {
		e = errno;
		goto out;
	}
	int rc = bpdu_guard((unsigned)ifr.ifr_ifindex);
	if (rc < 0) {
		e = -rc;
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		e = errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		e = errno;
		goto out;
	}
	close(s);
	return fd;
out:
	close(s);
	close(fd); /* not persistent: closing deletes the tap */
	return fail(why, whylen, "attach to bridge", bridge, e);
}

int
tap_delete(const char *name, unsigned ifindex)
{
	char p[64];

	/* Gone with the device model (the usual case), or the name is now
	 * another interface's: nothing of the VM's to delete. */
	if (ifindex == 0 || if_nametoindex(name) != ifindex)
		return 0;
	snprintf(p, sizeof(p), "/sys/class/net/%s/tun_flags", name);
	if (access(p, F_OK) != 0)
		return 0;
	int rc = dellink(ifindex);
	return rc == 0 ? 1 : rc == -ENODEV ? 0 : rc;
}
