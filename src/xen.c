/* xen.c — xenstore through libxenstore (/dev/xen/xenbus in the guest). */
#include "xen.h"

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
	static const char *const keys[] = { "url", "manifest", "entry", "mode", "timeout", "locked",
					    "insecure", "min_version", "policy", "debug", NULL };
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
