/* tftp.c — STUB: being written. */
#include <errno.h>
#include <stdio.h>
#include "net/fetch.h"
static int tftp_fetch(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		      char *err, size_t err_len)
{
	snprintf(err, err_len, "tftp not built yet");
	return -EPROTONOSUPPORT;
}
const struct fetch_scheme fetch_scheme_tftp = { .name = "tftp", .fetch = tftp_fetch };
