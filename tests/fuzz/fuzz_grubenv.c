/* fuzz_grubenv.c — libFuzzer harness for GRUB environment blocks: parsed directly from a
 * buffer of exactly the input's size, and served as the grubenv of a Fedora-style volume
 * whose BLS entries expand its variables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"
#include "config.h"
#include "grub2/grubenv.h"
#include "log.h"
#include "memfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_var(void *ctx, const char *name, const char *value)
{
	size_t *n = ctx;
	/* Both are C strings; reading them end to end must stay in bounds. */
	*n += strlen(name) + strlen(value) + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct memfs_volume volumes[] = { { .id = "uuid:boot", .uuid = "boot" } };
	log_max_level = LOG_ERR;

	char *exact = malloc(size ? size : 1);
	memcpy(exact, data, size);
	size_t total = 0;
	grubenv_parse(exact, size, count_var, &total);
	free(exact);

	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct memfs_file files[] = {
		{ .path = "/boot/grub2/grubenv", .data = size ? text : "", .len = size },
		{ .path = "/boot/loader/entries/a-5.18.conf",
		  .data = "title A\nlinux /boot/vmlinuz\ninitrd /boot/initramfs.img $tuned_initrd\n"
			  "options $kernelopts $tuned_params \"${saved_entry}\" '$x' \\$y\n" },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, 1, files, 2);
	struct menu m = { 0 };
	if (config_load(&fs.lookup, "uuid:boot", "/boot/loader/entries", &config_format_bls,
			&m) == 0) {
		for (size_t i = 0; i < m.n_entries; i++)
			for (size_t k = 0; k < m.entries[i].n_initrds; k++)
				if (m.entries[i].initrds[k].path[0] != '/')
					abort();
	}
	menu_free(&m);
	free(text);
	return 0;
}
