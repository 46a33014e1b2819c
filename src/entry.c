/* entry.c — boot-entry model: building menus and GRUB's rules for choosing an entry. */
#include "entry.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "limits.h"
#include "util.h"

void boot_file_set(struct boot_file *f, const char *device, const char *path)
{
	boot_file_clear(f);
	f->device = device ? xstrdup(device) : NULL;
	f->path = path ? xstrdup(path) : NULL;
}

void boot_file_clear(struct boot_file *f)
{
	free(f->device);
	free(f->path);
	f->device = f->path = NULL;
}

struct boot_entry *menu_add_entry(struct menu *m, const struct menu_level *parents, size_t depth,
				  const char *title, const char *id, unsigned index)
{
	if (m->n_entries == m->entries_cap) {
		m->entries_cap = m->entries_cap ? m->entries_cap * 2 : 8;
		m->entries = xreallocarray(m->entries, m->entries_cap, sizeof(*m->entries));
	}
	struct boot_entry *e = &m->entries[m->n_entries++];
	*e = (struct boot_entry){ 0 };
	e->title = xstrdup(title ? title : "");
	e->id = id ? xstrdup(id) : NULL;
	e->depth = depth + 1;
	e->levels = xcalloc(e->depth, sizeof(*e->levels));
	for (size_t i = 0; i < depth; i++) {
		e->levels[i].title = xstrdup(parents[i].title ? parents[i].title : "");
		e->levels[i].id = parents[i].id ? xstrdup(parents[i].id) : NULL;
		e->levels[i].index = parents[i].index;
	}
	e->levels[depth].title = xstrdup(e->title);
	e->levels[depth].id = id ? xstrdup(id) : NULL;
	e->levels[depth].index = index;
	return e;
}

void boot_entry_add_initrd(struct boot_entry *e, const char *device, const char *path)
{
	e->initrds = xreallocarray(e->initrds, e->n_initrds + 1, sizeof(*e->initrds));
	e->initrds[e->n_initrds] = (struct boot_file){ 0 };
	boot_file_set(&e->initrds[e->n_initrds++], device, path);
}

void boot_entry_add_module(struct boot_entry *e, const char *device, const char *path,
			   const char *cmdline)
{
	e->modules = xreallocarray(e->modules, e->n_modules + 1, sizeof(*e->modules));
	struct boot_module *mod = &e->modules[e->n_modules++];
	*mod = (struct boot_module){ 0 };
	boot_file_set(&mod->file, device, path);
	mod->cmdline = xstrdup(cmdline ? cmdline : "");
}

void boot_entry_clear(struct boot_entry *e)
{
	free(e->id);
	free(e->title);
	for (size_t i = 0; i < e->depth; i++) {
		free(e->levels[i].title);
		free(e->levels[i].id);
	}
	free(e->levels);
	boot_file_clear(&e->kernel);
	for (size_t i = 0; i < e->n_initrds; i++)
		boot_file_clear(&e->initrds[i]);
	free(e->initrds);
	free(e->cmdline);
	boot_file_clear(&e->devicetree);
	for (size_t i = 0; i < e->n_modules; i++) {
		boot_file_clear(&e->modules[i].file);
		free(e->modules[i].cmdline);
	}
	free(e->modules);
	free(e->source_file);
	*e = (struct boot_entry){ 0 };
}

void menu_free(struct menu *m)
{
	for (size_t i = 0; i < m->n_entries; i++)
		boot_entry_clear(&m->entries[i]);
	free(m->entries);
	free(m->fallback);
	free(m->source_device);
	free(m->source_path);
	*m = (struct menu){ 0 };
}

int menu_find_id(const struct menu *m, const char *id)
{
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i].id && strcmp(m->entries[i].id, id) == 0)
			return (int)i;
	for (size_t i = 0; i < m->n_entries; i++)
		if (strcmp(m->entries[i].title, id) == 0)
			return (int)i;
	return -1;
}

/* GRUB's comparison of a title or id with a `default` value: the value matches when it is
 * equal up to its end or up to a single '>' (the submenu separator); ">>" stands for '>'. */
static bool menuentry_eq(const char *id, const char *spec)
{
	if (!id)
		return false;
	const char *a = id, *b = spec;
	for (;;) {
		if (*b == '>' && b[1] != '>')
			return *a == '\0';
		if (*b == '>')
			b++;
		if (*a != *b)
			return false;
		if (*a == '\0')
			return true;
		a++;
		b++;
	}
}

/* The part of a `default` value after the first single '>' ("" when none). */
static const char *spec_rest(const char *spec)
{
	for (const char *p = spec; *p; p++) {
		if (p[0] == '>' && p[1] == '>') {
			p++;
			continue;
		}
		if (p[0] == '>')
			return p + 1;
	}
	return "";
}

/* Does entry e lie under the menu position given by prefix[0..depth-1]? */
static bool entry_under(const struct boot_entry *e, const unsigned *prefix, size_t depth)
{
	if (e->depth <= depth)
		return false;
	for (size_t i = 0; i < depth; i++)
		if (e->levels[i].index != prefix[i])
			return false;
	return true;
}

/* GRUB reads the value with strtoul(val, 0, 0): a leading number (decimal, 0x hex or 0
 * octal) wins, whatever follows it; only a value with no digits at all is a title or id. */
static bool spec_number(const char *spec, unsigned long *ret)
{
	const char *p = spec;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	unsigned long v = 0;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (; *p; p++) {
		int d;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (unsigned long)INT32_MAX)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	*ret = v;
	return true;
}

/* First entry at menu position prefix whose item at this level has the given index. */
static int menu_level_item(const struct menu *m, const unsigned *prefix, size_t depth, long index)
{
	if (index < 0)
		return -1;
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		if (entry_under(e, prefix, depth) && e->levels[depth].index == (unsigned long)index)
			return (int)i;
	}
	return -1;
}

int menu_find_grub(const struct menu *m, const char *spec)
{
	unsigned prefix[MENU_DEPTH_MAX];
	size_t depth = 0;

	if (!spec)
		spec = "";
	for (;;) {
		/* Pick the item at this level. */
		long want = -1;
		unsigned long num;
		if (spec[0] == '\0') {
			want = 0;
		} else if (spec_number(spec, &num)) {
			want = (long)num;
		} else {
			for (size_t i = 0; i < m->n_entries; i++) {
				const struct boot_entry *e = &m->entries[i];
				if (!entry_under(e, prefix, depth))
					continue;
				const struct menu_level *l = &e->levels[depth];
				if (menuentry_eq(l->title, spec) || menuentry_eq(l->id, spec)) {
					want = l->index;
					break;
				}
			}
		}
		/* GRUB boots item 0 when the value names nothing in this menu. */
		int found = menu_level_item(m, prefix, depth, want);
		if (found < 0 && want != 0)
			found = menu_level_item(m, prefix, depth, 0);
		if (found < 0)
			return -1;
		const struct boot_entry *e = &m->entries[found];
		if (e->depth == depth + 1)
			return found;
		if (depth + 1 >= MENU_DEPTH_MAX)
			return -1;
		prefix[depth] = e->levels[depth].index;
		depth++;
		spec = spec_rest(spec);
	}
}

void menu_keep_bootable(struct menu *m)
{
	int *map = xcalloc(m->n_entries ? m->n_entries : 1, sizeof(int));
	size_t kept = 0;
	for (size_t i = 0; i < m->n_entries; i++) {
		if (m->entries[i].bootable) {
			map[i] = (int)kept;
			if (kept != i)
				m->entries[kept] = m->entries[i];
			kept++;
		} else {
			map[i] = -1;
			boot_entry_clear(&m->entries[i]);
		}
	}
	size_t nf = 0;
	for (size_t i = 0; i < m->n_fallback; i++) {
		int f = m->fallback[i];
		if (f >= 0 && (size_t)f < m->n_entries && map[f] >= 0)
			m->fallback[nf++] = map[f];
	}
	int def = -1;
	if (m->default_index >= 0 && (size_t)m->default_index < m->n_entries)
		def = map[m->default_index];
	if (def < 0 && m->default_index >= 0 && nf > 0)
		def = m->fallback[0];
	m->default_index = def;
	m->n_fallback = nf;
	m->n_entries = kept;
	free(map);
}
