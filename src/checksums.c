/* checksums.c — reading the checksum files distributions publish next to their images. */
#include "checksums.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "limits.h"
#include "log.h"
#include "util.h"

#define CHECKSUMS_MAX 65536

static bool hex64(const char *p, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

static void add(struct checksums *c, const char *name, size_t nlen, const char *hex)
{
	if (nlen >= 2 && name[0] == '.' && name[1] == '/') {
		name += 2;
		nlen -= 2;
	}
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	struct checksum *k = &c->v[c->n++];
	k->name = xstrndup(name, nlen);
	for (int i = 0; i < 64; i++)
		k->sha256[i] = (char)tolower((unsigned char)hex[i]);
	k->sha256[64] = '\0';
}

void checksums_parse(struct checksums *c, const char *file, const char *text, size_t len)
{
	*c = (struct checksums){ 0 };
	size_t pos = 0;
	unsigned line = 0;
	while (pos < len && c->n < CHECKSUMS_MAX) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		const char *l = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
			n--;
		if (n == 0 || l[0] == '#')
			continue;
		if (memchr(l, '\0', n)) {
			log_at(LOG_WARN, file, line, "NUL byte, line ignored");
			continue;
		}
		if (n > 7 && strncmp(l, "SHA256 (", 8) == 0) {
			/* BSD: SHA256 (name) = hex */
			const char *close = NULL;
			for (size_t i = n; i-- > 8;)
				if (l[i] == ')') {
					close = l + i;
					break;
				}
			if (close && (size_t)(l + n - close) == 4 + 64 && strncmp(close, ") = ", 4) == 0 &&
			    hex64(close + 4, 64)) {
				add(c, l + 8, (size_t)(close - l - 8), close + 4);
				continue;
			}
		} else if (n > 66 && hex64(l, 64) && l[64] == ' ' && (l[65] == ' ' || l[65] == '*')) {
			add(c, l + 66, n - 66, l);
			continue;
		}
		log_at(LOG_WARN, file, line, "not a SHA-256 checksum line, ignored");
	}
}

const struct checksum *checksums_find(const struct checksums *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

int checksum_single(const char *text, size_t len, char ret_hex[65])
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (len - i < 64 || !hex64(text + i, 64) || (len - i > 64 && !isspace((unsigned char)text[i + 64])))
		return -EINVAL;
	for (int k = 0; k < 64; k++)
		ret_hex[k] = (char)tolower((unsigned char)text[i + k]);
	ret_hex[64] = '\0';
	return 0;
}

void checksums_free(struct checksums *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	*c = (struct checksums){ 0 };
}
