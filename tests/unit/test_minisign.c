/* test_minisign.c — minisign keys and signatures (minisign 0.11 formats) against vectors made
 * by the real minisign program (minisign_vectors.h), and every way a signature can be wrong. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "minisign.h"
#include "minisign_vectors.h"
#include "test.h"
#include "util.h"

#define MSG "kxboot test message\n"

static void b64enc(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Line n (0-based) of text, copied. */
static char *line_of(const char *text, int n)
{
	const char *p = text;
	for (int i = 0; i < n; i++)
		p = strchr(p, '\n') + 1;
	return xstrndup(p, strcspn(p, "\n"));
}

/* text with line n replaced. */
static char *with_line(const char *text, int n, const char *repl)
{
	struct strbuf sb = { 0 };
	const char *p = text;
	for (int i = 0; *p; i++) {
		size_t len = strcspn(p, "\n");
		if (i == n)
			strbuf_adds(&sb, repl);
		else
			strbuf_add(&sb, p, len);
		strbuf_addc(&sb, '\n');
		p += len + (p[len] == '\n');
	}
	return strbuf_steal(&sb);
}

/* The signature line of sig with its binary form changed by fn. */
static char *sig_line_modified(const char *sig, int line, size_t bin_len, void (*fn)(uint8_t *))
{
	char *l = line_of(sig, line);
	uint8_t bin[80];
	CHECK_INT(minisign_base64_decode_exact(l, strlen(l), bin, bin_len), 0);
	fn(bin);
	char enc[128];
	b64enc(bin, bin_len, enc);
	free(l);
	return with_line(sig, line, enc);
}

static void flip_sig_bit(uint8_t *b) { b[10 + 5] ^= 0x01; }
static void legacy_to_prehashed(uint8_t *b) { b[1] = 'D'; }
static void prehashed_to_legacy(uint8_t *b) { b[1] = 'd'; }
static void bad_alg(uint8_t *b) { b[0] = 'X'; }
static void flip_keyid(uint8_t *b) { b[2] ^= 0x80; }
static void flip_global(uint8_t *b) { b[63] ^= 0x40; }

static int verify(const struct minisign_keyring *kr, const char *msg, size_t len, const char *sig)
{
	struct minisign_verified v;
	char err[256];
	int r = minisign_verify(kr, msg, len, sig, strlen(sig), &v, err, sizeof(err));
	if (r == 0)
		minisign_verified_free(&v);
	return r;
}

static void add_key(struct minisign_keyring *kr, const char *text)
{
	struct minisign_pubkey k;
	char err[256];
	CHECK_INT(minisign_pubkey_parse(text, strlen(text), "test", &k, err, sizeof(err)), 0);
	kr->v = xreallocarray(kr->v, kr->n + 1, sizeof(*kr->v));
	kr->v[kr->n++] = k;
}

int main(void)
{
	log_max_level = LOG_ERR;
	char err[512];

	/* ---- base64 ---- */
	static const struct {
		const char *in;
		size_t out_len;
		int want;
		const char *bytes;
	} b64[] = {
		{ "TWFu", 3, 0, "Man" },
		{ "TWE=", 2, 0, "Ma" },
		{ "TQ==", 1, 0, "M" },
		{ "TWFu", 2, -EBADMSG, NULL },	 /* length does not fit */
		{ "TWF=", 2, -EBADMSG, NULL },	 /* non-canonical: padding bits set */
		{ "TR==", 1, -EBADMSG, NULL },	 /* non-canonical */
		{ "TW=u", 3, -EBADMSG, NULL },	 /* '=' inside */
		{ "T Fu", 3, -EBADMSG, NULL },	 /* space */
		{ "TWFu\n", 3, -EBADMSG, NULL }, /* newline */
		{ "TWE-", 2, -EBADMSG, NULL },	 /* URL-safe alphabet */
		{ "TQ=", 1, -EBADMSG, NULL },	 /* short padding */
		{ "", 0, -EBADMSG, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(b64); i++) {
		char name[64], shown[16] = "";
		for (const char *c = b64[i].in; *c; c++)
			strcat(shown, *c == '\n' ? "\\n" : (char[]){ *c, 0 });
		snprintf(name, sizeof(name), "base64 \"%s\" into %zu bytes", shown, b64[i].out_len);
		TEST_BEGIN(name);
		uint8_t out[8];
		CHECK_INT(minisign_base64_decode_exact(b64[i].in, strlen(b64[i].in), out, b64[i].out_len),
			  b64[i].want);
		if (b64[i].bytes)
			CHECK(memcmp(out, b64[i].bytes, b64[i].out_len) == 0);
		TEST_END();
	}

	/* ---- public keys ---- */
	struct minisign_pubkey k;
	char id[17];
	char *b64line = line_of(PUB_A, 1);
	char *s1;
	TEST_BEGIN("public key file from minisign -G; key ID as minisign prints it");
	CHECK_INT(minisign_pubkey_parse(PUB_A, strlen(PUB_A), "a.pub", &k, err, sizeof(err)), 0);
	minisign_keyid_format(k.keyid, id);
	char *comment = line_of(PUB_A, 0);
	CHECK(str_endswith(comment, id));
	CHECK_STR(k.source, "a.pub");
	free(comment);
	minisign_pubkey_free(&k);
	TEST_END();

	TEST_BEGIN("public key: bare base64 line (minisign -P), CRLF, no final newline");
	CHECK_INT(minisign_pubkey_parse(b64line, strlen(b64line), NULL, &k, err, sizeof(err)), 0);
	minisign_pubkey_free(&k);
	char *crlf = xasprintf("%s\r\n%s\r\n", "untrusted comment: x", b64line);
	CHECK_INT(minisign_pubkey_parse(crlf, strlen(crlf), NULL, &k, err, sizeof(err)), 0);
	minisign_pubkey_free(&k);
	free(crlf);
	char *nonl = xasprintf("untrusted comment: x\n%s", b64line);
	CHECK_INT(minisign_pubkey_parse(nonl, strlen(nonl), NULL, &k, err, sizeof(err)), 0);
	minisign_pubkey_free(&k);
	free(nonl);
	TEST_END();

	{
		uint8_t bin[42];
		CHECK_INT(minisign_base64_decode_exact(b64line, strlen(b64line), bin, 42), 0);
		bin[1] = 'D'; /* "ED" is a signature algorithm, never a key's */
		char wrong_alg[64];
		b64enc(bin, 42, wrong_alg);
		char *trailing = xasprintf("untrusted comment: x\n%s\nextra\n", b64line);
		char *nul = xasprintf("untrusted comment: x\n%s\n", b64line);
		nul[3] = '\0';
		char *short_key = xstrndup(b64line, strlen(b64line) - 4);
		char *no_prefix = xasprintf("comment: x\n%s\n", b64line);
		char *blank_first = xasprintf("\n%s\n", b64line);
		const struct {
			const char *name, *text;
			size_t len;
		} bad[] = {
			{ "key algorithm ED", wrong_alg, strlen(wrong_alg) },
			{ "text after the key", trailing, strlen(trailing) },
			{ "NUL byte", nul, strlen(b64line) + 21 },
			{ "key too short", short_key, strlen(short_key) },
			{ "comment without \"untrusted comment: \"", no_prefix, strlen(no_prefix) },
			{ "empty first line", blank_first, strlen(blank_first) },
			{ "empty file", "", 0 },
			{ "secret key file", "untrusted comment: minisign encrypted secret key\n"
					     "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 0 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char name[96];
			snprintf(name, sizeof(name), "public key refused: %s", bad[i].name);
			TEST_BEGIN(name);
			size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
			CHECK_INT(minisign_pubkey_parse(bad[i].text, len, NULL, &k, err, sizeof(err)),
				  -EBADMSG);
			TEST_END();
		}
		free(trailing);
		free(nul);
		free(short_key);
		free(no_prefix);
		free(blank_first);
	}
	free(b64line);

	/* ---- verification with the real minisign's signatures ---- */
	struct minisign_keyring kr = { 0 };
	add_key(&kr, PUB_A);
	struct minisign_keyring both = { 0 };
	add_key(&both, PUB_B);
	add_key(&both, PUB_A);
	struct minisign_keyring only_b = { 0 };
	add_key(&only_b, PUB_B);

	struct minisign_verified v;
	TEST_BEGIN("prehashed (default) signature from minisign verifies; trusted comment returned");
	CHECK_INT(minisign_verify(&kr, MSG, strlen(MSG), SIG_MSG_PREHASHED, strlen(SIG_MSG_PREHASHED),
				  &v, err, sizeof(err)), 0);
	CHECK(v.prehashed);
	CHECK_STR(v.trusted_comment, "kxboot test vector prehashed");
	CHECK(v.key == &kr.v[0]);
	minisign_verified_free(&v);
	TEST_END();

	TEST_BEGIN("legacy (minisign -l) signature verifies");
	CHECK_INT(minisign_verify(&kr, MSG, strlen(MSG), SIG_MSG_LEGACY, strlen(SIG_MSG_LEGACY), &v,
				  err, sizeof(err)), 0);
	CHECK(!v.prehashed);
	CHECK_STR(v.trusted_comment, "kxboot test vector legacy");
	minisign_verified_free(&v);
	TEST_END();

	TEST_BEGIN("legacy signature of an empty file verifies");
	CHECK_INT(verify(&kr, "", 0, SIG_EMPTY_LEGACY), 0);
	CHECK_INT(verify(&kr, "x", 1, SIG_EMPTY_LEGACY), -EKEYREJECTED);
	TEST_END();

	TEST_BEGIN("the key is chosen by key ID among several (rotation)");
	CHECK_INT(minisign_verify(&both, MSG, strlen(MSG), SIG_MSG_BY_B, strlen(SIG_MSG_BY_B), &v, err,
				  sizeof(err)), 0);
	CHECK(v.key == &both.v[0]);
	minisign_verified_free(&v);
	CHECK_INT(verify(&both, MSG, strlen(MSG), SIG_MSG_PREHASHED), 0);
	TEST_END();

	TEST_BEGIN("unknown key: -ENOKEY naming the key ID");
	CHECK_INT(minisign_verify(&kr, MSG, strlen(MSG), SIG_MSG_BY_B, strlen(SIG_MSG_BY_B), &v, err,
				  sizeof(err)), -ENOKEY);
	minisign_keyid_format(only_b.v[0].keyid, id);
	CHECK(strstr(err, id) != NULL);
	CHECK_INT(verify(&only_b, MSG, strlen(MSG), SIG_MSG_PREHASHED), -ENOKEY);
	struct minisign_keyring empty = { 0 };
	CHECK_INT(verify(&empty, MSG, strlen(MSG), SIG_MSG_PREHASHED), -ENOKEY);
	TEST_END();

	TEST_BEGIN("tampered file: one byte changed, one byte added, truncated");
	CHECK_INT(verify(&kr, "kxboot test messagE\n", strlen(MSG), SIG_MSG_PREHASHED), -EKEYREJECTED);
	CHECK_INT(verify(&kr, "kxboot test messagE\n", strlen(MSG), SIG_MSG_LEGACY), -EKEYREJECTED);
	CHECK_INT(verify(&kr, MSG "x", strlen(MSG) + 1, SIG_MSG_PREHASHED), -EKEYREJECTED);
	CHECK_INT(verify(&kr, MSG, strlen(MSG) - 1, SIG_MSG_LEGACY), -EKEYREJECTED);
	TEST_END();

	TEST_BEGIN("tampered signature: a bit of the Ed25519 signature flipped");
	s1 = sig_line_modified(SIG_MSG_PREHASHED, 1, 74, flip_sig_bit);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	s1 = sig_line_modified(SIG_MSG_LEGACY, 1, 74, flip_sig_bit);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	TEST_END();

	TEST_BEGIN("mode swapped: a legacy signature relabelled prehashed and back fails");
	s1 = sig_line_modified(SIG_MSG_LEGACY, 1, 74, legacy_to_prehashed);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	s1 = sig_line_modified(SIG_MSG_PREHASHED, 1, 74, prehashed_to_legacy);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	TEST_END();

	TEST_BEGIN("unknown signature algorithm; key ID changed");
	s1 = sig_line_modified(SIG_MSG_PREHASHED, 1, 74, bad_alg);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EBADMSG);
	free(s1);
	s1 = sig_line_modified(SIG_MSG_PREHASHED, 1, 74, flip_keyid);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -ENOKEY);
	free(s1);
	TEST_END();

	TEST_BEGIN("tampered trusted comment or global signature");
	s1 = with_line(SIG_MSG_PREHASHED, 2, "trusted comment: kxboot test vector prehashed!");
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	s1 = with_line(SIG_MSG_PREHASHED, 2, "trusted comment: kxboot test vector legacy");
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	s1 = sig_line_modified(SIG_MSG_PREHASHED, 3, 64, flip_global);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	/* The global signature of another signature's comment. */
	char *g = line_of(SIG_MSG_LEGACY, 3);
	s1 = with_line(SIG_MSG_PREHASHED, 3, g);
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), -EKEYREJECTED);
	free(s1);
	free(g);
	TEST_END();

	TEST_BEGIN("untrusted comment is not signed: changing it still verifies");
	s1 = with_line(SIG_MSG_PREHASHED, 0, "untrusted comment: anything at all");
	CHECK_INT(verify(&kr, MSG, strlen(MSG), s1), 0);
	free(s1);
	TEST_END();

	{
		char *crlf_sig = xstrdup("");
		struct strbuf sb = { 0 };
		for (const char *p = SIG_MSG_PREHASHED; *p; p++) {
			if (*p == '\n')
				strbuf_addc(&sb, '\r');
			strbuf_addc(&sb, *p);
		}
		free(crlf_sig);
		crlf_sig = strbuf_steal(&sb);
		char *blank_after = xasprintf("%s\n\n", SIG_MSG_PREHASHED);
		TEST_BEGIN("signature file with CRLF line ends, or blank lines after, verifies");
		CHECK_INT(verify(&kr, MSG, strlen(MSG), crlf_sig), 0);
		CHECK_INT(verify(&kr, MSG, strlen(MSG), blank_after), 0);
		TEST_END();
		free(crlf_sig);
		free(blank_after);
	}

	{
		char *l0 = line_of(SIG_MSG_PREHASHED, 0), *l1 = line_of(SIG_MSG_PREHASHED, 1),
		     *l2 = line_of(SIG_MSG_PREHASHED, 2), *l3 = line_of(SIG_MSG_PREHASHED, 3);
		char *three = xasprintf("%s\n%s\n%s\n", l0, l1, l2);
		char *extra = xasprintf("%s\n%s\n%s\n%s\nmore\n", l0, l1, l2, l3);
		char *no_untrusted = xasprintf("comment: x\n%s\n%s\n%s\n", l1, l2, l3);
		char *no_trusted = xasprintf("%s\n%s\ncomment: x\n%s\n", l0, l1, l3);
		char *swapped = xasprintf("%s\n%s\n%s\n%s\n", l0, l3, l2, l1);
		char *cr_inside = xasprintf("%s\n%s\ntrusted comment: a\rb\n%s\n", l0, l1, l3);
		char *long_tc = xmalloc(MINISIGN_TRUSTED_COMMENT_MAX + 64);
		memset(long_tc, 'a', MINISIGN_TRUSTED_COMMENT_MAX + 63);
		long_tc[MINISIGN_TRUSTED_COMMENT_MAX + 63] = '\0';
		char *too_long = xasprintf("%s\n%s\ntrusted comment: %s\n%s\n", l0, l1, long_tc, l3);
		char *nul = xstrdup(SIG_MSG_PREHASHED);
		size_t nul_len = strlen(nul);
		nul[5] = '\0';
		char *pad = xasprintf("%s\n%s \n%s\n%s\n", l0, l1, l2, l3);
		const struct {
			const char *name, *text;
			size_t len;
		} bad[] = {
			{ "three lines", three, 0 },
			{ "a fifth line", extra, 0 },
			{ "no untrusted comment prefix", no_untrusted, 0 },
			{ "no trusted comment prefix", no_trusted, 0 },
			{ "signature lines swapped", swapped, 0 },
			{ "carriage return inside the trusted comment", cr_inside, 0 },
			{ "trusted comment over 8192 bytes", too_long, 0 },
			{ "NUL byte", nul, nul_len },
			{ "space after the base64", pad, 0 },
			{ "empty", "", 0 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char name[96];
			snprintf(name, sizeof(name), "signature file refused: %s", bad[i].name);
			TEST_BEGIN(name);
			size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
			CHECK_INT(minisign_verify(&kr, MSG, strlen(MSG), bad[i].text, len, &v, err,
						  sizeof(err)), -EBADMSG);
			TEST_END();
		}
		free(l0), free(l1), free(l2), free(l3), free(three), free(extra), free(no_untrusted);
		free(no_trusted), free(swapped), free(cr_inside), free(long_tc), free(too_long);
		free(nul), free(pad);
	}

	/* ---- keyrings from files ---- */
	char dir[] = "/tmp/kxboot-test-keys.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct {
		const char *name, *text;
	} files[] = {
		{ "a.pub", PUB_A },
		{ "b.pub", PUB_B },
		{ "broken.pub", "untrusted comment: x\nnot base64\n" },
		{ "a-again.pub", PUB_A },
		{ "readme.txt", "not a key" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = path_join(dir, files[i].name);
		FILE *f = fopen(p, "w");
		fputs(files[i].text, f);
		fclose(f);
		free(p);
	}
	struct minisign_keyring dkr = { 0 };
	char *pa = path_join(dir, "a.pub"), *pbroken = path_join(dir, "broken.pub");
	char *big = path_join(dir, "big.pub");
	TEST_BEGIN("keyring from a directory: *.pub in name order, bad and duplicate keys skipped");
	CHECK_INT(minisign_keyring_load_dir(&dkr, dir), 2);
	CHECK_INT(dkr.n, 2);
	CHECK_INT(verify(&dkr, MSG, strlen(MSG), SIG_MSG_PREHASHED), 0);
	CHECK_INT(verify(&dkr, MSG, strlen(MSG), SIG_MSG_BY_B), 0);
	minisign_keyring_free(&dkr);
	CHECK_INT(minisign_keyring_load_dir(&dkr, "/nonexistent/keys"), -ENOENT);
	TEST_END();

	TEST_BEGIN("keyring file errors: duplicate key ID, not a key, missing, oversized");
	CHECK_INT(minisign_keyring_add_file(&dkr, pa, err, sizeof(err)), 0);
	CHECK_INT(minisign_keyring_add_file(&dkr, pa, err, sizeof(err)), -EEXIST);
	CHECK_INT(minisign_keyring_add_file(&dkr, pbroken, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "broken.pub") != NULL);
	CHECK_INT(minisign_keyring_add_file(&dkr, "/nonexistent.pub", err, sizeof(err)), -ENOENT);
	FILE *f = fopen(big, "w");
	for (int i = 0; i < MINISIGN_KEY_FILE_MAX + 1; i++)
		fputc('A', f);
	fclose(f);
	CHECK_INT(minisign_keyring_add_file(&dkr, big, err, sizeof(err)), -EFBIG);
	CHECK_INT(dkr.n, 1);
	minisign_keyring_free(&dkr);
	TEST_END();
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = path_join(dir, files[i].name);
		unlink(p);
		free(p);
	}
	unlink(big);
	rmdir(dir);
	free(pa), free(pbroken), free(big);

	minisign_keyring_free(&kr);
	minisign_keyring_free(&both);
	minisign_keyring_free(&only_b);
	TEST_EXIT();
}
