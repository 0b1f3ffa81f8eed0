/* A subid NSS module for the tests (libsubid_bhtest.so), standing in
 * for SSSD's: nsswitch.conf's "subid: bhtest" makes shadow's libsubid
 * load it. It serves ranges the files do not hold, from /etc/bhtest-subid
 * (the suite's private copy of /etc): lines "u OWNER START COUNT" and
 * "g OWNER START COUNT"; "x OWNER" makes it fail for that owner's
 * ranges (as SSSD does for a user it does not know), "x *" for every
 * owners lookup. */
#include <pwd.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE "/etc/bhtest-subid"

enum subid_status shadow_subid_has_range(const char *owner, unsigned long start,
					 unsigned long count, enum subid_type t,
					 bool *result);
enum subid_status shadow_subid_list_owner_ranges(const char *owner,
						 enum subid_type t,
						 struct subid_range **ranges,
						 int *count);
enum subid_status shadow_subid_find_subid_owners(unsigned long id,
						 enum subid_type t,
						 uid_t **uids, int *count);

struct row {
	char kind;
	char owner[64];
	unsigned long start, count;
};

/* The next row of f, or 0 at its end. */
static int
next_row(FILE *f, struct row *r)
{
	char line[256];

	while (fgets(line, sizeof(line), f)) {
		memset(r, 0, sizeof(*r));
		if (sscanf(line, "%c %63s %lu %lu", &r->kind, r->owner,
			   &r->start, &r->count) >= 2)
			return 1;
	}
	return 0;
}

static char
kind_of(enum subid_type t)
{
	return t == ID_TYPE_GID ? 'g' : 'u';
}

enum subid_status
shadow_subid_list_owner_ranges(const char *owner, enum subid_type t,
			       struct subid_range **ranges, int *count)
{
	FILE *f = fopen(TABLE, "re");
	struct row r;
	enum subid_status st = SUBID_STATUS_SUCCESS;

	*ranges = NULL;
	*count = 0;
	if (!f)
		return SUBID_STATUS_ERROR;
	while (st == SUBID_STATUS_SUCCESS && next_row(f, &r)) {
		if (strcmp(r.owner, owner) != 0)
			continue;
		if (r.kind == 'x') {
			st = SUBID_STATUS_UNKNOWN_USER;
		} else if (r.kind == kind_of(t)) {
			struct subid_range *n = realloc(
				*ranges, sizeof(*n) * (size_t)(*count + 1));
			if (!n) {
				st = SUBID_STATUS_ERROR;
				break;
			}
			n[*count].start = r.start;
			n[*count].count = r.count;
			*ranges = n;
			(*count)++;
		}
	}
	fclose(f);
	if (st != SUBID_STATUS_SUCCESS) {
		free(*ranges);
		*ranges = NULL;
		*count = 0;
	}
	return st;
}

enum subid_status
shadow_subid_find_subid_owners(unsigned long id, enum subid_type t,
			       uid_t **uids, int *count)
{
	FILE *f = fopen(TABLE, "re");
	struct row r;
	enum subid_status st = SUBID_STATUS_SUCCESS;

	*uids = NULL;
	*count = 0;
	if (!f)
		return SUBID_STATUS_ERROR;
	while (st == SUBID_STATUS_SUCCESS && next_row(f, &r)) {
		struct passwd *pw;

		if (r.kind == 'x' && strcmp(r.owner, "*") == 0)
			st = SUBID_STATUS_ERROR_CONN;
		if (r.kind != kind_of(t) || id < r.start ||
		    id - r.start >= r.count)
			continue;
		pw = getpwnam(r.owner);
		uid_t *n = realloc(*uids, sizeof(*n) * (size_t)(*count + 1));
		if (!pw || !n) {
			free(n ? n : *uids);
			*uids = NULL;
			*count = 0;
			st = SUBID_STATUS_ERROR;
			break;
		}
		n[(*count)++] = pw->pw_uid;
		*uids = n;
	}
	fclose(f);
	if (st != SUBID_STATUS_SUCCESS) {
		free(*uids);
		*uids = NULL;
		*count = 0;
	}
	return st;
}

enum subid_status
shadow_subid_has_range(const char *owner, unsigned long start,
		       unsigned long count, enum subid_type t, bool *result)
{
	struct subid_range *r;
	int n;
	enum subid_status st = shadow_subid_list_owner_ranges(owner, t, &r, &n);

	*result = false;
	for (int i = 0; st == SUBID_STATUS_SUCCESS && i < n; i++)
		if (start >= r[i].start && count <= r[i].count &&
		    start - r[i].start <= r[i].count - count)
			*result = true;
	if (st == SUBID_STATUS_SUCCESS)
		free(r);
	return st;
}
