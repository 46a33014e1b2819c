/* fuzz_grub_legacy.c — libFuzzer harness for GRUB legacy menu.lst: the input is the config,
 * and what follows a "\n----\n" in it is the `default` file next to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "grub_legacy.h"
#include "log.h"
#include "memfs.h"

#define SEPARATOR "\n----\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_menu(const struct menu *m)
{
	if (m->default_index < -1 ||
	    (m->default_index >= 0 && (size_t)m->default_index >= m->n_entries))
		abort();
	for (size_t i = 0; i < m->n_fallback; i++)
		if (m->fallback[i] < 0 || (size_t)m->fallback[i] >= m->n_entries)
			abort();
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		if (e->bootable &&
		    (!e->kernel.path || e->kernel.path[0] != '/' || !e->kernel.device))
			abort();
		if (e->kind == BOOT_KIND_LINUX && e->n_modules)
			abort();
		if (e->n_initrds > 1)
			abort();
		if (!e->title || e->depth != 1 || e->source_line == 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct memfs_volume volumes[] = {
		{ .id = "uuid:a", .uuid = "a", .grub_name = "hd0,msdos1" },
		{ .id = "uuid:b", .uuid = "b", .grub_name = "hd0,2" },
		{ .id = "uuid:c", .uuid = "c" },
	};
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	const char *sep = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	size_t config_len = sep ? (size_t)(sep - text) : size;
	const char *dflt = sep ? sep + strlen(SEPARATOR) : "";
	size_t dflt_len = sep ? size - (size_t)(dflt - text) : 0;
	struct memfs_file files[] = {
		{ .device = "uuid:a", .path = "/boot/grub/menu.lst", .data = config_len ? text : "",
		  .len = config_len },
		{ .device = "uuid:a", .path = "/boot/grub/default", .data = dflt_len ? dflt : "",
		  .len = dflt_len },
		{ .device = "uuid:c", .path = "/menu.lst", .data = config_len ? text : "",
		  .len = config_len },
		{ .device = "uuid:c", .path = "/vmlinuz", .data = "" },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, 3, files, 4);
	static const char *const where[][2] = { { "uuid:a", "/boot/grub/menu.lst" },
						{ "uuid:c", "/menu.lst" } };
	for (size_t i = 0; i < 2; i++) {
		struct menu m = { 0 };
		if (config_load(&fs.lookup, where[i][0], where[i][1], &config_format_grub_legacy,
				&m) == 0) {
			check_menu(&m);
			menu_keep_bootable(&m);
			check_menu(&m);
		}
		menu_free(&m);
	}
	free(text);
	return 0;
}
