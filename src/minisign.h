/* minisign.h — minisign public keys and detached signatures (the formats of minisign 0.11,
 * https://jedisct1.github.io/minisign/), verified with OpenSSL's Ed25519 and BLAKE2b-512.
 *
 * A .pub file is "untrusted comment: ..." then base64("Ed" || key id[8] || Ed25519 key[32]).
 * A .minisig file is four lines: "untrusted comment: ...", base64(alg[2] || key id[8] ||
 * signature[64]), "trusted comment: TEXT", base64(global signature[64]). alg "Ed" (legacy,
 * `minisign -l`) signs the file itself; "ED" (the default) signs its BLAKE2b-512 hash. The
 * global signature covers signature || TEXT, so the trusted comment is authenticated too.
 *
 * Verification fails closed: any line, length, padding or algorithm that is not exactly what
 * minisign writes is refused; the key is chosen by the key id in the signature and never by
 * trying every key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEYID_LEN 8
#define MINISIGN_PK_LEN 32
#define MINISIGN_SIG_LEN 64

struct minisign_pubkey {
	uint8_t keyid[MINISIGN_KEYID_LEN];
	uint8_t pk[MINISIGN_PK_LEN];
	char *source; /* file name or "(inline)", for messages */
};

struct minisign_keyring {
	struct minisign_pubkey *v;
	size_t n;
};

struct minisign_signature {
	bool prehashed;	/* "ED": the signature is over BLAKE2b-512(file) */
	uint8_t keyid[MINISIGN_KEYID_LEN];
	uint8_t sig[MINISIGN_SIG_LEN];
	char *trusted_comment; /* the text after "trusted comment: ", allocated */
	uint8_t global_sig[MINISIGN_SIG_LEN];
};

/* What a successful verification found. */
struct minisign_verified {
	const struct minisign_pubkey *key; /* the key that verified it (points into the keyring) */
	bool prehashed;
	char *trusted_comment; /* allocated; authenticated by the global signature */
};

/* The key id as minisign prints it (16 upper-case hex digits of the little-endian number). */
void minisign_keyid_format(const uint8_t keyid[MINISIGN_KEYID_LEN], char ret[17]);

/* Parse a public key: a .pub file's text, or the bare base64 line `minisign -P` takes.
 * 0, or -EBADMSG with err saying why. ret->source is set to a copy of source. */
int minisign_pubkey_parse(const char *text, size_t len, const char *source,
			  struct minisign_pubkey *ret, char *err, size_t err_len);
void minisign_pubkey_free(struct minisign_pubkey *k);

/* Add one .pub file to a keyring (a key id already present is refused: -EEXIST).
 * -EBADMSG, -EFBIG, -E2BIG (keyring full) or the errno of reading, with err saying why. */
int minisign_keyring_add_file(struct minisign_keyring *kr, const char *path, char *err,
			      size_t err_len);
/* Add the *.pub files of a directory (/etc/kxboot/keys) in name order. A file that does not
 * parse is logged and skipped; returns the number of keys added, or -errno when the
 * directory cannot be read. */
int minisign_keyring_load_dir(struct minisign_keyring *kr, const char *dir);
void minisign_keyring_free(struct minisign_keyring *kr);

/* Parse a .minisig file. 0 or -EBADMSG with err saying why. */
int minisign_signature_parse(const char *text, size_t len, struct minisign_signature *ret,
			     char *err, size_t err_len);
void minisign_signature_free(struct minisign_signature *s);

/* Verify msg against a .minisig text with the keys of kr. 0 with ret filled in, or:
 * -EBADMSG  the signature file is malformed,
 * -ENOKEY   it was made by a key the keyring does not hold,
 * -EKEYREJECTED  the signature or the trusted-comment signature does not verify,
 * -ENOMEM/-EIO   OpenSSL failed;
 * err says which, naming the key id. ret is untouched on failure. */
int minisign_verify(const struct minisign_keyring *kr, const void *msg, size_t msg_len,
		    const char *sig_text, size_t sig_len, struct minisign_verified *ret,
		    char *err, size_t err_len);
void minisign_verified_free(struct minisign_verified *v);

/* Strict standard base64 (RFC 4648 section 4, padded, canonical): decodes exactly into
 * out_len bytes or fails with -EBADMSG. Exposed for the tests. */
int minisign_base64_decode_exact(const char *s, size_t len, uint8_t *out, size_t out_len);
