/* Tokenizer and parser for xl.cfg-style files: `key = value` statements,
 * values are decimal numbers, quoted strings or [ lists ] of those. It
 * knows no key names; config.c gives the entries meaning. */
#ifndef BULKHEAD_CFGFILE_H
#define BULKHEAD_CFGFILE_H

#include <stddef.h>
#include <stdint.h>

#define CFG_KEY_MAX 64
#define CFG_STR_MAX 4096
#define CFG_ENTRIES_MAX 128
#define CFG_LIST_MAX 64
#define CFG_FILE_MAX (1024 * 1024)

enum cfg_type { CFG_NUM, CFG_STR, CFG_LIST };

struct cfg_value {
	enum cfg_type type;
	int line;
	uint64_t num;
	char *str;
	struct cfg_value *items; /* CFG_LIST: numbers or strings only */
	size_t nitems;
};

struct cfg_entry {
	char key[CFG_KEY_MAX];
	int line;
	struct cfg_value val;
};

struct cfg_file {
	struct cfg_entry *entries;
	size_t n;
};

struct cfg_error {
	char msg[512];
};

/* Parse len bytes of text. fname names the file in messages. On error
 * returns -1 with err->msg = "fname:line: [key: ]what", and *out empty. */
int cfgfile_parse(const char *text, size_t len, const char *fname,
		  struct cfg_file *out, struct cfg_error *err);
/* Parse one statement given alone, as create's key=value arguments are:
 * exactly one `key = value` on one line, by the same rules. Messages are
 * "label: [key: ]what"; the entry and its values get line. */
int cfgfile_parse_one(const char *text, size_t len, const char *label, int line,
		      struct cfg_file *out, struct cfg_error *err);
void cfgfile_free(struct cfg_file *f);

#endif
