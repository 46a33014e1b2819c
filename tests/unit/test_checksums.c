/* test_checksums.c — sha256sum(1) and BSD checksum lines (coreutils manual, "sha2 utilities"). */
#include "checksums.h"
#include "test.h"

#define H1 "0c63e363ab4631cbd4712a778292499f9a5eb3628937b28f2cefb6da39f405f3"
#define H2 "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"

int main(void)
{
	struct checksums c;
	const char *text = "# comment\n" H1 "  vmlinuz\n" H2 " *initrd.img\r\n"
			   "SHA256 (./dir/file with space) = " H1 "\n"
			   "garbage line\n" H1 " missing-second-space\n" "\n" H1 "  ./rel\n";
	checksums_parse(&c, "SHA256SUMS", text, strlen(text));
	TEST_BEGIN("sha256sum text and binary lines, BSD lines, ./ prefix");
	CHECK_INT(c.n, 4);
	CHECK_STR(checksums_find(&c, "vmlinuz") ? checksums_find(&c, "vmlinuz")->sha256 : NULL, H1);
	CHECK_STR(checksums_find(&c, "initrd.img") ? checksums_find(&c, "initrd.img")->sha256 : NULL,
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(checksums_find(&c, "dir/file with space") != NULL);
	CHECK(checksums_find(&c, "rel") != NULL);
	CHECK(checksums_find(&c, "missing-second-space") == NULL);
	CHECK(checksums_find(&c, "nothere") == NULL);
	TEST_END();
	checksums_free(&c);

	char hex[65];
	TEST_BEGIN(".sha256 file: hash alone or with a name");
	CHECK_INT(checksum_single(H1 "\n", 65, hex), 0);
	CHECK_STR(hex, H1);
	CHECK_INT(checksum_single(H1 "  vmlinuz\n", strlen(H1 "  vmlinuz\n"), hex), 0);
	CHECK_INT(checksum_single("abc", 3, hex), -22);
	CHECK_INT(checksum_single(H1 "x", 65, hex), -22);
	TEST_END();
	TEST_EXIT();
}
