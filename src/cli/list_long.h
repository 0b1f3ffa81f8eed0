/* list -l: a running VM's kept config as JSON. */
#ifndef BULKHEAD_LIST_LONG_H
#define BULKHEAD_LIST_LONG_H

#include <jansson.h>
#include <stddef.h>

/* The VM's config as create kept it: type, boot, sizes, each disk with
 * the device the guest sees it on, each vif with its NIC model. NULL
 * with why if it cannot be read. */
json_t *list_long_config(const char *name, char *why, size_t whylen);

#endif
