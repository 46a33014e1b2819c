/* grub2.c — GRUB 2's grub.cfg as a config format (runs the script interpreter). */
#include "grub2/grub2.h"

#include "grub2/interp.h"

static int grub2_parse(const struct config_source *src, const char *text, size_t len,
		       struct menu *m)
{
	return grub2_run(src, text, len, m);
}

/* Where installers put grub.cfg, most specific first. */
static const char *const grub2_paths[] = {
	"/boot/grub/grub.cfg",
	"/grub/grub.cfg",
	"/boot/grub2/grub.cfg",
	"/grub2/grub.cfg",
	"/EFI/*/grub.cfg",
	"/boot/efi/EFI/*/grub.cfg",
	"/efi/EFI/*/grub.cfg",
	NULL,
};

const struct config_format config_format_grub2 = {
	.name = "grub2",
	.paths = grub2_paths,
	.parse = grub2_parse,
};
