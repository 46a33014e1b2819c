/* cmd_list.c — `kxboot-xen list [--json]`: every domain, the kxboot settings dom0 gave it
 * (/local/domain/<id>/kxboot/) and what kxboot reported (/local/domain/<id>/data/kxboot/). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "util.h"
#include "xen_tool/xentool.h"

static json_t *kv_json(const struct xen_kv *kv)
{
	json_t *o = json_object();
	for (size_t i = 0; i < kv->n; i++) {
		/* Guest-written text may not be UTF-8: jansson refuses that, so keep ASCII. */
		char buf[XENTOOL_VALUE_MAX + 1];
		xentool_sanitize(kv->value[i], buf, sizeof(buf));
		char key[80];
		xentool_sanitize(kv->key[i], key, sizeof(key));
		json_object_set_new(o, key, json_string(buf));
	}
	return o;
}

static const char *cell(const struct xen_kv *kv, const char *key, char *buf, size_t len)
{
	const char *v = xen_kv_get(kv, key);
	if (!v || !*v)
		return "-";
	xentool_sanitize(v, buf, len);
	return buf;
}

int xentool_cmd_list(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: kxboot-xen list [--json]\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "kxboot-xen list: unknown argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	struct xen_domain *doms;
	size_t n;
	if (xentool_domains(&doms, &n) < 0)
		return EXIT_FAIL;
	struct xs_handle *xs = xentool_xs();
	if (!xs) {
		free(doms);
		return EXIT_FAIL;
	}
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		printf("%-5s %-20s %-4s %-8s %-16s %-8s %s\n", "ID", "NAME", "TYPE", "STATE",
		       "TARGET", "VERSION", "SETTINGS");
	for (size_t i = 0; i < n; i++) {
		const struct xen_domain *d = &doms[i];
		struct xen_kv settings, report;
		xentool_read_settings(xs, d->domid, &settings);
		xentool_read_report(xs, d->domid, &report);
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "domid", json_integer(d->domid));
			json_object_set_new(o, "name", json_string(d->name));
			json_object_set_new(o, "uuid", json_string(d->uuid));
			json_object_set_new(o, "type", json_string(d->type));
			json_object_set_new(o, "settings", kv_json(&settings));
			json_object_set_new(o, "report", kv_json(&report));
			json_array_append_new(arr, o);
		} else {
			char state[32], target[80], version[24], err[256];
			struct strbuf sb = { 0 };
			for (size_t k = 0; k < settings.n; k++) {
				char v[256];
				xentool_sanitize(settings.value[k], v, sizeof(v));
				strbuf_addf(&sb, "%s%s=%s", sb.len ? " " : "", settings.key[k], v);
			}
			printf("%-5u %-20s %-4s %-8s %-16s %-8s %s\n", d->domid, d->name, d->type,
			       cell(&report, "state", state, sizeof(state)),
			       cell(&report, "target", target, sizeof(target)),
			       cell(&report, "manifest_version", version, sizeof(version)),
			       sb.len ? sb.buf : "-");
			if (xen_kv_get(&report, "error"))
				printf("      error: %s\n",
				       cell(&report, "error", err, sizeof(err)));
			strbuf_free(&sb);
		}
		xen_kv_free(&settings);
		xen_kv_free(&report);
	}
	if (json) {
		json_t *top = json_object();
		json_object_set_new(top, "domains", arr);
		char *text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(top);
		if (text)
			printf("%s\n", text);
		free(text);
	}
	free(doms);
	return EXIT_OK;
}
