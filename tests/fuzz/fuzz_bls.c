/* fuzz_bls.c — libFuzzer harness for Boot Loader Specification entries: the input, split at
 * "\n----\n", is served as three entry files, loader.conf and a grubenv, then read
 * standalone, as one file, and through GRUB's blscfg entry point. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"
#include "config.h"
#include "log.h"
#include "memfs.h"

#define SEPARATOR "\n----\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_getvar(void *ctx, const char *name)
{
	const struct memfs_file *f = ctx;
	if (strcmp(name, "kernelopts") == 0)
		return f->data;
	if (strcmp(name, "empty") == 0)
		return "";
	return NULL;
}

/* Every index the menu holds points into it; every file is an absolute path. */
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
		if (e->bootable && (!e->kernel.path || e->kernel.path[0] != '/'))
			abort();
		for (size_t k = 0; k < e->n_initrds; k++)
			if (e->initrds[k].path[0] != '/')
				abort();
		if (!e->title || e->depth == 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct memfs_volume volumes[] = {
		{ .id = "uuid:esp", .uuid = "esp", .grub_name = "hd0,gpt1" },
	};
	static const char *const paths[] = {
		"/loader/entries/a-1.0.conf", "/loader/entries/b+1-2.conf",
		"/loader/entries/c~rc.conf", "/loader/loader.conf", "/grub2/grubenv",
	};
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	struct memfs_file files[6];
	size_t n = 0, pos = 0;
	while (n < 5) {
		const char *sep = memmem(text + pos, size - pos, SEPARATOR, strlen(SEPARATOR));
		size_t end = sep ? (size_t)(sep - text) : size;
		files[n] = (struct memfs_file){ .path = paths[n], .data = text + pos,
						.len = end - pos };
		/* memfs takes len 0 as "up to the NUL": point empty parts at an empty string. */
		if (end == pos)
			files[n].data = "";
		n++;
		if (!sep)
			break;
		pos = end + strlen(SEPARATOR);
	}
	files[n++] = (struct memfs_file){ .path = "/fedora.conf", .data = files[0].data,
					  .len = files[0].len };
	struct memfs fs;
	memfs_init(&fs, volumes, 1, files, n);

	struct menu m = { 0 };
	if (config_load(&fs.lookup, "uuid:esp", "/loader/entries", &config_format_bls, &m) == 0) {
		check_menu(&m);
		menu_keep_bootable(&m);
		check_menu(&m);
	}
	menu_free(&m);

	if (config_load(&fs.lookup, "uuid:esp", "/fedora.conf", &config_format_bls, &m) == 0)
		check_menu(&m);
	menu_free(&m);

	struct menu_level parent = { .title = "sub", .index = 3 };
	struct bls_options opts = { .getvar = fuzz_getvar, .getvar_ctx = &files[1] };
	m.default_index = -1; /* blscfg appends items; the menu's default is GRUB's business */
	int r = bls_append_entries(&fs.lookup, "uuid:esp", "/loader/entries", &opts, &m, &parent,
				   1, 7);
	if (r >= 0 && (size_t)r != m.n_entries)
		abort();
	check_menu(&m);
	menu_free(&m);
	free(text);
	return 0;
}
