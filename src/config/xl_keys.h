/* The xl.cfg keys bulkhead keeps for xl's sake (extra, root, uuid,
 * maxmem, maxvcpus, type, builder, serial), and the xl keys it refuses,
 * each with why and what to use instead. */
#ifndef BULKHEAD_XL_KEYS_H
#define BULKHEAD_XL_KEYS_H

#include "keyget.h"

int key_extra(struct key_ctx *k);
int key_root(struct key_ctx *k);
int key_uuid(struct key_ctx *k);
int key_maxmem(struct key_ctx *k);
int key_maxvcpus(struct key_ctx *k);
int key_type(struct key_ctx *k);
int key_builder(struct key_ctx *k);
int key_serial(struct key_ctx *k);
/* An xl key bulkhead does not take: 0 if its value means "off" (vnc = 0,
 * pci = []) and may be ignored, else -1 with why in err. 1 if xl has no
 * such key either. */
int xl_refused_key(struct key_ctx *k);
/* After every key: join root and extra into cmdline, hold maxmem and
 * maxvcpus to memory and vcpus, and say what a firmware-boot config
 * lacks. -1 with err->msg. */
int xl_keys_finish(struct vm_config *cfg, struct cfg_error *err);

#endif
