/* syslinux.c — SYSLINUX/EXTLINUX/ISOLINUX/PXELINUX configuration files, as Syslinux 6
 * documents them (doc/syslinux.txt "CONFIGURATION FILE", doc/menu.txt for the simple menu
 * system menu.c32/vesamenu.c32, doc/mboot.txt), plus U-Boot's extlinux.conf FDT keywords.
 *
 * Syslinux reads a config as if its INCLUDEd files were pasted in: one parser state runs
 * through every file, and a LABEL is complete ("recorded") only when the next LABEL, MENU
 * BEGIN/END/SEPARATOR or the end of everything comes. This file keeps that shape: parse into
 * records and submenus first, then decide the default and build the menu.
 *
 * Where those documents are older than the code, ISOLINUX 6.04 itself was asked (booted in
 * QEMU by /work/shared/tools/oracles/isolinux-oracle.sh); comments say "oracle" there.
 *
 * Two readers of the same file matter for what boots without a key:
 *   - the menu system (a UI directive, or a DEFAULT that starts menu.c32/vesamenu.c32):
 *     MENU DEFAULT, DEFAULT only together with UI, ONTIMEOUT when a timeout runs out;
 *   - the plain command line (no menu): DEFAULT at once unless PROMPT is set, else the
 *     boot: prompt with TIMEOUT/ONTIMEOUT.
 */
#include "syslinux.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "log.h"
#include "util.h"

/* Numbers in a config (TIMEOUT is in 1/10 s) are clamped here: about three years. */
#define SYSLINUX_NUMBER_MAX 1000000000L
/* Unknown keywords are reported up to this many times per config. */
#define SYSLINUX_UNKNOWN_REPORTS_MAX 16

/* The image types of doc/syslinux.txt, chosen by keyword or, for KERNEL, by extension. */
enum kernel_type {
	KT_NONE,
	KT_LOCALBOOT,
	KT_KERNEL, /* decided by the file name's extension */
	KT_LINUX,
	KT_BOOT,
	KT_BSS,
	KT_PXE,
	KT_FDIMAGE,
	KT_COMBOOT,
	KT_COM32,
	KT_CONFIG,
};

/* Also the keywords that set the type inside a LABEL. */
static const char *const kernel_type_names[] = {
	[KT_NONE] = "NONE",	[KT_LOCALBOOT] = "LOCALBOOT", [KT_KERNEL] = "KERNEL",
	[KT_LINUX] = "LINUX",	[KT_BOOT] = "BOOT",	      [KT_BSS] = "BSS",
	[KT_PXE] = "PXE",	[KT_FDIMAGE] = "FDIMAGE",     [KT_COMBOOT] = "COMBOOT",
	[KT_COM32] = "COM32",	[KT_CONFIG] = "CONFIG",
};

enum item_action {
	ACTION_COMMAND,	 /* boots its command line */
	ACTION_MENU,	 /* MENU EXIT/GOTO/QUIT/HELP: moves around the menu, boots nothing */
	ACTION_DISABLED, /* MENU DISABLE: shown, not selectable */
};

/* The LABEL being read (syslinux's "labeldata"). */
struct label_data {
	char *label; /* NULL while no LABEL is open */
	char *kernel;
	enum kernel_type type;
	bool kernel_given;
	char *append; /* NULL: the global APPEND applies */
	char *initrd;
	char *menu_label;
	char *fdt;
	bool hide, menu_default, locked;
	enum item_action action;
	const char *file;
	unsigned line;
};

/* A recorded LABEL: the entry as it will be offered, and where it sits. */
struct item_record {
	struct boot_entry e; /* id, title, files, command line; levels come at the end */
	int menu;	     /* index into menus; -1: hidden (MENU HIDE) or made up from DEFAULT */
	unsigned item;	     /* position in that menu, counting separators and submenus */
	enum item_action action;
	bool findable;	       /* DEFAULT/ONTIMEOUT can name it */
	enum kernel_type type; /* with command, what the LABEL runs */
	char *command;
};

/* The top menu (index 0) or a MENU BEGIN submenu. */
struct submenu {
	int parent;
	unsigned parent_item;
	char *tag;	/* MENU BEGIN argument; NULL when none */
	char *display;	/* what the parent menu shows: MENU LABEL, else MENU TITLE, else tag */
	bool display_is_tag;
	char *title;	/* MENU TITLE */
	unsigned n_items;
	int default_item; /* MENU DEFAULT; -1 when none */
	bool locked;	  /* MENU PASSWD on the submenu */
	/* The menu system keeps TIMEOUT and ONTIMEOUT per menu; submenus start with their
	 * parent's values. */
	bool timeout_set;
	long timeout; /* 1/10 s */
	char *ontimeout;
	const char *ontimeout_file;
	unsigned ontimeout_line;
};

struct parser {
	const struct config_source *src;
	char *workdir;
	struct strv files; /* paths of the files read; records point into it */
	unsigned n_reads;
	bool reads_warned;

	struct submenu *menus;
	size_t n_menus, cap_menus;
	int cur;
	unsigned depth;	   /* submenus open above cur */
	unsigned overflow; /* MENU BEGINs past the limits, flattened into cur */
	bool menus_warned;

	struct item_record *items;
	size_t n_items, cap_items;
	unsigned n_hidden;
	bool items_warned;

	struct label_data ld;

	/* Global state; for the command line, the last value read wins. */
	char *append;
	char *default_cmd;
	const char *default_file;
	unsigned default_line;
	bool has_ui;
	bool prompt;
	bool implicit;
	bool timeout_set;
	long timeout;
	bool total_set;
	long total;
	char *ontimeout;
	const char *ontimeout_file;
	unsigned ontimeout_line;
	int start_menu; /* MENU START */
	bool hidden;	/* MENU HIDDEN */
	unsigned unknown_reports;
};

/* Where a line came from, for handlers and messages. */
struct line_ctx {
	const char *file;
	unsigned line;
	unsigned depth; /* INCLUDE nesting of file; the first config is 0 */
	bool *in_text;	/* inside TEXT HELP ... ENDTEXT */
};

/* ---- small text helpers ------------------------------------------------------------- */

/* Syslinux's white space (my_isspace): space and every control character. */
static bool sl_isspace(char c)
{
	return c != '\0' && (unsigned char)c <= ' ';
}

static const char *skip_space(const char *s)
{
	while (sl_isspace(*s))
		s++;
	return s;
}

/* The text after keyword kw (any case) at s, when kw is followed by white space or the end
 * of the line; else NULL. */
static const char *keyword(const char *s, const char *kw)
{
	size_t n = strlen(kw);
	if (strncasecmp(s, kw, n) != 0)
		return NULL;
	if (s[n] != '\0' && !sl_isspace(s[n]))
		return NULL;
	return s + n;
}

/* A directive's argument without white space around it. */
static char *value_dup(const char *s)
{
	s = skip_space(s);
	size_t n = strlen(s);
	while (n > 0 && sl_isspace(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* An argument the kernel or a command line gets: syslinux skips the blanks after the
 * keyword and keeps the rest of the line, trailing blanks included. */
static char *value_dup_raw(const char *s)
{
	return xstrdup(skip_space(s));
}

/* The first word of s; *ret_rest points past it and the white space after. */
static char *word_dup(const char *s, const char **ret_rest)
{
	s = skip_space(s);
	const char *end = s;
	while (*end && !sl_isspace(*end))
		end++;
	if (ret_rest)
		*ret_rest = skip_space(end);
	return xstrndup(s, (size_t)(end - s));
}

static bool first_word_eq(const char *s, const char *word)
{
	s = skip_space(s);
	size_t n = strlen(word);
	return strncmp(s, word, n) == 0 && (s[n] == '\0' || sl_isspace(s[n]));
}

/* A number as syslinux reads it (atoi: leading digits count, the rest is ignored);
 * *ret_clean is false when there were no digits or something followed them. */
static long number_parse(const char *s, bool *ret_clean)
{
	s = skip_space(s);
	bool negative = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	long v = 0;
	bool digits = false;
	for (; *s >= '0' && *s <= '9'; s++) {
		digits = true;
		if (v < SYSLINUX_NUMBER_MAX)
			v = v * 10 + (*s - '0');
	}
	if (v > SYSLINUX_NUMBER_MAX)
		v = SYSLINUX_NUMBER_MAX;
	*ret_clean = digits && *skip_space(s) == '\0';
	return negative ? -v : v;
}

/* A menu text as shown: '^' marks the hotkey and is not displayed (doc/menu.txt). */
static char *display_dup(const char *s)
{
	s = skip_space(s);
	char *t = xmalloc(strlen(s) + 1);
	size_t n = 0;
	for (; *s; s++)
		if (*s != '^')
			t[n++] = *s;
	while (n > 0 && sl_isspace(t[n - 1]))
		n--;
	t[n] = '\0';
	return t;
}

static void str_replace(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A file name as syslinux opens it: relative to the working directory unless it starts with
 * a slash or backslash (doc/syslinux.txt, CONFIGURATION FILE), or with PXELINUX's "::"
 * (absolute on the server). Backslashes separate directories as slashes do. */
static char *path_resolve(const struct parser *p, const char *name)
{
	char *copy = xstrdup(name);
	for (char *c = copy; *c; c++)
		if (*c == '\\')
			*c = '/';
	const char *n = copy;
	bool absolute = n[0] == '/';
	if (n[0] == ':' && n[1] == ':') {
		n += 2;
		absolute = true;
	}
	char *joined = absolute ? xstrdup(n) : path_join(p->workdir, n);
	char *norm = path_normalize(joined);
	free(joined);
	free(copy);
	return norm;
}

/* "none or other: Linux kernel image" — the extension table of doc/syslinux.txt ("OTHER
 * OPERATING SYSTEMS", case insensitive), plus COMBOOT's .com/.cbt. */
static enum kernel_type kernel_type_of(const char *image)
{
	static const struct {
		const char *ext;
		enum kernel_type type;
	} exts[] = {
		{ "0", KT_PXE },	{ "bin", KT_BOOT },	{ "bs", KT_BOOT },
		{ "bss", KT_BSS },	{ "c32", KT_COM32 },	{ "img", KT_FDIMAGE },
		{ "com", KT_COMBOOT },	{ "cbt", KT_COMBOOT },
	};
	const char *dot = strrchr(path_basename(image), '.');
	if (!dot)
		return KT_LINUX;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].type;
	return KT_LINUX;
}

static bool image_is(const char *image, const char *module)
{
	return strcasecmp(path_basename(image), module) == 0;
}

/* Does a DEFAULT command start the simple menu system? */
static bool command_is_menu(const char *cmd)
{
	char *word = word_dup(cmd, NULL);
	bool yes = image_is(word, "menu.c32") || image_is(word, "vesamenu.c32");
	free(word);
	return yes;
}

/* ---- building entries ----------------------------------------------------------------- */

/* Syslinux loads the initrds named by the first "initrd=" in the command line — a comma
 * separated list up to the next space — whether it came from APPEND or from INITRD, which
 * only adds " initrd=LIST" after the APPEND options (doc/syslinux.txt, INITRD). The option
 * stays on the command line the kernel gets, as under syslinux; so does any later initrd=,
 * whose files syslinux never loads. */
static void entry_add_initrds(const struct parser *p, struct boot_entry *e, const char *args,
			      const char *file, unsigned line)
{
	const char *s = strstr(args, "initrd=");
	if (!s)
		return;
	s += strlen("initrd=");
	for (;;) {
		const char *end = s;
		while (*end && *end != ',' && !sl_isspace(*end))
			end++;
		if (end > s) {
			char *name = xstrndup(s, (size_t)(end - s));
			char *path = path_resolve(p, name);
			boot_entry_add_initrd(e, p->src->device, path);
			free(path);
			free(name);
		} else {
			log_at(LOG_WARN, file, line, "empty name in initrd= list, ignoring");
		}
		if (*end != ',')
			break;
		s = end + 1;
	}
	const char *again = strstr(s, "initrd=");
	if (again)
		log_at(LOG_WARN, file, line,
		       "only the first initrd= option is loaded, as syslinux does; ignoring '%.*s'",
		       (int)strcspn(again, " \t"), again);
}

/* The command line is the kernel's as syslinux builds it, blanks included, without the
 * "BOOT_IMAGE=<kernel as written> " that its loader puts in front (as for GRUB's). */
static void entry_set_linux(const struct parser *p, struct boot_entry *e, const char *image,
			    const char *args, const char *file, unsigned line)
{
	char *path = path_resolve(p, image);
	e->kind = BOOT_KIND_LINUX;
	boot_file_set(&e->kernel, p->src->device, path);
	free(path);
	free(e->cmdline);
	e->cmdline = xstrdup(args);
	entry_add_initrds(p, e, args, file, line);
	e->bootable = true;
}

/* mboot.c32 gets the hypervisor's command line, then each module's, separated by "---"
 * words; each part starts with its file (doc/mboot.txt). */
static void entry_set_multiboot(const struct parser *p, struct boot_entry *e, const char *args,
				const char *file, unsigned line)
{
	struct strbuf part = { 0 };
	char *image = NULL;
	bool first = true;
	const char *s = skip_space(args);
	e->kind = BOOT_KIND_MULTIBOOT;
	for (;;) {
		const char *rest;
		char *word = word_dup(s, &rest);
		bool end = *word == '\0';
		if (end || strcmp(word, "---") == 0) {
			char *cmdline = strbuf_steal(&part);
			if (!image) {
				log_at(LOG_WARN, file, line, "mboot.c32: empty %s, ignoring",
				       first ? "kernel part" : "module part");
			} else {
				char *path = path_resolve(p, image);
				if (first) {
					boot_file_set(&e->kernel, p->src->device, path);
					e->cmdline = cmdline;
					cmdline = NULL;
				} else {
					boot_entry_add_module(e, p->src->device, path, cmdline);
				}
				free(path);
			}
			free(cmdline);
			free(image);
			image = NULL;
			first = false;
		} else if (!image) {
			image = word;
			word = NULL;
		} else {
			if (part.len)
				strbuf_addc(&part, ' ');
			strbuf_adds(&part, word);
		}
		free(word);
		if (end)
			break;
		s = rest;
	}
	e->bootable = e->kernel.path != NULL;
}

/* What a command line ("image args...") boots. */
static void entry_set_command(const struct parser *p, struct boot_entry *e, enum kernel_type type,
			      const char *command, const char *what, const char *file,
			      unsigned line)
{
	const char *args;
	char *image = word_dup(command, &args);
	if (type == KT_KERNEL)
		type = kernel_type_of(image);
	if (!*image && type != KT_LOCALBOOT && type != KT_NONE) {
		log_at(LOG_WARN, file, line, "%s names no file to boot, ignoring", what);
	} else if (type == KT_LINUX) {
		entry_set_linux(p, e, image, args, file, line);
	} else if (type == KT_COM32 && image_is(image, "mboot.c32")) {
		entry_set_multiboot(p, e, args, file, line);
	} else {
		log_at(LOG_DEBUG, file, line,
		       "%s starts a %s image (%s), not something kxboot boots", what,
		       kernel_type_names[type], image);
	}
	free(image);
}

/* ---- recording LABELs and submenus -------------------------------------------------------- */

static void label_clear(struct label_data *ld)
{
	free(ld->label);
	free(ld->kernel);
	free(ld->append);
	free(ld->initrd);
	free(ld->menu_label);
	free(ld->fdt);
	*ld = (struct label_data){ 0 };
}

static struct item_record *item_new(struct parser *p)
{
	if (p->n_items == p->cap_items) {
		p->cap_items = p->cap_items ? 2 * p->cap_items : 16;
		p->items = xreallocarray(p->items, p->cap_items, sizeof(*p->items));
	}
	struct item_record *r = &p->items[p->n_items++];
	*r = (struct item_record){ 0 };
	return r;
}

/* The command line syslinux builds for a LABEL (readconfig.c record()): the image, the
 * label's APPEND or else the global one ("APPEND -" stands for none), then " initrd=" and
 * the INITRD argument. */
static char *label_command(const struct parser *p, const struct label_data *ld)
{
	const char *a = ld->append ? ld->append : p->append;
	if (!a || strcmp(a, "-") == 0)
		a = "";
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, ld->kernel);
	if (*a) {
		strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, a);
	}
	if (ld->initrd)
		strbuf_addf(&sb, " initrd=%s", ld->initrd);
	return strbuf_steal(&sb);
}

/* Turn the open LABEL into a record (syslinux's record()); no-op when none is open. */
static void label_record(struct parser *p)
{
	struct label_data *ld = &p->ld;
	if (!ld->label)
		return;
	if (p->n_items >= MENU_ENTRIES_MAX) {
		if (!p->items_warned)
			log_at(LOG_WARN, ld->file, ld->line,
			       "more than %u LABELs, ignoring this one and the rest",
			       MENU_ENTRIES_MAX);
		p->items_warned = true;
		label_clear(ld);
		return;
	}
	struct item_record *r = item_new(p);
	struct submenu *m = &p->menus[p->cur];
	r->action = ld->action;
	r->findable = ld->action != ACTION_DISABLED;
	if (ld->hide) {
		r->menu = -1;
		r->item = p->n_hidden++;
	} else {
		r->menu = p->cur;
		r->item = m->n_items++;
	}
	r->e.id = xstrdup(ld->label);
	char *shown = ld->menu_label ? display_dup(ld->menu_label) : NULL;
	if (shown && !*shown) {
		free(shown);
		shown = NULL;
	}
	r->e.title = shown ? shown : xstrdup(ld->label);
	r->e.locked = ld->locked;
	r->e.source_file = xstrdup(ld->file);
	r->e.source_line = ld->line;

	if (ld->action == ACTION_COMMAND) {
		if (!ld->kernel_given)
			log_at(LOG_DEBUG, ld->file, ld->line,
			       "LABEL '%s' has no KERNEL: syslinux boots the file of that name",
			       ld->label);
		char *what = xasprintf("LABEL '%s'", ld->label);
		r->type = ld->type;
		r->command = label_command(p, ld);
		entry_set_command(p, &r->e, r->type, r->command, what, ld->file, ld->line);
		free(what);
		if (ld->fdt) {
			char *path = path_resolve(p, ld->fdt);
			boot_file_set(&r->e.devicetree, p->src->device, path);
			free(path);
		}
		if (ld->menu_default && !ld->hide)
			m->default_item = (int)r->item;
	}
	label_clear(ld);
}

static void label_open(struct parser *p, const char *arg, const struct line_ctx *c)
{
	label_record(p);
	p->ld.label = value_dup(arg);
	p->ld.kernel = xstrdup(p->ld.label);
	p->ld.type = KT_KERNEL;
	p->ld.file = c->file;
	p->ld.line = c->line;
	if (!*p->ld.label)
		log_at(LOG_WARN, c->file, c->line, "LABEL without a name");
}

static void menu_begin(struct parser *p, const char *tag, const struct line_ctx *c)
{
	/* Entries under a submenu have depth+1 levels, at most MENU_DEPTH_MAX. */
	if (p->overflow > 0 || p->depth + 2 > MENU_DEPTH_MAX || p->n_menus >= MENU_ENTRIES_MAX) {
		if (p->overflow == 0)
			log_at(LOG_WARN, c->file, c->line,
			       "more than %u nested or %u submenus, entries stay one level up",
			       MENU_DEPTH_MAX - 1, MENU_ENTRIES_MAX);
		p->overflow++;
		return;
	}
	if (p->n_menus == p->cap_menus) {
		p->cap_menus *= 2;
		p->menus = xreallocarray(p->menus, p->cap_menus, sizeof(*p->menus));
	}
	struct submenu *parent = &p->menus[p->cur];
	struct submenu *s = &p->menus[p->n_menus];
	*s = (struct submenu){ 0 };
	s->parent = p->cur;
	s->parent_item = parent->n_items++;
	s->tag = *tag ? xstrdup(tag) : NULL;
	s->display = s->tag ? xstrdup(s->tag) : NULL;
	s->display_is_tag = true;
	s->default_item = -1;
	s->timeout_set = parent->timeout_set;
	s->timeout = parent->timeout;
	s->ontimeout = parent->ontimeout ? xstrdup(parent->ontimeout) : NULL;
	s->ontimeout_file = parent->ontimeout_file;
	s->ontimeout_line = parent->ontimeout_line;
	p->cur = (int)p->n_menus++;
	p->depth++;
}

static void menu_end(struct parser *p, const struct line_ctx *c)
{
	if (p->overflow > 0) {
		p->overflow--;
		return;
	}
	if (p->cur == 0) {
		log_at(LOG_WARN, c->file, c->line, "MENU END without MENU BEGIN, ignoring");
		return;
	}
	p->cur = p->menus[p->cur].parent;
	p->depth--;
}

/* ---- reading files ---------------------------------------------------------------------- */

static void parse_file(struct parser *p, char *path, const char *text, size_t len,
		       unsigned depth);

/* INCLUDE file [tag] and MENU INCLUDE file [tag]: the file's lines are read in place; with
 * a tag they form a submenu, as if between MENU BEGIN tag and MENU END (doc/menu.txt). A
 * missing file is skipped, as syslinux does. */
static void do_include(struct parser *p, const char *arg, const struct line_ctx *c)
{
	const char *rest;
	char *name = word_dup(arg, &rest);
	char *tag = value_dup(rest);
	char *path = NULL, *data = NULL;
	size_t len = 0;
	if (!*name) {
		log_at(LOG_WARN, c->file, c->line, "INCLUDE without a file name, ignoring");
		goto out;
	}
	if (c->depth + 1 > CONFIG_INCLUDE_DEPTH_MAX) {
		log_at(LOG_WARN, c->file, c->line,
		       "INCLUDE '%s' nested deeper than %u files, ignoring", name,
		       CONFIG_INCLUDE_DEPTH_MAX);
		goto out;
	}
	if (p->n_reads >= CONFIG_FILES_MAX) {
		if (!p->reads_warned)
			log_at(LOG_WARN, c->file, c->line,
			       "more than %u config files read, ignoring INCLUDE '%s' and later",
			       CONFIG_FILES_MAX, name);
		p->reads_warned = true;
		goto out;
	}
	path = path_resolve(p, name);
	p->n_reads++;
	int r = lookup_read(p->src->lookup, p->src->device, path, CONFIG_FILE_MAX, &data, &len);
	if (r < 0) {
		log_at(LOG_WARN, c->file, c->line, "cannot read INCLUDE '%s': %s, ignoring", path,
		       r == -EFBIG ? "larger than the config file limit" : strerror(-r));
		goto out;
	}
	if (*tag) {
		label_record(p);
		menu_begin(p, tag, c);
	}
	parse_file(p, path, data, len, c->depth + 1);
	path = NULL; /* parse_file keeps it */
	if (*tag) {
		label_record(p);
		menu_end(p, c);
	}
out:
	free(data);
	free(path);
	free(tag);
	free(name);
}

/* ---- directives ----------------------------------------------------------------------- */

static bool label_open_or_warn(struct parser *p, const char *what, const struct line_ctx *c)
{
	if (p->ld.label)
		return true;
	log_at(LOG_WARN, c->file, c->line, "%s outside a LABEL, ignoring", what);
	return false;
}

static long number_or_warn(const char *arg, const char *what, const struct line_ctx *c)
{
	bool clean;
	long v = number_parse(arg, &clean);
	if (!clean)
		log_at(LOG_WARN, c->file, c->line, "%s: '%s' is not a number, reading it as %ld",
		       what, skip_space(arg), v);
	if (v < 0) {
		log_at(LOG_WARN, c->file, c->line, "%s: negative value, reading it as 0", what);
		v = 0;
	}
	return v;
}

static void do_append(struct parser *p, const char *arg, const struct line_ctx *c)
{
	str_replace(p->ld.label ? &p->ld.append : &p->append, value_dup_raw(arg));
}

static void do_initrd(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (label_open_or_warn(p, "INITRD", c))
		str_replace(&p->ld.initrd, value_dup_raw(arg));
}

static void do_label(struct parser *p, const char *arg, const struct line_ctx *c)
{
	label_open(p, arg, c);
}

static void do_timeout(struct parser *p, const char *arg, const struct line_ctx *c)
{
	long v = number_or_warn(arg, "TIMEOUT", c);
	p->timeout_set = p->menus[p->cur].timeout_set = true;
	p->timeout = p->menus[p->cur].timeout = v;
}

static void do_totaltimeout(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->total = number_or_warn(arg, "TOTALTIMEOUT", c);
	p->total_set = true;
}

static void do_ontimeout(struct parser *p, const char *arg, const struct line_ctx *c)
{
	struct submenu *m = &p->menus[p->cur];
	str_replace(&p->ontimeout, value_dup_raw(arg));
	str_replace(&m->ontimeout, value_dup_raw(arg));
	p->ontimeout_file = m->ontimeout_file = c->file;
	p->ontimeout_line = m->ontimeout_line = c->line;
}

static void do_default(struct parser *p, const char *arg, const struct line_ctx *c)
{
	char *v = value_dup_raw(arg);
	if (!*v) {
		log_at(LOG_WARN, c->file, c->line, "DEFAULT without a value, ignoring");
		free(v);
		return;
	}
	str_replace(&p->default_cmd, v);
	p->default_file = c->file;
	p->default_line = c->line;
}

static void do_ui(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->has_ui = true;
}

static void do_prompt(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->prompt = number_or_warn(arg, "PROMPT", c) != 0;
}

static void do_implicit(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->implicit = number_or_warn(arg, "IMPLICIT", c) != 0;
}

static void do_ipappend(struct parser *p, const char *arg, const struct line_ctx *c)
{
	log_at(LOG_DEBUG, c->file, c->line,
	       "IPAPPEND/SYSAPPEND add network and system details at boot time; kxboot does not, "
	       "ignoring");
}

static void do_fdt(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (label_open_or_warn(p, "FDT", c))
		str_replace(&p->ld.fdt, value_dup(arg));
}

static void do_fdtdir(struct parser *p, const char *arg, const struct line_ctx *c)
{
	/* U-Boot picks <dir>/<its fdtfile> there: a board's name kxboot does not know. */
	if (label_open_or_warn(p, "FDTDIR", c))
		log_at(LOG_DEBUG, c->file, c->line,
		       "FDTDIR: the file depends on the board, keeping the running device tree");
}

static void do_text(struct parser *p, const char *arg, const struct line_ctx *c)
{
	*c->in_text = true;
}

static void do_ignore(struct parser *p, const char *arg, const struct line_ctx *c)
{
}

static void do_menu(struct parser *p, const char *arg, const struct line_ctx *c);

struct directive {
	const char *name;
	void (*handle)(struct parser *p, const char *arg, const struct line_ctx *c);
};

/* Top-level keywords (doc/syslinux.txt); kernel-type keywords are handled apart. */
static const struct directive directives[] = {
	{ "menu", do_menu },
	{ "text", do_text },
	{ "include", do_include },
	{ "append", do_append },
	{ "initrd", do_initrd },
	{ "label", do_label },
	{ "timeout", do_timeout },
	{ "totaltimeout", do_totaltimeout },
	{ "ontimeout", do_ontimeout },
	{ "default", do_default },
	{ "ui", do_ui },
	{ "prompt", do_prompt },
	{ "implicit", do_implicit },
	{ "ipappend", do_ipappend },
	{ "sysappend", do_ipappend },
	{ "fdt", do_fdt },
	{ "devicetree", do_fdt },
	{ "fdtdir", do_fdtdir },
	{ "devicetreedir", do_fdtdir },
	/* Console, help screens and other things that change nothing kxboot boots. */
	{ "allowoptions", do_ignore },
	{ "display", do_ignore },
	{ "font", do_ignore },
	{ "kbdmap", do_ignore },
	{ "console", do_ignore },
	{ "noescape", do_ignore },
	{ "nocomplete", do_ignore },
	{ "nohalt", do_ignore },
	{ "onerror", do_ignore },
	{ "pxeretry", do_ignore },
	{ "serial", do_ignore },
	{ "say", do_ignore },
	{ "path", do_ignore },
	{ "sendcookies", do_ignore },
	{ "endtext", do_ignore },
	{ "fdtoverlays", do_ignore },
	{ "kaslrseed", do_ignore },
};

/* ---- MENU directives (doc/menu.txt) ------------------------------------------------------ */

static void menu_label(struct parser *p, const char *arg, const struct line_ctx *c)
{
	struct submenu *m = &p->menus[p->cur];
	if (p->ld.label) {
		str_replace(&p->ld.menu_label, value_dup(arg));
	} else if (p->cur != 0 && p->overflow == 0) {
		/* Before any LABEL inside MENU BEGIN: the submenu's own entry. */
		str_replace(&m->display, value_dup(arg));
		m->display_is_tag = false;
		if (!m->title || !*m->title)
			str_replace(&m->title, display_dup(arg));
	} else {
		log_at(LOG_WARN, c->file, c->line, "MENU LABEL outside a LABEL, ignoring");
	}
}

static void menu_title(struct parser *p, const char *arg, const struct line_ctx *c)
{
	struct submenu *m = &p->menus[p->cur];
	str_replace(&m->title, value_dup(arg));
	if (p->cur != 0 && m->display_is_tag) {
		str_replace(&m->display, xstrdup(m->title));
		m->display_is_tag = false;
	}
}

static void menu_default(struct parser *p, const char *arg, const struct line_ctx *c)
{
	struct submenu *m = &p->menus[p->cur];
	if (p->ld.label)
		p->ld.menu_default = true;
	else if (p->cur != 0 && p->overflow == 0)
		p->menus[m->parent].default_item = (int)m->parent_item;
	else
		log_at(LOG_WARN, c->file, c->line, "MENU DEFAULT outside a LABEL, ignoring");
}

static void menu_hide(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (label_open_or_warn(p, "MENU HIDE", c))
		p->ld.hide = true;
}

static void menu_passwd(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (p->ld.label)
		p->ld.locked = true;
	else if (p->cur != 0 && p->overflow == 0)
		p->menus[p->cur].locked = true;
	else
		log_at(LOG_WARN, c->file, c->line, "MENU PASSWD outside a LABEL, ignoring");
}

static void menu_disable(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (label_open_or_warn(p, "MENU DISABLE", c))
		p->ld.action = ACTION_DISABLED;
}

static void menu_separator(struct parser *p, const char *arg, const struct line_ctx *c)
{
	label_record(p);
	p->menus[p->cur].n_items++;
}

static void menu_do_begin(struct parser *p, const char *arg, const struct line_ctx *c)
{
	char *tag = value_dup(arg);
	label_record(p);
	menu_begin(p, tag, c);
	free(tag);
}

static void menu_do_end(struct parser *p, const char *arg, const struct line_ctx *c)
{
	label_record(p);
	menu_end(p, c);
}

/* MENU GOTO, QUIT, HELP: the LABEL moves around the menu instead of booting. */
static void menu_action(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (label_open_or_warn(p, "MENU GOTO/QUIT/HELP", c) && p->ld.action != ACTION_DISABLED)
		p->ld.action = ACTION_MENU;
}

static void menu_exit(struct parser *p, const char *arg, const struct line_ctx *c)
{
	if (!label_open_or_warn(p, "MENU EXIT", c))
		return;
	/* Outside a submenu syslinux ignores it and the LABEL stays a command. */
	if (p->cur == 0)
		log_at(LOG_WARN, c->file, c->line, "MENU EXIT outside MENU BEGIN, ignoring");
	else if (p->ld.action != ACTION_DISABLED)
		p->ld.action = ACTION_MENU;
}

static void menu_start(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->start_menu = p->cur;
}

static void menu_hidden(struct parser *p, const char *arg, const struct line_ctx *c)
{
	p->hidden = true;
}

static void menu_note(struct parser *p, const char *arg, const struct line_ctx *c)
{
	log_at(LOG_DEBUG, c->file, c->line,
	       "MENU SAVE/SHIFTKEY depend on boot-time state kxboot does not read, ignoring");
}

static const struct directive menu_directives[] = {
	{ "label", menu_label },
	{ "title", menu_title },
	{ "default", menu_default },
	{ "hide", menu_hide },
	{ "passwd", menu_passwd },
	{ "disable", menu_disable },
	{ "disabled", menu_disable },
	{ "separator", menu_separator },
	{ "begin", menu_do_begin },
	{ "end", menu_do_end },
	{ "include", do_include },
	{ "goto", menu_action },
	{ "quit", menu_action },
	{ "help", menu_action },
	{ "exit", menu_exit },
	{ "start", menu_start },
	{ "hidden", menu_hidden },
	{ "save", menu_note },
	{ "nosave", menu_note },
	{ "shiftkey", menu_note },
	/* Looks and messages. */
	{ "master", do_ignore },
	{ "immediate", do_ignore },
	{ "noimmediate", do_ignore },
	{ "onerror", do_ignore },
	{ "background", do_ignore },
	{ "color", do_ignore },
	{ "colour", do_ignore },
	{ "msgcolor", do_ignore },
	{ "msgcolour", do_ignore },
	{ "indent", do_ignore },
	{ "clear", do_ignore },
	{ "resolution", do_ignore },
	{ "hiddenkey", do_ignore },
	{ "autoboot", do_ignore },
	{ "tabmsg", do_ignore },
	{ "notabmsg", do_ignore },
	{ "passprompt", do_ignore },
	{ "width", do_ignore },
	{ "margin", do_ignore },
	{ "passwordmargin", do_ignore },
	{ "rows", do_ignore },
	{ "tabmsgrow", do_ignore },
	{ "cmdlinerow", do_ignore },
	{ "endrow", do_ignore },
	{ "passwordrow", do_ignore },
	{ "timeoutrow", do_ignore },
	{ "helpmsgrow", do_ignore },
	{ "helpmsgendrow", do_ignore },
	{ "hiddenrow", do_ignore },
	{ "hshift", do_ignore },
	{ "vshift", do_ignore },
};

static void unknown_keyword(struct parser *p, const char *prefix, const char *s,
			    const struct line_ctx *c)
{
	if (p->unknown_reports++ >= SYSLINUX_UNKNOWN_REPORTS_MAX)
		return;
	char *word = word_dup(s, NULL);
	log_at(LOG_WARN, c->file, c->line, "unknown keyword '%s%.40s'%s, ignoring", prefix, word,
	       p->unknown_reports == SYSLINUX_UNKNOWN_REPORTS_MAX ? " (not reporting more)" : "");
	free(word);
}

static bool directive_run(struct parser *p, const struct directive *table, size_t n,
			  const char *s, const struct line_ctx *c)
{
	for (size_t i = 0; i < n; i++) {
		const char *arg = keyword(s, table[i].name);
		if (arg) {
			table[i].handle(p, arg, c);
			return true;
		}
	}
	return false;
}

static void do_menu(struct parser *p, const char *arg, const struct line_ctx *c)
{
	const char *s = skip_space(arg);
	if (!directive_run(p, menu_directives, ARRAY_SIZE(menu_directives), s, c))
		unknown_keyword(p, "MENU ", s, c);
}

/* F1..F12 help screens (F0 stands for F10). */
static bool is_fkey(const char *s)
{
	if ((s[0] | 0x20) != 'f' || s[1] < '0' || s[1] > '9')
		return false;
	const char *q = s + 1;
	unsigned n = 0;
	while (*q >= '0' && *q <= '9' && n <= 12)
		n = n * 10 + (unsigned)(*q++ - '0');
	return n <= 12 && (*q == '\0' || sl_isspace(*q));
}

static void parse_line(struct parser *p, const char *s, const struct line_ctx *c)
{
	s = skip_space(s);
	if (*s == '\0' || *s == '#')
		return;
	if (is_fkey(s))
		return;
	if (directive_run(p, directives, ARRAY_SIZE(directives), s, c))
		return;
	for (size_t t = 0; t < ARRAY_SIZE(kernel_type_names); t++) {
		const char *arg = keyword(s, kernel_type_names[t]);
		if (!arg)
			continue;
		if (label_open_or_warn(p, kernel_type_names[t], c)) {
			str_replace(&p->ld.kernel, value_dup_raw(arg));
			p->ld.type = (enum kernel_type)t;
			p->ld.kernel_given = true;
		}
		return;
	}
	unknown_keyword(p, "", s, c);
}

/* Read one file's lines. Syslinux ends a line at '\n' and drops everything from a '\r' on
 * (DOS or UNIX format); a NUL ends the line's text as it would in syslinux's C strings. */
static void parse_file(struct parser *p, char *path, const char *text, size_t len,
		       unsigned depth)
{
	strv_push(&p->files, path);
	bool in_text = false, nul_warned = false;
	struct line_ctx c = { .file = path, .depth = depth, .in_text = &in_text };
	size_t pos = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		c.line++;
		if (n > CONFIG_LINE_MAX) {
			log_at(LOG_WARN, path, c.line, "line longer than %u bytes, ignoring",
			       CONFIG_LINE_MAX);
			continue;
		}
		const char *cr = memchr(start, '\r', n);
		if (cr)
			n = (size_t)(cr - start);
		const char *nul = memchr(start, '\0', n);
		if (nul) {
			if (!nul_warned)
				log_at(LOG_WARN, path, c.line,
				       "NUL byte in the text, ignoring the rest of its line");
			nul_warned = true;
			n = (size_t)(nul - start);
		}
		char *line = xstrndup(start, n);
		if (in_text) {
			if (keyword(skip_space(line), "endtext"))
				in_text = false;
		} else {
			parse_line(p, line, &c);
		}
		free(line);
	}
}

/* ---- choosing the default and building the menu --------------------------------------- */

/* The LABEL a command names: its first word, compared with the whole LABEL by the menu
 * system and with the LABEL's first word by the command line (find_label()). */
static int label_find(const struct parser *p, const char *word, bool cli, bool visible_only)
{
	for (size_t i = 0; i < p->n_items; i++) {
		const struct item_record *r = &p->items[i];
		if (!r->findable || (visible_only && r->menu < 0))
			continue;
		if (cli ? first_word_eq(r->e.id, word) : strcmp(r->e.id, word) == 0)
			return (int)i;
	}
	return -1;
}

/* A record for a command line booted without a LABEL of its own. */
static int command_record(struct parser *p, enum kernel_type type, const char *command,
			  const char *title, const char *what, const char *file, unsigned line)
{
	struct item_record *r = item_new(p);
	r->menu = -1;
	r->item = p->n_hidden++;
	r->action = ACTION_COMMAND;
	r->e.title = value_dup(title);
	r->e.source_file = xstrdup(file);
	r->e.source_line = line;
	entry_set_command(p, &r->e, type, command, what, file, line);
	return (int)(p->n_items - 1);
}

/* What a DEFAULT or ONTIMEOUT command boots: the LABEL its first word names, with any
 * further words added to the LABEL's command line; else, "as if typed at the boot: prompt"
 * (doc/syslinux.txt, DEFAULT), the image it names with exactly the options given. Syslinux
 * 6.04 does not add the global APPEND there, whatever doc/syslinux.txt says about manual
 * boots (checked with the ISOLINUX oracle). Returns a record or -1. */
static int command_resolve(struct parser *p, const char *cmd, const char *what, bool cli,
			   const char *file, unsigned line)
{
	const char *rest;
	char *word = word_dup(cmd, &rest);
	int found = label_find(p, word, cli, false);
	if (found >= 0) {
		int label = found;
		if (*rest && p->items[label].command) {
			char *command = xasprintf("%s %s", p->items[label].command, rest);
			found = command_record(p, p->items[label].type, command, cmd, what, file,
					       line);
			free(command);
			const struct boot_file *fdt = &p->items[label].e.devicetree;
			struct boot_entry *e = &p->items[found].e;
			if (e->bootable && fdt->path)
				boot_file_set(&e->devicetree, fdt->device, fdt->path);
		}
		goto out;
	}
	if (!p->implicit) {
		log_at(LOG_WARN, file, line,
		       "%s '%s' names no LABEL and IMPLICIT 0 allows no other image, ignoring",
		       what, cmd);
		goto out;
	}
	enum kernel_type type = kernel_type_of(word);
	if (type != KT_LINUX && !(type == KT_COM32 && image_is(word, "mboot.c32"))) {
		log_at(LOG_DEBUG, file, line,
		       "%s '%s' starts a %s image, not something kxboot boots", what, cmd,
		       kernel_type_names[type]);
		goto out;
	}
	found = command_record(p, KT_KERNEL, cmd, cmd, what, file, line);
out:
	free(word);
	return found;
}

/* The record a menu boots when its timeout runs out: the item at its MENU DEFAULT, else its
 * first item. Syslinux boots nothing when that item is a separator, a disabled LABEL or a
 * submenu (checked with the ISOLINUX oracle). */
static int menu_default_item(const struct parser *p, int menu)
{
	const struct submenu *m = &p->menus[menu];
	unsigned item = m->default_item >= 0 ? (unsigned)m->default_item : 0;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct item_record *r = &p->items[i];
		if (r->menu == menu && r->item == item)
			return r->action == ACTION_DISABLED ? -1 : (int)i;
	}
	return -1;
}

/* TIMEOUT and TOTALTIMEOUT are in 1/10 s, 0 (the default) waits for ever; the first to run
 * out boots. Returns whether one will. */
static bool menu_set_timeout(struct menu *m, bool timeout_set, long timeout, bool total_set,
			     long total)
{
	long t = timeout > 0 ? timeout : 0;
	if (total > 0 && (t == 0 || total < t))
		t = total;
	if (t > 0) {
		m->has_timeout = true;
		m->timeout = (int)((t + 9) / 10);
		return true;
	}
	if (timeout_set || total_set) {
		m->has_timeout = true;
		m->timeout = -1;
	}
	return false;
}

/* The record booted without a key, setting the timeout on the way; -1 when none. */
static int menu_choose(struct parser *p, struct menu *m)
{
	bool menu_system = p->has_ui || (p->default_cmd && command_is_menu(p->default_cmd));
	if (menu_system) {
		int start = p->start_menu;
		int target = -1;
		/* DEFAULT counts only with UI (doc/menu.txt, DEFAULT); then it also picks the
		 * menu that opens. Hidden labels cannot be the menu's default. */
		if (p->has_ui && p->default_cmd) {
			char *word = word_dup(p->default_cmd, NULL);
			target = label_find(p, word, false, true);
			/* "DEFAULT vesamenu.c32" next to UI is the old way of starting the menu. */
			enum log_level level =
				kernel_type_of(word) == KT_COM32 ? LOG_DEBUG : LOG_WARN;
			free(word);
			if (target >= 0)
				start = p->items[target].menu;
			else
				log_at(level, p->default_file, p->default_line,
				       "DEFAULT '%s' names no LABEL in the menu, ignoring",
				       p->default_cmd);
		}
		if (target < 0)
			target = menu_default_item(p, start);
		const struct submenu *s = &p->menus[start];
		m->hidden = p->hidden;
		if (menu_set_timeout(m, s->timeout_set, s->timeout, p->total_set, p->total) &&
		    s->ontimeout)
			target = command_resolve(p, s->ontimeout, "ONTIMEOUT", false,
						 s->ontimeout_file, s->ontimeout_line);
		return target;
	}
	/* The command line: with PROMPT 0 (the default) and a DEFAULT it boots at once, showing
	 * boot: only while Shift or Alt is held (doc/syslinux.txt, PROMPT; the oracle agrees
	 * even with TIMEOUT set); otherwise it waits at boot: ("If no DEFAULT entry is present
	 * ... the boot: prompt is shown"), ONTIMEOUT taking DEFAULT's place when the timeout
	 * runs out. */
	if (!p->prompt && p->default_cmd) {
		m->has_timeout = true;
		m->timeout = 0;
		m->hidden = true;
		return command_resolve(p, p->default_cmd, "DEFAULT", true,
				       p->default_file, p->default_line);
	}
	if (menu_set_timeout(m, p->timeout_set, p->timeout, p->total_set, p->total) && p->ontimeout)
		return command_resolve(p, p->ontimeout, "ONTIMEOUT", true,
				       p->ontimeout_file, p->ontimeout_line);
	if (p->default_cmd)
		return command_resolve(p, p->default_cmd, "DEFAULT", true,
				       p->default_file, p->default_line);
	return -1;
}

/* Move a record into the menu under its submenus; titles[k] is what submenu k shows. */
static int record_emit(const struct parser *p, char *const *titles, struct menu *m,
		       struct item_record *r, unsigned index_at_top)
{
	struct menu_level levels[MENU_DEPTH_MAX] = { 0 };
	int chain[MENU_DEPTH_MAX];
	size_t depth = 0;
	bool locked = r->e.locked;
	for (int k = r->menu; k > 0 && depth < MENU_DEPTH_MAX; k = p->menus[k].parent)
		chain[depth++] = k;
	for (size_t i = 0; i < depth; i++) {
		int k = chain[depth - 1 - i];
		const struct submenu *s = &p->menus[k];
		levels[i] = (struct menu_level){
			.title = titles[k],
			.id = s->tag,
			.index = s->parent_item,
		};
		locked = locked || s->locked;
	}
	struct boot_entry *e = menu_add_entry(m, levels, depth, r->e.title, r->e.id,
					      r->menu >= 0 ? r->item : index_at_top);
	e->kind = r->e.kind;
	e->bootable = r->e.bootable;
	e->locked = locked;
	e->kernel = r->e.kernel;
	e->initrds = r->e.initrds;
	e->n_initrds = r->e.n_initrds;
	e->cmdline = r->e.cmdline;
	e->devicetree = r->e.devicetree;
	e->modules = r->e.modules;
	e->n_modules = r->e.n_modules;
	e->source_file = r->e.source_file;
	e->source_line = r->e.source_line;
	r->e.kernel = r->e.devicetree = (struct boot_file){ 0 };
	r->e.initrds = NULL;
	r->e.n_initrds = 0;
	r->e.cmdline = NULL;
	r->e.modules = NULL;
	r->e.n_modules = 0;
	r->e.source_file = NULL;
	return (int)(m->n_entries - 1);
}

static void menu_build(struct parser *p, struct menu *m)
{
	m->format = "syslinux";
	m->source_device = p->src->device ? xstrdup(p->src->device) : NULL;
	m->source_path = xstrdup(p->src->path);
	m->default_index = -1;
	int target = menu_choose(p, m);
	char **titles = xcalloc(p->n_menus, sizeof(*titles));
	for (size_t k = 0; k < p->n_menus; k++)
		titles[k] = display_dup(p->menus[k].display ? p->menus[k].display : "");
	for (size_t i = 0; i < p->n_items; i++) {
		struct item_record *r = &p->items[i];
		if (r->menu < 0)
			continue;
		int idx = record_emit(p, titles, m, r, 0);
		if ((int)i == target)
			m->default_index = idx;
	}
	/* A hidden LABEL, or a kernel that DEFAULT names, is not in the menu, but it is what
	 * boots: offer it after the rest. */
	if (target >= 0 && p->items[target].menu < 0)
		m->default_index =
			record_emit(p, titles, m, &p->items[target], p->menus[0].n_items);
	for (size_t k = 0; k < p->n_menus; k++)
		free(titles[k]);
	free(titles);
}

static void parser_free(struct parser *p)
{
	label_clear(&p->ld);
	for (size_t i = 0; i < p->n_items; i++) {
		boot_entry_clear(&p->items[i].e);
		free(p->items[i].command);
	}
	free(p->items);
	for (size_t i = 0; i < p->n_menus; i++) {
		free(p->menus[i].tag);
		free(p->menus[i].display);
		free(p->menus[i].title);
		free(p->menus[i].ontimeout);
	}
	free(p->menus);
	free(p->append);
	free(p->default_cmd);
	free(p->ontimeout);
	free(p->workdir);
	strv_free(&p->files);
}

int syslinux_parse_text_in(const struct config_source *src, const char *workdir, const char *text,
			   size_t len, struct menu *m)
{
	struct parser p = { .src = src, .implicit = true };
	if (workdir) {
		p.workdir = path_normalize(workdir);
	} else {
		const char *slash = strrchr(src->path, '/');
		char *dir = slash ? xstrndup(src->path, (size_t)(slash - src->path)) : xstrdup("");
		p.workdir = path_normalize(dir);
		free(dir);
	}
	p.cap_menus = 4;
	p.menus = xcalloc(p.cap_menus, sizeof(*p.menus));
	p.menus[0] = (struct submenu){ .parent = -1, .default_item = -1 };
	p.n_menus = 1;
	p.n_reads = 1;
	parse_file(&p, xstrdup(src->path), text, len, 0);
	label_record(&p);
	if (p.depth > 0)
		log_at(LOG_WARN, src->path, 0, "%u MENU BEGIN without MENU END", p.depth);
	menu_build(&p, m);
	parser_free(&p);
	return 0;
}

int syslinux_parse_text(const struct config_source *src, const char *text, size_t len,
			struct menu *m)
{
	return syslinux_parse_text_in(src, NULL, text, len, m);
}

/* Where syslinux looks (syslinux.cfg(5), LOCATION/NAME): EXTLINUX/SYSLINUX try
 * extlinux.conf then syslinux.cfg in /boot/syslinux, /syslinux and /; ISOLINUX tries
 * /boot/isolinux then /isolinux. /boot/extlinux and /extlinux are where extlinux installs
 * usually put it and where U-Boot's distro boot reads extlinux.conf. */
static const char *const syslinux_paths[] = {
	"/boot/extlinux/extlinux.conf",
	"/extlinux/extlinux.conf",
	"/boot/syslinux/extlinux.conf",
	"/boot/syslinux/syslinux.cfg",
	"/syslinux/extlinux.conf",
	"/syslinux/syslinux.cfg",
	"/extlinux.conf",
	"/syslinux.cfg",
	"/boot/isolinux/isolinux.cfg",
	"/isolinux/isolinux.cfg",
	NULL,
};

const struct config_format config_format_syslinux = {
	.name = "syslinux",
	.paths = syslinux_paths,
	.parse = syslinux_parse_text,
};
