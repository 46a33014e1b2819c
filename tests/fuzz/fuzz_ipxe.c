/* fuzz_ipxe.c — libFuzzer harness for the iPXE script interpreter: the input is the script
 * http://10.0.2.2/ipxe/boot.ipxe, and also every script it may chain (sub/x.ipxe,
 * /menu.ipxe, tftp://10.0.2.2/s.ipxe, itself), so menus, submenus, loops and chains spread
 * over files are reached. Kernels and initrds it names exist or not as the table says;
 * http://offline.example cannot be reached at all. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ipxe.h"
#include "limits.h"
#include "log.h"
#include "memfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct memfs fs;

static int offline_stat(void *ctx, const char *id, const char *path, enum lookup_type *ret_type,
			uint64_t *ret_size)
{
	if (strcmp(id, "http://offline.example") == 0)
		return -ENETUNREACH;
	return fs.lookup.ops->stat(fs.lookup.ctx, id, path, ret_type, ret_size);
}

static int offline_read(void *ctx, const char *id, const char *path, size_t max, char **ret_data,
			size_t *ret_len)
{
	if (strcmp(id, "http://offline.example") == 0)
		return -ENETUNREACH;
	return fs.lookup.ops->read(fs.lookup.ctx, id, path, max, ret_data, ret_len);
}

static const struct lookup_ops offline_ops = { .stat = offline_stat, .read = offline_read };

static void check_menu(const struct menu *m)
{
	if (m->default_index < -1 ||
	    (m->default_index >= 0 && (size_t)m->default_index >= m->n_entries))
		abort();
	if (m->has_timeout && m->timeout < -1)
		abort();
	if (m->n_entries > MENU_ENTRIES_MAX)
		abort();
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		if (!e->title || e->depth < 1 || e->depth > MENU_DEPTH_MAX || !e->source_file)
			abort();
		if (strcmp(e->levels[e->depth - 1].title, e->title) != 0)
			abort();
		if (e->kind != BOOT_KIND_LINUX || e->n_modules)
			abort();
		if (!e->bootable)
			continue;
		if (!e->kernel.path || e->kernel.path[0] != '/' || !e->kernel.device ||
		    e->source_line == 0)
			abort();
		for (size_t k = 0; k < e->n_initrds; k++)
			if (!e->initrds[k].path || e->initrds[k].path[0] != '/' ||
			    !e->initrds[k].device)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vars[] = { "net0/mac", "52:54:00:12:34:56", "net0.dhcp/ip",
					    "10.0.2.15", "smbios/uuid",
					    "86a9f546-d31b-4ba2-9bbb-303b61bcf8d1", "hostname",
					    "fuzz", NULL };
	static bool once;
	if (!once) {
		ipxe_set_default_vars(vars);
		once = true;
	}
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	const char *body = text;
	struct memfs_file files[] = {
		{ .device = "http://10.0.2.2", .path = "/ipxe/boot.ipxe", .data = body,
		  .len = size },
		{ .device = "http://10.0.2.2", .path = "/ipxe/sub/x.ipxe", .data = body,
		  .len = size },
		{ .device = "http://10.0.2.2", .path = "/menu.ipxe", .data = body, .len = size },
		{ .device = "tftp://10.0.2.2", .path = "/s.ipxe", .data = body, .len = size },
		{ .device = "http://10.0.2.2", .path = "/ipxe/chain.ipxe",
		  .data = "#!ipxe\nchain sub/x.ipxe || chain /menu.ipxe\n" },
		{ .device = "http://10.0.2.2", .path = "/ipxe/vmlinuz", .data = "kernel" },
		{ .device = "http://10.0.2.2", .path = "/ipxe/initrd.img", .data = "initrd" },
		{ .device = "http://10.0.2.2", .path = "/ipxe/sub/vmlinuz", .data = "kernel" },
		{ .device = "tftp://10.0.2.2", .path = "/vmlinuz", .data = "kernel" },
	};
	memfs_init(&fs, NULL, 0, files, size ? sizeof(files) / sizeof(files[0]) : 0);
	const struct lookup lookup = { .ops = &offline_ops };
	struct config_source src = { .lookup = &lookup, .device = "http://10.0.2.2",
				     .path = "/ipxe/boot.ipxe" };
	struct menu m = { 0 };
	if (config_format_ipxe.parse(&src, text, size, &m) == 0) {
		check_menu(&m);
		menu_keep_bootable(&m);
		check_menu(&m);
	}
	menu_free(&m);
	free(text);
	return 0;
}
