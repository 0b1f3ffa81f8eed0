/* What `bulkhead console` lets through from the guest to the caller's
 * terminal. The guest is hostile: a raw stream could set the window
 * title, write the clipboard (OSC 52), send device control strings or
 * remap the keyboard. This keeps text and the few escape sequences a
 * serial console needs (colours, cursor movement, erasing, the alternate
 * screen) and drops everything else, across read boundaries. */
#ifndef BULKHEAD_TERMFILTER_H
#define BULKHEAD_TERMFILTER_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes a sequence may be held back while it is incomplete: a control
 * sequence longer than this is dropped whole. */
#define TF_HOLD_MAX 32

struct term_filter {
	int state;
	unsigned char hold[TF_HOLD_MAX];
	size_t nhold;
	unsigned need; /* UTF-8 continuation bytes still to come */
	bool utf8;     /* the terminal decodes UTF-8 */
};

/* utf8: whether the terminal takes UTF-8 (else every byte above 0x7f,
 * an 8-bit C1 control to such a terminal, becomes '?'). */
void term_filter_init(struct term_filter *f, bool utf8);
/* Filter n bytes of in into out (room for n + TF_HOLD_MAX bytes);
 * returns how many bytes out holds. */
size_t term_filter_run(struct term_filter *f, const char *in, size_t n,
		       char *out);

#endif
