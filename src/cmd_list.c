/* cmd_list.c — `kxboot list`: the menu kxboot would offer, as text or JSON. */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "util.h"

int cli_parse_menu_option(struct menu_request *req, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	const char **slot = NULL;
	if (strcmp(opt, "--root") == 0) {
		if (req->n_roots >= sizeof(req->roots) / sizeof(req->roots[0])) {
			fprintf(stderr, "kxboot: too many --root options\n");
			return -E2BIG;
		}
		slot = &req->roots[req->n_roots];
	} else if (strcmp(opt, "--config") == 0) {
		slot = &req->config;
	} else if (strcmp(opt, "--format") == 0) {
		slot = &req->format;
	} else {
		return 0;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "kxboot: %s needs a value\n", opt);
		return -EINVAL;
	}
	*slot = argv[++*i];
	if (slot == &req->roots[req->n_roots])
		req->n_roots++;
	return 1;
}

int cli_load_menu(const struct menu_request *req, struct volume_set *vs, struct menu *m)
{
	const struct config_format *fmt = NULL;
	if (req->format) {
		fmt = config_format_by_name(req->format);
		if (!fmt) {
			log_err("Unknown config format '%s'", req->format);
			return -EINVAL;
		}
	}
	const char *config = req->config;
	_cleanup_free_ char *config_dir = NULL, *config_base = NULL;
	if (req->n_roots == 0) {
		if (!config) {
			log_err("Nothing to read: give --root DIR or --config FILE");
			return -EINVAL;
		}
		/* A lone config file: its folder stands for the filesystem. */
		_cleanup_free_ char *copy1 = xstrdup(config), *copy2 = xstrdup(config);
		config_dir = xstrdup(dirname(copy1));
		config_base = xasprintf("/%s", basename(copy2));
		config = config_base;
	}
	int r;
	if (config_dir) {
		r = volume_set_add(vs, config_dir, NULL, NULL);
		if (r < 0) {
			log_err("Cannot open '%s': %s", config_dir, strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < req->n_roots; i++) {
		r = volume_set_add(vs, req->roots[i], NULL, NULL);
		if (r < 0) {
			log_err("Cannot open '%s': %s", req->roots[i], strerror(-r));
			return r;
		}
	}
	const char *device = vs->v[0].id;
	if (config) {
		r = config_load(&vs->lookup, device, config, fmt, m);
		if (r < 0) {
			log_err("Cannot read '%s': %s", config, strerror(-r));
			return r;
		}
	} else {
		r = config_discover(&vs->lookup, device, m);
		if (r < 0) {
			log_err("No boot configuration found in '%s'", vs->v[0].dir);
			return r;
		}
	}
	if (!m->source_device)
		m->source_device = xstrdup(device);
	menu_keep_bootable(m);
	return 0;
}

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The device a file lives on as `list` shows it: null for the config's own filesystem. */
static json_t *json_device(const struct menu *m, const char *device)
{
	if (!device || (m->source_device && strcmp(device, m->source_device) == 0))
		return json_null();
	return json_string(device);
}

void menu_print_json(FILE *out, const struct menu *m)
{
	json_t *root = json_object();
	json_object_set_new(root, "source", json_str_or_null(m->source_path));
	json_object_set_new(root, "format", json_str_or_null(m->format));
	json_object_set_new(root, "timeout", m->has_timeout ? json_integer(m->timeout) : json_null());
	json_object_set_new(root, "default",
			    m->default_index >= 0 ? json_integer(m->default_index) : json_null());
	json_t *entries = json_array();
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		json_t *je = json_object();
		json_object_set_new(je, "index", json_integer((json_int_t)i));
		json_object_set_new(je, "id", json_str_or_null(e->id));
		json_object_set_new(je, "title", json_string(e->title));
		json_t *path = json_array();
		for (size_t l = 0; l < e->depth; l++)
			json_array_append_new(path, json_string(e->levels[l].title));
		json_object_set_new(je, "path", path);
		json_object_set_new(je, "kind",
				    json_string(e->kind == BOOT_KIND_MULTIBOOT ? "multiboot" : "linux"));
		json_object_set_new(je, "kernel", json_str_or_null(e->kernel.path));
		json_t *initrds = json_array();
		for (size_t k = 0; k < e->n_initrds; k++)
			json_array_append_new(initrds, json_string(e->initrds[k].path));
		json_object_set_new(je, "initrds", initrds);
		json_object_set_new(je, "cmdline", json_string(e->cmdline ? e->cmdline : ""));
		json_object_set_new(je, "devicetree", json_str_or_null(e->devicetree.path));
		json_t *mods = json_array();
		for (size_t k = 0; k < e->n_modules; k++) {
			json_t *jm = json_object();
			json_object_set_new(jm, "path", json_string(e->modules[k].file.path));
			json_object_set_new(jm, "cmdline", json_string(e->modules[k].cmdline));
			json_array_append_new(mods, jm);
		}
		json_object_set_new(je, "modules", mods);
		json_object_set_new(je, "device", json_device(m, e->kernel.device));
		json_array_append_new(entries, je);
	}
	json_object_set_new(root, "entries", entries);
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
}

void menu_print_text(FILE *out, const struct menu *m)
{
	fprintf(out, "%s config %s", m->format ? m->format : "?", m->source_path ? m->source_path : "?");
	if (m->has_timeout)
		fprintf(out, ", timeout %d s", m->timeout);
	fputc('\n', out);
	const struct boot_entry *prev = NULL;
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		/* Print each submenu heading once, where its first entry appears. */
		for (size_t l = 0; l + 1 < e->depth; l++) {
			bool same = prev && prev->depth > l + 1;
			for (size_t k = 0; same && k <= l; k++)
				same = prev->levels[k].index == e->levels[k].index;
			if (!same)
				fprintf(out, "%*s  %s >\n", (int)(4 * l), "", e->levels[l].title);
		}
		fprintf(out, "%*s%c %2zu %s\n", (int)(4 * (e->depth - 1)), "",
			(int)i == m->default_index ? '*' : ' ', i, e->title);
		int ind = (int)(4 * (e->depth - 1)) + 5;
		if (e->kind == BOOT_KIND_MULTIBOOT)
			fprintf(out, "%*smultiboot %s %s\n", ind, "", e->kernel.path, e->cmdline ? e->cmdline : "");
		else
			fprintf(out, "%*slinux %s %s\n", ind, "", e->kernel.path, e->cmdline ? e->cmdline : "");
		for (size_t k = 0; k < e->n_modules; k++)
			fprintf(out, "%*smodule %s %s\n", ind, "", e->modules[k].file.path,
				e->modules[k].cmdline);
		for (size_t k = 0; k < e->n_initrds; k++)
			fprintf(out, "%*sinitrd %s\n", ind, "", e->initrds[k].path);
		if (e->devicetree.path)
			fprintf(out, "%*sdevicetree %s\n", ind, "", e->devicetree.path);
		if (e->kernel.device && !str_eq0(e->kernel.device, m->source_device))
			fprintf(out, "%*son %s\n", ind, "", e->kernel.device);
		prev = e;
	}
}

int cmd_list(int argc, char **argv)
{
	struct menu_request req = { 0 };
	bool json = false;
	for (int i = 1; i < argc; i++) {
		int r = cli_parse_menu_option(&req, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: kxboot list [--root DIR]... [--config FILE] [--format NAME] [--json]\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "kxboot list: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	struct volume_set vs;
	struct menu m = { 0 };
	volume_set_init(&vs);
	int r = cli_load_menu(&req, &vs, &m);
	int code = EXIT_OK;
	if (r == -EINVAL && !req.config && req.n_roots == 0)
		code = EXIT_USAGE;
	else if (r < 0)
		code = EXIT_FAIL;
	else {
		if (json)
			menu_print_json(stdout, &m);
		else
			menu_print_text(stdout, &m);
		if (m.n_entries == 0)
			code = EXIT_NOTHING;
	}
	menu_free(&m);
	volume_set_free(&vs);
	return code;
}
