/* fetch.c — the scheme table, the hashing sink, retries with backoff, verification. */
#include "net/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "util.h"

static const struct fetch_scheme *const schemes[] = {
	&fetch_scheme_http,
	&fetch_scheme_https,
	&fetch_scheme_tftp,
	&fetch_scheme_file,
	NULL,
};

/* With a second CPU, SHA-256 runs in a second thread that reads the memory file right
 * behind the writer (the pages are still in cache), so hashing overlaps the transfer instead
 * of adding to it. With one CPU the thread could only take turns with the writer, so the
 * writer hashes each piece itself as it arrives. Either way the data is hashed once, during
 * the transfer; nothing is read back afterwards. */
struct sink_hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t written; /* bytes the writer has put in the file (as told to the hasher) */
	uint64_t signalled; /* writer's side: size at the last wake-up */
	uint64_t hashed;
	bool done;	  /* the writer has finished: hash to `written` and stop */
	bool running;
	int error;
};

struct fetch_sink {
	int fd;
	uint64_t size, total, max;
	EVP_MD_CTX *md;
	struct sink_hasher h;
	bool progress;
	struct timespec start, last_draw;
	bool drawn;
	const char *name;
	int error; /* first write error, sticky */
};

const struct fetch_scheme *fetch_scheme_for(const char *url)
{
	const char *colon = strstr(url, "://");
	if (!colon)
		return NULL;
	size_t n = (size_t)(colon - url);
	for (size_t i = 0; schemes[i]; i++)
		if (strlen(schemes[i]->name) == n && strncasecmp(url, schemes[i]->name, n) == 0)
			return schemes[i];
	return NULL;
}

static double elapsed(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

static void human(char *buf, size_t size, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	int u = 0;
	while (bytes >= 1024 && u < 3) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

/* "name  [=====>     ]  12.0 MiB / 40.0 MiB  35.1 MiB/s  ETA 1 s", redrawn in place. */
static void draw_progress(struct fetch_sink *s, bool final)
{
	double t = elapsed(&s->start);
	if (!final && (t < 1.0 || elapsed(&s->last_draw) < 0.2))
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->last_draw);
	char got[32], tot[32], rate[32], bar[32];
	human(got, sizeof(got), (double)s->size);
	human(rate, sizeof(rate), t > 0 ? (double)s->size / t : 0);
	if (s->total) {
		int fill = (int)(20.0 * (double)s->size / (double)s->total);
		if (fill > 20)
			fill = 20;
		memset(bar, '=', (size_t)fill);
		memset(bar + fill, ' ', (size_t)(20 - fill));
		bar[20] = '\0';
		human(tot, sizeof(tot), (double)s->total);
		double r = t > 0 ? (double)s->size / t : 0;
		double eta = r > 0 ? ((double)s->total - (double)s->size) / r : 0;
		fprintf(stderr, "\r%-24.24s [%s] %s / %s  %s/s  ETA %.0f s ", s->name, bar, got, tot, rate,
			eta < 0 ? 0 : eta);
	} else {
		fprintf(stderr, "\r%-24.24s %s  %s/s ", s->name, got, rate);
	}
	if (final)
		fputc('\n', stderr);
	s->drawn = true;
}

static void *hasher_main(void *arg)
{
	struct fetch_sink *s = arg;
	struct sink_hasher *h = &s->h;
	char *buf = xmalloc(1u << 20);
	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (h->hashed == h->written && !h->done)
			pthread_cond_wait(&h->cv, &h->mu);
		uint64_t upto = h->written;
		bool done = h->done;
		pthread_mutex_unlock(&h->mu);
		while (h->hashed < upto) {
			size_t want = upto - h->hashed > (1u << 20) ? (1u << 20) : (size_t)(upto - h->hashed);
			ssize_t n = pread(s->fd, buf, want, (off_t)h->hashed);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				h->error = n < 0 ? -errno : -EIO;
				h->hashed = upto;
				break;
			}
			EVP_DigestUpdate(s->md, buf, (size_t)n);
			h->hashed += (uint64_t)n;
		}
		if (done && h->hashed >= upto)
			break;
	}
	free(buf);
	return NULL;
}

static void hasher_start(struct fetch_sink *s)
{
	struct sink_hasher *h = &s->h;
	h->written = h->hashed = h->signalled = 0;
	h->done = false;
	h->error = 0;
	cpu_set_t cpus;
	h->running = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) > 1 &&
		     pthread_create(&h->thread, NULL, hasher_main, s) == 0;
}

/* Wait for the hash to catch up with everything written. */
static int hasher_finish(struct fetch_sink *s)
{
	struct sink_hasher *h = &s->h;
	if (!h->running)
		return 0;
	pthread_mutex_lock(&h->mu);
	h->written = s->size;
	h->done = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	h->running = false;
	return h->error;
}

int fetch_sink_write(struct fetch_sink *s, const void *data, size_t len)
{
	if (s->error)
		return s->error;
	if (s->size + len > s->max) {
		s->error = -EFBIG;
		return s->error;
	}
	const char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(s->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->error = w < 0 ? -errno : -EIO;
			return s->error;
		}
		off += (size_t)w;
	}
	s->size += len;
	if (s->h.running) {
		/* Wake the hasher in steps of 1 MiB: a futex per small write costs more than it
		 * saves. hasher_finish() hands over the rest. */
		if (s->size - s->h.signalled >= (1u << 20)) {
			pthread_mutex_lock(&s->h.mu);
			s->h.written = s->size;
			pthread_cond_signal(&s->h.cv);
			pthread_mutex_unlock(&s->h.mu);
			s->h.signalled = s->size;
		}
	} else {
		EVP_DigestUpdate(s->md, data, len);
	}
	if (s->progress)
		draw_progress(s, false);
	return 0;
}

void fetch_sink_reset(struct fetch_sink *s)
{
	hasher_finish(s);
	if (ftruncate(s->fd, 0) == 0)
		lseek(s->fd, 0, SEEK_SET);
	EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
	hasher_start(s);
	s->size = 0;
	s->total = 0;
	s->error = 0;
}

void fetch_sink_set_total(struct fetch_sink *s, uint64_t total)
{
	/* Only for the progress bar. Reserving the pages ahead (fallocate) was tried: on a memory
	 * file it zeroes every page before the data overwrites it, which costs more than it saves. */
	s->total = total;
}

uint64_t fetch_sink_size(const struct fetch_sink *s)
{
	return s->size;
}

static bool transient(int r)
{
	return r == -EAGAIN || r == -ETIMEDOUT || r == -ECONNRESET || r == -ECONNREFUSED ||
	       r == -EIO || r == -EHOSTUNREACH || r == -ENETUNREACH;
}

static void set_error(struct fetch_result *ret, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_error(struct fetch_result *ret, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ret->error, sizeof(ret->error), fmt, ap);
	va_end(ap);
}

static unsigned jitter(unsigned ms)
{
	static unsigned seed;
	if (!seed)
		seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	seed = seed * 1103515245u + 12345u;
	return ms / 2 + (seed >> 8) % (ms / 2 + 1);
}

int fetch_url(const char *url, const struct fetch_options *o, struct fetch_result *ret)
{
	*ret = (struct fetch_result){ .fd = -1 };
	struct fetch_options opts = *o;
	const struct fetch_scheme *scheme = fetch_scheme_for(url);
	if (!scheme) {
		set_error(ret, "unsupported URL scheme in '%s'", url);
		return -EPROTONOSUPPORT;
	}
	struct fetch_sink sink = { .max = opts.max_size ? opts.max_size : FETCH_SIZE_MAX,
				   .progress = opts.progress };
	const char *slash = strrchr(url, '/');
	sink.name = slash && slash[1] ? slash + 1 : url;
	bool own_fd = opts.into_fd <= 0;
	sink.fd = own_fd ? memfd_create("kxboot-fetch", MFD_CLOEXEC) : opts.into_fd;
	if (sink.fd < 0) {
		set_error(ret, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	sink.md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(sink.md, EVP_sha256(), NULL);
	pthread_mutex_init(&sink.h.mu, NULL);
	pthread_cond_init(&sink.h.cv, NULL);
	hasher_start(&sink);
	unsigned delay = FETCH_BACKOFF_MS;
	int r = 0;
	for (unsigned attempt = 0;; attempt++) {
		clock_gettime(CLOCK_MONOTONIC, &sink.start);
		sink.last_draw = sink.start;
		char err[200] = "";
		r = scheme->fetch(url, &opts, &sink, err, sizeof(err));
		if (r == 0 && sink.error)
			r = sink.error;
		if (r == 0)
			break;
		if (r == -EFBIG || sink.error == -EFBIG) {
			r = -EFBIG;
			set_error(ret, "%s: larger than %llu bytes", url, (unsigned long long)sink.max);
			break;
		}
		set_error(ret, "%s: %s", url, err[0] ? err : strerror(-r));
		if (!transient(r) || attempt >= opts.retries)
			break;
		unsigned wait = jitter(delay);
		log_info("Fetching %s failed (%s), retrying in %u ms", url, err[0] ? err : strerror(-r), wait);
		usleep(wait * 1000u);
		delay = delay * 2 > FETCH_BACKOFF_MAX_MS ? FETCH_BACKOFF_MAX_MS : delay * 2;
		fetch_sink_reset(&sink);
	}
	if (sink.progress && sink.drawn)
		draw_progress(&sink, true);
	int herr = hasher_finish(&sink);
	if (r == 0 && herr < 0) {
		set_error(ret, "%s: hashing: %s", url, strerror(-herr));
		r = herr;
	}
	pthread_mutex_destroy(&sink.h.mu);
	pthread_cond_destroy(&sink.h.cv);
	unsigned char digest[32];
	unsigned dlen = 0;
	EVP_DigestFinal_ex(sink.md, digest, &dlen);
	EVP_MD_CTX_free(sink.md);
	for (unsigned i = 0; i < 32; i++)
		snprintf(ret->sha256 + 2 * i, 3, "%02x", digest[i]);
	ret->size = sink.size;
	if (r == 0 && opts.expect_size >= 0 && (uint64_t)opts.expect_size != sink.size) {
		set_error(ret, "%s: %llu bytes, expected %lld", url, (unsigned long long)sink.size,
			  (long long)opts.expect_size);
		r = -EBADMSG;
	}
	if (r == 0 && opts.expect_sha256 && strcasecmp(opts.expect_sha256, ret->sha256) != 0) {
		set_error(ret, "%s: SHA-256 %s, expected %s", url, ret->sha256, opts.expect_sha256);
		r = -EBADMSG;
	}
	if (r < 0) {
		if (own_fd)
			close(sink.fd);
		else if (ftruncate(sink.fd, 0) < 0)
			log_warn("Failed to empty the output file after a failed fetch: %s", strerror(errno));
		return r;
	}
	/* The file holds exactly what arrived (a file given as into_fd may have held more). */
	if (ftruncate(sink.fd, (off_t)sink.size) < 0) {
		set_error(ret, "%s: %s", url, strerror(errno));
		if (own_fd)
			close(sink.fd);
		return -EIO;
	}
	lseek(sink.fd, 0, SEEK_SET);
	ret->fd = own_fd ? sink.fd : -1;
	return 0;
}

void fetch_result_free(struct fetch_result *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

int url_split(const char *url, char **ret_scheme, char **ret_host, int *ret_port, char **ret_path)
{
	const char *sep = strstr(url, "://");
	if (!sep || sep == url)
		return -EINVAL;
	const char *auth = sep + 3;
	const char *path = strchr(auth, '/');
	if (!path)
		path = auth + strlen(auth);
	const char *host_end = path;
	const char *at = memchr(auth, '@', (size_t)(path - auth));
	if (at)
		auth = at + 1; /* userinfo is not used */
	int port = 0;
	const char *host_start = auth;
	const char *colon = memchr(auth, ':', (size_t)(path - auth));
	if (*auth == '[') {
		/* An IPv6 literal (RFC 3986 section 3.2.2): "[2001:db8::1]", then ":port" or
		 * nothing; a zone as RFC 6874 writes it, "[fe80::1%25eth0]". */
		const char *close = memchr(auth, ']', (size_t)(path - auth));
		if (!close || close == auth + 1 || (close + 1 != path && close[1] != ':'))
			return -EINVAL;
		host_start = auth + 1;
		host_end = close;
		colon = close + 1 != path ? close + 1 : NULL;
	} else if (colon) {
		host_end = colon;
	}
	if (colon) {
		long p;
		char *num = xstrndup(colon + 1, (size_t)(path - colon - 1));
		int r = str_to_long(num, 10, &p);
		free(num);
		if (r < 0 || p <= 0 || p > 65535)
			return -EINVAL;
		port = (int)p;
	}
	if (ret_scheme)
		*ret_scheme = xstrndup(url, (size_t)(sep - url));
	if (ret_host) {
		char *host = xstrndup(host_start, (size_t)(host_end - host_start));
		/* getaddrinfo() wants the zone after a bare '%' */
		char *zone = *auth == '[' ? strstr(host, "%25") : NULL;
		if (zone)
			memmove(zone + 1, zone + 3, strlen(zone + 3) + 1);
		*ret_host = host;
	}
	if (ret_port)
		*ret_port = port;
	if (ret_path)
		*ret_path = xstrdup(*path ? path : "/");
	return 0;
}

char *url_resolve(const char *base, const char *ref)
{
	if (strstr(ref, "://"))
		return xstrdup(ref);
	const char *sep = strstr(base, "://");
	if (!sep)
		return xstrdup(ref);
	const char *path = strchr(sep + 3, '/');
	size_t origin_len = path ? (size_t)(path - base) : strlen(base);
	if (ref[0] == '/')
		return xasprintf("%.*s%s", (int)origin_len, base, ref);
	/* Relative: replace the last path segment of base. */
	const char *q = strpbrk(path ? path : "", "?#");
	size_t base_len = q ? (size_t)(q - base) : strlen(base);
	const char *last = base + base_len;
	while (last > base + origin_len && last[-1] != '/')
		last--;
	char *joined;
	if (last == base + origin_len)
		joined = xasprintf("%.*s/%s", (int)origin_len, base, ref);
	else
		joined = xasprintf("%.*s%s", (int)(last - base), base, ref);
	/* Normalise the path part ("a/../b"). */
	const char *jp = strchr(strstr(joined, "://") + 3, '/');
	if (!jp)
		return joined;
	char *norm = path_normalize(jp);
	if (str_endswith(jp, "/") && !str_endswith(norm, "/")) {
		char *t = xasprintf("%s/", norm);
		free(norm);
		norm = t;
	}
	char *out = xasprintf("%.*s%s", (int)(jp - joined), joined, norm);
	free(norm);
	free(joined);
	return out;
}

/* file:// — local paths (the booted system's own files, tests). */
static int file_fetch(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		      char *err, size_t err_len)
{
	const char *path = url + strlen("file://");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		snprintf(err, err_len, "%s", strerror(errno));
		return r;
	}
	char buf[1 << 16];
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, err_len, "read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		r = fetch_sink_write(sink, buf, (size_t)n);
		if (r < 0)
			break;
	}
	close(fd);
	return r;
}

const struct fetch_scheme fetch_scheme_file = { .name = "file", .fetch = file_fetch };
