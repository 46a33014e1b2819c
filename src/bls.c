/* bls.c — Boot Loader Specification type 1 entries (UAPI.1 "Type #1 Boot Loader Specification
 * Entries" and "Sorting", with UAPI.10's version comparison), read for GRUB's blscfg command
 * or standalone the way systemd-boot reads them next to loader/loader.conf (loader.conf(5)). */
#include "bls.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "grub2/grubenv.h"
#include "limits.h"
#include "log.h"
#include "util.h"

/* The `architecture` value of the machine kxboot runs on, in the EFI vocabulary the
 * specification uses; entries for any other architecture are hidden. */
#if defined(__x86_64__)
#define BLS_LOCAL_ARCH "x64"
#elif defined(__i386__)
#define BLS_LOCAL_ARCH "ia32"
#elif defined(__aarch64__)
#define BLS_LOCAL_ARCH "aa64"
#elif defined(__arm__)
#define BLS_LOCAL_ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
#define BLS_LOCAL_ARCH "riscv64"
#elif defined(__loongarch64)
#define BLS_LOCAL_ARCH "loongarch64"
#else
#define BLS_LOCAL_ARCH ""
#endif

/* Boot counters above this are clamped; only "zero" and the order between them matter. */
#define BLS_TRIES_MAX 1000000

/* One entry file as read, before it becomes a menu item. */
struct bls_entry {
	char *path; /* dir/file, for messages and source_file */
	char *file; /* name in the directory, with ".conf" and any boot counter */
	char *id;   /* file name without ".conf" and without the boot counter */
	int tries_left; /* boot counting ("+LEFT[-DONE]" before ".conf"); -1 when none */
	int tries_done;
	char *title;
	char *version;
	char *machine_id;
	char *sort_key;
	char *linux_path;
	char *efi;
	char *devicetree;
	char *architecture;
	struct strv initrds; /* values as written, one per `initrd` line */
	struct strv options; /* values as written, one per `options` line */
};

enum bls_key_kind {
	BLS_KEY_SINGLE,	  /* one value; a later line replaces an earlier one */
	BLS_KEY_INITRD,
	BLS_KEY_OPTIONS,
	BLS_KEY_OVERLAY,  /* devicetree-overlay: understood, not applied */
	BLS_KEY_IGNORED,  /* Fedora's extensions for GRUB's blscfg, meaningless to kexec */
};

static const struct bls_key {
	const char *name;
	enum bls_key_kind kind;
	size_t field; /* offset of the char * in struct bls_entry, for BLS_KEY_SINGLE */
} bls_keys[] = {
	{ "title", BLS_KEY_SINGLE, offsetof(struct bls_entry, title) },
	{ "version", BLS_KEY_SINGLE, offsetof(struct bls_entry, version) },
	{ "machine-id", BLS_KEY_SINGLE, offsetof(struct bls_entry, machine_id) },
	{ "sort-key", BLS_KEY_SINGLE, offsetof(struct bls_entry, sort_key) },
	{ "linux", BLS_KEY_SINGLE, offsetof(struct bls_entry, linux_path) },
	{ "efi", BLS_KEY_SINGLE, offsetof(struct bls_entry, efi) },
	{ "devicetree", BLS_KEY_SINGLE, offsetof(struct bls_entry, devicetree) },
	{ "architecture", BLS_KEY_SINGLE, offsetof(struct bls_entry, architecture) },
	{ "initrd", BLS_KEY_INITRD, 0 },
	{ "options", BLS_KEY_OPTIONS, 0 },
	{ "devicetree-overlay", BLS_KEY_OVERLAY, 0 },
	{ "id", BLS_KEY_IGNORED, 0 },
	{ "grub_users", BLS_KEY_IGNORED, 0 },
	{ "grub_arg", BLS_KEY_IGNORED, 0 },
	{ "grub_class", BLS_KEY_IGNORED, 0 },
	{ "grub_hotkey", BLS_KEY_IGNORED, 0 },
};

/* How a directory's entries become menu items: GRUB's blscfg (Fedora's grub2) leaves out
 * files without a `linux` key; systemd-boot lists `efi` entries too, which kexec cannot
 * start, so they stay as items that are not bootable. */
enum bls_mode {
	BLS_MODE_GRUB,
	BLS_MODE_STANDALONE,
};

static void bls_entry_free(struct bls_entry *e)
{
	free(e->path);
	free(e->file);
	free(e->id);
	free(e->title);
	free(e->version);
	free(e->machine_id);
	free(e->sort_key);
	free(e->linux_path);
	free(e->efi);
	free(e->devicetree);
	free(e->architecture);
	strv_free(&e->initrds);
	strv_free(&e->options);
	*e = (struct bls_entry){ 0 };
}

static void bls_entries_free(struct bls_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bls_entry_free(&v[i]);
	free(v);
}

/* ---- version order (Version Format Specification, "Version Comparison") -------------- */

static bool ver_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ver_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ver_valid(char c)
{
	return ver_digit(c) || ver_alpha(c) || c == '-' || c == '.' || c == '~' || c == '^';
}

/* <0, 0, >0 as a is an older, equal or newer version than b; NULL compares as "". The steps
 * are the specification's, numbered as there; an empty numeric prefix counts as 0 (step 7). */
static int bls_version_compare(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	for (;;) {
		/* 1: characters outside the set are skipped. */
		while (*a && !ver_valid(*a))
			a++;
		while (*b && !ver_valid(*b))
			b++;
		/* 3: '~' sorts lower. Taken before step 2, as the reference implementation
		 * (systemd's strverscmp_improved) does: in the specification's order "1~rc1"
		 * would be newer than "1", against its own "a suffix that always sorts lower". */
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++;
			b++;
		}
		/* 2, 4: the string with characters left is newer. */
		if (!*a || !*b)
			return (*a != '\0') - (*b != '\0');
		/* 5: '-' sorts lower. */
		if (*a == '-' || *b == '-') {
			if (*a != '-')
				return 1;
			if (*b != '-')
				return -1;
			a++;
			b++;
		}
		/* 6: '^' sorts higher. */
		if (*a == '^' || *b == '^') {
			if (*a != '^')
				return -1;
			if (*b != '^')
				return 1;
			a++;
			b++;
		}
		/* 6 (the second one): '.' sorts lower. */
		if (*a == '.' || *b == '.') {
			if (*a != '.')
				return 1;
			if (*b != '.')
				return -1;
			a++;
			b++;
		}
		/* 7: numeric prefixes compare as numbers, an empty one as 0. */
		if (ver_digit(*a) || ver_digit(*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (ver_digit(a[la]))
				la++;
			while (ver_digit(b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int r = memcmp(a, b, la);
			if (r != 0)
				return r < 0 ? -1 : 1;
			a += la;
			b += lb;
			continue;
		}
		/* 8: alphabetical prefixes compare letter by letter ('A' < 'a'); the longer one
		 * is newer. */
		while (ver_alpha(*a) && ver_alpha(*b)) {
			if (*a != *b)
				return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			a++;
			b++;
		}
		if (ver_alpha(*a) != ver_alpha(*b))
			return ver_alpha(*a) ? 1 : -1;
	}
}

/* The specification's "alphanumerical order": strcmp, an unset or empty string lower. */
static int bls_alnum_compare(const char *a, const char *b)
{
	bool ha = a && *a, hb = b && *b;
	if (!ha || !hb)
		return ha - hb;
	int r = strcmp(a, b);
	return (r > 0) - (r < 0);
}

/* The specification's "Sorting" rules, 1 to 4, then the raw file name, so that no two
 * entries compare equal. */
static int bls_entry_compare(const struct bls_entry *a, const struct bls_entry *b)
{
	int r;

	bool bad_a = a->tries_left == 0, bad_b = b->tries_left == 0;
	if (bad_a != bad_b)
		return bad_a ? 1 : -1;

	bool key_a = a->sort_key && *a->sort_key, key_b = b->sort_key && *b->sort_key;
	if (key_a && key_b) {
		r = bls_alnum_compare(a->sort_key, b->sort_key);
		if (r)
			return r;
		r = bls_alnum_compare(a->machine_id, b->machine_id);
		if (r)
			return r;
		r = -bls_version_compare(a->version, b->version);
		if (r)
			return r;
	} else if (key_a != key_b) {
		return key_a ? -1 : 1;
	}

	r = -bls_version_compare(a->id, b->id);
	if (r)
		return r;
	/* Names that differ only in their boot counters: more tries left first, then fewer
	 * failed ones ("we would sort them by n"). */
	if (a->tries_left != b->tries_left)
		return a->tries_left > b->tries_left ? -1 : 1;
	if (a->tries_done != b->tries_done)
		return a->tries_done < b->tries_done ? -1 : 1;
	r = strcmp(a->file, b->file);
	return (r > 0) - (r < 0);
}

/* A stable merge sort. The version order is not transitive for every string (the
 * specification's empty-number rule: ".aZ0" < ".0zZ" < "._99" < ".aZ0"), and qsort may
 * misbehave with such a comparison; this one only ever yields some order. */
static void bls_sort(struct bls_entry *v, size_t n)
{
	if (n < 2)
		return;
	struct bls_entry *tmp = xcalloc(n, sizeof(*tmp));
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = bls_entry_compare(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(tmp);
}

/* ---- reading one entry file ---------------------------------------------------------- */

static bool parse_counter(const char *s, int *ret)
{
	if (!ver_digit(*s))
		return false;
	long v = 0;
	for (; ver_digit(*s); s++)
		if (v < BLS_TRIES_MAX)
			v = v * 10 + (*s - '0');
	*ret = v > BLS_TRIES_MAX ? BLS_TRIES_MAX : (int)v;
	return *s == '\0';
}

/* Id and boot counter from a file name: "name+LEFT-DONE.conf" (Boot counting). */
static void bls_entry_set_name(struct bls_entry *e, const char *dir, const char *file)
{
	size_t n = strlen(file);
	if (n >= 5 && strcasecmp(file + n - 5, ".conf") == 0)
		n -= 5;
	char *stem = xstrndup(file, n);
	e->tries_left = e->tries_done = -1;
	char *plus = strrchr(stem, '+');
	if (plus) {
		char *minus = strchr(plus + 1, '-');
		int left, done = 0;
		bool ok;
		if (minus) {
			*minus = '\0';
			ok = parse_counter(plus + 1, &left) && parse_counter(minus + 1, &done);
			*minus = '-';
		} else {
			ok = parse_counter(plus + 1, &left);
		}
		if (ok) {
			*plus = '\0';
			e->tries_left = left;
			e->tries_done = done;
		}
	}
	e->id = stem;
	e->file = xstrdup(file);
	e->path = dir ? path_join(dir, file) : xstrdup(file);
}

static const struct bls_key *bls_key_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(bls_keys); i++)
		if (strlen(bls_keys[i].name) == len && memcmp(bls_keys[i].name, name, len) == 0)
			return &bls_keys[i];
	return NULL;
}

static bool bls_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split "key value" (entry files and loader.conf alike): blanks around both removed, CR
 * dropped. false for a blank line or a comment. */
static bool bls_split_line(const char *line, size_t n, const char **ret_key, size_t *ret_klen,
			   char **ret_value)
{
	while (n > 0 && bls_blank(*line)) {
		line++;
		n--;
	}
	while (n > 0 && (bls_blank(line[n - 1]) || line[n - 1] == '\r'))
		n--;
	if (n == 0 || line[0] == '#')
		return false;
	size_t klen = 0;
	while (klen < n && !bls_blank(line[klen]))
		klen++;
	size_t v = klen;
	while (v < n && bls_blank(line[v]))
		v++;
	*ret_key = line;
	*ret_klen = klen;
	*ret_value = xstrndup(line + v, n - v);
	return true;
}

/* One line: "key value", value with surrounding blanks removed. */
static void bls_entry_line(struct bls_entry *e, const char *line, size_t n, unsigned lineno)
{
	size_t klen;
	char *value;
	if (!bls_split_line(line, n, &line, &klen, &value))
		return;

	const struct bls_key *key = bls_key_find(line, klen);
	if (!key) {
		log_at(LOG_DEBUG, e->path, lineno, "unknown key '%.*s', ignoring", (int)klen, line);
		free(value);
		return;
	}
	switch (key->kind) {
	case BLS_KEY_SINGLE: {
		char **slot = (char **)((char *)e + key->field);
		free(*slot);
		*slot = NULL;
		if (value[0])
			*slot = value;
		else
			free(value);
		return;
	}
	case BLS_KEY_INITRD:
		if (value[0])
			strv_push(&e->initrds, value);
		else
			free(value);
		return;
	case BLS_KEY_OPTIONS:
		if (value[0])
			strv_push(&e->options, value);
		else
			free(value);
		return;
	case BLS_KEY_OVERLAY:
		log_at(LOG_INFO, e->path, lineno,
		       "devicetree-overlay is not applied by kxboot, ignoring");
		break;
	case BLS_KEY_IGNORED:
		break;
	}
	free(value);
}

/* Parse the text of one entry file into e (named already). -EINVAL when it is no entry. */
static int bls_entry_parse(struct bls_entry *e, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		log_at(LOG_WARN, e->path, line,
		       "NUL byte: not a boot loader entry, ignoring the file");
		return -EINVAL;
	}
	/* A UTF-8 byte order mark is not part of the first key. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	unsigned lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		lineno++;
		if (end - pos > CONFIG_LINE_MAX)
			log_at(LOG_WARN, e->path, lineno, "line longer than %u bytes, ignoring",
			       CONFIG_LINE_MAX);
		else
			bls_entry_line(e, text + pos, end - pos, lineno);
		pos = end + 1;
	}
	if (!e->linux_path && !e->efi) {
		log_at(LOG_WARN, e->path, 0,
		       "neither 'linux' nor 'efi' key, not a boot loader entry, ignoring");
		return -EINVAL;
	}
	return 0;
}

/* ---- $variables, as GRUB expands the options blscfg hands it ---------------------------- */

struct bls_expand {
	bls_getvar_fn getvar;
	void *ctx;
	size_t budget; /* bytes the result may still grow by */
	bool overflow;
};

static void expand_add(struct bls_expand *x, struct strbuf *w, const char *s, size_t n)
{
	if (n > x->budget) {
		n = x->budget;
		x->overflow = true;
	}
	strbuf_add(w, s, n);
	x->budget -= n;
}

static bool var_char(char c)
{
	return ver_alpha(c) || ver_digit(c) || c == '_';
}

/* A variable reference at p ("$name" or "${name}"): its name and where the text goes on.
 * false when the '$' starts none and stands for itself. */
static bool var_ref(const char *p, const char **ret_name, size_t *ret_len, const char **ret_next)
{
	if (p[1] == '{') {
		const char *close = strchr(p + 2, '}');
		if (!close)
			return false;
		*ret_name = p + 2;
		*ret_len = (size_t)(close - (p + 2));
		*ret_next = close + 1;
		return true;
	}
	size_t n = 0;
	while (var_char(p[1 + n]))
		n++;
	if (n == 0)
		return false;
	*ret_name = p + 1;
	*ret_len = n;
	*ret_next = p + 1 + n;
	return true;
}

static void word_end(struct strv *words, struct strbuf *w, bool *started)
{
	if (*started)
		strv_push(words, strbuf_steal(w));
	strbuf_free(w);
	*started = false;
}

/* Split s into words the way GRUB's script lexer reads a command line: blanks separate
 * words, quotes group and are removed, backslash escapes, and an unquoted expansion is split
 * again on blanks (an unset variable expands to nothing). */
static void bls_expand_words(struct bls_expand *x, const char *s, struct strv *words)
{
	struct strbuf w = { 0 };
	bool started = false;
	enum { Q_NONE, Q_SINGLE, Q_DOUBLE } quote = Q_NONE;
	const char *p = s;

	while (*p && !x->overflow) {
		char c = *p;
		if (quote == Q_SINGLE) {
			if (c == '\'')
				quote = Q_NONE;
			else
				expand_add(x, &w, p, 1);
			p++;
			continue;
		}
		if (c == '\\') {
			char n = p[1];
			if (n == '\0') {
				p++;
			} else if (n == '\n') {
				p += 2;
			} else if (quote == Q_NONE || n == '$' || n == '"' || n == '\\') {
				expand_add(x, &w, p + 1, 1);
				started = true;
				p += 2;
			} else {
				expand_add(x, &w, p, 1);
				p++;
			}
			continue;
		}
		if (c == '$') {
			const char *name, *next;
			size_t nlen;
			if (!var_ref(p, &name, &nlen, &next)) {
				expand_add(x, &w, p, 1);
				started = true;
				p++;
				continue;
			}
			char *key = xstrndup(name, nlen);
			const char *value = x->getvar ? x->getvar(x->ctx, key) : NULL;
			free(key);
			if (!value)
				value = "";
			if (quote == Q_DOUBLE) {
				expand_add(x, &w, value, strlen(value));
			} else {
				for (const char *v = value; *v && !x->overflow; v++) {
					if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
						word_end(words, &w, &started);
					} else {
						expand_add(x, &w, v, 1);
						started = true;
					}
				}
			}
			p = next;
			continue;
		}
		if (c == '"') {
			quote = quote == Q_DOUBLE ? Q_NONE : Q_DOUBLE;
			started = true;
			p++;
			continue;
		}
		if (quote == Q_NONE && c == '\'') {
			quote = Q_SINGLE;
			started = true;
			p++;
			continue;
		}
		if (quote == Q_NONE && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			word_end(words, &w, &started);
			p++;
			continue;
		}
		expand_add(x, &w, p, 1);
		started = true;
		p++;
	}
	word_end(words, &w, &started);
}

/* GRUB's loader command line (lib/cmdline.c): words joined by one space, a word holding a
 * space put in double quotes, and '\\', '\'' and '"' escaped with a backslash. */
static char *grub_cmdline_join(const struct strv *words)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < words->n; i++) {
		const char *word = words->v[i];
		bool space = strchr(word, ' ') != NULL;
		if (i)
			strbuf_addc(&sb, ' ');
		if (space)
			strbuf_addc(&sb, '"');
		for (const char *c = word; *c; c++) {
			if (*c == '\\' || *c == '\'' || *c == '"')
				strbuf_addc(&sb, '\\');
			strbuf_addc(&sb, *c);
		}
		if (space)
			strbuf_addc(&sb, '"');
	}
	return strbuf_steal(&sb);
}

/* ---- grubenv of a Fedora-style system, for the standalone format ---------------------- */

struct bls_var {
	char *name;
	char *value;
	size_t seq; /* order in the file */
};

/* Variables of a grubenv, sorted by name once read so that lookups stay cheap. */
struct bls_vars {
	struct bls_var *v;
	size_t n;
};

static void bls_vars_set(void *ctx, const char *name, const char *value)
{
	struct bls_vars *vars = ctx;
	if (vars->n >= GRUB_VARS_MAX)
		return;
	vars->v = xreallocarray(vars->v, vars->n + 1, sizeof(*vars->v));
	vars->v[vars->n] = (struct bls_var){ xstrdup(name), xstrdup(value), vars->n };
	vars->n++;
}

static int bls_var_compare(const void *pa, const void *pb)
{
	const struct bls_var *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);
	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void bls_vars_free(struct bls_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++) {
		free(vars->v[i].name);
		free(vars->v[i].value);
	}
	free(vars->v);
	*vars = (struct bls_vars){ 0 };
}

/* Sort by name and keep the last value set of each, as when GRUB's load_env sets each in
 * turn. */
static void bls_vars_index(struct bls_vars *vars)
{
	if (vars->n < 2)
		return;
	qsort(vars->v, vars->n, sizeof(*vars->v), bls_var_compare);
	size_t kept = 0;
	for (size_t i = 0; i < vars->n; i++) {
		if (i + 1 < vars->n && strcmp(vars->v[i].name, vars->v[i + 1].name) == 0) {
			free(vars->v[i].name);
			free(vars->v[i].value);
			continue;
		}
		vars->v[kept++] = vars->v[i];
	}
	vars->n = kept;
}

static int bls_var_find(const void *key, const void *elem)
{
	return strcmp(key, ((const struct bls_var *)elem)->name);
}

static const char *bls_vars_get(void *ctx, const char *name)
{
	const struct bls_vars *vars = ctx;
	if (!vars->n)
		return NULL;
	const struct bls_var *hit = bsearch(name, vars->v, vars->n, sizeof(*vars->v), bls_var_find);
	return hit ? hit->value : NULL;
}

static bool grubenv_try(const struct lookup *lk, const char *device, const char *path,
			struct bls_vars *vars)
{
	char *text = NULL;
	size_t len = 0;
	int r = lookup_read(lk, device, path, GRUBENV_SIZE_MAX, &text, &len);
	if (r == -ENOENT || r == -EISDIR || r == -ENOTDIR)
		return false;
	if (r < 0) {
		log_at(LOG_WARN, path, 0, "cannot read: %s, ignoring", strerror(-r));
		return false;
	}
	r = grubenv_parse(text, len, bls_vars_set, vars);
	free(text);
	if (r < 0) {
		log_at(LOG_WARN, path, 0, "not a GRUB environment block, ignoring");
		bls_vars_free(vars);
		return false;
	}
	bls_vars_index(vars);
	log_debug("Using GRUB variables from %s for BLS options", path);
	return true;
}

/* Entries written for GRUB's blscfg ("options $kernelopts") take their values from the
 * grubenv that Fedora-style systems keep on the same volume. */
static void grubenv_find(const struct lookup *lk, const char *device, struct bls_vars *vars)
{
	static const char *const paths[] = { "/grub2/grubenv", "/boot/grub2/grubenv" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (grubenv_try(lk, device, paths[i], vars))
			return;
	char **names = NULL;
	size_t n = 0;
	if (lookup_list(lk, device, "/EFI", &names, &n) < 0)
		return;
	bool found = false;
	for (size_t i = 0; i < n && i < DIR_ENTRIES_MAX && !found; i++) {
		char *path = xasprintf("/EFI/%s/grubenv", names[i]);
		found = grubenv_try(lk, device, path, vars);
		free(path);
	}
	strv_free_array(names);
}

/* ---- from entry files to menu items ------------------------------------------------- */

static bool bls_has_var(const char *s)
{
	return strchr(s, '$') != NULL;
}

/* The kernel command line: `options` values joined by one space, as written (systemd-boot),
 * or, when a value refers to variables and there is a way to look them up, through GRUB's
 * expansion. */
static char *bls_cmdline(const struct bls_entry *e, bls_getvar_fn getvar, void *ctx)
{
	if (e->options.n == 0)
		return NULL;
	struct strbuf joined = { 0 };
	for (size_t i = 0; i < e->options.n; i++) {
		if (i)
			strbuf_addc(&joined, ' ');
		strbuf_adds(&joined, e->options.v[i]);
	}
	if (!getvar || !bls_has_var(joined.buf)) {
		if (joined.len > CONFIG_LINE_MAX) {
			log_at(LOG_WARN, e->path, 0,
			       "options longer than %u bytes, ignoring the rest", CONFIG_LINE_MAX);
			joined.buf[CONFIG_LINE_MAX] = '\0';
		}
		return strbuf_steal(&joined);
	}
	struct bls_expand x = { .getvar = getvar, .ctx = ctx, .budget = CONFIG_LINE_MAX };
	struct strv words = { 0 };
	bls_expand_words(&x, joined.buf, &words);
	strbuf_free(&joined);
	if (x.overflow)
		log_at(LOG_WARN, e->path, 0,
		       "options longer than %u bytes once expanded, ignoring the rest",
		       CONFIG_LINE_MAX);
	char *cmdline = grub_cmdline_join(&words);
	strv_free(&words);
	return cmdline;
}

static void bls_add_initrds(struct boot_entry *be, const struct bls_entry *e, const char *device,
			    bls_getvar_fn getvar, void *ctx)
{
	for (size_t i = 0; i < e->initrds.n; i++) {
		const char *value = e->initrds.v[i];
		if (!getvar || !bls_has_var(value)) {
			char *path = path_normalize(value);
			boot_entry_add_initrd(be, device, path);
			free(path);
			continue;
		}
		/* GRUB reads "initrd /a.img $tuned_initrd" as one path per word. */
		struct bls_expand x = { .getvar = getvar, .ctx = ctx, .budget = CONFIG_LINE_MAX };
		struct strv words = { 0 };
		bls_expand_words(&x, value, &words);
		if (x.overflow)
			log_at(LOG_WARN, e->path, 0,
			       "initrd longer than %u bytes once expanded, ignoring the rest",
			       CONFIG_LINE_MAX);
		for (size_t k = 0; k < words.n; k++) {
			if (!words.v[k][0])
				continue;
			char *path = path_normalize(words.v[k]);
			boot_entry_add_initrd(be, device, path);
			free(path);
		}
		strv_free(&words);
	}
}

static bool bls_arch_matches(const struct bls_entry *e)
{
	return !e->architecture || strcasecmp(e->architecture, BLS_LOCAL_ARCH) == 0;
}

/* The title shown for an entry. The specification makes `title` optional and says the file
 * name "shall never be presented to the user", so without a title the entry is named by its
 * version, then by what it boots. */
static const char *bls_title(const struct bls_entry *e)
{
	if (e->title)
		return e->title;
	if (e->version)
		return e->version;
	return e->linux_path ? e->linux_path : e->efi;
}

/* Turn parsed entries (already sorted) into menu items; returns how many were added. */
static size_t bls_append(struct bls_entry *v, size_t n, enum bls_mode mode, const char *device,
			 bls_getvar_fn getvar, void *ctx, struct menu *m,
			 const struct menu_level *parents, size_t depth, unsigned first_index)
{
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bls_entry *e = &v[i];
		if (!e->linux_path && mode == BLS_MODE_GRUB) {
			log_at(LOG_DEBUG, e->path, 0, "no 'linux' key, not a GRUB menu entry");
			continue;
		}
		if (m->n_entries >= MENU_ENTRIES_MAX) {
			log_at(LOG_WARN, e->path, 0, "more than %u menu entries, ignoring the rest",
			       MENU_ENTRIES_MAX);
			break;
		}
		struct boot_entry *be = menu_add_entry(m, parents, depth, bls_title(e), e->id,
						       first_index + (unsigned)added);
		added++;
		be->kind = BOOT_KIND_LINUX;
		be->source_file = xstrdup(e->path);
		be->source_line = 1;
		if (!e->linux_path) {
			log_at(LOG_DEBUG, e->path, 0, "'efi' program, not bootable by kexec");
			continue;
		}
		char *kernel = path_normalize(e->linux_path);
		boot_file_set(&be->kernel, device, kernel);
		free(kernel);
		be->bootable = true;
		bls_add_initrds(be, e, device, getvar, ctx);
		be->cmdline = bls_cmdline(e, getvar, ctx);
		if (e->devicetree) {
			char *dtb = path_normalize(e->devicetree);
			boot_file_set(&be->devicetree, device, dtb);
			free(dtb);
		}
	}
	return added;
}

static bool bls_is_entry_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && strcasecmp(name + n - 5, ".conf") == 0;
}

/* Read every entry file of dir, drop what the specification hides, and sort. */
static int bls_read_dir(const struct lookup *lk, const char *device, const char *dir,
			struct bls_entry **ret, size_t *ret_n)
{
	char **names = NULL;
	size_t count = 0;
	int r = lookup_list(lk, device, dir, &names, &count);
	if (r < 0)
		return r;
	if (count > DIR_ENTRIES_MAX) {
		log_at(LOG_WARN, dir, 0, "more than %u names, ignoring the rest", DIR_ENTRIES_MAX);
		count = DIR_ENTRIES_MAX;
	}
	struct bls_entry *v = NULL;
	size_t n = 0, files = 0;
	for (size_t i = 0; i < count; i++) {
		if (!bls_is_entry_name(names[i]))
			continue;
		if (files++ == BLS_ENTRIES_MAX) {
			log_at(LOG_WARN, dir, 0, "more than %u entry files, ignoring the rest",
			       BLS_ENTRIES_MAX);
			break;
		}
		struct bls_entry e = { 0 };
		bls_entry_set_name(&e, dir, names[i]);
		char *text = NULL;
		size_t len = 0;
		r = lookup_read(lk, device, e.path, CONFIG_FILE_MAX, &text, &len);
		if (r == -EISDIR) {
			bls_entry_free(&e);
			continue;
		}
		if (r == -EFBIG)
			log_at(LOG_WARN, e.path, 0, "larger than %u bytes, ignoring",
			       CONFIG_FILE_MAX);
		else if (r < 0)
			log_at(LOG_WARN, e.path, 0, "cannot read: %s, ignoring", strerror(-r));
		if (r < 0 || bls_entry_parse(&e, text, len) < 0) {
			free(text);
			bls_entry_free(&e);
			continue;
		}
		free(text);
		if (!bls_arch_matches(&e)) {
			log_at(LOG_DEBUG, e.path, 0, "for architecture '%s', not " BLS_LOCAL_ARCH
			       ", hidden", e.architecture);
			bls_entry_free(&e);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = e;
	}
	strv_free_array(names);
	bls_sort(v, n);
	*ret = v;
	*ret_n = n;
	return 0;
}

int bls_append_entries(const struct lookup *lk, const char *device, const char *dir,
		       const struct bls_options *opts, struct menu *m,
		       const struct menu_level *parents, size_t depth, unsigned first_index)
{
	struct bls_entry *v = NULL;
	size_t n = 0;
	int r = bls_read_dir(lk, device, dir, &v, &n);
	if (r < 0)
		return r;
	size_t added = bls_append(v, n, BLS_MODE_GRUB, device, opts ? opts->getvar : NULL,
				  opts ? opts->getvar_ctx : NULL, m, parents, depth, first_index);
	bls_entries_free(v, n);
	return (int)added;
}

/* ---- standalone: loader/loader.conf ------------------------------------------------- */

/* Does the loader.conf `default` glob select this entry? systemd-boot matches the entry's
 * file name; the id without ".conf" is accepted too. */
static bool bls_default_matches(const char *pattern, const struct boot_entry *e)
{
	if (!e->id)
		return false;
	if (fnmatch(pattern, e->id, FNM_CASEFOLD) == 0)
		return true;
	char *conf = xasprintf("%s.conf", e->id);
	bool hit = fnmatch(pattern, conf, FNM_CASEFOLD) == 0;
	free(conf);
	if (!hit && e->source_file) {
		const char *base = strrchr(e->source_file, '/');
		hit = fnmatch(pattern, base ? base + 1 : e->source_file, FNM_CASEFOLD) == 0;
	}
	return hit;
}

static void loader_conf_timeout(struct menu *m, const char *path, unsigned lineno,
				const char *value)
{
	long t;
	if (strcmp(value, "menu-force") == 0) {
		m->has_timeout = true;
		m->timeout = -1;
		m->hidden = false;
	} else if (strcmp(value, "menu-hidden") == 0 || strcmp(value, "menu-disabled") == 0) {
		m->has_timeout = true;
		m->timeout = 0;
		m->hidden = true;
	} else if (str_to_long(value, 10, &t) == 0 && t >= 0 && t <= INT32_MAX) {
		m->has_timeout = true;
		m->timeout = (int)t;
		m->hidden = t == 0;
	} else {
		log_at(LOG_WARN, path, lineno, "timeout '%s' is not a number of seconds, ignoring",
		       value);
	}
}

/* Apply loader.conf's `default` and `timeout` (loader.conf(5)); other settings concern the
 * firmware menu only. */
static void loader_conf_apply(const struct lookup *lk, const char *device, const char *path,
			      struct menu *m)
{
	char *text = NULL;
	size_t len = 0;
	char *pattern = NULL;
	unsigned pattern_line = 0;

	m->default_index = m->n_entries ? 0 : -1;
	int r = lookup_read(lk, device, path, CONFIG_FILE_MAX, &text, &len);
	if (r == -EFBIG)
		log_at(LOG_WARN, path, 0, "larger than %u bytes, ignoring", CONFIG_FILE_MAX);
	else if (r < 0 && r != -ENOENT && r != -EISDIR && r != -ENOTDIR)
		log_at(LOG_WARN, path, 0, "cannot read: %s, ignoring", strerror(-r));
	if (r < 0)
		return;

	unsigned lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *line = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		lineno++;
		if (n > CONFIG_LINE_MAX) {
			log_at(LOG_WARN, path, lineno, "line longer than %u bytes, ignoring",
			       CONFIG_LINE_MAX);
			continue;
		}
		const char *k;
		size_t klen;
		char *value;
		if (!bls_split_line(line, n, &k, &klen, &value))
			continue;
		char *key = xstrndup(k, klen);
		if (strcmp(key, "default") == 0) {
			free(pattern);
			pattern = value;
			pattern_line = lineno;
			value = NULL;
		} else if (strcmp(key, "timeout") == 0) {
			loader_conf_timeout(m, path, lineno, value);
		}
		free(key);
		free(value);
	}
	free(text);

	if (!pattern || !pattern[0] || !m->n_entries) {
		free(pattern);
		return;
	}
	if (pattern[0] == '@') {
		/* @saved and friends name an EFI variable kxboot cannot read. */
		log_at(LOG_DEBUG, path, pattern_line,
		       "default '%s' needs systemd-boot's EFI variables, using the first entry",
		       pattern);
	} else {
		/* The entries are in the specification's order, best first: the first match is
		 * the newest one. */
		size_t i;
		for (i = 0; i < m->n_entries; i++)
			if (bls_default_matches(pattern, &m->entries[i]))
				break;
		if (i < m->n_entries)
			m->default_index = (int)i;
		else
			log_at(LOG_WARN, path, pattern_line,
			       "default '%s' matches no entry, using the first", pattern);
	}
	free(pattern);
}

static void bls_menu_init(const struct config_source *src, struct menu *m)
{
	m->format = "bls";
	m->source_path = xstrdup(src->path);
	m->source_device = src->device ? xstrdup(src->device) : NULL;
	m->default_index = -1;
}

/* A directory of entries with loader.conf next to it, as systemd-boot boots it. */
static int bls_load(const struct config_source *src, struct menu *m)
{
	struct bls_vars vars = { 0 };
	struct bls_entry *v = NULL;
	size_t n = 0;
	char *dir = path_normalize(src->path);
	int r = bls_read_dir(src->lookup, src->device, dir, &v, &n);
	if (r < 0) {
		free(dir);
		return r;
	}
	bls_menu_init(src, m);
	grubenv_find(src->lookup, src->device, &vars);
	size_t added = bls_append(v, n, BLS_MODE_STANDALONE, src->device, bls_vars_get, &vars, m,
				  NULL, 0, 0);
	bls_entries_free(v, n);
	bls_vars_free(&vars);
	if (added == 0) {
		log_at(LOG_WARN, src->path, 0, "no boot loader entries");
		free(dir);
		return -ENOENT;
	}
	/* loader/entries/ -> loader/loader.conf */
	char *conf = path_join_dir(dir, "loader.conf");
	loader_conf_apply(src->lookup, src->device, conf, m);
	free(conf);
	free(dir);
	return 0;
}

/* One entry file given on its own (`kxboot list --config x.conf --format bls`). */
static int bls_parse(const struct config_source *src, const char *text, size_t len,
		     struct menu *m)
{
	struct bls_entry e = { 0 };
	const char *base = strrchr(src->path, '/');
	bls_entry_set_name(&e, NULL, base ? base + 1 : src->path);
	free(e.path);
	e.path = xstrdup(src->path);
	if (bls_entry_parse(&e, text, len) < 0) {
		bls_entry_free(&e);
		return -EINVAL;
	}
	bls_menu_init(src, m);
	if (!bls_arch_matches(&e)) {
		log_at(LOG_WARN, src->path, 0,
		       "for architecture '%s', not " BLS_LOCAL_ARCH ", hidden", e.architecture);
		bls_entry_free(&e);
		return 0;
	}
	struct bls_vars vars = { 0 };
	grubenv_find(src->lookup, src->device, &vars);
	bls_append(&e, 1, BLS_MODE_STANDALONE, src->device, bls_vars_get, &vars, m, NULL, 0, 0);
	bls_vars_free(&vars);
	bls_entry_free(&e);
	m->default_index = m->n_entries ? 0 : -1;
	return 0;
}

static const char *const bls_paths[] = { "/loader/entries", "/boot/loader/entries", NULL };

const struct config_format config_format_bls = {
	.name = "bls",
	.paths = bls_paths,
	.parse = bls_parse,
	.load = bls_load,
};
