/* http.c — the http:// and https:// fetch schemes on libcurl (HTTP/1.1 RFC 9112, HTTP
 * semantics RFC 9110: status codes section 15, Retry-After section 10.2.3).
 *
 * One easy handle lives for the whole process so that fetches to the same server reuse the
 * connection (keep-alive, TLS session). Every fetch resets it and sets every option again;
 * curl_easy_reset keeps the live connections, the DNS cache and the TLS session cache.
 * libcurl reuses a connection only when its TLS settings (CA file, pin, verification) match,
 * so a fetch with a pin never rides on a connection made without one.
 *
 * What libcurl 7.88 does not do for us (see DESIGN.md):
 * - redirects are unlimited by default: CURLOPT_MAXREDIRS = FETCH_REDIRECTS_MAX;
 * - CURLOPT_MAXFILESIZE does not stop a running download: the write callback enforces the
 *   cap (fetch_sink_write says -EFBIG and the callback fails the transfer);
 * - CURLOPT_FAILONERROR would hide the status and Retry-After: the status is checked here,
 *   and the body of an error response is never written to the sink.
 *
 * Status codes (the fetch core retries the transient ones with backoff):
 *   2xx                     success
 *   404, 410                -ENOENT     "HTTP 404 Not Found"
 *   401, 403, 407           -EACCES
 *   408, 429, 5xx           -EAGAIN     transient; 429 and 503 honour Retry-After (below)
 *   other 4xx               -EPROTO     not transient: the same request gets the same answer
 *   3xx not followed        -EPROTO     (a redirect without Location, 304, ...)
 *
 * Retry-After: fetch.c's retry loop knows only its own backoff. On 429 and 503 with a
 * Retry-After header, and when the caller allows retries, this scheme sleeps
 * min(Retry-After, FETCH_BACKOFF_MAX_MS) before returning -EAGAIN, so the next attempt comes
 * no sooner than the server asked (plus the core's own jittered backoff). The sleep also
 * happens after the last attempt, since a scheme cannot tell which attempt it is.
 *
 * Transport errors: refused or unreachable → -ECONNREFUSED / -EHOSTUNREACH, time-outs
 * (connect, or under 1 KiB/s for low_speed_s) → -ETIMEDOUT, a reset or dropped connection
 * → -ECONNRESET, a body shorter than its Content-Length or an unfinished chunked body →
 * -EIO "truncated": all transient. Certificate, pin and redirect-limit failures are not.
 * A body delimited only by the connection closing cannot be told from a dropped one; the
 * size and SHA-256 checks of the caller catch that.
 *
 * Not thread-safe: kxboot fetches from one thread. Proxies come from the environment
 * (http_proxy, https_proxy, no_proxy), as libcurl does by default; under /init that is the
 * kernel command line. */
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "net/fetch.h"

#define HTTP_USER_AGENT "kxboot/0.1"
#define HTTP_BUFFER_SIZE (512L << 10)	/* bytes per read, so per sink write at most */
#define HTTP_LOW_SPEED_BYTES 1024L	/* "too slow" is under this many bytes a second */
#define HTTP_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt" /* in the image and Debian */
#define HTTP_RETRY_AFTER_MAX_S 86400L	/* larger values are clamped (then to the backoff cap) */
#define HTTP_REASON_MAX 64		/* bytes of the status line's reason phrase kept */

/* What one transfer learns on the way, for the callbacks and the error mapping. */
struct http_transfer {
	CURL *curl;
	struct fetch_sink *sink;
	uint64_t max_size;
	bool body_started;	      /* the first body bytes of the final response arrived */
	bool body_refused;	      /* the final response is not 2xx: its body is not the file */
	int error;		      /* why the write callback failed the transfer (-EFBIG, ...) */
	long retry_after_s;	      /* Retry-After of the latest response; -1: none */
	char reason[HTTP_REASON_MAX]; /* reason phrase of the latest response */
};

static CURL *http_curl;
static char http_curl_error[CURL_ERROR_SIZE];

/* The process-wide handle, made on first use. NULL when libcurl cannot start. */
static CURL *http_handle(void)
{
	static bool global_ready;
	if (!global_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		global_ready = true;
	}
	if (!http_curl)
		http_curl = curl_easy_init();
	return http_curl;
}

/* Body bytes: straight into the sink (memory file + SHA-256 in one pass). */
static size_t http_on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_transfer *t = userdata;
	size_t len = size * nmemb;
	if (!t->body_started) {
		t->body_started = true;
		long status = 0;
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299) {
			/* An error page, possibly endless: stop here, the status says why. */
			t->body_refused = true;
			return CURL_WRITEFUNC_ERROR;
		}
		curl_off_t length = -1;
		curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
		if (length >= 0) {
			if ((uint64_t)length > t->max_size) {
				/* No point receiving what the cap will refuse. */
				t->error = -EFBIG;
				return CURL_WRITEFUNC_ERROR;
			}
			fetch_sink_set_total(t->sink, (uint64_t)length);
		}
	}
	int r = fetch_sink_write(t->sink, data, len);
	if (r < 0) {
		t->error = r;
		return CURL_WRITEFUNC_ERROR;
	}
	return len;
}

/* "Retry-After: 120" or "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT" (RFC 9110 10.2.3);
 * seconds from now, or -1 when the value is not one of those. */
static long http_parse_retry_after(const char *value, size_t len)
{
	while (len && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r' ||
		       value[len - 1] == '\n'))
		len--;
	if (len == 0)
		return -1;
	/* The line is not NUL-terminated: every look stays below len. */
	size_t digits = 0;
	while (digits < len && value[digits] >= '0' && value[digits] <= '9')
		digits++;
	if (digits == len) {
		long seconds = 0;
		for (size_t i = 0; i < len; i++) {
			seconds = seconds * 10 + (value[i] - '0');
			if (seconds > HTTP_RETRY_AFTER_MAX_S)
				return HTTP_RETRY_AFTER_MAX_S;
		}
		return seconds;
	}
	char date[64];
	if (len >= sizeof(date))
		return -1;
	memcpy(date, value, len);
	date[len] = '\0';
	time_t when = curl_getdate(date, NULL);
	if (when < 0)
		return -1;
	time_t now = time(NULL);
	if (when <= now)
		return 0;
	return when - now > HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S : (long)(when - now);
}

/* Header lines of every response (redirects and 1xx included); each status line starts a
 * new response, so what was learnt from the previous one is forgotten. */
static size_t http_on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct http_transfer *t = userdata;
	size_t len = size * nmemb;
	static const char retry_after[] = "Retry-After:";
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		t->retry_after_s = -1;
		t->reason[0] = '\0';
		/* "HTTP/1.1 404 Not Found\r\n": keep the printable reason phrase. */
		const char *p = memchr(line, ' ', len);
		if (p && (size_t)(line + len - p) > 5 && p[4] == ' ') {
			p += 5;
			size_t n = 0;
			while (p < line + len && *p >= ' ' && *p <= '~' &&
			       n + 1 < sizeof(t->reason))
				t->reason[n++] = *p++;
			t->reason[n] = '\0';
		}
	} else if (len > sizeof(retry_after) - 1 &&
		   strncasecmp(line, retry_after, sizeof(retry_after) - 1) == 0) {
		t->retry_after_s = http_parse_retry_after(line + sizeof(retry_after) - 1,
							  len - (sizeof(retry_after) - 1));
	}
	return len;
}

/* The response status as an errno (table at the top of the file); 0 for 2xx. */
static int http_status_error(const struct http_transfer *t, long status, char *err, size_t err_len)
{
	int r;
	if (status >= 200 && status <= 299)
		return 0;
	if (status == 404 || status == 410)
		r = -ENOENT;
	else if (status == 401 || status == 403 || status == 407)
		r = -EACCES;
	else if (status == 408 || status == 429 || (status >= 500 && status <= 599))
		r = -EAGAIN;
	else
		r = -EPROTO;
	if (status >= 300 && status <= 399)
		snprintf(err, err_len, "HTTP %ld%s%s without a redirect to follow", status,
			 t->reason[0] ? " " : "", t->reason);
	else
		snprintf(err, err_len, "HTTP %ld%s%s", status, t->reason[0] ? " " : "", t->reason);
	return r;
}

/* libcurl's result as an errno, keeping its message text. */
static int http_curl_error_map(CURLcode code, const char *url, char *err, size_t err_len)
{
	const char *text = http_curl_error[0] ? http_curl_error : curl_easy_strerror(code);
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		/* The network may not be up yet: worth another try. */
		snprintf(err, err_len, "%s", text);
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT: {
		/* curl's text ("Couldn't connect to server") hides why; the socket error says. */
		long os_errno = 0;
		curl_easy_getinfo(http_curl, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno > 0) {
			snprintf(err, err_len, "%s: %s", strerror((int)os_errno), text);
			if (os_errno == ETIMEDOUT || os_errno == EHOSTUNREACH ||
			    os_errno == ENETUNREACH)
				return -(int)os_errno;
		} else {
			snprintf(err, err_len, "%s", text);
		}
		return -ECONNREFUSED;
	}
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, err_len, "timed out: %s", text);
		return -ETIMEDOUT;
	case CURLE_PARTIAL_FILE:
		snprintf(err, err_len, "truncated: %s", text);
		return -EIO;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		snprintf(err, err_len, "connection lost: %s", text);
		return -ECONNRESET;
	case CURLE_SSL_CONNECT_ERROR:
		/* Cut short by the network as often as refused by the server: worth a retry. */
		snprintf(err, err_len, "TLS handshake failed: %s", text);
		return -ECONNRESET;
	case CURLE_TOO_MANY_REDIRECTS:
		snprintf(err, err_len, "too many redirects, a loop? (%s)", text);
		return -ELOOP;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (strncasecmp(url, "https:", 6) == 0)
			snprintf(err, err_len, "%s (an https URL is only redirected to https)",
				 text);
		else
			snprintf(err, err_len, "%s (only http and https are followed)", text);
		return -EPROTONOSUPPORT;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, err_len, "server certificate not trusted: %s", text);
		return -EKEYREJECTED;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		snprintf(err, err_len, "server public key does not match the pin: %s", text);
		return -EKEYREJECTED;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		snprintf(err, err_len, "CA certificate file: %s", text);
		return -EINVAL;
	case CURLE_URL_MALFORMAT:
		snprintf(err, err_len, "%s", text);
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		snprintf(err, err_len, "%s", text);
		return -ENOMEM;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		snprintf(err, err_len, "bad reply: %s", text);
		return -EPROTO;
	default:
		snprintf(err, err_len, "%s", text);
		return -EIO;
	}
}

/* Sleep for the server's Retry-After before the core retries (see the top of the file). */
static void http_honour_retry_after(const struct http_transfer *t, long status,
				    const struct fetch_options *o)
{
	if ((status != 429 && status != 503) || t->retry_after_s <= 0 || o->retries == 0)
		return;
	long ms = t->retry_after_s > FETCH_BACKOFF_MAX_MS / 1000 ? FETCH_BACKOFF_MAX_MS
								 : t->retry_after_s * 1000;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int http_fetch(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		      char *err, size_t err_len)
{
	bool https = strncasecmp(url, "https:", 6) == 0;
	if (o->pin && !https) {
		/* A pin promises an authenticated server; plain HTTP cannot keep that promise. */
		snprintf(err, err_len, "a public-key pin needs an https URL");
		return -EINVAL;
	}
	CURL *curl = http_handle();
	if (!curl) {
		snprintf(err, err_len, "libcurl failed to start");
		return -ENOMEM;
	}
	struct http_transfer t = {
		.curl = curl,
		.sink = sink,
		.max_size = o->max_size ? o->max_size : FETCH_SIZE_MAX,
		.retry_after_s = -1,
	};
	long timeout_s = o->timeout_s ? (long)o->timeout_s : FETCH_TIMEOUT_S;
	long low_speed_s = o->low_speed_s ? (long)o->low_speed_s : FETCH_LOW_SPEED_S;

	curl_easy_reset(curl);
	http_curl_error[0] = '\0';
	/* Every option is checked: one refused (say, by a libcurl older than 7.85 without the
	 * _STR protocol lists) must not leave a limit or a check off. */
	CURLcode c = CURLE_OK;
#define SET(option, value)                                          \
	do {                                                        \
		if (c == CURLE_OK)                                  \
			c = curl_easy_setopt(curl, option, value); \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_REDIRECTS_MAX);
	/* An https URL (perhaps pinned) must not be downgraded to plain HTTP by a redirect. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	SET(CURLOPT_CONNECTTIMEOUT, timeout_s);
	SET(CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, low_speed_s);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, HTTP_USER_AGENT);
	SET(CURLOPT_BUFFERSIZE, HTTP_BUFFER_SIZE);
	SET(CURLOPT_NOPROGRESS, 1L);
	SET(CURLOPT_ERRORBUFFER, http_curl_error);
	SET(CURLOPT_WRITEFUNCTION, http_on_body);
	SET(CURLOPT_WRITEDATA, &t);
	SET(CURLOPT_HEADERFUNCTION, http_on_header);
	SET(CURLOPT_HEADERDATA, &t);
	/* TLS: always verified, TLS 1.2 at least. */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o->ca_file) {
		/* Only the given CAs: no fallback to the system directory. */
		SET(CURLOPT_CAINFO, o->ca_file);
		SET(CURLOPT_CAPATH, (char *)NULL);
	} else if (access(HTTP_SYSTEM_CA_FILE, R_OK) == 0) {
		SET(CURLOPT_CAINFO, HTTP_SYSTEM_CA_FILE);
	}
	if (o->pin)
		SET(CURLOPT_PINNEDPUBLICKEY, o->pin);
#undef SET
	if (c != CURLE_OK) {
		snprintf(err, err_len, "libcurl refused an option: %s", curl_easy_strerror(c));
		return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}

	CURLcode res = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	/* The pointers into this stack frame must not outlive it. */
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, NULL);

	if (t.error) {
		/* The write callback stopped the transfer: over the cap, or the sink failed. */
		if (t.error != -EFBIG)
			snprintf(err, err_len, "storing the download: %s", strerror(-t.error));
		return t.error;
	}
	if (res == CURLE_OK || t.body_refused) {
		int r = http_status_error(&t, status, err, err_len);
		if (r == -EAGAIN)
			http_honour_retry_after(&t, status, o);
		return r;
	}
	return http_curl_error_map(res, url, err, err_len);
}

const struct fetch_scheme fetch_scheme_http = { .name = "http", .fetch = http_fetch };
const struct fetch_scheme fetch_scheme_https = { .name = "https", .fetch = http_fetch };
