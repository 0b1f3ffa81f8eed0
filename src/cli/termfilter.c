#include "termfilter.h"

#include <string.h>

enum tf_state {
	TF_GROUND,
	TF_ESC,        /* ESC seen */
	TF_CHARSET,    /* ESC ( or ESC ): a character set's name follows */
	TF_ESC_DROP,   /* ESC and other intermediates: skip to the final */
	TF_CSI,        /* ESC [ and its parameters so far, held */
	TF_CSI_DROP,   /* a control sequence refused: skip to its end */
	TF_STRING,     /* OSC, DCS, SOS, PM, APC: dropped to its end */
	TF_STRING_ESC, /* ESC inside one: ST if a backslash follows */
	TF_UTF8,       /* a multi-byte character, held */
};

#define ESC 0x1b

void
term_filter_init(struct term_filter *f, bool utf8)
{
	memset(f, 0, sizeof(*f));
	f->state = TF_GROUND;
	f->utf8 = utf8;
}

static void
put(char *out, size_t *o, const void *p, size_t n)
{
	memcpy(out + *o, p, n);
	*o += n;
}

/* The private (DEC) and ANSI modes a console may set or reset: cursor
 * keys, autowrap, cursor shown, the alternate screen; insert, newline.
 * Not the keyboard lock, local echo, mouse reporting or the rest. */
static bool
mode_ok(bool private_mode, unsigned v)
{
	static const unsigned dec[] = { 1, 7, 25, 47, 1047, 1048, 1049 };
	static const unsigned ansi[] = { 4, 20 };
	const unsigned *l = private_mode ? dec : ansi;
	size_t n = private_mode ? sizeof(dec) / sizeof(dec[0])
				: sizeof(ansi) / sizeof(ansi[0]);

	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* A whole control sequence in hold (ESC [ params final): whether it is
 * one a console needs. Parameters are digits and ';' (':' for SGR);
 * a '?' only leads the modes of h and l. */
static bool
csi_ok(const unsigned char *s, size_t n)
{
	unsigned char fin = s[n - 1];
	bool priv = n > 3 && s[2] == '?';
	size_t i = priv ? 3 : 2;
	unsigned v = 0;

	if (fin == 'h' || fin == 'l') {
		for (; i < n; i++) {
			if (s[i] >= '0' && s[i] <= '9') {
				v = v * 10 + (unsigned)(s[i] - '0');
				if (v > 100000)
					return false;
			} else if (s[i] == ';' || i == n - 1) {
				if (!mode_ok(priv, v))
					return false;
				v = 0;
			} else {
				return false;
			}
		}
		return true;
	}
	if (priv || !strchr("@ABCDEFGHIJKLMPSTXZ`adefgmnrsu", fin))
		return false;
	for (; i < n - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ';' ||
		      (s[i] == ':' && fin == 'm')))
			return false;
	return true;
}

static void ground(struct term_filter *f, unsigned char c, char *out,
		   size_t *o);

/* ESC followed by c: the state it leads to (an ESC in a string too). */
static int
esc_final(struct term_filter *f, unsigned char c, char *out, size_t *o)
{
	if (c < 0x20 || c >= 0x7f) {
		/* A control ends the sequence and is taken as itself. */
		f->state = TF_GROUND;
		ground(f, c, out, o);
		return f->state;
	}
	/* save/restore cursor, index, next line, reverse index, tab set,
	 * keypad modes, reset */
	if (strchr("78DEMH=>c", c)) {
		unsigned char s[2] = { ESC, c };
		put(out, o, s, 2);
		return TF_GROUND;
	}
	f->hold[0] = ESC;
	f->hold[1] = c;
	f->nhold = 2;
	if (c == '(' || c == ')')
		return TF_CHARSET;
	if (c == '[')
		return TF_CSI;
	f->nhold = 0;
	if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
		return TF_STRING;
	if (c >= 0x20 && c <= 0x2f)
		return TF_ESC_DROP; /* ESC # 8, ESC % G, ... */
	return TF_GROUND;           /* anything else is dropped */
}

/* A UTF-8 character whose bytes are all in hold: kept unless it is
 * overlong, a surrogate, beyond U+10FFFF or a C1 control (U+0080 to
 * U+009F, which some terminals act on). */
static void
utf8_done(struct term_filter *f, char *out, size_t *o)
{
	const unsigned char *s = f->hold;
	size_t n = f->nhold;
	unsigned cp = s[0] & (0x7f >> n);
	static const unsigned min[] = { 0, 0, 0xa0, 0x800, 0x10000 };

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		put(out, o, "?", 1);
	else
		put(out, o, s, n);
	f->nhold = 0;
	f->state = TF_GROUND;
}

/* A byte outside any sequence. */
static void
ground(struct term_filter *f, unsigned char c, char *out, size_t *o)
{
	if (c == ESC) {
		f->state = TF_ESC;
	} else if ((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' ||
		   c == '\t' || c == '\b') {
		put(out, o, &c, 1);
	} else if (c < 0x80 || c == 0x7f) {
		/* other C0 controls and DEL: dropped */
	} else if (f->utf8 && c >= 0xc2 && c <= 0xf4) {
		f->hold[0] = c;
		f->nhold = 1;
		f->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		f->state = TF_UTF8;
	} else {
		put(out, o, "?", 1); /* C1, stray or invalid byte */
	}
}

/* A byte of a control sequence: held until its final byte. */
static void
csi_byte(struct term_filter *f, unsigned char c, char *out, size_t *o)
{
	if (c >= 0x20 && c <= 0x3f && f->nhold < TF_HOLD_MAX) {
		f->hold[f->nhold++] = c;
		return;
	}
	if (c >= 0x40 && c <= 0x7e && f->nhold < TF_HOLD_MAX) {
		f->hold[f->nhold++] = c;
		if (csi_ok(f->hold, f->nhold))
			put(out, o, f->hold, f->nhold);
		f->nhold = 0;
		f->state = TF_GROUND;
		return;
	}
	f->nhold = 0;
	/* Too long, or a control inside: the sequence is dropped; a
	 * control byte is taken as it would be outside it. */
	if (c < 0x20 || c >= 0x7f) {
		f->state = TF_GROUND;
		ground(f, c, out, o);
	} else {
		f->state = TF_CSI_DROP;
	}
}

static void
step(struct term_filter *f, unsigned char c, char *out, size_t *o)
{
	switch (f->state) {
	case TF_ESC:
		f->state = esc_final(f, c, out, o);
		break;
	case TF_CHARSET:
		if (c == 'B' || c == '0') { /* ASCII, line drawing */
			put(out, o, f->hold, 2);
			put(out, o, &c, 1);
		}
		f->nhold = 0;
		f->state = TF_GROUND;
		break;
	case TF_CSI:
		csi_byte(f, c, out, o);
		break;
	case TF_ESC_DROP:
		if (c < 0x20 || c >= 0x7f) {
			f->state = TF_GROUND;
			ground(f, c, out, o);
		} else if (c >= 0x30) {
			f->state = TF_GROUND;
		}
		break;
	case TF_CSI_DROP:
		if (c >= 0x40 && c <= 0x7e) {
			f->state = TF_GROUND;
		} else if (c < 0x20 || c >= 0x7f) {
			f->state = TF_GROUND;
			ground(f, c, out, o);
		}
		break;
	case TF_STRING:
		/* BEL ends an OSC; CAN and SUB cancel any string. */
		if (c == 0x07 || c == 0x18 || c == 0x1a)
			f->state = TF_GROUND;
		else if (c == ESC)
			f->state = TF_STRING_ESC;
		break;
	case TF_STRING_ESC:
		f->state = c == '\\' ? TF_GROUND : esc_final(f, c, out, o);
		break;
	case TF_UTF8:
		if ((c & 0xc0) != 0x80) {
			put(out, o, "?", 1);
			f->nhold = 0;
			f->state = TF_GROUND;
			ground(f, c, out, o);
			break;
		}
		f->hold[f->nhold++] = c;
		if (--f->need == 0)
			utf8_done(f, out, o);
		break;
	default:
		ground(f, c, out, o);
	}
}

size_t
term_filter_run(struct term_filter *f, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		step(f, (unsigned char)in[i], out, &o);
	return o;
}
