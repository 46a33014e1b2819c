/* fuzz_minisign.c — libFuzzer harness for minisign public keys and signature files: the input
 * is parsed as a key, as a signature file, and verified (as a .minisig) against a fixed
 * message with keys made by the real minisign. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "minisign.h"
#include "../unit/minisign_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct minisign_keyring keyring;

static void keyring_init(void)
{
	if (keyring.n)
		return;
	static const char *const keys[] = { PUB_A, PUB_B };
	for (size_t i = 0; i < 2; i++) {
		struct minisign_pubkey k;
		if (minisign_pubkey_parse(keys[i], strlen(keys[i]), "vector", &k, NULL, 0) == 0) {
			keyring.v = realloc(keyring.v, (keyring.n + 1) * sizeof(*keyring.v));
			keyring.v[keyring.n++] = k;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_max_level = LOG_ERR;
	keyring_init();
	const char *text = (const char *)data; /* every parser takes a length: no NUL needed */
	char err[256];

	struct minisign_pubkey k;
	if (minisign_pubkey_parse(text, size, "fuzz", &k, err, sizeof(err)) == 0)
		minisign_pubkey_free(&k);

	struct minisign_signature s;
	if (minisign_signature_parse(text, size, &s, err, sizeof(err)) == 0)
		minisign_signature_free(&s);

	static const char msg[] = "kxboot test message\n";
	struct minisign_verified v;
	if (minisign_verify(&keyring, msg, strlen(msg), text, size, &v, err, sizeof(err)) == 0)
		minisign_verified_free(&v);

	uint8_t out[80];
	minisign_base64_decode_exact(text, size, out, size * 3 / 4 < sizeof(out) ? size * 3 / 4 + 1
									: sizeof(out));
	return 0;
}
