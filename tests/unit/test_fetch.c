/* test_fetch.c — the fetcher's common path (net/fetch.c) through its file:// scheme: data in a
 * memory file or in the caller's file, SHA-256 and size computed on the way in and checked,
 * the size cap, and what is left behind when a check fails (nothing: a failed fetch must not
 * leave data that looks like a download). The network schemes are tested against real
 * servers in tests/integration. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/fetch.h"
#include "test.h"

/* A file of `size` pseudo-random bytes under dir; its SHA-256 in hex. */
static void make_file(const char *path, size_t size, char ret_sha[65])
{
	uint8_t *data = malloc(size ? size : 1);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (uint8_t)x;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror(path);
		exit(2);
	}
	close(fd);
	unsigned char md[32];
	unsigned len = 0;
	EVP_Digest(data, size, md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(ret_sha + 2 * i, 3, "%02x", md[i]);
	free(data);
}

static off_t fd_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* The first n bytes of fd (from offset 0) equal those of path. */
static bool same_bytes(int fd, const char *path, size_t n)
{
	int fd2 = open(path, O_RDONLY);
	uint8_t a[65536], b[65536];
	size_t done = 0;
	bool same = fd2 >= 0;
	while (same && done < n) {
		size_t want = n - done < sizeof(a) ? n - done : sizeof(a);
		same = pread(fd, a, want, (off_t)done) == (ssize_t)want &&
		       pread(fd2, b, want, (off_t)done) == (ssize_t)want && !memcmp(a, b, want);
		done += want;
	}
	if (fd2 >= 0)
		close(fd2);
	return same;
}

static void run_all(const char *prefix)
{
	char name[96];
	char dir[] = "/tmp/kxboot-test-fetch.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	/* 5 MiB + 123: several hasher wake-ups (one per MiB) and a partial last piece */
	const size_t big_size = (5u << 20) + 123;
	char big[256], empty[256], url[300], url_empty[300], sha[65], sha_empty[65];
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	make_file(big, big_size, sha);
	make_file(empty, 0, sha_empty);
	snprintf(url, sizeof(url), "file://%s", big);
	snprintf(url_empty, sizeof(url_empty), "file://%s", empty);

	struct fetch_options o;
	struct fetch_result res;
	char out[300];
	snprintf(out, sizeof(out), "%s/out", dir);
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);

	snprintf(name, sizeof(name), "%s/memory-file", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = -1, .expect_sha256 = sha };
	CHECK_INT(fetch_url(url, &o, &res), 0);
	CHECK_INT(res.size, big_size);
	CHECK_STR(res.sha256, sha);
	CHECK(res.fd >= 0);
	CHECK_INT(fd_size(res.fd), big_size); /* exactly the data, nothing more */
	CHECK_INT(lseek(res.fd, 0, SEEK_CUR), 0);
	CHECK(same_bytes(res.fd, big, big_size));
	fetch_result_free(&res);
	CHECK_INT(res.fd, -1);
	TEST_END();

	snprintf(name, sizeof(name), "%s/sha256-upper-case-hex", prefix);
	TEST_BEGIN(name);
	char upper[65];
	for (int i = 0; i < 65; i++)
		upper[i] = (char)(sha[i] >= 'a' && sha[i] <= 'f' ? sha[i] - 32 : sha[i]);
	o = (struct fetch_options){ .expect_size = (int64_t)big_size, .expect_sha256 = upper };
	CHECK_INT(fetch_url(url, &o, &res), 0);
	fetch_result_free(&res);
	TEST_END();

	snprintf(name, sizeof(name), "%s/empty-file", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = 0, .expect_sha256 = sha_empty };
	CHECK_INT(fetch_url(url_empty, &o, &res), 0);
	CHECK_INT(res.size, 0);
	/* SHA-256 of nothing, FIPS 180-4 */
	CHECK_STR(res.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	fetch_result_free(&res);
	TEST_END();

	snprintf(name, sizeof(name), "%s/into-caller-file", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = (int64_t)big_size, .expect_sha256 = sha,
				    .into_fd = fd };
	CHECK_INT(fetch_url(url, &o, &res), 0);
	CHECK_INT(res.fd, -1); /* the data is in the caller's file, not in a memory file */
	CHECK_STR(res.sha256, sha);
	CHECK_INT(fd_size(fd), big_size);
	CHECK(same_bytes(fd, out, big_size) && same_bytes(fd, big, big_size));
	CHECK(fcntl(fd, F_GETFD) >= 0); /* still the caller's, still open */
	fetch_result_free(&res);
	TEST_END();

	snprintf(name, sizeof(name), "%s/into-caller-file-wrong-sha256-truncates", prefix);
	TEST_BEGIN(name);
	const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
	o = (struct fetch_options){ .expect_size = -1, .expect_sha256 = wrong, .into_fd = fd };
	CHECK_INT(ftruncate(fd, 0), 0);
	lseek(fd, 0, SEEK_SET);
	CHECK_INT(fetch_url(url, &o, &res), -EBADMSG);
	CHECK_INT(fd_size(fd), 0); /* no unverified data left in it */
	CHECK(strstr(res.error, big) != NULL);
	CHECK(strstr(res.error, "SHA-256") != NULL && strstr(res.error, wrong) != NULL);
	CHECK(strstr(res.error, sha) != NULL);
	CHECK(fcntl(fd, F_GETFD) >= 0);
	TEST_END();

	snprintf(name, sizeof(name), "%s/wrong-size", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = (int64_t)big_size + 1 };
	CHECK_INT(fetch_url(url, &o, &res), -EBADMSG);
	CHECK_INT(res.fd, -1);
	CHECK(strstr(res.error, "expected") != NULL);
	TEST_END();

	snprintf(name, sizeof(name), "%s/size-cap", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = -1, .max_size = big_size - 1 };
	CHECK_INT(fetch_url(url, &o, &res), -EFBIG);
	CHECK_INT(res.fd, -1);
	CHECK(strstr(res.error, "larger than") != NULL);
	o.max_size = big_size; /* exactly at the cap is allowed */
	CHECK_INT(fetch_url(url, &o, &res), 0);
	fetch_result_free(&res);
	TEST_END();

	snprintf(name, sizeof(name), "%s/missing-file", prefix);
	TEST_BEGIN(name);
	char missing[300];
	snprintf(missing, sizeof(missing), "file://%s/nothing-here", dir);
	o = (struct fetch_options){ .expect_size = -1 };
	CHECK(fetch_url(missing, &o, &res) < 0);
	CHECK_INT(res.fd, -1);
	CHECK(strstr(res.error, "nothing-here") != NULL);
	TEST_END();

	snprintf(name, sizeof(name), "%s/unknown-scheme", prefix);
	TEST_BEGIN(name);
	o = (struct fetch_options){ .expect_size = -1 };
	CHECK_INT(fetch_url("gopher://example/x", &o, &res), -EPROTONOSUPPORT);
	CHECK(strstr(res.error, "gopher://example/x") != NULL);
	TEST_END();

	close(fd);
	unlink(big);
	unlink(empty);
	unlink(out);
	rmdir(dir);
}

int main(void)
{
	run_all("fetch");
	/* Again on one CPU: there the writer hashes each piece itself instead of a second
	 * thread reading the file behind it (fetch.c), and both must give the same results. */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0)
		run_all("fetch/one-cpu");
	else
		printf("FAIL: fetch/one-cpu: sched_setaffinity: %s\n", strerror(errno));
	TEST_EXIT();
}
