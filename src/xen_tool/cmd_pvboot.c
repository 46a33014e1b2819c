/* cmd_pvboot.c — `kxboot-xen pvboot`: a PV or PVH domain's bootloader= (libxl's protocol,
 * src/pvboot.h) that boots what a signed manifest names for the domain and never reads the
 * guest's disk. On any failure nothing is written to --output and the exit status is 1, so
 * libxl does not start the domain.
 *
 * With --runas=UID (libxl's bootloader_restrict), the keys, the state file, xenstore and the
 * output files are handled as root, and everything that parses network input (HTTP, the
 * manifest's JSON, the signature) runs in a child process with UID's privileges, which
 * writes into the output files it was handed and sends back what it chose. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "pvboot.h"
#include "util.h"
#include "xen_tool/xentool.h"

#define PVBOOT_RESULT_MAX 65536 /* bytes the restricted child may send back */

static void pvboot_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage (as libxl runs it, from a PV/PVH domain's config):\n"
	    "  bootloader = \"/usr/local/bin/kxboot-xen\"\n"
	    "  bootloader_args = [\"pvboot\", \"--manifest=URL\", \"--keys=DIR\", ...]\n"
	    "by hand: kxboot-xen pvboot --output=FILE --output-directory=DIR --manifest=URL "
	    "[DISK]\n"
	    "options: --keys=DIR (default %s) --key=FILE --uuid=U --xen-uuid=U --mac=M\n"
	    "         --hostname=H --domid=N --min-version=N --state=FILE --cacert=FILE\n"
	    "         --pin=sha256//B64 --retries=N --timeout=S --output-format=simple0|simple\n"
	    "The domain's disk is never opened.\n",
	    PVBOOT_KEYS_DIR);
}

static void pvboot_log_sink(enum log_level level, const char *text, void *userdata)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	fprintf(stderr, "kxboot-xen pvboot: %s%s\n", prefix[level], text);
}

/* The domain's identity from xenstore, for what bootloader_args did not give: its UUID
 * (the Xen UUID, as a PVH guest sees in /sys/hypervisor/uuid) and its name as hostname. */
static void identity_from_xenstore(struct xs_handle *xs, long domid, struct machine_identity *id)
{
	if (!id->xen_uuid[0]) {
		char *vm = xentool_xs_read(xs, "/local/domain/%ld/vm", domid);
		const char *slash = vm ? strrchr(vm, '/') : NULL;
		if (slash && machine_identity_set_xen_uuid(id, slash + 1) == 0)
			log_debug("domain %ld: Xen UUID %s (xenstore)", domid, id->xen_uuid);
		free(vm);
	}
	if (!id->hostname[0]) {
		char *name = xentool_xs_read(xs, "/local/domain/%ld/name", domid);
		if (name && machine_identity_set_hostname(id, name) == 0)
			log_debug("domain %ld: hostname %s (its name, xenstore)", domid,
				  id->hostname);
		free(name);
	}
}

static void report(struct xs_handle *xs, long domid, const char *key, const char *value)
{
	if (!xs || domid <= 0)
		return;
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%ld/data/kxboot/%s", domid, key);
	if (value)
		xs_write(xs, XBT_NULL, path, value, (unsigned)strlen(value));
	else
		xs_rm(xs, XBT_NULL, path);
}

static int load_keys(const struct pvboot_args *a, struct minisign_keyring *kr, char *err,
		     size_t err_len)
{
	for (size_t i = 0; i < a->n_key_files; i++) {
		char why[512];
		int r = minisign_keyring_add_file(kr, a->key_files[i], why, sizeof(why));
		if (r < 0) {
			snprintf(err, err_len, "trusted key %s", why);
			return r;
		}
	}
	const char *dir = a->keys_dir ? a->keys_dir : a->n_key_files ? NULL : PVBOOT_KEYS_DIR;
	if (dir) {
		int r = minisign_keyring_load_dir(kr, dir);
		if (r < 0) {
			snprintf(err, err_len, "cannot read the trusted keys in %s: %s", dir,
				 strerror(-r));
			return r;
		}
	}
	if (kr->n == 0) {
		snprintf(err, err_len,
			 "no trusted keys (no *.pub in %s): every manifest would be "
			 "refused",
			 dir ? dir : "--key");
		return -ENOKEY;
	}
	return 0;
}

/* An empty file DIR/kxboot-NAME.XXXXXX (0600). fd, or -errno; *ret_path allocated. */
static int create_output_file(const char *dir, const char *name, char **ret_path)
{
	char *path = xasprintf("%s/kxboot-%s.XXXXXX", dir, name);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		free(path);
		return r;
	}
	*ret_path = path;
	return fd;
}

/* ---- the restricted child's answer: NUL-separated fields ---------------------------------- */

static void encode_result(struct strbuf *sb, const struct pvboot_loaded *l)
{
	strbuf_addf(sb, "OK%c%llu%c%s%c%s%c%d%c%d%c%llu%c%llu%c%s%c%s%c%s", 0,
		    (unsigned long long)l->version, 0, l->target, 0, l->rule, 0, l->recovery, 0,
		    l->have_ramdisk, 0, (unsigned long long)l->kernel_size, 0,
		    (unsigned long long)l->ramdisk_size, 0, l->kernel_sha256, 0, l->signer, 0,
		    l->cmdline);
	strbuf_addc(sb, '\0');
}

static bool decode_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*ret = v;
	return true;
}

/* 0 with *ret filled, or -EBADMSG with err holding the child's error. */
static int decode_result(const char *buf, size_t len, struct pvboot_loaded *ret, char *err,
			 size_t err_len)
{
	const char *f[11];
	size_t n = 0;
	for (size_t off = 0; off < len && n < 11;) {
		const char *nul = memchr(buf + off, '\0', len - off);
		if (!nul)
			break;
		f[n++] = buf + off;
		off = (size_t)(nul - buf) + 1;
	}
	if (n >= 2 && !strcmp(f[0], "ERR")) {
		snprintf(err, err_len, "%s", f[1]);
		return -EBADMSG;
	}
	struct pvboot_loaded l = { 0 };
	uint64_t rec, ram;
	if (n != 11 || strcmp(f[0], "OK") || !decode_u64(f[1], &l.version) ||
	    strlen(f[2]) >= sizeof(l.target) || strlen(f[3]) >= sizeof(l.rule) ||
	    !decode_u64(f[4], &rec) || !decode_u64(f[5], &ram) ||
	    !decode_u64(f[6], &l.kernel_size) || !decode_u64(f[7], &l.ramdisk_size) ||
	    strlen(f[8]) >= sizeof(l.kernel_sha256) || strlen(f[9]) >= sizeof(l.signer)) {
		snprintf(err, err_len, "the restricted process sent an answer that does not parse");
		return -EBADMSG;
	}
	snprintf(l.target, sizeof(l.target), "%s", f[2]);
	snprintf(l.rule, sizeof(l.rule), "%s", f[3]);
	l.recovery = rec != 0;
	l.have_ramdisk = ram != 0;
	snprintf(l.kernel_sha256, sizeof(l.kernel_sha256), "%s", f[8]);
	snprintf(l.signer, sizeof(l.signer), "%s", f[9]);
	l.cmdline = xstrdup(f[10]);
	*ret = l;
	return 0;
}

static int drop_privileges(uid_t uid, char *err, size_t err_len)
{
	struct passwd *pw = getpwuid(uid);
	gid_t gid = pw ? pw->pw_gid : (gid_t)uid;
	if (chdir("/") < 0 || setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		snprintf(err, err_len, "cannot switch to user %u: %s", (unsigned)uid,
			 strerror(errno));
		return -errno;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (setresuid(0, 0, 0) == 0) {
		snprintf(err, err_len, "still root after switching to user %u", (unsigned)uid);
		return -EPERM;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Run pvboot_load as a->runas in a child. */
static int load_restricted(const struct pvboot_args *a, const struct minisign_keyring *kr,
			   const struct manifest_policy *p, int kernel_fd, int ramdisk_fd,
			   struct pvboot_loaded *ret, char *err, size_t err_len)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, err_len, "pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -EAGAIN;
	}
	if (pid == 0) {
		close(pipefd[0]);
		struct strbuf sb = { 0 };
		char why[1024];
		struct pvboot_loaded l;
		int r = drop_privileges((uid_t)a->runas, why, sizeof(why));
		if (r == 0)
			r = pvboot_load(a, kr, p, kernel_fd, ramdisk_fd, &l, why, sizeof(why));
		if (r == 0) {
			encode_result(&sb, &l);
			pvboot_loaded_free(&l);
		} else {
			strbuf_addf(&sb, "ERR%c%s", 0, why);
			strbuf_addc(&sb, '\0');
		}
		r = write_all(pipefd[1], sb.buf, sb.len) ? 1 : 0;
		_exit(r);
	}
	close(pipefd[1]);
	char *buf = NULL;
	size_t len = 0;
	int r = fd_read_all(pipefd[0], PVBOOT_RESULT_MAX, &buf, &len);
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, err_len, "the restricted process (user %ld) %s", a->runas,
			 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "failed");
		free(buf);
		return -EIO;
	}
	r = decode_result(buf, len, ret, err, err_len);
	free(buf);
	return r;
}

int xentool_cmd_pvboot(int argc, char **argv)
{
	log_set_sink(pvboot_log_sink, NULL);
	struct pvboot_args a;
	char err[1536];
	if (pvboot_args_parse(&a, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "kxboot-xen pvboot: %s\n", err);
		pvboot_usage(stderr);
		return EXIT_USAGE;
	}
	if (a.help) {
		pvboot_usage(stdout);
		return EXIT_OK;
	}
	if (a.quiet)
		log_max_level = LOG_WARN;
	signal(SIGPIPE, SIG_IGN);
	if (a.kernel || a.ramdisk)
		log_info(
		    "the domain config's kernel/ramdisk (%s%s%s) are not used: the manifest names "
		    "the kernel",
		    a.kernel ? a.kernel : "", a.kernel && a.ramdisk ? ", " : "",
		    a.ramdisk ? a.ramdisk : "");

	struct xs_handle *xs = NULL;
	if (a.domid > 0) {
		xs = xs_open(0); /* none outside dom0 (the tests): identity from the options only */
		if (xs)
			identity_from_xenstore(xs, a.domid, &a.id);
		/* Closed while the network is read: a --runas child must not inherit dom0's
		 * xenstore connection. Opened again for the report. */
		if (xs)
			xs_close(xs);
		xs = NULL;
	}
	char who[320];
	if (a.domid > 0)
		snprintf(who, sizeof(who), "domain %ld%s%s%s", a.domid,
			 a.id.hostname[0] ? " (" : "", a.id.hostname, a.id.hostname[0] ? ")" : "");
	else
		snprintf(who, sizeof(who), "this domain");

	struct minisign_keyring kr = { 0 };
	struct manifest_policy policy = { .now = time(NULL), .min_version = a.min_version };
	struct manifest_state state = { 0 };
	struct pvboot_loaded l = { 0 };
	char *kernel_path = NULL, *ramdisk_path = NULL;
	int kernel_fd = -1, ramdisk_fd = -1;
	int r = load_keys(&a, &kr, err, sizeof(err));
	if (r == 0 && a.state) {
		manifest_state_file(&state, a.state);
		r = manifest_state_apply(&state, &policy, err, sizeof(err));
	}
	if (r == 0) {
		struct stat st;
		if (stat(a.output_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			snprintf(err, sizeof(err), "--output-directory=%s is not a directory",
				 a.output_dir);
		}
	}
	if (r == 0 && (kernel_fd = create_output_file(a.output_dir, "kernel", &kernel_path)) < 0) {
		r = kernel_fd;
		snprintf(err, sizeof(err), "cannot create a file in %s: %s", a.output_dir,
			 strerror(-r));
	}
	if (r == 0 &&
	    (ramdisk_fd = create_output_file(a.output_dir, "ramdisk", &ramdisk_path)) < 0) {
		r = ramdisk_fd;
		snprintf(err, sizeof(err), "cannot create a file in %s: %s", a.output_dir,
			 strerror(-r));
	}
	if (r == 0) {
		if (a.runas > 0)
			r = load_restricted(&a, &kr, &policy, kernel_fd, ramdisk_fd, &l, err,
					    sizeof(err));
		else
			r = pvboot_load(&a, &kr, &policy, kernel_fd, ramdisk_fd, &l, err,
					sizeof(err));
	}
	if (r == 0 && (fsync(kernel_fd) < 0 || fsync(ramdisk_fd) < 0)) {
		r = -errno;
		snprintf(err, sizeof(err), "writing %s: %s", a.output_dir, strerror(errno));
	}
	char *out = NULL;
	size_t out_len = 0;
	if (r == 0) {
		r = pvboot_output_format(a.format, kernel_path,
					 l.have_ramdisk ? ramdisk_path : NULL, l.cmdline, &out,
					 &out_len);
		if (r < 0)
			snprintf(err, sizeof(err), "the result cannot be given to libxl: %s",
				 r == -E2BIG
				     ? "the command line is longer than libxl reads (8191 bytes)"
				     : "a newline in the command line (--output-format=simple)");
	}
	if (r == 0 && a.state) {
		char why[512];
		if (manifest_state_record(&state, l.version, why, sizeof(why)) < 0)
			log_warn("cannot remember manifest version %llu in %s: %s, ignoring",
				 (unsigned long long)l.version, a.state, why);
	}
	if (r == 0) {
		/* Only now, and only once: a FIFO reader or libxl sees all of it or nothing. */
		int fd = open(a.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			r = -errno;
		else if ((r = write_all(fd, out, out_len)) < 0)
			(void)!ftruncate(fd, 0); /* a regular file: leave it empty again */
		if (fd >= 0 && close(fd) < 0 && r == 0)
			r = -errno;
		if (r < 0)
			snprintf(err, sizeof(err), "writing --output=%s: %s", a.output,
				 strerror(-r));
	}
	free(out);
	if (a.domid > 0)
		xs = xs_open(0);
	if (kernel_fd >= 0)
		close(kernel_fd);
	if (ramdisk_fd >= 0)
		close(ramdisk_fd);
	if (r < 0 || !l.have_ramdisk) {
		if (ramdisk_path)
			unlink(ramdisk_path);
	}
	if (r < 0) {
		if (kernel_path)
			unlink(kernel_path);
		fprintf(stderr, "kxboot-xen pvboot: error: not booting %s: %s\n", who, err);
		report(xs, a.domid, "state", "failed");
		report(xs, a.domid, "error", err);
	} else {
		char version[32];
		snprintf(version, sizeof(version), "%llu", (unsigned long long)l.version);
		report(xs, a.domid, "error", NULL);
		report(xs, a.domid, "entry", l.target);
		report(xs, a.domid, "target", l.target);
		report(xs, a.domid, "manifest_version", version);
		report(xs, a.domid, "state", "pvboot");
		char ramdisk[64] = "no ramdisk";
		if (l.have_ramdisk)
			snprintf(ramdisk, sizeof(ramdisk), "ramdisk %llu bytes",
				 (unsigned long long)l.ramdisk_size);
		char rule[MANIFEST_NAME_MAX + 32] = " (recovery)";
		if (l.rule[0])
			snprintf(rule, sizeof(rule), " by rule '%s'", l.rule);
		if (!a.quiet)
			printf("kxboot-xen pvboot: %s: manifest version %s (key ID %s), target "
			       "'%s'%s: "
			       "kernel %llu bytes sha256 %.16s..., %s\n",
			       who, version, l.signer, l.target, rule,
			       (unsigned long long)l.kernel_size, l.kernel_sha256, ramdisk);
	}
	if (xs)
		xs_close(xs);
	pvboot_loaded_free(&l);
	free(kernel_path);
	free(ramdisk_path);
	minisign_keyring_free(&kr);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
