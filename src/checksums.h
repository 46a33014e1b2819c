/* checksums.h — SHA256SUMS files as sha256sum(1) writes them ("HEX  NAME", "HEX *NAME"), the
 * BSD form ("SHA256 (NAME) = HEX"), and single ".sha256" files. */
#pragma once

#include <stddef.h>

struct checksum {
	char *name;	 /* as written, "./" removed */
	char sha256[65]; /* lower-case hex */
};

struct checksums {
	struct checksum *v;
	size_t n;
};

/* Parse a SHA256SUMS text; bad lines are logged (file:line) and skipped. */
void checksums_parse(struct checksums *c, const char *file, const char *text, size_t len);
/* The checksum for a name; NULL when the file does not list it. */
const struct checksum *checksums_find(const struct checksums *c, const char *name);
/* A ".sha256" file: its first word must be 64 hex digits. 0 or -EINVAL. */
int checksum_single(const char *text, size_t len, char ret_hex[65]);
void checksums_free(struct checksums *c);
