/* The keys of an HVM guest, one that boots as a whole PC: its firmware
 * (bios), boot order (boot), disk controller (hdtype), clock (localtime),
 * the xl tuning keys whose only value here is the default, and the
 * mapping of each disk's vdev to an emulated controller. */
#ifndef BULKHEAD_HVM_KEYS_H
#define BULKHEAD_HVM_KEYS_H

#include "keyget.h"

int key_boot(struct key_ctx *k);
int key_bios(struct key_ctx *k);
int key_hdtype(struct key_ctx *k);
int key_localtime(struct key_ctx *k);
int key_usb(struct key_ctx *k);
int key_usbdevice(struct key_ctx *k);
/* An xl HVM key bulkhead implements only at its default (acpi = 1,
 * hpet = 0 ...): 0 if the value is that default, -1 with why in err
 * otherwise; 1 if the key is not one of them. */
int hvm_default_key(struct key_ctx *k);
/* After every key: decide firmware boot, check boot against the devices
 * the config has, and put each disk on its controller. -1 with
 * err->msg. */
int hvm_keys_finish(struct vm_config *cfg, struct cfg_error *err);

#endif
