/* grubenv.h — GRUB's environment block (grubenv: "# GRUB Environment Block" + name=value). */
#pragma once

#include <stddef.h>

typedef void (*grubenv_var_fn)(void *ctx, const char *name, const char *value);

/* Call fn for every variable in a grubenv block, in file order. Values are unescaped
 * (\\ and \n as grub-editenv writes them). Returns 0 or -EINVAL when the header is wrong. */
int grubenv_parse(const char *text, size_t len, grubenv_var_fn fn, void *ctx);
