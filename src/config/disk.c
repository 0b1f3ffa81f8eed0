#include "disk.h"

#include <stdio.h>
#include <string.h>

#include "pathcheck.h"

bool
disk_vdev_valid(const char *vdev)
{
	static const char *const prefixes[] = { "xvd", "hd", "sd", "vd" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(vdev, prefixes[i], pl) != 0)
			continue;
		size_t rest = strlen(vdev + pl);
		if (rest < 1 || rest > 2)
			return false;
		for (size_t j = pl; vdev[j]; j++)
			if (vdev[j] < 'a' || vdev[j] > 'z')
				return false;
		return true;
	}
	return false;
}

int
disk_ide_slot(const char *vdev, unsigned *bus, unsigned *unit)
{
	if (strlen(vdev) != 3 || strncmp(vdev, "hd", 2) != 0 || vdev[2] < 'a' ||
	    vdev[2] > 'd')
		return -1;
	*bus = (unsigned)(vdev[2] - 'a') / 2;
	*unit = (unsigned)(vdev[2] - 'a') % 2;
	return 0;
}

size_t
disk_fd_count(const struct disk_spec *d)
{
	if (d->cdrom)
		return 0;
	if (d->isolated)
		return 1;
	return d->readonly ? 1 : 2;
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copy [p, end) without surrounding blanks into dst. */
static int
copy_trimmed(const char *p, const char *end, char *dst, size_t len)
{
	p = skip_space(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - p) >= len)
		return -1;
	memcpy(dst, p, (size_t)(end - p));
	dst[end - p] = '\0';
	return 0;
}

int
disk_spec_parse(const char *spec, struct disk_spec *out, char *why,
		size_t whylen)
{
	bool seen_format = false, seen_vdev = false, seen_access = false;
	bool seen_devtype = false, seen_backendtype = false;
	const char *p = spec;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p = skip_space(p);
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		if (!eq || (comma && comma < eq)) {
			snprintf(why, whylen,
				 "disk spec item '%.*s' is not key=value "
				 "(positional disk specs are not supported)",
				 (int)((comma ? comma : p + strlen(p)) - p), p);
			return -1;
		}
		char key[16];
		if (copy_trimmed(p, eq, key, sizeof(key)) < 0) {
			snprintf(why, whylen, "disk spec key too long");
			return -1;
		}
		const char *val = eq + 1;
		if (strcmp(key, "target") == 0) {
			/* The rest of the spec, commas included. */
			if (copy_trimmed(val, val + strlen(val), out->target,
					 sizeof(out->target)) < 0) {
				snprintf(why, whylen, "disk target too long");
				return -1;
			}
			/* An empty target is an empty CD-ROM drive. */
			if (!(out->cdrom && out->target[0] == '\0') &&
			    pathcheck_absolute(out->target, why, whylen) < 0)
				return -1;
			break;
		}
		char v[32] = "";
		const char *vend = comma ? comma : val + strlen(val);
		if (copy_trimmed(val, vend, v, sizeof(v)) < 0) {
			snprintf(why, whylen,
				 "disk spec value for '%s' too long", key);
			return -1;
		}
		bool *seen;
		if (strcmp(key, "format") == 0) {
			seen = &seen_format;
			if (strcmp(v, "raw") != 0) {
				snprintf(why, whylen,
					 "disk format '%s' is not supported: "
					 "only raw (image formats are never "
					 "probed)",
					 v);
				return -1;
			}
		} else if (strcmp(key, "vdev") == 0) {
			seen = &seen_vdev;
			if (!disk_vdev_valid(v)) {
				snprintf(why, whylen,
					 "bad vdev '%s' (expected "
					 "xvdX, hdX, sdX or vdX)",
					 v);
				return -1;
			}
			snprintf(out->vdev, sizeof(out->vdev), "%s", v);
		} else if (strcmp(key, "access") == 0) {
			seen = &seen_access;
			if (!strcmp(v, "rw") || !strcmp(v, "w")) {
				out->readonly = false;
			} else if (!strcmp(v, "ro") || !strcmp(v, "r")) {
				out->readonly = true;
			} else {
				snprintf(why, whylen,
					 "bad access '%s' (expected "
					 "rw or ro)",
					 v);
				return -1;
			}
		} else if (strcmp(key, "devtype") == 0) {
			seen = &seen_devtype;
			if (strcmp(v, "cdrom") == 0) {
				out->cdrom = true;
			} else if (strcmp(v, "disk") != 0) {
				snprintf(why, whylen,
					 "devtype '%s' is not "
					 "supported (disk or cdrom)",
					 v);
				return -1;
			}
		} else if (strcmp(key, "backendtype") == 0) {
			seen = &seen_backendtype;
			if (strcmp(v, "isolated") == 0) {
				out->isolated = true;
			} else if (strcmp(v, "qdisk") != 0) {
				snprintf(why, whylen,
					 "backendtype '%s' is not "
					 "supported (qdisk or isolated)",
					 v);
				return -1;
			}
		} else {
			snprintf(why, whylen, "unknown disk spec key '%s'",
				 key);
			return -1;
		}
		if (*seen) {
			snprintf(why, whylen, "disk spec key '%s' given twice",
				 key);
			return -1;
		}
		*seen = true;
		if (!comma) {
			snprintf(why, whylen, "disk spec has no target=");
			return -1;
		}
		p = comma + 1;
	}
	if (!seen_vdev) {
		snprintf(why, whylen, "disk spec has no vdev=");
		return -1;
	}
	if (out->cdrom && out->isolated) {
		snprintf(why, whylen,
			 "a cdrom cannot have an isolated "
			 "backend in this version (backendtype=qdisk)");
		return -1;
	}
	if (out->cdrom) {
		unsigned bus, unit;
		if (disk_ide_slot(out->vdev, &bus, &unit) < 0) {
			snprintf(why, whylen,
				 "a cdrom's vdev must be hda, hdb, "
				 "hdc or hdd (an IDE slot), not '%s'",
				 out->vdev);
			return -1;
		}
		if (seen_access && !out->readonly) {
			snprintf(why, whylen,
				 "a cdrom is read-only: drop "
				 "access=rw");
			return -1;
		}
		out->readonly = true;
	}
	return 0;
}
