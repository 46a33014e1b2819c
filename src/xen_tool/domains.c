/* domains.c — kxboot-xen's view of the host: domains through libxl, kxboot's settings and
 * reports through libxenstore (paths as src/xen.c uses them in the guest). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "util.h"
#include "xen.h"
#include "xen_tool/xentool.h"

static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;
static struct xs_handle *xs;

libxl_ctx *xentool_libxl(bool verbose)
{
	if (ctx)
		return ctx;
	if (!logger)
		logger = xtl_createlogger_stdiostream(stderr, verbose ? XTL_DEBUG : XTL_ERROR, 0);
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)logger) != 0) {
		ctx = NULL;
		fprintf(stderr, "kxboot-xen: cannot use Xen's toolstack (libxl): run this in dom0, "
				"as root, with xenstored running\n");
	}
	return ctx;
}

void xentool_libxl_free(void)
{
	if (ctx)
		libxl_ctx_free(ctx);
	ctx = NULL;
	if (logger)
		xtl_logger_destroy((xentoollog_logger *)logger);
	logger = NULL;
}

static const char *type_name(libxl_domain_type t)
{
	switch (t) {
	case LIBXL_DOMAIN_TYPE_HVM:
		return "hvm";
	case LIBXL_DOMAIN_TYPE_PV:
		return "pv";
	case LIBXL_DOMAIN_TYPE_PVH:
		return "pvh";
	default:
		return "?";
	}
}

int xentool_domains(struct xen_domain **ret, size_t *ret_n)
{
	libxl_ctx *c = xentool_libxl(false);
	if (!c)
		return -ENXIO;
	int n = 0;
	libxl_dominfo *info = libxl_list_domain(c, &n);
	if (!info) {
		fprintf(stderr, "kxboot-xen: cannot list the domains (libxl_list_domain failed)\n");
		return -EIO;
	}
	struct xen_domain *v = xcalloc((size_t)n + 1, sizeof(*v));
	struct xs_handle *h = xentool_xs();
	for (int i = 0; i < n; i++) {
		struct xen_domain *d = &v[i];
		d->domid = info[i].domid;
		char *name = libxl_domid_to_name(c, d->domid);
		xentool_sanitize(name ? name : "", d->name, sizeof(d->name));
		free(name);
		snprintf(d->uuid, sizeof(d->uuid), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info[i].uuid));
		d->type = d->domid == 0 ? "dom0" : type_name(info[i].domain_type);
		/* The hypervisor sees a PVH domain as HVM; libxl keeps the type it built. */
		char *t = h && d->domid ? xentool_xs_read(h, "/libxl/%u/type", d->domid) : NULL;
		if (t && (!strcmp(t, "pvh") || !strcmp(t, "pv") || !strcmp(t, "hvm")))
			d->type = !strcmp(t, "pvh") ? "pvh" : !strcmp(t, "pv") ? "pv" : "hvm";
		free(t);
	}
	libxl_dominfo_list_free(info, n);
	*ret = v;
	*ret_n = (size_t)n;
	return 0;
}

int xentool_domain_find(const char *spec, struct xen_domain *ret)
{
	struct xen_domain *v;
	size_t n;
	int r = xentool_domains(&v, &n);
	if (r < 0)
		return r;
	long id = -1;
	if (str_to_long(spec, 10, &id) < 0)
		id = -1;
	size_t found = n;
	for (size_t i = 0; i < n && found == n; i++)
		if ((id >= 0 && v[i].domid == (uint32_t)id) || !strcmp(v[i].name, spec) ||
		    str_caseeq(v[i].uuid, spec))
			found = i;
	if (found == n) {
		fprintf(stderr,
			"kxboot-xen: no domain '%s' (give a name, a domain id or a UUID; see "
			"'kxboot-xen list')\n",
			spec);
		free(v);
		return -ENOENT;
	}
	*ret = v[found];
	free(v);
	return 0;
}

struct xs_handle *xentool_xs(void)
{
	if (xs)
		return xs;
	xs = xs_open(0);
	if (!xs)
		fprintf(stderr, "kxboot-xen: cannot open xenstore: %s\n", strerror(errno));
	return xs;
}

void xentool_xs_close(void)
{
	if (xs)
		xs_close(xs);
	xs = NULL;
}

char *xentool_xs_read(struct xs_handle *h, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	unsigned len = 0;
	char *v = xs_read(h, XBT_NULL, path, &len);
	if (!v)
		return NULL;
	/* xs_read NUL-terminates; a value may hold NULs of its own: cut there. */
	if (len > XENTOOL_VALUE_MAX)
		v[XENTOOL_VALUE_MAX] = '\0';
	return v;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void xentool_read_settings(struct xs_handle *h, uint32_t domid, struct xen_kv *ret)
{
	*ret = (struct xen_kv){ 0 };
	for (size_t i = 0; xen_setting_keys[i] && ret->n < XENTOOL_REPORT_KEYS_MAX; i++) {
		char *v =
		    xentool_xs_read(h, "/local/domain/%u/kxboot/%s", domid, xen_setting_keys[i]);
		if (!v)
			continue;
		ret->key[ret->n] = xstrdup(xen_setting_keys[i]);
		ret->value[ret->n++] = v;
	}
}

void xentool_read_report(struct xs_handle *h, uint32_t domid, struct xen_kv *ret)
{
	*ret = (struct xen_kv){ 0 };
	char dir[64];
	snprintf(dir, sizeof(dir), "/local/domain/%u/data/kxboot", domid);
	unsigned n = 0;
	char **names = xs_directory(h, XBT_NULL, dir, &n);
	if (!names)
		return;
	/* The guest writes here: take a bounded number of keys, in name order. */
	qsort(names, n, sizeof(*names), key_cmp);
	for (unsigned i = 0; i < n && ret->n < XENTOOL_REPORT_KEYS_MAX; i++) {
		char *v = xentool_xs_read(h, "%s/%.64s", dir, names[i]);
		if (!v)
			continue;
		ret->key[ret->n] = xstrndup(names[i], strnlen(names[i], 64));
		ret->value[ret->n++] = v;
	}
	free(names);
}

const char *xen_kv_get(const struct xen_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->value[i];
	return NULL;
}

void xen_kv_free(struct xen_kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->key[i]);
		free(kv->value[i]);
	}
	kv->n = 0;
}

bool xentool_setting_write(struct xs_handle *h, xs_transaction_t t, uint32_t domid, const char *key,
			   const char *value)
{
	char dir[64], path[128];
	snprintf(dir, sizeof(dir), "/local/domain/%u/kxboot", domid);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (!value)
		return xs_rm(h, t, path) || errno == ENOENT;
	/* dom0 owns them (others: no access), the domain may read them: kxboot in the guest
	 * reads them, nothing in the guest can change them. */
	struct xs_permissions perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	return xs_mkdir(h, t, dir) && xs_set_permissions(h, t, dir, perms, 2) &&
	       xs_write(h, t, path, value, (unsigned)strlen(value)) &&
	       xs_set_permissions(h, t, path, perms, 2);
}

void xentool_sanitize(const char *s, char *buf, size_t len)
{
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	buf[i] = '\0';
}
