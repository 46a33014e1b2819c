/* fuzz_syslinux.c — libFuzzer harness for syslinux configs: the input is /syslinux.cfg and
 * also every file it may INCLUDE (/inc.cfg, /isolinux/menu.cfg, itself), so include chains,
 * loops and submenus spread over files are reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "memfs.h"
#include "syslinux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_menu(const struct menu *m)
{
	if (m->default_index < -1 ||
	    (m->default_index >= 0 && (size_t)m->default_index >= m->n_entries))
		abort();
	if (m->has_timeout && m->timeout < -1)
		abort();
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		if (e->bootable &&
		    (!e->kernel.path || e->kernel.path[0] != '/' || !e->kernel.device))
			abort();
		if (e->kind == BOOT_KIND_LINUX && e->n_modules)
			abort();
		for (size_t k = 0; k < e->n_initrds; k++)
			if (!e->initrds[k].path || e->initrds[k].path[0] != '/')
				abort();
		for (size_t k = 0; k < e->n_modules; k++)
			if (!e->modules[k].file.path || !e->modules[k].cmdline)
				abort();
		if (!e->title || e->depth < 1 || e->depth > MENU_DEPTH_MAX || !e->source_file ||
		    e->source_line == 0)
			abort();
		if (strcmp(e->levels[e->depth - 1].title, e->title) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct memfs_volume volumes[] = { { .id = "uuid:fuzz", .uuid = "fuzz" } };
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	const char *body = size ? text : "";
	struct memfs_file files[] = {
		{ .path = "/syslinux.cfg", .data = body, .len = size },
		{ .path = "/inc.cfg", .data = body, .len = size },
		{ .path = "/isolinux/menu.cfg", .data = body, .len = size },
		{ .path = "/isolinux/isolinux.cfg", .data = "INCLUDE menu.cfg\nINCLUDE /inc.cfg sub\n" },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, 1, files, sizeof(files) / sizeof(files[0]));
	static const char *const configs[] = { "/syslinux.cfg", "/isolinux/isolinux.cfg" };
	for (size_t i = 0; i < 2; i++) {
		struct menu m = { 0 };
		int r = config_load(&fs.lookup, "uuid:fuzz", configs[i], &config_format_syslinux, &m);
		if (r == 0) {
			check_menu(&m);
			menu_keep_bootable(&m);
			check_menu(&m);
		}
		menu_free(&m);
	}
	free(text);
	return 0;
}
