/* grubenv.c — GRUB's environment block, as grub-editenv writes it: the line
 * "# GRUB Environment Block", then name=value lines, padded with '#' to 1024 bytes. */
#include "grub2/grubenv.h"

#include <errno.h>
#include <string.h>

#include "limits.h"
#include "util.h"

#define GRUBENV_HEADER "# GRUB Environment Block\n"

int grubenv_parse(const char *text, size_t len, grubenv_var_fn fn, void *ctx)
{
	if (len > GRUBENV_SIZE_MAX)
		len = GRUBENV_SIZE_MAX;
	size_t hlen = strlen(GRUBENV_HEADER);
	if (len < hlen || memcmp(text, GRUBENV_HEADER, hlen) != 0)
		return -EINVAL;
	size_t pos = hlen;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		/* Padding and comments start with '#'. */
		if (end > pos && text[pos] != '#') {
			const char *eq = memchr(text + pos, '=', end - pos);
			if (eq && eq > text + pos) {
				char *name = xstrndup(text + pos, (size_t)(eq - (text + pos)));
				struct strbuf value = { 0 };
				/* grub-editenv escapes '\\' and newlines as "\\\\" and "\\n". */
				for (const char *p = eq + 1; p < text + end; p++) {
					if (*p == '\\' && p + 1 < text + end) {
						p++;
						strbuf_addc(&value, *p == 'n' ? '\n' : *p);
					} else {
						strbuf_addc(&value, *p);
					}
				}
				char *v = strbuf_steal(&value);
				if (!memchr(name, '\0', strlen(name)))
					fn(ctx, name, v);
				free(name);
				free(v);
			}
		}
		pos = end + 1;
	}
	return 0;
}
