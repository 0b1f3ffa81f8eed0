#include "vnc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
key_vnc(struct key_ctx *k)
{
	unsigned v = 0;

	if (get_num(k, 0, 1, &v) < 0)
		return -1;
	k->cfg->vnc = v == 1;
	return 0;
}

bool
vnc_addr_loopback(const char *addr)
{
	struct in_addr a;

	return inet_pton(AF_INET, addr, &a) == 1 &&
	       (ntohl(a.s_addr) >> 24) == 127;
}

/* xl's "ADDRESS[:DISPLAYNUM]". Only a loopback address: anyone who
 * reaches the port sees and types into the guest, with no password
 * (see vncpasswd); root opens a wider one on the command line. */
int
key_vnclisten(struct key_ctx *k)
{
	char v[32], *colon;
	struct in_addr a;

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	colon = strchr(v, ':');
	if (colon) {
		char *end;
		unsigned long n = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end ||
		    n > VNC_DISPLAY_MAX)
			return key_fail(k, k->e->line,
					"'%s': expected ADDRESS or "
					"ADDRESS:DISPLAY (0-%u)",
					v, VNC_DISPLAY_MAX);
		*colon = '\0';
		k->cfg->vnclisten_display = (int)n;
	}
	if (inet_pton(AF_INET, v, &a) != 1)
		return key_fail(k, k->e->line,
				"'%s' is not an IPv4 address (host names and "
				"IPv6 are not in this version)",
				v);
	if (!vnc_addr_loopback(v))
		return key_fail(
			k, k->e->line,
			"'%s' is not a loopback address: the display "
			"has no password here, so anyone who reaches "
			"it sees and types into the guest; tunnel "
			"127.0.0.1 over SSH, or let root open it with "
			"bulkhead vnc --listen ADDR:PORT --allow-remote",
			v);
	snprintf(k->cfg->vnclisten, sizeof(k->cfg->vnclisten), "%s", v);
	return 0;
}

int
key_vncdisplay(struct key_ctx *k)
{
	unsigned v = 0;

	if (get_num(k, 0, VNC_DISPLAY_MAX, &v) < 0)
		return -1;
	k->cfg->vncdisplay = (int)v;
	return 0;
}

int
key_vncunused(struct key_ctx *k)
{
	unsigned v = 0;

	if (get_num(k, 0, 1, &v) < 0)
		return -1;
	k->cfg->vncunused = v == 1;
	return 0;
}

/* xl's "" is no password, which is what bulkhead has. */
int
key_vncpasswd(struct key_ctx *k)
{
	char v[64];

	if (get_str(k, v, sizeof(v)) < 0)
		return -1;
	if (v[0])
		return key_fail(k, k->e->line,
				"not supported: the password would be handed "
				"to the device model, which bulkhead treats "
				"as hostile, and VNC's password scheme (DES, "
				"8 characters, no encryption) protects "
				"little; leave it out: the display listens "
				"on loopback for root's bulkhead vnc only, "
				"reach it through an SSH tunnel");
	return 0;
}

int
vnc_keys_finish(struct vm_config *cfg, struct cfg_error *err)
{
	if (cfg->vnclisten_display < 0)
		return 0;
	if (cfg->vncdisplay >= 0 && cfg->vncdisplay != cfg->vnclisten_display) {
		char w[CONFIG_WHERE_MAX];
		snprintf(err->msg, sizeof(err->msg),
			 "%s: vncdisplay: %d differs from vnclisten's "
			 "display :%d; give one of them",
			 config_where(cfg, cfg->line[KEY_VNCDISPLAY], w,
				      sizeof(w)),
			 cfg->vncdisplay, cfg->vnclisten_display);
		return -1;
	}
	cfg->vncdisplay = cfg->vnclisten_display;
	return 0;
}
