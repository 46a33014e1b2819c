/* test_manifest.c — signed manifests (docs/manifest.md): parsing and validation tables, RFC 3339
 * times, selection and rollout cohorts over 10,000 machines, freshness and rollback, the
 * "highest version seen" file, signatures made by the real minisign (minisign_vectors.h),
 * artifacts that differ from the manifest, command lines, and boot reports POSTed to a real
 * HTTP peer on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "limits.h"
#include "log.h"
#include "manifest.h"
#include "minisign_vectors.h"
#include "net/fetch.h"
#include "test.h"
#include "util.h"

/* JSON written with ' for " (readable tables); J() turns it into JSON. */
static char *J(const char *s)
{
	char *o = xstrdup(s);
	for (char *p = o; *p; p++)
		if (*p == '\'')
			*p = '"';
	return o;
}

#define H_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" /* "abc" */
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define K "{'url':'k','sha256':'" H1 "','size':3}"
#define TGT "{'kernel':" K "}"
#define HEAD "'version':1,'expires':'2099-01-01T00:00:00Z'"
#define TARGETS "'targets':{'t':" TGT "}"
#define RULES "'rules':[{'match':{'any':true},'target':'t'}]"
#define BASE_URL "http://boot.example/fleet/manifest.json"

/* The full example of docs/manifest.md. */
static const char full_example[] =
	"{'version': 42, 'expires': '2099-01-01T00:00:00Z', 'min_version': 40,\n"
	" 'targets': {\n"
	"  'stable': {'kernel': {'url': 'by-hash/" H1 "/vmlinuz-6.1.0-17-amd64', 'sha256': '" H1
	"', 'size': 7982016},\n"
	"             'initrds': [{'url': 'by-hash/" H2 "/initrd.img-6.1.0-17-amd64', 'sha256': '" H2
	"', 'size': 31457280}],\n"
	"             'cmdline': 'root=/dev/xvda1 ro console=hvc0'},\n"
	"  'next': {'kernel': {'url': 'https://mirror.example/k/vmlinuz-6.1.0-18-amd64', 'sha256': '"
	H3 "', 'size': 7990000},\n"
	"           'initrds': [{'url': 'by-hash/" H2 "/initrd.img-6.1.0-17-amd64', 'sha256': '" H2
	"', 'size': 31457280}],\n"
	"           'cmdline': 'root=/dev/xvda1 ro console=hvc0 kxboot.target=stale'},\n"
	"  'rescue': {'kernel': {'url': '/rescue/vmlinuz', 'sha256': '" H_ABC "', 'size': 3},\n"
	"             'cmdline': 'rescue', 'comment': 'Debian installer rescue mode'}\n"
	" },\n"
	" 'rules': [\n"
	"  {'name': 'pinned', 'match': {'uuid': ['4C4C4544-0042-3510-8052-B4C04F4E4D32',\n"
	"                                        'ec2b8e3c-5b5e-4c0b-9d5e-1d2f3a4b5c6d']},\n"
	"   'target': 'stable'},\n"
	"  {'name': 'xen-canary', 'match': {'xen_uuid': '0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b'},\n"
	"   'target': 'next'},\n"
	"  {'name': 'lab', 'match': {'mac': ['52:54:00:AA:BB:CC', '52-54-00-00-00-01'],\n"
	"                            'hostname': 'lab-*'},\n"
	"   'target': 'next'},\n"
	"  {'name': 'web', 'match': {'hostname': ['web-??.example.com']}, 'salt': 'web-6.1.0-18',\n"
	"   'rollout': [{'target': 'next', 'percent': 25}]},\n"
	"  {'name': 'fleet', 'match': {'any': true}, 'salt': 'fleet-6.1.0-18',\n"
	"   'rollout': [{'target': 'next', 'percent': 10}, {'target': 'stable'}]}\n"
	" ],\n"
	" 'recovery': 'rescue',\n"
	" 'report_url': 'https://boot.example/report',\n"
	" 'comment': 'kxboot manifest example'}\n";

static int parse(const char *squoted, struct manifest *m, char *err, size_t err_len)
{
	char *text = J(squoted);
	int r = manifest_parse(text, strlen(text), BASE_URL, m, err, err_len);
	free(text);
	return r;
}

/* ---- a tiny HTTP peer on loopback for boot reports ------------------------------------- */

enum peer_mode { PEER_OK, PEER_SILENT, PEER_ERROR };

struct peer {
	int listen_fd;
	int port;
	enum peer_mode mode;
	pthread_t thread;
	char request[16384];
	size_t len;
};

static void *peer_run(void *arg)
{
	struct peer *p = arg;
	struct pollfd pfd = { .fd = p->listen_fd, .events = POLLIN };
	if (poll(&pfd, 1, 5000) <= 0)
		return NULL;
	int fd = accept(p->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	/* Read the headers and Content-Length bytes of body. */
	for (;;) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, p->request + p->len, sizeof(p->request) - 1 - p->len);
		if (n <= 0)
			break;
		p->len += (size_t)n;
		p->request[p->len] = '\0';
		char *end = strstr(p->request, "\r\n\r\n");
		char *cl = strcasestr(p->request, "Content-Length:");
		if (end && cl && p->len >= (size_t)(end + 4 - p->request) + strtoul(cl + 15, NULL, 10))
			break;
	}
	if (p->mode == PEER_SILENT) {
		/* Never answer: wait for the client to give up (or 5 s). */
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		char b[64];
		while (poll(&pfd, 1, 5000) > 0 && read(fd, b, sizeof(b)) > 0)
			;
	} else {
		const char *reply = p->mode == PEER_OK
					    ? "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
					    : "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		if (write(fd, reply, strlen(reply)) < 0)
			perror("peer write");
	}
	close(fd);
	return NULL;
}

static int peer_start(struct peer *p, enum peer_mode mode)
{
	*p = (struct peer){ .mode = mode };
	p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(p->listen_fd, 4) < 0 || getsockname(p->listen_fd, (struct sockaddr *)&a, &alen) < 0)
		return -errno;
	p->port = ntohs(a.sin_port);
	return pthread_create(&p->thread, NULL, peer_run, p) == 0 ? 0 : -EAGAIN;
}

static void peer_stop(struct peer *p)
{
	pthread_join(p->thread, NULL);
	close(p->listen_fd);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- deterministic "random" UUIDs --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_uuid(uint64_t *seed, char out[37])
{
	uint64_t a = splitmix64(seed), b = splitmix64(seed);
	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (unsigned long long)(b & 0xffffffffffffull));
}

#define MACHINES 10000

static struct manifest rollout_manifest(const char *salt, const char *stages)
{
	struct manifest m;
	char err[256];
	char *text = xasprintf("{" HEAD ",'targets':{'new':" TGT ",'old':" TGT ",'mid':" TGT "},"
			       "'rules':[{'match':{'any':true},'salt':'%s','rollout':%s}]}",
			       salt, stages);
	int r = parse(text, &m, err, sizeof(err));
	if (r < 0)
		printf("FAIL: %s: rollout manifest: %s\n", test_current, err);
	free(text);
	return m;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	log_max_level = LOG_ERR;
	unsetenv("http_proxy"), unsetenv("HTTP_PROXY"), unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY"), unsetenv("all_proxy"), unsetenv("ALL_PROXY");
	char err[768];
	struct manifest m;

	/* ---- the full example ---- */
	TEST_BEGIN("full example: fields, sorted targets, URLs resolved against the manifest's");
	CHECK_INT(parse(full_example, &m, err, sizeof(err)), 0);
	CHECK_INT(m.version, 42);
	CHECK_INT(m.min_version, 40);
	CHECK_INT(m.expires, 4070908800LL);
	CHECK_INT(m.n_targets, 3);
	CHECK_STR(m.targets[0].name, "next");
	CHECK_STR(m.targets[1].name, "rescue");
	CHECK_STR(m.targets[2].name, "stable");
	const struct manifest_target *stable = manifest_target_find(&m, "stable");
	CHECK(stable != NULL);
	CHECK_STR(stable->kernel.url, "http://boot.example/fleet/by-hash/" H1 "/vmlinuz-6.1.0-17-amd64");
	CHECK_INT(stable->kernel.size, 7982016);
	CHECK_INT(stable->n_initrds, 1);
	CHECK_STR(stable->cmdline, "root=/dev/xvda1 ro console=hvc0");
	CHECK_STR(manifest_target_find(&m, "next")->kernel.url,
		  "https://mirror.example/k/vmlinuz-6.1.0-18-amd64");
	CHECK_STR(manifest_target_find(&m, "rescue")->kernel.url, "http://boot.example/rescue/vmlinuz");
	CHECK_STR(manifest_target_find(&m, "rescue")->cmdline, "rescue");
	CHECK(m.recovery == manifest_target_find(&m, "rescue"));
	CHECK_STR(m.report_url, "https://boot.example/report");
	CHECK_INT(m.n_rules, 5);
	CHECK_STR(m.rules[0].name, "pinned");
	CHECK_STR(m.rules[0].sel[MANIFEST_SEL_UUID].v[0], "4c4c4544-0042-3510-8052-b4c04f4e4d32");
	CHECK_STR(m.rules[2].sel[MANIFEST_SEL_MAC].v[1], "52:54:00:00:00:01");
	CHECK(m.rules[4].rollout);
	CHECK_INT(m.rules[4].stages[0].upto_bp, 1000);
	CHECK_INT(m.rules[4].stages[1].upto_bp, 10000);
	CHECK_INT(m.rules[3].n_stages, 1);
	CHECK_INT(m.rules[3].stages[0].upto_bp, 2500);
	TEST_END();

	/* ---- selection ---- */
	static const struct {
		const char *name, *uuid, *xen, *mac1, *mac2, *host;
		const char *target, *rule; /* NULL target: -ENOENT */
	} sel[] = {
		{ "SMBIOS UUID listed (upper-case in the manifest)", "4c4c4544-0042-3510-8052-b4c04f4e4d32",
		  NULL, NULL, NULL, NULL, "stable", "pinned" },
		{ "SMBIOS UUID given upper-case", "EC2B8E3C-5B5E-4C0B-9D5E-1D2F3A4B5C6D", NULL, NULL, NULL,
		  NULL, "stable", "pinned" },
		{ "Xen domain UUID", NULL, "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b", NULL, NULL, NULL, "next",
		  "xen-canary" },
		{ "first rule wins over a later one", "4c4c4544-0042-3510-8052-b4c04f4e4d32",
		  "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b", NULL, NULL, NULL, "stable", "pinned" },
		{ "MAC and hostname pattern both match (second MAC)", NULL, NULL, "02:00:00:00:00:09",
		  "52:54:00:aa:bb:cc", "lab-7", "next", "lab" },
		{ "MAC matches but hostname does not: rule skipped", "00000000-0000-0000-0000-00000000000a",
		  NULL, "52:54:00:00:00:01", NULL, "prod-7", "stable", "fleet" },
		{ "hostname '?' wildcards, case-insensitive", "00000000-0000-0000-0000-00000000000b", NULL,
		  NULL, NULL, "WEB-01.example.com", "stable", "fleet" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(sel); i++) {
		char name[128];
		snprintf(name, sizeof(name), "select: %s", sel[i].name);
		TEST_BEGIN(name);
		struct machine_identity id = { 0 };
		if (sel[i].uuid)
			CHECK_INT(machine_identity_set_uuid(&id, sel[i].uuid), 0);
		if (sel[i].xen)
			CHECK_INT(machine_identity_set_xen_uuid(&id, sel[i].xen), 0);
		if (sel[i].mac1)
			CHECK_INT(machine_identity_add_mac(&id, sel[i].mac1), 0);
		if (sel[i].mac2)
			CHECK_INT(machine_identity_add_mac(&id, sel[i].mac2), 0);
		if (sel[i].host)
			CHECK_INT(machine_identity_set_hostname(&id, sel[i].host), 0);
		struct manifest_choice c;
		int r = manifest_select(&m, &id, &c);
		CHECK_INT(r, sel[i].target ? 0 : -ENOENT);
		if (r == 0) {
			CHECK_STR(c.target->name, sel[i].target);
			CHECK_STR(c.rule->name, sel[i].rule);
		}
		TEST_END();
	}

	TEST_BEGIN("select: 'web' rollout of 25% and the fleet rule for the rest; why says so");
	{
		/* web-NN hosts: the ones whose bucket under "web-6.1.0-18" is < 2500 get "next"
		 * from rule 'web'; the others fall through to 'fleet'. */
		unsigned in_web = 0, total = 0;
		for (int n = 0; n < 100; n++) {
			struct machine_identity id = { 0 };
			char host[32], uuid[37];
			snprintf(host, sizeof(host), "web-%02d.example.com", n);
			snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012d", n);
			machine_identity_set_hostname(&id, host);
			machine_identity_set_uuid(&id, uuid);
			struct manifest_choice c;
			CHECK_INT(manifest_select(&m, &id, &c), 0);
			unsigned b = manifest_cohort_bucket("web-6.1.0-18", uuid);
			total++;
			if (b < 2500) {
				in_web++;
				CHECK_STR(c.rule->name, "web");
				CHECK_STR(c.target->name, "next");
				CHECK_INT(c.bucket, b);
				CHECK_INT(c.stage, 0);
				CHECK(strstr(c.why, "rollout") && strstr(c.why, uuid));
			} else {
				CHECK_STR(c.rule->name, "fleet");
			}
		}
		CHECK(in_web > 5 && in_web < 50);
	}
	TEST_END();

	TEST_BEGIN("select: no rule matches (no 'any' rule) -> -ENOENT; recovery stays available");
	{
		struct manifest m2;
		CHECK_INT(parse("{" HEAD "," TARGETS ",'recovery':'t','rules':[{'match':{'mac':"
				"'52:54:00:00:00:01'},'target':'t'}]}", &m2, err, sizeof(err)), 0);
		struct machine_identity id = { 0 };
		machine_identity_add_mac(&id, "52:54:00:00:00:02");
		struct manifest_choice c;
		CHECK_INT(manifest_select(&m2, &id, &c), -ENOENT);
		CHECK(c.target == NULL);
		CHECK(strstr(c.why, "no rule") != NULL);
		CHECK(m2.recovery != NULL);
		manifest_free(&m2);
	}
	TEST_END();

	/* ---- expected hashes for net_lookup ---- */
	TEST_BEGIN("manifest_expected: sha256 + size by absolute URL (host case-insensitive)");
	int64_t size = -1;
	const char *h = manifest_expected(&m, "http://boot.example/fleet/by-hash/" H2
					     "/initrd.img-6.1.0-17-amd64", &size);
	CHECK_STR(h, H2);
	CHECK_INT(size, 31457280);
	h = manifest_expected(&m, "HTTPS://Mirror.Example/k/vmlinuz-6.1.0-18-amd64", &size);
	CHECK_STR(h, H3);
	size = -1;
	CHECK(manifest_expected(&m, "https://mirror.example/k/VMLINUZ-6.1.0-18-amd64", &size) == NULL);
	CHECK(manifest_expected(&m, "http://boot.example/fleet/manifest.json", &size) == NULL);
	CHECK_INT(size, -1);
	TEST_END();

	/* ---- command lines ---- */
	TEST_BEGIN("cmdline: kxboot.target= and manifest_version= appended, stale ones removed");
	char *cl;
	cl = manifest_cmdline(&m, manifest_target_find(&m, "next"));
	CHECK_STR(cl, "root=/dev/xvda1 ro console=hvc0 kxboot.target=next kxboot.manifest_version=42");
	free(cl);
	TEST_END();
	manifest_free(&m);

	static const struct {
		const char *in, *want;
	} cmdlines[] = {
		{ "", "kxboot.target=t kxboot.manifest_version=1" },
		{ "  ro   quiet ", "ro quiet kxboot.target=t kxboot.manifest_version=1" },
		{ "ro -- single", "ro kxboot.target=t kxboot.manifest_version=1 -- single" },
		{ "a=\"x y\" kxboot.manifest_version=9 b",
		  "a=\"x y\" b kxboot.target=t kxboot.manifest_version=1" },
		{ "kxboot.target kxboot.targets=keep", "kxboot.targets=keep kxboot.target=t "
						       "kxboot.manifest_version=1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cmdlines); i++) {
		char name[128];
		snprintf(name, sizeof(name), "cmdline: '%s'", cmdlines[i].in);
		TEST_BEGIN(name);
		/* Built with jansson: the command lines hold real double quotes. */
		char *skeleton = J("{" HEAD "," TARGETS "," RULES "}");
		json_t *root = json_loads(skeleton, 0, NULL);
		json_object_set_new(json_object_get(json_object_get(root, "targets"), "t"), "cmdline",
				    json_string(cmdlines[i].in));
		char *text = json_dumps(root, 0);
		CHECK_INT(manifest_parse(text, strlen(text), BASE_URL, &m, err, sizeof(err)), 0);
		if (m.n_targets) {
			char *cl = manifest_cmdline(&m, &m.targets[0]);
			CHECK_STR(cl, cmdlines[i].want);
			free(cl);
			manifest_free(&m);
		}
		free(text);
		json_decref(root);
		free(skeleton);
		TEST_END();
	}

	/* ---- validation: every field ---- */
	static const struct {
		const char *name, *json, *want; /* want: a piece of the error */
	} bad[] = {
		{ "not JSON", "{'version': 1,", "not valid JSON" },
		{ "trailing garbage", "{" HEAD "," TARGETS "," RULES "} x", "not valid JSON" },
		{ "an array", "[1]", "must be a JSON object" },
		{ "duplicate key", "{" HEAD ",'version':2," TARGETS "," RULES "}", "duplicate" },
		{ "unknown key", "{" HEAD "," TARGETS "," RULES ",'rule':[]}", "unknown key \"rule\"" },
		{ "comment not a string", "{" HEAD "," TARGETS "," RULES ",'comment':1}", "comment" },
		{ "version missing", "{'expires':'2099-01-01T00:00:00Z'," TARGETS "," RULES "}", "version" },
		{ "version 0", "{'version':0,'expires':'2099-01-01T00:00:00Z'," TARGETS "," RULES "}",
		  "version" },
		{ "version a string", "{'version':'1','expires':'2099-01-01T00:00:00Z'," TARGETS "," RULES
		  "}", "version" },
		{ "version a fraction", "{'version':1.5,'expires':'2099-01-01T00:00:00Z'," TARGETS ","
		  RULES "}", "version" },
		{ "version too big", "{'version':99999999999999999999,'expires':'2099-01-01T00:00:00Z',"
		  TARGETS "," RULES "}", "not valid JSON" },
		{ "min_version above version", "{" HEAD ",'min_version':2," TARGETS "," RULES "}",
		  "min_version" },
		{ "min_version negative", "{" HEAD ",'min_version':-1," TARGETS "," RULES "}",
		  "min_version" },
		{ "expires missing", "{'version':1," TARGETS "," RULES "}", "expires" },
		{ "expires not RFC 3339", "{'version':1,'expires':'2099-01-01'," TARGETS "," RULES "}",
		  "RFC 3339" },
		{ "expires a number", "{'version':1,'expires':4070908800," TARGETS "," RULES "}",
		  "expires" },
		{ "targets missing", "{" HEAD "," RULES "}", "targets" },
		{ "targets empty", "{" HEAD ",'targets':{}," RULES "}", "targets" },
		{ "target name with a space", "{" HEAD ",'targets':{'a b':" TGT "}," RULES "}",
		  "target name" },
		{ "target name too long", "{" HEAD ",'targets':{'"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa':" TGT "}," RULES "}",
		  "target name" },
		{ "kernel missing", "{" HEAD ",'targets':{'t':{'cmdline':'x'}}," RULES "}", "kernel" },
		{ "unknown target key", "{" HEAD ",'targets':{'t':{'kernel':" K ",'initrd':[]}}," RULES
		  "}", "unknown key \"initrd\"" },
		{ "sha256 63 digits", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'"
		  "111111111111111111111111111111111111111111111111111111111111111','size':3}}}," RULES
		  "}", "64 hex" },
		{ "sha256 not hex", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'"
		  "g111111111111111111111111111111111111111111111111111111111111111','size':3}}}," RULES
		  "}", "64 hex" },
		{ "sha256 missing", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','size':3}}}," RULES "}",
		  "sha256" },
		{ "size 0", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'" H1 "','size':0}}},"
		  RULES "}", "size" },
		{ "size negative", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'" H1
		  "','size':-3}}}," RULES "}", "size" },
		{ "size a string", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'" H1
		  "','size':'3'}}}," RULES "}", "size" },
		{ "size over the download cap", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'"
		  H1 "','size':4294967296}}}," RULES "}", "size" },
		{ "size missing", "{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'" H1 "'}}},"
		  RULES "}", "size" },
		{ "url empty", "{" HEAD ",'targets':{'t':{'kernel':{'url':'','sha256':'" H1 "','size':3}}},"
		  RULES "}", "empty" },
		{ "url with a space", "{" HEAD ",'targets':{'t':{'kernel':{'url':'a b','sha256':'" H1
		  "','size':3}}}," RULES "}", "space" },
		{ "url scheme kxboot cannot fetch", "{" HEAD ",'targets':{'t':{'kernel':{'url':"
		  "'ftp://x/k','sha256':'" H1 "','size':3}}}," RULES "}", "scheme" },
		{ "initrds not an array", "{" HEAD ",'targets':{'t':{'kernel':" K ",'initrds':" K "}},"
		  RULES "}", "initrds" },
		{ "same URL, two hashes", "{" HEAD ",'targets':{'t':" TGT ",'u':{'kernel':{'url':'k',"
		  "'sha256':'" H2 "','size':3}}}," RULES "}", "listed twice" },
		{ "cmdline with a newline", "{" HEAD ",'targets':{'t':{'kernel':" K ",'cmdline':'a\\nb'}},"
		  RULES "}", "control" },
		{ "NUL in a string", "{" HEAD ",'targets':{'t':{'kernel':" K ",'cmdline':'a\\u0000b'}},"
		  RULES "}", "not valid JSON" },
		{ "rules missing", "{" HEAD "," TARGETS "}", "rules" },
		{ "rule names an unknown target", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'target':'nope'}]}", "does not define" },
		{ "rollout names an unknown target", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'salt':'s','rollout':[{'target':'nope','percent':5}]}]}", "does not define" },
		{ "rule with target and rollout", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'target':'t','salt':'s','rollout':[{'target':'t'}]}]}", "either" },
		{ "rule with neither", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true}}]}", "either" },
		{ "match missing", "{" HEAD "," TARGETS ",'rules':[{'target':'t'}]}", "match" },
		{ "match empty", "{" HEAD "," TARGETS ",'rules':[{'match':{},'target':'t'}]}",
		  "selects nothing" },
		{ "any false", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':false},'target':'t'}]}",
		  "any" },
		{ "any with a uuid", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true,'uuid':"
		  "'4c4c4544-0042-3510-8052-b4c04f4e4d32'},'target':'t'}]}", "combined" },
		{ "unknown selector", "{" HEAD "," TARGETS ",'rules':[{'match':{'ip':'10.0.0.1'},"
		  "'target':'t'}]}", "unknown key \"ip\"" },
		{ "bad uuid", "{" HEAD "," TARGETS ",'rules':[{'match':{'uuid':'4c4c4544'},'target':'t'}]}",
		  "not a UUID" },
		{ "uuid without dashes", "{" HEAD "," TARGETS ",'rules':[{'match':{'uuid':"
		  "'4c4c454400423510805" "2b4c04f4e4d32'},'target':'t'}]}", "not a UUID" },
		{ "bad mac", "{" HEAD "," TARGETS ",'rules':[{'match':{'mac':['52:54:00:00:00']},"
		  "'target':'t'}]}", "not a MAC" },
		{ "mac with mixed separators", "{" HEAD "," TARGETS ",'rules':[{'match':{'mac':"
		  "'52:54-00:00:00:01'},'target':'t'}]}", "not a MAC" },
		{ "bad hostname", "{" HEAD "," TARGETS ",'rules':[{'match':{'hostname':'a/b'},"
		  "'target':'t'}]}", "host name" },
		{ "empty selector list", "{" HEAD "," TARGETS ",'rules':[{'match':{'mac':[]},"
		  "'target':'t'}]}", "empty list" },
		{ "selector value a number", "{" HEAD "," TARGETS ",'rules':[{'match':{'mac':[1]},"
		  "'target':'t'}]}", "strings" },
		{ "rollout without salt", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'rollout':[{'target':'t','percent':5}]}]}", "salt" },
		{ "salt on a plain rule", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'target':'t','salt':'s'}]}", "salt" },
		{ "percent 101", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},'salt':'s',"
		  "'rollout':[{'target':'t','percent':101}]}]}", "percent" },
		{ "percent -1", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},'salt':'s',"
		  "'rollout':[{'target':'t','percent':-1}]}]}", "percent" },
		{ "percent a string", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},'salt':'s',"
		  "'rollout':[{'target':'t','percent':'5'}]}]}", "percent" },
		{ "stages over 100 percent", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},"
		  "'salt':'s','rollout':[{'target':'t','percent':60},{'target':'t','percent':41}]}]}",
		  "more than 100" },
		{ "percent left out before the last stage", "{" HEAD "," TARGETS ",'rules':[{'match':"
		  "{'any':true},'salt':'s','rollout':[{'target':'t'},{'target':'t','percent':5}]}]}",
		  "last stage" },
		{ "empty rollout", "{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},'salt':'s',"
		  "'rollout':[]}]}", "non-empty" },
		{ "rule name with a space", "{" HEAD "," TARGETS ",'rules':[{'name':'a b','match':"
		  "{'any':true},'target':'t'}]}", "rule name" },
		{ "recovery unknown", "{" HEAD "," TARGETS "," RULES ",'recovery':'nope'}", "does not define" },
		{ "report_url ftp", "{" HEAD "," TARGETS "," RULES ",'report_url':'ftp://x/r'}",
		  "report_url" },
		{ "report_url tftp", "{" HEAD "," TARGETS "," RULES ",'report_url':'tftp://x/r'}",
		  "http" },
		{ "control character in a key", "{" HEAD "," TARGETS "," RULES ",'a\\u001bb':1}",
		  "unknown key \"a?b\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[128];
		snprintf(name, sizeof(name), "refused: %s", bad[i].name);
		TEST_BEGIN(name);
		err[0] = '\0';
		int r = parse(bad[i].json, &m, err, sizeof(err));
		CHECK_INT(r, -EBADMSG);
		if (r == 0)
			manifest_free(&m);
		if (!strstr(err, bad[i].want)) {
			printf("FAIL: %s: error \"%s\" does not say \"%s\"\n", name, err, bad[i].want);
			test_failures++;
		}
		TEST_END();
	}

	TEST_BEGIN("accepted: minimal manifest; fractional percent; percent 0; comments everywhere");
	CHECK_INT(parse("{" HEAD "," TARGETS "," RULES "}", &m, err, sizeof(err)), 0);
	CHECK(m.recovery == NULL && m.report_url == NULL && m.min_version == 0);
	manifest_free(&m);
	CHECK_INT(parse("{" HEAD "," TARGETS ",'rules':[{'match':{'any':true},'salt':'s','comment':"
			"'c','rollout':[{'target':'t','percent':0.25,'comment':'c'},{'target':'t',"
			"'percent':0}]}],'comment':'c'}", &m, err, sizeof(err)), 0);
	CHECK_INT(m.rules[0].stages[0].share_bp, 25);
	CHECK_INT(m.rules[0].stages[1].upto_bp, 25);
	manifest_free(&m);
	CHECK_INT(parse("{" HEAD "," TARGETS ",'rules':[]}", &m, err, sizeof(err)), 0);
	manifest_free(&m);
	TEST_END();

	TEST_BEGIN("oversized manifest: -EFBIG before any parsing");
	{
		size_t big = MANIFEST_SIZE_MAX + 1;
		char *text = xmalloc(big + 1);
		memset(text, ' ', big);
		text[big] = '\0';
		CHECK_INT(manifest_parse(text, big, BASE_URL, &m, err, sizeof(err)), -EFBIG);
		CHECK(strstr(err, "larger") != NULL);
		free(text);
	}
	TEST_END();

	TEST_BEGIN("deeply nested JSON is refused, not a crash");
	{
		size_t depth = 100000;
		char *text = xmalloc(2 * depth + 1);
		memset(text, '[', depth);
		memset(text + depth, ']', depth);
		text[2 * depth] = '\0';
		CHECK_INT(manifest_parse(text, 2 * depth, BASE_URL, &m, err, sizeof(err)), -EBADMSG);
		free(text);
	}
	TEST_END();

	TEST_BEGIN("no base URL: relative URLs kept as written");
	{
		char *text = J("{" HEAD "," TARGETS "," RULES "}");
		CHECK_INT(manifest_parse(text, strlen(text), NULL, &m, err, sizeof(err)), 0);
		CHECK_STR(m.targets[0].kernel.url, "k");
		manifest_free(&m);
		CHECK_INT(manifest_parse(text, strlen(text), "tftp://10.0.2.2/boot/m.json", &m, err,
					 sizeof(err)), 0);
		CHECK_STR(m.targets[0].kernel.url, "tftp://10.0.2.2/boot/k");
		manifest_free(&m);
		free(text);
		text = J("{" HEAD ",'targets':{'t':{'kernel':{'url':'../up/k','sha256':'" H1
			 "','size':3}}}," RULES "}");
		CHECK_INT(manifest_parse(text, strlen(text), "http://h:8080/a/b/m.json?x=1", &m, err,
					 sizeof(err)), 0);
		CHECK_STR(m.targets[0].kernel.url, "http://h:8080/a/up/k");
		manifest_free(&m);
		free(text);
	}
	TEST_END();

	/* ---- RFC 3339 ---- */
	static const struct {
		const char *in;
		int ok;
		long long want;
	} times[] = {
		{ "2024-06-01T12:00:00Z", 1, 1717243200 },
		{ "2024-06-01t12:00:00z", 1, 1717243200 },
		{ "2024-06-01 12:00:00-00:00", 1, 1717243200 },
		{ "2024-06-01T14:00:00+02:00", 1, 1717243200 },
		{ "2024-06-01T06:30:00-05:30", 1, 1717243200 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800 },
		{ "2000-02-29T23:59:59.999Z", 1, 951868799 },
		{ "1970-01-01T00:00:00Z", 1, 0 },
		{ "1969-12-31T23:59:59Z", 1, -1 },
		{ "2099-01-01T00:00:00Z", 1, 4070908800LL },
		{ "9999-12-31T23:59:59Z", 1, 253402300799LL },
		{ "2016-12-31T23:59:60Z", 1, 1483228800 }, /* leap second: the next second */
		{ "2023-02-29T00:00:00Z", 0, 0 },
		{ "1900-02-29T00:00:00Z", 0, 0 },
		{ "2024-13-01T00:00:00Z", 0, 0 },
		{ "2024-04-31T00:00:00Z", 0, 0 },
		{ "2024-06-01T24:00:00Z", 0, 0 },
		{ "2024-06-01T12:60:00Z", 0, 0 },
		{ "2024-06-01T12:00:61Z", 0, 0 },
		{ "2024-06-01T12:00:00", 0, 0 },
		{ "2024-06-01", 0, 0 },
		{ "2024-06-01T12:00:00+24:00", 0, 0 },
		{ "2024-06-01T12:00:00+0200", 0, 0 },
		{ "2024-06-01T12:00:00.Z", 0, 0 },
		{ "2024-06-01T12:00:00.1234567890Z", 0, 0 },
		{ "2024-06-01T12:00:00Zx", 0, 0 },
		{ "12024-06-01T12:00:00Z", 0, 0 },
		{ "2024-6-01T12:00:00Z", 0, 0 },
		{ "", 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
		char name[96];
		snprintf(name, sizeof(name), "RFC 3339 '%s'", times[i].in);
		TEST_BEGIN(name);
		int64_t t = 0;
		CHECK_INT(rfc3339_parse(times[i].in, &t), times[i].ok ? 0 : -EINVAL);
		if (times[i].ok)
			CHECK_INT(t, times[i].want);
		TEST_END();
	}
	TEST_BEGIN("RFC 3339 format");
	char when[32];
	rfc3339_format(1717243200, when);
	CHECK_STR(when, "2024-06-01T12:00:00Z");
	rfc3339_format(0, when);
	CHECK_STR(when, "1970-01-01T00:00:00Z");
	TEST_END();

	/* ---- cohorts ---- */
	static const struct {
		const char *salt, *key;
		unsigned bucket; /* computed with Python's hashlib, see docs/manifest.md */
	} buckets[] = {
		{ "k61", "11111111-2222-3333-4444-555555555555", 4006 },
		{ "kernel-6.1", "4c4c4544-0042-3510-8052-b4c04f4e4d32", 4078 },
		{ "", "52:54:00:12:34:56", 2898 },
		{ "rollout-2024-06", "00000000-0000-0000-0000-000000000001", 8260 },
	};
	TEST_BEGIN("cohort bucket = SHA-256(salt ':' key)[0..8] big-endian mod 10000 (known answers)");
	for (size_t i = 0; i < ARRAY_SIZE(buckets); i++)
		CHECK_INT(manifest_cohort_bucket(buckets[i].salt, buckets[i].key), buckets[i].bucket);
	TEST_END();

	{
		static char uuids[MACHINES][37];
		static bool was_new[MACHINES];
		uint64_t seed = 20240601;
		for (int i = 0; i < MACHINES; i++)
			random_uuid(&seed, uuids[i]);
		static const double percents[] = { 0, 1, 2.5, 5, 10, 20, 25, 33.3, 50, 75, 90, 99, 100 };
		for (size_t pi = 0; pi < ARRAY_SIZE(percents); pi++) {
			char name[128], stages[128];
			snprintf(name, sizeof(name),
				 "rollout %g%%: 10,000 random UUIDs within +-2 points, nobody leaves 'new'",
				 percents[pi]);
			TEST_BEGIN(name);
			snprintf(stages, sizeof(stages), "[{'target':'new','percent':%g},{'target':'old'}]",
				 percents[pi]);
			m = rollout_manifest("fleet-2024-06", stages);
			unsigned count = 0, left = 0;
			for (int i = 0; i < MACHINES; i++) {
				struct machine_identity id = { 0 };
				machine_identity_set_uuid(&id, uuids[i]);
				struct manifest_choice c;
				if (manifest_select(&m, &id, &c) < 0) {
					left++;
					continue;
				}
				bool is_new = !strcmp(c.target->name, "new");
				if (was_new[i] && !is_new)
					left++;
				was_new[i] = is_new;
				count += is_new;
			}
			double got = count * 100.0 / MACHINES;
			if (got < percents[pi] - 2 || got > percents[pi] + 2) {
				printf("FAIL: %s: %.2f%% got 'new'\n", name, got);
				test_failures++;
			}
			CHECK_INT(left, 0);
			manifest_free(&m);
			TEST_END();
		}

		TEST_BEGIN("three stages 10/20/70 over 10,000 machines, each within +-2 points");
		m = rollout_manifest("s3", "[{'target':'new','percent':10},{'target':'mid','percent':20},"
					   "{'target':'old'}]");
		unsigned n_new = 0, n_mid = 0, n_old = 0;
		for (int i = 0; i < MACHINES; i++) {
			struct machine_identity id = { 0 };
			machine_identity_set_uuid(&id, uuids[i]);
			struct manifest_choice c;
			CHECK_INT(manifest_select(&m, &id, &c), 0);
			n_new += !strcmp(c.target->name, "new");
			n_mid += !strcmp(c.target->name, "mid");
			n_old += !strcmp(c.target->name, "old");
		}
		CHECK(n_new >= 800 && n_new <= 1200);
		CHECK(n_mid >= 1800 && n_mid <= 2200);
		CHECK(n_old >= 6800 && n_old <= 7200);
		manifest_free(&m);
		TEST_END();

		TEST_BEGIN("different salts give independent cohorts (50% x 50% overlap ~ 25%)");
		unsigned both = 0;
		for (int i = 0; i < MACHINES; i++)
			both += manifest_cohort_bucket("rollout-a", uuids[i]) < 5000 &&
				manifest_cohort_bucket("rollout-b", uuids[i]) < 5000;
		CHECK(both >= 2300 && both <= 2700);
		TEST_END();

		TEST_BEGIN("a partial rollout lets the rest fall through to the next rule");
		{
			struct manifest m2;
			CHECK_INT(parse("{" HEAD ",'targets':{'new':" TGT ",'old':" TGT "},'rules':["
					"{'match':{'any':true},'salt':'p','rollout':[{'target':'new',"
					"'percent':30}]},{'match':{'any':true},'target':'old'}]}",
					&m2, err, sizeof(err)), 0);
			unsigned fell = 0;
			for (int i = 0; i < MACHINES; i++) {
				struct machine_identity id = { 0 };
				machine_identity_set_uuid(&id, uuids[i]);
				struct manifest_choice c;
				CHECK_INT(manifest_select(&m2, &id, &c), 0);
				fell += c.rule_index == 1 && !strcmp(c.target->name, "old");
			}
			CHECK(fell >= 6800 && fell <= 7200);
			manifest_free(&m2);
		}
		TEST_END();
	}

	TEST_BEGIN("cohort key: SMBIOS UUID, else Xen UUID, else lowest MAC, else hostname");
	{
		struct machine_identity id = { 0 };
		CHECK(machine_identity_cohort_key(&id) == NULL);
		machine_identity_set_hostname(&id, "Host-1");
		CHECK_STR(machine_identity_cohort_key(&id), "host-1");
		machine_identity_add_mac(&id, "52:54:00:00:00:09");
		machine_identity_add_mac(&id, "52-54-00-00-00-0A");
		machine_identity_add_mac(&id, "02:00:00:00:00:01");
		CHECK_STR(machine_identity_cohort_key(&id), "02:00:00:00:00:01");
		CHECK_INT(id.n_macs, 3);
		CHECK_STR(id.macs[2], "52:54:00:00:00:0a");
		machine_identity_set_xen_uuid(&id, "0B5A1C9E-7D7E-4B8A-9A2E-3C4D5E6F7A8B");
		CHECK_STR(machine_identity_cohort_key(&id), "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b");
		machine_identity_set_uuid(&id, "4c4c4544-0042-3510-8052-b4c04f4e4d32");
		CHECK_STR(machine_identity_cohort_key(&id), "4c4c4544-0042-3510-8052-b4c04f4e4d32");
		CHECK_INT(machine_identity_set_uuid(&id, "nope"), -EINVAL);
		CHECK_INT(machine_identity_add_mac(&id, "52:54:00:00:00"), -EINVAL);
		CHECK_INT(machine_identity_set_hostname(&id, "a b"), -EINVAL);
	}
	TEST_END();

	TEST_BEGIN("a machine with no identity lands in the last bucket (moves last)");
	{
		m = rollout_manifest("x", "[{'target':'new','percent':99.99},{'target':'old'}]");
		struct machine_identity id = { 0 };
		struct manifest_choice c;
		CHECK_INT(manifest_select(&m, &id, &c), 0);
		CHECK_STR(c.target->name, "old");
		CHECK_INT(c.bucket, 9999);
		manifest_free(&m);
	}
	TEST_END();

	/* ---- identity from sysfs ---- */
	char dir[] = "/tmp/kxboot-test-manifest.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	TEST_BEGIN("machine identity from a sysfs tree: UUIDs lower-cased, placeholders, lo skipped");
	{
		static const char *const dirs[] = { "class", "class/dmi", "class/dmi/id", "hypervisor",
						    "class/net", "class/net/lo", "class/net/eth1",
						    "class/net/eth0", "class/net/dummy0" };
		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
			char *p = path_join(dir, dirs[i]);
			mkdir(p, 0755);
			free(p);
		}
		static const struct {
			const char *file, *text;
		} files[] = {
			{ "class/dmi/id/product_uuid", "4C4C4544-0042-3510-8052-B4C04F4E4D32\n" },
			{ "hypervisor/uuid", "00000000-0000-0000-0000-000000000000\n" },
			{ "class/net/lo/address", "00:00:00:00:00:00\n" },
			{ "class/net/eth1/address", "52:54:00:12:34:57\n" },
			{ "class/net/eth0/address", "52:54:00:12:34:56\n" },
			{ "class/net/dummy0/address", "00:00:00:00:00:00\n" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			char *p = path_join(dir, files[i].file);
			write_text(p, files[i].text);
			free(p);
		}
		struct machine_identity id = { 0 };
		CHECK_INT(machine_identity_read(&id, dir), 0);
		CHECK_STR(id.uuid, "4c4c4544-0042-3510-8052-b4c04f4e4d32");
		CHECK_STR(id.xen_uuid, "");
		CHECK_INT(id.n_macs, 2);
		CHECK_STR(id.macs[0], "52:54:00:12:34:56");
		CHECK_STR(id.macs[1], "52:54:00:12:34:57");
		char *p = path_join(dir, "class/dmi/id/product_uuid");
		write_text(p, "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n");
		free(p);
		p = path_join(dir, "hypervisor/uuid");
		write_text(p, "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b\n");
		free(p);
		CHECK_INT(machine_identity_read(&id, dir), 0);
		CHECK_STR(id.uuid, "");
		CHECK_STR(id.xen_uuid, "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b");
		CHECK_INT(machine_identity_read(&id, "/nonexistent"), 0);
		CHECK_STR(id.uuid, "");
		CHECK_INT(id.n_macs, 0);
	}
	TEST_END();

	/* ---- freshness, rollback, state ---- */
	struct manifest_policy pol = { .now = 1717243200 };
	TEST_BEGIN("check: expired, at the instant of expiry, min_version floor, highest seen");
	CHECK_INT(parse("{'version':5,'min_version':5,'expires':'2024-06-01T12:00:01Z'," TARGETS ","
			RULES "}", &m, err, sizeof(err)), 0);
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), 0);
	pol.now++;
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), -EKEYEXPIRED);
	CHECK(strstr(err, "expired at 2024-06-01T12:00:01Z") != NULL);
	pol.now--;
	pol.min_version = 6;
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), -ESTALE);
	pol.min_version = 5;
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), 0);
	pol.have_highest_seen = true;
	pol.highest_seen = 5;
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), 0);
	pol.highest_seen = 6;
	CHECK_INT(manifest_check(&m, &pol, err, sizeof(err)), -ESTALE);
	CHECK(strstr(err, "rollback") != NULL);
	manifest_free(&m);
	TEST_END();

	char *state_path = path_join(dir, "manifest-state");
	TEST_BEGIN("state file: nothing yet, record, never lowered, atomic text, corrupt fails closed");
	{
		struct manifest_state st;
		manifest_state_file(&st, state_path);
		struct manifest_policy p = { 0 };
		CHECK_INT(manifest_state_apply(&st, &p, err, sizeof(err)), 0);
		CHECK(p.have_highest_seen);
		CHECK_INT(p.highest_seen, 0);
		CHECK_INT(manifest_state_record(&st, 7, err, sizeof(err)), 0);
		CHECK_INT(manifest_state_record(&st, 3, err, sizeof(err)), 0);
		char *text;
		size_t len;
		CHECK_INT(file_read_all(state_path, 100, &text, &len), 0);
		CHECK_STR(text, "highest_version=7\n");
		free(text);
		CHECK_INT(manifest_state_apply(&st, &p, err, sizeof(err)), 0);
		CHECK_INT(p.highest_seen, 7);
		/* The largest version JSON holds is still a valid state. */
		write_text(state_path, "highest_version=9223372036854775807\n");
		CHECK_INT(manifest_state_apply(&st, &p, err, sizeof(err)), 0);
		CHECK_INT(p.highest_seen, 9223372036854775807LL);
		write_text(state_path, "highest_version=7\n");
		static const char *const corrupt[] = { "", "highest_version=\n", "highest_version=x\n",
						       "highest_version=7\nextra\n", "7\n",
						       "highest_version=99999999999999999999\n" };
		for (size_t i = 0; i < ARRAY_SIZE(corrupt); i++) {
			write_text(state_path, corrupt[i]);
			CHECK_INT(manifest_state_apply(&st, &p, err, sizeof(err)), -EBADMSG);
			CHECK_INT(manifest_state_record(&st, 9, err, sizeof(err)), -EBADMSG);
		}
		CHECK(strstr(err, "corrupt") != NULL);
		unlink(state_path);
		struct manifest_state none = { 0 };
		p = (struct manifest_policy){ 0 };
		CHECK_INT(manifest_state_apply(&none, &p, err, sizeof(err)), 0);
		CHECK(!p.have_highest_seen);
		CHECK_INT(manifest_state_record(&none, 9, err, sizeof(err)), 0);
		manifest_state_file(&st, "/nonexistent-dir/state");
		CHECK(manifest_state_record(&st, 9, err, sizeof(err)) < 0);
	}
	TEST_END();

	/* ---- signatures from the real minisign ---- */
	struct minisign_keyring kr = { 0 };
	{
		char *pa = path_join(dir, "a.pub");
		write_text(pa, PUB_A);
		CHECK_INT(minisign_keyring_add_file(&kr, pa, err, sizeof(err)), 0);
		unlink(pa);
		free(pa);
	}
	struct minisign_verified v;
	TEST_BEGIN("verify: manifest signed by minisign (prehashed) is accepted");
	CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), SIG_M5,
				  strlen(SIG_M5), &m, &v, err, sizeof(err)), 0);
	CHECK_INT(m.version, 5);
	CHECK_STR(v.trusted_comment, "kxboot manifest m5");
	CHECK_STR(m.targets[0].kernel.url, "http://boot.example/fleet/k");
	minisign_verified_free(&v);
	manifest_free(&m);
	TEST_END();

	TEST_BEGIN("verify: tampered manifest (version 5 -> 6) is refused");
	{
		char *t = xstrdup(MANIFEST_M5);
		*strchr(t, '5') = '6';
		CHECK_INT(manifest_verify(&kr, BASE_URL, t, strlen(t), SIG_M5, strlen(SIG_M5), &m, NULL,
					  err, sizeof(err)), -EKEYREJECTED);
		CHECK(strstr(err, "bad signature") != NULL);
		free(t);
	}
	TEST_END();

	TEST_BEGIN("verify: tampered signature file is refused");
	{
		char *s = xstrdup(SIG_M5);
		char *line2 = strchr(s, '\n') + 1;
		line2[20] = line2[20] == 'A' ? 'B' : 'A';
		CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), s, strlen(s),
					  &m, NULL, err, sizeof(err)), -EKEYREJECTED);
		CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), "", 0, &m,
					  NULL, err, sizeof(err)), -EBADMSG);
		free(s);
	}
	TEST_END();

	TEST_BEGIN("verify: signed by an unknown key; no keys at all");
	CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), SIG_M5_BY_B,
				  strlen(SIG_M5_BY_B), &m, NULL, err, sizeof(err)), -ENOKEY);
	CHECK(strstr(err, "not one of the 1 trusted keys") != NULL);
	struct minisign_keyring none = { 0 };
	CHECK_INT(manifest_verify(&none, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), SIG_M5,
				  strlen(SIG_M5), &m, NULL, err, sizeof(err)), -ENOKEY);
	TEST_END();

	TEST_BEGIN("verify: a signed manifest with malformed JSON is refused after the signature");
	CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_MBAD, strlen(MANIFEST_MBAD), SIG_MBAD,
				  strlen(SIG_MBAD), &m, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "not valid JSON") != NULL);
	TEST_END();

	TEST_BEGIN("verify: oversized manifest refused before the signature is looked at");
	{
		char *t = xmalloc(MANIFEST_SIZE_MAX + 2);
		memset(t, ' ', MANIFEST_SIZE_MAX + 1);
		t[MANIFEST_SIZE_MAX + 1] = '\0';
		CHECK_INT(manifest_verify(&kr, BASE_URL, t, MANIFEST_SIZE_MAX + 1, SIG_M5, strlen(SIG_M5),
					  &m, NULL, err, sizeof(err)), -EFBIG);
		free(t);
	}
	TEST_END();

	TEST_BEGIN("signed but expired manifest: verify passes, check refuses");
	CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_MEXP, strlen(MANIFEST_MEXP), SIG_MEXP,
				  strlen(SIG_MEXP), &m, NULL, err, sizeof(err)), 0);
	pol = (struct manifest_policy){ .now = 1717243200 };
	CHECK_INT(manifest_accept(&m, &pol, NULL, err, sizeof(err)), -EKEYEXPIRED);
	manifest_free(&m);
	TEST_END();

	TEST_BEGIN("rollback: after version 5 was accepted, signed version 3 is refused");
	{
		uint64_t cell = 0;
		struct manifest_state st;
		manifest_state_memory(&st, &cell);
		CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M3, strlen(MANIFEST_M3), SIG_M3,
					  strlen(SIG_M3), &m, NULL, err, sizeof(err)), 0);
		CHECK_INT(manifest_accept(&m, &pol, &st, err, sizeof(err)), 0);
		CHECK_INT(cell, 3);
		manifest_free(&m);
		CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M5, strlen(MANIFEST_M5), SIG_M5,
					  strlen(SIG_M5), &m, NULL, err, sizeof(err)), 0);
		CHECK_INT(manifest_accept(&m, &pol, &st, err, sizeof(err)), 0);
		CHECK_INT(cell, 5);
		CHECK_INT(manifest_accept(&m, &pol, &st, err, sizeof(err)), 0); /* same again: fine */
		manifest_free(&m);
		CHECK_INT(manifest_verify(&kr, BASE_URL, MANIFEST_M3, strlen(MANIFEST_M3), SIG_M3,
					  strlen(SIG_M3), &m, NULL, err, sizeof(err)), 0);
		CHECK_INT(manifest_accept(&m, &pol, &st, err, sizeof(err)), -ESTALE);
		CHECK_INT(cell, 5);
		/* Without state, only min_version (a floor given out of band) stops it. */
		CHECK_INT(manifest_accept(&m, &pol, NULL, err, sizeof(err)), 0);
		struct manifest_policy floor = pol;
		floor.min_version = 4;
		CHECK_INT(manifest_accept(&m, &floor, NULL, err, sizeof(err)), -ESTALE);
		manifest_free(&m);
	}
	TEST_END();

	/* ---- manifest_fetch over file:// ---- */
	char *mpath = path_join(dir, "manifest.json"), *spath = xasprintf("%s.minisig", mpath);
	char *murl = xasprintf("file://%s", mpath);
	TEST_BEGIN("manifest_fetch: fetch + .minisig, verify, check, state recorded");
	{
		write_text(mpath, MANIFEST_M5);
		write_text(spath, SIG_M5);
		struct manifest_state st;
		manifest_state_file(&st, state_path);
		CHECK_INT(manifest_fetch(murl, &kr, &pol, &st, NULL, &m, &v, err, sizeof(err)), 0);
		CHECK_INT(m.version, 5);
		CHECK_STR(v.trusted_comment, "kxboot manifest m5");
		char *want = xasprintf("file://%s/k", dir);
		CHECK_STR(m.targets[0].kernel.url, want);
		free(want);
		minisign_verified_free(&v);
		manifest_free(&m);
		char *text;
		size_t len;
		CHECK_INT(file_read_all(state_path, 100, &text, &len), 0);
		CHECK_STR(text, "highest_version=5\n");
		free(text);
		/* An older one served later is a rollback. */
		write_text(mpath, MANIFEST_M3);
		write_text(spath, SIG_M3);
		CHECK_INT(manifest_fetch(murl, &kr, &pol, &st, NULL, &m, NULL, err, sizeof(err)), -ESTALE);
		/* A missing signature is a refusal. */
		unlink(spath);
		CHECK(manifest_fetch(murl, &kr, &pol, NULL, NULL, &m, NULL, err, sizeof(err)) < 0);
		CHECK(strstr(err, "signature") != NULL);
		unlink(state_path);
	}
	TEST_END();

	TEST_BEGIN("manifest_fetch: oversized manifest stops at MANIFEST_SIZE_MAX");
	{
		FILE *f = fopen(mpath, "w");
		for (unsigned i = 0; i < MANIFEST_SIZE_MAX + 10; i++)
			fputc(' ', f);
		fclose(f);
		write_text(spath, SIG_M5);
		CHECK_INT(manifest_fetch(murl, &kr, &pol, NULL, NULL, &m, NULL, err, sizeof(err)), -EFBIG);
		CHECK(strstr(err, "larger than") != NULL);
		unlink(mpath);
		unlink(spath);
	}
	TEST_END();

	/* ---- artifacts that differ from the manifest ---- */
	TEST_BEGIN("artifact hash or size differs from the manifest: fetch refuses it");
	{
		char *kpath = path_join(dir, "k");
		char *base = xasprintf("file://%s/manifest.json", dir);
		char *text = J("{" HEAD ",'targets':{'t':{'kernel':{'url':'k','sha256':'" H_ABC
			       "','size':3}}}," RULES "}");
		CHECK_INT(manifest_parse(text, strlen(text), base, &m, err, sizeof(err)), 0);
		static const struct {
			const char *content;
			int want, want_direct; /* through manifest_expected; manifest_fetch_artifact */
		} cases[] = { { "abc", 0, 0 },
			      { "abd", -EBADMSG, -EBADMSG },
			      { "abcd", -EBADMSG, -EFBIG }, /* stopped at the manifest's size */
			      { "ab", -EBADMSG, -EBADMSG } };
		for (size_t i = 0; i < ARRAY_SIZE(cases) && m.n_targets; i++) {
			write_text(kpath, cases[i].content);
			struct fetch_options o = { .expect_size = -1 };
			o.expect_sha256 = manifest_expected(&m, m.targets[0].kernel.url, &o.expect_size);
			CHECK(o.expect_sha256 != NULL);
			CHECK_INT(o.expect_size, 3);
			struct fetch_result res;
			int r = fetch_url(m.targets[0].kernel.url, &o, &res);
			CHECK_INT(r, cases[i].want);
			if (r == 0)
				fetch_result_free(&res);
			r = manifest_fetch_artifact(&m.targets[0].kernel, NULL, &res);
			CHECK_INT(r, cases[i].want_direct);
			if (r == 0) {
				CHECK_INT(res.size, 3);
				fetch_result_free(&res);
			}
		}
		manifest_free(&m);
		unlink(kpath);
		free(kpath);
		free(base);
		free(text);
	}
	TEST_END();

	/* ---- boot reports ---- */
	struct machine_identity rid = { 0 };
	machine_identity_set_uuid(&rid, "4c4c4544-0042-3510-8052-b4c04f4e4d32");
	machine_identity_add_mac(&rid, "52:54:00:12:34:56");
	machine_identity_set_hostname(&rid, "web-01");
	struct manifest_report rep = { .id = &rid, .target = "next", .rule = "fleet",
				       .outcome = MANIFEST_OUTCOME_BOOTING, .time = 1717243200 };
	CHECK_INT(parse("{'version':9,'expires':'2099-01-01T00:00:00Z'," TARGETS "," RULES
			",'report_url':'http://127.0.0.1:1/report'}", &m, err, sizeof(err)), 0);
	TEST_BEGIN("report JSON: machine identity, version, target, outcome, error");
	{
		rep.error = "fetch\tfailed\x1b[31m";
		char *text = manifest_report_json(&m, &rep);
		json_error_t je;
		json_t *root = json_loads(text, 0, &je);
		CHECK(root != NULL);
		CHECK_INT(json_integer_value(json_object_get(root, "manifest_version")), 9);
		CHECK_STR(json_string_value(json_object_get(root, "target")), "next");
		CHECK_STR(json_string_value(json_object_get(root, "rule")), "fleet");
		CHECK_STR(json_string_value(json_object_get(root, "outcome")), "booting");
		CHECK_STR(json_string_value(json_object_get(root, "time")), "2024-06-01T12:00:00Z");
		CHECK_STR(json_string_value(json_object_get(root, "error")), "fetch?failed?[31m");
		json_t *mach = json_object_get(root, "machine");
		CHECK_STR(json_string_value(json_object_get(mach, "uuid")),
			  "4c4c4544-0042-3510-8052-b4c04f4e4d32");
		CHECK(json_is_null(json_object_get(mach, "xen_uuid")));
		CHECK_STR(json_string_value(json_array_get(json_object_get(mach, "macs"), 0)),
			  "52:54:00:12:34:56");
		CHECK_STR(json_string_value(json_object_get(mach, "hostname")), "web-01");
		json_decref(root);
		free(text);
		rep.error = NULL;
		rep.outcome = MANIFEST_OUTCOME_FAILED;
		text = manifest_report_json(NULL, &rep);
		root = json_loads(text, 0, &je);
		CHECK(json_is_null(json_object_get(root, "manifest_version")));
		CHECK_STR(json_string_value(json_object_get(root, "outcome")), "failed");
		json_decref(root);
		free(text);
		rep.outcome = MANIFEST_OUTCOME_BOOTING;
	}
	TEST_END();

	struct peer peer;
	TEST_BEGIN("report POSTed to a real HTTP peer: JSON body, Content-Type");
	if (peer_start(&peer, PEER_OK) == 0) {
		free(m.report_url);
		m.report_url = xasprintf("http://127.0.0.1:%d/report", peer.port);
		CHECK_INT(manifest_report(&m, &rep, NULL, err, sizeof(err)), 0);
		peer_stop(&peer);
		CHECK(str_startswith(peer.request, "POST /report HTTP/1.1\r\n"));
		CHECK(strcasestr(peer.request, "Content-Type: application/json") != NULL);
		char *body = strstr(peer.request, "\r\n\r\n");
		CHECK(body && strstr(body, "\"outcome\":\"booting\"") && strstr(body, "\"target\":\"next\""));
	} else {
		CHECK(!"cannot start the loopback peer");
	}
	TEST_END();

	TEST_BEGIN("report to a peer that never answers gives up within about 2 s");
	if (peer_start(&peer, PEER_SILENT) == 0) {
		free(m.report_url);
		m.report_url = xasprintf("http://127.0.0.1:%d/report", peer.port);
		double t0 = now_s();
		CHECK_INT(manifest_report(&m, &rep, NULL, err, sizeof(err)), -ETIMEDOUT);
		double took = now_s() - t0;
		CHECK(took >= 1.5 && took < 3.5);
		peer_stop(&peer);
	}
	TEST_END();

	TEST_BEGIN("report: HTTP 500, nothing listening, no report_url");
	if (peer_start(&peer, PEER_ERROR) == 0) {
		free(m.report_url);
		m.report_url = xasprintf("http://127.0.0.1:%d/report", peer.port);
		CHECK_INT(manifest_report(&m, &rep, NULL, err, sizeof(err)), -EIO);
		CHECK(strstr(err, "500") != NULL);
		peer_stop(&peer);
	}
	{
		/* A port nobody listens on: bind one, learn it, close it. */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t alen = sizeof(a);
		bind(fd, (struct sockaddr *)&a, sizeof(a));
		getsockname(fd, (struct sockaddr *)&a, &alen);
		close(fd);
		free(m.report_url);
		m.report_url = xasprintf("http://127.0.0.1:%d/report", ntohs(a.sin_port));
		double t0 = now_s();
		CHECK_INT(manifest_report(&m, &rep, NULL, err, sizeof(err)), -EIO);
		CHECK(now_s() - t0 < 2.5);
		free(m.report_url);
		m.report_url = NULL;
		CHECK_INT(manifest_report(&m, &rep, NULL, err, sizeof(err)), 0);
	}
	TEST_END();
	manifest_free(&m);

	minisign_keyring_free(&kr);
	free(mpath), free(spath), free(murl), free(state_path);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("FAIL: cleanup: cannot remove %s\n", dir);
	free(cmd);
	TEST_EXIT();
}
