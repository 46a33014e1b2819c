/* test_tftp.c — the TFTP client's pure parts: the RRQ on the wire (RFC 1350, 2347), reading
 * OACKs as tftpd-hpa, atftpd and broken servers send them (RFC 2347-2349, 7440), and block
 * numbers past 65535 (rollover to 0, as tftpd-hpa and atftpd do). */
#include <errno.h>

#include "net/tftp.h"
#include "test.h"

static void test_rrq(void)
{
	static const struct {
		const char *name, *file;
		struct tftp_request_options req;
		const char *want; /* NULs written as '|' */
		int want_r;
	} cases[] = {
		{ "rrq/plain", "boot/vmlinuz", { 0 }, "..boot/vmlinuz|octet|", 0 },
		{ "rrq/options", "k", { .blksize = 1468, .windowsize = 16, .tsize = true },
		  "..k|octet|blksize|1468|tsize|0|windowsize|16|", 0 },
		{ "rrq/lockstep-no-windowsize", "k",
		  { .blksize = 512, .windowsize = 1, .tsize = true },
		  "..k|octet|blksize|512|tsize|0|", 0 },
		{ "rrq/timeout", "k", { .timeout_s = 3 }, "..k|octet|timeout|3|", 0 },
		{ "rrq/absolute", "/srv/k", { 0 }, "../srv/k|octet|", 0 },
		{ "rrq/empty", "", { 0 }, NULL, -EINVAL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BEGIN(cases[i].name);
		uint8_t buf[TFTP_REQUEST_MAX];
		size_t len = 0;
		int r = tftp_rrq_build(cases[i].file, &cases[i].req, buf, sizeof(buf), &len);
		CHECK_INT(r, cases[i].want_r);
		if (r == 0) {
			CHECK_INT(buf[0], 0);
			CHECK_INT(buf[1], 1);
			CHECK_INT(len, strlen(cases[i].want));
			char got[TFTP_REQUEST_MAX + 1];
			for (size_t j = 0; j < len; j++)
				got[j] = j < 2 ? '.' : buf[j] ? (char)buf[j] : '|';
			got[len] = '\0';
			CHECK_STR(got, cases[i].want);
		}
		TEST_END();
	}

	TEST_BEGIN("rrq/too-long");
	char name[600];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	uint8_t buf[TFTP_REQUEST_MAX];
	size_t len;
	struct tftp_request_options req = { .blksize = 1468 };
	CHECK_INT(tftp_rrq_build(name, &req, buf, sizeof(buf), &len), -ENAMETOOLONG);
	name[500] = '\0'; /* fits without options, not with them */
	CHECK_INT(tftp_rrq_build(name, &req, buf, sizeof(buf), &len), -ENAMETOOLONG);
	req.blksize = 0;
	CHECK_INT(tftp_rrq_build(name, &req, buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 2 + 501 + 6);
	TEST_END();
}

static void test_oack(void)
{
	static const struct tftp_request_options asked = { .blksize = 1468,
							   .windowsize = 16,
							   .timeout_s = 5,
							   .tsize = true };
	static const struct {
		const char *name;
		const char *body; /* '|' stands for NUL */
		int want_r;
		unsigned blksize, windowsize;
		int has_tsize;
		uint64_t tsize;
	} cases[] = {
		/* tftpd-hpa: no windowsize, so lockstep */
		{ "oack/tftpd-hpa", "blksize|1468|tsize|41943040|timeout|5|",
		  0, 1468, 1, 1, 41943040 },
		/* atftpd 0.8 */
		{ "oack/atftpd", "tsize|1469|blksize|1468|windowsize|16|timeout|5|",
		  0, 1468, 16, 1, 1469 },
		{ "oack/smaller", "blksize|1024|windowsize|4|", 0, 1024, 4, 0, 0 },
		{ "oack/upper-case", "BLKSIZE|1400|WindowSize|8|", 0, 1400, 8, 0, 0 },
		{ "oack/empty", "", 0, 512, 1, 0, 0 },
		{ "oack/tsize-zero", "tsize|0|", 0, 512, 1, 1, 0 },
		{ "oack/tsize-huge", "tsize|18446744073709551615|", 0, 512, 1, 1, UINT64_MAX },
		{ "oack/tsize-overflow", "tsize|18446744073709551616|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/blksize-above-asked", "blksize|1469|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/blksize-tiny", "blksize|7|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/windowsize-above-asked", "windowsize|17|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/windowsize-zero", "windowsize|0|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/timeout-zero", "timeout|0|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/not-asked", "blksize|1468|multicast|,,1|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/unknown", "evil|1|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/repeated", "blksize|512|blksize|1468|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/not-a-number", "blksize|1k|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/negative", "blksize|-1|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/empty-value", "blksize||", -EPROTO, 0, 0, 0, 0 },
		{ "oack/no-value", "blksize|", -EPROTO, 0, 0, 0, 0 },
		{ "oack/no-nul", "blksize|1468", -EPROTO, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BEGIN(cases[i].name);
		uint8_t body[256];
		size_t len = strlen(cases[i].body);
		for (size_t j = 0; j < len; j++)
			body[j] = cases[i].body[j] == '|' ? 0 : (uint8_t)cases[i].body[j];
		struct tftp_params p = { .blksize = 77 };
		char err[128] = "";
		int r = tftp_oack_parse(body, len, &asked, &p, err, sizeof(err));
		CHECK_INT(r, cases[i].want_r);
		if (r == 0) {
			CHECK_INT(p.blksize, cases[i].blksize);
			CHECK_INT(p.windowsize, cases[i].windowsize);
			CHECK_INT(p.has_tsize, cases[i].has_tsize);
			CHECK(p.tsize == cases[i].tsize);
		} else {
			CHECK(err[0] != '\0');
			CHECK_INT(p.blksize, 77); /* untouched on failure */
		}
		TEST_END();
	}

	TEST_BEGIN("oack/windowsize-not-asked");
	struct tftp_request_options lockstep = { .blksize = 1468, .windowsize = 1, .tsize = true };
	static const uint8_t body[] = "windowsize\0" "16";
	struct tftp_params p;
	char err[128];
	CHECK_INT(tftp_oack_parse(body, sizeof(body), &lockstep, &p, err, sizeof(err)), -EPROTO);
	TEST_END();
}

static void test_unwrap(void)
{
	static const struct {
		uint64_t expected;
		uint16_t wire;
		uint64_t want;
	} cases[] = {
		{ 1, 1, 1 },
		{ 1, 0, 0 },			/* ACK 0 / OACK time */
		{ 1, 5, 5 },			/* a gap */
		{ 1, 65535, 65535 },		/* nothing before block 0 */
		{ 65535, 65535, 65535 },
		{ 65536, 0, 65536 },		/* rollover to 0 */
		{ 65536, 65535, 65535 },	/* duplicate of the block before */
		{ 65537, 1, 65537 },
		{ 65537, 65534, 65534 },
		{ 81921, 16385, 81921 },	/* 40 MiB in 512-byte blocks: the last one */
		{ 131072, 0, 131072 },		/* second rollover */
		{ 131071, 0, 131072 },		/* ahead across it */
		{ 200000, (uint16_t)(200000 - 16), 200000 - 16 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "unwrap/%llu-%u",
			 (unsigned long long)cases[i].expected, cases[i].wire);
		TEST_BEGIN(name);
		CHECK(tftp_block_unwrap(cases[i].expected, cases[i].wire) == cases[i].want);
		TEST_END();
	}
}

int main(void)
{
	test_rrq();
	test_oack();
	test_unwrap();
	TEST_EXIT();
}
