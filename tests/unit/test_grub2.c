/* test_grub2.c — GRUB 2 script semantics, one case per rule of the GRUB manual
 * (sections 6.3 "Shell-like scripting", 15 "Environment", 16 "Commands"). Each case is a
 * config (plus files on in-memory volumes) and the menu GRUB would show. */
#include <string.h>

#include "config.h"
#include "grub2/grub2.h"
#include "memfs.h"
#include "test.h"
#include "util.h"

static const struct memfs_volume volumes[] = {
	{ .id = "uuid:boot", .uuid = "1111-2222", .label = "BOOT", .grub_name = "hd0,msdos1" },
	{ .id = "uuid:root", .uuid = "aaaa-bbbb-cccc", .label = "rootfs", .grub_name = "hd0,msdos2" },
	{ .id = "uuid:data", .uuid = "dddd", .label = "DATA", .grub_name = "hd1,gpt1" },
};

static const struct memfs_file extra_files[] = {
	{ .device = "uuid:boot", .path = "/grub/grubenv",
	  .data = "# GRUB Environment Block\nsaved_entry=Advanced>Linux 5\nkernelopts=root=/dev/sda2 ro quiet\n######" },
	{ .device = "uuid:boot", .path = "/grub/other.cfg",
	  .data = "menuentry 'Other' { linux /other }\nset default=0\n" },
	{ .device = "uuid:boot", .path = "/grub/part.cfg",
	  .data = "menuentry 'Sourced' { linux /sourced }\nset fromsource=yes\n" },
	{ .device = "uuid:boot", .path = "/grub/loop.cfg", .data = "source /grub/loop.cfg\n" },
	{ .device = "uuid:boot", .path = "/vmlinuz", .data = "kernel" },
	{ .device = "uuid:boot", .path = "/empty", .data = "" , .len = 0 },
	{ .device = "uuid:root", .path = "/boot/vmlinuz-6.1", .data = "kernel" },
	{ .device = "uuid:root", .path = "/boot/loader/entries/a-6.1.conf",
	  .data = "title Linux 6.1\nversion 6.1\nlinux /boot/vmlinuz-6.1\ninitrd /boot/initrd-6.1\noptions $kernelopts extra\n" },
	{ .device = "uuid:data", .path = "/marker", .data = "x" },
};

struct want_entry {
	const char *title;
	const char *kernel;
	const char *cmdline;
	const char *initrds; /* space-separated */
	const char *device;  /* kernel's volume id */
	const char *path;    /* submenu titles joined by '>' (NULL: top level) */
};

struct grub_case {
	const char *name;
	const char *config;
	int n_entries; /* bootable entries */
	int default_index;
	int timeout; /* -2: not set */
	struct want_entry want[4];
	int kind_multiboot_at; /* index of an entry expected to be multiboot, -1 none */
	const char *module0; /* "path cmdline" of that entry's first module */
};

static const struct grub_case cases[] = {
	{ "menuentry basics",
	  "menuentry 'Linux' --class gnu-linux --id lin { linux /vmlinuz root=/dev/sda1 ro; initrd /initrd.img }\n",
	  1, 0, -2, { { "Linux", "/vmlinuz", "root=/dev/sda1 ro", "/initrd.img", "uuid:boot", NULL } }, -1, NULL },
	{ "quoting: single quotes literal, double quotes expand, backslash escapes",
	  "set v=val\nmenuentry \"T $v\" { linux /k 'a $v' \"b=$v\" c\\ d e\\$v }\n",
	  1, 0, -2, { { "T val", "/k", "\"a $v\" b=val \"c d\" e$v", "", "uuid:boot", NULL } }, -1, NULL },
	{ "unquoted variables split into words, quoted ones do not",
	  "set opts='a  b'\nmenuentry x { linux /k $opts \"$opts\" ${opts}c }\n",
	  1, 0, -2, { { "x", "/k", "a b \"a  b\" a bc", "", "uuid:boot", NULL } }, -1, NULL },
	{ "empty unquoted variable vanishes, empty quotes stay",
	  "menuentry x { linux /k $nothing \"\" end }\n",
	  1, 0, -2, { { "x", "/k", " end", "", "uuid:boot", NULL } }, -1, NULL },
	{ "comments start words only; line continuation",
	  "# comment\nmenuentry x { # in body\n linux /k one \\\n two a#b #comment\n}\n",
	  1, 0, -2, { { "x", "/k", "one two a#b", "", "uuid:boot", NULL } }, -1, NULL },
	{ "entries read the variables as the config leaves them",
	  "menuentry x { linux /k $late }\nset late=yes\n",
	  1, 0, -2, { { "x", "/k", "yes", "", "uuid:boot", NULL } }, -1, NULL },
	{ "one entry's variables are not seen by the next",
	  "menuentry a { set leak=1; linux /k }\nmenuentry b { linux /k $leak }\n",
	  2, 0, -2, { { "a", "/k", "", "", "uuid:boot", NULL }, { "b", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "positional parameters in menuentry extra arguments",
	  "menuentry 'T' extra1 extra2 { linux /k $1 $2 $3 $# }\n",
	  1, 0, -2, { { "T", "/k", "T extra1 extra2 3", "", "uuid:boot", NULL } }, -1, NULL },
	{ "functions, return status and positional parameters",
	  "function f { if [ \"$1\" = yes ]; then return 0; fi; return 1; }\n"
	  "if f yes; then menuentry A { linux /a; }; fi\nif f no; then menuentry B { linux /b; }; fi\n",
	  1, 0, -2, { { "A", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "if/elif/else",
	  "set n=2\nif [ $n -eq 1 ]; then set t=one; elif [ $n -eq 2 ]; then set t=two; else set t=other; fi\n"
	  "menuentry $t { linux /k }\n",
	  1, 0, -2, { { "two", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "for loop and while loop",
	  "for k in a b c; do menuentry \"K $k\" { linux /vmlinuz-$k; }; done\n"
	  "set i=x\nwhile [ \"$i\" != xxx ]; do set i=${i}x; done\n menuentry \"$i\" { linux /w }\n",
	  4, 0, -2, { { "K a", "/vmlinuz-", "", "", "uuid:boot", NULL }, { "K b", NULL, NULL, NULL, NULL, NULL },
		      { "K c", NULL, NULL, NULL, NULL, NULL }, { "xxx", "/w", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "submenu hierarchy and default path 1>1",
	  "set default='1>1'\nmenuentry A { linux /a }\nsubmenu 'Advanced' { menuentry B { linux /b }\n menuentry C { linux /c } }\n",
	  3, 2, -2, { { "A", "/a", "", "", "uuid:boot", NULL }, { "B", "/b", "", "", "uuid:boot", "Advanced" },
		      { "C", "/c", "", "", "uuid:boot", "Advanced" } }, -1, NULL },
	{ "default by title path and by id",
	  "set default='Advanced>C'\nmenuentry A { linux /a }\nsubmenu 'Advanced' { menuentry B { linux /b }\n menuentry C { linux /c } }\n",
	  3, 2, -2, { { "A", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "submenu sees exported variables only",
	  "set plain=p\nset exp=e\nexport exp\nsubmenu S { menuentry x { linux /k \"$plain\" \"$exp\" } }\n",
	  1, 0, -2, { { "x", "/k", " e", "", "uuid:boot", "S" } }, -1, NULL },
	{ "non-bootable entries count for a numeric default",
	  "set default=2\nmenuentry Win { chainloader +1 }\nmenuentry A { linux /a }\nmenuentry B { linux /b }\nmenuentry Setup { fwsetup }\n",
	  2, 1, -2, { { "A", "/a", "", "", "uuid:boot", NULL }, { "B", "/b", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "timeout and out-of-range default",
	  "set timeout=7\nset default=9\nmenuentry A { linux /a }\nmenuentry B { linux /b }\n",
	  2, 0, 7, { { "A", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "load_env reads saved_entry from grubenv ($prefix)",
	  "load_env\nset default=\"${saved_entry}\"\nmenuentry 'Linux 6' { linux /a }\nsubmenu Advanced { menuentry 'Linux 6' { linux /a6 }\n menuentry 'Linux 5' { linux /a5 } }\n",
	  3, 2, -2, { { "Linux 6", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "load_env -f with a variable list",
	  "load_env -f /grub/grubenv kernelopts\nmenuentry x { linux /k $kernelopts \"$saved_entry\" }\n",
	  1, 0, -2, { { "x", "/k", "root=/dev/sda2 ro quiet ", "", "uuid:boot", NULL } }, -1, NULL },
	{ "search --fs-uuid --set=root moves paths to that filesystem",
	  "menuentry x { search --no-floppy --fs-uuid --set=root --hint-bios=hd0,msdos2 aaaa-bbbb-cccc\n linux /boot/vmlinuz-6.1 }\n",
	  1, 0, -2, { { "x", "/boot/vmlinuz-6.1", "", "", "uuid:root", NULL } }, -1, NULL },
	{ "search --label, search.fs_uuid, search --file, --set=var",
	  "search --label DATA --set=d\nsearch.fs_uuid aaaa-bbbb-cccc r2\nsearch --file /marker --set f\n"
	  "menuentry x { linux ($d)/k1 \"$r2\" }\nmenuentry y { linux ($f)/k2 }\nmenuentry z { set root=$r2; linux /k3 }\n",
	  3, 0, -2, { { "x", "/k1", "hd0,msdos2", "", "uuid:data", NULL }, { "y", "/k2", "", "", "uuid:data", NULL },
		      { "z", "/k3", "", "", "uuid:root", NULL } }, -1, NULL },
	{ "failed search leaves root unchanged; unknown device stays as written",
	  "menuentry x { set root='hd5,gpt9'; search --fs-uuid --set=root nosuch; linux /k }\n",
	  1, 0, -2, { { "x", "/k", "", "", "(hd5,gpt9)", NULL } }, -1, NULL },
	{ "(hdN,msdosM) paths and ($root)",
	  "menuentry x { linux (hd0,msdos2)/boot/vmlinuz-6.1; initrd ($root)/i1 (hd1,gpt1)/i2 }\n",
	  1, 0, -2, { { "x", "/boot/vmlinuz-6.1", "", "/i1 /i2", "uuid:root", NULL } }, -1, NULL },
	{ "file tests -f -e -d -s -z -n against volumes",
	  "if [ -f /vmlinuz ]; then set a=1; fi\nif [ -e /nope ]; then set b=1; fi\nif [ -d /grub ]; then set c=1; fi\n"
	  "if [ -s /empty ]; then set d=1; fi\nif [ -z \"$a\" ]; then set e=1; fi\nif [ -n \"$a\" -a ! -s /empty ]; then set f=1; fi\n"
	  "menuentry x { linux /k a=$a b=$b c=$c d=$d e=$e f=$f }\n",
	  1, 0, -2, { { "x", "/k", "a=1 b= c=1 d= e= f=1", "", "uuid:boot", NULL } }, -1, NULL },
	{ "source appends entries in the same context",
	  "source /grub/part.cfg\nmenuentry x { linux /k $fromsource }\n",
	  2, 0, -2, { { "Sourced", "/sourced", "", "", "uuid:boot", NULL }, { "x", "/k", "yes", "", "uuid:boot", NULL } }, -1, NULL },
	{ "a source loop ends at the depth limit",
	  "source /grub/loop.cfg\nmenuentry after { linux /k }\n",
	  1, 0, -2, { { "after", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "configfile replaces the menu",
	  "menuentry first { linux /first }\nconfigfile /grub/other.cfg\nmenuentry never { linux /never }\n",
	  1, 0, -2, { { "Other", "/other", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "Xen multiboot with modules",
	  "menuentry Xen { multiboot /xen.gz dom0_mem=1G; module /vmlinuz root=/dev/sda1; module --nounzip /initrd.img }\n",
	  1, 0, -2, { { "Xen", "/xen.gz", "dom0_mem=1G", "", "uuid:boot", NULL } }, 0, "/vmlinuz root=/dev/sda1" },
	{ "each initrd command replaces the previous list",
	  "menuentry x { linux16 /k; initrd16 /a /b; initrd /c /d }\n",
	  1, 0, -2, { { "x", "/k", "", "/c /d", "uuid:boot", NULL } }, -1, NULL },
	{ "a syntax error loses one entry, not the menu",
	  "menuentry good1 { linux /g1 }\nmenuentry bad { if true; then linux /b; }\nmenuentry good2 { linux /g2 }\n",
	  2, 0, -2, { { "good1", "/g1", "", "", "uuid:boot", NULL }, { "good2", "/g2", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "unterminated quote drops a line only",
	  "menuentry good1 { linux /g1 }\necho 'oops\nmenuentry good2 { linux /g2 }\n",
	  2, 0, -2, { { "good1", "/g1", "", "", "uuid:boot", NULL }, { "good2", "/g2", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "unknown commands are not fatal",
	  "frobnicate --now\ninsmod gzio\nmenuentry x { frobnicate; load_video; linux /k }\n",
	  1, 0, -2, { { "x", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "recursive function stops at the call depth limit",
	  "function f { f; }\nf\nmenuentry x { linux /k }\n",
	  1, 0, -2, { { "x", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "feature variables and grub-mkconfig's id option",
	  "if [ x\"${feature_menuentry_id}\" = xy ]; then menuentry_id_option=\"--id\"; else menuentry_id_option=\"\"; fi\n"
	  "export menuentry_id_option\nset default=gnulinux-simple\n"
	  "menuentry A $menuentry_id_option other { linux /a }\nmenuentry B $menuentry_id_option gnulinux-simple { linux /b }\n",
	  2, 1, -2, { { "A", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "next_entry overrides saved_entry the way grub-mkconfig writes it",
	  "set next_entry=B\nset saved_entry=A\nif [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\n set next_entry=\n save_env next_entry\nelse\n set default=\"${saved_entry}\"\nfi\n"
	  "menuentry A { linux /a }\nmenuentry B { linux /b }\n",
	  2, 1, -2, { { "A", "/a", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "blscfg turns BLS entries into menu items with grubenv variables",
	  "load_env -f /grub/grubenv\nsearch --fs-uuid --set=root aaaa-bbbb-cccc\nblscfg\n",
	  1, 0, -2, { { "Linux 6.1", "/boot/vmlinuz-6.1", "root=/dev/sda2 ro quiet extra", "/boot/initrd-6.1", "uuid:root", NULL } }, -1, NULL },
	{ "regexp with --set",
	  "regexp --set 1:ver 'vmlinuz-(.*)' vmlinuz-6.1.0\nmenuentry $ver { linux /k }\n",
	  1, 0, -2, { { "6.1.0", "/k", "", "", "uuid:boot", NULL } }, -1, NULL },
	{ "prefix and root name the config's own filesystem",
	  "menuentry x { linux /k \"$root\" \"$prefix\" }\n",
	  1, 0, -2, { { "x", "/k", "hd0,msdos1 (hd0,msdos1)/grub", "", "uuid:boot", NULL } }, -1, NULL },
	{ "assignment without set, unset, fallback list",
	  "a=1\nb=2\nunset b\nset fallback='1 2'\nmenuentry x { linux /k \"$a$b\" }\nmenuentry y { linux /y }\nmenuentry z { linux /z }\n",
	  3, 0, -2, { { "x", "/k", "1", "", "uuid:boot", NULL } }, -1, NULL },
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

static void join_path(const struct boot_entry *e, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i + 1 < e->depth; i++) {
		if (i)
			strncat(buf, ">", size - strlen(buf) - 1);
		strncat(buf, e->levels[i].title, size - strlen(buf) - 1);
	}
}

int main(void)
{
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		const struct grub_case *tc = &cases[c];
		struct memfs_file files[ARRAY_SIZE(extra_files) + 1];
		files[0] = (struct memfs_file){ .device = "uuid:boot", .path = "/grub/grub.cfg",
						.data = tc->config };
		memcpy(files + 1, extra_files, sizeof(extra_files));
		struct memfs fs;
		memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, ARRAY_SIZE(files));
		struct menu m = { 0 };
		TEST_BEGIN(tc->name);
		int r = config_load(&fs.lookup, "uuid:boot", "/grub/grub.cfg", &config_format_grub2, &m);
		CHECK_INT(r, 0);
		menu_keep_bootable(&m);
		CHECK_INT(m.n_entries, tc->n_entries);
		CHECK_INT(m.default_index, tc->default_index);
		if (tc->timeout == -2)
			CHECK(!m.has_timeout);
		else
			CHECK_INT(m.timeout, tc->timeout);
		for (size_t i = 0; i < 4 && i < m.n_entries; i++) {
			const struct want_entry *w = &tc->want[i];
			if (!w->title)
				continue;
			const struct boot_entry *e = &m.entries[i];
			char buf[512];
			CHECK_STR(e->title, w->title);
			if (!w->kernel)
				continue;
			CHECK(str_startswith(e->kernel.path, w->kernel));
			CHECK_STR(e->cmdline, w->cmdline);
			join_initrds(e, buf, sizeof(buf));
			CHECK_STR(buf, w->initrds);
			CHECK_STR(e->kernel.device, w->device);
			join_path(e, buf, sizeof(buf));
			CHECK_STR(buf, w->path ? w->path : "");
		}
		if (tc->kind_multiboot_at >= 0 && (size_t)tc->kind_multiboot_at < m.n_entries) {
			const struct boot_entry *e = &m.entries[tc->kind_multiboot_at];
			CHECK_INT(e->kind, BOOT_KIND_MULTIBOOT);
			CHECK_INT(e->n_modules, 2);
			if (e->n_modules) {
				char buf[256];
				snprintf(buf, sizeof(buf), "%s %s", e->modules[0].file.path, e->modules[0].cmdline);
				CHECK_STR(buf, tc->module0);
			}
		}
		TEST_END();
		menu_free(&m);
	}
	TEST_EXIT();
}
