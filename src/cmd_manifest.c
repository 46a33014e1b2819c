/* cmd_manifest.c — `kxboot manifest verify|select`: check a signed manifest and show what a
 * machine would boot from it, with the same code /init runs (docs/manifest.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "limits.h"
#include "log.h"
#include "manifest.h"
#include "util.h"

struct manifest_cli {
	const char *cmd;	/* "verify" or "select" */
	const char *input;	/* file or URL */
	const char *sig;	/* --sig */
	const char *url;	/* --url: the manifest's own URL, for relative ones */
	const char *state;	/* --state */
	const char *keys_dir;	/* --keys-dir */
	const char *sysfs;	/* --sysfs */
	struct strv keys;	/* --key */
	bool have_now, json;
	struct manifest_policy policy;
	struct machine_identity id;
	struct fetch_options fetch;
};

static void manifest_usage(FILE *out)
{
	fprintf(out,
		"usage: kxboot manifest verify FILE|URL --key PUB [--key PUB...] [--keys-dir DIR]\n"
		"                      [--sig FILE] [--url URL] [--now RFC3339] [--state FILE]\n"
		"                      [--min-version N] [--cacert FILE] [--pin sha256//B64]\n"
		"       kxboot manifest select FILE|URL [--uuid U] [--xen-uuid U] [--mac M]...\n"
		"                      [--hostname H] [--sysfs DIR] [--key PUB...] [--json]\n"
		"                      [verify's options]\n");
}

static bool is_url(const char *s)
{
	return strstr(s, "://") != NULL;
}

static int parse_args(struct manifest_cli *c, int argc, char **argv)
{
	c->cmd = argv[1];
	c->fetch = (struct fetch_options){ .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		long v;
		int r = 0;
		if (!strcmp(a, "--key") && more) {
			strv_pushs(&c->keys, argv[++i]);
		} else if (!strcmp(a, "--keys-dir") && more) {
			c->keys_dir = argv[++i];
		} else if (!strcmp(a, "--sig") && more) {
			c->sig = argv[++i];
		} else if (!strcmp(a, "--url") && more) {
			c->url = argv[++i];
		} else if (!strcmp(a, "--state") && more) {
			c->state = argv[++i];
		} else if (!strcmp(a, "--now") && more) {
			if (rfc3339_parse(argv[++i], &c->policy.now) < 0) {
				fprintf(stderr, "kxboot manifest: --now wants an RFC 3339 time "
						"(2024-06-01T12:00:00Z)\n");
				return EXIT_USAGE;
			}
			c->have_now = true;
		} else if (!strcmp(a, "--min-version") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v < 0) {
				fprintf(stderr, "kxboot manifest: --min-version wants a number\n");
				return EXIT_USAGE;
			}
			c->policy.min_version = (uint64_t)v;
		} else if (!strcmp(a, "--cacert") && more) {
			c->fetch.ca_file = argv[++i];
		} else if (!strcmp(a, "--pin") && more) {
			c->fetch.pin = argv[++i];
		} else if (!strcmp(a, "--uuid") && more) {
			r = machine_identity_set_uuid(&c->id, argv[++i]);
		} else if (!strcmp(a, "--xen-uuid") && more) {
			r = machine_identity_set_xen_uuid(&c->id, argv[++i]);
		} else if (!strcmp(a, "--mac") && more) {
			r = machine_identity_add_mac(&c->id, argv[++i]);
		} else if (!strcmp(a, "--hostname") && more) {
			r = machine_identity_set_hostname(&c->id, argv[++i]);
		} else if (!strcmp(a, "--sysfs") && more) {
			c->sysfs = argv[++i];
		} else if (!strcmp(a, "--json")) {
			c->json = true;
		} else if (!strcmp(a, "--help")) {
			manifest_usage(stdout);
			return EXIT_OK;
		} else if (a[0] != '-' && !c->input) {
			c->input = a;
		} else {
			fprintf(stderr, "kxboot manifest: unknown option '%s'\n", a);
			return EXIT_USAGE;
		}
		if (r < 0) {
			fprintf(stderr, "kxboot manifest: %s: '%s' is not valid\n", a, argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!c->input) {
		manifest_usage(stderr);
		return EXIT_USAGE;
	}
	if (!c->have_now)
		c->policy.now = (int64_t)time(NULL);
	return -1; /* go on */
}

static int load_keys(const struct manifest_cli *c, struct minisign_keyring *kr)
{
	for (size_t i = 0; i < c->keys.n; i++) {
		char err[512];
		if (minisign_keyring_add_file(kr, c->keys.v[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "kxboot manifest: key %s\n", err);
			return -EINVAL;
		}
	}
	if (c->keys_dir) {
		int r = minisign_keyring_load_dir(kr, c->keys_dir);
		if (r < 0) {
			fprintf(stderr, "kxboot manifest: %s: %s\n", c->keys_dir, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Read (or fetch), verify when keys were given, parse, check. 0, or an exit code. */
static int load_manifest(const struct manifest_cli *c, const struct minisign_keyring *kr,
			 struct manifest *m, struct minisign_verified *signer)
{
	char err[768];
	struct manifest_state st = { 0 };
	if (c->state)
		manifest_state_file(&st, c->state);
	if (is_url(c->input) && kr->n) {
		if (manifest_fetch(c->input, kr, &c->policy, &st, &c->fetch, m, signer, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "kxboot manifest %s: REJECTED %s: %s\n", c->cmd, c->input, err);
			return EXIT_FAIL;
		}
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	int r;
	_cleanup_free_ char *base = NULL;
	if (is_url(c->input)) {
		struct fetch_options fo = c->fetch;
		fo.max_size = MANIFEST_SIZE_MAX;
		struct fetch_result res;
		r = fetch_url(c->input, &fo, &res);
		if (r < 0) {
			fprintf(stderr, "kxboot manifest %s: %s\n", c->cmd, res.error);
			return EXIT_FAIL;
		}
		r = fd_read_all(res.fd, MANIFEST_SIZE_MAX, &text, &len);
		fetch_result_free(&res);
		base = xstrdup(c->url ? c->url : c->input);
	} else {
		r = file_read_all(c->input, MANIFEST_SIZE_MAX, &text, &len);
		if (c->url) {
			base = xstrdup(c->url);
		} else {
			char *real = realpath(c->input, NULL);
			if (real)
				base = xasprintf("file://%s", real);
			free(real);
		}
	}
	if (r < 0) {
		fprintf(stderr, "kxboot manifest %s: REJECTED %s: %s\n", c->cmd, c->input,
			r == -EFBIG ? "manifest is larger than 1 MiB (MANIFEST_SIZE_MAX)" : strerror(-r));
		return EXIT_FAIL;
	}
	if (!kr->n) {
		r = manifest_parse(text, len, base, m, err, sizeof(err));
		free(text);
		if (r < 0) {
			fprintf(stderr, "kxboot manifest %s: %s: %s\n", c->cmd, c->input, err);
			return EXIT_FAIL;
		}
		fprintf(stderr, "kxboot manifest %s: signature NOT checked (no --key)\n", c->cmd);
		return 0;
	}
	_cleanup_free_ char *sig_path = c->sig ? xstrdup(c->sig) : xasprintf("%s.minisig", c->input);
	char *sig = NULL;
	size_t sig_len = 0;
	r = file_read_all(sig_path, MINISIGN_SIG_FILE_MAX, &sig, &sig_len);
	if (r < 0) {
		fprintf(stderr, "kxboot manifest %s: REJECTED %s: signature %s: %s\n", c->cmd,
			c->input, sig_path, r == -EFBIG ? "too large" : strerror(-r));
		free(text);
		return EXIT_FAIL;
	}
	r = manifest_verify(kr, base, text, len, sig, sig_len, m, signer, err, sizeof(err));
	free(text);
	free(sig);
	if (r == 0) {
		r = manifest_accept(m, &c->policy, &st, err, sizeof(err));
		if (r < 0) {
			manifest_free(m);
			minisign_verified_free(signer);
		}
	}
	if (r < 0) {
		fprintf(stderr, "kxboot manifest %s: REJECTED %s: %s\n", c->cmd, c->input, err);
		return EXIT_FAIL;
	}
	return 0;
}

static void print_signer(FILE *out, const struct minisign_verified *v)
{
	if (!v->key)
		return;
	char id[17];
	minisign_keyid_format(v->key->keyid, id);
	fprintf(out, "signature: good, key ID %s (%s), %s\n", id, v->key->source,
		v->prehashed ? "prehashed" : "legacy");
	char b[80];
	size_t i = 0;
	for (; v->trusted_comment[i] && i < sizeof(b) - 1; i++) {
		char ch = v->trusted_comment[i];
		b[i] = ch >= 0x20 && ch < 0x7f ? ch : ch == '\t' ? ' ' : '?';
	}
	b[i] = '\0';
	fprintf(out, "trusted comment: %s%s\n", b, v->trusted_comment[i] ? "..." : "");
}

static int run_verify(const struct manifest_cli *c, const struct manifest *m,
		      const struct minisign_verified *v)
{
	char when[32];
	rfc3339_format(m->expires, when);
	printf("manifest: %s\n", m->url ? m->url : c->input);
	print_signer(stdout, v);
	printf("version: %llu", (unsigned long long)m->version);
	if (m->min_version)
		printf(" (min_version %llu)", (unsigned long long)m->min_version);
	long long left = (long long)(m->expires - c->policy.now);
	printf("\nexpires: %s (in %lld days %lld hours)\n", when, left / 86400, left % 86400 / 3600);
	printf("targets:");
	for (size_t i = 0; i < m->n_targets; i++)
		printf(" %s", m->targets[i].name);
	printf("\nrules: %zu\n", m->n_rules);
	if (m->recovery)
		printf("recovery: %s\n", m->recovery->name);
	if (m->report_url)
		printf("report_url: %s\n", m->report_url);
	printf("OK\n");
	return EXIT_OK;
}

static json_t *artifact_json(const struct manifest_artifact *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "url", json_string(a->url));
	json_object_set_new(o, "sha256", json_string(a->sha256));
	json_object_set_new(o, "size", json_integer((json_int_t)a->size));
	return o;
}

static int run_select(const struct manifest_cli *c, const struct manifest *m,
		      const struct minisign_verified *v)
{
	struct manifest_choice ch;
	int r = manifest_select(m, &c->id, &ch);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "manifest_version", json_integer((json_int_t)m->version));
		json_object_set_new(o, "verified", json_boolean(v->key != NULL));
		json_object_set_new(o, "target", r == 0 ? json_string(ch.target->name) : json_null());
		json_object_set_new(o, "rule", r == 0 ? json_string(ch.rule->name) : json_null());
		json_object_set_new(o, "stage", ch.stage >= 0 ? json_integer(ch.stage) : json_null());
		json_object_set_new(o, "bucket", ch.bucket >= 0 ? json_integer(ch.bucket) : json_null());
		json_object_set_new(o, "why", json_string(ch.why));
		if (r == 0) {
			json_object_set_new(o, "kernel", artifact_json(&ch.target->kernel));
			json_t *a = json_array();
			for (size_t i = 0; i < ch.target->n_initrds; i++)
				json_array_append_new(a, artifact_json(&ch.target->initrds[i]));
			json_object_set_new(o, "initrds", a);
			char *cmdline = manifest_cmdline(m, ch.target);
			json_object_set_new(o, "cmdline", json_string(cmdline));
			free(cmdline);
		}
		json_object_set_new(o, "recovery",
				    m->recovery ? json_string(m->recovery->name) : json_null());
		char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (text)
			printf("%s\n", text);
		free(text);
		return r == 0 ? EXIT_OK : EXIT_NOTHING;
	}
	print_signer(stderr, v);
	if (r < 0) {
		printf("target: none\nwhy: %s\n", ch.why);
		if (m->recovery)
			printf("recovery: %s\n", m->recovery->name);
		return EXIT_NOTHING;
	}
	const struct manifest_target *t = ch.target;
	printf("target: %s\nwhy: %s\n", t->name, ch.why);
	printf("kernel: %s sha256 %s size %llu\n", t->kernel.url, t->kernel.sha256,
	       (unsigned long long)t->kernel.size);
	for (size_t i = 0; i < t->n_initrds; i++)
		printf("initrd: %s sha256 %s size %llu\n", t->initrds[i].url, t->initrds[i].sha256,
		       (unsigned long long)t->initrds[i].size);
	char *cmdline = manifest_cmdline(m, t);
	printf("cmdline: %s\n", cmdline);
	free(cmdline);
	if (m->recovery)
		printf("recovery: %s\n", m->recovery->name);
	return EXIT_OK;
}

int cmd_manifest(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "verify") && strcmp(argv[1], "select"))) {
		bool help = argc >= 2 && !strcmp(argv[1], "--help");
		manifest_usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	struct manifest_cli c = { 0 };
	int rc = parse_args(&c, argc, argv);
	struct minisign_keyring kr = { 0 };
	if (rc < 0 && c.sysfs) {
		/* What the options give wins; sysfs fills in the rest. */
		struct machine_identity sys = { 0 };
		machine_identity_read(&sys, c.sysfs);
		if (!c.id.uuid[0])
			memcpy(c.id.uuid, sys.uuid, sizeof(sys.uuid));
		if (!c.id.xen_uuid[0])
			memcpy(c.id.xen_uuid, sys.xen_uuid, sizeof(sys.xen_uuid));
		for (size_t i = 0; i < sys.n_macs; i++)
			machine_identity_add_mac(&c.id, sys.macs[i]);
	}
	if (rc < 0 && load_keys(&c, &kr) < 0)
		rc = EXIT_USAGE;
	if (rc < 0 && !strcmp(c.cmd, "verify") && kr.n == 0) {
		fprintf(stderr, "kxboot manifest verify: give the trusted key(s) with --key PUB\n");
		rc = EXIT_USAGE;
	}
	if (rc < 0) {
		struct manifest m;
		struct minisign_verified v = { 0 };
		rc = load_manifest(&c, &kr, &m, &v);
		if (rc == 0) {
			rc = !strcmp(c.cmd, "verify") ? run_verify(&c, &m, &v) : run_select(&c, &m, &v);
			manifest_free(&m);
			minisign_verified_free(&v);
		}
	}
	minisign_keyring_free(&kr);
	strv_free(&c.keys);
	return rc;
}
