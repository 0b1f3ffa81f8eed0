#include "disk.h"

#include <stdarg.h>
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

int
disk_vdev_index(const char *vdev)
{
	static const char *const prefixes[] = { "xvd", "hd", "sd", "vd" };

	if (!disk_vdev_valid(vdev))
		return -1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(vdev, prefixes[i], pl) != 0)
			continue;
		int idx = 0; /* at most two letters: below 26 * 27 */
		for (const char *p = vdev + pl; *p; p++)
			idx = idx * 26 + (*p - 'a' + 1);
		return idx - 1;
	}
	return -1;
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

/* One spec's parse: which parameters are given so far. Positional items
 * fill the ones still unspecified, in xl's order: target, format, vdev,
 * access (xl-disk-configuration(5)). */
struct spec_parse {
	struct disk_spec *out;
	char *why;
	size_t whylen;
	bool target, format, vdev, access, devtype, backendtype;
	bool access_rw;    /* rw or w written out, not the default */
	bool format_empty; /* xend's empty cdrom: ',hdc:cdrom,r' */
	/* A deprecated prefix ('phy:', 'raw:', ...) came with the target:
	 * the old syntax has no format item, so the next one is the vdev. */
	bool depr_prefix;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct spec_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
one_of(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

static int
twice(struct spec_parse *p, bool *seen, const char *name)
{
	if (*seen)
		return fail(p, "disk spec key '%s' given twice", name);
	*seen = true;
	return 0;
}

static int
set_target(struct spec_parse *p, const char *s, const char *end)
{
	/* xl lets target= follow an empty positional target. */
	if (p->target && p->out->target[0])
		return fail(p, "disk spec key 'target' given twice");
	p->target = true;
	char *t = p->out->target;
	if (copy_trimmed(s, end, t, sizeof(p->out->target)) < 0)
		return fail(p, "disk target too long");
	/* As xl does: a relative target names a device under /dev. */
	if (t[0] && t[0] != '/') {
		size_t n = strlen(t);
		if (n + 5 >= sizeof(p->out->target))
			return fail(p, "disk target too long");
		memmove(t + 5, t, n + 1);
		memcpy(t, "/dev/", 5);
	}
	return 0;
}

static int
set_format(struct spec_parse *p, const char *v)
{
	static const char *const other[] = { "qcow", "vhd", "qed", NULL };

	if (twice(p, &p->format, "format") < 0)
		return -1;
	if (!v[0] || strcmp(v, "raw") == 0)
		return 0;
	if (strcmp(v, "empty") == 0) {
		p->format_empty = true;
		return 0;
	}
	/* Stated, never probed: QEMU in the jail reads its header, root
	 * never does. */
	if (strcmp(v, "qcow2") == 0) {
		p->out->qcow2 = true;
		return 0;
	}
	if (one_of(v, other))
		return fail(p,
			    "disk format '%s' is not supported: raw, or qcow2 "
			    "stated explicitly (image formats are never "
			    "probed)",
			    v);
	return fail(p, "unknown disk format '%s' (raw, qcow, qcow2, vhd, qed)",
		    v);
}

static int
set_devtype(struct spec_parse *p, const char *v)
{
	if (twice(p, &p->devtype, "devtype") < 0)
		return -1;
	if (strcmp(v, "cdrom") == 0)
		p->out->cdrom = true;
	else if (strcmp(v, "disk") != 0)
		return fail(p, "devtype '%s' is not supported (disk or cdrom)",
			    v);
	return 0;
}

/* A vdev, or xend's 'hdc:cdrom' when positional. */
static int
set_vdev(struct spec_parse *p, char *v, bool positional)
{
	char *colon = positional ? strrchr(v, ':') : NULL;

	if (twice(p, &p->vdev, "vdev") < 0)
		return -1;
	if (colon) {
		*colon = '\0';
		if (set_devtype(p, colon + 1) < 0)
			return -1;
	}
	if (!disk_vdev_valid(v))
		return fail(p, "bad vdev '%s' (expected xvdX, hdX, sdX or vdX)",
			    v);
	snprintf(p->out->vdev, sizeof(p->out->vdev), "%s", v);
	return 0;
}

static int
set_access(struct spec_parse *p, const char *v)
{
	if (twice(p, &p->access, "access") < 0)
		return -1;
	if (!v[0] || !strcmp(v, "rw") || !strcmp(v, "w")) {
		p->access_rw = v[0] != '\0';
		p->out->readonly = false;
	} else if (!strcmp(v, "ro") || !strcmp(v, "r")) {
		p->out->readonly = true;
	} else {
		return fail(p, "bad access '%s' (expected rw or ro)", v);
	}
	return 0;
}

static int
set_backendtype(struct spec_parse *p, const char *v)
{
	/* xl's phy and tap name Xen's kernel and tapdisk backends: here
	 * QEMU serves both, as it does qdisk. */
	static const char *const in_qemu[] = { "qdisk", "phy", "tap", NULL };

	if (twice(p, &p->backendtype, "backendtype") < 0)
		return -1;
	if (strcmp(v, "isolated") == 0)
		p->out->isolated = true;
	else if (!one_of(v, in_qemu))
		return fail(p,
			    "backendtype '%s' is not supported (qdisk or "
			    "isolated; phy and tap mean qdisk here)",
			    v);
	return 0;
}

/* Keys xl knows that bulkhead refuses, each with why and what instead. */
static int
refused_key(struct spec_parse *p, const char *key, const char *v)
{
	if (strcmp(key, "script") == 0)
		return fail(p,
			    "script=%s: bulkhead runs no block scripts as "
			    "root; set the device up first and name its path",
			    v);
	if (strcmp(key, "backend") == 0 && v[0] && strcmp(v, "0") != 0 &&
	    strcmp(v, "Domain-0") != 0)
		return fail(p,
			    "backend=%s: driver domains are not supported; "
			    "the host serves every disk (drop backend=)",
			    v);
	if (strcmp(key, "specification") == 0 && strcmp(v, "virtio") != 0)
		return fail(p,
			    "specification=%s: disks are virtio or emulated "
			    "here, never Xen PV (drop it)",
			    v);
	if (!strncmp(key, "colo-", 5) || !strcmp(key, "active-disk") ||
	    !strcmp(key, "hidden-disk"))
		return fail(p, "%s: COLO replication is not supported", key);
	return 1;
}

static int
keyed(struct spec_parse *p, const char *key, char *v)
{
	static const char *const xl_only[] = { "backend", "specification",
					       "grant_usage", NULL };

	if (strcmp(key, "format") == 0)
		return set_format(p, v);
	if (strcmp(key, "vdev") == 0)
		return set_vdev(p, v, false);
	if (strcmp(key, "access") == 0)
		return set_access(p, v);
	if (strcmp(key, "devtype") == 0)
		return set_devtype(p, v);
	if (strcmp(key, "backendtype") == 0)
		return set_backendtype(p, v);
	int rc = refused_key(p, key, v);
	if (rc <= 0)
		return rc;
	/* backend=0, specification=virtio, grant_usage: Xen's own
	 * plumbing, nothing to do under KVM. */
	if (one_of(key, xl_only))
		return 0;
	return fail(p, "unknown disk spec key '%s'", key);
}

/* Bare words xl knows. 1 if v is none of them. */
static int
flag(struct spec_parse *p, const char *v)
{
	/* Hints for Xen's backends that change nothing here: bulkhead
	 * picks O_DIRECT itself, and a virtio disk has no trust mode. */
	static const char *const noops[] = { "direct-io-safe", "no-discard",
					     "no-colo",        "trusted",
					     "untrusted",      NULL };

	if (strcmp(v, "cdrom") == 0)
		return set_devtype(p, v);
	if (one_of(v, noops))
		return 0;
	if (strcmp(v, "discard") == 0)
		return fail(p, "discard: guests may not punch holes in host "
			       "images in this version (drop it; no-discard "
			       "is what bulkhead does)");
	if (strcmp(v, "colo") == 0)
		return fail(p, "colo: COLO replication is not supported");
	return 1;
}

/* Strip xend's prefixes ('tap:aio:', 'phy:', 'raw:') off a positional
 * item. A known prefix counts whatever follows; an unknown word and colon
 * is refused only where no letter or digit follows, so 'hdc:cdrom'
 * passes. */
static int
strip_prefixes(struct spec_parse *p, char **item)
{
	static const char *const ignored[] = {
		"tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy", NULL
	};
	static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd",
					       NULL };
	static const char *const scripts[] = { "iscsi", "nbd", "enbd", "drbd",
					       NULL };

	for (;;) {
		char *s = *item, *c = s;
		if (*c < 'a' || *c > 'z')
			return 0;
		while ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
			c++;
		if (*c != ':')
			return 0;
		*c = '\0';
		bool alnum_next = (c[1] >= 'a' && c[1] <= 'z') ||
				  (c[1] >= '0' && c[1] <= '9');
		if (one_of(s, scripts))
			return fail(p,
				    "the '%s:' prefix runs the host script "
				    "block-%s as root; bulkhead runs none: set "
				    "the device up first and name its path",
				    s, s);
		if (one_of(s, formats)) {
			if (set_format(p, s) < 0)
				return -1;
		} else if (!one_of(s, ignored)) {
			if (!alnum_next) {
				return fail(p,
					    "unknown deprecated disk prefix "
					    "'%s:'",
					    s);
			}
			*c = ':'; /* not a prefix: 'hdc:cdrom' */
			return 0;
		}
		p->depr_prefix = true;
		*item = c + 1;
	}
}

static int
positional(struct spec_parse *p, char *v)
{
	if (strip_prefixes(p, &v) < 0)
		return -1;
	if (!p->target)
		return set_target(p, v, v + strlen(v));
	if (!p->depr_prefix && !p->format) {
		/* xend's empty cdrom: ',hdc:cdrom,r' has no format. */
		if (!p->out->target[0] && strchr(v, ':')) {
			p->format = p->format_empty = true;
			return set_vdev(p, v, true);
		}
		return set_format(p, v);
	}
	if (!p->vdev)
		return set_vdev(p, v, true);
	if (!p->access)
		return set_access(p, v);
	return fail(p,
		    "too many positional items at '%s' (target, format, "
		    "vdev, access; others are key=value)",
		    v);
}

/* A key is a lower-case word with dashes or underscores, as in xl. */
static bool
key_syntax(const char *k)
{
	if (*k < 'a' || *k > 'z')
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		      *k == '-' || *k == '_'))
			return false;
	return true;
}

/* One comma-separated item [s, end). 1 if it was target=, which takes
 * the rest of the spec and ends it. */
static int
parse_item(struct spec_parse *p, const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	char v[PATH_MAX];

	if (eq) {
		char key[24];
		if (copy_trimmed(s, eq, key, sizeof(key)) < 0 ||
		    !key_syntax(key))
			return fail(p, "bad disk spec item '%.*s'",
				    (int)(end - s), s);
		if (strcmp(key, "target") == 0)
			return set_target(p, eq + 1, eq + 1 + strlen(eq + 1)) <
					       0
				       ? -1
				       : 1;
		if (copy_trimmed(eq + 1, end, v, 64) < 0)
			return fail(p, "disk spec value for '%s' too long",
				    key);
		return keyed(p, key, v);
	}
	if (copy_trimmed(s, end, v, sizeof(v)) < 0)
		return fail(p, "disk spec item too long");
	int rc = flag(p, v);
	return rc <= 0 ? rc : positional(p, v);
}

static int
finish(struct spec_parse *p)
{
	struct disk_spec *d = p->out;

	if (!p->vdev)
		return fail(p, "disk spec has no vdev= (nor a vdev as its "
			       "third item)");
	if (!p->target && !d->cdrom)
		return fail(p, "disk spec has no target= (nor a path as its "
			       "first item)");
	/* An empty target is an empty CD-ROM drive. */
	if (!(d->cdrom && !d->target[0]) &&
	    pathcheck_absolute(d->target, p->why, p->whylen) < 0)
		return -1;
	if (p->format_empty && d->target[0])
		return fail(p,
			    "format 'empty' is for an empty cdrom drive, "
			    "not '%s'",
			    d->target);
	if (d->cdrom && d->isolated)
		return fail(p, "a cdrom cannot have an isolated backend in "
			       "this version (backendtype=qdisk)");
	if (d->qcow2 && (d->cdrom || d->isolated))
		return fail(p, "format qcow2 is for a disk QEMU serves: a "
			       "cdrom's media and an isolated disk are raw");
	if (!d->cdrom)
		return 0;
	unsigned bus, unit;
	if (disk_ide_slot(d->vdev, &bus, &unit) < 0)
		return fail(p,
			    "a cdrom's vdev must be hda, hdb, hdc or hdd (an "
			    "IDE slot), not '%s'",
			    d->vdev);
	if (p->access_rw)
		return fail(p, "a cdrom is read-only: drop access=rw");
	d->readonly = true;
	return 0;
}

int
disk_spec_parse(const char *spec, struct disk_spec *out, char *why,
		size_t whylen)
{
	struct spec_parse p = { .out = out, .why = why, .whylen = whylen };
	const char *s = spec;

	memset(out, 0, sizeof(*out));
	for (;;) {
		const char *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		int rc = parse_item(&p, s, end);
		if (rc < 0)
			return -1;
		if (rc == 1 || !comma)
			break;
		s = comma + 1;
		if (!*skip_space(s))
			break; /* a trailing comma ends the spec, as in xl */
	}
	return finish(&p);
}
