/* test_bls.c — Boot Loader Specification type 1 (UAPI.1): keys, "Sorting" with UAPI.10's
 * version order, loader.conf (loader.conf(5)), GRUB's blscfg expansion of grubenv variables.
 * Each case is a set of files on an in-memory volume and the menu the specification gives. */
#include <errno.h>
#include <string.h>

#include "bls.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "memfs.h"
#include "test.h"
#include "util.h"

#define ESP "uuid:esp"

static const struct memfs_volume volumes[] = {
	{ .id = ESP, .uuid = "esp", .label = "ESP", .grub_name = "hd0,gpt1" },
	{ .id = "uuid:root", .uuid = "root", .label = "root", .grub_name = "hd0,gpt2" },
};

struct want_entry {
	const char *id;
	const char *title;
	const char *kernel;	/* NULL: not bootable */
	const char *cmdline;	/* NULL: none */
	const char *initrds;	/* joined by ' ' */
	const char *devicetree;
};

#define N_WANT 8
#define N_FILES 10
#define NOT_SET -2

struct bls_case {
	const char *name;
	struct memfs_file files[N_FILES];
	const char *config; /* directory (or file) given to the bls format */
	int want_r;
	size_t want_n; /* menu items, bootable or not */
	int want_default;
	int want_timeout; /* NOT_SET: no timeout */
	bool want_hidden;
	unsigned want_problems; /* warnings logged */
	struct want_entry want[N_WANT];
};

#define E(name, text) { .path = "/loader/entries/" name, .data = (text) }
#define SPEC_ENTRY \
	"# /boot/loader/entries/6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf\n" \
	"title        Fedora 19 (Rawhide)\n" \
	"sort-key     fedora\n" \
	"machine-id   6a9857a393724b7a981ebb5b8495b9ea\n" \
	"version      3.8.0-2.fc19.x86_64\n" \
	"options      root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 quiet\n" \
	"architecture x64\n" \
	"linux        /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/linux\n" \
	"initrd       /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/initrd\n"

static const struct bls_case cases[] = {
	{ "the specification's complete drop-in file",
	  { E("6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf", SPEC_ENTRY) },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64", "Fedora 19 (Rawhide)",
	      "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/linux",
	      "root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 quiet",
	      "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/initrd", NULL } } },
	{ "several initrd and options lines keep their order; devicetree; overlay ignored",
	  { E("a.conf", "title A\nlinux /vmlinuz\ninitrd /ucode.img\noptions root=/dev/sda1\n"
			"initrd /initrd.img\noptions   quiet  splash\ndevicetree dtb/board.dtb\n"
			"devicetree-overlay /o1.dtbo /o2.dtbo\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "a", "A", "/vmlinuz", "root=/dev/sda1 quiet  splash", "/ucode.img /initrd.img",
	      "/dtb/board.dtb" } } },
	{ "keys and values separated by any blanks; comments; CRLF; blank lines",
	  { E("a.conf", "\n# comment\n  title\t\tTabbed  Title  \r\n\tlinux\t/k\r\n#linux /other\n"
			"options\ta=1 \r\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "a", "Tabbed  Title", "/k", "a=1", "", NULL } } },
	{ "paths are absolute on the entries' volume, '/' optional, normalised",
	  { E("a.conf", "linux vmlinuz\ninitrd ./a//b/../initrd.img\ntitle T\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "a", "T", "/vmlinuz", NULL, "/a/initrd.img", NULL } } },
	{ "a later single-valued key replaces an earlier one",
	  { E("a.conf", "title One\nlinux /one\ntitle Two\nlinux /two\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "a", "Two", "/two", NULL, "", NULL } } },
	{ "without sort-key, decreasing version order of the file names (5.10.0-rc1 > 5.10 > "
	  "5.10~rc1 > 5.9); version keys play no part",
	  { E("linux-5.9.conf", "title 5.9\nversion 9\nlinux /a\n"),
	    E("linux-5.10.conf", "title 5.10\nversion 1\nlinux /a\n"),
	    E("linux-5.10.0-rc1.conf", "title 5.10.0-rc1\nversion 0\nlinux /a\n"),
	    E("linux-5.10~rc1.conf", "title 5.10~rc1\nlinux /a\n") },
	  "/loader/entries", 0, 4, 0, NOT_SET, false, 0,
	  { { "linux-5.10.0-rc1", "5.10.0-rc1", "/a", NULL, "", NULL },
	    { "linux-5.10", "5.10", "/a", NULL, "", NULL },
	    { "linux-5.10~rc1", "5.10~rc1", "/a", NULL, "", NULL },
	    { "linux-5.9", "5.9", "/a", NULL, "", NULL } } },
	{ "sort-key (A-Z), then machine-id (A-Z, unset first), then version (newest first); "
	  "entries with a sort-key before those without, which go by file name",
	  { E("a.conf", "title a\nsort-key fedora\nmachine-id 2222\nversion 5.9\nlinux /k\n"),
	    E("b.conf", "title b\nsort-key fedora\nmachine-id 2222\nversion 5.10\nlinux /k\n"),
	    E("c.conf", "title c\nsort-key fedora\nmachine-id 1111\nversion 1.0\nlinux /k\n"),
	    E("d.conf", "title d\nsort-key debian\nmachine-id 9999\nversion 6.1\nlinux /k\n"),
	    E("e.conf", "title e\nmachine-id 0000\nversion 99\nlinux /k\n"),
	    E("f.conf", "title f\nlinux /k\n"),
	    E("g.conf", "title g\nsort-key fedora\nversion 0.1\nlinux /k\n") },
	  "/loader/entries", 0, 7, 0, NOT_SET, false, 0,
	  { { "d", "d", "/k", NULL, "", NULL },
	    { "g", "g", "/k", NULL, "", NULL },
	    { "c", "c", "/k", NULL, "", NULL },
	    { "b", "b", "/k", NULL, "", NULL },
	    { "a", "a", "/k", NULL, "", NULL },
	    { "f", "f", "/k", NULL, "", NULL },
	    { "e", "e", "/k", NULL, "", NULL } } },
	{ "equal sort-key, machine-id and version: file names decide, newest first",
	  { E("os-1.conf", "sort-key os\nmachine-id 1\nversion 2\nlinux /k\n"),
	    E("os-2.conf", "sort-key os\nmachine-id 1\nversion 2\nlinux /k\n"),
	    E("os-10.conf", "sort-key os\nmachine-id 1\nversion 2\nlinux /k\n") },
	  "/loader/entries", 0, 3, 0, NOT_SET, false, 0,
	  { { "os-10", "2", "/k", NULL, "", NULL },
	    { "os-2", "2", "/k", NULL, "", NULL },
	    { "os-1", "2", "/k", NULL, "", NULL } } },
	{ "boot counting: entries with no tries left sort last; the counter is not in the id",
	  { E("a+0-3.conf", "title a\nlinux /k\n"),
	    E("b+2-1.conf", "title b\nlinux /k\n"),
	    E("c.conf", "title c\nlinux /k\n"),
	    E("z+0.conf", "title z\nsort-key first\nlinux /k\n") },
	  "/loader/entries", 0, 4, 0, NOT_SET, false, 0,
	  { { "c", "c", "/k", NULL, "", NULL },
	    { "b", "b", "/k", NULL, "", NULL },
	    { "z", "z", "/k", NULL, "", NULL },
	    { "a", "a", "/k", NULL, "", NULL } } },
#if defined(__x86_64__)
	{ "architecture: another one is hidden, the local one matches in any case",
	  { E("arm.conf", "title arm\narchitecture aa64\nlinux /k\n"),
	    E("x.conf", "title x\narchitecture X64\nlinux /k\n"),
	    E("any.conf", "title any\nlinux /k\n") },
	  "/loader/entries", 0, 2, 0, NOT_SET, false, 0,
	  { { "x", "x", "/k", NULL, "", NULL }, { "any", "any", "/k", NULL, "", NULL } } },
#endif
	{ "title missing: the version, else the kernel (never the file name)",
	  { E("aaa.conf", "version 6.1.0-13-amd64\nlinux /vmlinuz-6.1\n"),
	    E("bbb.conf", "linux /vmlinuz-x\n") },
	  "/loader/entries", 0, 2, 0, NOT_SET, false, 0,
	  { { "bbb", "/vmlinuz-x", "/vmlinuz-x", NULL, "", NULL },
	    { "aaa", "6.1.0-13-amd64", "/vmlinuz-6.1", NULL, "", NULL } } },
	{ "efi entries are listed but kexec cannot start them",
	  { E("win.conf", "title Windows\nefi /EFI/Microsoft/Boot/bootmgfw.efi\n"),
	    E("lin.conf", "title Linux\nlinux /k\n") },
	  "/loader/entries", 0, 2, 0, NOT_SET, false, 0,
	  { { "win", "Windows", NULL, NULL, "", NULL },
	    { "lin", "Linux", "/k", NULL, "", NULL } } },
	{ "garbage: no linux/efi key, NUL bytes, not .conf, hidden; the good entry stays",
	  { E("empty.conf", ""),
	    E("keys.conf", "title only a title\nversion 1\n"),
	    { .path = "/loader/entries/nul.conf", .data = "title x\0linux /k\n", .len = 17 },
	    E("good.conf", "title good\nlinux /k\n"),
	    E("notes.txt", "linux /not-an-entry\n"),
	    E(".hidden.conf", "linux /hidden\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 3,
	  { { "good", "good", "/k", NULL, "", NULL } } },
	{ "loader.conf default is a glob on entry ids; the first match in menu order wins",
	  { E("fedora-5.9.conf", "linux /k\n"), E("fedora-5.10.conf", "linux /k\n"),
	    E("debian-6.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf",
	      .data = "# comment\ndefault  fedora-*\ntimeout 5\n" } },
	  "/loader/entries", 0, 3, 0, 5, false, 0,
	  { { .id = "fedora-5.10" }, { .id = "fedora-5.9" }, { .id = "debian-6" } } },
	{ "loader.conf default may name the file, .conf and all, and the last default wins",
	  { E("fedora-5.9.conf", "linux /k\n"), E("fedora-5.10.conf", "linux /k\n"),
	    E("debian-6.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "default debian*\ndefault *-5.9.conf\n" } },
	  "/loader/entries", 0, 3, 1, NOT_SET, false, 0,
	  { { .id = "fedora-5.10" }, { .id = "fedora-5.9" }, { .id = "debian-6" } } },
	{ "loader.conf default matching nothing: the first entry",
	  { E("b.conf", "linux /k\n"), E("a.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "default nothing-*\n" } },
	  "/loader/entries", 0, 2, 0, NOT_SET, false, 1, { { .id = "b" }, { .id = "a" } } },
	{ "loader.conf default @saved needs EFI variables: the first entry",
	  { E("b.conf", "linux /k\n"), E("a.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "default @saved\n" } },
	  "/loader/entries", 0, 2, 0, NOT_SET, false, 0, { { .id = "b" }, { .id = "a" } } },
	{ "loader.conf timeout menu-force waits for ever",
	  { E("a.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "timeout menu-force\n" } },
	  "/loader/entries", 0, 1, 0, -1, false, 0, { { .id = "a" } } },
	{ "loader.conf timeout menu-hidden boots at once with the menu hidden",
	  { E("a.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "timeout menu-hidden\n" } },
	  "/loader/entries", 0, 1, 0, 0, true, 0, { { .id = "a" } } },
	{ "loader.conf timeout 0 hides the menu; a bad timeout is ignored",
	  { E("a.conf", "linux /k\n"),
	    { .path = "/loader/loader.conf", .data = "timeout 0\ntimeout soon\n" } },
	  "/loader/entries", 0, 1, 0, 0, true, 1, { { .id = "a" } } },
	{ "/boot/loader/entries reads /boot/loader/loader.conf",
	  { { .path = "/boot/loader/entries/x-1.conf", .data = "linux /boot/k1\n" },
	    { .path = "/boot/loader/entries/x-2.conf", .data = "linux /boot/k2\n" },
	    { .path = "/boot/loader/loader.conf", .data = "default x-1\ntimeout 3\n" },
	    { .path = "/loader/loader.conf", .data = "default x-2\n" } },
	  "/boot/loader/entries", 0, 2, 1, 3, false, 0, { { .id = "x-2" }, { .id = "x-1" } } },
	{ "Fedora-style entries take $kernelopts and $tuned_* from /boot/grub2/grubenv",
	  { { .path = "/boot/loader/entries/f-5.18.conf",
	      .data = "title F\nlinux /boot/vmlinuz\ninitrd /boot/initramfs.img $tuned_initrd\n"
		      "options $kernelopts $tuned_params\n" },
	    { .path = "/boot/grub2/grubenv",
	      .data = "# GRUB Environment Block\nkernelopts=root=/dev/sda2 ro  quiet\n"
		      "tuned_params=\n#############\n" } },
	  "/boot/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f-5.18", "F", "/boot/vmlinuz", "root=/dev/sda2 ro quiet", "/boot/initramfs.img",
	      NULL } } },
	{ "grubenv found under /EFI/*/; ${var} form; tuned_initrd adds an initrd",
	  { E("f.conf", "linux /k\ninitrd /i.img ${tuned_initrd}\noptions ${kernelopts} x\n"),
	    { .path = "/EFI/BOOT/BOOTX64.EFI", .data = "MZ" },
	    { .path = "/EFI/fedora/grubenv",
	      .data = "# GRUB Environment Block\nkernelopts=root=LABEL=r\n"
		      "tuned_initrd=/tuned.img\n" } },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f", "/k", "/k", "root=LABEL=r x", "/i.img /tuned.img", NULL } } },
	{ "a variable set twice in the grubenv: the last value, as load_env leaves it",
	  { E("f.conf", "linux /k\noptions $kernelopts\n"),
	    { .path = "/grub2/grubenv",
	      .data = "# GRUB Environment Block\nkernelopts=first\nother=x\nkernelopts=last\n" } },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f", "/k", "/k", "last", "", NULL } } },
	{ "no grubenv: an unset variable expands to nothing",
	  { E("f.conf", "linux /k\noptions $kernelopts quiet\n") },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f", "/k", "/k", "quiet", "", NULL } } },
	{ "expanded options are split into words and joined as GRUB's loader does",
	  { E("f.conf", "linux /k\noptions $x foo=\"a b\" 'c d' e\\\"f \"$y\"\n"),
	    { .path = "/grub2/grubenv",
	      .data = "# GRUB Environment Block\nx=1   2\ny=3   4\n" } },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f", "/k", "/k", "1 2 \"foo=a b\" \"c d\" e\\\"f \"3   4\"", "", NULL } } },
	{ "options without variables stay as written, quotes and all",
	  { E("f.conf", "linux /k\noptions foo=\"a b\"  'c'\n"),
	    { .path = "/grub2/grubenv", .data = "# GRUB Environment Block\nx=1\n" } },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 0,
	  { { "f", "/k", "/k", "foo=\"a b\"  'c'", "", NULL } } },
	{ "a broken grubenv is ignored with a warning",
	  { E("f.conf", "linux /k\noptions $kernelopts q\n"),
	    { .path = "/grub2/grubenv", .data = "kernelopts=root=/dev/sda1\n" } },
	  "/loader/entries", 0, 1, 0, NOT_SET, false, 1,
	  { { "f", "/k", "/k", "q", "", NULL } } },
	{ "one entry file given on its own",
	  { { .path = "/fedora.conf", .data = SPEC_ENTRY "extra /x\nkey-without-value\n" } },
	  "/fedora.conf", 0, 1, 0, NOT_SET, false, 0,
	  { { "fedora", "Fedora 19 (Rawhide)",
	      "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/linux",
	      "root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 quiet",
	      "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/initrd", NULL } } },
	{ "one garbage file given on its own",
	  { { .path = "/x.conf", .data = "hello world\n" } },
	  "/x.conf", -EINVAL, 0, -1, NOT_SET, false, 1, { { .id = NULL } } },
	{ "a directory without entries is no config",
	  { E("notes.txt", "x"), { .path = "/loader/loader.conf", .data = "default x\n" } },
	  "/loader/entries", -ENOENT, 0, -1, NOT_SET, false, 1, { { .id = NULL } } },
};

static void join_initrds(const struct boot_entry *e, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < e->n_initrds; i++) {
		if (i)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, e->initrds[i].path, size - strlen(buf) - 1);
	}
}

static size_t count_files(const struct bls_case *c)
{
	size_t n = 0;
	while (n < N_FILES && c->files[n].path)
		n++;
	return n;
}

static void run_case(const struct bls_case *c)
{
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), c->files, count_files(c));
	struct menu m = { 0 };
	unsigned problems = log_problem_count();
	int r = config_load(&fs.lookup, ESP, c->config, &config_format_bls, &m);

	TEST_BEGIN(c->name);
	CHECK_INT(r, c->want_r);
	CHECK_INT(log_problem_count() - problems, c->want_problems);
	if (r == 0) {
		CHECK_STR(m.format, "bls");
		CHECK_STR(m.source_path, c->config);
		CHECK_INT(m.n_entries, c->want_n);
		CHECK_INT(m.default_index, c->want_default);
		CHECK_INT(m.has_timeout ? m.timeout : NOT_SET, c->want_timeout);
		CHECK_INT(m.hidden, c->want_hidden);
		for (size_t i = 0; i < m.n_entries && i < N_WANT && c->want[i].id; i++) {
			const struct boot_entry *e = &m.entries[i];
			const struct want_entry *w = &c->want[i];
			CHECK_STR(e->id, w->id);
			CHECK_INT(e->depth, 1);
			CHECK_INT(e->levels[0].index, i);
			if (!w->title)
				continue; /* only the order is checked */
			char initrds[512];
			join_initrds(e, initrds, sizeof(initrds));
			CHECK_STR(e->title, w->title);
			CHECK_INT(e->bootable, w->kernel != NULL);
			CHECK_INT(e->kind, BOOT_KIND_LINUX);
			CHECK_STR(e->kernel.path, w->kernel);
			if (w->kernel)
				CHECK_STR(e->kernel.device, ESP);
			CHECK_STR(e->cmdline, w->cmdline);
			CHECK_STR(initrds, w->initrds);
			CHECK_STR(e->devicetree.path, w->devicetree);
			for (size_t k = 0; k < e->n_initrds; k++)
				CHECK_STR(e->initrds[k].device, ESP);
			CHECK(e->source_file && strstr(e->source_file, ".conf"));
		}
	}
	TEST_END();
	menu_free(&m);
}

/* ---- GRUB's blscfg: bls_append_entries ---------------------------------------------- */

static const char *test_getvar(void *ctx, const char *name)
{
	if (strcmp(name, "kernelopts") == 0)
		return "root=/dev/vda2 ro";
	return NULL;
}

static void test_blscfg(void)
{
	static const struct memfs_file files[] = {
		{ .device = "uuid:root", .path = "/boot/loader/entries/m-6.1.conf",
		  .data = "title Linux 6.1\nlinux /boot/vmlinuz-6.1\n"
			  "initrd /boot/i-6.1 $tuned_initrd\noptions $kernelopts extra\n" },
		{ .device = "uuid:root", .path = "/boot/loader/entries/m-6.2.conf",
		  .data = "title Linux 6.2\nlinux /boot/vmlinuz-6.2\noptions $kernelopts\n" },
		{ .device = "uuid:root", .path = "/boot/loader/entries/win.conf",
		  .data = "title Windows\nefi /EFI/win.efi\n" },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, ARRAY_SIZE(files));
	struct menu_level parent = { .title = "Advanced", .id = "adv", .index = 2 };
	struct menu m = { 0 };
	struct bls_options opts = { .getvar = test_getvar };
	int r;

	TEST_BEGIN("blscfg: entries appended under the given menu position, variables expanded, "
		   "efi-only files left out as GRUB's blscfg does");
	r = bls_append_entries(&fs.lookup, "uuid:root", "/boot/loader/entries", &opts, &m,
				   &parent, 1, 5);
	CHECK_INT(r, 2);
	CHECK_INT(m.n_entries, 2);
	if (m.n_entries == 2) {
		CHECK_STR(m.entries[0].id, "m-6.2");
		CHECK_STR(m.entries[0].cmdline, "root=/dev/vda2 ro");
		CHECK_STR(m.entries[1].id, "m-6.1");
		CHECK_STR(m.entries[1].cmdline, "root=/dev/vda2 ro extra");
		CHECK_INT(m.entries[1].n_initrds, 1);
		CHECK_STR(m.entries[1].kernel.device, "uuid:root");
		CHECK_INT(m.entries[0].depth, 2);
		CHECK_STR(m.entries[0].levels[0].title, "Advanced");
		CHECK_INT(m.entries[0].levels[0].index, 2);
		CHECK_INT(m.entries[0].levels[1].index, 5);
		CHECK_INT(m.entries[1].levels[1].index, 6);
	}
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("blscfg without getvar: options and initrds as written, for GRUB to expand");
	r = bls_append_entries(&fs.lookup, "uuid:root", "/boot/loader/entries", NULL, &m, NULL, 0,
			       0);
	CHECK_INT(r, 2);
	if (m.n_entries == 2) {
		CHECK_STR(m.entries[1].cmdline, "$kernelopts extra");
		CHECK_INT(m.entries[1].n_initrds, 1);
		CHECK_STR(m.entries[1].initrds[0].path, "/boot/i-6.1 $tuned_initrd");
		CHECK_INT(m.entries[0].levels[0].index, 0);
	}
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("blscfg: a missing directory is an error, an empty one is not");
	CHECK_INT(bls_append_entries(&fs.lookup, "uuid:root", "/loader/entries", NULL, &m, NULL, 0,
				     0), -ENOENT);
	CHECK_INT(bls_append_entries(&fs.lookup, "uuid:esp", "/", NULL, &m, NULL, 0, 0), 0);
	CHECK_INT(m.n_entries, 0);
	menu_free(&m);
	TEST_END();
}

/* BLS_ENTRIES_MAX: files beyond it are not read, with a warning. */
static void test_entries_limit(void)
{
	size_t n = BLS_ENTRIES_MAX + 10;
	struct memfs_file *files = xcalloc(n, sizeof(*files));
	char **paths = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		paths[i] = xasprintf("/loader/entries/e%05zu.conf", i);
		files[i] = (struct memfs_file){ .path = paths[i], .data = "linux /k\n" };
	}
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, n);
	struct menu m = { 0 };
	unsigned problems = log_problem_count();
	TEST_BEGIN("more than BLS_ENTRIES_MAX entry files: the first ones are read, with a "
		   "warning");
	CHECK_INT(config_load(&fs.lookup, ESP, "/loader/entries", &config_format_bls, &m), 0);
	CHECK_INT(m.n_entries, BLS_ENTRIES_MAX);
	CHECK_INT(log_problem_count() - problems, 1);
	if (m.n_entries)
		CHECK_STR(m.entries[0].id, "e01023"); /* newest first among those read */
	TEST_END();
	menu_free(&m);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(files);
}

/* An entry file larger than CONFIG_FILE_MAX is not read; a line longer than
 * CONFIG_LINE_MAX is left out of its entry. */
static void test_file_limit(void)
{
	size_t len = CONFIG_FILE_MAX + 1;
	char *big = xmalloc(len + 1);
	memset(big, '#', len);
	big[len] = '\0';
	struct strbuf long_line = { 0 };
	strbuf_adds(&long_line, "linux /l\noptions ");
	for (unsigned i = 0; i < CONFIG_LINE_MAX; i++)
		strbuf_addc(&long_line, 'x');
	strbuf_adds(&long_line, "\noptions short\n");
	const struct memfs_file files[] = {
		{ .path = "/loader/entries/big.conf", .data = big, .len = len },
		{ .path = "/loader/entries/ok.conf", .data = "linux /k\n" },
		{ .path = "/loader/entries/long.conf", .data = long_line.buf,
		  .len = long_line.len },
	};
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, ARRAY_SIZE(files));
	struct menu m = { 0 };
	unsigned problems = log_problem_count();
	TEST_BEGIN("an entry file over CONFIG_FILE_MAX is skipped, a line over CONFIG_LINE_MAX "
		   "left out, each with a warning");
	CHECK_INT(config_load(&fs.lookup, ESP, "/loader/entries", &config_format_bls, &m), 0);
	CHECK_INT(m.n_entries, 2);
	CHECK_INT(log_problem_count() - problems, 2);
	if (m.n_entries == 2) {
		CHECK_STR(m.entries[0].id, "ok");
		CHECK_STR(m.entries[1].id, "long");
		CHECK_STR(m.entries[1].cmdline, "short");
	}
	TEST_END();
	menu_free(&m);
	strbuf_free(&long_line);
	free(big);
}

int main(void)
{
	log_max_level = LOG_ERR;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	test_blscfg();
	test_entries_limit();
	test_file_limit();
	TEST_EXIT();
}
