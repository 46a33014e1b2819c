/* manifest.c — signed boot manifests: JSON (RFC 8259, through jansson) as docs/manifest.md
 * describes, times as RFC 3339 section 5.6, signatures as minisign writes them. */
#include "manifest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "util.h"

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	if (!err || !err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Text from an input, safe to print on a console: at most 64 bytes, printable ASCII only. */
static const char *printable(const char *s, char buf[72])
{
	size_t i = 0;
	for (; s[i] && i < 64; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ---- RFC 3339 --------------------------------------------------------------------------- */

static bool take_digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int rfc3339_parse(const char *s, int64_t *ret)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int Y, M, D, h, mi, sec;
	/* Each test reads a character only after the ones before it proved non-NUL. */
	if (!take_digits(s, 4, &Y) || s[4] != '-' || !take_digits(s + 5, 2, &M) || s[7] != '-' ||
	    !take_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !take_digits(s + 11, 2, &h) || s[13] != ':' || !take_digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !take_digits(s + 17, 2, &sec))
		return -EINVAL;
	const char *p = s + 19;
	if (*p == '.') {
		size_t n = 0;
		for (p++; isdigit((unsigned char)*p); p++)
			n++;
		if (n == 0 || n > 9)
			return -EINVAL;
		/* Fractions are dropped: a deadline read a little early is the safe side. */
	}
	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!take_digits(p + 1, 2, &oh) || p[3] != ':' || !take_digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
		offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (M < 1 || M > 12 || D < 1 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	int dim = mdays[M - 1] + (M == 2 && leap_year(Y));
	if (D > dim)
		return -EINVAL;
	/* sec == 60 (a leap second) counts as the first second of the next minute. */
	*ret = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + mi * 60 + sec -
	       offset;
	return 0;
}

void rfc3339_format(int64_t t, char ret[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(ret, 32, "@%lld", (long long)t);
		return;
	}
	/* The modulos tell the compiler the fields' widths; gmtime_r keeps them in range. */
	snprintf(ret, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

/* ---- identities: UUIDs, MACs, host names ------------------------------------------------- */

static int uuid_normalize(const char *s, char out[37])
{
	if (strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[36] = '\0';
	return 0;
}

/* All zeros or all ones: firmware that has no UUID to give (and dom0's /sys/hypervisor/uuid). */
static bool uuid_placeholder(const char *u)
{
	bool zero = true, ones = true;
	for (; *u; u++) {
		if (*u == '-')
			continue;
		zero &= *u == '0';
		ones &= *u == 'f';
	}
	return zero || ones;
}

static int mac_normalize(const char *s, char out[18])
{
	if (strlen(s) != 17)
		return -EINVAL;
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != sep)
				return -EINVAL;
			out[i] = ':';
		} else {
			if (!isxdigit((unsigned char)s[i]))
				return -EINVAL;
			out[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	out[17] = '\0';
	return 0;
}

/* A host name ([A-Za-z0-9._-], at most 253) or, with wildcards, a pattern; lower-cased. */
static int hostname_normalize(const char *s, bool pattern, char *out, size_t out_len)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || n >= out_len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '-' && c != '_' &&
		    !(pattern && (c == '*' || c == '?')))
			return -EINVAL;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return 0;
}

/* '*' and '?' wildcards; O(len(pattern) * len(name)) at worst, no recursion. */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int machine_identity_set_uuid(struct machine_identity *id, const char *text)
{
	char u[37];
	if (uuid_normalize(text, u) < 0)
		return -EINVAL;
	memcpy(id->uuid, u, sizeof(u));
	return 0;
}

int machine_identity_set_xen_uuid(struct machine_identity *id, const char *text)
{
	char u[37];
	if (uuid_normalize(text, u) < 0)
		return -EINVAL;
	memcpy(id->xen_uuid, u, sizeof(u));
	return 0;
}

int machine_identity_add_mac(struct machine_identity *id, const char *text)
{
	char mac[18];
	if (mac_normalize(text, mac) < 0)
		return -EINVAL;
	size_t i = 0;
	while (i < id->n_macs && strcmp(id->macs[i], mac) < 0)
		i++;
	if (i < id->n_macs && strcmp(id->macs[i], mac) == 0)
		return 0;
	if (id->n_macs >= MACHINE_MACS_MAX)
		return -E2BIG;
	memmove(id->macs[i + 1], id->macs[i], (id->n_macs - i) * sizeof(id->macs[0]));
	memcpy(id->macs[i], mac, sizeof(mac));
	id->n_macs++;
	return 0;
}

int machine_identity_set_hostname(struct machine_identity *id, const char *text)
{
	char h[254];
	if (hostname_normalize(text, false, h, sizeof(h)) < 0)
		return -EINVAL;
	memcpy(id->hostname, h, strlen(h) + 1);
	return 0;
}

static bool read_sysfs_line(const char *root, const char *rel, char *buf, size_t len)
{
	char *path = path_join(root, rel);
	char *text;
	size_t n;
	int r = file_read_all(path, 4096, &text, &n);
	free(path);
	if (r < 0)
		return false;
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	text[n] = '\0';
	bool ok = n < len && !memchr(text, '\0', n);
	if (ok)
		memcpy(buf, text, n + 1);
	free(text);
	return ok;
}

int machine_identity_read(struct machine_identity *id, const char *sysfs_root)
{
	char buf[128];
	char u[37];
	id->uuid[0] = id->xen_uuid[0] = '\0';
	id->n_macs = 0;
	if (read_sysfs_line(sysfs_root, "class/dmi/id/product_uuid", buf, sizeof(buf)) &&
	    uuid_normalize(buf, u) == 0 && !uuid_placeholder(u))
		memcpy(id->uuid, u, sizeof(u));
	if (read_sysfs_line(sysfs_root, "hypervisor/uuid", buf, sizeof(buf)) &&
	    uuid_normalize(buf, u) == 0 && !uuid_placeholder(u))
		memcpy(id->xen_uuid, u, sizeof(u));
	char *netdir = path_join(sysfs_root, "class/net");
	DIR *d = opendir(netdir);
	if (d) {
		struct dirent *de;
		size_t seen = 0;
		while ((de = readdir(d)) && seen++ < DIR_ENTRIES_MAX) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "lo"))
				continue;
			char *rel = xasprintf("class/net/%s/address", de->d_name);
			if (read_sysfs_line(sysfs_root, rel, buf, sizeof(buf)) &&
			    strcmp(buf, "00:00:00:00:00:00") != 0)
				machine_identity_add_mac(id, buf);
			free(rel);
		}
		closedir(d);
	}
	free(netdir);
	return 0;
}

const char *machine_identity_cohort_key(const struct machine_identity *id)
{
	if (id->uuid[0])
		return id->uuid;
	if (id->xen_uuid[0])
		return id->xen_uuid;
	if (id->n_macs)
		return id->macs[0];
	if (id->hostname[0])
		return id->hostname;
	return NULL;
}

unsigned manifest_cohort_bucket(const char *salt, const char *key)
{
	char *text = xasprintf("%s:%s", salt, key);
	unsigned char md[32];
	unsigned md_len = 0;
	EVP_Digest(text, strlen(text), md, &md_len, EVP_sha256(), NULL);
	free(text);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	return (unsigned)(v % MANIFEST_BUCKETS);
}

/* ---- parsing ---------------------------------------------------------------------------- */

struct parser {
	const char *base; /* the manifest's URL, or NULL */
	char *err;
	size_t err_len;
	size_t values;	  /* selector values so far */
	struct manifest *m;
};

static int bad(struct parser *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parser *p, const char *path, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(p->err, p->err_len, "%s: %s", path, msg);
	return -EBADMSG;
}

/* Every key of obj must be one of allowed (or "comment", a string for people). */
static int check_keys(struct parser *p, const char *path, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "comment")) {
			if (!json_is_string(v))
				return bad(p, path, "\"comment\" must be a string");
			continue;
		}
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(key, *a) == 0;
		if (!ok) {
			char b[72];
			return bad(p, path, "unknown key \"%s\"", printable(key, b));
		}
	}
	return 0;
}

static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* A string member: NULL when absent (and !required); text without control characters. */
static int get_string(struct parser *p, const char *path, json_t *obj, const char *key,
		      bool required, size_t max, const char **ret)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	if (!v) {
		if (required)
			return bad(p, path, "\"%s\" is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return bad(p, path, "\"%s\" must be a string", key);
	size_t len = json_string_length(v);
	if (len > max)
		return bad(p, path, "\"%s\" is longer than %zu bytes", key, max);
	if (has_control(json_string_value(v), len))
		return bad(p, path, "\"%s\" holds a control character", key);
	*ret = json_string_value(v);
	return 0;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MANIFEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static bool url_is_absolute(const char *u)
{
	if (!isalpha((unsigned char)u[0]))
		return false;
	size_t i = 1;
	while (isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.')
		i++;
	return strncmp(u + i, "://", 3) == 0;
}

/* A URL as written: no spaces or control characters; resolved against the manifest's URL. */
static int take_url(struct parser *p, const char *path, const char *key, const char *text,
		    char **ret)
{
	if (!text[0])
		return bad(p, path, "\"%s\" is empty", key);
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return bad(p, path, "\"%s\" holds a space or control character", key);
	char *url;
	if (url_is_absolute(text))
		url = xstrdup(text);
	else if (p->base)
		url = url_resolve(p->base, text);
	else
		url = xstrdup(text); /* no base: kept as written */
	if ((p->base || url_is_absolute(text)) && !url_is_absolute(url)) {
		free(url);
		return bad(p, path, "\"%s\" cannot be resolved to an absolute URL", key);
	}
	if (url_is_absolute(url) && !fetch_scheme_for(url)) {
		free(url);
		return bad(p, path, "\"%s\" has a URL scheme kxboot cannot fetch", key);
	}
	if (strlen(url) > MANIFEST_URL_MAX) {
		free(url);
		return bad(p, path, "\"%s\" is longer than %d bytes once resolved", key,
			   MANIFEST_URL_MAX);
	}
	*ret = url;
	return 0;
}

static int parse_artifact(struct parser *p, const char *path, json_t *v,
			  struct manifest_artifact *ret)
{
	static const char *const keys[] = { "url", "sha256", "size", NULL };
	if (!json_is_object(v))
		return bad(p, path, "must be an object {\"url\", \"sha256\", \"size\"}");
	int r = check_keys(p, path, v, keys);
	if (r < 0)
		return r;
	const char *url, *sha;
	if ((r = get_string(p, path, v, "url", true, MANIFEST_URL_MAX, &url)) < 0 ||
	    (r = get_string(p, path, v, "sha256", true, 64, &sha)) < 0)
		return r;
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdefABCDEF") != 64)
		return bad(p, path, "\"sha256\" must be 64 hex digits");
	json_t *size = json_object_get(v, "size");
	if (!size)
		return bad(p, path, "\"size\" is missing");
	if (!json_is_integer(size) || json_integer_value(size) <= 0 ||
	    (unsigned long long)json_integer_value(size) > FETCH_SIZE_MAX)
		return bad(p, path, "\"size\" must be a whole number of bytes from 1 to %llu",
			   (unsigned long long)FETCH_SIZE_MAX);
	if ((r = take_url(p, path, "url", url, &ret->url)) < 0)
		return r;
	for (int i = 0; i < 64; i++)
		ret->sha256[i] = (char)tolower((unsigned char)sha[i]);
	ret->sha256[64] = '\0';
	ret->size = (uint64_t)json_integer_value(size);
	return 0;
}

static int parse_target(struct parser *p, const char *name, json_t *v, struct manifest_target *t)
{
	static const char *const keys[] = { "kernel", "initrds", "cmdline", NULL };
	char path[128], b[72];
	snprintf(path, sizeof(path), "targets.%s", printable(name, b));
	t->name = xstrdup(name);
	if (!valid_name(name))
		return bad(p, path, "a target name is 1 to %d of A-Z a-z 0-9 . _ -",
			   MANIFEST_NAME_MAX);
	if (!json_is_object(v))
		return bad(p, path, "must be an object");
	int r = check_keys(p, path, v, keys);
	if (r < 0)
		return r;
	json_t *kernel = json_object_get(v, "kernel");
	if (!kernel)
		return bad(p, path, "\"kernel\" is missing");
	char sub[160];
	snprintf(sub, sizeof(sub), "%s.kernel", path);
	if ((r = parse_artifact(p, sub, kernel, &t->kernel)) < 0)
		return r;
	json_t *initrds = json_object_get(v, "initrds");
	if (initrds) {
		if (!json_is_array(initrds))
			return bad(p, path, "\"initrds\" must be an array");
		if (json_array_size(initrds) > MANIFEST_INITRDS_MAX)
			return bad(p, path, "more than %d initrds", MANIFEST_INITRDS_MAX);
		t->initrds = xcalloc(json_array_size(initrds) ?: 1, sizeof(*t->initrds));
		size_t i;
		json_t *a;
		json_array_foreach(initrds, i, a) {
			snprintf(sub, sizeof(sub), "%s.initrds[%zu]", path, i);
			t->n_initrds = i + 1;
			if ((r = parse_artifact(p, sub, a, &t->initrds[i])) < 0)
				return r;
		}
	}
	const char *cmdline;
	if ((r = get_string(p, path, v, "cmdline", false, MANIFEST_CMDLINE_MAX, &cmdline)) < 0)
		return r;
	t->cmdline = xstrdup(cmdline ? cmdline : "");
	return 0;
}

static int cmp_targets(const void *a, const void *b)
{
	return strcmp(((const struct manifest_target *)a)->name,
		      ((const struct manifest_target *)b)->name);
}

static ssize_t target_index(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n_targets; i++)
		if (!strcmp(m->targets[i].name, name))
			return (ssize_t)i;
	return -1;
}

static int target_ref(struct parser *p, const char *path, const char *key, const char *name,
		      size_t *ret)
{
	ssize_t i = target_index(p->m, name);
	if (i < 0) {
		char b[72];
		return bad(p, path, "\"%s\" names target \"%s\", which the manifest does not define",
			   key, printable(name, b));
	}
	*ret = (size_t)i;
	return 0;
}

static const char *const selector_keys[MANIFEST_SEL_KINDS] = {
	[MANIFEST_SEL_UUID] = "uuid",
	[MANIFEST_SEL_XEN_UUID] = "xen_uuid",
	[MANIFEST_SEL_MAC] = "mac",
	[MANIFEST_SEL_HOSTNAME] = "hostname",
};

static int take_selector_value(struct parser *p, const char *path, enum manifest_selector_kind k,
			       json_t *v, struct manifest_values *out)
{
	if (!json_is_string(v))
		return bad(p, path, "\"%s\" values must be strings", selector_keys[k]);
	if (++p->values > MANIFEST_MATCH_VALUES_MAX)
		return bad(p, path, "more than %d selector values in all rules",
			   MANIFEST_MATCH_VALUES_MAX);
	const char *s = json_string_value(v);
	char norm[254];
	int r;
	switch (k) {
	case MANIFEST_SEL_UUID:
	case MANIFEST_SEL_XEN_UUID:
		r = uuid_normalize(s, norm);
		break;
	case MANIFEST_SEL_MAC:
		r = mac_normalize(s, norm);
		break;
	default:
		r = hostname_normalize(s, true, norm, sizeof(norm));
		break;
	}
	if (r < 0 || json_string_length(v) != strlen(s)) {
		char b[72];
		static const char *const what[] = { "a UUID", "a UUID", "a MAC address",
						    "a host name or pattern" };
		return bad(p, path, "\"%s\" is not %s", printable(s, b), what[k]);
	}
	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	out->v[out->n++] = xstrdup(norm);
	return 0;
}

static int parse_match(struct parser *p, const char *path, json_t *match,
		       struct manifest_rule *rule)
{
	static const char *const keys[] = { "any", "uuid", "xen_uuid", "mac", "hostname", NULL };
	if (!json_is_object(match))
		return bad(p, path, "\"match\" must be an object");
	char sub[160];
	snprintf(sub, sizeof(sub), "%s.match", path);
	int r = check_keys(p, sub, match, keys);
	if (r < 0)
		return r;
	json_t *any = json_object_get(match, "any");
	if (any) {
		if (!json_is_true(any))
			return bad(p, sub, "\"any\" can only be true");
		rule->any = true;
	}
	bool some = false;
	for (int k = 0; k < MANIFEST_SEL_KINDS; k++) {
		json_t *v = json_object_get(match, selector_keys[k]);
		if (!v)
			continue;
		some = true;
		if (json_is_array(v)) {
			if (json_array_size(v) == 0)
				return bad(p, sub, "\"%s\" is an empty list", selector_keys[k]);
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e)
				if ((r = take_selector_value(p, sub, (enum manifest_selector_kind)k, e,
							     &rule->sel[k])) < 0)
					return r;
		} else if ((r = take_selector_value(p, sub, (enum manifest_selector_kind)k, v,
						    &rule->sel[k])) < 0) {
			return r;
		}
	}
	if (rule->any && some)
		return bad(p, sub, "\"any\" cannot be combined with other selectors");
	if (!rule->any && !some)
		return bad(p, sub, "selects nothing: give \"any\": true or uuid/xen_uuid/mac/hostname");
	return 0;
}

static int parse_rollout(struct parser *p, const char *path, json_t *stages,
			 struct manifest_rule *rule)
{
	static const char *const keys[] = { "target", "percent", NULL };
	if (!json_is_array(stages) || json_array_size(stages) == 0)
		return bad(p, path, "\"rollout\" must be a non-empty array of stages");
	if (json_array_size(stages) > MANIFEST_STAGES_MAX)
		return bad(p, path, "more than %d rollout stages", MANIFEST_STAGES_MAX);
	size_t n = json_array_size(stages);
	rule->stages = xcalloc(n, sizeof(*rule->stages));
	unsigned total = 0;
	size_t i;
	json_t *s;
	json_array_foreach(stages, i, s) {
		char sub[160];
		snprintf(sub, sizeof(sub), "%s.rollout[%zu]", path, i);
		if (!json_is_object(s))
			return bad(p, sub, "a stage is an object {\"target\", \"percent\"}");
		int r = check_keys(p, sub, s, keys);
		const char *target;
		if (r < 0 || (r = get_string(p, sub, s, "target", true, MANIFEST_NAME_MAX, &target)) < 0)
			return r;
		struct manifest_stage *st = &rule->stages[i];
		rule->n_stages = i + 1;
		if ((r = target_ref(p, sub, "target", target, &st->target)) < 0)
			return r;
		json_t *pct = json_object_get(s, "percent");
		if (!pct) {
			if (i + 1 != n)
				return bad(p, sub, "only the last stage may leave out \"percent\" "
						   "(it takes the rest)");
			st->share_bp = MANIFEST_BUCKETS - total;
		} else {
			double d = json_is_number(pct) ? json_number_value(pct) : -1;
			if (!(d >= 0 && d <= 100))
				return bad(p, sub, "\"percent\" must be a number from 0 to 100");
			st->share_bp = (unsigned)(d * 100 + 0.5); /* d >= 0: rounds to nearest */
		}
		if (st->share_bp > MANIFEST_BUCKETS - total)
			return bad(p, sub, "the stages add up to more than 100 percent");
		total += st->share_bp;
		st->upto_bp = total;
	}
	return 0;
}

static int parse_rule(struct parser *p, size_t index, json_t *v, struct manifest_rule *rule)
{
	static const char *const keys[] = { "name", "match", "target", "rollout", "salt", NULL };
	char path[128];
	snprintf(path, sizeof(path), "rules[%zu]", index);
	if (!json_is_object(v))
		return bad(p, path, "a rule is an object");
	int r = check_keys(p, path, v, keys);
	if (r < 0)
		return r;
	const char *name, *target, *salt;
	if ((r = get_string(p, path, v, "name", false, MANIFEST_NAME_MAX, &name)) < 0)
		return r;
	if (name && !valid_name(name))
		return bad(p, path, "a rule name is 1 to %d of A-Z a-z 0-9 . _ -", MANIFEST_NAME_MAX);
	rule->name = name ? xstrdup(name) : xasprintf("#%zu", index + 1);
	json_t *match = json_object_get(v, "match");
	if (!match)
		return bad(p, path, "\"match\" is missing");
	if ((r = parse_match(p, path, match, rule)) < 0)
		return r;
	if ((r = get_string(p, path, v, "target", false, MANIFEST_NAME_MAX, &target)) < 0 ||
	    (r = get_string(p, path, v, "salt", false, MANIFEST_TEXT_MAX, &salt)) < 0)
		return r;
	json_t *rollout = json_object_get(v, "rollout");
	if (!!target == !!rollout)
		return bad(p, path, "a rule has either \"target\" or \"rollout\"");
	if (target) {
		if (salt)
			return bad(p, path, "\"salt\" belongs to rules with a \"rollout\"");
		rule->stages = xcalloc(1, sizeof(*rule->stages));
		rule->n_stages = 1;
		rule->stages[0] = (struct manifest_stage){ .share_bp = MANIFEST_BUCKETS,
							   .upto_bp = MANIFEST_BUCKETS };
		return target_ref(p, path, "target", target, &rule->stages[0].target);
	}
	if (!salt || !salt[0])
		return bad(p, path, "a rollout needs a \"salt\" (any text, new for each rollout)");
	rule->rollout = true;
	rule->salt = xstrdup(salt);
	return parse_rollout(p, path, rollout, rule);
}

static int cmp_artifact_ptrs(const void *a, const void *b)
{
	return strcmp((*(const struct manifest_artifact *const *)a)->url,
		      (*(const struct manifest_artifact *const *)b)->url);
}

/* One URL, one content: two entries naming the same URL must agree. */
static int check_artifacts_agree(struct parser *p)
{
	const struct manifest *m = p->m;
	size_t n = 0;
	for (size_t i = 0; i < m->n_targets; i++)
		n += 1 + m->targets[i].n_initrds;
	const struct manifest_artifact **all = xcalloc(n ?: 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < m->n_targets; i++) {
		all[k++] = &m->targets[i].kernel;
		for (size_t j = 0; j < m->targets[i].n_initrds; j++)
			all[k++] = &m->targets[i].initrds[j];
	}
	qsort(all, n, sizeof(*all), cmp_artifact_ptrs);
	int r = 0;
	for (size_t i = 1; i < n && r == 0; i++)
		if (!strcmp(all[i - 1]->url, all[i]->url) &&
		    (strcmp(all[i - 1]->sha256, all[i]->sha256) || all[i - 1]->size != all[i]->size)) {
			char b[72];
			r = bad(p, "targets", "%s is listed twice with a different sha256 or size",
				printable(all[i]->url, b));
		}
	free(all);
	return r;
}

static int parse_root(struct parser *p, json_t *root)
{
	static const char *const keys[] = { "version", "expires", "min_version", "targets",
					    "rules", "recovery", "report_url", NULL };
	struct manifest *m = p->m;
	if (!json_is_object(root))
		return bad(p, "manifest", "must be a JSON object");
	int r = check_keys(p, "manifest", root, keys);
	if (r < 0)
		return r;
	json_t *v = json_object_get(root, "version");
	if (!v || !json_is_integer(v) || json_integer_value(v) < 1)
		return bad(p, "version", "must be a whole number of 1 or more");
	m->version = (uint64_t)json_integer_value(v);
	v = json_object_get(root, "min_version");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(p, "min_version", "must be a whole number of 0 or more");
		m->min_version = (uint64_t)json_integer_value(v);
		if (m->min_version > m->version)
			return bad(p, "min_version", "%llu is above the manifest's own version %llu",
				   (unsigned long long)m->min_version, (unsigned long long)m->version);
	}
	const char *expires;
	if ((r = get_string(p, "manifest", root, "expires", true, 64, &expires)) < 0)
		return r;
	if (rfc3339_parse(expires, &m->expires) < 0) {
		char b[72];
		return bad(p, "expires", "\"%s\" is not an RFC 3339 time (2024-06-01T12:00:00Z)",
			   printable(expires, b));
	}
	m->expires_text = xstrdup(expires);

	json_t *targets = json_object_get(root, "targets");
	if (!targets || !json_is_object(targets) || json_object_size(targets) == 0)
		return bad(p, "targets", "must be an object with at least one target");
	if (json_object_size(targets) > MANIFEST_TARGETS_MAX)
		return bad(p, "targets", "more than %d targets", MANIFEST_TARGETS_MAX);
	m->targets = xcalloc(json_object_size(targets), sizeof(*m->targets));
	const char *name;
	json_object_foreach(targets, name, v) {
		struct manifest_target *t = &m->targets[m->n_targets++];
		if ((r = parse_target(p, name, v, t)) < 0)
			return r;
	}
	qsort(m->targets, m->n_targets, sizeof(*m->targets), cmp_targets);
	if ((r = check_artifacts_agree(p)) < 0)
		return r;

	json_t *rules = json_object_get(root, "rules");
	if (!rules || !json_is_array(rules))
		return bad(p, "rules", "must be an array");
	if (json_array_size(rules) > MANIFEST_RULES_MAX)
		return bad(p, "rules", "more than %d rules", MANIFEST_RULES_MAX);
	m->rules = xcalloc(json_array_size(rules) ?: 1, sizeof(*m->rules));
	size_t i;
	json_array_foreach(rules, i, v) {
		m->n_rules = i + 1;
		if ((r = parse_rule(p, i, v, &m->rules[i])) < 0)
			return r;
	}

	const char *recovery, *report;
	if ((r = get_string(p, "manifest", root, "recovery", false, MANIFEST_NAME_MAX, &recovery)) < 0)
		return r;
	if (recovery) {
		size_t idx;
		if ((r = target_ref(p, "manifest", "recovery", recovery, &idx)) < 0)
			return r;
		m->recovery = &m->targets[idx];
	}
	if ((r = get_string(p, "manifest", root, "report_url", false, MANIFEST_URL_MAX, &report)) < 0)
		return r;
	if (report) {
		if ((r = take_url(p, "report_url", "report_url", report, &m->report_url)) < 0)
			return r;
		/* A relative one takes the manifest's scheme (a manifest read from a file or
		 * over TFTP then has no report; manifest_report says so). */
		if (url_is_absolute(report) && strncasecmp(report, "http://", 7) &&
		    strncasecmp(report, "https://", 8))
			return bad(p, "report_url", "must be an http:// or https:// URL");
	}
	return 0;
}

int manifest_parse(const char *text, size_t len, const char *url, struct manifest *ret,
		   char *err, size_t err_len)
{
	if (len > MANIFEST_SIZE_MAX) {
		set_err(err, err_len, "manifest is larger than %u bytes", MANIFEST_SIZE_MAX);
		return -EFBIG;
	}
	json_error_t je;
	/* Duplicate keys are refused: two readers must never see two different manifests. */
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char b[72];
		set_err(err, err_len, "not valid JSON: line %d column %d: %s", je.line, je.column,
			printable(je.text, b));
		return -EBADMSG;
	}
	struct manifest m = { .url = url ? xstrdup(url) : NULL };
	struct parser p = { .base = url, .err = err, .err_len = err_len, .m = &m };
	int r = parse_root(&p, root);
	json_decref(root);
	if (r < 0) {
		manifest_free(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n_targets; i++) {
		struct manifest_target *t = &m->targets[i];
		free(t->name);
		free(t->kernel.url);
		for (size_t j = 0; j < t->n_initrds; j++)
			free(t->initrds[j].url);
		free(t->initrds);
		free(t->cmdline);
	}
	free(m->targets);
	for (size_t i = 0; i < m->n_rules; i++) {
		struct manifest_rule *r = &m->rules[i];
		free(r->name);
		for (int k = 0; k < MANIFEST_SEL_KINDS; k++) {
			for (size_t j = 0; j < r->sel[k].n; j++)
				free(r->sel[k].v[j]);
			free(r->sel[k].v);
		}
		free(r->salt);
		free(r->stages);
	}
	free(m->rules);
	free(m->expires_text);
	free(m->url);
	free(m->report_url);
	*m = (struct manifest){ 0 };
}

const struct manifest_target *manifest_target_find(const struct manifest *m, const char *name)
{
	ssize_t i = target_index(m, name);
	return i < 0 ? NULL : &m->targets[i];
}

/* ---- signature, freshness, rollback ------------------------------------------------------ */

int manifest_verify(const struct minisign_keyring *kr, const char *url, const char *text,
		    size_t len, const char *sig, size_t sig_len, struct manifest *ret,
		    struct minisign_verified *ret_signer, char *err, size_t err_len)
{
	if (len > MANIFEST_SIZE_MAX) {
		set_err(err, err_len, "manifest is larger than %u bytes", MANIFEST_SIZE_MAX);
		return -EFBIG;
	}
	if (!kr || kr->n == 0) {
		set_err(err, err_len, "no trusted public key to check the signature with");
		return -ENOKEY;
	}
	struct minisign_verified v;
	char why[256];
	int r = minisign_verify(kr, text, len, sig, sig_len, &v, why, sizeof(why));
	if (r < 0) {
		set_err(err, err_len, "bad signature: %s", why);
		return r;
	}
	r = manifest_parse(text, len, url, ret, err, err_len);
	if (r < 0) {
		minisign_verified_free(&v);
		return r;
	}
	if (ret_signer)
		*ret_signer = v;
	else
		minisign_verified_free(&v);
	return 0;
}

int manifest_check(const struct manifest *m, const struct manifest_policy *p, char *err,
		   size_t err_len)
{
	char when[32], now[32];
	if (m->expires <= p->now) {
		rfc3339_format(m->expires, when);
		rfc3339_format(p->now, now);
		set_err(err, err_len, "manifest version %llu expired at %s (now %s)",
			(unsigned long long)m->version, when, now);
		return -EKEYEXPIRED;
	}
	if (m->version < m->min_version) {
		set_err(err, err_len, "manifest version %llu is below its min_version %llu",
			(unsigned long long)m->version, (unsigned long long)m->min_version);
		return -ESTALE;
	}
	if (m->version < p->min_version) {
		set_err(err, err_len, "manifest version %llu is below the required minimum %llu",
			(unsigned long long)m->version, (unsigned long long)p->min_version);
		return -ESTALE;
	}
	if (p->have_highest_seen && m->version < p->highest_seen) {
		set_err(err, err_len, "manifest version %llu is older than version %llu this machine "
				      "already accepted (rollback refused)",
			(unsigned long long)m->version, (unsigned long long)p->highest_seen);
		return -ESTALE;
	}
	return 0;
}

/* ---- "highest version seen" -------------------------------------------------------------- */

static int state_file_load(void *ctx, uint64_t *ret_version, char *err, size_t err_len)
{
	const char *path = ctx;
	char *text;
	size_t len;
	int r = file_read_all(path, MANIFEST_STATE_SIZE_MAX, &text, &len);
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		set_err(err, err_len, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	const char *key = "highest_version=";
	size_t klen = strlen(key), n = len;
	if (n && text[n - 1] == '\n')
		n--;
	size_t digits = n > klen ? strspn(text + klen, "0123456789") : 0;
	long v = -1;
	if (n > klen && !strncmp(text, key, klen) && digits == n - klen && digits <= 19) {
		text[n] = '\0';
		if (str_to_long(text + klen, 10, &v) < 0)
			v = -1;
	}
	free(text);
	if (v < 0) {
		set_err(err, err_len, "%s is corrupt (want \"highest_version=N\"); remove it to "
				      "accept manifests again", path);
		return -EBADMSG;
	}
	*ret_version = (uint64_t)v;
	return 0;
}

static int state_file_store(void *ctx, uint64_t version, char *err, size_t err_len)
{
	const char *path = ctx;
	char *tmp = xasprintf("%s.new", path);
	char line[64];
	int n = snprintf(line, sizeof(line), "highest_version=%llu\n", (unsigned long long)version);
	int r = 0;
	errno = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		set_err(err, err_len, "cannot write %s: %s", path, strerror(-r));
		unlink(tmp);
		free(tmp);
		return r;
	}
	free(tmp);
	/* The rename itself must reach the disk. */
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	return 0;
}

static const struct manifest_state_ops state_file_ops = { state_file_load, state_file_store };

void manifest_state_file(struct manifest_state *st, const char *path)
{
	st->ops = &state_file_ops;
	st->ctx = (void *)path;
}

static int state_memory_load(void *ctx, uint64_t *ret_version, char *err, size_t err_len)
{
	uint64_t *cell = ctx;
	if (*cell == 0)
		return -ENOENT;
	*ret_version = *cell;
	return 0;
}

static int state_memory_store(void *ctx, uint64_t version, char *err, size_t err_len)
{
	*(uint64_t *)ctx = version;
	return 0;
}

static const struct manifest_state_ops state_memory_ops = { state_memory_load,
							    state_memory_store };

void manifest_state_memory(struct manifest_state *st, uint64_t *cell)
{
	st->ops = &state_memory_ops;
	st->ctx = cell;
}

int manifest_state_apply(const struct manifest_state *st, struct manifest_policy *p, char *err,
			 size_t err_len)
{
	if (!st || !st->ops)
		return 0;
	uint64_t v = 0;
	int r = st->ops->load(st->ctx, &v, err, err_len);
	if (r == -ENOENT)
		v = 0; /* a machine that has not accepted a manifest yet */
	else if (r < 0)
		return r;
	p->have_highest_seen = true;
	p->highest_seen = v;
	return 0;
}

int manifest_state_record(const struct manifest_state *st, uint64_t version, char *err,
			  size_t err_len)
{
	if (!st || !st->ops)
		return 0;
	uint64_t v = 0;
	int r = st->ops->load(st->ctx, &v, err, err_len);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && v >= version)
		return 0;
	return st->ops->store(st->ctx, version, err, err_len);
}

int manifest_accept(const struct manifest *m, const struct manifest_policy *p,
		    const struct manifest_state *st, char *err, size_t err_len)
{
	struct manifest_policy pol = *p;
	int r = manifest_state_apply(st, &pol, err, err_len);
	if (r == 0)
		r = manifest_check(m, &pol, err, err_len);
	if (r < 0)
		return r;
	char why[256];
	if (manifest_state_record(st, m->version, why, sizeof(why)) < 0)
		log_warn("Cannot remember manifest version %llu (%s), ignoring",
			 (unsigned long long)m->version, why);
	return 0;
}

/* url + ".minisig", before any query or fragment. */
static char *signature_url(const char *url)
{
	const char *sep = strstr(url, "://");
	const char *q = strpbrk(sep ? sep + 3 : url, "?#");
	size_t n = q ? (size_t)(q - url) : strlen(url);
	return xasprintf("%.*s.minisig%s", (int)n, url, q ? q : "");
}

static int fetch_small(const char *url, const struct fetch_options *o, uint64_t max,
		       const char *what, char **ret, size_t *ret_len, char *err, size_t err_len)
{
	struct fetch_options fo = *o;
	fo.expect_sha256 = NULL;
	fo.expect_size = -1;
	fo.max_size = max;
	fo.progress = false;
	struct fetch_result res;
	int r = fetch_url(url, &fo, &res);
	if (r == -EFBIG) {
		set_err(err, err_len, "%s %s is larger than %llu bytes", what, url,
			(unsigned long long)max);
		return r;
	}
	if (r < 0) {
		set_err(err, err_len, "cannot fetch %s: %s", what, res.error);
		return r;
	}
	r = fd_read_all(res.fd, (size_t)max, ret, ret_len);
	fetch_result_free(&res);
	if (r < 0)
		set_err(err, err_len, "cannot read %s %s: %s", what, url, strerror(-r));
	return r;
}

int manifest_fetch(const char *url, const struct minisign_keyring *kr,
		   const struct manifest_policy *p, const struct manifest_state *st,
		   const struct fetch_options *o, struct manifest *ret,
		   struct minisign_verified *ret_signer, char *err, size_t err_len)
{
	struct fetch_options defaults = { .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT };
	if (!o)
		o = &defaults;
	char *text = NULL, *sig = NULL, *sig_url = signature_url(url);
	size_t len = 0, sig_len = 0;
	struct manifest m;
	struct minisign_verified v = { 0 };
	int r = fetch_small(url, o, MANIFEST_SIZE_MAX, "manifest", &text, &len, err, err_len);
	if (r == 0)
		r = fetch_small(sig_url, o, MINISIGN_SIG_FILE_MAX, "manifest signature", &sig,
				&sig_len, err, err_len);
	if (r == 0)
		r = manifest_verify(kr, url, text, len, sig, sig_len, &m, &v, err, err_len);
	free(text);
	free(sig);
	free(sig_url);
	if (r < 0)
		return r;
	if ((r = manifest_accept(&m, p, st, err, err_len)) < 0) {
		manifest_free(&m);
		minisign_verified_free(&v);
		return r;
	}
	*ret = m;
	if (ret_signer)
		*ret_signer = v;
	else
		minisign_verified_free(&v);
	return 0;
}

/* ---- selection ---------------------------------------------------------------------------- */

static bool values_hold(const struct manifest_values *vals, const char *s)
{
	for (size_t i = 0; i < vals->n; i++)
		if (!strcmp(vals->v[i], s))
			return true;
	return false;
}

/* Does rule select id? Every selector kind the rule names must match (values of one kind
 * are alternatives). why gets what matched. */
static bool rule_matches(const struct manifest_rule *rule, const struct machine_identity *id,
			 char *why, size_t why_len)
{
	if (rule->any) {
		snprintf(why, why_len, "any machine");
		return true;
	}
	struct strbuf sb = { 0 };
	bool ok = true;
	for (int k = 0; k < MANIFEST_SEL_KINDS && ok; k++) {
		const struct manifest_values *vals = &rule->sel[k];
		if (!vals->n)
			continue;
		const char *hit = NULL;
		switch (k) {
		case MANIFEST_SEL_UUID:
			hit = id->uuid[0] && values_hold(vals, id->uuid) ? id->uuid : NULL;
			break;
		case MANIFEST_SEL_XEN_UUID:
			hit = id->xen_uuid[0] && values_hold(vals, id->xen_uuid) ? id->xen_uuid : NULL;
			break;
		case MANIFEST_SEL_MAC:
			for (size_t i = 0; i < id->n_macs && !hit; i++)
				if (values_hold(vals, id->macs[i]))
					hit = id->macs[i];
			break;
		case MANIFEST_SEL_HOSTNAME:
			for (size_t i = 0; i < vals->n && !hit && id->hostname[0]; i++)
				if (glob_match(vals->v[i], id->hostname))
					hit = id->hostname;
			break;
		}
		ok = hit != NULL;
		if (hit)
			strbuf_addf(&sb, "%s%s %s", sb.len ? ", " : "", selector_keys[k], hit);
	}
	if (ok)
		snprintf(why, why_len, "%s", sb.buf ? sb.buf : "");
	strbuf_free(&sb);
	return ok;
}

int manifest_select(const struct manifest *m, const struct machine_identity *id,
		    struct manifest_choice *ret)
{
	const char *key = machine_identity_cohort_key(id);
	struct manifest_choice c = { .stage = -1, .bucket = -1 };
	for (size_t i = 0; i < m->n_rules; i++) {
		const struct manifest_rule *rule = &m->rules[i];
		char matched[256];
		if (!rule_matches(rule, id, matched, sizeof(matched)))
			continue;
		if (!rule->rollout) {
			c.target = &m->targets[rule->stages[0].target];
			c.rule = rule;
			c.rule_index = i;
			snprintf(c.why, sizeof(c.why), "rule %s (%s) -> target %s", rule->name, matched,
				 c.target->name);
			*ret = c;
			return 0;
		}
		/* No identity at all: the last bucket, so such machines move last. */
		unsigned bucket = key ? manifest_cohort_bucket(rule->salt, key) : MANIFEST_BUCKETS - 1;
		unsigned from = 0;
		for (size_t s = 0; s < rule->n_stages; s++) {
			const struct manifest_stage *st = &rule->stages[s];
			if (bucket < st->upto_bp) {
				c.target = &m->targets[st->target];
				c.rule = rule;
				c.rule_index = i;
				c.stage = (int)s;
				c.bucket = (int)bucket;
				char *why = xasprintf(
					"rule %s (%s), rollout: bucket %u of %s is in stage %zu "
					"[%u, %u) (%u.%02u%%) -> target %s",
					rule->name, matched, bucket, key ? key : "(no identity)", s + 1,
					from, st->upto_bp, st->share_bp / 100, st->share_bp % 100,
					c.target->name);
				snprintf(c.why, sizeof(c.why), "%s", why);
				free(why);
				*ret = c;
				return 0;
			}
			from = st->upto_bp;
		}
		/* The stages do not cover this bucket: the rule does not apply; go on. */
	}
	snprintf(c.why, sizeof(c.why), "no rule matches this machine");
	*ret = c;
	return -ENOENT;
}

/* Scheme and host compare without case; the rest exactly. */
static bool url_equal(const char *a, const char *b)
{
	const char *sa = strstr(a, "://"), *sb = strstr(b, "://");
	if (!sa || !sb)
		return strcmp(a, b) == 0;
	const char *pa = strpbrk(sa + 3, "/?#"), *pb = strpbrk(sb + 3, "/?#");
	size_t oa = pa ? (size_t)(pa - a) : strlen(a), ob = pb ? (size_t)(pb - b) : strlen(b);
	return oa == ob && strncasecmp(a, b, oa) == 0 && strcmp(a + oa, b + ob) == 0;
}

const struct manifest_artifact *manifest_artifact_find(const struct manifest *m, const char *url)
{
	for (size_t i = 0; i < m->n_targets; i++) {
		const struct manifest_target *t = &m->targets[i];
		if (url_equal(t->kernel.url, url))
			return &t->kernel;
		for (size_t j = 0; j < t->n_initrds; j++)
			if (url_equal(t->initrds[j].url, url))
				return &t->initrds[j];
	}
	return NULL;
}

int manifest_fetch_artifact(const struct manifest_artifact *a, const struct fetch_options *o,
			    struct fetch_result *ret)
{
	struct fetch_options fo = { .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT };
	if (o)
		fo = *o;
	fo.expect_sha256 = a->sha256;
	fo.expect_size = (int64_t)a->size;
	/* Not a byte more than the manifest says: a server cannot fill memory first. */
	fo.max_size = a->size;
	return fetch_url(a->url, &fo, ret);
}

const char *manifest_expected(void *ctx, const char *url, int64_t *ret_size)
{
	const struct manifest_artifact *a = manifest_artifact_find(ctx, url);
	if (!a)
		return NULL;
	*ret_size = (int64_t)a->size;
	return a->sha256;
}

static bool is_kxboot_param(const char *w, size_t n)
{
	static const char *const names[] = { "kxboot.target", "kxboot.manifest_version" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t k = strlen(names[i]);
		if (n >= k && !strncmp(w, names[i], k) && (n == k || w[k] == '='))
			return true;
	}
	return false;
}

char *manifest_cmdline(const struct manifest *m, const struct manifest_target *t)
{
	struct strbuf sb = { 0 };
	char *ours = xasprintf("kxboot.target=%s kxboot.manifest_version=%llu", t->name,
			       (unsigned long long)m->version);
	bool placed = false;
	/* Words are separated by spaces outside double quotes, as the kernel splits them.
	 * Ours go before a "--" (what follows it is for init). */
	const char *p = t->cmdline;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		const char *w = p;
		bool quoted = false;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		size_t n = (size_t)(p - w);
		if (is_kxboot_param(w, n))
			continue;
		if (!placed && n == 2 && !strncmp(w, "--", 2)) {
			strbuf_addf(&sb, "%s%s", sb.len ? " " : "", ours);
			placed = true;
		}
		if (sb.len)
			strbuf_addc(&sb, ' ');
		strbuf_add(&sb, w, n);
	}
	if (!placed)
		strbuf_addf(&sb, "%s%s", sb.len ? " " : "", ours);
	free(ours);
	return strbuf_steal(&sb);
}

/* ---- boot reports ------------------------------------------------------------------------ */

static const char *outcome_name(enum manifest_outcome o)
{
	switch (o) {
	case MANIFEST_OUTCOME_BOOTING:
		return "booting";
	case MANIFEST_OUTCOME_RECOVERY:
		return "recovery";
	default:
		return "failed";
	}
}

static json_t *string_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

char *manifest_report_json(const struct manifest *m, const struct manifest_report *rep)
{
	char when[32];
	rfc3339_format(rep->time, when);
	json_t *machine = json_object();
	static const struct machine_identity none;
	const struct machine_identity *id = rep->id ? rep->id : &none;
	json_object_set_new(machine, "uuid", string_or_null(id->uuid));
	json_object_set_new(machine, "xen_uuid", string_or_null(id->xen_uuid));
	json_t *macs = json_array();
	for (size_t i = 0; i < id->n_macs; i++)
		json_array_append_new(macs, json_string(id->macs[i]));
	json_object_set_new(machine, "macs", macs);
	json_object_set_new(machine, "hostname", string_or_null(id->hostname));
	/* The error text is ours, but may quote input: keep it short and valid UTF-8. */
	char error[512] = "";
	if (rep->error)
		for (size_t i = 0; rep->error[i] && i + 1 < sizeof(error); i++)
			error[i] = rep->error[i] >= 0x20 && rep->error[i] < 0x7f ? rep->error[i] : '?';
	json_t *root = json_object();
	json_object_set_new(root, "kxboot_report", json_integer(1));
	json_object_set_new(root, "time", json_string(when));
	json_object_set_new(root, "machine", machine);
	json_object_set_new(root, "manifest_version",
			    m ? json_integer((json_int_t)m->version) : json_null());
	json_object_set_new(root, "target", string_or_null(rep->target));
	json_object_set_new(root, "rule", string_or_null(rep->rule));
	json_object_set_new(root, "outcome", json_string(outcome_name(rep->outcome)));
	json_object_set_new(root, "error", string_or_null(error));
	char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return xstrdup("{}");
	char *out = xstrdup(text);
	free(text);
	return out;
}

static size_t report_discard(char *data, size_t size, size_t n, void *userdata)
{
	size_t *total = userdata;
	*total += size * n;
	return *total > 65536 ? 0 : size * n; /* a reply is not read; a flood is cut off */
}

int manifest_report(const struct manifest *m, const struct manifest_report *rep,
		    const struct fetch_options *o, char *err, size_t err_len)
{
	if (!m || !m->report_url)
		return 0;
	if (strncasecmp(m->report_url, "http://", 7) && strncasecmp(m->report_url, "https://", 8)) {
		set_err(err, err_len, "report_url %s is not an http(s) URL", m->report_url);
		return -EPROTONOSUPPORT;
	}
	char *body = manifest_report_json(m, rep);
	if (strlen(body) > MANIFEST_REPORT_SIZE_MAX) {
		free(body);
		set_err(err, err_len, "report larger than %u bytes", MANIFEST_REPORT_SIZE_MAX);
		return -EFBIG;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(body);
		set_err(err, err_len, "libcurl failed to start");
		return -ENOMEM;
	}
	CURL *curl = curl_easy_init();
	if (!curl) {
		free(body);
		set_err(err, err_len, "libcurl failed to start");
		return -ENOMEM;
	}
	char curl_err[CURL_ERROR_SIZE] = "";
	size_t replied = 0;
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue": it would spend a second of the budget waiting. */
	headers = curl_slist_append(headers, "Expect:");
	CURLcode c = CURLE_OK;
#define SET(option, value)                                          \
	do {                                                        \
		if (c == CURLE_OK)                                  \
			c = curl_easy_setopt(curl, option, value); \
	} while (0)
	SET(CURLOPT_URL, m->report_url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TIMEOUT_MS, (long)MANIFEST_REPORT_TIMEOUT_MS);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)MANIFEST_REPORT_TIMEOUT_MS);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "kxboot/0.1");
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_WRITEFUNCTION, report_discard);
	SET(CURLOPT_WRITEDATA, &replied);
	SET(CURLOPT_ERRORBUFFER, curl_err);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o && o->ca_file) {
		SET(CURLOPT_CAINFO, o->ca_file);
		SET(CURLOPT_CAPATH, (char *)NULL);
	} else if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		SET(CURLOPT_CAINFO, "/etc/ssl/certs/ca-certificates.crt");
	}
	if (o && o->pin)
		SET(CURLOPT_PINNEDPUBLICKEY, o->pin);
#undef SET
	int r = 0;
	if (c != CURLE_OK) {
		set_err(err, err_len, "libcurl refused an option: %s", curl_easy_strerror(c));
		r = -EINVAL;
	} else {
		c = curl_easy_perform(curl);
		long status = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (c == CURLE_OPERATION_TIMEDOUT) {
			set_err(err, err_len, "%s: no answer within %d ms", m->report_url,
				MANIFEST_REPORT_TIMEOUT_MS);
			r = -ETIMEDOUT;
		} else if (c != CURLE_OK && c != CURLE_WRITE_ERROR) {
			set_err(err, err_len, "%s: %s", m->report_url,
				curl_err[0] ? curl_err : curl_easy_strerror(c));
			r = -EIO;
		} else if (status < 200 || status > 299) {
			set_err(err, err_len, "%s: HTTP status %ld", m->report_url, status);
			r = -EIO;
		}
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(body);
	return r;
}
