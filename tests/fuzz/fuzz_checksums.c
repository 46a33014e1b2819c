/* fuzz_checksums.c — libFuzzer harness for SHA256SUMS and .sha256 files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checksums.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct checksums c;
	checksums_parse(&c, "SHA256SUMS", text, size);
	for (size_t i = 0; i < c.n; i++)
		checksums_find(&c, c.v[i].name);
	checksums_free(&c);
	char hex[65];
	checksum_single(text, size, hex);
	free(text);
	return 0;
}
