/* cmd_publish.c — `kxboot publish`: the operator's side of signed manifests. Kernels and
 * initrds are laid out by content (by-hash/<sha256>/<name>, so no cache can serve a mix of
 * old and new), manifest.json gets the next version and an expiry, and the real `minisign`
 * signs it (docs/manifest.md, "Publishing"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cli.h"
#include "limits.h"
#include "log.h"
#include "manifest.h"
#include "util.h"

#define PUBLISH_EXPIRES_DAYS_DEFAULT 30
#define PUBLISH_BY_HASH "by-hash"

struct publish {
	const char *dir, *rules, *out, *secret_key, *password_file, *base_url, *public_key;
	const char *minisign;
	long expires_days;
	long version;	/* --version; 0: the previous one + 1 */
	int64_t now;
	bool legacy;	/* minisign -l */
	/* artifacts stored in this run, by file name in dir */
	struct stored {
		char *name;
		char sha256[65];
		uint64_t size;
	} *stored;
	size_t n_stored;
	unsigned added, kept;
};

static void publish_usage(FILE *out)
{
	fprintf(out,
		"usage: kxboot publish --dir DIR --rules RULES.json --out OUTDIR --secret-key KEY.sec\n"
		"                      [--password-file FILE] [--expires-days N] [--base-url URL]\n"
		"                      [--public-key PUB] [--version N] [--legacy] [--minisign PROG]\n");
}

/* A file name from the rules file: relative, no "..", characters that need no escaping in a
 * URL. */
static bool safe_file_name(const char *s)
{
	if (!s[0] || s[0] == '/' || strlen(s) > 255)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-/", *p))
			return false;
	for (const char *p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return false;
		if (*p == '/' || !*p)
			return false; /* "a//b", "a/" */
	}
	return true;
}

static int hash_file(const char *path, char hex[65], uint64_t *ret_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	char buf[1 << 16];
	uint64_t size = 0;
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		size += (uint64_t)n;
	}
	close(fd);
	unsigned char d[32];
	unsigned dlen;
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	*ret_size = size;
	return r;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			int r = -errno;
			free(p);
			return r;
		}
		*s = '/';
	}
	int r = mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
	free(p);
	return r;
}

/* Copy dir/name into out/by-hash/<sha256>/<basename>, hashing on the way; a copy that is
 * already there is kept when its content is right. */
static int store_artifact(struct publish *pb, const char *name, struct stored **ret)
{
	for (size_t i = 0; i < pb->n_stored; i++)
		if (!strcmp(pb->stored[i].name, name)) {
			*ret = &pb->stored[i];
			return 0;
		}
	_cleanup_free_ char *src = path_join(pb->dir, name);
	_cleanup_free_ char *hashdir = path_join(pb->out, PUBLISH_BY_HASH);
	int r = mkdir_p(hashdir);
	if (r < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", hashdir, strerror(-r));
		return r;
	}
	int in = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = in < 0 ? -errno : -EINVAL;
		fprintf(stderr, "kxboot publish: %s: %s\n", src,
			r == -EINVAL ? "not a regular file" : strerror(-r));
		if (in >= 0)
			close(in);
		return r;
	}
	_cleanup_free_ char *tmp = xasprintf("%s/.incoming-XXXXXX", hashdir);
	int out = mkstemp(tmp);
	if (out < 0) {
		r = -errno;
		fprintf(stderr, "kxboot publish: %s: %s\n", tmp, strerror(errno));
		close(in);
		return r;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	char buf[1 << 16];
	uint64_t size = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		size += (uint64_t)n;
		if (write(out, buf, (size_t)n) != n) {
			r = errno ? -errno : -EIO;
			break;
		}
	}
	unsigned char d[32];
	unsigned dlen;
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	close(in);
	if (r == 0 && (fchmod(out, 0644) < 0 || fsync(out) < 0))
		r = -errno;
	if (close(out) < 0 && r == 0)
		r = -errno;
	if (r == 0 && size == 0)
		r = -ENODATA;
	if (r < 0) {
		fprintf(stderr, "kxboot publish: copying %s: %s\n", src,
			r == -ENODATA ? "the file is empty" : strerror(-r));
		unlink(tmp);
		return r;
	}
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	_cleanup_free_ char *dest_dir = xasprintf("%s/%s", hashdir, hex);
	_cleanup_free_ char *dest = xasprintf("%s/%s", dest_dir, base);
	char have[65] = "";
	uint64_t have_size = 0;
	if (hash_file(dest, have, &have_size) == 0 && have_size == size && !strcmp(have, hex)) {
		unlink(tmp);
		pb->kept++;
		printf("  kept   %s/%s/%s (%llu bytes)\n", PUBLISH_BY_HASH, hex, base,
		       (unsigned long long)size);
	} else {
		if ((r = mkdir_p(dest_dir)) < 0 || rename(tmp, dest) < 0) {
			r = r < 0 ? r : -errno;
			fprintf(stderr, "kxboot publish: %s: %s\n", dest, strerror(-r));
			unlink(tmp);
			return r;
		}
		pb->added++;
		printf("  added  %s/%s/%s (%llu bytes)\n", PUBLISH_BY_HASH, hex, base,
		       (unsigned long long)size);
	}
	pb->stored = xreallocarray(pb->stored, pb->n_stored + 1, sizeof(*pb->stored));
	struct stored *s = &pb->stored[pb->n_stored++];
	s->name = xstrdup(name);
	memcpy(s->sha256, hex, sizeof(hex));
	s->size = size;
	*ret = s;
	return 0;
}

static json_t *artifact_entry(struct publish *pb, const char *name, int *r)
{
	struct stored *s;
	if ((*r = store_artifact(pb, name, &s)) < 0)
		return NULL;
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char *rel = xasprintf(PUBLISH_BY_HASH "/%s/%s", s->sha256, base);
	char *url = NULL;
	if (pb->base_url) {
		/* The base is the published folder, with or without its final '/'. */
		char *dir = str_endswith(pb->base_url, "/") ? xstrdup(pb->base_url)
							     : xasprintf("%s/", pb->base_url);
		url = url_resolve(dir, rel);
		free(dir);
	} else {
		url = xstrdup(rel);
	}
	json_t *o = json_object();
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "size", json_integer((json_int_t)s->size));
	free(rel);
	free(url);
	return o;
}

/* The rules file's targets ({"kernel": FILE, "initrds": [FILE...], "cmdline": TEXT}) with
 * the files stored and described. */
static int build_targets(struct publish *pb, json_t *targets, json_t **ret)
{
	if (!json_is_object(targets) || json_object_size(targets) == 0) {
		fprintf(stderr, "kxboot publish: %s: \"targets\" must be an object of targets\n",
			pb->rules);
		return -EINVAL;
	}
	json_t *out = json_object();
	const char *name;
	json_t *t;
	int r = 0;
	json_object_foreach(targets, name, t) {
		json_t *kernel = json_object_get(t, "kernel");
		json_t *initrds = json_object_get(t, "initrds");
		json_t *cmdline = json_object_get(t, "cmdline");
		const char *key;
		json_t *v;
		bool ok = json_is_object(t) && json_is_string(kernel) &&
			  (!initrds || json_is_array(initrds)) && (!cmdline || json_is_string(cmdline));
		json_object_foreach(t, key, v)
			ok &= !strcmp(key, "kernel") || !strcmp(key, "initrds") ||
			      !strcmp(key, "cmdline") || !strcmp(key, "comment");
		size_t i;
		json_array_foreach(initrds, i, v)
			ok &= json_is_string(v) && safe_file_name(json_string_value(v));
		if (!ok || !safe_file_name(json_string_value(kernel))) {
			fprintf(stderr, "kxboot publish: %s: target \"%s\": want {\"kernel\": FILE, "
					"\"initrds\": [FILE...], \"cmdline\": TEXT} with FILE a "
					"relative name in --dir (A-Z a-z 0-9 . _ + - /)\n",
				pb->rules, name);
			r = -EINVAL;
			break;
		}
		printf("target %s\n", name);
		json_t *o = json_object();
		json_object_set_new(out, name, o);
		json_t *k = artifact_entry(pb, json_string_value(kernel), &r);
		if (!k)
			break;
		json_object_set_new(o, "kernel", k);
		if (initrds) {
			json_t *a = json_array();
			json_object_set_new(o, "initrds", a);
			json_array_foreach(initrds, i, v) {
				json_t *e = artifact_entry(pb, json_string_value(v), &r);
				if (!e)
					break;
				json_array_append_new(a, e);
			}
			if (r < 0)
				break;
		}
		if (cmdline)
			json_object_set(o, "cmdline", cmdline);
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* The version of the manifest already in out (0 when there is none). */
static int previous_version(const struct publish *pb, long *ret)
{
	_cleanup_free_ char *path = path_join(pb->out, "manifest.json");
	char *text;
	size_t len;
	int r = file_read_all(path, MANIFEST_SIZE_MAX, &text, &len);
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", path, strerror(-r));
		return r;
	}
	json_t *root = json_loadb(text, len, 0, NULL);
	free(text);
	json_t *v = json_object_get(root, "version");
	r = 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		fprintf(stderr, "kxboot publish: %s holds no version; give --version N (above the "
				"last version your machines saw)\n", path);
		r = -EBADMSG;
	} else {
		*ret = (long)json_integer_value(v);
	}
	json_decref(root);
	return r;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	int r = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -(errno ? errno : EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* minisign -S, with the password from a file on its stdin when one is given. */
static int run_minisign(const struct publish *pb, const char *file, const char *sig,
			const char *trusted, const char *untrusted)
{
	char *password = NULL;
	size_t plen = 0;
	if (pb->password_file) {
		int r = file_read_all(pb->password_file, 1024, &password, &plen);
		if (r < 0) {
			fprintf(stderr, "kxboot publish: %s: %s\n", pb->password_file, strerror(-r));
			return r;
		}
	}
	int pfd[2] = { -1, -1 };
	if (password && pipe2(pfd, O_CLOEXEC) < 0) {
		free(password);
		return -errno;
	}
	const char *argv[16];
	size_t n = 0;
	argv[n++] = pb->minisign;
	argv[n++] = "-S";
	if (pb->legacy)
		argv[n++] = "-l";
	argv[n++] = "-s";
	argv[n++] = pb->secret_key;
	argv[n++] = "-m";
	argv[n++] = file;
	argv[n++] = "-x";
	argv[n++] = sig;
	argv[n++] = "-t";
	argv[n++] = trusted;
	argv[n++] = "-c";
	argv[n++] = untrusted;
	argv[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		free(password);
		return r;
	}
	if (pid == 0) {
		if (password)
			dup2(pfd[0], 0);
		dup2(2, 1); /* minisign's chatter goes with ours on stderr */
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "kxboot publish: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (password) {
		/* minisign reads one line; a file without a final newline still ends it. The
		 * read end stays open here until the line is written, so a minisign that exits
		 * without reading (an unencrypted key) cannot raise SIGPIPE; the line is far
		 * smaller than a pipe's buffer. */
		if (write(pfd[1], password, plen) < 0 || (plen && password[plen - 1] != '\n' &&
							  write(pfd[1], "\n", 1) < 0))
			(void)0; /* minisign will say the password is wrong */
		close(pfd[1]);
		close(pfd[0]);
		explicit_bzero(password, plen);
		free(password);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "kxboot publish: minisign failed (status %d)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

static int parse_publish_args(struct publish *pb, int argc, char **argv)
{
	*pb = (struct publish){ .expires_days = PUBLISH_EXPIRES_DAYS_DEFAULT, .minisign = "minisign",
				.now = (int64_t)time(NULL) };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "--dir") && more) {
			pb->dir = argv[++i];
		} else if (!strcmp(a, "--rules") && more) {
			pb->rules = argv[++i];
		} else if (!strcmp(a, "--out") && more) {
			pb->out = argv[++i];
		} else if (!strcmp(a, "--secret-key") && more) {
			pb->secret_key = argv[++i];
		} else if (!strcmp(a, "--password-file") && more) {
			pb->password_file = argv[++i];
		} else if (!strcmp(a, "--public-key") && more) {
			pb->public_key = argv[++i];
		} else if (!strcmp(a, "--base-url") && more) {
			pb->base_url = argv[++i];
			if (!strstr(pb->base_url, "://")) {
				fprintf(stderr, "kxboot publish: --base-url wants an absolute URL\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--minisign") && more) {
			pb->minisign = argv[++i];
		} else if (!strcmp(a, "--expires-days") && more) {
			if (str_to_long(argv[++i], 10, &pb->expires_days) < 0 || pb->expires_days < 1 ||
			    pb->expires_days > 3650) {
				fprintf(stderr, "kxboot publish: --expires-days wants 1 to 3650\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--version") && more) {
			if (str_to_long(argv[++i], 10, &pb->version) < 0 || pb->version < 1) {
				fprintf(stderr, "kxboot publish: --version wants a number of 1 or more\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--now") && more) {
			/* For tests and reproducible output: the time the expiry counts from. */
			if (rfc3339_parse(argv[++i], &pb->now) < 0) {
				fprintf(stderr, "kxboot publish: --now wants an RFC 3339 time\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--legacy")) {
			pb->legacy = true;
		} else if (!strcmp(a, "--help")) {
			publish_usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "kxboot publish: unknown option '%s'\n", a);
			publish_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!pb->dir || !pb->rules || !pb->out || !pb->secret_key) {
		publish_usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* Build manifest.json's text from the rules file. */
static int build_manifest(struct publish *pb, json_t *rules_root, long version, char **ret)
{
	static const char *const keys[] = { "targets", "rules", "recovery", "report_url",
					    "min_version", "comment", NULL };
	const char *key;
	json_t *v;
	json_object_foreach(rules_root, key, v) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok |= !strcmp(*k, key);
		if (!ok) {
			fprintf(stderr, "kxboot publish: %s: unknown key \"%s\"\n", pb->rules, key);
			return -EINVAL;
		}
	}
	json_t *targets;
	int r = build_targets(pb, json_object_get(rules_root, "targets"), &targets);
	if (r < 0)
		return r;
	char expires[32];
	rfc3339_format(pb->now + (int64_t)pb->expires_days * 86400, expires);
	json_t *m = json_object();
	json_object_set_new(m, "version", json_integer(version));
	json_object_set_new(m, "expires", json_string(expires));
	if ((v = json_object_get(rules_root, "min_version")))
		json_object_set(m, "min_version", v);
	json_object_set_new(m, "targets", targets);
	json_t *rules = json_object_get(rules_root, "rules");
	json_object_set(m, "rules", rules ? rules : json_array());
	if ((v = json_object_get(rules_root, "recovery")))
		json_object_set(m, "recovery", v);
	if ((v = json_object_get(rules_root, "report_url")))
		json_object_set(m, "report_url", v);
	char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (!text)
		return -ENOMEM;
	*ret = xasprintf("%s\n", text);
	free(text);
	return 0;
}

int cmd_publish(int argc, char **argv)
{
	struct publish pb;
	int rc = parse_publish_args(&pb, argc, argv);
	if (rc >= 0)
		return rc;
	char err[768];
	long prev = 0;
	if (mkdir_p(pb.out) < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", pb.out, strerror(errno));
		return EXIT_FAIL;
	}
	if (previous_version(&pb, &prev) < 0 && !pb.version)
		return EXIT_FAIL;
	long version = pb.version ? pb.version : prev + 1;
	if (version <= prev) {
		fprintf(stderr, "kxboot publish: --version %ld is not above the published version %ld; "
				"machines that saw %ld would refuse it\n", version, prev, prev);
		return EXIT_USAGE;
	}
	char *text;
	size_t len;
	int r = file_read_all(pb.rules, MANIFEST_SIZE_MAX, &text, &len);
	if (r < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", pb.rules, strerror(-r));
		return EXIT_FAIL;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!json_is_object(root)) {
		fprintf(stderr, "kxboot publish: %s: line %d: %s\n", pb.rules, je.line,
			root ? "must be a JSON object" : je.text);
		json_decref(root);
		return EXIT_FAIL;
	}
	char *manifest_text = NULL;
	r = build_manifest(&pb, root, version, &manifest_text);
	json_decref(root);
	rc = EXIT_FAIL;
	_cleanup_free_ char *path = path_join(pb.out, "manifest.json");
	_cleanup_free_ char *sig_path = path_join(pb.out, "manifest.json.minisig");
	_cleanup_free_ char *tmp = path_join(pb.out, ".manifest.json.new");
	_cleanup_free_ char *tmp_sig = path_join(pb.out, ".manifest.json.new.minisig");
	struct manifest m;
	if (r < 0)
		goto out;
	/* The same checks /init makes, before anything is signed. */
	if (manifest_parse(manifest_text, strlen(manifest_text),
			   pb.base_url ? pb.base_url : "http://publish.invalid/manifest.json", &m, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", pb.rules, err);
		goto out;
	}
	manifest_free(&m);
	if ((r = write_file(tmp, manifest_text)) < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", tmp, strerror(-r));
		goto out;
	}
	char trusted[160], untrusted[96], expires[32];
	rfc3339_format(pb.now + (int64_t)pb.expires_days * 86400, expires);
	snprintf(trusted, sizeof(trusted), "timestamp:%lld\tfile:manifest.json\tversion:%ld\texpires:%s",
		 (long long)pb.now, version, expires);
	snprintf(untrusted, sizeof(untrusted), "kxboot manifest version %ld", version);
	if (run_minisign(&pb, tmp, tmp_sig, trusted, untrusted) < 0)
		goto out_unlink;
	if (pb.public_key) {
		/* Check the signature the way machines will before it replaces the old one. */
		struct minisign_keyring kr = { 0 };
		char *sig = NULL;
		size_t sig_len = 0;
		r = minisign_keyring_add_file(&kr, pb.public_key, err, sizeof(err));
		if (r == 0 && (r = file_read_all(tmp_sig, MINISIGN_SIG_FILE_MAX, &sig, &sig_len)) < 0)
			snprintf(err, sizeof(err), "%s: %s", tmp_sig, strerror(-r));
		if (r == 0)
			r = manifest_verify(&kr, NULL, manifest_text, strlen(manifest_text), sig,
					    sig_len, &m, NULL, err, sizeof(err));
		if (r == 0)
			manifest_free(&m);
		free(sig);
		minisign_keyring_free(&kr);
		if (r < 0) {
			fprintf(stderr, "kxboot publish: the new signature does not verify with %s: %s\n",
				pb.public_key, err);
			goto out_unlink;
		}
	}
	/* The signature first: a reader between the two renames sees a mismatch and retries,
	 * never a new manifest that verifies against nothing for long. */
	if (rename(tmp_sig, sig_path) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "kxboot publish: %s: %s\n", path, strerror(errno));
		goto out_unlink;
	}
	printf("published %s version %ld, expires %s (%u files added, %u kept)\n", path, version,
	       expires, pb.added, pb.kept);
	rc = EXIT_OK;
	goto out;
out_unlink:
	unlink(tmp);
	unlink(tmp_sig);
out:
	free(manifest_text);
	for (size_t i = 0; i < pb.n_stored; i++)
		free(pb.stored[i].name);
	free(pb.stored);
	return rc;
}
