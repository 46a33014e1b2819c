/* xen.c — xenstore through libxenstore (/dev/xen/xenbus in the guest). */
#include "xen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

#include "log.h"
#include "util.h"

static struct xs_handle *xs;
static char domain_path[64];
static bool tried;

static bool under_xen(void)
{
	char *data;
	size_t len;
	if (file_read_all("/sys/hypervisor/type", 64, &data, &len) < 0)
		return false;
	bool xen = !strncmp(data, "xen", 3);
	free(data);
	return xen;
}

static struct xs_handle *xen_store(void)
{
	if (tried)
		return xs;
	tried = true;
	if (!under_xen())
		return NULL;
	xs = xs_open(0);
	if (!xs) {
		log_warn("Xen guest without xenstore access (/dev/xen/xenbus), per-domain settings ignored");
		return NULL;
	}
	unsigned len = 0;
	char *domid = xs_read(xs, XBT_NULL, "domid", &len);
	if (!domid) {
		log_warn("xenstore: cannot read this domain's id, ignoring xenstore");
		xs_close(xs);
		xs = NULL;
		return NULL;
	}
	snprintf(domain_path, sizeof(domain_path), "/local/domain/%.16s", domid);
	free(domid);
	return xs;
}

int xen_settings_apply(struct boot_options *o)
{
	struct xs_handle *h = xen_store();
	if (!h)
		return 0;
	const char *const *keys = xen_setting_keys;
	struct strbuf words = { 0 };
	int applied = 0;
	for (size_t i = 0; keys[i]; i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/kxboot/%s", domain_path, keys[i]);
		unsigned len = 0;
		char *v = xs_read(h, XBT_NULL, path, &len);
		if (!v)
			continue;
		/* Booleans: present and not "0"/"false" turns them on. */
		bool boolean = !strcmp(keys[i], "locked") || !strcmp(keys[i], "insecure") ||
			       !strcmp(keys[i], "debug");
		if (boolean) {
			if (strcmp(v, "0") && strcmp(v, "false") && strcmp(v, "no"))
				strbuf_addf(&words, " kxboot.%s", keys[i]);
		} else if (!strchr(v, '"')) {
			strbuf_addf(&words, " \"kxboot.%s=%s\"", keys[i], v);
		}
		log_info("xenstore: %s=%s", keys[i], v);
		free(v);
		applied++;
	}
	if (applied) {
		/* Parse the values as command-line words, then lay them over o. */
		struct boot_options x;
		boot_options_parse(&x, words.buf);
		if (x.url) {
			free(o->url);
			o->url = x.url;
			x.url = NULL;
		}
		if (x.manifest) {
			free(o->manifest);
			o->manifest = x.manifest;
			x.manifest = NULL;
		}
		if (x.entry) {
			free(o->entry);
			o->entry = x.entry;
			x.entry = NULL;
		}
		if (strstr(words.buf, "kxboot.mode="))
			o->mode = x.mode;
		if (x.timeout != -2)
			o->timeout = x.timeout;
		o->locked |= x.locked;
		o->insecure |= x.insecure;
		o->debug |= x.debug;
		o->policy_signed |= x.policy_signed;
		if (x.min_version > o->min_version)
			o->min_version = x.min_version;
		boot_options_free(&x);
	}
	strbuf_free(&words);
	return applied;
}

void xen_report(const char *key, const char *value)
{
	struct xs_handle *h = xen_store();
	if (!h)
		return;
	char path[192];
	snprintf(path, sizeof(path), "%s/data/kxboot/%s", domain_path, key);
	if (!xs_write(h, XBT_NULL, path, value, (unsigned)strlen(value)))
		log_debug("xenstore: cannot write %s", path);
}

const char *const xen_setting_keys[] = { "url",	    "manifest",	   "entry",  "mode",  "timeout",
					 "locked",  "insecure",	   "min_version", "policy", "debug",
					 NULL };

static bool is_boolean_key(const char *key)
{
	return !strcmp(key, "locked") || !strcmp(key, "insecure") || !strcmp(key, "debug");
}

int xen_setting_check(const char *key, const char *value, char *err, size_t err_len)
{
	size_t i;
	for (i = 0; xen_setting_keys[i]; i++)
		if (!strcmp(key, xen_setting_keys[i]))
			break;
	if (!xen_setting_keys[i]) {
		snprintf(err, err_len, "'%s' is not a setting kxboot reads (url, manifest, entry, mode, "
			 "timeout, locked, insecure, min_version, policy, debug)", key);
		return -ENOENT;
	}
	/* xenstore values are at most 4096 bytes; kxboot drops values with a '"' (they would
	 * break its command-line quoting) and nothing here needs control characters. */
	size_t n = strlen(value);
	if (n == 0 || n > 4095) {
		snprintf(err, err_len, "%s: the value must be 1 to 4095 bytes", key);
		return -EINVAL;
	}
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"') {
			snprintf(err, err_len, "%s: no control characters or '\"' in the value", key);
			return -EINVAL;
		}
	long v;
	if (!strcmp(key, "url") || !strcmp(key, "manifest")) {
		if (!strstr(value, "://") || strpbrk(value, " \t")) {
			snprintf(err, err_len, "%s=%s is not a URL", key, value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "mode")) {
		if (strcmp(value, "auto") && strcmp(value, "disk") && strcmp(value, "net") &&
		    strcmp(value, "recovery")) {
			snprintf(err, err_len, "mode=%s: want auto, disk, net or recovery", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "policy")) {
		if (strcmp(value, "signed") && strcmp(value, "any")) {
			snprintf(err, err_len, "policy=%s: want signed or any", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "timeout")) {
		if (str_to_long(value, 10, &v) < 0 || v < -1 || v >= 86400) {
			snprintf(err, err_len, "timeout=%s: want seconds from -1 (wait) to 86399", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "min_version")) {
		if (str_to_long(value, 10, &v) < 0 || v < 0) {
			snprintf(err, err_len, "min_version=%s is not a version number", value);
			return -EINVAL;
		}
	} else if (is_boolean_key(key)) {
		static const char *const words[] = { "1", "0", "true", "false", "yes", "no" };
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(words); k++)
			ok = ok || !strcmp(value, words[k]);
		if (!ok) {
			snprintf(err, err_len, "%s=%s: want 1, 0, true, false, yes or no", key, value);
			return -EINVAL;
		}
	}
	return 0;
}

enum xen_report_verdict xen_report_judge(const char *state, const char *manifest_version,
					 const char *error, uint64_t want_version, char *why,
					 size_t why_len)
{
	if (!state) {
		snprintf(why, why_len, "no report yet");
		return XEN_REPORT_PENDING;
	}
	bool booted = !strcmp(state, "kexec") || !strcmp(state, "pvboot");
	if (!strcmp(state, "failed") || !strcmp(state, "shell")) {
		snprintf(why, why_len, "kxboot reported state '%s'%s%.512s%s", state,
			 error ? " (" : ", no error given", error ? error : "", error ? ")" : "");
		return XEN_REPORT_FAILED;
	}
	if (!booted) {
		snprintf(why, why_len, "state '%.64s'", state);
		return XEN_REPORT_PENDING;
	}
	long v;
	if (!manifest_version || str_to_long(manifest_version, 10, &v) < 0 || v <= 0) {
		snprintf(why, why_len, "booted (state '%s') but not from a manifest", state);
		return XEN_REPORT_FAILED;
	}
	if ((uint64_t)v < want_version) {
		snprintf(why, why_len, "booted manifest version %ld, older than version %llu that "
			 "was rolled out", v, (unsigned long long)want_version);
		return XEN_REPORT_FAILED;
	}
	snprintf(why, why_len, "booted manifest version %ld (state '%s')", v, state);
	return XEN_REPORT_BOOTED;
}
