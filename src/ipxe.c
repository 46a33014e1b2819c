/* ipxe.c — iPXE scripts run as iPXE runs them: the script language of
 * https://ipxe.org/scripting (lines, :labels, goto, && || ;, # comments, backslash
 * continuations, as iPXE's src/image/script.c and src/core/exec.c), the commands of
 * https://ipxe.org/cmd with iPXE's option rules (src/core/getopt.c), settings and their
 * types (https://ipxe.org/cfg, https://ipxe.org/cfgtype, src/core/settings.c), and the
 * image list (src/core/image.c, src/hci/commands/image_cmd.c). ipxe.h says how a run
 * becomes menu entries. */
#include "ipxe.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "log.h"
#include "util.h"

#define IPXE_WARNINGS_REMEMBERED 256 /* distinct warnings kept to say each one once */
#define IPXE_MENUS_MAX		 64  /* menus (menu --name) defined at once */

/* iPXE's isspace(): the C locale's blanks, whatever the locale. */
static bool ipxe_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* iPXE's parse_integer(): strtoul(s, &end, 0) that must use the whole word. */
static int parse_uint(const char *s, unsigned long *ret)
{
	char *end;
	if (!*s)
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (*end || errno)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* ---- setting types (https://ipxe.org/cfgtype) ----------------------------------------------- */

struct ipxe_type {
	const char *name;
	/* Text to raw bytes appended to raw: 0 or -EINVAL. */
	int (*parse)(const struct ipxe_type *t, const char *text, struct strbuf *raw);
	/* Raw bytes to text appended to out: 0, or -EINVAL/-ERANGE when they do not fit. */
	int (*format)(const struct ipxe_type *t, const unsigned char *raw, size_t len,
		      struct strbuf *out);
	unsigned size;	    /* integer types: bytes */
	bool is_signed;	    /* integer types */
	char delimiter;	    /* hex types: between bytes ('\0': none) */
	bool little_endian; /* guid: the first three UUID fields byte-swapped */
};

static int string_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	strbuf_adds(raw, text);
	return 0;
}

static int string_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
			 struct strbuf *out)
{
	/* iPXE copies the bytes into a C string: it ends at the first NUL. */
	strbuf_add(out, (const char *)raw, len ? strnlen((const char *)raw, len) : 0);
	return 0;
}

static int uristring_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	for (const char *s = text; *s; s++) {
		int hi, lo;
		if (s[0] == '%' && (hi = hex_value(s[1])) >= 0 && (lo = hex_value(s[2])) >= 0) {
			strbuf_addc(raw, (char)(hi << 4 | lo));
			s += 2;
		} else {
			strbuf_addc(raw, *s);
		}
	}
	return 0;
}

static int uristring_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
			    struct strbuf *out)
{
	/* What may stand unescaped in a URI fragment (RFC 3986 3.5). */
	static const char allowed[] = "-._~!$&'()*+,;=:@/?";
	for (size_t i = 0; i < len && raw[i]; i++) {
		unsigned char c = raw[i];
		if (isalnum(c) || strchr(allowed, c)) {
			strbuf_addc(out, (char)c);
		} else {
			char b[3] = { '%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15] };
			strbuf_add(out, b, 3);
		}
	}
	return 0;
}

static int ipv4_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	unsigned char bytes[4];
	const char *s = text;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (v > 255 || ++digits > 3)
				return -EINVAL;
		}
		if (!digits || (i < 3 && *s++ != '.'))
			return -EINVAL;
		bytes[i] = (unsigned char)v;
	}
	if (*s)
		return -EINVAL;
	strbuf_add(raw, (const char *)bytes, sizeof(bytes));
	return 0;
}

static int ipv4_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
		       struct strbuf *out)
{
	if (len < 4)
		return -EINVAL;
	strbuf_addf(out, "%u.%u.%u.%u", raw[0], raw[1], raw[2], raw[3]);
	return 0;
}

/* Integers are stored big-endian in t->size bytes, as DHCP options are. */
static int int_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	char *end;
	if (!*text)
		return -EINVAL;
	unsigned long long v = strtoull(text, &end, 0);
	if (*end)
		return -EINVAL;
	for (unsigned i = 0; i < t->size; i++)
		strbuf_addc(raw, (char)(v >> (8 * (t->size - 1 - i))));
	return 0;
}

static int int_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
		      struct strbuf *out)
{
	if (len > sizeof(unsigned long))
		return -ERANGE;
	unsigned long u = 0;
	unsigned long s = (len && (raw[0] & 0x80)) ? ~0ul : 0;
	for (size_t i = 0; i < len; i++) {
		u = (u << 8) | raw[i];
		s = (s << 8) | raw[i];
	}
	if (t->is_signed)
		strbuf_addf(out, "%ld", (long)s);
	else
		strbuf_addf(out, "%#lx", u);
	return 0;
}

/* Bytes as hex numbers separated by ':' or '-', as iPXE's parse_hex_setting() reads them. */
static int hex_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	const char *s = text;
	for (;;) {
		unsigned long v = 0;
		int d;
		while ((d = hex_value(*s)) >= 0) {
			v = v > 0xffffff ? ~0ul : (v << 4) | (unsigned)d;
			s++;
		}
		strbuf_addc(raw, (char)(v & 0xff));
		if (*s == '\0')
			return 0;
		if (*s != ':' && *s != '-')
			return -EINVAL;
		s++;
	}
}

static int hexraw_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	for (const char *s = text; *s; s += 2) {
		int hi = hex_value(s[0]), lo = hi >= 0 ? hex_value(s[1]) : -1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		strbuf_addc(raw, (char)(hi << 4 | lo));
	}
	return 0;
}

static const char hex_digits[] = "0123456789abcdef";

static int hex_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
		      struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		char b[3] = { t->delimiter, hex_digits[raw[i] >> 4], hex_digits[raw[i] & 15] };
		bool delimit = i && t->delimiter;
		strbuf_add(out, delimit ? b : b + 1, delimit ? 3 : 2);
	}
	return 0;
}

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int base64_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	unsigned long bits = 0;
	unsigned n = 0;
	for (const char *s = text; *s && *s != '='; s++) {
		const char *at = strchr(base64_alphabet, *s);
		if (!at)
			return -EINVAL;
		bits = (bits << 6) | (unsigned long)(at - base64_alphabet);
		n += 6;
		if (n >= 8) {
			n -= 8;
			strbuf_addc(raw, (char)(bits >> n));
		}
	}
	return 0;
}

static int base64_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
			 struct strbuf *out)
{
	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)raw[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)raw[i + 1] << 8;
		if (i + 2 < len)
			v |= raw[i + 2];
		strbuf_addc(out, base64_alphabet[(v >> 18) & 63]);
		strbuf_addc(out, base64_alphabet[(v >> 12) & 63]);
		strbuf_addc(out, i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=');
		strbuf_addc(out, i + 2 < len ? base64_alphabet[v & 63] : '=');
	}
	return 0;
}

/* The byte order of a UUID's text form: RFC 4122 (network order), or for a GUID the first
 * three fields little-endian. */
static void uuid_order(const struct ipxe_type *t, unsigned char order[16])
{
	static const unsigned char swapped[16] = { 3, 2, 1,  0,	 5,  4,	 7,  6,
						   8, 9, 10, 11, 12, 13, 14, 15 };
	for (unsigned i = 0; i < 16; i++)
		order[i] = t->little_endian ? swapped[i] : (unsigned char)i;
}

static int uuid_parse(const struct ipxe_type *t, const char *text, struct strbuf *raw)
{
	unsigned char bytes[16], order[16];
	const char *s = text;
	uuid_order(t, order);
	for (unsigned i = 0; i < 16; i++) {
		if ((i == 4 || i == 6 || i == 8 || i == 10) && *s++ != '-')
			return -EINVAL;
		int hi = hex_value(s[0]), lo = hi >= 0 ? hex_value(s[1]) : -1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		bytes[order[i]] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	if (*s)
		return -EINVAL;
	strbuf_add(raw, (const char *)bytes, sizeof(bytes));
	return 0;
}

static int uuid_format(const struct ipxe_type *t, const unsigned char *raw, size_t len,
		       struct strbuf *out)
{
	unsigned char order[16];
	if (len != 16)
		return -ERANGE;
	uuid_order(t, order);
	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			strbuf_addc(out, '-');
		strbuf_addf(out, "%02x", raw[order[i]]);
	}
	return 0;
}

static const struct ipxe_type ipxe_types[] = {
	{ .name = "string", .parse = string_parse, .format = string_format },
	{ .name = "uristring", .parse = uristring_parse, .format = uristring_format },
	{ .name = "ipv4", .parse = ipv4_parse, .format = ipv4_format },
	{ .name = "int8", .parse = int_parse, .format = int_format, .size = 1, .is_signed = true },
	{ .name = "int16", .parse = int_parse, .format = int_format, .size = 2, .is_signed = true },
	{ .name = "int32", .parse = int_parse, .format = int_format, .size = 4, .is_signed = true },
	{ .name = "uint8", .parse = int_parse, .format = int_format, .size = 1 },
	{ .name = "uint16", .parse = int_parse, .format = int_format, .size = 2 },
	{ .name = "uint32", .parse = int_parse, .format = int_format, .size = 4 },
	{ .name = "hex", .parse = hex_parse, .format = hex_format, .delimiter = ':' },
	{ .name = "hexhyp", .parse = hex_parse, .format = hex_format, .delimiter = '-' },
	{ .name = "hexraw", .parse = hexraw_parse, .format = hex_format },
	{ .name = "base64", .parse = base64_parse, .format = base64_format },
	{ .name = "uuid", .parse = uuid_parse, .format = uuid_format },
	{ .name = "guid", .parse = uuid_parse, .format = uuid_format, .little_endian = true },
};

static const struct ipxe_type *type_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipxe_types); i++)
		if (strcmp(ipxe_types[i].name, name) == 0)
			return &ipxe_types[i];
	return NULL;
}

/* iPXE's named settings that are not strings (https://ipxe.org/cfg): `set ip 10.0.0.1`
 * stores an IPv4 address, ${mac} formats as hex. */
static const struct ipxe_type *type_of_setting(const char *name)
{
	static const struct {
		const char *name, *type;
	} named[] = {
		{ "mac", "hex" },
		{ "busid", "hex" },
		{ "busloc", "uint32" },
		{ "ip", "ipv4" },
		{ "netmask", "ipv4" },
		{ "gateway", "ipv4" },
		{ "dns", "ipv4" },
		{ "next-server", "ipv4" },
		{ "syslog", "ipv4" },
		{ "uuid", "uuid" },
		{ "priority", "int8" },
		{ "keep-san", "int8" },
		{ "skip-san-boot", "int8" },
		{ "active-scan", "int8" },
		{ "mtu", "uint16" },
		{ "sysmac", "hex" },
		{ "memsize", "int32" },
		{ "unixtime", "uint32" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(named); i++)
		if (strcmp(named[i].name, name) == 0)
			return type_by_name(named[i].type);
	return type_by_name("string");
}

/* ---- settings ------------------------------------------------------------------------------- */

/* One setting: scope is the settings block ("" for the root, "net0", "net0.dhcp",
 * "smbios", "builtin"). */
struct ipxe_setting {
	char *scope;
	char *name;
	const struct ipxe_type *type;
	char *raw; /* len bytes (and a NUL after them) */
	size_t len;
};

struct ipxe_settings {
	struct ipxe_setting *v;
	size_t n;
};

/* A setting name as scripts write it: "[scope/]name[:type]". */
struct ipxe_name {
	char *scope; /* NULL: none given */
	char *name;
	const struct ipxe_type *type; /* NULL: none given */
};

static void name_clear(struct ipxe_name *n)
{
	free(n->scope);
	free(n->name);
	*n = (struct ipxe_name){ 0 };
}

/* parse_setting_name(): -ENOTSUP for an unknown type. The scope "netX" (and "netX.dhcp")
 * is the last opened NIC, which for kxboot is net0. */
static int name_parse(const char *text, struct ipxe_name *ret)
{
	const char *slash = strchr(text, '/');
	const char *setting = slash ? slash + 1 : text;
	const char *colon = strchr(setting, ':');
	const struct ipxe_type *type = NULL;
	if (colon && !(type = type_by_name(colon + 1)))
		return -ENOTSUP;
	*ret = (struct ipxe_name){ .type = type };
	if (slash) {
		size_t n = (size_t)(slash - text);
		if (n >= 4 && strncmp(text, "netX", 4) == 0 && (n == 4 || text[4] == '.'))
			ret->scope = xasprintf("net0%.*s", (int)(n - 4), text + 4);
		else
			ret->scope = xstrndup(text, n);
	}
	ret->name = colon ? xstrndup(setting, (size_t)(colon - setting)) : xstrdup(setting);
	return 0;
}

static void settings_free(struct ipxe_settings *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].scope);
		free(ss->v[i].name);
		free(ss->v[i].raw);
	}
	free(ss->v);
	*ss = (struct ipxe_settings){ 0 };
}

static void settings_copy(struct ipxe_settings *dst, const struct ipxe_settings *src)
{
	*dst = (struct ipxe_settings){ 0 };
	if (!src->n)
		return;
	dst->v = xcalloc(src->n, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++) {
		const struct ipxe_setting *s = &src->v[i];
		dst->v[i] = (struct ipxe_setting){ .scope = xstrdup(s->scope),
						   .name = xstrdup(s->name),
						   .type = s->type,
						   .raw = xstrndup(s->raw, s->len),
						   .len = s->len };
	}
	dst->n = src->n;
}

/* Store text as the named setting (NULL or "" deletes it, as `set name` with no value does):
 * 0, -EINVAL when the text is not of the setting's type, -ENOSPC when too many are set. */
static int settings_store(struct ipxe_settings *ss, const struct ipxe_name *n, const char *text)
{
	const char *scope = n->scope ? n->scope : "";
	const struct ipxe_type *type = n->type ? n->type : type_of_setting(n->name);
	struct strbuf raw = { 0 };
	if (text && *text) {
		int r = type->parse(type, text, &raw);
		if (r < 0) {
			strbuf_free(&raw);
			return r;
		}
	}
	size_t at = ss->n;
	for (size_t i = 0; i < ss->n && at == ss->n; i++)
		if (strcmp(ss->v[i].scope, scope) == 0 && strcmp(ss->v[i].name, n->name) == 0)
			at = i;
	if (raw.len == 0) {
		if (at < ss->n) {
			free(ss->v[at].scope);
			free(ss->v[at].name);
			free(ss->v[at].raw);
			memmove(&ss->v[at], &ss->v[at + 1], (ss->n - at - 1) * sizeof(*ss->v));
			ss->n--;
		}
		strbuf_free(&raw);
		return 0;
	}
	if (at == ss->n) {
		if (ss->n >= IPXE_SETTINGS_MAX) {
			strbuf_free(&raw);
			return -ENOSPC;
		}
		ss->v = xreallocarray(ss->v, ss->n + 1, sizeof(*ss->v));
		ss->v[ss->n++] =
			(struct ipxe_setting){ .scope = xstrdup(scope), .name = xstrdup(n->name) };
	}
	struct ipxe_setting *s = &ss->v[at];
	free(s->raw);
	s->type = type;
	s->len = raw.len;
	s->raw = strbuf_steal(&raw);
	return 0;
}

/* Index of the first setting in the block scope[0..len) or below it: the order in which
 * blocks appeared stands for the order iPXE registered them in. */
static size_t block_first_seen(const struct ipxe_settings *ss, const char *scope, size_t len)
{
	for (size_t i = 0; i < ss->n; i++)
		if (strncmp(ss->v[i].scope, scope, len) == 0 &&
		    (ss->v[i].scope[len] == '\0' || ss->v[i].scope[len] == '.'))
			return i;
	return ss->n;
}

/* The setting a name refers to, found as iPXE searches settings blocks: the named block (the
 * root when the name has no scope) first, then the blocks below it depth first, each before
 * the blocks below it. */
static const struct ipxe_setting *settings_fetch(const struct ipxe_settings *ss,
						 const struct ipxe_name *n)
{
	const char *scope = n->scope ? n->scope : "";
	size_t sl = strlen(scope);
	const struct ipxe_setting *best = NULL;
	size_t best_block = 0, best_depth = 0;
	for (size_t i = 0; i < ss->n; i++) {
		const struct ipxe_setting *s = &ss->v[i];
		if (strcmp(s->name, n->name) != 0 || strncmp(s->scope, scope, sl) != 0)
			continue;
		if (s->scope[sl] == '\0')
			return s;
		if (sl && s->scope[sl] != '.')
			continue;
		/* Below the named block: rank by the child block it is in, then by depth. */
		const char *child = s->scope + sl + (sl ? 1 : 0);
		size_t block = block_first_seen(ss, s->scope,
						(size_t)(child - s->scope) + strcspn(child, "."));
		size_t depth = 0;
		for (const char *c = child; *c; c++)
			depth += *c == '.';
		if (!best || block < best_block || (block == best_block && depth < best_depth)) {
			best = s;
			best_block = block;
			best_depth = depth;
		}
	}
	return best;
}

/* The settings a caller gives every script (ipxe_set_default_vars), as name/value pairs. */
static struct strv ipxe_default_vars;

void ipxe_set_default_vars(const char *const *name_value_pairs)
{
	strv_free(&ipxe_default_vars);
	for (size_t i = 0; name_value_pairs && name_value_pairs[i] && name_value_pairs[i + 1];
	     i += 2) {
		strv_pushs(&ipxe_default_vars, name_value_pairs[i]);
		strv_pushs(&ipxe_default_vars, name_value_pairs[i + 1]);
	}
}

/* ---- scripts -------------------------------------------------------------------------------- */

/* A logical line (continuations joined) split as process_script() splits it. */
struct ipxe_line {
	unsigned lineno;
	char *label;   /* ":label" at the start, without the colon; NULL when none */
	char *command; /* the rest of the line, run like any other */
};

struct ipxe_label {
	const char *label;
	size_t line; /* index into lines */
};

struct ipxe_script {
	char *name; /* for messages: the path, or the URI of a file on a server */
	struct ipxe_line *lines;
	size_t n_lines;
	struct ipxe_label *labels; /* sorted by label, then by position */
	size_t n_labels;
};

/* "#!ipxe" (or gPXE's "#!gpxe") and a blank, as iPXE's script_probe() wants them. */
static bool ipxe_is_script(const char *text, size_t len)
{
	return len >= 7 && (memcmp(text, "#!ipxe", 6) == 0 || memcmp(text, "#!gpxe", 6) == 0) &&
	       ipxe_isspace(text[6]);
}

static int label_cmp(const void *a, const void *b)
{
	const struct ipxe_label *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void script_free(struct ipxe_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_lines; i++) {
		free(s->lines[i].label);
		free(s->lines[i].command);
	}
	free(s->lines);
	free(s->labels);
	free(s->name);
	free(s);
}

/* Split a script into lines: '\n' ends a line, a '\r' before it is dropped, a trailing '\\'
 * joins the next line (a script that ends inside a continuation loses that line, as in
 * iPXE). A line that starts (after blanks) with ':' has a label up to the next blank. */
static struct ipxe_script *script_new(const char *name, const char *text, size_t len)
{
	struct ipxe_script *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	struct strbuf line = { 0 };
	size_t pos = 0;
	unsigned lineno = 1;
	while (pos < len) {
		unsigned start = lineno;
		bool too_long = false, complete = false;
		line.len = 0;
		while (pos < len) {
			const char *nl = memchr(text + pos, '\n', len - pos);
			size_t frag = nl ? (size_t)(nl - (text + pos)) : len - pos;
			if (line.len + frag <= CONFIG_LINE_MAX)
				strbuf_add(&line, text + pos, frag);
			else
				too_long = true;
			pos += frag + (nl ? 1 : 0);
			if (nl)
				lineno++;
			if (line.len && line.buf[line.len - 1] == '\r')
				line.len--;
			if (line.len && line.buf[line.len - 1] == '\\') {
				line.len--;
				continue;
			}
			complete = true;
			break;
		}
		if (!complete)
			break;
		strbuf_addc(&line, '\0'); /* the line is a C string from here on, as in iPXE */
		s->lines = xreallocarray(s->lines, s->n_lines + 1, sizeof(*s->lines));
		struct ipxe_line *l = &s->lines[s->n_lines++];
		*l = (struct ipxe_line){ .lineno = start };
		if (too_long) {
			log_at(LOG_WARN, name, start, "line longer than %u bytes, ignoring",
			       CONFIG_LINE_MAX);
			l->command = xstrdup("");
			continue;
		}
		const char *cmd = line.buf;
		while (ipxe_isspace(*cmd))
			cmd++;
		if (*cmd == ':') {
			const char *label = ++cmd;
			while (*cmd && !ipxe_isspace(*cmd))
				cmd++;
			l->label = xstrndup(label, (size_t)(cmd - label));
			if (*cmd)
				cmd++;
		}
		l->command = xstrdup(cmd);
	}
	strbuf_free(&line);
	for (size_t i = 0; i < s->n_lines; i++) {
		if (!s->lines[i].label)
			continue;
		s->labels = xreallocarray(s->labels, s->n_labels + 1, sizeof(*s->labels));
		s->labels[s->n_labels++] = (struct ipxe_label){ s->lines[i].label, i };
	}
	if (s->n_labels)
		qsort(s->labels, s->n_labels, sizeof(*s->labels), label_cmp);
	return s;
}

/* The first line with this label, as goto's scan from the top finds it; -1 if none. */
static long script_find_label(const struct ipxe_script *s, const char *label)
{
	size_t lo = 0, hi = s->n_labels;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->labels[mid].label, label) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_labels && strcmp(s->labels[lo].label, label) == 0)
		return (long)s->labels[lo].line;
	return -1;
}

/* ---- URIs ----------------------------------------------------------------------------------- */

/* Length of the RFC 3986 scheme and its ':' at the start of uri, 0 when it has none. */
static size_t uri_scheme_len(const char *uri)
{
	if (!isalpha((unsigned char)uri[0]))
		return 0;
	size_t i = 1;
	while (isalnum((unsigned char)uri[i]) || uri[i] == '+' || uri[i] == '-' || uri[i] == '.')
		i++;
	return uri[i] == ':' ? i + 1 : 0;
}

/* The "scheme://authority" part of a device that is a URL origin, 0 when it is not one
 * (a volume id such as "uuid:..." or "tftp:10.0.2.2"). */
static size_t device_origin_scheme_len(const char *device)
{
	size_t n = device ? uri_scheme_len(device) : 0;
	return n && strncmp(device + n, "//", 2) == 0 ? n : 0;
}

/* A path with its query: the path normalised as kxboot normalises paths, the query kept. */
static char *path_with_query(const char *path, size_t path_len, const char *query)
{
	char *p = xstrndup(path, path_len);
	char *abs = p[0] == '/' ? xstrdup(p) : xasprintf("/%s", p);
	char *norm = path_normalize(abs);
	char *full = xasprintf("%s%s", norm, query ? query : "");
	free(p);
	free(abs);
	free(norm);
	return full;
}

/* Resolve uri (fragment already dropped) against the script at base_device/base_path: the
 * device and path of ipxe.h. -EPROTONOSUPPORT for a URI without an authority ("data:...",
 * "file:/x"), which names nothing a lookup can fetch. */
static int uri_resolve(const char *base_device, const char *base_path, const char *uri,
		       char **ret_device, char **ret_path)
{
	const char *query = strchr(uri, '?');
	size_t scheme = uri_scheme_len(uri);
	size_t base_scheme = device_origin_scheme_len(base_device);
	const char *rest = uri + scheme;
	if ((scheme && strncmp(rest, "//", 2) == 0) ||
	    (!scheme && base_scheme && strncmp(uri, "//", 2) == 0)) {
		/* An authority: the device is that origin (a network-path reference takes the
		 * scheme of the script's own). */
		const char *auth = rest + 2;
		size_t alen = strcspn(auth, "/?");
		*ret_device = scheme ? xstrndup(uri, (size_t)(auth - uri) + alen)
				     : xasprintf("%.*s%.*s", (int)base_scheme, base_device,
						 (int)(alen + 2), uri);
		const char *path = auth + alen;
		size_t plen = query ? (size_t)(query - path) : strlen(path);
		*ret_path = path_with_query(path, plen, query);
		return 0;
	}
	if (scheme)
		return -EPROTONOSUPPORT;
	*ret_device = base_device ? xstrdup(base_device) : NULL;
	size_t plen = query ? (size_t)(query - uri) : strlen(uri);
	if (plen == 0) {
		/* "" or "?q": the script itself, with this query */
		const char *bq = base_path ? strchr(base_path, '?') : NULL;
		size_t blen = base_path ? (bq ? (size_t)(bq - base_path) : strlen(base_path)) : 0;
		*ret_path = blen ? path_with_query(base_path, blen, query)
				 : path_with_query("/", 1, query);
		return 0;
	}
	if (uri[0] == '/') {
		*ret_path = path_with_query(uri, plen, query);
		return 0;
	}
	/* Merge with the directory of the base path (RFC 3986 5.2.3). */
	const char *bp = base_path ? base_path : "/";
	const char *bq = strchr(bp, '?');
	size_t blen = bq ? (size_t)(bq - bp) : strlen(bp);
	size_t dir = blen;
	while (dir > 0 && bp[dir - 1] != '/')
		dir--;
	char *merged = xasprintf("%.*s%.*s", (int)dir, bp, (int)plen, uri);
	*ret_path = path_with_query(merged, strlen(merged), query);
	free(merged);
	return 0;
}

/* How messages name a file: its URL on a server, its path on a volume. */
static char *location_name(const char *device, const char *path)
{
	if (device_origin_scheme_len(device))
		return xasprintf("%s%s", device, path);
	return xstrdup(path);
}

/* iPXE names an image after the last component of its URI's path. */
static char *uri_basename(const char *uri)
{
	size_t end = strcspn(uri, "?#");
	size_t start = end;
	while (start > 0 && uri[start - 1] != '/')
		start--;
	size_t scheme = uri_scheme_len(uri);
	if (scheme && start < scheme)
		start = scheme; /* "data:xyz" */
	return xstrndup(uri + start, end - start);
}

/* Images iPXE would execute as something else than a Linux kernel: PXE network boot
 * programs, COMBOOT/COM32 modules, ISO images (which it only boots through sanboot). */
static bool image_is_linux(const char *path)
{
	static const char *const others[] = { "0",   "pxe", "kpxe", "kkpxe", "kkkpxe",
					      "com", "cbt", "c32",  "iso" };
	char *base = uri_basename(path);
	const char *dot = strrchr(base, '.');
	bool linux_kernel = true;
	for (size_t i = 0; dot && i < ARRAY_SIZE(others); i++)
		if (strcasecmp(dot + 1, others[i]) == 0)
			linux_kernel = false;
	free(base);
	return linux_kernel;
}

/* ---- files, images, menus, runs ------------------------------------------------------------- */

/* A file named by a script, looked at once per parse however often the script runs. */
struct ipxe_file {
	char *device;
	char *path;
	int stat_r; /* 0, or why the lookup could not say (-ENOENT: it is missing) */
	uint64_t size;
	bool probed;
	int probe_r;		    /* reading it to look for "#!ipxe" failed */
	struct ipxe_script *script; /* the file is an iPXE script */
};

/* An image in iPXE's image list: a kernel, an initrd, a script. */
struct ipxe_image {
	char *name;
	char *uri; /* as written */
	char *device;
	char *path;
	char *cmdline; /* NULL: none */
	bool selected;
	bool autofree;
};

struct ipxe_item {
	char *label; /* NULL for a gap (item --gap, or no label) */
	char *text;
	bool is_default;
};

struct ipxe_menu {
	char *name; /* NULL: the unnamed menu */
	char *title;
	struct ipxe_item *items;
	size_t n_items;
};

enum ipxe_outcome {
	IPXE_BOOTS_NOTHING, /* the run ended without booting anything kxboot can start */
	IPXE_BOOTS,	    /* a kernel */
	IPXE_CHOOSES,	    /* it reached a `choose` nobody has answered yet */
};

struct ipxe_result {
	enum ipxe_outcome outcome;
	const char *why; /* IPXE_BOOTS_NOTHING: for the debug log */
	/* IPXE_BOOTS */
	struct boot_file kernel;
	char *cmdline;
	struct boot_file *initrds;
	size_t n_initrds;
	char *file;
	unsigned line;
	/* IPXE_CHOOSES */
	struct ipxe_menu *menu;
	char *select;		  /* choose --default */
	unsigned long timeout_ms; /* choose --timeout; 0: none */
	char *signature;	  /* where and what: tells a menu met again on the way down */
};

struct ipxe_parser {
	const struct config_source *src;
	struct ipxe_script *top;
	struct ipxe_file **files;
	size_t n_files;
	struct ipxe_settings initial; /* built-in settings and the caller's defaults */
	struct strv warned;
	unsigned long steps;
	unsigned long long expand_bytes;
	bool exhausted; /* a budget for the whole script ran out: explore no further */
};

/* A script being run: frames nest as `chain` runs scripts from scripts. */
struct ipxe_frame {
	const struct ipxe_script *script;
	const char *device; /* where the script came from: the base of relative URIs */
	const char *path;
	size_t next;   /* index of the line to run next (goto moves it) */
	unsigned line; /* line being run */
	unsigned depth;
};

enum { STOP_NONE, STOP_COMMAND, STOP_SEQUENCE }; /* iPXE's SHELL_STOP_* */

/* One run of the script, with the answers to its first n_choices `choose` commands. */
struct ipxe_run {
	struct ipxe_parser *p;
	char *const *choices;
	size_t n_choices;
	size_t n_chosen;
	struct ipxe_settings settings;
	struct ipxe_image **images; /* iPXE's list, in load order */
	size_t n_images;
	struct ipxe_menu **menus;
	size_t n_menus;
	unsigned long steps;
	int stop;
	bool ended;
	struct ipxe_result res;
	struct ipxe_frame *frame;
};

static const char *run_file(const struct ipxe_run *r)
{
	return r->frame ? r->frame->script->name : r->p->src->path;
}

static unsigned run_line_number(const struct ipxe_run *r)
{
	return r->frame ? r->frame->line : 0;
}

/* Has this warning (by key) been given in this parse? Remembers it if not. */
static bool warned_before(struct ipxe_parser *p, const char *key)
{
	for (size_t i = 0; i < p->warned.n; i++)
		if (strcmp(p->warned.v[i], key) == 0)
			return true;
	if (p->warned.n < IPXE_WARNINGS_REMEMBERED)
		strv_pushs(&p->warned, key);
	return false;
}

/* Warn about a problem once per parse, however many runs meet it. */
static void __attribute__((format(printf, 4, 5)))
warn_once(struct ipxe_parser *p, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	char *key = xasprintf("%s:%u:%s", file, line, tmp);
	if (!warned_before(p, key))
		log_at(LOG_WARN, file, line, "%s", tmp);
	free(key);
}

static void __attribute__((format(printf, 2, 3)))
run_warn(struct ipxe_run *r, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	warn_once(r->p, run_file(r), run_line_number(r), "%s", tmp);
}

static void __attribute__((format(printf, 2, 3)))
run_debug(struct ipxe_run *r, const char *fmt, ...)
{
	if (log_max_level < LOG_DEBUG)
		return;
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	log_at(LOG_DEBUG, run_file(r), run_line_number(r), "%s", tmp);
}

/* The file at device/path, looked up once: NULL when too many files were named. */
static struct ipxe_file *file_get(struct ipxe_run *r, const char *device, const char *path)
{
	struct ipxe_parser *p = r->p;
	for (size_t i = 0; i < p->n_files; i++)
		if (str_eq0(p->files[i]->device, device) && strcmp(p->files[i]->path, path) == 0)
			return p->files[i];
	if (p->n_files >= CONFIG_FILES_MAX) {
		run_warn(r, "more than %u files named, not looking at more", CONFIG_FILES_MAX);
		return NULL;
	}
	struct ipxe_file *f = xcalloc(1, sizeof(*f));
	f->device = device ? xstrdup(device) : NULL;
	f->path = xstrdup(path);
	if (!device) {
		f->stat_r = -ENXIO;
	} else {
		enum lookup_type type;
		f->stat_r = lookup_stat(p->src->lookup, device, path, &type, &f->size);
		if (f->stat_r == 0 && type == LOOKUP_TYPE_DIR)
			f->stat_r = -EISDIR;
	}
	p->files = xreallocarray(p->files, p->n_files + 1, sizeof(*p->files));
	p->files[p->n_files++] = f;
	return f;
}

/* Look inside a file for "#!ipxe": small files are read (a script is then kept parsed),
 * larger ones are kernels, and one the lookup cannot see is taken as a kernel. */
static int file_probe(struct ipxe_run *r, struct ipxe_file *f)
{
	if (f->probed)
		return f->probe_r;
	f->probed = true;
	if (f->stat_r < 0 || f->size > IPXE_SCRIPT_PROBE_MAX)
		return 0;
	char *data = NULL;
	size_t len = 0;
	f->probe_r = lookup_read(r->p->src->lookup, f->device, f->path, IPXE_SCRIPT_PROBE_MAX,
				 &data, &len);
	/* Larger than any script: a kernel or initrd (network lookups cannot tell the size
	 * without reading). */
	if (f->probe_r == -EFBIG)
		f->probe_r = 0;
	if (f->probe_r < 0)
		return f->probe_r;
	if (ipxe_is_script(data, len)) {
		char *name = location_name(f->device, f->path);
		f->script = script_new(name, data, len);
		free(name);
	}
	free(data);
	return 0;
}

static void image_free(struct ipxe_image *img)
{
	if (!img)
		return;
	free(img->name);
	free(img->uri);
	free(img->device);
	free(img->path);
	free(img->cmdline);
	free(img);
}

static void menu_destroy(struct ipxe_menu *menu)
{
	if (!menu)
		return;
	for (size_t i = 0; i < menu->n_items; i++) {
		free(menu->items[i].label);
		free(menu->items[i].text);
	}
	free(menu->items);
	free(menu->name);
	free(menu->title);
	free(menu);
}

static struct ipxe_menu *menu_copy(const struct ipxe_menu *menu)
{
	struct ipxe_menu *c = xcalloc(1, sizeof(*c));
	c->name = menu->name ? xstrdup(menu->name) : NULL;
	c->title = xstrdup(menu->title);
	c->items = xcalloc(menu->n_items ? menu->n_items : 1, sizeof(*c->items));
	for (size_t i = 0; i < menu->n_items; i++) {
		const struct ipxe_item *it = &menu->items[i];
		c->items[i] = (struct ipxe_item){ .label = it->label ? xstrdup(it->label) : NULL,
						  .text = xstrdup(it->text),
						  .is_default = it->is_default };
	}
	c->n_items = menu->n_items;
	return c;
}

static void result_clear(struct ipxe_result *res)
{
	boot_file_clear(&res->kernel);
	free(res->cmdline);
	for (size_t i = 0; i < res->n_initrds; i++)
		boot_file_clear(&res->initrds[i]);
	free(res->initrds);
	free(res->file);
	menu_destroy(res->menu);
	free(res->select);
	free(res->signature);
	*res = (struct ipxe_result){ 0 };
}

static void run_init(struct ipxe_run *r, struct ipxe_parser *p, char *const *choices, size_t n)
{
	*r = (struct ipxe_run){ .p = p, .choices = choices, .n_choices = n };
	settings_copy(&r->settings, &p->initial);
}

static void run_free(struct ipxe_run *r)
{
	settings_free(&r->settings);
	for (size_t i = 0; i < r->n_images; i++)
		image_free(r->images[i]);
	free(r->images);
	for (size_t i = 0; i < r->n_menus; i++)
		menu_destroy(r->menus[i]);
	free(r->menus);
	result_clear(&r->res);
}

/* The run is over without booting: why says why (a static string). */
static void run_end(struct ipxe_run *r, const char *why)
{
	if (r->ended)
		return;
	r->ended = true;
	r->res.outcome = IPXE_BOOTS_NOTHING;
	r->res.why = why;
	run_debug(r, "%s", why);
}

/* Count a line or command against the budgets; false ends the run. */
static bool run_step(struct ipxe_run *r)
{
	struct ipxe_parser *p = r->p;
	if (r->ended)
		return false;
	if (++p->steps > IPXE_STEPS_MAX) {
		p->exhausted = true;
		warn_once(p, p->src->path, 0, "runs more than %u commands in all, stopping",
			  IPXE_STEPS_MAX);
		run_end(r, "the command budget for the whole script is spent");
		return false;
	}
	if (++r->steps > IPXE_RUN_STEPS_MAX) {
		run_warn(r,
			 "runs more than %u commands without booting or choosing (a goto "
			 "loop?), giving up on it",
			 IPXE_RUN_STEPS_MAX);
		run_end(r, "the command budget for one menu item is spent");
		return false;
	}
	return true;
}

static void image_unregister(struct ipxe_run *r, const struct ipxe_image *img)
{
	for (size_t i = 0; i < r->n_images; i++) {
		if (r->images[i] == img) {
			memmove(&r->images[i], &r->images[i + 1],
				(r->n_images - i - 1) * sizeof(*r->images));
			r->n_images--;
			return;
		}
	}
}

static int image_register(struct ipxe_run *r, struct ipxe_image *img)
{
	if (r->n_images >= IPXE_IMAGES_MAX) {
		run_warn(r, "more than %u images loaded at once, failing", IPXE_IMAGES_MAX);
		return -ENOSPC;
	}
	r->images = xreallocarray(r->images, r->n_images + 1, sizeof(*r->images));
	r->images[r->n_images++] = img;
	return 0;
}

static struct ipxe_image *image_find(struct ipxe_run *r, const char *name)
{
	for (size_t i = 0; i < r->n_images; i++)
		if (strcmp(r->images[i]->name, name) == 0)
			return r->images[i];
	return NULL;
}

/* imgdownload(): fetch uri relative to the running script into a new image. A file the
 * lookup says is missing fails as the download would. */
static int image_download(struct ipxe_run *r, const char *uri, struct ipxe_image **ret)
{
	size_t ulen = strcspn(uri, "#");
	if (ulen == 0) {
		run_warn(r, "empty URI, failing");
		return -EINVAL;
	}
	char *written = xstrndup(uri, ulen);
	char *device = NULL, *path = NULL;
	if (uri_resolve(r->frame->device, r->frame->path, written, &device, &path) < 0) {
		run_warn(r,
			 "cannot fetch %s: kxboot fetches only URIs with a server, or paths, "
			 "failing",
			 written);
		free(written);
		*ret = NULL;
		return -EPROTONOSUPPORT;
	}
	struct ipxe_file *f = file_get(r, device, path);
	int err = !f ? -EMFILE : (f->stat_r == -ENOENT || f->stat_r == -EISDIR) ? f->stat_r : 0;
	if (err == 0 && f->stat_r < 0)
		run_debug(r, "cannot check %s (%s), taking it as present", written,
			  strerror(-f->stat_r));
	struct ipxe_image *img = NULL;
	if (err == 0) {
		img = xcalloc(1, sizeof(*img));
		*img = (struct ipxe_image){ .name = uri_basename(written),
					    .uri = written,
					    .device = device,
					    .path = path };
		written = device = path = NULL;
		err = image_register(r, img);
	} else if (f) {
		char *where = location_name(device, path);
		run_warn(r, "could not fetch %s (%s): %s", written, where, strerror(-err));
		free(where);
	}
	if (err < 0) {
		image_free(img);
		img = NULL;
	}
	free(written);
	free(device);
	free(path);
	*ret = img;
	return err;
}

/* imgacquire(): the image of that name, else a download of it as a URI. */
static int image_acquire(struct ipxe_run *r, const char *name_uri, struct ipxe_image **ret)
{
	*ret = image_find(r, name_uri);
	return *ret ? 0 : image_download(r, name_uri, ret);
}

static struct ipxe_menu *menu_find(struct ipxe_run *r, const char *name)
{
	for (size_t i = 0; i < r->n_menus; i++)
		if (str_eq0(r->menus[i]->name, name))
			return r->menus[i];
	return NULL;
}

static void menu_remove(struct ipxe_run *r, struct ipxe_menu *menu)
{
	for (size_t i = 0; i < r->n_menus; i++) {
		if (r->menus[i] == menu) {
			memmove(&r->menus[i], &r->menus[i + 1],
				(r->n_menus - i - 1) * sizeof(*r->menus));
			r->n_menus--;
			menu_destroy(menu);
			return;
		}
	}
}

/* ---- expansion and command lines ------------------------------------------------------------ */

/* The value of ${name} as text: "" (and an error) for anything iPXE would expand to
 * nothing: an unset setting, an unknown type, a value that does not fit the type. */
static int setting_format(struct ipxe_run *r, const char *text, struct strbuf *out)
{
	struct ipxe_name n;
	int err = name_parse(text, &n);
	if (err < 0)
		return err;
	const struct ipxe_setting *s = settings_fetch(&r->settings, &n);
	struct strbuf v = { 0 };
	if (s) {
		const struct ipxe_type *type = n.type ? n.type : s->type;
		err = type->format(type, (const unsigned char *)s->raw, s->len, &v);
	} else if (!n.scope && r->frame &&
		   (strcmp(n.name, "cwuri") == 0 || strcmp(n.name, "cwduri") == 0)) {
		/* iPXE's built-in current working URI: the running script's, or its directory */
		char *where = location_name(r->frame->device, r->frame->path);
		size_t len = strlen(where);
		if (n.name[2] == 'd')
			while (len > 0 && where[len - 1] != '/')
				len--;
		strbuf_add(&v, where, len);
		free(where);
	} else {
		err = -ENOENT;
	}
	if (err == 0)
		strbuf_add(out, v.buf ? v.buf : "", v.len);
	strbuf_free(&v);
	name_clear(&n);
	return err;
}

/* expand_settings(): replace the innermost ${...} again and again until none is left; a
 * value is expanded in its turn. -E2BIG past the limits. */
static int expand_word(struct ipxe_run *r, const char *word, char **ret)
{
	struct ipxe_parser *p = r->p;
	struct strbuf s = { 0 };
	strbuf_adds(&s, word);
	size_t *opens = NULL, n_opens = 0, cap = 0; /* positions of "${" not closed yet */
	unsigned expansions = 0;
	int err = 0;
	size_t i = 0;
	while (s.buf && i < s.len) {
		if (s.buf[i] == '$' && s.buf[i + 1] == '{') {
			if (n_opens == cap) {
				cap = cap ? cap * 2 : 8;
				opens = xreallocarray(opens, cap, sizeof(*opens));
			}
			opens[n_opens++] = i++;
			continue;
		}
		if (s.buf[i] != '}' || n_opens == 0) {
			i++;
			continue;
		}
		size_t start = opens[--n_opens];
		char *name = xstrndup(s.buf + start + 2, i - start - 2);
		struct strbuf v = { 0 };
		setting_format(r, name, &v);
		free(name);
		size_t len = start + v.len + (s.len - i - 1);
		p->expand_bytes += len;
		if (++expansions > IPXE_EXPANSIONS_MAX || len > IPXE_WORD_MAX ||
		    p->expand_bytes > IPXE_EXPAND_BYTES_MAX) {
			if (p->expand_bytes > IPXE_EXPAND_BYTES_MAX)
				p->exhausted = true;
			run_warn(r,
				 "a word grows past %u expansions or %u bytes, failing the command",
				 IPXE_EXPANSIONS_MAX, IPXE_WORD_MAX);
			strbuf_free(&v);
			err = -E2BIG;
			break;
		}
		struct strbuf t = { 0 };
		strbuf_add(&t, s.buf, start);
		strbuf_add(&t, v.buf ? v.buf : "", v.len);
		strbuf_add(&t, s.buf + i + 1, s.len - i - 1);
		strbuf_free(&v);
		strbuf_free(&s);
		s = t;
		/* iPXE scans again from the top; the part before start holds no '}' after an
		 * open "${", so going on from the start of the value is the same. */
		i = start;
	}
	free(opens);
	if (err < 0) {
		strbuf_free(&s);
		return err;
	}
	*ret = strbuf_steal(&s);
	return 0;
}

/* An option of a command, as iPXE's getopt_long() reads them: "--name value",
 * "--name=value", "-n value", "-nvalue", grouped flags "-ar". */
struct ipxe_option {
	const char *name;
	char letter;
	bool has_arg;
};

/* Parse the options at the start of argv: the first word that does not start with '-'
 * ends them, and "--" ends them and is dropped (iPXE does not reorder words). values[i] is
 * option i's argument ("" for a flag) or NULL. Returns the index of the first argument,
 * or -EINVAL (with a warning) for an unknown option or a missing argument. */
static int parse_options(struct ipxe_run *r, int argc, char **argv, const struct ipxe_option *opts,
			 size_t n_opts, const char **values)
{
	for (size_t k = 0; k < n_opts; k++)
		values[k] = NULL;
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		const char *word = argv[i++];
		if (word[1] == '-') {
			if (word[2] == '\0')
				break;
			const char *text = word + 2;
			size_t k;
			for (k = 0; k < n_opts; k++) {
				size_t len = strlen(opts[k].name);
				if (strncmp(text, opts[k].name, len) == 0 &&
				    (text[len] == '\0' || text[len] == '='))
					break;
			}
			if (k == n_opts) {
				run_warn(r, "%s: unrecognised option \"%s\", failing", argv[0],
					 word);
				return -EINVAL;
			}
			const char *eq = strchr(text, '=');
			if (!opts[k].has_arg) {
				if (eq) {
					run_warn(r,
						 "%s: option \"--%s\" takes no argument, failing",
						 argv[0], opts[k].name);
					return -EINVAL;
				}
				values[k] = "";
			} else if (eq) {
				values[k] = eq + 1;
			} else if (i < argc && argv[i][0] != '-') {
				values[k] = argv[i++];
			} else {
				run_warn(r, "%s: option \"--%s\" requires an argument, failing",
					 argv[0], opts[k].name);
				return -EINVAL;
			}
			continue;
		}
		/* Short options, possibly grouped; "-" alone is an unknown option in iPXE. */
		const char *c = word + 1;
		do {
			size_t k;
			for (k = 0; k < n_opts && opts[k].letter != *c; k++)
				;
			if (*c == '\0' || k == n_opts) {
				run_warn(r, "%s: unrecognised option \"-%c\", failing", argv[0],
					 *c ? *c : '-');
				return -EINVAL;
			}
			c++;
			if (!opts[k].has_arg) {
				values[k] = "";
				continue;
			}
			if (*c) {
				values[k] = c;
			} else if (i < argc && argv[i][0] != '-') {
				values[k] = argv[i++];
			} else {
				run_warn(r, "%s: option \"-%c\" requires an argument, failing",
					 argv[0], opts[k].letter);
				return -EINVAL;
			}
			break;
		} while (*c);
	}
	return i;
}

/* Check the number of arguments after the options: -EINVAL (with a warning) when wrong. */
static int check_args(struct ipxe_run *r, char **argv, int n, int min, int max)
{
	if (n >= min && n <= max)
		return 0;
	run_warn(r, "%s: wrong number of arguments, failing", argv[0]);
	return -EINVAL;
}

/* concat_args(): the words joined by single spaces. */
static int concat_args(struct ipxe_run *r, char **words, int n, char **ret)
{
	struct strbuf sb = { 0 };
	for (int i = 0; i < n; i++) {
		if (i)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, words[i]);
		if (sb.len > IPXE_WORD_MAX) {
			strbuf_free(&sb);
			run_warn(r, "%s: arguments longer than %u bytes, failing", words[-1],
				 IPXE_WORD_MAX);
			return -E2BIG;
		}
	}
	*ret = strbuf_steal(&sb);
	return 0;
}

/* iPXE's shell_stopped(): has the shell been told to stop at this level? Consumes a stop
 * of this level or below. */
static bool shell_stopped(struct ipxe_run *r, int level)
{
	bool stopped = r->stop >= level;
	if (r->stop <= level)
		r->stop = STOP_NONE;
	return stopped;
}

static int run_command(struct ipxe_run *r, int argc, char **argv);

enum ipxe_next { NEXT_END, NEXT_ON_SUCCESS, NEXT_ON_FAILURE, NEXT_ALWAYS };

/* system(): split a command line into words at blanks, then run its commands one by one,
 * as "&&", "||" and ";" say; a word starting with '#' ends the line. Words are expanded
 * one by one, after splitting: a value with blanks stays one word. */
static int run_line(struct ipxe_run *r, const char *command)
{
	/* Most lines are short: split them on the stack. */
	char small_copy[256];
	char *small_words[32];
	size_t len = strlen(command);
	char *copy =
		len < sizeof(small_copy) ? memcpy(small_copy, command, len + 1) : xstrdup(command);
	char **words = small_words;
	size_t n = 0, cap = ARRAY_SIZE(small_words);
	for (char *c = copy; *c;) {
		while (ipxe_isspace(*c))
			*c++ = '\0';
		if (!*c)
			break;
		if (n >= IPXE_ARGS_MAX) {
			run_warn(r, "more than %u words in a line, failing it", IPXE_ARGS_MAX);
			n = SIZE_MAX;
			break;
		}
		if (n + 1 >= cap) {
			cap *= 2;
			words = words == small_words ? memcpy(xcalloc(cap, sizeof(*words)),
							      small_words, sizeof(small_words))
						     : xreallocarray(words, cap, sizeof(*words));
		}
		words[n++] = c;
		while (*c && !ipxe_isspace(*c))
			c++;
	}
	if (n == SIZE_MAX) {
		if (words != small_words)
			free(words);
		if (copy != small_copy)
			free(copy);
		return -E2BIG;
	}
	int rc = 0;
	bool process = true;
	for (size_t at = 0; at <= n;) {
		size_t argc = 0;
		enum ipxe_next next = NEXT_END;
		bool comment = false;
		for (; at + argc < n; argc++) {
			const char *w = words[at + argc];
			if (w[0] == '#') {
				comment = true;
				break;
			}
			if (strcmp(w, "||") == 0)
				next = NEXT_ON_FAILURE;
			else if (strcmp(w, "&&") == 0)
				next = NEXT_ON_SUCCESS;
			else if (strcmp(w, ";") == 0)
				next = NEXT_ALWAYS;
			else
				continue;
			break;
		}
		if (process) {
			if (!run_step(r))
				break;
			/* Words without "${" are used in place; expanded ones are allocated. */
			char *small_argv[2 * 16 + 1];
			char **argv =
				argc <= 16 ? small_argv : xcalloc(2 * argc + 1, sizeof(*argv));
			char **expanded = argv + argc + 1;
			memset(argv, 0, (2 * argc + 1) * sizeof(*argv));
			int err = 0;
			for (size_t k = 0; k < argc && err == 0; k++) {
				if (strstr(words[at + k], "${"))
					err = expand_word(r, words[at + k], &expanded[k]);
				argv[k] = expanded[k] ? expanded[k] : words[at + k];
			}
			if (err == 0)
				rc = argc ? run_command(r, (int)argc, argv) : 0;
			else
				rc = err;
			for (size_t k = 0; k < argc; k++)
				free(expanded[k]);
			if (argv != small_argv)
				free(argv);
			if (err < 0 || r->ended)
				break;
		}
		if (shell_stopped(r, STOP_COMMAND) || comment || next == NEXT_END)
			break;
		process = next == NEXT_ALWAYS || (next == NEXT_ON_SUCCESS) == (rc == 0);
		at += argc + 1;
	}
	if (words != small_words)
		free(words);
	if (copy != small_copy)
		free(copy);
	return rc;
}

/* Run a script's lines until its end, a failing line, `exit`, or the run's end. */
static int script_run(struct ipxe_run *r, struct ipxe_frame *f)
{
	struct ipxe_frame *saved = r->frame;
	int rc = 0;
	r->frame = f;
	f->next = 0;
	while (f->next < f->script->n_lines && run_step(r)) {
		const struct ipxe_line *l = &f->script->lines[f->next++];
		f->line = l->lineno;
		rc = run_line(r, l->command);
		if (r->ended)
			break;
		if (shell_stopped(r, STOP_SEQUENCE))
			break;
		if (rc != 0) {
			if (f->depth == 0) { /* where the script ends, for the log */
				free(r->res.file);
				r->res.file = xstrdup(f->script->name);
				r->res.line = f->line;
			}
			break;
		}
	}
	r->frame = saved;
	return rc;
}

/* ---- commands ------------------------------------------------------------------------------- */

/* What is booted: the kernel, its command line, every other loaded image as an initrd in
 * load order (the scripts being run are not in the list while they run). */
static void run_boot(struct ipxe_run *r, const struct ipxe_image *kernel)
{
	struct ipxe_result *res = &r->res;
	r->ended = true;
	res->outcome = IPXE_BOOTS;
	boot_file_set(&res->kernel, kernel->device, kernel->path);
	res->cmdline = kernel->cmdline ? xstrdup(kernel->cmdline) : NULL;
	for (size_t i = 0; i < r->n_images; i++) {
		const struct ipxe_image *img = r->images[i];
		if (img == kernel)
			continue;
		res->initrds =
			xreallocarray(res->initrds, res->n_initrds + 1, sizeof(*res->initrds));
		res->initrds[res->n_initrds] = (struct boot_file){ 0 };
		boot_file_set(&res->initrds[res->n_initrds++], img->device, img->path);
		if (img->cmdline)
			run_debug(r, "initrd %s: arguments \"%s\" (a cpio name) not used by kxboot",
				  img->name, img->cmdline);
	}
	free(res->file);
	res->file = xstrdup(run_file(r));
	res->line = run_line_number(r);
	run_debug(r, "boots %s", kernel->uri);
}

/* image_exec(): a script runs (unlisted while it runs, listed again after unless it frees
 * itself), anything else is booted. */
static int image_exec(struct ipxe_run *r, struct ipxe_image *img, bool replace)
{
	struct ipxe_file *f = file_get(r, img->device, img->path);
	int err = f ? file_probe(r, f) : -EMFILE;
	if (err == 0 && f->script && r->frame->depth + 1 > CONFIG_INCLUDE_DEPTH_MAX) {
		run_warn(r, "scripts chained more than %u deep, failing", CONFIG_INCLUDE_DEPTH_MAX);
		err = -ELOOP;
	}
	if (err < 0) {
		if (err != -EMFILE && err != -ELOOP)
			run_warn(r, "cannot read %s: %s, failing", img->uri, strerror(-err));
		if (img->autofree) {
			image_unregister(r, img);
			image_free(img);
		}
		return err;
	}
	if (!f->script) {
		if (!image_is_linux(img->path)) {
			run_end(r, "it boots an image that is not a Linux kernel");
			return 0;
		}
		run_boot(r, img);
		return 0;
	}
	image_unregister(r, img);
	struct ipxe_frame child = { .script = f->script,
				    .device = img->device,
				    .path = img->path,
				    .depth = r->frame->depth + 1 };
	run_debug(r, "runs script %s", img->uri);
	int rc = script_run(r, &child);
	if (r->ended || img->autofree || replace || image_register(r, img) < 0)
		image_free(img);
	if (!r->ended && replace)
		r->stop = STOP_SEQUENCE; /* the replaced script goes no further */
	return rc;
}

static const struct ipxe_option image_options[] = {
	{ "name", 'n', true },
	{ "replace", 'r', false },
	{ "autofree", 'a', false },
	{ "timeout", 't', true },
};
enum { IMAGE_OPT_NAME, IMAGE_OPT_REPLACE, IMAGE_OPT_AUTOFREE, IMAGE_OPT_TIMEOUT };

enum image_action { IMAGE_FETCH, IMAGE_SELECT, IMAGE_EXEC, IMAGE_ARGS };

/* The imgsingle family of image_cmd.c: imgfetch/initrd/module, imgselect/kernel/imgload,
 * imgexec/chain/boot, imgargs. */
static int image_command(struct ipxe_run *r, int argc, char **argv, enum image_action action)
{
	const char *o[ARRAY_SIZE(image_options)];
	int at = parse_options(r, argc, argv, image_options, ARRAY_SIZE(image_options), o);
	if (at < 0)
		return at;
	int err = check_args(r, argv, argc - at, action == IMAGE_EXEC ? 0 : 1, INT_MAX);
	unsigned long timeout;
	if (err == 0 && o[IMAGE_OPT_TIMEOUT] && parse_uint(o[IMAGE_OPT_TIMEOUT], &timeout) < 0) {
		run_warn(r, "%s: invalid timeout \"%s\", failing", argv[0], o[IMAGE_OPT_TIMEOUT]);
		err = -EINVAL;
	}
	char *cmdline = NULL;
	if (err == 0 && argc - at > 1)
		err = concat_args(r, argv + at + 1, argc - at - 1, &cmdline);
	if (err < 0)
		return err;
	struct ipxe_image *img = NULL;
	if (argc - at == 0) {
		for (size_t i = 0; i < r->n_images && !img; i++)
			if (r->images[i]->selected)
				img = r->images[i];
		if (!img) {
			run_warn(r, "%s: no image selected, failing", argv[0]);
			err = -ENOENT;
		}
	} else if (action == IMAGE_FETCH) {
		err = image_download(r, argv[at], &img);
	} else {
		err = image_acquire(r, argv[at], &img);
	}
	if (err < 0) {
		free(cmdline);
		return err;
	}
	if (action == IMAGE_ARGS) {
		free(img->cmdline);
		img->cmdline = NULL;
	}
	if (o[IMAGE_OPT_NAME]) {
		free(img->name);
		img->name = xstrdup(o[IMAGE_OPT_NAME]);
	}
	if (cmdline) {
		free(img->cmdline);
		img->cmdline = cmdline;
	}
	if (o[IMAGE_OPT_AUTOFREE])
		img->autofree = true;
	if (action == IMAGE_SELECT)
		for (size_t i = 0; i < r->n_images; i++)
			r->images[i]->selected = r->images[i] == img;
	if (action == IMAGE_EXEC)
		return image_exec(r, img, o[IMAGE_OPT_REPLACE] != NULL);
	return 0;
}

static int cmd_imgfetch(struct ipxe_run *r, int argc, char **argv)
{
	return image_command(r, argc, argv, IMAGE_FETCH);
}

static int cmd_imgselect(struct ipxe_run *r, int argc, char **argv)
{
	return image_command(r, argc, argv, IMAGE_SELECT);
}

static int cmd_imgexec(struct ipxe_run *r, int argc, char **argv)
{
	return image_command(r, argc, argv, IMAGE_EXEC);
}

static int cmd_imgargs(struct ipxe_run *r, int argc, char **argv)
{
	return image_command(r, argc, argv, IMAGE_ARGS);
}

/* imgfree [NAME...]: unload the named images, or all of them. */
static int cmd_imgfree(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	if (at < 0)
		return at;
	if (at == argc) {
		for (size_t i = 0; i < r->n_images; i++)
			image_free(r->images[i]);
		r->n_images = 0;
		return 0;
	}
	for (int i = at; i < argc; i++) {
		struct ipxe_image *img = image_find(r, argv[i]);
		if (!img) {
			run_warn(r, "%s: no image \"%s\", failing", argv[0], argv[i]);
			return -ENOENT;
		}
		image_unregister(r, img);
		image_free(img);
	}
	return 0;
}

/* imgverify, imgtrust: kxboot checks what it boots itself (checksums, signed manifests). */
static int cmd_trust(struct ipxe_run *r, int argc, char **argv)
{
	run_debug(r, "%s: kxboot verifies images by its own means; accepted", argv[0]);
	return 0;
}

static int cmd_echo(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "n", 'n', false } };
	const char *o[1];
	int at = parse_options(r, argc, argv, opts, 1, o);
	if (at < 0)
		return at;
	char *text;
	int err = concat_args(r, argv + at, argc - at, &text);
	if (err < 0)
		return err;
	run_debug(r, "echo: %s", text);
	free(text);
	return 0;
}

static int cmd_exit(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	unsigned long code = 0;
	if (at < 0)
		return at;
	if (check_args(r, argv, argc - at, 0, 1) < 0)
		return -EINVAL;
	if (at < argc && parse_uint(argv[at], &code) < 0) {
		run_warn(r, "exit: invalid status \"%s\", failing", argv[at]);
		return -EINVAL;
	}
	r->stop = STOP_SEQUENCE;
	return code > INT_MAX ? INT_MAX : (int)code;
}

static int cmd_isset(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	if (at < 0 || check_args(r, argv, argc - at, 1, 1) < 0)
		return -EINVAL;
	return argv[at][0] ? 0 : -ENOENT;
}

static int cmd_iseq(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	if (at < 0 || check_args(r, argv, argc - at, 2, 2) < 0)
		return -EINVAL;
	return strcmp(argv[at], argv[at + 1]) == 0 ? 0 : -ERANGE;
}

static int cmd_sleep(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	unsigned long seconds;
	if (at < 0 || check_args(r, argv, argc - at, 1, 1) < 0)
		return -EINVAL;
	if (parse_uint(argv[at], &seconds) < 0) {
		run_warn(r, "sleep: invalid time \"%s\", failing", argv[at]);
		return -EINVAL;
	}
	run_debug(r, "sleep %lu: not waiting", seconds);
	return 0;
}

static int cmd_goto(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	if (at < 0 || check_args(r, argv, argc - at, 1, 1) < 0)
		return -EINVAL;
	long line = script_find_label(r->frame->script, argv[at]);
	if (line < 0) {
		run_debug(r, "goto: no label \"%s\"", argv[at]);
		return -ENOENT;
	}
	r->frame->next = (size_t)line;
	if (r->stop < STOP_COMMAND)
		r->stop = STOP_COMMAND; /* the rest of this line is not run */
	return 0;
}

/* prompt: nobody presses a key, so it always fails (times out). */
static int cmd_prompt(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "key", 'k', true },
						   { "timeout", 't', true },
						   { "set", 's', true } };
	const char *o[ARRAY_SIZE(opts)];
	unsigned long timeout;
	int at = parse_options(r, argc, argv, opts, ARRAY_SIZE(opts), o);
	if (at < 0)
		return at;
	if (o[1] && parse_uint(o[1], &timeout) < 0) {
		run_warn(r, "prompt: invalid timeout \"%s\", failing", o[1]);
		return -EINVAL;
	}
	run_debug(r, "prompt: no key is pressed");
	return -ECANCELED;
}

static int cmd_set(struct ipxe_run *r, int argc, char **argv)
{
	int at = parse_options(r, argc, argv, NULL, 0, NULL);
	if (at < 0 || check_args(r, argv, argc - at, 1, INT_MAX) < 0)
		return -EINVAL;
	struct ipxe_name n;
	if (name_parse(argv[at], &n) < 0) {
		run_warn(r, "%s: invalid setting \"%s\", failing", argv[0], argv[at]);
		return -ENOTSUP;
	}
	char *value = NULL;
	int err = 0;
	if (strcmp(argv[0], "set") == 0 && argc - at > 1)
		err = concat_args(r, argv + at + 1, argc - at - 1, &value);
	else if (strcmp(argv[0], "clear") == 0 && check_args(r, argv, argc - at, 1, 1) < 0)
		err = -EINVAL;
	if (err == 0) {
		err = settings_store(&r->settings, &n, value);
		if (err < 0)
			run_warn(r, "%s: cannot store \"%s\" in %s: %s, failing", argv[0],
				 value ? value : "", argv[at], strerror(-err));
	}
	free(value);
	name_clear(&n);
	return err;
}

static int cmd_menu(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "name", 'n', true },
						   { "delete", 'd', false } };
	const char *o[ARRAY_SIZE(opts)];
	int at = parse_options(r, argc, argv, opts, ARRAY_SIZE(opts), o);
	if (at < 0)
		return at;
	char *title;
	int err = concat_args(r, argv + at, argc - at, &title);
	if (err < 0)
		return err;
	struct ipxe_menu *old = menu_find(r, o[0]);
	if (old)
		menu_remove(r, old);
	if (o[1]) {
		free(title);
		return 0;
	}
	if (r->n_menus >= IPXE_MENUS_MAX) {
		run_warn(r, "menu: more than %u menus at once, failing", IPXE_MENUS_MAX);
		free(title);
		return -ENOSPC;
	}
	struct ipxe_menu *menu = xcalloc(1, sizeof(*menu));
	menu->name = o[0] ? xstrdup(o[0]) : NULL;
	menu->title = title;
	r->menus = xreallocarray(r->menus, r->n_menus + 1, sizeof(*r->menus));
	r->menus[r->n_menus++] = menu;
	return 0;
}

static int cmd_item(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "menu", 'm', true },
						   { "key", 'k', true },
						   { "default", 'd', false },
						   { "gap", 'g', false } };
	const char *o[ARRAY_SIZE(opts)];
	int at = parse_options(r, argc, argv, opts, ARRAY_SIZE(opts), o);
	if (at < 0)
		return at;
	const char *label = NULL;
	if (!o[3] && at < argc)
		label = argv[at++];
	char *text;
	int err = concat_args(r, argv + at, argc - at, &text);
	if (err < 0)
		return err;
	struct ipxe_menu *menu = menu_find(r, o[0]);
	if (!menu || menu->n_items >= MENU_ENTRIES_MAX) {
		if (menu)
			run_warn(r, "item: more than %u items in a menu, failing",
				 MENU_ENTRIES_MAX);
		else
			run_warn(r, "item: no menu%s%s, failing", o[0] ? " " : "",
				 o[0] ? o[0] : "");
		free(text);
		return menu ? -ENOSPC : -ENOENT;
	}
	menu->items = xreallocarray(menu->items, menu->n_items + 1, sizeof(*menu->items));
	menu->items[menu->n_items++] = (struct ipxe_item){ .label = label ? xstrdup(label) : NULL,
							   .text = text,
							   .is_default = o[2] != NULL };
	return 0;
}

/* A menu's signature: the `choose` that shows it and its items. */
static char *menu_signature(struct ipxe_run *r, const struct ipxe_menu *menu)
{
	struct strbuf sb = { 0 };
	strbuf_addf(&sb, "%s:%u", run_file(r), run_line_number(r));
	for (size_t i = 0; i < menu->n_items; i++)
		strbuf_addf(&sb, "\n%s\t%s", menu->items[i].label ? menu->items[i].label : "",
			    menu->items[i].text);
	return strbuf_steal(&sb);
}

/* choose: the first n_choices times, answer with the run's choices; the next one is the
 * menu this run shows, and ends the run. */
static int cmd_choose(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "menu", 'm', true },
						   { "default", 'd', true },
						   { "timeout", 't', true },
						   { "retimeout", 'r', true },
						   { "keep", 'k', false } };
	const char *o[ARRAY_SIZE(opts)];
	unsigned long timeout = 0, retimeout;
	int at = parse_options(r, argc, argv, opts, ARRAY_SIZE(opts), o);
	if (at < 0 || check_args(r, argv, argc - at, 1, 1) < 0)
		return -EINVAL;
	if ((o[2] && parse_uint(o[2], &timeout) < 0) ||
	    (o[3] && parse_uint(o[3], &retimeout) < 0)) {
		run_warn(r, "choose: invalid timeout, failing");
		return -EINVAL;
	}
	struct ipxe_name n;
	if (name_parse(argv[at], &n) < 0) {
		run_warn(r, "choose: invalid setting \"%s\", failing", argv[at]);
		return -ENOTSUP;
	}
	struct ipxe_menu *menu = menu_find(r, o[0]);
	size_t selectable = 0;
	for (size_t i = 0; menu && i < menu->n_items; i++)
		selectable += menu->items[i].label != NULL;
	int err = 0;
	if (!menu || !selectable) {
		run_warn(r, "choose: %s, failing", menu ? "no item to choose" : "no menu");
		err = -ENOENT;
	} else if (r->n_chosen < r->n_choices) {
		const char *label = r->choices[r->n_chosen++];
		err = settings_store(&r->settings, &n, label);
		run_debug(r, "choose: \"%s\" chosen", label);
		if (!o[4])
			menu_remove(r, menu);
	} else {
		struct ipxe_result *res = &r->res;
		r->ended = true;
		res->outcome = IPXE_CHOOSES;
		res->menu = menu_copy(menu);
		res->select = o[1] ? xstrdup(o[1]) : NULL;
		res->timeout_ms = timeout;
		res->signature = menu_signature(r, menu);
	}
	name_clear(&n);
	return err;
}

/* cpuid [--ext] [--ecx] BIT: kxboot boots 64-bit x86 kernels, so the extended feature
 * "long mode" (--ext 29) is there; nothing else is known. */
static int cmd_cpuid(struct ipxe_run *r, int argc, char **argv)
{
	static const struct ipxe_option opts[] = { { "ext", 'e', false }, { "ecx", 'c', false } };
	const char *o[ARRAY_SIZE(opts)];
	unsigned long bit;
	int at = parse_options(r, argc, argv, opts, ARRAY_SIZE(opts), o);
	if (at < 0 || check_args(r, argv, argc - at, 1, 1) < 0)
		return -EINVAL;
	if (parse_uint(argv[at], &bit) < 0)
		return -EINVAL;
	if (o[0] && !o[1] && bit == 29)
		return 0;
	run_debug(r, "cpuid: feature %s%s%lu taken as absent", o[0] ? "--ext " : "",
		  o[1] ? "--ecx " : "", bit);
	return -ENOENT;
}

/* Commands about the network, the console or SAN hooks: kxboot has its network up and
 * draws its own menu. */
static int cmd_nothing(struct ipxe_run *r, int argc, char **argv)
{
	run_debug(r, "%s: nothing to do for kxboot", argv[0]);
	return 0;
}

/* Commands after which iPXE boots something kxboot cannot, or waits for a person. */
static int cmd_end(struct ipxe_run *r, int argc, char **argv)
{
	static const struct {
		const char *name, *why;
	} reasons[] = {
		{ "sanboot", "sanboot boots a SAN or local disk" },
		{ "shell", "shell waits for commands typed by a person" },
		{ "config", "config waits for a person" },
		{ "login", "login waits for a person" },
		{ "reboot", "it reboots" },
		{ "poweroff", "it powers off" },
		{ "autoboot", "autoboot starts iPXE's own network boot" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (strcmp(argv[0], reasons[i].name) == 0)
			run_end(r, reasons[i].why);
	return 0;
}

/* read: waits for a person typing a value; nobody does. */
static int cmd_read(struct ipxe_run *r, int argc, char **argv)
{
	run_debug(r, "%s: nobody types anything", argv[0]);
	return -ECANCELED;
}

/* Sorted by name: run_command() searches it by bisection. */
static const struct {
	const char *name;
	int (*run)(struct ipxe_run *r, int argc, char **argv);
} ipxe_commands[] = {
	{ "autoboot", cmd_end },
	{ "boot", cmd_imgexec },
	{ "chain", cmd_imgexec },
	{ "choose", cmd_choose },
	{ "clear", cmd_set },
	{ "colour", cmd_nothing },
	{ "config", cmd_end },
	{ "console", cmd_nothing },
	{ "cpair", cmd_nothing },
	{ "cpuid", cmd_cpuid },
	{ "dhcp", cmd_nothing },
	{ "echo", cmd_echo },
	{ "exit", cmd_exit },
	{ "goto", cmd_goto },
	{ "ifclose", cmd_nothing },
	{ "ifconf", cmd_nothing },
	{ "iflinkwait", cmd_nothing },
	{ "ifopen", cmd_nothing },
	{ "ifstat", cmd_nothing },
	{ "imgargs", cmd_imgargs },
	{ "imgexec", cmd_imgexec },
	{ "imgfetch", cmd_imgfetch },
	{ "imgfree", cmd_imgfree },
	{ "imgload", cmd_imgselect },
	{ "imgselect", cmd_imgselect },
	{ "imgstat", cmd_nothing },
	{ "imgtrust", cmd_trust },
	{ "imgverify", cmd_trust },
	{ "initrd", cmd_imgfetch },
	{ "iseq", cmd_iseq },
	{ "isset", cmd_isset },
	{ "item", cmd_item },
	{ "kernel", cmd_imgselect },
	{ "login", cmd_end },
	{ "menu", cmd_menu },
	{ "module", cmd_imgfetch },
	{ "poweroff", cmd_end },
	{ "prompt", cmd_prompt },
	{ "read", cmd_read },
	{ "reboot", cmd_end },
	{ "route", cmd_nothing },
	{ "sanboot", cmd_end },
	{ "sanhook", cmd_nothing },
	{ "sanunhook", cmd_nothing },
	{ "set", cmd_set },
	{ "shell", cmd_end },
	{ "show", cmd_nothing },
	{ "sleep", cmd_sleep },
};

static int run_command(struct ipxe_run *r, int argc, char **argv)
{
	if (!run_step(r))
		return -ELOOP;
	size_t lo = 0, hi = ARRAY_SIZE(ipxe_commands); /* sorted by name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ipxe_commands[mid].name, argv[0]);
		if (c == 0)
			return ipxe_commands[mid].run(r, argc, argv);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	char *key = xasprintf("%s: unknown %s", run_file(r), argv[0]);
	if (!warned_before(r->p, key))
		log_at(LOG_WARN, run_file(r), run_line_number(r),
		       "unknown command \"%s\", failing it (and wherever else it is used)",
		       argv[0]);
	free(key);
	return -ENOEXEC;
}

/* ---- from runs to a menu -------------------------------------------------------------------- */

/* Run the script from the top with these answers to its `choose` commands. */
static void run_script(struct ipxe_run *r)
{
	const struct config_source *src = r->p->src;
	struct ipxe_frame top = { .script = r->p->top, .device = src->device, .path = src->path };
	int rc = script_run(r, &top);
	if (!r->ended)
		run_end(r, rc ? "a failing command ends the script before it boots anything"
			      : "the script ends without booting anything");
}

/* The item a menu preselects (show_menu()): the first item, else the last --default one,
 * else the one choose --default names. -1 when it has none. */
static int menu_default_item(const struct ipxe_menu *menu, const char *select)
{
	int sel = -1;
	for (size_t i = 0; i < menu->n_items; i++) {
		if (!menu->items[i].label)
			continue;
		if (sel < 0 || menu->items[i].is_default)
			sel = (int)i;
	}
	for (size_t i = 0; select && i < menu->n_items; i++) {
		if (menu->items[i].label && strcmp(menu->items[i].label, select) == 0) {
			sel = (int)i;
			break;
		}
	}
	return sel;
}

static int add_entry(struct ipxe_parser *p, struct menu *m, const struct menu_level *levels,
		     size_t depth, const char *title, const char *id, unsigned index,
		     const struct ipxe_result *res)
{
	struct boot_entry *e = menu_add_entry(m, levels, depth, title, id, index);
	e->kind = BOOT_KIND_LINUX;
	if (res->outcome == IPXE_BOOTS) {
		e->bootable = true;
		boot_file_set(&e->kernel, res->kernel.device, res->kernel.path);
		for (size_t i = 0; i < res->n_initrds; i++)
			boot_entry_add_initrd(e, res->initrds[i].device, res->initrds[i].path);
		e->cmdline = res->cmdline ? xstrdup(res->cmdline) : NULL;
		e->source_file = xstrdup(res->file);
		e->source_line = res->line;
	} else {
		e->source_file = xstrdup(p->src->path);
		log_debug("%s: \"%s\" is not bootable: %s", p->src->path, title,
			  res->why ? res->why : "it leads back to an earlier menu");
	}
	return (int)(m->n_entries - 1);
}

/* One entry per item of the menu a run reached, each found by a run with that item chosen
 * after the choices that led here; an item that reaches a new menu is a submenu. Returns
 * the entry the menu's preselected item leads to, -1 when none. */
static int explore_menu(struct ipxe_parser *p, struct menu *m, struct strv *choices,
			struct menu_level *levels, size_t depth, const struct ipxe_result *shown,
			struct strv *seen)
{
	const struct ipxe_menu *menu = shown->menu;
	int preselected = menu_default_item(menu, shown->select);
	int default_entry = -1;
	unsigned index = 0;
	for (size_t i = 0; i < menu->n_items; i++) {
		const struct ipxe_item *it = &menu->items[i];
		if (!it->label)
			continue;
		if (m->n_entries >= MENU_ENTRIES_MAX || p->exhausted) {
			if (p->exhausted)
				warn_once(p, p->src->path, 0,
					  "the script's budget is spent, leaving "
					  "out the remaining menu items");
			else
				warn_once(p, p->src->path, 0,
					  "more than %u entries, leaving out the "
					  "remaining menu items",
					  MENU_ENTRIES_MAX);
			break;
		}
		const char *title = it->text[0] ? it->text : it->label;
		strv_pushs(choices, it->label);
		struct ipxe_run r;
		run_init(&r, p, choices->v, choices->n);
		run_script(&r);
		int entry = -1;
		bool loop = false;
		for (size_t k = 0; r.res.outcome == IPXE_CHOOSES && k < seen->n; k++)
			loop = loop || strcmp(seen->v[k], r.res.signature) == 0;
		if (r.res.outcome == IPXE_CHOOSES && !loop && depth + 1 < MENU_DEPTH_MAX) {
			levels[depth] = (struct menu_level){ .title = xstrdup(title),
							     .id = xstrdup(it->label),
							     .index = index };
			strv_pushs(seen, r.res.signature);
			entry = explore_menu(p, m, choices, levels, depth + 1, &r.res, seen);
			free(seen->v[--seen->n]);
			seen->v[seen->n] = NULL;
			free(levels[depth].title);
			free(levels[depth].id);
		} else {
			if (r.res.outcome == IPXE_CHOOSES)
				r.res.why = loop ? "it leads back to a menu shown before it"
						 : "its submenus nest too deep";
			entry = add_entry(p, m, levels, depth, title, it->label, index, &r.res);
		}
		if ((int)i == preselected)
			default_entry = entry;
		run_free(&r);
		free(choices->v[--choices->n]);
		choices->v[choices->n] = NULL;
		index++;
	}
	return default_entry;
}

/* The built-in settings, then the caller's (ipxe_set_default_vars). */
static void initial_settings(struct ipxe_parser *p)
{
	static const char *const builtin[] = { "builtin/platform", "pcbios", "builtin/buildarch",
					       "x86_64" };
	for (size_t i = 0; i + 1 < ARRAY_SIZE(builtin) + ipxe_default_vars.n; i += 2) {
		bool ours = i < ARRAY_SIZE(builtin);
		const char *name = ours ? builtin[i] : ipxe_default_vars.v[i - ARRAY_SIZE(builtin)];
		const char *value =
			ours ? builtin[i + 1] : ipxe_default_vars.v[i + 1 - ARRAY_SIZE(builtin)];
		struct ipxe_name n;
		int err = name_parse(name, &n);
		if (err == 0)
			err = settings_store(&p->initial, &n, value);
		if (err < 0)
			log_warn("iPXE setting %s=\"%s\": %s, ignoring", name, value,
				 strerror(-err));
		name_clear(&n);
	}
}

static int ipxe_parse(const struct config_source *src, const char *text, size_t len, struct menu *m)
{
	if (!ipxe_is_script(text, len)) {
		log_at(LOG_ERR, src->path, 1,
		       "not an iPXE script: it does not start with a \"#!ipxe\" line");
		return -EINVAL;
	}
	struct ipxe_parser p = { .src = src };
	p.top = script_new(src->path, text, len);
	initial_settings(&p);
	m->format = "ipxe";
	m->source_device = src->device ? xstrdup(src->device) : NULL;
	m->source_path = xstrdup(src->path);
	m->default_index = -1;

	struct ipxe_run r;
	run_init(&r, &p, NULL, 0);
	run_script(&r);
	if (r.res.outcome == IPXE_BOOTS) {
		char *title = xasprintf("iPXE script %s", src->path);
		m->default_index = add_entry(&p, m, NULL, 0, title, NULL, 0, &r.res);
		m->has_timeout = true;
		m->timeout = 0; /* iPXE boots it straight away */
		free(title);
	} else if (r.res.outcome == IPXE_CHOOSES) {
		struct strv choices = { 0 }, seen = { 0 };
		struct menu_level levels[MENU_DEPTH_MAX];
		strv_pushs(&seen, r.res.signature);
		m->default_index = explore_menu(&p, m, &choices, levels, 0, &r.res, &seen);
		m->has_timeout = true;
		/* choose --timeout is in milliseconds; none (or 0) waits for ever */
		unsigned long ms = r.res.timeout_ms;
		if (ms == 0)
			m->timeout = -1;
		else if (ms / 1000 >= INT_MAX)
			m->timeout = INT_MAX;
		else
			m->timeout = (int)((ms + 999) / 1000);
		strv_free(&choices);
		strv_free(&seen);
	} else {
		if (r.res.file)
			log_at(LOG_WARN, src->path, 0,
			       "boots nothing kxboot can start: %s (at %s:%u)", r.res.why,
			       r.res.file, r.res.line);
		else
			log_at(LOG_WARN, src->path, 0, "boots nothing kxboot can start: %s",
			       r.res.why);
	}
	run_free(&r);
	script_free(p.top);
	for (size_t i = 0; i < p.n_files; i++) {
		script_free(p.files[i]->script);
		free(p.files[i]->device);
		free(p.files[i]->path);
		free(p.files[i]);
	}
	free(p.files);
	settings_free(&p.initial);
	strv_free(&p.warned);
	return 0;
}

/* Scripts come from a boot server or --config: there is nowhere to look for one on a disk. */
static const char *const ipxe_paths[] = { NULL };

const struct config_format config_format_ipxe = {
	.name = "ipxe",
	.paths = ipxe_paths,
	.parse = ipxe_parse,
};
