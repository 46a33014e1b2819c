/* syslinux.c — STUB, being written. */
#include "syslinux.h"
#include <errno.h>
static int syslinux_parse(const struct config_source *src, const char *text, size_t len,
			  struct menu *m)
{
	return -ENOTSUP;
}
static const char *const syslinux_paths[] = { "/boot/extlinux/extlinux.conf", "/extlinux.conf",
	"/boot/syslinux/syslinux.cfg", "/syslinux.cfg", "/isolinux/isolinux.cfg",
	"/boot/isolinux/isolinux.cfg", NULL };
const struct config_format config_format_syslinux = {
	.name = "syslinux", .paths = syslinux_paths, .parse = syslinux_parse };
