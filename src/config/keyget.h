/* Reading one config entry's value as the type a key wants, with the
 * entry's line in every message. Shared by the key handlers of config.c
 * (bulkhead's keys) and xl_keys.c (the keys kept for xl's sake). */
#ifndef BULKHEAD_KEYGET_H
#define BULKHEAD_KEYGET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct key_ctx {
	struct vm_config *cfg;
	const struct cfg_entry *e;
	struct cfg_error *err;
};

/* err->msg = "file:line: key: what"; returns -1. */
int key_fail(struct key_ctx *k, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int want_type(struct key_ctx *k, enum cfg_type t);
/* A number in min..max. As xl does, a quoted decimal number ('4') counts
 * as the number. */
int get_num(struct key_ctx *k, unsigned min, unsigned max, unsigned *out);
/* A rate: 0 (no limit) or min..max; quoted as get_num. */
int get_rate(struct key_ctx *k, uint64_t min, uint64_t max, uint64_t *out);
/* A string shorter than len. */
int get_str(struct key_ctx *k, char *dst, size_t len);
/* An absolute path by pathcheck_absolute's rules, into PATH_MAX bytes. */
int get_path(struct key_ctx *k, char *dst);

#endif
