/* cmd_set.c — `kxboot-xen set DOMAIN KEY=VALUE...`: write (or, with "KEY=", remove) kxboot's
 * per-domain settings under /local/domain/<id>/kxboot/, in one xenstore transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"
#include "xen.h"
#include "xen_tool/xentool.h"

static void set_usage(FILE *out)
{
	fprintf(out, "usage: kxboot-xen set DOMAIN KEY=VALUE... (KEY= removes KEY)\n"
		     "keys:");
	for (size_t i = 0; xen_setting_keys[i]; i++)
		fprintf(out, " %s", xen_setting_keys[i]);
	fprintf(out, "\nkxboot reads them when it starts in the domain (contrib/xen/README.md).\n");
}

int xentool_cmd_set(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		set_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 3) {
		set_usage(stderr);
		return EXIT_USAGE;
	}
	/* Check every pair before writing any. */
	size_t n = (size_t)argc - 2;
	char **keys = xcalloc(n, sizeof(char *));
	const char **values = xcalloc(n, sizeof(char *));
	int rc = EXIT_OK;
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		const char *kv = argv[i + 2];
		const char *eq = strchr(kv, '=');
		if (!eq || eq == kv) {
			fprintf(stderr, "kxboot-xen set: '%s' is not KEY=VALUE\n", kv);
			rc = EXIT_USAGE;
			break;
		}
		keys[i] = xstrndup(kv, (size_t)(eq - kv));
		values[i] = eq[1] ? eq + 1 : NULL;
		char err[256];
		int r = xen_setting_check(keys[i], values[i] ? values[i] : "", err, sizeof(err));
		if (r == -ENOENT || (r < 0 && values[i])) {
			fprintf(stderr, "kxboot-xen set: %s\n", err);
			rc = EXIT_USAGE;
		}
	}
	struct xen_domain d;
	struct xs_handle *xs = NULL;
	if (rc == EXIT_OK && xentool_domain_find(argv[1], &d) < 0)
		rc = EXIT_FAIL;
	if (rc == EXIT_OK && d.domid == 0) {
		fprintf(stderr, "kxboot-xen set: %s is dom0; kxboot runs in guests\n", argv[1]);
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK && !(xs = xentool_xs()))
		rc = EXIT_FAIL;
	for (int attempt = 0; rc == EXIT_OK; attempt++) {
		xs_transaction_t t = xs_transaction_start(xs);
		bool ok = t != XBT_NULL;
		for (size_t i = 0; i < n && ok; i++)
			ok = xentool_setting_write(xs, t, d.domid, keys[i], values[i]);
		int saved = errno;
		bool ended = t != XBT_NULL && xs_transaction_end(xs, t, !ok);
		if (ok && ended)
			break;
		if (ok && errno == EAGAIN && attempt < 10)
			continue; /* another writer: xenstore wants the transaction again */
		fprintf(stderr, "kxboot-xen set: writing /local/domain/%u/kxboot failed: %s\n",
			d.domid, strerror(ok ? errno : saved));
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK)
		for (size_t i = 0; i < n; i++)
			printf("%s (%u): %s %s%s%s\n", d.name, d.domid,
			       values[i] ? "set" : "removed", keys[i], values[i] ? "=" : "",
			       values[i] ? values[i] : "");
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(values);
	return rc;
}
