/* grub_legacy.c — GRUB legacy (0.97) menu.lst / grub.conf, read as GRUB's stage2 reads it:
 * cmain() and get_line_from_config() in stage2/stage2.c, the commands of stage2/builtins.c
 * (GRUB Legacy manual, "Configuration" and "Command-line and menu entry commands"). */
#include "grub_legacy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "log.h"
#include "util.h"

#define LEGACY_FALLBACK_MAX 8	/* MAX_FALLBACK_ENTRIES in GRUB legacy's shared.h */
#define LEGACY_DEFAULT_READ 9	/* bytes of the `default` file GRUB parses (buf[10], NUL last) */
#define LEGACY_DEVICE_MAX 64	/* bytes in a "(hd0,0)" device name */

/* Where a command may run (the BUILTIN_MENU / BUILTIN_CMDLINE flags of builtins.c): before
 * the first title, or in an entry's script. */
enum {
	LEGACY_GLOBAL = 1,
	LEGACY_ENTRY = 2,
};

enum legacy_kernel_type {
	LEGACY_KERNEL_NONE,	/* no kernel loaded (yet) */
	LEGACY_KERNEL_GUESS,	/* loaded; GRUB would read the image to tell Linux from multiboot */
	LEGACY_KERNEL_LINUX,	/* --type=linux|biglinux */
	LEGACY_KERNEL_MULTIBOOT, /* --type=multiboot */
	LEGACY_KERNEL_FOREIGN,	/* --type=netbsd|freebsd|openbsd, chainloader: not for kexec */
};

/* The entry being read: its title, and what running its commands would load. */
struct legacy_entry {
	char *title;
	unsigned line;
	unsigned commands; /* known commands after the title (GRUB's state - 1) */
	char *root;	   /* device of `root` as written ("(hd0,0)"); NULL: the config's own */
	enum legacy_kernel_type type;
	struct boot_file kernel;
	char *cmdline;
	struct boot_file *initrds; /* at most one: a later initrd replaces an earlier one */
	size_t n_initrds;
	struct boot_module *modules;
	size_t n_modules;
	bool password; /* `password` in the entry: asked for before it goes on */
	bool lock;
	bool ended; /* boot, reboot, halt or configfile ran: later commands never run */
};

struct legacy_parser {
	const struct config_source *src;
	struct menu *m;
	unsigned line; /* line of the command being run */
	bool in_entry; /* a title was seen (GRUB's state >= 1) */
	struct legacy_entry entry;
	unsigned num_entries;
	bool full;
	int default_entry;
	int fallback[LEGACY_FALLBACK_MAX];
	int fallback_entryno; /* -1: no fallback */
	bool has_timeout;
	int timeout;
	bool hiddenmenu;
	bool password; /* global password: locks editing and entries that use `lock` */
};

struct legacy_command {
	const char *name;
	unsigned where;
	void (*run)(struct legacy_parser *p, const char *arg);
};

/* ---- GRUB legacy's text helpers ---------------------------------------------------- */

/* safe_parse_maxint(): a decimal or 0x hex number at *s, no sign, no leading blanks; *s is
 * moved past it. false (and *s, *ret untouched) when there is none or it overflows. */
static bool legacy_parse_int(const char **s, int *ret)
{
	const char *p = *s;
	int base = 10;
	unsigned long v = 0;
	bool found = false;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		base = 16;
	}
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		found = true;
		if (v > (INT32_MAX - d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + d;
	}
	if (!found)
		return false;
	*s = p;
	*ret = (int)v;
	return true;
}

/* skip_to(): past the current word (and, with after_equal, a '=' ends it), then past the
 * blanks (and '=') that follow. Tabs are already spaces. */
static const char *legacy_skip_to(bool after_equal, const char *s)
{
	while (*s && *s != ' ' && !(after_equal && *s == '='))
		s++;
	while (*s == ' ' || (after_equal && *s == '='))
		s++;
	return s;
}

/* A copy of s without trailing blanks. */
static char *legacy_trimmed(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return xstrndup(s, n);
}

/* The next logical line as get_line_from_config() builds it: '\r' dropped, tabs made spaces,
 * a backslash before a newline joins the next line (with a space), leading blanks and lines
 * starting with '#' skipped. Trailing blanks stay, as in GRUB. false at the end. */
static bool legacy_next_line(const char *text, size_t len, size_t *pos, unsigned *lineno,
			     struct strbuf *out, unsigned *ret_start, bool *ret_too_long)
{
	bool literal = false, comment = false;
	out->len = 0;
	if (out->buf)
		out->buf[0] = '\0';
	*ret_too_long = false;
	while (*pos < len) {
		char c = text[(*pos)++];
		unsigned here = *lineno;
		if (c == '\n')
			(*lineno)++;
		if (c == '\r')
			continue;
		if (c == '\t')
			c = ' ';
		if (literal) {
			if (c == '\n') {
				c = ' ';
				if (out->len > 0)
					out->buf[--out->len] = '\0';
			}
			literal = false;
		}
		if (c == '\\')
			literal = true;
		if (comment) {
			if (c == '\n')
				comment = false;
		} else if (out->len == 0) {
			if (c == '#') {
				comment = true;
			} else if (c != ' ' && c != '\n') {
				*ret_start = here;
				strbuf_addc(out, c);
			}
		} else {
			if (c == '\n')
				break;
			if (out->len < CONFIG_LINE_MAX)
				strbuf_addc(out, c);
			else
				*ret_too_long = true;
		}
	}
	return out->len > 0;
}

/* ---- devices and files --------------------------------------------------------------- */

/* GRUB 2's name for a GRUB legacy device: legacy counts partitions from 0, GRUB 2 from 1,
 * so "(hd0,0)" is "hd0,1". false for what has no GRUB 2 equivalent kxboot can resolve
 * (BSD slices, network and CD devices). */
static bool legacy_grub2_name(const char *dev, char *buf, size_t size)
{
	const char *p = dev;
	if (*p++ != '(')
		return false;
	char drive[3] = { p[0], p[1], '\0' };
	if (strcmp(drive, "hd") != 0 && strcmp(drive, "fd") != 0)
		return false;
	p += 2;
	int disk, part = -1;
	if (*p < '0' || *p > '9' || !legacy_parse_int(&p, &disk) || disk > 255)
		return false;
	if (*p == ',') {
		p++;
		if (*p < '0' || *p > '9' || !legacy_parse_int(&p, &part) || part > 255)
			return false;
	}
	if (strcmp(p, ")") != 0)
		return false;
	if (part >= 0)
		snprintf(buf, size, "%s%d,%d", drive, disk, part + 1);
	else
		snprintf(buf, size, "%s%d", drive, disk);
	return true;
}

/* GRUB 2 device names with the partition-table prefix dropped ("hd0,msdos1" -> "hd0,1"). */
static bool grub2_names_equal(const char *a, const char *b)
{
	char na[LEGACY_DEVICE_MAX], nb[LEGACY_DEVICE_MAX];
	const char *in[2] = { a, b };
	char *outs[2] = { na, nb };
	for (int k = 0; k < 2; k++) {
		size_t o = 0;
		for (const char *s = in[k]; *s && o + 1 < LEGACY_DEVICE_MAX; s++) {
			outs[k][o++] = *s;
			if (*s == ',') {
				if (strncmp(s + 1, "msdos", 5) == 0)
					s += 5;
				else if (strncmp(s + 1, "gpt", 3) == 0)
					s += 3;
			}
		}
		outs[k][o] = '\0';
	}
	return strcmp(na, nb) == 0;
}

/* The volume a file lives on, given the GRUB legacy device it is named with (NULL: the
 * config's own). A device lookup resolves is that volume. One it cannot resolve is the
 * config's own when the config's volume is known by that GRUB name, or, when the config's
 * volume has no GRUB name (a folder given to `kxboot list`), when the file is there: GRUB
 * legacy installs put menu.lst on the partition their entries boot from. Otherwise the
 * device stays as written. */
static char *legacy_resolve(struct legacy_parser *p, const char *written, const char *path)
{
	const struct lookup *lk = p->src->lookup;
	char name[LEGACY_DEVICE_MAX];
	const char *id;

	if (!written)
		return p->src->device ? xstrdup(p->src->device) : NULL;
	if (legacy_grub2_name(written, name, sizeof(name))) {
		if (lookup_device(lk, name, &id) == 0)
			return xstrdup(id);
		const char *own = lookup_grub_name(lk, p->src->device);
		if (own && grub2_names_equal(own, name))
			return xstrdup(p->src->device);
		if (!own && lookup_stat(lk, p->src->device, path, NULL, NULL) == 0)
			return xstrdup(p->src->device);
	}
	log_at(LOG_DEBUG, p->src->path, p->line, "device %s is not known, kept as written",
	       written);
	return xstrdup(written);
}

/* The device part of "(hd0,0)/path" or "(hd0,0)", NULL when the word names none. */
static char *legacy_device_prefix(const char *word, const char **ret_rest)
{
	*ret_rest = word;
	if (word[0] != '(')
		return NULL;
	const char *close = strchr(word, ')');
	if (!close || (size_t)(close - word) + 1 >= LEGACY_DEVICE_MAX)
		return NULL;
	*ret_rest = close + 1;
	return xstrndup(word, (size_t)(close - word) + 1);
}

/* A file word of kernel/initrd/module ("/vmlinuz", "(hd0,0)/vmlinuz", "vmlinuz") as the
 * volume and absolute path it names, relative to the entry's root. */
static int legacy_file(struct legacy_parser *p, const char *word, struct boot_file *ret)
{
	const char *path;
	char *dev = legacy_device_prefix(word, &path);
	if (word[0] == '(' && !dev) {
		log_at(LOG_WARN, p->src->path, p->line, "'%s' is not a valid device, ignoring",
		       word);
		return -EINVAL;
	}
	if (!path[0]) {
		log_at(LOG_WARN, p->src->path, p->line, "'%s' names a device, not a file, ignoring",
		       word);
		free(dev);
		return -EINVAL;
	}
	/* "+1", "0+1,5+2": sector lists, for chainloading; nothing kexec can start. */
	size_t digits = strspn(path, "0123456789");
	if (path[digits] == '+') {
		log_at(LOG_WARN, p->src->path, p->line,
		       "block list '%s' is not supported, ignoring", word);
		free(dev);
		return -ENOTSUP;
	}
	/* GRUB legacy wants absolute paths; a relative one is taken from the root. */
	char *norm = path_normalize(path);
	char *device = legacy_resolve(p, dev ? dev : p->entry.root, norm);
	ret->device = device;
	ret->path = norm;
	free(dev);
	return 0;
}

/* ---- the entry being read ----------------------------------------------------------- */

static void legacy_entry_unload(struct legacy_entry *e)
{
	boot_file_clear(&e->kernel);
	free(e->cmdline);
	e->cmdline = NULL;
	for (size_t i = 0; i < e->n_initrds; i++)
		boot_file_clear(&e->initrds[i]);
	free(e->initrds);
	e->initrds = NULL;
	e->n_initrds = 0;
	for (size_t i = 0; i < e->n_modules; i++) {
		boot_file_clear(&e->modules[i].file);
		free(e->modules[i].cmdline);
	}
	free(e->modules);
	e->modules = NULL;
	e->n_modules = 0;
	e->type = LEGACY_KERNEL_NONE;
}

static void legacy_entry_clear(struct legacy_entry *e)
{
	legacy_entry_unload(e);
	free(e->title);
	free(e->root);
	*e = (struct legacy_entry){ 0 };
}

static void legacy_set_initrd(struct legacy_entry *e, struct boot_file *f)
{
	for (size_t i = 0; i < e->n_initrds; i++)
		boot_file_clear(&e->initrds[i]);
	free(e->initrds);
	e->initrds = xmalloc(sizeof(*e->initrds));
	e->initrds[0] = *f;
	e->n_initrds = 1;
}

/* The entry as GRUB would boot it, added to the menu. GRUB counts a title only when known
 * commands follow it: a bare title is overwritten by the next one. */
static void legacy_entry_finish(struct legacy_parser *p)
{
	struct legacy_entry *le = &p->entry;
	if (!p->in_entry)
		return;
	if (le->commands == 0) {
		log_at(LOG_DEBUG, p->src->path, le->line,
		       "title without commands is no menu entry in GRUB legacy, ignoring");
		legacy_entry_clear(le);
		return;
	}
	if (p->m->n_entries >= MENU_ENTRIES_MAX) {
		if (!p->full)
			log_at(LOG_WARN, p->src->path, le->line,
			       "more than %u menu entries, ignoring the rest", MENU_ENTRIES_MAX);
		p->full = true;
		legacy_entry_clear(le);
		return;
	}
	struct boot_entry *e = menu_add_entry(p->m, NULL, 0, le->title, NULL, p->num_entries++);
	e->source_file = xstrdup(p->src->path);
	e->source_line = le->line;
	e->locked = le->password || (le->lock && p->password);

	/* GRUB tells a multiboot kernel from Linux by reading the image; kxboot goes by what
	 * the entry loads with it: modules mean multiboot (Xen, tboot). */
	enum legacy_kernel_type type = le->type;
	if (type == LEGACY_KERNEL_GUESS)
		type = le->n_modules ? LEGACY_KERNEL_MULTIBOOT : LEGACY_KERNEL_LINUX;
	if (type == LEGACY_KERNEL_LINUX || type == LEGACY_KERNEL_MULTIBOOT) {
		e->kind = type == LEGACY_KERNEL_MULTIBOOT ? BOOT_KIND_MULTIBOOT : BOOT_KIND_LINUX;
		e->bootable = true;
		e->kernel = le->kernel;
		le->kernel = (struct boot_file){ 0 };
		e->cmdline = le->cmdline;
		le->cmdline = NULL;
		if (type == LEGACY_KERNEL_MULTIBOOT && le->n_initrds) {
			log_at(LOG_WARN, p->src->path, le->line,
			       "initrd with a multiboot kernel fails in GRUB legacy, ignoring");
		} else {
			e->initrds = le->initrds;
			e->n_initrds = le->n_initrds;
			le->initrds = NULL;
			le->n_initrds = 0;
		}
		e->modules = le->modules;
		e->n_modules = le->n_modules;
		le->modules = NULL;
		le->n_modules = 0;
	}
	legacy_entry_clear(le);
}

/* ---- commands before the first title ------------------------------------------------- */

static int legacy_read_saved(struct legacy_parser *p)
{
	/* GRUB reads the number grub-set-default or savedefault left in the file `default`
	 * next to the config; without one, entry 0. */
	char *path = path_join_dir(p->src->path, "default");
	char *text = NULL;
	size_t len = 0;
	int saved = 0;
	int r = lookup_read(p->src->lookup, p->src->device, path, CONFIG_FILE_MAX, &text, &len);
	if (r < 0) {
		log_at(LOG_DEBUG, p->src->path, p->line, "no saved default in %s: %s, using 0",
		       path, strerror(-r));
	} else {
		char buf[LEGACY_DEFAULT_READ + 1];
		size_t n = len < LEGACY_DEFAULT_READ ? len : LEGACY_DEFAULT_READ;
		memcpy(buf, text, n);
		buf[n] = '\0';
		const char *s = buf;
		if (!legacy_parse_int(&s, &saved))
			saved = 0;
	}
	free(text);
	free(path);
	return saved;
}

static void cmd_default(struct legacy_parser *p, const char *arg)
{
	if (strcmp(arg, "saved") == 0) {
		p->default_entry = legacy_read_saved(p);
		return;
	}
	if (!legacy_parse_int(&arg, &p->default_entry))
		log_at(LOG_WARN, p->src->path, p->line, "default '%s' is not a number, ignoring",
		       arg);
}

/* fallback_func(): each number once, at most LEGACY_FALLBACK_MAX. A word that is no number
 * fails the whole command; so does a repeated number followed by more, which GRUB skips
 * without moving past the blank after it. */
static void cmd_fallback(struct legacy_parser *p, const char *arg)
{
	int i = 0;
	while (*arg) {
		int entry, j;
		if (!legacy_parse_int(&arg, &entry)) {
			log_at(LOG_WARN, p->src->path, p->line,
			       "fallback: no entry number at '%s', ignoring the command", arg);
			return;
		}
		for (j = 0; j < i; j++)
			if (entry == p->fallback[j])
				break;
		if (j != i)
			continue;
		p->fallback[i++] = entry;
		if (i == LEGACY_FALLBACK_MAX)
			break;
		arg = legacy_skip_to(false, arg);
	}
	if (i < LEGACY_FALLBACK_MAX)
		p->fallback[i] = -1;
	p->fallback_entryno = i == 0 ? -1 : 0;
}

static void cmd_timeout(struct legacy_parser *p, const char *arg)
{
	int t;
	if (!legacy_parse_int(&arg, &t)) {
		log_at(LOG_WARN, p->src->path, p->line, "timeout '%s' is not a number, ignoring",
		       arg);
		return;
	}
	p->has_timeout = true;
	p->timeout = t;
}

static void cmd_hiddenmenu(struct legacy_parser *p, const char *arg)
{
	p->hiddenmenu = true;
}

static void cmd_password(struct legacy_parser *p, const char *arg)
{
	if (p->in_entry) {
		/* In an entry: GRUB asks for the password before going on. */
		p->entry.password = true;
		return;
	}
	/* Before the first title: editing and the command line need the password, and so do
	 * entries that run `lock`; the others still boot without it. */
	p->password = true;
}

/* ---- commands in an entry ------------------------------------------------------------ */

static void cmd_root(struct legacy_parser *p, const char *arg)
{
	if (!arg[0])
		return; /* prints the current root */
	const char *rest;
	size_t n = strcspn(arg, " ");
	char *word = xstrndup(arg, n);
	char *dev = legacy_device_prefix(word, &rest);
	if (!dev) {
		log_at(LOG_WARN, p->src->path, p->line, "root '%s' is not a device, ignoring",
		       word);
	} else {
		free(p->entry.root);
		p->entry.root = dev;
	}
	free(word);
}

static void cmd_kernel(struct legacy_parser *p, const char *arg)
{
	struct legacy_entry *e = &p->entry;
	enum legacy_kernel_type type = LEGACY_KERNEL_GUESS;

	/* A failed `kernel` leaves nothing loaded. */
	legacy_entry_unload(e);
	for (;;) {
		if (strncmp(arg, "--type=", 7) == 0) {
			const char *t = arg + 7;
			size_t n = strcspn(t, " ");
			if ((n == 5 && strncmp(t, "linux", 5) == 0) ||
			    (n == 8 && strncmp(t, "biglinux", 8) == 0)) {
				type = LEGACY_KERNEL_LINUX;
			} else if (n == 9 && strncmp(t, "multiboot", 9) == 0) {
				type = LEGACY_KERNEL_MULTIBOOT;
			} else if ((n == 6 && strncmp(t, "netbsd", 6) == 0) ||
				   (n == 7 && strncmp(t, "freebsd", 7) == 0) ||
				   (n == 7 && strncmp(t, "openbsd", 7) == 0)) {
				type = LEGACY_KERNEL_FOREIGN;
			} else {
				log_at(LOG_WARN, p->src->path, p->line,
				       "unknown kernel type '%.*s', ignoring the kernel", (int)n,
				       t);
				return;
			}
		} else if (strncmp(arg, "--no-mem-option", 15) == 0) {
			/* only for Linux older than 2.4.18 */
		} else {
			break;
		}
		arg = legacy_skip_to(false, arg);
	}
	size_t n = strcspn(arg, " ");
	if (n == 0) {
		log_at(LOG_WARN, p->src->path, p->line, "kernel without a file, ignoring");
		return;
	}
	char *word = xstrndup(arg, n);
	struct boot_file f = { 0 };
	int r = legacy_file(p, word, &f);
	free(word);
	if (r < 0)
		return;
	if (type == LEGACY_KERNEL_FOREIGN) {
		log_at(LOG_INFO, p->src->path, p->line, "BSD kernel, not bootable by kexec");
		boot_file_clear(&f);
		e->type = LEGACY_KERNEL_FOREIGN;
		return;
	}
	e->kernel = f;
	e->type = type;
	/* Linux gets what follows the file name; a multiboot kernel's own command line is
	 * kept the same way, without its path, like the modules'. */
	const char *args = legacy_skip_to(false, arg);
	if (args[0])
		e->cmdline = legacy_trimmed(args, strlen(args));
}

/* initrd FILE; and `module` after a Linux kernel, which GRUB loads as the initrd too. */
static void legacy_initrd(struct legacy_parser *p, const char *arg, const char *what)
{
	struct legacy_entry *e = &p->entry;
	if (e->type == LEGACY_KERNEL_NONE || e->type == LEGACY_KERNEL_FOREIGN) {
		log_at(LOG_WARN, p->src->path, p->line,
		       "%s without a Linux kernel before it, ignoring", what);
		return;
	}
	if (e->type == LEGACY_KERNEL_MULTIBOOT) {
		log_at(LOG_WARN, p->src->path, p->line,
		       "initrd after a multiboot kernel, ignoring");
		return;
	}
	size_t n = strcspn(arg, " ");
	if (n == 0) {
		log_at(LOG_WARN, p->src->path, p->line, "%s without a file, ignoring", what);
		return;
	}
	char *word = xstrndup(arg, n);
	struct boot_file f = { 0 };
	if (legacy_file(p, word, &f) == 0)
		legacy_set_initrd(e, &f);
	free(word);
}

static void cmd_initrd(struct legacy_parser *p, const char *arg)
{
	legacy_initrd(p, arg, "initrd");
}

static void cmd_module(struct legacy_parser *p, const char *arg)
{
	struct legacy_entry *e = &p->entry;
	if (e->type == LEGACY_KERNEL_LINUX) {
		legacy_initrd(p, arg, "module");
		return;
	}
	if (e->type == LEGACY_KERNEL_NONE || e->type == LEGACY_KERNEL_FOREIGN) {
		log_at(LOG_WARN, p->src->path, p->line,
		       "module without a multiboot kernel before it, ignoring");
		return;
	}
	size_t n = strcspn(arg, " ");
	if (n == 0) {
		log_at(LOG_WARN, p->src->path, p->line, "module without a file, ignoring");
		return;
	}
	char *word = xstrndup(arg, n);
	struct boot_file f = { 0 };
	int r = legacy_file(p, word, &f);
	free(word);
	if (r < 0)
		return;
	const char *args = legacy_skip_to(false, arg);
	e->modules = xreallocarray(e->modules, e->n_modules + 1, sizeof(*e->modules));
	e->modules[e->n_modules++] = (struct boot_module){
		.file = f,
		.cmdline = legacy_trimmed(args, strlen(args)),
	};
}

/* chainloader: the entry boots something other than a kernel (unless a kernel follows). */
static void cmd_chainloader(struct legacy_parser *p, const char *arg)
{
	legacy_entry_unload(&p->entry);
	p->entry.type = LEGACY_KERNEL_FOREIGN;
}

/* configfile, reboot, halt: the entry ends there, booting nothing. */
static void cmd_leave(struct legacy_parser *p, const char *arg)
{
	legacy_entry_unload(&p->entry);
	p->entry.type = LEGACY_KERNEL_FOREIGN;
	p->entry.ended = true;
}

/* boot: what is loaded boots now. */
static void cmd_boot(struct legacy_parser *p, const char *arg)
{
	p->entry.ended = true;
}

static void cmd_lock(struct legacy_parser *p, const char *arg)
{
	p->entry.lock = true;
}

/* GRUB legacy 0.97's commands (builtin_table), plus splashimage/foreground/background and
 * gfxmenu that distributions patched in. Anything else GRUB skips as unknown. run NULL: a
 * command with no bearing on what boots. */
static const struct legacy_command legacy_commands[] = {
	{ "background", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "blocklist", LEGACY_ENTRY, NULL },
	{ "boot", LEGACY_ENTRY, cmd_boot },
	{ "bootp", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "cat", LEGACY_ENTRY, NULL },
	{ "chainloader", LEGACY_ENTRY, cmd_chainloader },
	{ "clear", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "cmp", LEGACY_ENTRY, NULL },
	{ "color", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "configfile", LEGACY_ENTRY, cmd_leave },
	{ "debug", LEGACY_ENTRY, NULL },
	{ "default", LEGACY_GLOBAL, cmd_default },
	{ "device", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "dhcp", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "displayapm", LEGACY_ENTRY, NULL },
	{ "displaymem", LEGACY_ENTRY, NULL },
	{ "embed", LEGACY_ENTRY, NULL },
	{ "fallback", LEGACY_GLOBAL, cmd_fallback },
	{ "find", LEGACY_ENTRY, NULL },
	{ "foreground", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "fstest", LEGACY_ENTRY, NULL },
	{ "geometry", LEGACY_ENTRY, NULL },
	{ "gfxmenu", LEGACY_GLOBAL, NULL },
	{ "halt", LEGACY_ENTRY, cmd_leave },
	{ "help", LEGACY_ENTRY, NULL },
	{ "hiddenmenu", LEGACY_GLOBAL, cmd_hiddenmenu },
	{ "hide", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "ifconfig", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "impsprobe", LEGACY_ENTRY, NULL },
	{ "initrd", LEGACY_ENTRY, cmd_initrd },
	{ "install", LEGACY_ENTRY, NULL },
	{ "ioprobe", LEGACY_ENTRY, NULL },
	{ "kernel", LEGACY_ENTRY, cmd_kernel },
	{ "lock", LEGACY_ENTRY, cmd_lock },
	{ "makeactive", LEGACY_ENTRY, NULL },
	{ "map", LEGACY_ENTRY, NULL },
	{ "md5crypt", LEGACY_ENTRY, NULL },
	{ "module", LEGACY_ENTRY, cmd_module },
	{ "modulenounzip", LEGACY_ENTRY, cmd_module },
	{ "pager", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "partnew", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "parttype", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "password", LEGACY_GLOBAL | LEGACY_ENTRY, cmd_password },
	{ "pause", LEGACY_ENTRY, NULL },
	{ "rarp", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "read", LEGACY_ENTRY, NULL },
	{ "reboot", LEGACY_ENTRY, cmd_leave },
	{ "root", LEGACY_ENTRY, cmd_root },
	{ "rootnoverify", LEGACY_ENTRY, cmd_root },
	{ "savedefault", LEGACY_ENTRY, NULL },
	{ "serial", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "setkey", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "setup", LEGACY_ENTRY, NULL },
	{ "splashimage", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "terminal", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "terminfo", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "testload", LEGACY_ENTRY, NULL },
	{ "testvbe", LEGACY_ENTRY, NULL },
	{ "tftpserver", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "timeout", LEGACY_GLOBAL, cmd_timeout },
	{ "title", 0, NULL },
	{ "unhide", LEGACY_GLOBAL | LEGACY_ENTRY, NULL },
	{ "uppermem", LEGACY_ENTRY, NULL },
	{ "vbeprobe", LEGACY_ENTRY, NULL },
};

static const struct legacy_command *legacy_command_find(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(legacy_commands); i++)
		if (strlen(legacy_commands[i].name) == n &&
		    memcmp(legacy_commands[i].name, name, n) == 0)
			return &legacy_commands[i];
	return NULL;
}

/* One logical line, as cmain() treats it. */
static void legacy_line(struct legacy_parser *p, const char *line)
{
	/* find_command(): the name ends at a blank or '='. */
	size_t n = strcspn(line, " =");
	const struct legacy_command *cmd = legacy_command_find(line, n);
	if (!cmd) {
		log_at(LOG_WARN, p->src->path, p->line, "unknown command '%.*s', ignoring", (int)n,
		       line);
		return;
	}
	const char *arg = legacy_skip_to(true, line);

	if (strcmp(cmd->name, "title") == 0) {
		legacy_entry_finish(p);
		p->in_entry = true;
		p->entry.title = legacy_trimmed(arg, strlen(arg));
		p->entry.line = p->line;
		return;
	}
	if (!p->in_entry) {
		if (cmd->where & LEGACY_GLOBAL) {
			if (cmd->run)
				cmd->run(p, arg);
		} else {
			log_at(LOG_WARN, p->src->path, p->line,
			       "'%s' has no effect before the first title, ignoring", cmd->name);
		}
		return;
	}
	p->entry.commands++;
	if (p->entry.ended)
		return;
	if (!(cmd->where & LEGACY_ENTRY)) {
		log_at(LOG_WARN, p->src->path, p->line,
		       "'%s' only works before the first title, ignoring", cmd->name);
		return;
	}
	if (cmd->run)
		cmd->run(p, arg);
}

/* The end of cmain()'s reading: drop fallback entries beyond the menu, and a default beyond
 * it falls to the first fallback entry, else to entry 0. */
static void legacy_finish_menu(struct legacy_parser *p)
{
	struct menu *m = p->m;
	int fallback[LEGACY_FALLBACK_MAX];
	size_t nf = 0;

	if (p->fallback_entryno >= 0) {
		for (size_t i = 0; i < LEGACY_FALLBACK_MAX && p->fallback[i] >= 0; i++) {
			if ((unsigned)p->fallback[i] < p->num_entries)
				fallback[nf++] = p->fallback[i];
			else
				log_at(LOG_WARN, p->src->path, 0,
				       "fallback entry %d does not exist, ignoring",
				       p->fallback[i]);
		}
	}
	size_t first = 0;
	int def = p->default_entry;
	if ((unsigned)def >= p->num_entries) {
		if (nf > 0) {
			def = fallback[0];
			first = 1;
		} else {
			def = 0;
		}
	}
	m->default_index = p->num_entries ? def : -1;
	if (nf > first) {
		m->n_fallback = nf - first;
		m->fallback = xcalloc(m->n_fallback, sizeof(int));
		memcpy(m->fallback, fallback + first, m->n_fallback * sizeof(int));
	}
	m->has_timeout = p->has_timeout;
	m->timeout = p->timeout;
	/* Without a timeout GRUB shows the menu whatever hiddenmenu says. */
	m->hidden = p->hiddenmenu && p->has_timeout;
}

static int legacy_parse(const struct config_source *src, const char *text, size_t len,
			struct menu *m)
{
	struct legacy_parser p = {
		.src = src,
		.m = m,
		.fallback_entryno = -1,
	};
	for (size_t i = 0; i < LEGACY_FALLBACK_MAX; i++)
		p.fallback[i] = -1;
	m->format = "grub-legacy";
	m->source_path = xstrdup(src->path);
	m->source_device = src->device ? xstrdup(src->device) : NULL;

	if (memchr(text, '\0', len))
		log_at(LOG_WARN, src->path, 0,
		       "contains NUL bytes; GRUB reads each line only up to one");

	struct strbuf line = { 0 };
	size_t pos = 0;
	unsigned lineno = 1, start = 1;
	bool too_long;
	while (legacy_next_line(text, len, &pos, &lineno, &line, &start, &too_long)) {
		p.line = start;
		if (too_long)
			log_at(LOG_WARN, src->path, start, "line longer than %u bytes, ignoring",
			       CONFIG_LINE_MAX);
		else
			legacy_line(&p, line.buf);
	}
	strbuf_free(&line);
	legacy_entry_finish(&p);
	legacy_finish_menu(&p);
	if (p.num_entries == 0)
		log_at(LOG_WARN, src->path, 0, "no menu entries");
	return 0;
}

static const char *const legacy_paths[] = {
	"/boot/grub/menu.lst",
	"/boot/grub/grub.conf",
	"/grub/menu.lst",
	"/grub/grub.conf",
	NULL,
};

const struct config_format config_format_grub_legacy = {
	.name = "grub-legacy",
	.paths = legacy_paths,
	.parse = legacy_parse,
};
