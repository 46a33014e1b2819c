/* test_grub_legacy.c — GRUB legacy 0.97 menu.lst, one case per rule of the GRUB Legacy manual
 * and of stage2 (cmain's title counting, get_line_from_config, safe_parse_maxint,
 * default/fallback/saved). Each case is a config plus files and the menu GRUB would show. */
#include <string.h>

#include "config.h"
#include "grub_legacy.h"
#include "limits.h"
#include "log.h"
#include "memfs.h"
#include "test.h"
#include "util.h"

#define CONFIG "/boot/grub/menu.lst"
#define BOOT "uuid:boot"

/* The config lives on hd0's first partition, known by its msdos name; hd0's second
 * partition is known by the bare name lookup resolves; a folder volume has no GRUB name. */
static const struct memfs_volume volumes[] = {
	{ .id = BOOT, .uuid = "boot", .grub_name = "hd0,msdos1" },
	{ .id = "uuid:root", .uuid = "root", .grub_name = "hd0,2" },
	{ .id = "uuid:folder", .uuid = "folder" },
};

struct want_entry {
	const char *title;
	const char *kernel; /* NULL: boots nothing kxboot can start */
	const char *device; /* of the kernel */
	const char *cmdline;
	const char *initrds; /* joined by ' ' */
	const char *modules; /* "path|cmdline" joined by ';' */
	bool multiboot;
	bool locked;
	unsigned line;
};

#define N_WANT 6
#define N_FILES 4
#define NOT_SET -2

struct legacy_case {
	const char *name;
	const char *text;
	struct memfs_file files[N_FILES]; /* besides the config */
	const char *device;		  /* the config's volume; NULL: BOOT */
	size_t want_n;			  /* menu items, bootable or not */
	int want_default;
	const char *want_fallback; /* indices joined by ' ' */
	int want_timeout;	   /* NOT_SET: none */
	bool want_hidden;
	unsigned want_problems; /* warnings */
	struct want_entry want[N_WANT];
};

static const struct legacy_case cases[] = {
	{ "Red Hat grub.conf: '=' after a command name, root (hd0,0) is the config's own",
	  "default=0\ntimeout=0\nsplashimage=(hd0,0)/grub/splash.xpm.gz\nhiddenmenu\n"
	  "title Red Hat Enterprise Linux (2.6.32)\n\troot (hd0,0)\n"
	  "\tkernel /vmlinuz-2.6.32 ro root=/dev/mapper/vg-root rhgb quiet\n"
	  "\tinitrd /initramfs-2.6.32.img\n",
	  { { 0 } }, NULL, 1, 0, "", 0, true, 0,
	  { { "Red Hat Enterprise Linux (2.6.32)", "/vmlinuz-2.6.32", BOOT,
	      "ro root=/dev/mapper/vg-root rhgb quiet", "/initramfs-2.6.32.img", "", false, false,
	      5 } } },
	{ "hiddenmenu without a timeout: GRUB shows the menu anyway",
	  "hiddenmenu\ntitle A\nkernel /a\n", { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 2 } } },
	{ "default N counts titles from 0",
	  "default 2\ntitle A\nkernel /a\ntitle B\nkernel /b\ntitle C\nkernel /c\n",
	  { { 0 } }, NULL, 3, 2, "", NOT_SET, false, 0,
	  { { .title = "A" }, { .title = "B" }, { .title = "C" } } },
	{ "numbers as safe_parse_maxint reads them: 0x hex, junk after the digits ignored",
	  "default 0x1\ntimeout 5s\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 1, "", 5, false, 0, { { .title = "A" }, { .title = "B" } } },
	{ "default that is no number is ignored",
	  "default first\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 0, "", NOT_SET, false, 1, { { .title = "A" } } },
	{ "default saved: the number in the file `default` next to the config",
	  "default saved\ntitle A\nkernel /a\ntitle B\nkernel /b\ntitle C\nkernel /c\n",
	  { { .path = "/boot/grub/default", .data = "2\n#\n# WARNING: do not edit\n" } },
	  NULL, 3, 2, "", NOT_SET, false, 0, { { .title = "A" } } },
	{ "default saved without the file `default`: entry 0",
	  "default saved\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 0, "", NOT_SET, false, 0, { { .title = "A" } } },
	{ "default saved with garbage in `default`: entry 0",
	  "default saved\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { .path = "/boot/grub/default", .data = "one\n" } },
	  NULL, 2, 0, "", NOT_SET, false, 0, { { .title = "A" } } },
	{ "GRUB compares `saved` exactly: a trailing blank makes it no number",
	  "default saved \ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { .path = "/boot/grub/default", .data = "1\n" } },
	  NULL, 2, 0, "", NOT_SET, false, 1, { { .title = "A" } } },
	{ "fallback list kept in order; numbers beyond the menu dropped; a repeat at the end "
	  "skipped",
	  "fallback 1 9 2 1\ntitle A\nkernel /a\ntitle B\nkernel /b\ntitle C\nkernel /c\n",
	  { { 0 } }, NULL, 3, 0, "1 2", NOT_SET, false, 1, { { .title = "A" } } },
	{ "fallback: a repeat followed by more fails the whole command (fallback_func)",
	  "fallback 1 1 2\ntitle A\nkernel /a\ntitle B\nkernel /b\ntitle C\nkernel /c\n",
	  { { 0 } }, NULL, 3, 0, "", NOT_SET, false, 1, { { .title = "A" } } },
	{ "fallback: a word that is no number fails the whole command",
	  "fallback 1 x\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 0, "", NOT_SET, false, 1, { { .title = "A" } } },
	{ "default beyond the menu: the first fallback entry, the list goes on from the second",
	  "default 7\nfallback 2 1\ntitle A\nkernel /a\ntitle B\nkernel /b\ntitle C\nkernel /c\n",
	  { { 0 } }, NULL, 3, 2, "1", NOT_SET, false, 0, { { .title = "A" } } },
	{ "default beyond the menu without fallback: entry 0",
	  "default 7\ntitle A\nkernel /a\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 0, "", NOT_SET, false, 0, { { .title = "A" } } },
	{ "a title without commands is no entry, so default counts only the others",
	  "default 1\ntitle A\n\ntitle B\nkernel /b\ntitle C\nkernel /c\ntitle D\n",
	  { { 0 } }, NULL, 2, 1, "", NOT_SET, false, 0,
	  { { "B", "/b", BOOT, NULL, "", "", false, false, 4 },
	    { "C", "/c", BOOT, NULL, "", "", false, false, 6 } } },
	{ "unknown commands are skipped and do not make a title an entry",
	  "title A\nlinux /a\ntitle B\nkernel /b\nfoo=bar\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 2,
	  { { "B", "/b", BOOT, NULL, "", "", false, false, 3 } } },
	{ "before the first title only menu commands run",
	  "kernel /x\nroot (hd0,1)\ntimeout 5\ntitle A\nkernel /a\n",
	  { { 0 } }, NULL, 1, 0, "", 5, false, 2,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 4 } } },
	{ "menu commands inside an entry make it an entry but do nothing",
	  "title A\ntimeout 9\ntitle B\nkernel /b\n",
	  { { 0 } }, NULL, 2, 0, "", NOT_SET, false, 1,
	  { { "A", NULL, NULL, NULL, "", "", false, false, 1 },
	    { "B", "/b", BOOT, NULL, "", "", false, false, 3 } } },
	{ "Xen: kernel xen.gz with module lines is a multiboot entry, modules in order",
	  "title Xen 4.1 / Linux 3.2\n\troot (hd0,0)\n\tkernel /xen.gz dom0_mem=1024M loglvl=all\n"
	  "\tmodule /vmlinuz-3.2-xen ro root=/dev/sda2 console=hvc0\n"
	  "\tmodule /initrd-3.2-xen.img\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "Xen 4.1 / Linux 3.2", "/xen.gz", BOOT, "dom0_mem=1024M loglvl=all", "",
	      "/vmlinuz-3.2-xen|ro root=/dev/sda2 console=hvc0;/initrd-3.2-xen.img|", true, false,
	      1 } } },
	{ "kernel --type=multiboot: an initrd line fails",
	  "title T\nkernel --type=multiboot /tboot.gz logging=serial\ninitrd /i\n"
	  "module /vmlinuz ro\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 1,
	  { { "T", "/tboot.gz", BOOT, "logging=serial", "", "/vmlinuz|ro", true, false, 1 } } },
	{ "kernel --type=linux: a module line loads the initrd, as module_func does",
	  "title T\nkernel --type=linux --no-mem-option /vmlinuz ro\nmodule /initrd.img\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "T", "/vmlinuz", BOOT, "ro", "/initrd.img", "", false, false, 1 } } },
	{ "initrd before kernel fails; a later initrd replaces an earlier one",
	  "title T\ninitrd /early\nkernel /k\ninitrd /i1\ninitrd /i2\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 1,
	  { { "T", "/k", BOOT, NULL, "/i2", "", false, false, 1 } } },
	{ "a second kernel line drops what the first one loaded",
	  "title T\nkernel /k1 a\ninitrd /i\nkernel /k2 b\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "T", "/k2", BOOT, "b", "", "", false, false, 1 } } },
	{ "devices: (hd0,1) is GRUB 2's hd0,2; (hd1,0) and (nd) unknown stay as written; a "
	  "device on the file wins over root; no root is the config's own",
	  "title A\nroot (hd0,1)\nkernel /vmlinuz\n"
	  "title B\nroot (hd1,0)\nkernel /vmlinuz\n"
	  "title C\nroot (hd0,1)\nkernel (hd0,0)/vmlinuz\ninitrd /initrd\n"
	  "title D\nkernel /vmlinuz\n"
	  "title E\nroot (nd)\nkernel /k\n"
	  "title F\nroot hd0\nkernel /k\n",
	  { { 0 } }, NULL, 6, 0, "", NOT_SET, false, 1,
	  { { "A", "/vmlinuz", "uuid:root", NULL, "", "", false, false, 1 },
	    { "B", "/vmlinuz", "(hd1,0)", NULL, "", "", false, false, 4 },
	    { "C", "/vmlinuz", BOOT, NULL, "/initrd", "", false, false, 7 },
	    { "D", "/vmlinuz", BOOT, NULL, "", "", false, false, 11 },
	    { "E", "/k", "(nd)", NULL, "", "", false, false, 13 },
	    { "F", "/k", BOOT, NULL, "", "", false, false, 16 } } },
	{ "a volume without a GRUB name: an unknown device is the config's own when the file "
	  "is there, else stays as written",
	  "title A\nroot (hd0)\nkernel /boot/vmlinuz\ntitle B\nroot (hd0)\nkernel /boot/missing\n",
	  { { .device = "uuid:folder", .path = "/boot/vmlinuz", .data = "" , .len = 0 } },
	  "uuid:folder", 2, 0, "", NOT_SET, false, 0,
	  { { "A", "/boot/vmlinuz", "uuid:folder", NULL, "", "", false, false, 1 },
	    { "B", "/boot/missing", "(hd0)", NULL, "", "", false, false, 4 } } },
	{ "lines: tabs are blanks, backslash-newline joins, '#' only at the start, CRs dropped; "
	  "a relative kernel is taken from the root",
	  "# comment \\\ntitle not-a-title\n\ttitle\tA # not a comment\r\n"
	  "kernel vmlinuz ro \\\n  quiet\n  # comment\ninitrd\t/boot/../i.img\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "A # not a comment", "/vmlinuz", BOOT, "ro    quiet", "/i.img", "", false, false,
	      3 } } },
	{ "title is the rest of the line after blanks or '='; trailing blanks dropped",
	  "title=  My  OS  \nkernel /k\n", { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "My  OS", "/k", BOOT, NULL, "", "", false, false, 1 } } },
	{ "a global password locks entries that use lock; a password in an entry locks it",
	  "password --md5 $1$abc$def\ntitle A\nkernel /a\ntitle B\nlock\nkernel /b\n"
	  "title C\npassword secret\nkernel /c\n",
	  { { 0 } }, NULL, 3, 0, "", NOT_SET, false, 0,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 2 },
	    { "B", "/b", BOOT, NULL, "", "", false, true, 4 },
	    { "C", "/c", BOOT, NULL, "", "", false, true, 7 } } },
	{ "lock without a global password does nothing",
	  "title A\nlock\nkernel /a\n", { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 1 } } },
	{ "chainloader, BSD kernels, configfile, reboot: items that boot nothing, still counted",
	  "default 4\ntitle Windows\nrootnoverify (hd0,1)\nmakeactive\nchainloader +1\n"
	  "title NetBSD\nkernel --type=netbsd /netbsd\n"
	  "title Other menu\nconfigfile /boot/grub/other.lst\n"
	  "title Linux then chainloader\nkernel /k\nchainloader +1\n"
	  "title Linux\nkernel /k\ntitle Reboot\nreboot\n",
	  { { 0 } }, NULL, 6, 4, "", NOT_SET, false, 0,
	  { { "Windows", NULL, NULL, NULL, "", "", false, false, 2 },
	    { "NetBSD", NULL, NULL, NULL, "", "", false, false, 6 },
	    { "Other menu", NULL, NULL, NULL, "", "", false, false, 8 },
	    { "Linux then chainloader", NULL, NULL, NULL, "", "", false, false, 10 },
	    { "Linux", "/k", BOOT, NULL, "", "", false, false, 13 } } },
	{ "boot, reboot and configfile end an entry: what follows never runs",
	  "title A\nkernel /a\nboot\nkernel /b\ntitle B\nconfigfile /other.lst\nkernel /k\n"
	  "title C\nkernel /c\nreboot\n",
	  { { 0 } }, NULL, 3, 0, "", NOT_SET, false, 0,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 1 },
	    { "B", NULL, NULL, NULL, "", "", false, false, 5 },
	    { "C", NULL, NULL, NULL, "", "", false, false, 8 } } },
	{ "display and bookkeeping commands are ignored quietly",
	  "color cyan/blue white/blue\nserial --unit=0 --speed=9600\n"
	  "terminal --timeout=5 serial console\n"
	  "splashimage (hd0,0)/grub/splash.xpm.gz\ngfxmenu (hd0,0)/message\ntitle A\nroot (hd0,0)\n"
	  "kernel /a\nsavedefault\nboot\n",
	  { { 0 } }, NULL, 1, 0, "", NOT_SET, false, 0,
	  { { "A", "/a", BOOT, NULL, "", "", false, false, 6 } } },
	{ "block lists and bare devices are no kernel files",
	  "title A\nkernel (hd0,0)+1\ntitle B\nkernel (hd0,0)\ntitle C\nkernel (hd0,0/k\n",
	  { { 0 } }, NULL, 3, 0, "", NOT_SET, false, 3,
	  { { "A", NULL, NULL, NULL, "", "", false, false, 1 } } },
	{ "empty config: no entries, nothing to boot",
	  "# nothing here\n\n", { { 0 } }, NULL, 0, -1, "", NOT_SET, false, 1,
	  { { .title = NULL } } },
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

static void join_modules(const struct boot_entry *e, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < e->n_modules; i++) {
		if (i)
			strncat(buf, ";", size - strlen(buf) - 1);
		strncat(buf, e->modules[i].file.path, size - strlen(buf) - 1);
		strncat(buf, "|", size - strlen(buf) - 1);
		strncat(buf, e->modules[i].cmdline, size - strlen(buf) - 1);
	}
}

static void join_fallback(const struct menu *m, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->n_fallback; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%d", i ? " " : "",
			 m->fallback[i]);
}

static void run_case(const struct legacy_case *c)
{
	const char *device = c->device ? c->device : BOOT;
	struct memfs_file files[N_FILES + 1] = {
		{ .device = device, .path = CONFIG, .data = c->text },
	};
	size_t n = 1;
	for (size_t i = 0; i < N_FILES && c->files[i].path; i++)
		files[n++] = c->files[i];
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, n);
	struct menu m = { 0 };
	unsigned problems = log_problem_count();
	int r = config_load(&fs.lookup, device, CONFIG, &config_format_grub_legacy, &m);

	TEST_BEGIN(c->name);
	CHECK_INT(r, 0);
	CHECK_INT(log_problem_count() - problems, c->want_problems);
	CHECK_STR(m.format, "grub-legacy");
	CHECK_STR(m.source_path, CONFIG);
	CHECK_STR(m.source_device, device);
	CHECK_INT(m.n_entries, c->want_n);
	CHECK_INT(m.default_index, c->want_default);
	char fallback[128];
	join_fallback(&m, fallback, sizeof(fallback));
	CHECK_STR(fallback, c->want_fallback);
	CHECK_INT(m.has_timeout ? m.timeout : NOT_SET, c->want_timeout);
	CHECK_INT(m.hidden, c->want_hidden);
	for (size_t i = 0; i < m.n_entries && i < N_WANT && c->want[i].title; i++) {
		const struct boot_entry *e = &m.entries[i];
		const struct want_entry *w = &c->want[i];
		CHECK_STR(e->title, w->title);
		CHECK(e->id == NULL);
		CHECK_INT(e->depth, 1);
		CHECK_INT(e->levels[0].index, i);
		if (!w->line)
			continue; /* only the title is checked */
		char initrds[512], modules[512];
		join_initrds(e, initrds, sizeof(initrds));
		join_modules(e, modules, sizeof(modules));
		CHECK_INT(e->bootable, w->kernel != NULL);
		CHECK_STR(e->kernel.path, w->kernel);
		CHECK_STR(e->kernel.device, w->device);
		CHECK_STR(e->cmdline, w->cmdline);
		CHECK_STR(initrds, w->initrds);
		CHECK_STR(modules, w->modules);
		CHECK_INT(e->kind, w->multiboot ? BOOT_KIND_MULTIBOOT : BOOT_KIND_LINUX);
		CHECK_INT(e->locked, w->locked);
		CHECK_STR(e->source_file, CONFIG);
		CHECK_INT(e->source_line, w->line);
	}
	TEST_END();
	menu_free(&m);
}

/* MENU_ENTRIES_MAX entries at most; an over-long line is left out. */
static void test_limits(void)
{
	struct strbuf sb = { 0 };
	for (unsigned i = 0; i < MENU_ENTRIES_MAX + 5; i++)
		strbuf_addf(&sb, "title %u\nkernel /k%u\n", i, i);
	strbuf_adds(&sb, "title long\nkernel /k ");
	for (unsigned i = 0; i < CONFIG_LINE_MAX; i++)
		strbuf_addc(&sb, 'x');
	strbuf_adds(&sb, "\n");
	struct memfs_file files[] = { { .path = CONFIG, .data = sb.buf, .len = sb.len } };
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, 1);
	struct menu m = { 0 };
	unsigned problems = log_problem_count();
	TEST_BEGIN("more than MENU_ENTRIES_MAX entries and a line over CONFIG_LINE_MAX: warned, "
		   "the rest kept");
	CHECK_INT(config_load(&fs.lookup, BOOT, CONFIG, &config_format_grub_legacy, &m), 0);
	CHECK_INT(m.n_entries, MENU_ENTRIES_MAX);
	CHECK_INT(log_problem_count() - problems, 2);
	if (m.n_entries == MENU_ENTRIES_MAX)
		CHECK_STR(m.entries[MENU_ENTRIES_MAX - 1].kernel.path, "/k4095");
	TEST_END();
	menu_free(&m);
	strbuf_free(&sb);
}

/* The default and fallback survive menu_keep_bootable as indices of bootable entries. */
static void test_keep_bootable(void)
{
	static const char text[] = "default 0\nfallback 2\ntitle Windows\nchainloader +1\n"
				   "title A\nkernel /a\ntitle B\nkernel /b\n";
	struct memfs_file files[] = { { .path = CONFIG, .data = text } };
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, 1);
	struct menu m = { 0 };
	TEST_BEGIN("a default that boots nothing moves to the fallback once unbootable items go");
	CHECK_INT(config_load(&fs.lookup, BOOT, CONFIG, &config_format_grub_legacy, &m), 0);
	menu_keep_bootable(&m);
	CHECK_INT(m.n_entries, 2);
	CHECK_INT(m.default_index, 1);
	TEST_END();
	menu_free(&m);
}

int main(void)
{
	log_max_level = LOG_ERR;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	test_limits();
	test_keep_bootable();
	TEST_EXIT();
}
