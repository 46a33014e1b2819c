/* bls.c — STUB, being written. */
#include "bls.h"
#include <errno.h>
int bls_append_entries(const struct lookup *lk, const char *device, const char *dir,
		       const struct bls_options *opts, struct menu *m,
		       const struct menu_level *parents, size_t depth, unsigned first_index)
{
	return -ENOTSUP;
}
static int bls_load(const struct config_source *src, struct menu *m)
{
	return -ENOTSUP;
}
static const char *const bls_paths[] = { "/loader/entries", "/boot/loader/entries", NULL };
const struct config_format config_format_bls = {
	.name = "bls", .paths = bls_paths, .load = bls_load };
