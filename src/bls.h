/* bls.h — Boot Loader Specification type 1 entries (loader/entries/ *.conf). */
#pragma once

#include "config.h"

/* Value of a variable for `$name` / `${name}` in options (GRUB's blscfg expands grubenv
 * variables such as $kernelopts); NULL when unset. */
typedef const char *(*bls_getvar_fn)(void *ctx, const char *name);

struct bls_options {
	bls_getvar_fn getvar; /* NULL: no expansion (systemd-boot) */
	void *getvar_ctx;
};

/* Read every entry in directory dir on volume device, in the order the specification
 * defines, and append them to m as items at menu position parents[0..depth-1], numbered from
 * first_index. Entry ids are the file names without ".conf". Returns the number of items
 * appended, or -errno when the directory cannot be read. */
int bls_append_entries(const struct lookup *lk, const char *device, const char *dir,
		       const struct bls_options *opts, struct menu *m,
		       const struct menu_level *parents, size_t depth, unsigned first_index);

extern const struct config_format config_format_bls;
