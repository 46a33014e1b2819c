/* http.c — STUB: being written (libcurl). */
#include <errno.h>
#include <stdio.h>
#include "net/fetch.h"
static int http_fetch(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		      char *err, size_t err_len)
{
	snprintf(err, err_len, "http not built yet");
	return -EPROTONOSUPPORT;
}
const struct fetch_scheme fetch_scheme_http = { .name = "http", .fetch = http_fetch };
const struct fetch_scheme fetch_scheme_https = { .name = "https", .fetch = http_fetch };
