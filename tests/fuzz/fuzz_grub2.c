/* fuzz_grub2.c — libFuzzer harness for the GRUB 2 interpreter: the input is grub.cfg, and
 * is also reachable as a file the config may `source`, `configfile` or `load_env`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "grub2/grub2.h"
#include "log.h"
#include "memfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct memfs_volume volumes[] = {
		{ .id = "uuid:a", .uuid = "a", .label = "A", .grub_name = "hd0,msdos1" },
		{ .id = "uuid:b", .uuid = "b", .label = "B", .grub_name = "hd0,gpt2" },
	};
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct memfs_file files[] = {
		{ .device = "uuid:a", .path = "/boot/grub/grub.cfg", .data = text, .len = size },
		{ .device = "uuid:a", .path = "/boot/grub/x.cfg", .data = text, .len = size },
		{ .device = "uuid:a", .path = "/boot/grub/grubenv", .data = text, .len = size },
		{ .device = "uuid:b", .path = "/loader/entries/x.conf", .data = text, .len = size },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, 2, files, size ? 4 : 0);
	struct menu m = { 0 };
	if (size)
		config_format_grub2.parse(&(struct config_source){ .lookup = &fs.lookup, .device = "uuid:a",
								    .path = "/boot/grub/grub.cfg" },
					  text, size, &m);
	menu_keep_bootable(&m);
	menu_free(&m);
	free(text);
	return 0;
}
