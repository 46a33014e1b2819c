/* fetch.h — getting a URL into memory, hashed on the way in.
 *
 * Every scheme (http, https, tftp, file) delivers bytes through one sink that appends to a
 * memory file, feeds SHA-256 on the same pass (no second read), enforces the size cap and
 * draws the progress bar. Schemes register in a table (fetch.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fetch_options {
	uint64_t max_size;	   /* 0: FETCH_SIZE_MAX */
	const char *expect_sha256; /* lower- or upper-case hex; NULL: no check */
	int64_t expect_size;	   /* -1: unknown */
	bool progress;		   /* a progress bar on stderr for transfers over a second */
	const char *pin;	   /* https: "sha256//BASE64" public-key pin */
	const char *ca_file;	   /* https: CA bundle (NULL: the system's) */
	unsigned retries;	   /* extra attempts after a transient failure */
	unsigned tftp_blksize;	   /* 0: 1468 */
	unsigned tftp_windowsize;  /* 0: 16; 1: lockstep */
	unsigned timeout_s;	   /* connect / per-packet timeout; 0: default */
	unsigned low_speed_s;	   /* abort when under 1 KiB/s for this long; 0: default */
	int into_fd;		   /* > 0: write into this empty file (read-write) instead of a
				    * memory file; it is left holding exactly the data or, on
				    * failure, truncated; fetch_result.fd is then -1 */
};

/* Where a scheme writes what it receives. */
struct fetch_sink;

/* Append data; -EFBIG past the size cap (the scheme must stop then). */
int fetch_sink_write(struct fetch_sink *s, const void *data, size_t len);
/* Throw away what was received (a retry starts again from the beginning). */
void fetch_sink_reset(struct fetch_sink *s);
/* The total size when the server announced it (Content-Length, tsize), for the bar. */
void fetch_sink_set_total(struct fetch_sink *s, uint64_t total);
uint64_t fetch_sink_size(const struct fetch_sink *s);

struct fetch_scheme {
	const char *name; /* "http" */
	/* Fetch url into sink. 0, or -errno with a message in err. Transient failures (the
	 * caller may retry) return -EAGAIN, -ETIMEDOUT, -ECONNRESET, -ECONNREFUSED or -EIO. */
	int (*fetch)(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		     char *err, size_t err_len);
};

struct fetch_result {
	int fd;		  /* memory file with the data, positioned at 0; -1 on failure or into_fd */
	uint64_t size;
	char sha256[65];  /* hex */
	char error[768];  /* why it failed */
};

/* Fetch url with retries (exponential backoff with jitter), then check size and SHA-256
 * when expected. 0, or -errno with ret->error saying why: -EBADMSG for a checksum or size
 * mismatch, -EFBIG over the cap, -EPROTONOSUPPORT for an unknown scheme. */
int fetch_url(const char *url, const struct fetch_options *o, struct fetch_result *ret);
void fetch_result_free(struct fetch_result *r);

/* Schemes (each in its own file). */
extern const struct fetch_scheme fetch_scheme_http;
extern const struct fetch_scheme fetch_scheme_https;
extern const struct fetch_scheme fetch_scheme_tftp;
extern const struct fetch_scheme fetch_scheme_file;

/* Helpers for schemes */
const struct fetch_scheme *fetch_scheme_for(const char *url);
/* Split "scheme://host[:port]/path" (host may be [v6]); ret_* allocated. */
int url_split(const char *url, char **ret_scheme, char **ret_host, int *ret_port, char **ret_path);
/* Resolve a reference against a base URL (RFC 3986 section 5, the common cases). */
char *url_resolve(const char *base, const char *ref);
