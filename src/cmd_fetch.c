/* cmd_fetch.c — `kxboot fetch URL -o FILE [--sha256 HEX] [--size N]`: the fetcher on any
 * host, with the same verification /init applies. */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h> /* PATH_MAX */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "cli.h"
#include "limits.h"
#include "net/fetch.h"
#include "util.h"

static int copy_out(const struct fetch_result *res, int fd, const char *name)
{
	uint64_t done = 0;
	while (done < res->size) {
		ssize_t w = sendfile(fd, res->fd, NULL, res->size - done);
		if (w <= 0) {
			fprintf(stderr, "kxboot fetch: writing %s: %s\n", name,
				w < 0 ? strerror(errno) : "short write");
			return -EIO;
		}
		done += (uint64_t)w;
	}
	return 0;
}

/* A hidden file in out's directory to fetch into (".NAME.kxboot-XXXXXX", its name in tmp), or
 * -1 when none can be made there (a directory we may not write to, a name too long). */
static int hidden_file_beside(const char *out, char *tmp, size_t size)
{
	const char *slash = strrchr(out, '/');
	int dir_len = slash ? (int)(slash - out + 1) : 0;
	int n = snprintf(tmp, size, "%.*s.%s.kxboot-XXXXXX", dir_len, out, slash ? slash + 1 : out);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkostemp(tmp, O_CLOEXEC);
}

/* The data goes straight into the hidden file tmp (no copy after the transfer), which is
 * renamed to out only once size and SHA-256 are verified; a failed fetch leaves out as it
 * was and removes tmp. */
static int fetch_in_place(const char *url, struct fetch_options *o, const char *out,
			  const char *tmp, int fd, struct fetch_result *res)
{
	mode_t mask = umask(0);
	umask(mask);
	o->into_fd = fd;
	int r = fetch_url(url, o, res);
	if (r == 0 && (fchmod(fd, 0666 & ~mask) < 0 || rename(tmp, out) < 0)) {
		r = -errno;
		snprintf(res->error, sizeof(res->error), "%s: %s", out, strerror(-r));
	}
	close(fd);
	if (r < 0) {
		unlink(tmp);
		fprintf(stderr, "kxboot fetch: %s\n", res->error);
	}
	return r;
}

/* stdout, a device, a FIFO, a symbolic link, a file in a directory we cannot write to: the
 * data stays in memory until it is verified, then it is written there. */
static int fetch_then_write(const char *url, const struct fetch_options *o, const char *out,
			    struct fetch_result *res)
{
	int r = fetch_url(url, o, res);
	if (r < 0) {
		fprintf(stderr, "kxboot fetch: %s\n", res->error);
		return r;
	}
	int fd = strcmp(out, "-") ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)
				  : STDOUT_FILENO;
	if (fd < 0) {
		r = -errno;
		fprintf(stderr, "kxboot fetch: %s: %s\n", out, strerror(errno));
	} else {
		r = copy_out(res, fd, out);
		if (fd != STDOUT_FILENO)
			close(fd);
	}
	if (r < 0)
		fetch_result_free(res);
	return r;
}

int cmd_fetch(int argc, char **argv)
{
	const char *url = NULL, *out = NULL;
	struct fetch_options o = { .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT,
				   .progress = isatty(STDERR_FILENO) };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		long v;
		if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) {
			out = argv[++i];
		} else if (!strcmp(a, "--sha256") && more) {
			o.expect_sha256 = argv[++i];
			if (strlen(o.expect_sha256) != 64 ||
			    strspn(o.expect_sha256, "0123456789abcdefABCDEF") != 64) {
				fprintf(stderr, "kxboot fetch: --sha256 wants 64 hex digits\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--size") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v < 0) {
				fprintf(stderr, "kxboot fetch: --size wants a number of bytes\n");
				return EXIT_USAGE;
			}
			o.expect_size = v;
		} else if (!strcmp(a, "--max-size") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v <= 0)
				return EXIT_USAGE;
			o.max_size = (uint64_t)v;
		} else if (!strcmp(a, "--pin") && more) {
			o.pin = argv[++i];
		} else if (!strcmp(a, "--cacert") && more) {
			o.ca_file = argv[++i];
		} else if (!strcmp(a, "--retries") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v < 0 || v > 20)
				return EXIT_USAGE;
			o.retries = (unsigned)v;
		} else if (!strcmp(a, "--timeout") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v <= 0 || v > 3600)
				return EXIT_USAGE;
			o.timeout_s = (unsigned)v;
			o.low_speed_s = (unsigned)v;
		} else if (!strcmp(a, "--blksize") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v < 8 || v > 65464)
				return EXIT_USAGE;
			o.tftp_blksize = (unsigned)v;
		} else if (!strcmp(a, "--windowsize") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v < 1 || v > 65535)
				return EXIT_USAGE;
			o.tftp_windowsize = (unsigned)v;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o.progress = false;
		} else if (!strcmp(a, "--help")) {
			printf("usage: kxboot fetch URL -o FILE [--sha256 HEX] [--size N] [--max-size N]\n"
			       "       [--pin sha256//B64] [--cacert FILE] [--retries N] [--timeout S]\n"
			       "       [--blksize N] [--windowsize N] [--quiet]\n");
			return EXIT_OK;
		} else if (a[0] != '-' && !url) {
			url = a;
		} else {
			fprintf(stderr, "kxboot fetch: unknown option '%s'\n", a);
			return EXIT_USAGE;
		}
	}
	if (!url || !out) {
		fprintf(stderr, "usage: kxboot fetch URL -o FILE [--sha256 HEX] [--size N]\n");
		return EXIT_USAGE;
	}
	/* A regular file (or a new one) is written in place when its directory lets us make a
	 * hidden file beside it; anything else through memory. */
	struct fetch_result res;
	struct stat st;
	char tmp[PATH_MAX];
	int fd = -1;
	if (strcmp(out, "-") && !(lstat(out, &st) == 0 && !S_ISREG(st.st_mode)))
		fd = hidden_file_beside(out, tmp, sizeof(tmp));
	int r = fd >= 0 ? fetch_in_place(url, &o, out, tmp, fd, &res)
			: fetch_then_write(url, &o, out, &res);
	if (r < 0)
		return EXIT_FAIL;
	fprintf(stderr, "%s  %llu bytes  sha256 %s\n", url, (unsigned long long)res.size, res.sha256);
	fetch_result_free(&res);
	return EXIT_OK;
}
