/* xl's display keys: vnc, vnclisten, vncdisplay, vncunused, vncpasswd.
 * A display is an emulated VGA card and a VNC server with no listening
 * socket in the jail; `bulkhead vnc` listens and hands each client over
 * (ARCHITECTURE.md, "The display"). */
#ifndef BULKHEAD_VNC_KEYS_H
#define BULKHEAD_VNC_KEYS_H

#include "keyget.h"

/* The first VNC port: display N is port VNC_PORT_BASE + N. */
#define VNC_PORT_BASE 5900u
#define VNC_DISPLAY_MAX (65535u - VNC_PORT_BASE)

int key_vnc(struct key_ctx *k);
int key_vnclisten(struct key_ctx *k);
int key_vncdisplay(struct key_ctx *k);
int key_vncunused(struct key_ctx *k);
int key_vncpasswd(struct key_ctx *k);
/* vnclisten's ":N" and vncdisplay must agree. -1 with err->msg. */
int vnc_keys_finish(struct vm_config *cfg, struct cfg_error *err);
/* Is addr (dotted IPv4) in 127.0.0.0/8? */
bool vnc_addr_loopback(const char *addr);

#endif
