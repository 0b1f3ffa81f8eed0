#include "record.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "vmdir.h"

int
record_path(char *buf, size_t len, const char *name)
{
	return vmdir_file(buf, len, name, VMF_RECORD);
}

void
record_set_identity(struct vm_record *r, const struct dm_identity *id)
{
	r->uid = id->uid;
	r->gid = id->gid;
	r->uid_exclusive = id->exclusive;
	r->reaper_uid = id->reaper_uid;
	snprintf(r->ident, sizeof(r->ident), "%s", ident_kind_name(id->kind));
}

int
record_identity(const struct vm_record *r, struct dm_identity *id)
{
	static const enum ident_kind kinds[] = { IDENT_RANGE, IDENT_USER,
						 IDENT_SHARED, IDENT_ROOT };

	memset(id, 0, sizeof(*id));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(r->ident, ident_kind_name(kinds[i])) != 0)
			continue;
		id->kind = kinds[i];
		id->uid = r->uid;
		id->gid = r->gid;
		id->exclusive = r->uid_exclusive;
		id->reaper_uid = r->reaper_uid;
		return 0;
	}
	return -EINVAL;
}

bool
record_same_vm(const struct vm_record *a, const struct vm_record *b)
{
	return a->dm_start != 0 && a->vmid == b->vmid &&
	       a->dm_pid == b->dm_pid && a->dm_start == b->dm_start &&
	       strcmp(a->name, b->name) == 0;
}

static json_t *
taps_json(const struct vm_record *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->ntaps; i++)
		if (json_array_append_new(
			    a, json_pack("{s:s, s:I}", "name", r->taps[i].name,
					 "ifindex",
					 (json_int_t)r->taps[i].ifindex)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
vifs_json(const struct vm_record *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nvifs; i++) {
		const struct record_vif *v = &r->vifs[i];
		char mac[18], ip[INET6_ADDRSTRLEN];
		json_t *ips = json_array();
		for (size_t j = 0; ips && j < v->nips; j++) {
			vif_ip_format(&v->ips[j], ip, sizeof(ip));
			if (json_array_append_new(ips, json_string(ip)) < 0) {
				json_decref(ips);
				ips = NULL;
			}
		}
		vif_mac_format(v->mac, mac, sizeof(mac));
		if (!ips ||
		    json_array_append_new(a, json_pack("{s:s, s:o}", "mac", mac,
						       "ips", ips)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
record_write(const struct vm_record *r)
{
	char path[PATH_MAX];
	json_t *o = json_pack(
		"{s:s, s:I, s:I, s:I, s:b, s:I, s:s, s:I, s:I, s:I, s:I, s:s, "
		"s:s, s:b, s:s, s:s, s:I, s:o, s:o}",
		"name", r->name, "vmid", (json_int_t)r->vmid, "uid",
		(json_int_t)r->uid, "gid", (json_int_t)r->gid, "uid_exclusive",
		r->uid_exclusive, "reaper_uid", (json_int_t)r->reaper_uid,
		"ident", r->ident, "pid", (json_int_t)r->dm_pid, "dm_start",
		(json_int_t)r->dm_start, "monitor_pid",
		(json_int_t)r->monitor_pid, "monitor_start",
		(json_int_t)r->monitor_start, "state", r->state, "accel",
		r->accel, "security_supported", r->security_supported, "config",
		r->config, "console_log", r->console_log, "owner",
		(json_int_t)r->owner, "taps", taps_json(r), "vifs",
		vifs_json(r));
	if (!o)
		return -ENOMEM;
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	int rc = record_path(path, sizeof(path), r->name);
	if (rc == 0)
		rc = file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

static int
get_str(json_t *o, const char *k, char *dst, size_t len)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -EINVAL;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
get_int(json_t *o, const char *k, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_bool(json_t *o, const char *k, bool *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

/* "taps": [{"name": NAME, "ifindex": N}, ...], at most
 * RECORD_TAPS_MAX, each name a valid interface name. */
static int
get_taps(json_t *o, struct vm_record *r)
{
	json_t *a = json_object_get(o, "taps");
	size_t i;
	json_t *t;

	if (!json_is_array(a) || json_array_size(a) > RECORD_TAPS_MAX)
		return -EINVAL;
	json_array_foreach(a, i, t)
	{
		uint64_t idx;
		struct record_tap *rt = &r->taps[i];
		if (!json_is_object(t) || json_object_size(t) != 2 ||
		    get_str(t, "name", rt->name, sizeof(rt->name)) ||
		    !rt->name[0] || strchr(rt->name, '/') ||
		    get_int(t, "ifindex", INT32_MAX, &idx) || idx == 0)
			return -EINVAL;
		rt->ifindex = (unsigned)idx;
	}
	r->ntaps = json_array_size(a);
	return 0;
}

/* "ips": ["A", ...]: each a host address vif_ips_parse takes. */
static int
get_ips(json_t *o, struct record_vif *v)
{
	json_t *a = json_object_get(o, "ips"), *t;
	char why[128];
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > VIF_IPS_MAX)
		return -EINVAL;
	json_array_foreach(a, i, t)
	{
		struct vif_spec s = { .nips = 0 };
		/* One address each: no space to split on. */
		if (!json_is_string(t) || json_string_length(t) > 64 ||
		    strlen(json_string_value(t)) != json_string_length(t) ||
		    strpbrk(json_string_value(t), " \t") ||
		    vif_ips_parse(json_string_value(t), &s, why, sizeof(why)))
			return -EINVAL;
		v->ips[i] = s.ips[0];
	}
	v->nips = json_array_size(a);
	return 0;
}

/* "vifs": [{"mac": "xx:...", "ips": [...]}, ...], at most
 * RECORD_TAPS_MAX. */
static int
get_vifs(json_t *o, struct vm_record *r)
{
	json_t *a = json_object_get(o, "vifs"), *t;
	char mac[18];
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > RECORD_TAPS_MAX)
		return -EINVAL;
	json_array_foreach(a, i, t)
	{
		struct record_vif *v = &r->vifs[i];
		if (!json_is_object(t) || json_object_size(t) != 2 ||
		    get_str(t, "mac", mac, sizeof(mac)) ||
		    vif_mac_parse(mac, v->mac) < 0 || get_ips(t, v) < 0)
			return -EINVAL;
	}
	r->nvifs = json_array_size(a);
	return 0;
}

int
record_parse(const char *text, size_t len, struct vm_record *r)
{
	json_error_t jerr;
	uint64_t vmid, uid, gid, reaper, pid, dms, mpid, ms, owner = 0;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		goto out;
	/* 16 keys: a record from before "owner" was kept; 17: before
	 * "taps" were; 18: before "vifs" were. */
	size_t keys = json_object_size(o);
	if (keys < 16 || keys > 19 ||
	    (keys >= 17 && get_int(o, "owner", UINT32_MAX - 1, &owner)) ||
	    (keys >= 18 && get_taps(o, r) < 0) ||
	    (keys == 19 && get_vifs(o, r) < 0))
		goto out;
	if (get_str(o, "name", r->name, sizeof(r->name)) ||
	    get_int(o, "vmid", 32751, &vmid) ||
	    get_int(o, "uid", UINT32_MAX - 1, &uid) ||
	    get_int(o, "gid", UINT32_MAX - 1, &gid) ||
	    get_bool(o, "uid_exclusive", &r->uid_exclusive) ||
	    get_int(o, "reaper_uid", UINT32_MAX - 1, &reaper) ||
	    get_str(o, "ident", r->ident, sizeof(r->ident)) ||
	    get_int(o, "pid", INT32_MAX, &pid) ||
	    get_int(o, "dm_start", INT64_MAX, &dms) ||
	    get_int(o, "monitor_pid", INT32_MAX, &mpid) ||
	    get_int(o, "monitor_start", INT64_MAX, &ms) ||
	    get_str(o, "state", r->state, sizeof(r->state)) ||
	    get_str(o, "accel", r->accel, sizeof(r->accel)) ||
	    get_bool(o, "security_supported", &r->security_supported) ||
	    get_str(o, "config", r->config, sizeof(r->config)) ||
	    get_str(o, "console_log", r->console_log, sizeof(r->console_log)))
		goto out;
	r->vmid = (unsigned)vmid;
	r->uid = (uid_t)uid;
	r->gid = (gid_t)gid;
	r->reaper_uid = (uid_t)reaper;
	r->owner = (uid_t)owner;
	r->dm_pid = (pid_t)pid;
	r->dm_start = dms;
	r->monitor_pid = (pid_t)mpid;
	r->monitor_start = ms;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int
record_read(const char *name, struct vm_record *r)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc = record_path(path, sizeof(path), name);

	if (rc < 0)
		return rc;
	rc = file_read_all(path, 65536, &text, &len);
	if (rc < 0)
		return rc;
	rc = record_parse(text, len, r);
	free(text);
	if (rc == 0 && strcmp(r->name, name) != 0)
		rc = -EINVAL;
	return rc;
}

static int
cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
record_foreach(int (*fn)(const char *name, void *arg), void *arg)
{
	struct dirent **list;
	int n = scandir(BH_VM_DIR, &list, not_dot, cmp_names);
	int rc = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (rc == 0)
			rc = fn(list[i]->d_name, arg);
		free(list[i]);
	}
	free(list);
	return rc;
}
