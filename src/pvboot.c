/* pvboot.c — libxl's bootloader protocol (tools/libs/light/libxl_bootloader.c:
 * make_bootloader_args, parse_bootloader_result) answered from a signed manifest
 * (docs/manifest.md): arguments, the result file, and loading the chosen target's files. */
#include "pvboot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "net/fetch.h"
#include "util.h"

static int arg_error(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int arg_error(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_number(const char *s, long min, long max, long *ret)
{
	long v;
	if (str_to_long(s, 10, &v) < 0 || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

enum pvboot_option {
	OPT_OUTPUT,
	OPT_OUTPUT_FORMAT,
	OPT_OUTPUT_DIRECTORY,
	OPT_KERNEL,
	OPT_RAMDISK,
	OPT_ARGS,
	OPT_RUNAS,
	OPT_QUIET,
	OPT_MANIFEST,
	OPT_KEYS,
	OPT_KEY,
	OPT_UUID,
	OPT_XEN_UUID,
	OPT_MAC,
	OPT_HOSTNAME,
	OPT_DOMID,
	OPT_MIN_VERSION,
	OPT_STATE,
	OPT_CACERT,
	OPT_PIN,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_HELP,
};

static const struct {
	const char *name;
	enum pvboot_option opt;
	bool value; /* takes a value */
} options[] = {
	{ "output", OPT_OUTPUT, true },
	{ "output-format", OPT_OUTPUT_FORMAT, true },
	{ "output-directory", OPT_OUTPUT_DIRECTORY, true },
	{ "kernel", OPT_KERNEL, true },
	{ "ramdisk", OPT_RAMDISK, true },
	{ "args", OPT_ARGS, true },
	{ "runas", OPT_RUNAS, true },
	{ "quiet", OPT_QUIET, false },
	{ "manifest", OPT_MANIFEST, true },
	{ "keys", OPT_KEYS, true },
	{ "key", OPT_KEY, true },
	{ "uuid", OPT_UUID, true },
	{ "xen-uuid", OPT_XEN_UUID, true },
	{ "mac", OPT_MAC, true },
	{ "hostname", OPT_HOSTNAME, true },
	{ "domid", OPT_DOMID, true },
	{ "min-version", OPT_MIN_VERSION, true },
	{ "state", OPT_STATE, true },
	{ "cacert", OPT_CACERT, true },
	{ "pin", OPT_PIN, true },
	{ "retries", OPT_RETRIES, true },
	{ "timeout", OPT_TIMEOUT, true },
	{ "help", OPT_HELP, false },
};

static int apply_option(struct pvboot_args *a, enum pvboot_option opt, const char *v, char *err,
			size_t err_len)
{
	long n;
	switch (opt) {
	case OPT_OUTPUT:
		a->output = v;
		break;
	case OPT_OUTPUT_FORMAT:
		if (!strcmp(v, "simple0"))
			a->format = PVBOOT_SIMPLE0;
		else if (!strcmp(v, "simple"))
			a->format = PVBOOT_SIMPLE;
		else
			return arg_error(err, err_len,
					 "--output-format=%s: only simple0 and simple are known",
					 v);
		break;
	case OPT_OUTPUT_DIRECTORY:
		a->output_dir = v;
		break;
	case OPT_KERNEL:
		a->kernel = v;
		break;
	case OPT_RAMDISK:
		a->ramdisk = v;
		break;
	case OPT_ARGS:
		a->extra_args = v;
		break;
	case OPT_RUNAS:
		/* libxl refuses uid 0 itself ("bootloader restrict UID is 0"); so do we. */
		if (parse_number(v, 1, 0x7fffffff, &n) < 0)
			return arg_error(err, err_len, "--runas=%s: want a user id above 0", v);
		a->runas = n;
		break;
	case OPT_QUIET:
		a->quiet = true;
		break;
	case OPT_MANIFEST:
		if (!fetch_scheme_for(v))
			return arg_error(
			    err, err_len,
			    "--manifest=%s: want an http://, https://, tftp:// or file:// URL", v);
		a->manifest = v;
		break;
	case OPT_KEYS:
		a->keys_dir = v;
		break;
	case OPT_KEY:
		if (a->n_key_files >= MINISIGN_KEYS_MAX)
			return arg_error(err, err_len, "more than %d --key options",
					 MINISIGN_KEYS_MAX);
		a->key_files[a->n_key_files++] = v;
		break;
	case OPT_UUID:
		if (machine_identity_set_uuid(&a->id, v) < 0)
			return arg_error(err, err_len, "--uuid=%s is not a UUID", v);
		break;
	case OPT_XEN_UUID:
		if (machine_identity_set_xen_uuid(&a->id, v) < 0)
			return arg_error(err, err_len, "--xen-uuid=%s is not a UUID", v);
		break;
	case OPT_MAC:
		if (machine_identity_add_mac(&a->id, v) < 0)
			return arg_error(err, err_len,
					 "--mac=%s is not a MAC address (or too many)", v);
		break;
	case OPT_HOSTNAME:
		if (machine_identity_set_hostname(&a->id, v) < 0)
			return arg_error(err, err_len, "--hostname=%s is not a host name", v);
		break;
	case OPT_DOMID:
		/* DOMID_FIRST_RESERVED is 0x7ff0 */
		if (parse_number(v, 1, 0x7fef, &n) < 0)
			return arg_error(err, err_len, "--domid=%s is not a guest's domain id", v);
		a->domid = n;
		break;
	case OPT_MIN_VERSION:
		if (parse_number(v, 0, 0x7fffffffffffffffL, &n) < 0)
			return arg_error(err, err_len, "--min-version=%s is not a version number",
					 v);
		a->min_version = (uint64_t)n;
		break;
	case OPT_STATE:
		a->state = v;
		break;
	case OPT_CACERT:
		a->ca_file = v;
		break;
	case OPT_PIN:
		a->pin = v;
		break;
	case OPT_RETRIES:
		if (parse_number(v, 0, 10, &n) < 0)
			return arg_error(err, err_len, "--retries=%s: want 0 to 10", v);
		a->retries = (unsigned)n;
		break;
	case OPT_TIMEOUT:
		if (parse_number(v, 1, 3600, &n) < 0)
			return arg_error(err, err_len, "--timeout=%s: want 1 to 3600 seconds", v);
		a->timeout_s = (unsigned)n;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	}
	return 0;
}

int pvboot_args_parse(struct pvboot_args *ret, int argc, char **argv, char *err, size_t err_len)
{
	struct pvboot_args a = { .format = PVBOOT_SIMPLE0, .runas = -1, .domid = -1,
				 .retries = FETCH_RETRIES_DEFAULT };
	const char *positional[2] = { NULL, NULL };
	size_t n_positional = 0;
	int r;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (w[0] != '-' || w[1] != '-' || !w[2]) {
			/* The subcommand may arrive through bootloader_args. */
			if (!strcmp(w, "pvboot"))
				continue;
			if (n_positional == 2)
				return arg_error(err, err_len,
						 "unexpected argument '%s' (only the disk comes "
						 "after the options)",
						 positional[0]);
			positional[n_positional++] = w;
			continue;
		}
		const char *name = w + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		size_t k;
		for (k = 0; k < ARRAY_SIZE(options); k++)
			if (strlen(options[k].name) == len && !strncmp(options[k].name, name, len))
				break;
		if (k == ARRAY_SIZE(options))
			return arg_error(err, err_len, "unknown option '%.*s'", (int)(len + 2), w);
		const char *v = NULL;
		if (options[k].value) {
			if (eq)
				v = eq + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			else
				return arg_error(err, err_len, "--%s wants a value",
						 options[k].name);
		} else if (eq) {
			return arg_error(err, err_len, "--%s takes no value", options[k].name);
		}
		r = apply_option(&a, options[k].opt, v, err, err_len);
		if (r < 0)
			return r;
	}
	if (n_positional == 2)
		return arg_error(err, err_len,
				 "unexpected argument '%s' (only the disk comes after "
				 "the options)",
				 positional[0]);
	a.disk = positional[0];
	if (!a.help) {
		if (!a.output)
			return arg_error(err, err_len, "no --output=FILE (libxl passes it)");
		if (!a.output_dir)
			return arg_error(err, err_len,
					 "no --output-directory=DIR (libxl passes it)");
		if (!a.manifest)
			return arg_error(err, err_len,
					 "no --manifest=URL (give it in the domain's "
					 "bootloader_args)");
	}
	if (a.domid < 0 && a.output)
		a.domid = pvboot_domid_from_output(a.output);
	*ret = a;
	return 0;
}

long pvboot_domid_from_output(const char *output)
{
	const char *base = strrchr(output, '/');
	base = base ? base + 1 : output;
	if (!str_startswith(base, "bootloader.") || !str_endswith(base, ".out"))
		return -1;
	const char *digits = base + strlen("bootloader.");
	size_t n = strlen(digits) - strlen(".out");
	if (n == 0 || n > 5)
		return -1;
	char buf[8];
	memcpy(buf, digits, n);
	buf[n] = '\0';
	long v;
	if (parse_number(buf, 1, 0x7fef, &v) < 0 || buf[0] == '0')
		return -1;
	return v;
}

bool pvboot_invoked_by_libxl(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (str_startswith(argv[i], "--output="))
			return true;
	return false;
}

static int add_item(struct strbuf *sb, enum pvboot_format f, const char *key, const char *value)
{
	if (strlen(key) + 1 + strlen(value) > PVBOOT_ITEM_MAX)
		return -E2BIG;
	if (f == PVBOOT_SIMPLE && strchr(value, '\n'))
		return -EINVAL;
	strbuf_addf(sb, "%s %s", key, value);
	strbuf_addc(sb, f == PVBOOT_SIMPLE0 ? '\0' : '\n');
	return 0;
}

int pvboot_output_format(enum pvboot_format f, const char *kernel, const char *ramdisk,
			 const char *cmdline, char **ret, size_t *ret_len)
{
	if (!kernel || !kernel[0] || (ramdisk && !ramdisk[0]))
		return -EINVAL;
	struct strbuf sb = { 0 };
	int r = add_item(&sb, f, "kernel", kernel);
	if (r == 0 && ramdisk)
		r = add_item(&sb, f, "ramdisk", ramdisk);
	if (r == 0)
		r = add_item(&sb, f, "args", cmdline ? cmdline : "");
	if (r < 0) {
		strbuf_free(&sb);
		return r;
	}
	*ret_len = sb.len;
	*ret = strbuf_steal(&sb);
	return 0;
}

char *pvboot_cmdline_join(const char *cmdline, const char *extra)
{
	while (extra && (*extra == ' ' || *extra == '\t'))
		extra++;
	if (!extra || !*extra)
		return xstrdup(cmdline);
	/* A standalone "--" word outside quotes, as the kernel splits words. */
	const char *p = cmdline;
	bool quoted = false;
	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (quoted || p[0] != '-' || p[1] != '-')
			continue;
		bool starts = p == cmdline || p[-1] == ' ' || p[-1] == '\t';
		bool ends = !p[2] || p[2] == ' ' || p[2] == '\t';
		if (starts && ends)
			break;
	}
	if (!*p)
		return *cmdline ? xasprintf("%s %s", cmdline, extra) : xstrdup(extra);
	return xasprintf("%.*s%s %s", (int)(p - cmdline), cmdline, extra, p);
}

void pvboot_loaded_free(struct pvboot_loaded *l)
{
	free(l->cmdline);
	l->cmdline = NULL;
}

/* Append all of src to dst. 0 or -errno. */
static int copy_fd(int src, int dst)
{
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(dst, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			off += w;
		}
	}
}

static int fd_reset(int fd)
{
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* Fetch one artifact against the manifest and append it to out. */
static int fetch_into(const struct manifest_artifact *art, const struct fetch_options *fo, int out,
		      const char *what, char *ret_sha256, char *err, size_t err_len)
{
	struct fetch_result res;
	int r = manifest_fetch_artifact(art, fo, &res);
	if (r < 0) {
		snprintf(err, err_len, "%s: %s", what, res.error);
		return r;
	}
	r = copy_fd(res.fd, out);
	if (r < 0)
		snprintf(err, err_len, "%s: writing it: %s", what, strerror(-r));
	else if (ret_sha256)
		memcpy(ret_sha256, res.sha256, sizeof(res.sha256));
	fetch_result_free(&res);
	return r;
}

static int load_target(const struct manifest_target *t, const struct fetch_options *fo,
		       int kernel_fd, int ramdisk_fd, struct pvboot_loaded *ret, char *err,
		       size_t err_len)
{
	uint64_t total = 0;
	for (size_t i = 0; i < t->n_initrds; i++)
		total += t->initrds[i].size + 3;
	if (t->kernel.size > LOAD_KERNEL_MAX) {
		snprintf(err, err_len,
			 "target '%s': its kernel is %llu bytes, over the %llu bytes "
			 "kxboot loads (LOAD_KERNEL_MAX)",
			 t->name, (unsigned long long)t->kernel.size,
			 (unsigned long long)LOAD_KERNEL_MAX);
		return -EFBIG;
	}
	if (total > LOAD_INITRD_MAX) {
		snprintf(err, err_len,
			 "target '%s': its initrds are %llu bytes together, over the "
			 "%llu bytes kxboot loads (LOAD_INITRD_MAX)",
			 t->name, (unsigned long long)total, (unsigned long long)LOAD_INITRD_MAX);
		return -EFBIG;
	}
	char what[MANIFEST_NAME_MAX + 64];
	snprintf(what, sizeof(what), "kernel of target '%s'", t->name);
	int r = fetch_into(&t->kernel, fo, kernel_fd, what, ret->kernel_sha256, err, err_len);
	if (r < 0)
		return r;
	ret->kernel_size = t->kernel.size;
	uint64_t written = 0;
	for (size_t i = 0; i < t->n_initrds; i++) {
		/* As GRUB loads several initrds: each starts 4-byte aligned, one cpio stream. */
		static const char zeros[4];
		if (written % 4) {
			size_t pad = 4 - written % 4;
			if (write(ramdisk_fd, zeros, pad) != (ssize_t)pad) {
				snprintf(err, err_len, "writing the ramdisk: %s", strerror(errno));
				return -EIO;
			}
			written += pad;
		}
		snprintf(what, sizeof(what), "initrd %zu of target '%s'", i + 1, t->name);
		r = fetch_into(&t->initrds[i], fo, ramdisk_fd, what, NULL, err, err_len);
		if (r < 0)
			return r;
		written += t->initrds[i].size;
	}
	ret->have_ramdisk = t->n_initrds > 0;
	ret->ramdisk_size = written;
	return 0;
}

int pvboot_load(const struct pvboot_args *a, const struct minisign_keyring *kr,
		const struct manifest_policy *p, int kernel_fd, int ramdisk_fd,
		struct pvboot_loaded *ret, char *err, size_t err_len)
{
	struct pvboot_loaded l = { 0 };
	struct fetch_options fo = { .expect_size = -1,
				   .retries = a->retries,
				   .ca_file = a->ca_file,
				   .pin = a->pin,
				   .timeout_s = a->timeout_s };
	struct manifest m;
	struct minisign_verified v = { 0 };
	struct manifest_state no_state = { 0 }; /* the caller keeps the state (it may be root) */
	char why[768];
	int r = manifest_fetch(a->manifest, kr, p, &no_state, &fo, &m, &v, why, sizeof(why));
	if (r < 0) {
		snprintf(err, err_len, "manifest %s refused: %s", a->manifest, why);
		return r;
	}
	minisign_keyid_format(v.key->keyid, l.signer);
	minisign_verified_free(&v);
	l.version = m.version;

	struct manifest_choice ch;
	r = manifest_select(&m, &a->id, &ch);
	const struct manifest_target *t = r == 0 ? ch.target : m.recovery;
	if (!t) {
		snprintf(err, err_len,
			 "manifest version %llu has no target for this domain (%s) "
			 "and no recovery target",
			 (unsigned long long)m.version, ch.why);
		manifest_free(&m);
		return -ENOENT;
	}
	if (r == 0) {
		log_info("manifest %s version %llu (key ID %s): target '%s', %s", a->manifest,
			 (unsigned long long)m.version, l.signer, t->name, ch.why);
		snprintf(l.rule, sizeof(l.rule), "%s", ch.rule->name);
	} else {
		log_warn("manifest version %llu: %s; booting the recovery target '%s'",
			 (unsigned long long)m.version, ch.why, t->name);
		l.recovery = true;
	}
	r = load_target(t, &fo, kernel_fd, ramdisk_fd, &l, err, err_len);
	if (r < 0 && m.recovery && t != m.recovery) {
		log_warn("target '%s' cannot be loaded: %s; trying the recovery target '%s'",
			 t->name, err, m.recovery->name);
		t = m.recovery;
		l.recovery = true;
		l.rule[0] = '\0';
		l.have_ramdisk = false;
		r = fd_reset(kernel_fd);
		if (r == 0)
			r = fd_reset(ramdisk_fd);
		if (r < 0)
			snprintf(err, err_len, "emptying the output files: %s", strerror(-r));
		else
			r = load_target(t, &fo, kernel_fd, ramdisk_fd, &l, err, err_len);
	}
	if (r == 0) {
		snprintf(l.target, sizeof(l.target), "%s", t->name);
		char *cmdline = manifest_cmdline(&m, t);
		l.cmdline = pvboot_cmdline_join(cmdline, a->extra_args);
		free(cmdline);
		*ret = l;
	}
	manifest_free(&m);
	return r;
}
