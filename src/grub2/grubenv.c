/* grubenv.c — GRUB's environment block, read the way grub-core/lib/envblk.c iterates it. */
#include "grub2/grubenv.h"

#include <errno.h>
#include <string.h>

#include "limits.h"
#include "util.h"

#define GRUBENV_SIGNATURE "# GRUB Environment Block\n"

/* Index just past the next '\n' at or after i (len + 1 when there is none, as envblk.c's
 * find_next_line steps one past the end). */
static size_t next_line(const char *text, size_t len, size_t i)
{
	while (i < len && text[i] != '\n')
		i++;
	return i + 1;
}

int grubenv_parse(const char *text, size_t len, grubenv_var_fn fn, void *ctx)
{
	const size_t sig_len = sizeof(GRUBENV_SIGNATURE) - 1;

	if (len > GRUBENV_SIZE_MAX)
		len = GRUBENV_SIZE_MAX;
	if (len < sig_len || memcmp(text, GRUBENV_SIGNATURE, sig_len) != 0)
		return -EINVAL;

	size_t i = sig_len;
	while (i < len) {
		/* '#' lines are comments and the padding that fills the block. */
		if (text[i] == '#') {
			i = next_line(text, len, i);
			continue;
		}

		/* The name runs to the first '=', across newlines if need be: GRUB does not
		 * check, so a stray line without '=' swallows the next variable's name, and a
		 * block without any '=' left ends the walk. */
		size_t name_start = i;
		while (i < len && text[i] != '=')
			i++;
		if (i >= len)
			break;
		size_t name_end = i++;

		/* The value runs to the first newline not escaped by a backslash. */
		size_t value_start = i;
		while (i < len && text[i] != '\n') {
			if (text[i] == '\\')
				i++;
			i++;
		}
		if (i >= len)
			break; /* no end of line: GRUB drops this variable and stops */

		/* grub-editenv writes '\' before '\' and before a newline; any escaped byte
		 * stands for itself. */
		struct strbuf value = { 0 };
		for (size_t k = value_start; k < i; k++) {
			if (text[k] == '\\')
				k++;
			strbuf_addc(&value, text[k]);
		}
		char *name = xstrndup(text + name_start, name_end - name_start);
		char *val = strbuf_steal(&value);
		fn(ctx, name, val);
		free(name);
		free(val);

		i = next_line(text, len, i);
	}
	return 0;
}
