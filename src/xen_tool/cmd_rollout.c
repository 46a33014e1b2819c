/* cmd_rollout.c — `kxboot-xen rollout --manifest URL [--batch N] [--reboot] [--timeout S]
 * DOMAIN...`: give domains a manifest (kxboot/manifest in xenstore), and with --reboot reboot
 * them batch by batch, waiting for each batch's reports (data/kxboot/) before the next and
 * stopping at the first failure.
 *
 * A reboot makes xl destroy the domain and create it again with a new domain id, and the new
 * domain's xenstore directory starts empty. So the settings are written again as soon as the
 * new domain's directory appears: libxl makes it (one transaction, "vm" included) long before
 * the guest runs, and kxboot reads its settings only once its /init starts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>

#include "cli.h"
#include "limits.h"
#include "manifest.h"
#include "minisign.h"
#include "pvboot.h"
#include "util.h"
#include "xen.h"
#include "xen_tool/xentool.h"

#define ROLLOUT_TIMEOUT_DEFAULT 300 /* seconds a batch may take */
#define ROLLOUT_POLL_FAST_MS	20  /* while a rebooted domain has not come back */
#define ROLLOUT_POLL_MS		250

enum rollout_status { RO_PENDING, RO_WAITING, RO_BOOTED, RO_FAILED };

struct rollout_domain {
	struct xen_domain d;
	struct xen_kv settings; /* kxboot/KEY settings, written again on the new domain */
	uint32_t new_domid;
	bool back;	/* the new domain exists (settings written) */
	bool seen_gone; /* the old domain is gone */
	enum rollout_status status;
	char why[768];
	double t_reboot, t_back, t_done;
	char target[80], version[24];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rollout_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: kxboot-xen rollout --manifest URL [--batch N] [--reboot] [--timeout S]\n"
	    "                          [--keys DIR] [--key FILE]... DOMAIN...\n"
	    "Sets kxboot/manifest=URL on every DOMAIN (name, id or UUID). With --reboot, reboots\n"
	    "them N at a time (default 1), waits up to S seconds (default %d) for each batch to\n"
	    "report that it booted the manifest, and stops at the first failure. The manifest is\n"
	    "verified first with the keys (default %s, when it exists).\n",
	    ROLLOUT_TIMEOUT_DEFAULT, PVBOOT_KEYS_DIR);
}

/* Write every setting of r on domid in one transaction. */
static bool write_settings(struct xs_handle *xs, uint32_t domid, const struct xen_kv *kv)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		xs_transaction_t t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			return false;
		bool ok = true;
		for (size_t i = 0; i < kv->n && ok; i++)
			ok = xentool_setting_write(xs, t, domid, kv->key[i], kv->value[i]);
		if (xs_transaction_end(xs, t, !ok))
			return ok;
		if (!ok || errno != EAGAIN)
			return false;
	}
	return false;
}

/* The domain now holding uuid, other than old (the one that was rebooted); 0 when none.
 * It counts once libxl has written its "vm" entry: the directory is complete then. */
static uint32_t find_successor(struct xs_handle *xs, const char *uuid, uint32_t old)
{
	unsigned n = 0;
	char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	uint32_t found = 0;
	for (unsigned i = 0; ids && i < n && !found; i++) {
		long id;
		if (str_to_long(ids[i], 10, &id) < 0 || id <= 0 || (uint32_t)id == old)
			continue;
		char *vm = xentool_xs_read(xs, "/local/domain/%ld/vm", id);
		const char *slash = vm ? strrchr(vm, '/') : NULL;
		if (slash && str_caseeq(slash + 1, uuid))
			found = (uint32_t)id;
		free(vm);
	}
	free(ids);
	return found;
}

static bool domain_exists(struct xs_handle *xs, uint32_t domid)
{
	char *vm = xentool_xs_read(xs, "/local/domain/%u/vm", domid);
	bool there = vm != NULL;
	free(vm);
	return there;
}

static void finish(struct rollout_domain *r, enum rollout_status st, double t0)
{
	r->status = st;
	r->t_done = now_s() - t0;
	printf("  %s: %s%s (%.1f s after the reboot request)\n", r->d.name,
	       st == RO_BOOTED ? "" : "FAILED: ", r->why, r->t_done - r->t_reboot);
	fflush(stdout);
}

/* Reboot one batch and wait for it. true when every domain booted the manifest. */
static bool run_batch(libxl_ctx *ctx, struct xs_handle *xs, struct rollout_domain *v, size_t n,
		      uint64_t want_version, unsigned timeout_s, double t0)
{
	for (size_t i = 0; i < n; i++) {
		struct rollout_domain *r = &v[i];
		r->t_reboot = now_s() - t0;
		int rc = libxl_domain_reboot(ctx, r->d.domid, NULL);
		if (rc) {
			snprintf(r->why, sizeof(r->why),
				 "libxl_domain_reboot failed (libxl error %d%s)", rc,
				 rc == ERROR_NOPARAVIRT ? ": the guest has no PV shutdown "
							  "control"
							: "");
			finish(r, RO_FAILED, t0);
			continue;
		}
		r->status = RO_WAITING;
		printf("  %s: reboot requested (domain %u)\n", r->d.name, r->d.domid);
	}
	fflush(stdout);
	double deadline = now_s() + timeout_s;
	for (;;) {
		size_t waiting = 0, not_back = 0;
		for (size_t i = 0; i < n; i++) {
			struct rollout_domain *r = &v[i];
			if (r->status != RO_WAITING)
				continue;
			if (!r->back) {
				if (!r->seen_gone && !domain_exists(xs, r->d.domid))
					r->seen_gone = true;
				uint32_t id = find_successor(xs, r->d.uuid, r->d.domid);
				if (!id) {
					waiting++;
					not_back++;
					continue;
				}
				r->new_domid = id;
				r->back = true;
				r->t_back = now_s() - t0;
				if (!write_settings(xs, id, &r->settings)) {
					snprintf(r->why, sizeof(r->why),
						 "back as domain %u, but writing "
						 "its kxboot settings failed: %s",
						 id, strerror(errno));
					finish(r, RO_FAILED, t0);
					continue;
				}
				printf("  %s: back as domain %u after %.1f s, settings written "
				       "again\n",
				       r->d.name, id, r->t_back - r->t_reboot);
				fflush(stdout);
			}
			struct xen_kv rep;
			xentool_read_report(xs, r->new_domid, &rep);
			enum xen_report_verdict verdict = xen_report_judge(
			    xen_kv_get(&rep, "state"), xen_kv_get(&rep, "manifest_version"),
			    xen_kv_get(&rep, "error"), want_version, r->why, sizeof(r->why));
			char raw[sizeof(r->why)];
			xentool_sanitize(r->why, raw, sizeof(raw));
			memcpy(r->why, raw, sizeof(raw));
			const char *target = xen_kv_get(&rep, "target");
			const char *version = xen_kv_get(&rep, "manifest_version");
			xentool_sanitize(target ? target : "-", r->target, sizeof(r->target));
			xentool_sanitize(version ? version : "-", r->version, sizeof(r->version));
			bool gone = !domain_exists(xs, r->new_domid);
			xen_kv_free(&rep);
			if (verdict == XEN_REPORT_BOOTED) {
				finish(r, RO_BOOTED, t0);
			} else if (verdict == XEN_REPORT_FAILED) {
				finish(r, RO_FAILED, t0);
			} else if (gone) {
				snprintf(
				    r->why, sizeof(r->why),
				    "domain %u went away without a report "
				    "(xl's log, or for pvboot /var/log/xen/bootloader.%u.log, says "
				    "why)",
				    r->new_domid, r->new_domid);
				finish(r, RO_FAILED, t0);
			} else {
				waiting++;
			}
		}
		if (!waiting)
			break;
		if (now_s() >= deadline) {
			for (size_t i = 0; i < n; i++) {
				struct rollout_domain *r = &v[i];
				if (r->status != RO_WAITING)
					continue;
				char last[sizeof(r->why)];
				memcpy(last, r->why, sizeof(last));
				if (r->back)
					snprintf(r->why, sizeof(r->why),
						 "no final report within %u s (last "
						 "seen: %.600s)",
						 timeout_s, last);
				else if (!r->seen_gone)
					snprintf(r->why, sizeof(r->why),
						 "still running after %u s: the "
						 "guest did not act on the reboot request",
						 timeout_s);
				else
					snprintf(r->why, sizeof(r->why),
						 "did not come back within %u s "
						 "after its reboot (on_reboot=\"restart\"? xl's "
						 "log says "
						 "why)",
						 timeout_s);
				finish(r, RO_FAILED, t0);
			}
			break;
		}
		usleep((not_back ? ROLLOUT_POLL_FAST_MS : ROLLOUT_POLL_MS) * 1000);
	}
	bool all = true;
	for (size_t i = 0; i < n; i++)
		all = all && v[i].status == RO_BOOTED;
	return all;
}

/* Check the manifest with the trusted keys before anything changes. 0 with the version in
 * *ret_version (0 when not checked), or an exit code. */
static int verify_first(const char *url, const char *keys_dir, char **key_files, size_t n_keys,
			uint64_t *ret_version)
{
	struct minisign_keyring kr = { 0 };
	char err[768];
	for (size_t i = 0; i < n_keys; i++)
		if (minisign_keyring_add_file(&kr, key_files[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "kxboot-xen rollout: key %s\n", err);
			minisign_keyring_free(&kr);
			return EXIT_USAGE;
		}
	const char *dir = keys_dir ? keys_dir : n_keys ? NULL : PVBOOT_KEYS_DIR;
	if (dir && (keys_dir || access(dir, F_OK) == 0)) {
		int r = minisign_keyring_load_dir(&kr, dir);
		if (r < 0) {
			fprintf(stderr, "kxboot-xen rollout: cannot read the keys in %s: %s\n", dir,
				strerror(-r));
			minisign_keyring_free(&kr);
			return EXIT_USAGE;
		}
	}
	if (kr.n == 0) {
		fprintf(stderr,
			"kxboot-xen rollout: warning: no trusted keys (%s, --keys, --key): "
			"the manifest is not checked before the rollout\n",
			PVBOOT_KEYS_DIR);
		*ret_version = 0;
		return 0;
	}
	struct manifest_policy p = { .now = time(NULL) };
	struct manifest_state st = { 0 };
	struct fetch_options fo = { .expect_size = -1, .retries = FETCH_RETRIES_DEFAULT };
	struct manifest m;
	struct minisign_verified v = { 0 };
	int r = manifest_fetch(url, &kr, &p, &st, &fo, &m, &v, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "kxboot-xen rollout: REJECTED %s: %s\nNothing was changed.\n", url,
			err);
		minisign_keyring_free(&kr);
		return EXIT_FAIL;
	}
	char id[17], when[32];
	minisign_keyid_format(v.key->keyid, id); /* v.key points into kr */
	minisign_keyring_free(&kr);
	rfc3339_format(m.expires, when);
	printf("manifest %s: version %llu, signed by key ID %s, expires %s\n", url,
	       (unsigned long long)m.version, id, when);
	*ret_version = m.version;
	minisign_verified_free(&v);
	manifest_free(&m);
	return 0;
}

int xentool_cmd_rollout(int argc, char **argv)
{
	const char *url = NULL, *keys_dir = NULL;
	struct strv key_files = { 0 }, specs = { 0 };
	long batch = 1, timeout_s = ROLLOUT_TIMEOUT_DEFAULT;
	bool reboot = false;
	int rc = -1;
	for (int i = 1; i < argc && rc < 0; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "--manifest") && more) {
			url = argv[++i];
		} else if (!strcmp(a, "--batch") && more) {
			if (str_to_long(argv[++i], 10, &batch) < 0 || batch < 1 || batch > 1024) {
				fprintf(stderr, "kxboot-xen rollout: --batch wants 1 to 1024\n");
				rc = EXIT_USAGE;
			}
		} else if (!strcmp(a, "--timeout") && more) {
			if (str_to_long(argv[++i], 10, &timeout_s) < 0 || timeout_s < 1 ||
			    timeout_s > 86400) {
				fprintf(stderr,
					"kxboot-xen rollout: --timeout wants 1 to 86400 seconds\n");
				rc = EXIT_USAGE;
			}
		} else if (!strcmp(a, "--reboot")) {
			reboot = true;
		} else if (!strcmp(a, "--keys") && more) {
			keys_dir = argv[++i];
		} else if (!strcmp(a, "--key") && more) {
			strv_pushs(&key_files, argv[++i]);
		} else if (!strcmp(a, "--help")) {
			rollout_usage(stdout);
			rc = EXIT_OK;
		} else if (a[0] != '-' && specs.n < XENTOOL_DOMAINS_MAX) {
			strv_pushs(&specs, a);
		} else {
			fprintf(stderr, "kxboot-xen rollout: unknown or incomplete option '%s'\n",
				a);
			rc = EXIT_USAGE;
		}
	}
	char err[256];
	if (rc < 0 && (!url || !specs.n)) {
		rollout_usage(stderr);
		rc = EXIT_USAGE;
	} else if (rc < 0 && xen_setting_check("manifest", url, err, sizeof(err)) < 0) {
		fprintf(stderr, "kxboot-xen rollout: %s\n", err);
		rc = EXIT_USAGE;
	}
	uint64_t want_version = 0;
	if (rc < 0) {
		int r = verify_first(url, keys_dir, key_files.v, key_files.n, &want_version);
		if (r)
			rc = r;
	}
	/* Every domain must exist before anything changes. */
	struct rollout_domain *v = rc < 0 ? xcalloc(specs.n, sizeof(*v)) : NULL;
	for (size_t i = 0; rc < 0 && i < specs.n; i++) {
		if (xentool_domain_find(specs.v[i], &v[i].d) < 0) {
			rc = EXIT_FAIL;
		} else if (v[i].d.domid == 0) {
			fprintf(stderr, "kxboot-xen rollout: %s is dom0\n", specs.v[i]);
			rc = EXIT_USAGE;
		}
		for (size_t k = 0; rc < 0 && k < i; k++)
			if (v[k].d.domid == v[i].d.domid) {
				fprintf(stderr, "kxboot-xen rollout: %s is named twice\n",
					v[i].d.name);
				rc = EXIT_USAGE;
			}
	}
	struct xs_handle *xs = rc < 0 ? xentool_xs() : NULL;
	if (rc < 0 && !xs)
		rc = EXIT_FAIL;
	for (size_t i = 0; rc < 0 && i < specs.n; i++) {
		struct xen_kv one = { .n = 1 };
		one.key[0] = (char *)"manifest";
		one.value[0] = (char *)url;
		if (!write_settings(xs, v[i].d.domid, &one)) {
			fprintf(stderr,
				"kxboot-xen rollout: writing kxboot/manifest of %s failed: %s\n",
				v[i].d.name, strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		xentool_read_settings(xs, v[i].d.domid, &v[i].settings);
		printf("%s (%u): kxboot/manifest=%s\n", v[i].d.name, v[i].d.domid, url);
	}
	if (rc < 0 && !reboot) {
		printf(
		    "%zu domains will use it when kxboot next starts in them (a reboot creates the "
		    "domain anew: use --reboot, which writes the settings again)\n",
		    specs.n);
		rc = EXIT_OK;
	}
	if (rc < 0) {
		libxl_ctx *ctx = xentool_libxl(false);
		double t0 = now_s();
		size_t done = 0, batches = (specs.n + (size_t)batch - 1) / (size_t)batch;
		bool ok = ctx != NULL;
		for (size_t b = 0; ok && b < batches; b++) {
			size_t n = specs.n - done < (size_t)batch ? specs.n - done : (size_t)batch;
			printf("batch %zu/%zu:", b + 1, batches);
			for (size_t i = 0; i < n; i++)
				printf(" %s", v[done + i].d.name);
			printf("\n");
			fflush(stdout);
			ok = run_batch(ctx, xs, v + done, n, want_version, (unsigned)timeout_s, t0);
			done += n;
		}
		printf("\nsummary (%.1f s):\n", now_s() - t0);
		const struct rollout_domain *first_failed = NULL;
		for (size_t i = 0; i < specs.n; i++) {
			const struct rollout_domain *r = &v[i];
			if (r->status == RO_FAILED && !first_failed)
				first_failed = r;
			printf("  %-20s %-12s %-16s %-8s %s\n", r->d.name,
			       r->status == RO_BOOTED	? "booted"
			       : r->status == RO_FAILED ? "FAILED"
							: "not rebooted",
			       r->status == RO_BOOTED ? r->target : "-",
			       r->status == RO_BOOTED ? r->version : "-",
			       r->status == RO_PENDING ? "(the rollout stopped before it)" : "");
		}
		if (first_failed)
			printf("stopped: %s failed: %s\n", first_failed->d.name, first_failed->why);
		rc = ok ? EXIT_OK : EXIT_FAIL;
	}
	if (v)
		for (size_t i = 0; i < specs.n; i++)
			xen_kv_free(&v[i].settings);
	free(v);
	strv_free(&key_files);
	strv_free(&specs);
	return rc;
}
