/* netlookup.c — boot servers as lookup volumes, with verification of everything booted. */
#include "net/netlookup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checksums.h"
#include "limits.h"
#include "log.h"
#include "util.h"

struct net_checksum_dir {
	char *url; /* directory URL, ending in '/' */
	bool found;
	struct checksums sums;
};

static const struct lookup_ops net_lookup_ops;

void net_lookup_init(struct net_lookup *nl, bool insecure)
{
	*nl = (struct net_lookup){ .insecure = insecure };
	nl->fetch = (struct fetch_options){ .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT };
	nl->lookup.ops = &net_lookup_ops;
	nl->lookup.ctx = nl;
}

void net_lookup_free(struct net_lookup *nl)
{
	strv_free(&nl->origins);
	for (size_t i = 0; i < nl->n_dirs; i++) {
		free(nl->dirs[i].url);
		checksums_free(&nl->dirs[i].sums);
	}
	free(nl->dirs);
	*nl = (struct net_lookup){ 0 };
}

void net_lookup_set_expect(struct net_lookup *nl, net_expect_fn fn, void *ctx)
{
	nl->expect = fn;
	nl->expect_ctx = ctx;
}

static const char *intern(struct net_lookup *nl, const char *origin, size_t len)
{
	for (size_t i = 0; i < nl->origins.n; i++)
		if (strlen(nl->origins.v[i]) == len && !strncmp(nl->origins.v[i], origin, len))
			return nl->origins.v[i];
	strv_push(&nl->origins, xstrndup(origin, len));
	return nl->origins.v[nl->origins.n - 1];
}

int net_lookup_split(struct net_lookup *nl, const char *url, const char **ret_id, char **ret_path)
{
	const char *sep = strstr(url, "://");
	if (!sep)
		return -EINVAL;
	const char *path = strchr(sep + 3, '/');
	size_t olen = path ? (size_t)(path - url) : strlen(url);
	*ret_id = intern(nl, url, olen);
	*ret_path = xstrdup(path ? path : "/");
	return 0;
}

static char *make_url(const char *id, const char *path)
{
	return xasprintf("%s%s%s", id, path[0] == '/' ? "" : "/", path);
}

static int net_device(void *ctx, const char *name, const char **ret_id)
{
	struct net_lookup *nl = ctx;
	if (strstr(name, "://")) {
		*ret_id = intern(nl, name, strlen(name));
		return 0;
	}
	/* GRUB's network devices: "tftp" (the server GRUB booted from), "tftp,HOST",
	 * "http,HOST[:PORT]". */
	const char *comma = strchr(name, ',');
	size_t plen = comma ? (size_t)(comma - name) : strlen(name);
	if (!((plen == 4 && (!strncmp(name, "tftp", 4) || !strncmp(name, "http", 4))) ||
	      (plen == 5 && !strncmp(name, "https", 5))))
		return -ENODEV;
	if (comma) {
		char *origin = xasprintf("%.*s://%s", (int)plen, name, comma + 1);
		*ret_id = intern(nl, origin, strlen(origin));
		free(origin);
		return 0;
	}
	for (size_t i = 0; i < nl->origins.n; i++) {
		if (!strncmp(nl->origins.v[i], name, plen) && !strncmp(nl->origins.v[i] + plen, "://", 3)) {
			*ret_id = nl->origins.v[i];
			return 0;
		}
	}
	return -ENODEV;
}

static int net_read(void *ctx, const char *id, const char *path, size_t max, char **ret_data,
		    size_t *ret_len)
{
	struct net_lookup *nl = ctx;
	char *url = make_url(id, path);
	struct fetch_options o = nl->fetch;
	o.max_size = max;
	o.progress = false;
	struct fetch_result res;
	int r = fetch_url(url, &o, &res);
	if (r < 0) {
		log_debug("%s", res.error);
		free(url);
		return r;
	}
	char *data = xmalloc(res.size + 1);
	size_t got = 0;
	while (got < res.size) {
		ssize_t n = read(res.fd, data + got, res.size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	fetch_result_free(&res);
	free(url);
	*ret_data = data;
	*ret_len = got;
	return 0;
}

static int net_stat(void *ctx, const char *id, const char *path, enum lookup_type *ret_type,
		    uint64_t *ret_size)
{
	/* Boot servers have no stat: a small read tells whether the file is there. */
	char *data;
	size_t len;
	int r = net_read(ctx, id, path, 65536, &data, &len);
	if (r == -EFBIG) {
		len = 65536;
		r = 0;
	} else if (r == 0) {
		free(data);
	}
	if (r < 0)
		return r;
	if (ret_type)
		*ret_type = LOOKUP_TYPE_FILE;
	if (ret_size)
		*ret_size = len;
	return 0;
}

static struct net_checksum_dir *checksum_dir(struct net_lookup *nl, const char *dir_url)
{
	for (size_t i = 0; i < nl->n_dirs; i++)
		if (!strcmp(nl->dirs[i].url, dir_url))
			return &nl->dirs[i];
	nl->dirs = xreallocarray(nl->dirs, nl->n_dirs + 1, sizeof(*nl->dirs));
	struct net_checksum_dir *d = &nl->dirs[nl->n_dirs++];
	*d = (struct net_checksum_dir){ .url = xstrdup(dir_url) };
	const char *id;
	char *path, *sums_url = xasprintf("%sSHA256SUMS", dir_url);
	char *text;
	size_t len;
	if (net_lookup_split(nl, sums_url, &id, &path) == 0 &&
	    net_read(nl, id, path, CONFIG_FILE_MAX, &text, &len) == 0) {
		checksums_parse(&d->sums, sums_url, text, len);
		d->found = true;
		free(text);
	}
	free(path);
	free(sums_url);
	return d;
}

/* The expected SHA-256 of url: a manifest's word first, then url.sha256, then SHA256SUMS. */
static int expected_sha256(struct net_lookup *nl, const char *url, char hex[65], int64_t *ret_size,
			   const char **ret_from)
{
	*ret_size = -1;
	if (nl->expect) {
		const char *h = nl->expect(nl->expect_ctx, url, ret_size);
		if (h) {
			snprintf(hex, 65, "%s", h);
			*ret_from = "the signed manifest";
			return 0;
		}
	}
	const char *id;
	char *path, *text;
	size_t len;
	char *side = xasprintf("%s.sha256", url);
	int r = net_lookup_split(nl, side, &id, &path);
	if (r == 0 && net_read(nl, id, path, 4096, &text, &len) == 0) {
		r = checksum_single(text, len, hex);
		free(text);
		free(path);
		free(side);
		if (r == 0) {
			*ret_from = "its .sha256 file";
			return 0;
		}
		log_warn("%s.sha256 holds no SHA-256 checksum", url);
	} else {
		free(path);
		free(side);
	}
	const char *slash = strrchr(url, '/');
	char *dir = xstrndup(url, (size_t)(slash - url + 1));
	struct net_checksum_dir *d = checksum_dir(nl, dir);
	free(dir);
	const struct checksum *c = d->found ? checksums_find(&d->sums, slash + 1) : NULL;
	if (c) {
		memcpy(hex, c->sha256, 65);
		*ret_from = "SHA256SUMS";
		return 0;
	}
	return -ENOKEY;
}

static int net_open(void *ctx, const char *id, const char *path, int *ret_fd)
{
	struct net_lookup *nl = ctx;
	char *url = make_url(id, path);
	char hex[65];
	int64_t size;
	const char *from = NULL;
	struct fetch_options o = nl->fetch;
	o.progress = true;
	int r = expected_sha256(nl, url, hex, &size, &from);
	if (r == -ENOKEY) {
		if (!nl->insecure) {
			log_err("Refusing %s: no checksum for it (no %s.sha256, not in SHA256SUMS); "
				"kxboot.insecure boots unverified images", url, path);
			free(url);
			return -ENOKEY;
		}
		log_warn("kxboot.insecure: booting %s WITHOUT verification", url);
	} else {
		o.expect_sha256 = hex;
		o.expect_size = size;
		/* A known size is also the cap: a hostile server cannot stream more. */
		if (size > 0)
			o.max_size = (uint64_t)size;
	}
	log_info("Fetching %s%s%s", url, from ? ", checked against " : "", from ? from : "");
	struct fetch_result res;
	r = fetch_url(url, &o, &res);
	if (r < 0) {
		if (r == -EBADMSG)
			log_err("Refusing %s: %s", url, res.error);
		else
			log_err("Cannot fetch %s", res.error);
		free(url);
		return r;
	}
	log_info("%s: %llu bytes, SHA-256 %s%s", url, (unsigned long long)res.size, res.sha256,
		 from ? " verified" : "");
	free(url);
	*ret_fd = res.fd;
	return 0;
}

static int net_search(void *ctx, enum lookup_search kind, const char *key, const char **ret_name)
{
	return -ENOENT;
}

static const struct lookup_ops net_lookup_ops = {
	.device = net_device,
	.search = net_search,
	.stat = net_stat,
	.read = net_read,
	.open = net_open,
};
