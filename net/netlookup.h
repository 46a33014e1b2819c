/* netlookup.h — the lookup interface (lookup.h) over boot servers: volume ids are URL
 * origins ("tftp://10.0.2.2:6969", "http://boot.example"), paths are paths on them.
 *
 * read() fetches configs and scripts as they are. open() is for what gets booted: the file
 * is fetched with its SHA-256 computed on the way in and compared with the checksum found
 * beside it (FILE.sha256, else SHA256SUMS in its directory); a mismatch, or no checksum at
 * all without kxboot.insecure, refuses the file with a message saying which and why. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lookup.h"
#include "util.h"
#include "net/fetch.h"

struct net_lookup {
	struct lookup lookup;
	bool insecure;		  /* boot unverified images (kxboot.insecure), with a warning */
	struct fetch_options fetch; /* defaults for every fetch */
	struct strv origins;	  /* interned volume ids */
	struct net_checksum_dir *dirs; /* SHA256SUMS per directory, fetched once */
	size_t n_dirs;
	const char *(*expect)(void *ctx, const char *url, int64_t *ret_size);
	void *expect_ctx;
};

void net_lookup_init(struct net_lookup *nl, bool insecure);
void net_lookup_free(struct net_lookup *nl);
/* Split an absolute URL into a volume id (origin) owned by nl and a path. */
int net_lookup_split(struct net_lookup *nl, const char *url, const char **ret_id, char **ret_path);
/* Callback for expected checksums from elsewhere (a signed manifest): returns hex or NULL. */
typedef const char *(*net_expect_fn)(void *ctx, const char *url, int64_t *ret_size);
void net_lookup_set_expect(struct net_lookup *nl, net_expect_fn fn, void *ctx);
