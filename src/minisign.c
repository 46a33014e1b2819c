/* minisign.c — minisign keys and signatures (minisign 0.11 formats), verified with OpenSSL. */
#include "minisign.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "limits.h"
#include "log.h"
#include "util.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define ALG_LEGACY "Ed"
#define ALG_PREHASHED "ED"
#define PUBKEY_BIN_LEN (2 + MINISIGN_KEYID_LEN + MINISIGN_PK_LEN)  /* 42 */
#define SIG_BIN_LEN (2 + MINISIGN_KEYID_LEN + MINISIGN_SIG_LEN)	  /* 74 */
#define BLAKE2B_512_LEN 64

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	if (!err || !err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

void minisign_keyid_format(const uint8_t keyid[MINISIGN_KEYID_LEN], char ret[17])
{
	/* minisign prints le64_load(keyid) with %016" PRIX64 ": the bytes in reverse. */
	for (int i = 0; i < MINISIGN_KEYID_LEN; i++)
		snprintf(ret + 2 * i, 3, "%02X", keyid[MINISIGN_KEYID_LEN - 1 - i]);
}

/* ---- base64 ---------------------------------------------------------------------------- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int minisign_base64_decode_exact(const char *s, size_t len, uint8_t *out, size_t out_len)
{
	size_t want = (out_len + 2) / 3 * 4;
	if (len != want || out_len == 0)
		return -EBADMSG;
	size_t pad = (3 - out_len % 3) % 3;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		uint32_t acc = 0;
		for (size_t k = 0; k < 4; k++) {
			char c = s[i + k];
			int v;
			if (last && c == '=' && k >= 4 - pad) {
				v = 0;
			} else {
				v = b64_value(c);
				if (v < 0)
					return -EBADMSG;
			}
			acc = acc << 6 | (uint32_t)v;
		}
		uint8_t b[3] = { (uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc };
		size_t n = last ? 3 - pad : 3;
		/* Canonical: the bits the padding stands for must be zero. */
		for (size_t k = n; k < 3; k++)
			if (b[k])
				return -EBADMSG;
		memcpy(out + o, b, n);
		o += n;
	}
	return o == out_len ? 0 : -EBADMSG;
}

/* ---- lines ------------------------------------------------------------------------------ */

struct line {
	const char *p;
	size_t len;
};

/* Split text into at most max lines ("\n", one "\r" before it dropped). Lines after the
 * last expected one must be empty. -EBADMSG for a NUL, a stray "\r", too many lines or a
 * line longer than line_max. */
static int split_lines(const char *text, size_t len, struct line *lines, size_t max,
		       size_t line_max, size_t *ret_n, char *err, size_t err_len)
{
	if (memchr(text, '\0', len)) {
		set_err(err, err_len, "NUL byte in the file");
		return -EBADMSG;
	}
	size_t n = 0, pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t l = end - pos;
		if (l && text[pos + l - 1] == '\r')
			l--;
		if (memchr(text + pos, '\r', l)) {
			set_err(err, err_len, "carriage return inside line %zu", n + 1);
			return -EBADMSG;
		}
		if (l > line_max) {
			set_err(err, err_len, "line %zu is longer than %zu bytes", n + 1, line_max);
			return -EBADMSG;
		}
		if (n < max) {
			lines[n++] = (struct line){ text + pos, l };
		} else if (l) {
			set_err(err, err_len, "unexpected text after line %zu", max);
			return -EBADMSG;
		}
		pos = end + 1;
	}
	*ret_n = n;
	return 0;
}

static bool line_starts(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);
	return l->len >= n && memcmp(l->p, prefix, n) == 0;
}

/* ---- public keys ------------------------------------------------------------------------ */

int minisign_pubkey_parse(const char *text, size_t len, const char *source,
			  struct minisign_pubkey *ret, char *err, size_t err_len)
{
	struct line lines[2];
	size_t n = 0;
	char why[128];
	if (split_lines(text, len, lines, 2, MINISIGN_COMMENT_MAX, &n, why, sizeof(why)) < 0) {
		set_err(err, err_len, "not a minisign public key: %s", why);
		return -EBADMSG;
	}
	const struct line *key;
	if (n == 2 && line_starts(&lines[0], UNTRUSTED_PREFIX)) {
		key = &lines[1];
	} else if (n == 1 && !line_starts(&lines[0], UNTRUSTED_PREFIX)) {
		key = &lines[0]; /* the bare base64 string of `minisign -P` */
	} else {
		set_err(err, err_len, "not a minisign public key: want an \"" UNTRUSTED_PREFIX
				      "\" line and a base64 line");
		return -EBADMSG;
	}
	uint8_t bin[PUBKEY_BIN_LEN];
	if (minisign_base64_decode_exact(key->p, key->len, bin, sizeof(bin)) < 0) {
		set_err(err, err_len, "not a minisign public key: the key line is not base64 of %d "
				      "bytes", PUBKEY_BIN_LEN);
		return -EBADMSG;
	}
	if (memcmp(bin, ALG_LEGACY, 2) != 0) {
		set_err(err, err_len, "unsupported public key algorithm '%c%c' (want Ed25519, \"Ed\")",
			bin[0] >= 0x20 && bin[0] < 0x7f ? bin[0] : '?',
			bin[1] >= 0x20 && bin[1] < 0x7f ? bin[1] : '?');
		return -EBADMSG;
	}
	*ret = (struct minisign_pubkey){ 0 };
	memcpy(ret->keyid, bin + 2, MINISIGN_KEYID_LEN);
	memcpy(ret->pk, bin + 2 + MINISIGN_KEYID_LEN, MINISIGN_PK_LEN);
	ret->source = xstrdup(source ? source : "(inline)");
	return 0;
}

void minisign_pubkey_free(struct minisign_pubkey *k)
{
	free(k->source);
	*k = (struct minisign_pubkey){ 0 };
}

static const struct minisign_pubkey *keyring_find(const struct minisign_keyring *kr,
						  const uint8_t keyid[MINISIGN_KEYID_LEN])
{
	for (size_t i = 0; i < kr->n; i++)
		if (memcmp(kr->v[i].keyid, keyid, MINISIGN_KEYID_LEN) == 0)
			return &kr->v[i];
	return NULL;
}

int minisign_keyring_add_file(struct minisign_keyring *kr, const char *path, char *err,
			      size_t err_len)
{
	char *text;
	size_t len;
	int r = file_read_all(path, MINISIGN_KEY_FILE_MAX, &text, &len);
	if (r < 0) {
		if (r == -EFBIG)
			set_err(err, err_len, "%s: larger than %u bytes, not a public key", path,
				MINISIGN_KEY_FILE_MAX);
		else
			set_err(err, err_len, "%s: %s", path, strerror(-r));
		return r;
	}
	struct minisign_pubkey k;
	char why[200];
	r = minisign_pubkey_parse(text, len, path, &k, why, sizeof(why));
	free(text);
	if (r < 0) {
		set_err(err, err_len, "%s: %s", path, why);
		return r;
	}
	const struct minisign_pubkey *old = keyring_find(kr, k.keyid);
	if (old) {
		char id[17];
		minisign_keyid_format(k.keyid, id);
		set_err(err, err_len, "%s: key ID %s is already trusted (from %s)", path, id,
			old->source);
		minisign_pubkey_free(&k);
		return -EEXIST;
	}
	if (kr->n >= MINISIGN_KEYS_MAX) {
		set_err(err, err_len, "%s: more than %d trusted keys", path, MINISIGN_KEYS_MAX);
		minisign_pubkey_free(&k);
		return -E2BIG;
	}
	kr->v = xreallocarray(kr->v, kr->n + 1, sizeof(*kr->v));
	kr->v[kr->n++] = k;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int minisign_keyring_load_dir(struct minisign_keyring *kr, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct strv names = { 0 };
	struct dirent *de;
	while ((de = readdir(d)) && names.n < DIR_ENTRIES_MAX)
		if (de->d_name[0] != '.' && str_endswith(de->d_name, ".pub"))
			strv_pushs(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	int added = 0;
	for (size_t i = 0; i < names.n; i++) {
		char *path = path_join(dir, names.v[i]);
		char err[512];
		if (minisign_keyring_add_file(kr, path, err, sizeof(err)) == 0)
			added++;
		else
			log_warn("Trusted key %s, ignoring", err);
		free(path);
	}
	strv_free(&names);
	return added;
}

void minisign_keyring_free(struct minisign_keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++)
		minisign_pubkey_free(&kr->v[i]);
	free(kr->v);
	*kr = (struct minisign_keyring){ 0 };
}

/* ---- signatures ------------------------------------------------------------------------- */

int minisign_signature_parse(const char *text, size_t len, struct minisign_signature *ret,
			     char *err, size_t err_len)
{
	struct line l[4];
	size_t n = 0;
	char why[128];
	if (len > MINISIGN_SIG_FILE_MAX) {
		set_err(err, err_len, "signature file larger than %u bytes", MINISIGN_SIG_FILE_MAX);
		return -EBADMSG;
	}
	if (split_lines(text, len, l, 4, MINISIGN_TRUSTED_COMMENT_MAX, &n, why, sizeof(why)) < 0) {
		set_err(err, err_len, "malformed signature file: %s", why);
		return -EBADMSG;
	}
	if (n != 4) {
		set_err(err, err_len, "malformed signature file: %zu lines, want 4", n);
		return -EBADMSG;
	}
	if (!line_starts(&l[0], UNTRUSTED_PREFIX) || l[0].len > MINISIGN_COMMENT_MAX) {
		set_err(err, err_len, "malformed signature file: line 1 is not an \"" UNTRUSTED_PREFIX
				      "\" line");
		return -EBADMSG;
	}
	if (!line_starts(&l[2], TRUSTED_PREFIX)) {
		set_err(err, err_len, "malformed signature file: line 3 is not a \"" TRUSTED_PREFIX
				      "\" line");
		return -EBADMSG;
	}
	uint8_t bin[SIG_BIN_LEN];
	if (minisign_base64_decode_exact(l[1].p, l[1].len, bin, sizeof(bin)) < 0) {
		set_err(err, err_len, "malformed signature file: line 2 is not base64 of %d bytes",
			SIG_BIN_LEN);
		return -EBADMSG;
	}
	bool prehashed;
	if (memcmp(bin, ALG_PREHASHED, 2) == 0) {
		prehashed = true;
	} else if (memcmp(bin, ALG_LEGACY, 2) == 0) {
		prehashed = false;
	} else {
		set_err(err, err_len, "unsupported signature algorithm (want \"ED\" or \"Ed\")");
		return -EBADMSG;
	}
	uint8_t global[MINISIGN_SIG_LEN];
	if (minisign_base64_decode_exact(l[3].p, l[3].len, global, sizeof(global)) < 0) {
		set_err(err, err_len, "malformed signature file: line 4 is not base64 of %d bytes",
			MINISIGN_SIG_LEN);
		return -EBADMSG;
	}
	*ret = (struct minisign_signature){ .prehashed = prehashed };
	memcpy(ret->keyid, bin + 2, MINISIGN_KEYID_LEN);
	memcpy(ret->sig, bin + 2 + MINISIGN_KEYID_LEN, MINISIGN_SIG_LEN);
	memcpy(ret->global_sig, global, MINISIGN_SIG_LEN);
	size_t plen = strlen(TRUSTED_PREFIX);
	ret->trusted_comment = xstrndup(l[2].p + plen, l[2].len - plen);
	return 0;
}

void minisign_signature_free(struct minisign_signature *s)
{
	free(s->trusted_comment);
	*s = (struct minisign_signature){ 0 };
}

/* Ed25519 (RFC 8032, pure) through OpenSSL: 0 valid, -EKEYREJECTED invalid, -ENOMEM. */
static int ed25519_verify(const uint8_t pk[MINISIGN_PK_LEN], const uint8_t sig[MINISIGN_SIG_LEN],
			  const void *msg, size_t len)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, MINISIGN_PK_LEN);
	if (!pkey) {
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	int r = -EKEYREJECTED;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, MINISIGN_SIG_LEN, msg, len) == 1)
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

static int blake2b_512(const void *msg, size_t len, uint8_t out[BLAKE2B_512_LEN])
{
	EVP_MD *md = EVP_MD_fetch(NULL, "BLAKE2B-512", NULL);
	if (!md) {
		ERR_clear_error();
		return -EIO;
	}
	unsigned out_len = 0;
	int ok = EVP_Digest(msg, len, out, &out_len, md, NULL);
	EVP_MD_free(md);
	ERR_clear_error();
	return ok == 1 && out_len == BLAKE2B_512_LEN ? 0 : -EIO;
}

int minisign_verify(const struct minisign_keyring *kr, const void *msg, size_t msg_len,
		    const char *sig_text, size_t sig_len, struct minisign_verified *ret,
		    char *err, size_t err_len)
{
	struct minisign_signature s;
	int r = minisign_signature_parse(sig_text, sig_len, &s, err, err_len);
	if (r < 0)
		return r;
	char id[17];
	minisign_keyid_format(s.keyid, id);
	const struct minisign_pubkey *key = keyring_find(kr, s.keyid);
	if (!key) {
		set_err(err, err_len, "signed by key ID %s, which is not one of the %zu trusted keys",
			id, kr->n);
		minisign_signature_free(&s);
		return -ENOKEY;
	}
	uint8_t hash[BLAKE2B_512_LEN];
	const void *signed_msg = msg;
	size_t signed_len = msg_len;
	if (s.prehashed) {
		r = blake2b_512(msg, msg_len, hash);
		if (r < 0) {
			set_err(err, err_len, "OpenSSL cannot compute BLAKE2b-512");
			minisign_signature_free(&s);
			return r;
		}
		signed_msg = hash;
		signed_len = sizeof(hash);
	}
	r = ed25519_verify(key->pk, s.sig, signed_msg, signed_len);
	if (r < 0) {
		set_err(err, err_len, r == -EKEYREJECTED ? "signature by key ID %s does not match the "
							   "file (%s mode)"
							 : "cannot verify (key ID %s, %s mode): out of memory",
			id, s.prehashed ? "prehashed" : "legacy");
		minisign_signature_free(&s);
		return r;
	}
	/* The global signature: signature || trusted comment. */
	size_t tc_len = strlen(s.trusted_comment);
	uint8_t *both = xmalloc(MINISIGN_SIG_LEN + tc_len);
	memcpy(both, s.sig, MINISIGN_SIG_LEN);
	memcpy(both + MINISIGN_SIG_LEN, s.trusted_comment, tc_len);
	r = ed25519_verify(key->pk, s.global_sig, both, MINISIGN_SIG_LEN + tc_len);
	free(both);
	if (r < 0) {
		set_err(err, err_len, r == -EKEYREJECTED ? "the trusted comment's signature by key ID "
							   "%s does not verify"
							 : "cannot verify (key ID %s): out of memory", id);
		minisign_signature_free(&s);
		return r;
	}
	*ret = (struct minisign_verified){ .key = key, .prehashed = s.prehashed,
					   .trusted_comment = s.trusted_comment };
	s.trusted_comment = NULL;
	minisign_signature_free(&s);
	return 0;
}

void minisign_verified_free(struct minisign_verified *v)
{
	free(v->trusted_comment);
	*v = (struct minisign_verified){ 0 };
}
