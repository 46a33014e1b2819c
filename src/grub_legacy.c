/* grub_legacy.c — STUB, being written. */
#include "grub_legacy.h"
#include <errno.h>
static int legacy_parse(const struct config_source *src, const char *text, size_t len,
			struct menu *m)
{
	return -ENOTSUP;
}
static const char *const legacy_paths[] = { "/boot/grub/menu.lst", "/boot/grub/grub.conf",
	"/grub/menu.lst", "/grub/grub.conf", NULL };
const struct config_format config_format_grub_legacy = {
	.name = "grub-legacy", .paths = legacy_paths, .parse = legacy_parse };
