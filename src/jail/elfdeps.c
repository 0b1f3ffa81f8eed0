#include "elfdeps.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHDRS_MAX 256
#define DYNAMIC_MAX (1u << 20)
#define STRTAB_MAX (16u << 20)

/* The PT_LOAD segments, to find the string table by its address. */
struct loads {
	GElf_Phdr ph[PHDRS_MAX];
	size_t n;
};

/* The dynamic entries that matter here (string table offsets). */
struct dyn {
	GElf_Addr strtab;
	GElf_Xword strsz;
	size_t nstrtab, nstrsz, nsoname, nrunpath, nrpath;
	GElf_Xword soname, runpath, rpath;
	GElf_Xword needed[ELFDEPS_NEEDED_MAX];
	size_t nneeded;
};

static enum elfdeps_rc
bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return ELFDEPS_BAD;
}

static enum elfdeps_rc
check_header(Elf *e, char *why, size_t whylen)
{
	GElf_Ehdr eh;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return bad(why, whylen, "not an ELF file (or truncated)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		snprintf(why, whylen, "an ELF file for another machine");
		return ELFDEPS_FOREIGN;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return bad(why, whylen, "not an executable or shared object");
	return ELFDEPS_OK;
}

/* PT_INTERP: a NUL-terminated absolute path filling the segment. */
static enum elfdeps_rc
read_interp(Elf *e, const GElf_Phdr *ph, struct elfdeps *d, char *why,
	    size_t whylen)
{
	if (d->interp[0] || ph->p_filesz < 2 || ph->p_filesz > PATH_MAX)
		return bad(why, whylen, "bad PT_INTERP");
	Elf_Data *data = elf_getdata_rawchunk(e, (int64_t)ph->p_offset,
					      (size_t)ph->p_filesz, ELF_T_BYTE);
	if (!data || data->d_size != ph->p_filesz)
		return bad(why, whylen, "PT_INTERP past the end of the file");
	const char *s = data->d_buf;
	if (s[0] != '/' || strnlen(s, data->d_size) != data->d_size - 1)
		return bad(why, whylen, "PT_INTERP is not one absolute path");
	memcpy(d->interp, s, data->d_size);
	return ELFDEPS_OK;
}

static int
dyn_entry(const GElf_Dyn *dy, struct dyn *t)
{
	GElf_Xword v = dy->d_un.d_val;

	switch (dy->d_tag) {
	case DT_NEEDED:
		if (t->nneeded == ELFDEPS_NEEDED_MAX)
			return -1;
		t->needed[t->nneeded++] = v;
		return 0;
	case DT_STRTAB:
		t->nstrtab++;
		t->strtab = dy->d_un.d_ptr;
		return 0;
	case DT_STRSZ:
		t->nstrsz++;
		t->strsz = v;
		return 0;
	case DT_SONAME:
		t->nsoname++;
		t->soname = v;
		return 0;
	case DT_RUNPATH:
		t->nrunpath++;
		t->runpath = v;
		return 0;
	case DT_RPATH:
		t->nrpath++;
		t->rpath = v;
		return 0;
	default:
		return 0;
	}
}

/* The entries of PT_DYNAMIC up to DT_NULL. */
static enum elfdeps_rc
read_dynamic(Elf *e, const GElf_Phdr *ph, struct dyn *t, char *why,
	     size_t whylen)
{
	if (ph->p_filesz > DYNAMIC_MAX)
		return bad(why, whylen, "PT_DYNAMIC too large");
	Elf_Data *data = elf_getdata_rawchunk(e, (int64_t)ph->p_offset,
					      (size_t)ph->p_filesz, ELF_T_DYN);
	if (!data)
		return bad(why, whylen, "PT_DYNAMIC past the end of the file");
	size_t n = data->d_size / sizeof(Elf64_Dyn);
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dy;
		if (!gelf_getdyn(data, (int)i, &dy))
			return bad(why, whylen, "unreadable dynamic entry");
		if (dy.d_tag == DT_NULL)
			break;
		if (dyn_entry(&dy, t) < 0)
			return bad(why, whylen, "too many DT_NEEDED entries");
	}
	if (t->nstrtab > 1 || t->nstrsz > 1 || t->nsoname > 1 ||
	    t->nrunpath > 1 || t->nrpath > 1)
		return bad(why, whylen, "a repeated dynamic entry");
	return ELFDEPS_OK;
}

/* The string table: its address inside one PT_LOAD segment's file
 * part, as a range of the file. */
static const char *
strtab_get(Elf *e, const struct loads *l, const struct dyn *t)
{
	if (t->nstrtab != 1 || t->nstrsz != 1 || t->strsz == 0 ||
	    t->strsz > STRTAB_MAX)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const GElf_Phdr *ph = &l->ph[i];
		if (t->strtab < ph->p_vaddr ||
		    t->strtab - ph->p_vaddr >= ph->p_filesz ||
		    t->strsz > ph->p_filesz - (t->strtab - ph->p_vaddr))
			continue;
		GElf_Off off = ph->p_offset + (t->strtab - ph->p_vaddr);
		if (off < ph->p_offset || off > INT64_MAX)
			return NULL;
		Elf_Data *data = elf_getdata_rawchunk(
			e, (int64_t)off, (size_t)t->strsz, ELF_T_BYTE);
		return data && data->d_size == t->strsz ? data->d_buf : NULL;
	}
	return NULL;
}

/* String off of the table into out (max bytes with the NUL). */
static int
str_at(const char *tab, GElf_Xword size, GElf_Xword off, char *out, size_t max)
{
	if (off >= size)
		return -1;
	const char *end = memchr(tab + off, '\0', size - off);
	if (!end || (size_t)(end - (tab + off)) >= max)
		return -1;
	memcpy(out, tab + off, (size_t)(end - (tab + off)) + 1);
	return 0;
}

static enum elfdeps_rc
read_strings(Elf *e, const struct loads *l, const struct dyn *t,
	     struct elfdeps *d, char *why, size_t whylen)
{
	if (!t->nneeded && !t->nsoname && !t->nrunpath && !t->nrpath)
		return ELFDEPS_OK;
	const char *tab = strtab_get(e, l, t);
	if (!tab)
		return bad(why, whylen, "no usable dynamic string table");
	for (size_t i = 0; i < t->nneeded; i++)
		if (str_at(tab, t->strsz, t->needed[i], d->needed[i],
			   sizeof(d->needed[i])) < 0)
			return bad(why, whylen, "bad DT_NEEDED string");
	d->nneeded = t->nneeded;
	d->has_runpath = t->nrunpath;
	d->has_rpath = t->nrpath;
	if ((t->nsoname && str_at(tab, t->strsz, t->soname, d->soname,
				  sizeof(d->soname)) < 0) ||
	    (t->nrunpath && str_at(tab, t->strsz, t->runpath, d->runpath,
				   sizeof(d->runpath)) < 0) ||
	    (t->nrpath &&
	     str_at(tab, t->strsz, t->rpath, d->rpath, sizeof(d->rpath)) < 0))
		return bad(why, whylen, "bad DT_SONAME, RUNPATH or RPATH");
	return ELFDEPS_OK;
}

static enum elfdeps_rc
read_elf(Elf *e, struct elfdeps *d, char *why, size_t whylen)
{
	static struct loads l; /* not on the stack: 14 KiB */
	struct dyn t = { 0 };
	GElf_Phdr dynph = { 0 };
	size_t n;

	memset(d, 0, sizeof(*d));
	l.n = 0;
	enum elfdeps_rc rc = check_header(e, why, whylen);
	if (rc != ELFDEPS_OK)
		return rc;
	if (elf_getphdrnum(e, &n) != 0 || n == 0 || n > PHDRS_MAX)
		return bad(why, whylen, "bad program header table");
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return bad(why, whylen, "unreadable program header");
		if (ph.p_type == PT_LOAD)
			l.ph[l.n++] = ph;
		else if (ph.p_type == PT_INTERP &&
			 read_interp(e, &ph, d, why, whylen) != ELFDEPS_OK)
			return ELFDEPS_BAD;
		else if (ph.p_type == PT_DYNAMIC) {
			if (d->dynamic)
				return bad(why, whylen, "two PT_DYNAMIC");
			d->dynamic = true;
			dynph = ph;
		}
	}
	if (!d->dynamic)
		return ELFDEPS_OK;
	rc = read_dynamic(e, &dynph, &t, why, whylen);
	return rc != ELFDEPS_OK ? rc : read_strings(e, &l, &t, d, why, whylen);
}

static bool
libelf_ready(void)
{
	static int ready;

	if (!ready)
		ready = elf_version(EV_CURRENT) != EV_NONE ? 1 : -1;
	return ready == 1;
}

enum elfdeps_rc
elfdeps_read_fd(int fd, struct elfdeps *d, char *why, size_t whylen)
{
	if (!libelf_ready())
		return bad(why, whylen, "libelf: version mismatch");
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return bad(why, whylen, "not an ELF file (or unreadable)");
	enum elfdeps_rc rc = read_elf(e, d, why, whylen);
	elf_end(e);
	return rc;
}

enum elfdeps_rc
elfdeps_read_mem(const void *buf, size_t len, struct elfdeps *d, char *why,
		 size_t whylen)
{
	if (!libelf_ready())
		return bad(why, whylen, "libelf: version mismatch");
	/* elf_memory takes a writable image; give it a copy. */
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return bad(why, whylen, "out of memory");
	memcpy(copy, buf, len);
	Elf *e = elf_memory(copy, len);
	enum elfdeps_rc rc = e ? read_elf(e, d, why, whylen)
			       : bad(why, whylen, "not an ELF file");
	if (e)
		elf_end(e);
	free(copy);
	return rc;
}
