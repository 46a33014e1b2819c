/* xentool.h — kxboot-xen, the dom0 side of kxboot: domains from libxl, their kxboot settings
 * and reports in xenstore (see src/xen.h for what the guest reads and writes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xenstore.h>

#define XENTOOL_REPORT_KEYS_MAX 32   /* keys read from one domain's data/kxboot/ */
#define XENTOOL_VALUE_MAX	4096 /* bytes of one xenstore value shown */
#define XENTOOL_DOMAINS_MAX	4096 /* domains named on one command line */

struct libxl__ctx;

/* What the tool knows of one domain. */
struct xen_domain {
	uint32_t domid;
	char name[128];
	char uuid[37];
	const char *type; /* "hvm", "pv", "pvh", "?" */
};

/* libxl: a context (NULL with a message when this is not a Xen dom0). */
struct libxl__ctx *xentool_libxl(bool verbose);
void xentool_libxl_free(void);
/* Every domain, by domid. 0 or -errno; *ret allocated. */
int xentool_domains(struct xen_domain **ret, size_t *ret_n);
/* A domain by name or id. 0, -ENOENT (message printed), -errno. */
int xentool_domain_find(const char *spec, struct xen_domain *ret);

/* xenstore (NULL with a message when it cannot be opened). */
struct xs_handle *xentool_xs(void);
void xentool_xs_close(void);
/* Read PATH: allocated, NUL-terminated, or NULL when absent. */
char *xentool_xs_read(struct xs_handle *xs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A domain's settings (kxboot/KEY) and report (data/kxboot/KEY): parallel key/value arrays,
 * values allocated (NULL: absent). */
struct xen_kv {
	char *key[XENTOOL_REPORT_KEYS_MAX];
	char *value[XENTOOL_REPORT_KEYS_MAX];
	size_t n;
};
void xentool_read_settings(struct xs_handle *xs, uint32_t domid, struct xen_kv *ret);
void xentool_read_report(struct xs_handle *xs, uint32_t domid, struct xen_kv *ret);
const char *xen_kv_get(const struct xen_kv *kv, const char *key);
void xen_kv_free(struct xen_kv *kv);

/* Write (value non-NULL) or remove (NULL) /local/domain/<domid>/kxboot/KEY in transaction t,
 * readable by the domain and writable only by dom0. true on success. */
bool xentool_setting_write(struct xs_handle *xs, xs_transaction_t t, uint32_t domid,
			   const char *key, const char *value);

/* Copy s for a terminal: guest-written text loses control characters and is cut at max. */
void xentool_sanitize(const char *s, char *buf, size_t len);

int xentool_cmd_list(int argc, char **argv);
int xentool_cmd_set(int argc, char **argv);
int xentool_cmd_rollout(int argc, char **argv);
int xentool_cmd_pvboot(int argc, char **argv);
