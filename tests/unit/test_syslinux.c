/* test_syslinux.c — the syslinux parser, one case per rule of doc/syslinux.txt, doc/menu.txt
 * and doc/mboot.txt. Where the documents leave a point open (or are out of date) the case
 * says "oracle": ISOLINUX 6.04 (Debian 6.04~git20190206) was booted in QEMU with the same
 * config through /work/shared/tools/oracles/isolinux-oracle.sh and the case asserts what it
 * started. Each case is a set of files and the menu `kxboot list` would show. */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "memfs.h"
#include "syslinux.h"
#include "test.h"
#include "util.h"

#define VOL "uuid:boot"
#define N_FILES 6
#define N_WANT 9
#define NOT_SET -2 /* no timeout */
#define ANY "*"	   /* some warnings, text not checked */

struct want_entry {
	const char *title;
	const char *id;
	const char *path;    /* submenu titles and the title, joined by " > "; NULL: the title */
	const char *kernel;  /* NULL: boots nothing kxboot can start */
	const char *initrds; /* joined by ' ' */
	const char *cmdline;
	const char *modules; /* "path cmdline" joined by " | " */
	const char *devicetree;
	const char *source; /* "file:line"; NULL: not checked */
	bool multiboot;
	bool locked;
};

struct syslinux_case {
	const char *name;
	struct memfs_file files[N_FILES]; /* files[0] is the config that is read */
	bool all;			  /* every menu item, not only bootable ones */
	int want_default;
	int want_timeout; /* NOT_SET, -1 (for ever) or seconds */
	bool want_hidden;
	const char *want_warning; /* NULL: none; ANY; else a text the warnings contain */
	struct want_entry want[N_WANT];
};

static const char nul_config[] = "LABEL a\nKERNEL k\0junk\nAPPEND x\n";

#define CFG(text) { .path = "/syslinux.cfg", .data = (text) }
#define ISO(text) { .path = "/isolinux/isolinux.cfg", .data = (text) }
#define FILE_AT(p, text) { .path = (p), .data = (text) }
/* An entry that boots: title, id, kernel, initrds, command line, then other fields. */
#define BOOTS(t, i, k, ird, cmd, ...) \
	{ .title = (t), .id = (i), .kernel = (k), .initrds = (ird), .cmdline = (cmd), __VA_ARGS__ }
/* An entry given by its title (and more fields): with `all`, one that boots nothing. */
#define ITEM(t, ...) { .title = (t), __VA_ARGS__ }

/* clang-format off */
static const struct syslinux_case cases[] = {
	/* ---- lines and keywords ---------------------------------------------------------- */
	{ "LABEL/KERNEL/APPEND; the command line boots DEFAULT at once (PROMPT 0)",
	  { CFG("DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n  APPEND root=/dev/sda1 ro\n") },
	  false, 0, 0, true, NULL,
	  { BOOTS("linux", "linux", "/vmlinuz", "", "root=/dev/sda1 ro",
		  .source = "/syslinux.cfg:2") } },
	{ "keywords in any case, leading blanks, # comments, CRLF lines",
	  { CFG("# a comment\r\n\tdEfAuLt a\r\n   label a\r\n\tkErNeL /boot/vmlinuz\r\n"
		"\t# APPEND not this\r\n#APPEND nor this\r\n\tAPPEND quiet\r\n") },
	  false, 0, 0, true, NULL, { BOOTS("a", "a", "/boot/vmlinuz", "", "quiet") } },
	{ "a keyword must be followed by a blank: APPENDX is unknown",
	  { CFG("LABEL a\nKERNEL k\nAPPENDX foo\n") },
	  false, -1, NOT_SET, false, "unknown keyword 'APPENDX'",
	  { BOOTS("a", "a", "/k", "", "") } },
	{ "oracle: everything after a CR on a line is dropped",
	  { CFG("LABEL a\nKERNEL vmlinuz\nAPPEND one\rtwo\n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/vmlinuz", "", "one") } },
	{ "oracle: APPEND keeps trailing blanks, as the kernel gets them",
	  { CFG("LABEL a\nKERNEL vmlinuz\nAPPEND --- quiet  \n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/vmlinuz", "", "--- quiet  ") } },
	{ "TEXT HELP ... ENDTEXT is help text, not directives",
	  { CFG("LABEL a\nKERNEL k\nTEXT HELP\n  LABEL fake\n  KERNEL x\n endtext\n"
		"APPEND after\n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/k", "", "after") } },
	{ "display and console directives change nothing",
	  { CFG("SERIAL 0 115200\nCONSOLE 0\nDISPLAY boot.msg\nF1 help.txt\nF10 f10.txt\n"
		"FONT lat1.psf\nKBDMAP fr.ktl\nSAY hello\nPATH /lib\nNOESCAPE 1\nNOCOMPLETE 1\n"
		"ALLOWOPTIONS 0\nONERROR x\nNOHALT 1\nMENU COLOR title * #ffffffff *\n"
		"MENU BACKGROUND splash.png\nMENU WIDTH 80\nMENU VSHIFT 8\nMENU TABMSG x\n"
		"MENU CLEAR\nMENU MASTER PASSWD x\nLABEL a\nKERNEL k\nMENU INDENT count 5\n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/k", "", "") } },
	{ "unknown keywords and MENU keywords warn with file:line",
	  { CFG("LABEL a\nKERNEL k\nFROBNICATE 1\nMENU FROB 2\n") },
	  false, -1, NOT_SET, false, "/syslinux.cfg:4: unknown keyword 'MENU FROB'",
	  { BOOTS("a", "a", "/k", "", "") } },
	{ "directives that need a LABEL warn outside one",
	  { CFG("KERNEL k\nINITRD i\nMENU LABEL x\nMENU HIDE\nFDT y\nLABEL a\nKERNEL k\n") },
	  false, -1, NOT_SET, false, "/syslinux.cfg:1: KERNEL outside a LABEL, ignoring",
	  { BOOTS("a", "a", "/k", "", "") } },
	{ "NUL bytes end a line's text",
	  { { .path = "/syslinux.cfg", .data = nul_config, .len = sizeof(nul_config) - 1 } },
	  false, -1, NOT_SET, false, "/syslinux.cfg:2: NUL byte",
	  { BOOTS("a", "a", "/k", "", "x") } },
	{ "binary garbage between good labels",
	  { CFG("LABEL before\nKERNEL /b\n\x01\xff\xfe garbage \x7f\n\x80\x81 label\n"
		"LABEL after\nKERNEL /a\n") },
	  false, -1, NOT_SET, false, ANY,
	  { BOOTS("before", "before", "/b", "", ""), BOOTS("after", "after", "/a", "", "") } },

	/* ---- kernels and their types ------------------------------------------------------- */
	{ "paths are relative to the config's directory, .. and // collapse",
	  { FILE_AT("/boot/extlinux/extlinux.conf",
		    "LABEL a\nKERNEL ../vmlinuz-6.1\nINITRD initrd.img\nAPPEND root=x\n"
		    "LABEL b\nKERNEL /boot//x/../vmlinuz\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/boot/vmlinuz-6.1", "/boot/extlinux/initrd.img",
		  "root=x initrd=initrd.img"),
	    BOOTS("b", "b", "/boot/vmlinuz", "", "") } },
	{ "backslashes separate directories; PXELINUX's :: is absolute",
	  { ISO("LABEL a\nKERNEL \\boot\\vmlinuz\nAPPEND initrd=::i.img\n"
		"LABEL b\nKERNEL ::vmlinuz\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/boot/vmlinuz", "/i.img", "initrd=::i.img"),
	    BOOTS("b", "b", "/vmlinuz", "", "") } },
	{ "KERNEL types by extension (any case); no extension is a Linux kernel",
	  { CFG("LABEL c32\nKERNEL chain.c32\nLABEL nbp\nKERNEL pxelinux.0\nLABEL bss\n"
		"KERNEL /dos.bss\nLABEL img\nKERNEL floppy.IMG\nLABEL bin\nKERNEL x.bin\n"
		"LABEL com\nKERNEL x.com\nLABEL C32\nKERNEL X.C32\nLABEL memtest\nKERNEL memtest\n"
		"LABEL bs\nKERNEL a.bs\n") },
	  true, -1, NOT_SET, false, NULL,
	  { ITEM("c32"), ITEM("nbp"), ITEM("bss"), ITEM("img"), ITEM("bin"), ITEM("com"),
	    ITEM("C32"), BOOTS("memtest", "memtest", "/memtest", "", ""), ITEM("bs") } },
	{ "BOOT, BSS, PXE, FDIMAGE, COMBOOT, COM32, CONFIG, LOCALBOOT force their type",
	  { CFG("LABEL a\nCOM32 vmlinuz\nLABEL b\nCONFIG other.cfg\nLABEL c\nLOCALBOOT 0\n"
		"LABEL d\nBOOT x\nLABEL e\nBSS x\nLABEL f\nPXE x\nLABEL g\nFDIMAGE x\n"
		"LABEL h\nCOMBOOT x\n") },
	  true, -1, NOT_SET, false, NULL,
	  { ITEM("a"), ITEM("b"), ITEM("c"), ITEM("d"), ITEM("e"), ITEM("f"), ITEM("g"),
	    ITEM("h") } },
	{ "LINUX forces a Linux kernel whatever the extension; the last type keyword wins",
	  { CFG("LABEL a\nLINUX /boot/kernel.img\nLABEL b\nKERNEL vesamenu.c32\nCONFIG x.cfg\n"
		"LABEL c\nCOM32 x.c32\nLINUX vmlinuz\n") },
	  true, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/boot/kernel.img", "", ""), ITEM("b"),
	    BOOTS("c", "c", "/vmlinuz", "", "") } },
	{ "oracle: a LABEL without KERNEL boots the file named like the label",
	  { CFG("DEFAULT vmlinuz\nLABEL vmlinuz\nAPPEND lbl=1\n") },
	  false, 0, 0, true, NULL, { BOOTS("vmlinuz", "vmlinuz", "/vmlinuz", "", "lbl=1") } },
	{ "words after the KERNEL file come before the APPEND options",
	  { CFG("LABEL a\nKERNEL vmlinuz a=1\nAPPEND b=2\n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/vmlinuz", "", "a=1 b=2") } },

	/* ---- APPEND and initrds ----------------------------------------------------------- */
	{ "oracle: global APPEND; a label's APPEND replaces it, APPEND - and an empty one drop it",
	  { CFG("APPEND console=ttyS0\nLABEL a\nKERNEL k\nLABEL b\nKERNEL k\nAPPEND root=/dev/sdb\n"
		"LABEL c\nKERNEL k\nAPPEND -\nLABEL d\nKERNEL k\nAPPEND\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/k", "", "console=ttyS0"), BOOTS("b", "b", "/k", "", "root=/dev/sdb"),
	    BOOTS("c", "c", "/k", "", ""), BOOTS("d", "d", "/k", "", "") } },
	{ "the global APPEND a label gets is the one in force when the label ends",
	  { CFG("LABEL a\nKERNEL k\nMENU SEPARATOR\nAPPEND late\nLABEL b\nKERNEL k\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/k", "", ""), BOOTS("b", "b", "/k", "", "late") } },
	{ "oracle: INITRD adds initrd=LIST after the APPEND options; commas separate initrds",
	  { ISO("LABEL a\nKERNEL vmlinuz\nAPPEND root=x\nINITRD /i/a.img,b.img\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/isolinux/vmlinuz", "/i/a.img /isolinux/b.img",
		  "root=x initrd=/i/a.img,b.img") } },
	{ "oracle: initrd= in APPEND is loaded and stays; it wins over a later INITRD",
	  { ISO("LABEL a\nKERNEL vmlinuz\nAPPEND initrd=a.img quiet\nINITRD b.img\n") },
	  false, -1, NOT_SET, false, "only the first initrd= option is loaded",
	  { BOOTS("a", "a", "/isolinux/vmlinuz", "/isolinux/a.img",
		  "initrd=a.img quiet initrd=b.img") } },
	{ "oracle: initrd= is found anywhere in the command line, as strstr() does",
	  { ISO("LABEL a\nKERNEL vmlinuz\nAPPEND xinitrd=a.img initrd=b.img\n") },
	  false, -1, NOT_SET, false, ANY,
	  { BOOTS("a", "a", "/isolinux/vmlinuz", "/isolinux/a.img",
		  "xinitrd=a.img initrd=b.img") } },
	{ "empty names in an initrd= list are skipped with a warning",
	  { CFG("LABEL a\nKERNEL k\nAPPEND initrd=a,,b, x\n") },
	  false, -1, NOT_SET, false, "empty name in initrd= list",
	  { BOOTS("a", "a", "/k", "/a /b", "initrd=a,,b, x") } },
	{ "IPAPPEND and SYSAPPEND are boot-time additions, ignored quietly",
	  { CFG("IPAPPEND 2\nLABEL a\nKERNEL k\nSYSAPPEND 3\nAPPEND x\n") },
	  false, -1, NOT_SET, false, NULL, { BOOTS("a", "a", "/k", "", "x") } },

	/* ---- INCLUDE ------------------------------------------------------------------------ */
	{ "oracle: INCLUDE paths are relative to the first config's directory at any depth",
	  { ISO("INCLUDE sub/x.cfg\nINCLUDE /common.cfg\n"),
	    FILE_AT("/isolinux/sub/x.cfg", "INCLUDE y.cfg\n"),
	    FILE_AT("/isolinux/y.cfg", "LABEL y\nKERNEL vmlinuz\n"),
	    FILE_AT("/isolinux/sub/y.cfg", "LABEL wrong\nKERNEL vmlinuz\n"),
	    FILE_AT("/common.cfg", "LABEL c\nKERNEL /vmlinuz\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("y", "y", "/isolinux/vmlinuz", "", "", .source = "/isolinux/y.cfg:1"),
	    BOOTS("c", "c", "/vmlinuz", "", "", .source = "/common.cfg:1") } },
	{ "an INCLUDEd file continues the LABEL that was open",
	  { CFG("LABEL a\nINCLUDE x.cfg\n"), FILE_AT("/x.cfg", "KERNEL vmlinuz\nAPPEND inc\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/vmlinuz", "", "inc", .source = "/syslinux.cfg:1") } },
	{ "a missing INCLUDE is skipped with a warning",
	  { CFG("INCLUDE nope.cfg\nLABEL a\nKERNEL k\n") },
	  false, -1, NOT_SET, false, "/syslinux.cfg:1: cannot read INCLUDE '/nope.cfg'",
	  { BOOTS("a", "a", "/k", "", "") } },
	{ "INCLUDE file tag and MENU INCLUDE file tag make a submenu",
	  { CFG("INCLUDE x.cfg Extra ^things\nMENU INCLUDE y.cfg\nLABEL c\nKERNEL k\n"),
	    FILE_AT("/x.cfg", "LABEL a\nKERNEL k\n"), FILE_AT("/y.cfg", "LABEL b\nKERNEL k\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/k", "", "", .path = "Extra things > a"),
	    BOOTS("b", "b", "/k", "", ""), BOOTS("c", "c", "/k", "", "") } },

	/* ---- MENU entries and submenus ------------------------------------------------------ */
	{ "MENU LABEL is the title without its ^ hotkey marks; empty falls back to LABEL",
	  { CFG("LABEL a\nMENU LABEL ^Install ^Debian \nKERNEL k\n"
		"LABEL b\nMENU LABEL\nKERNEL k\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("Install Debian", "a", "/k", "", ""), BOOTS("b", "b", "/k", "", "") } },
	{ "LABEL keeps its blanks (the menu reads the rest of the line)",
	  { CFG("LABEL Debian GNU/Linux Live \nLINUX /live/vmlinuz\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("Debian GNU/Linux Live", "Debian GNU/Linux Live", "/live/vmlinuz", "", "") } },
	{ "submenus: tag, MENU TITLE over the tag, MENU LABEL over MENU TITLE; nesting",
	  { CFG("UI menu.c32\nLABEL top\nKERNEL k\n"
		"MENU BEGIN adv\n MENU TITLE Advanced\n LABEL a\n KERNEL k\n"
		" MENU BEGIN deeper\n  MENU LABEL ^Deeper options\n  MENU TITLE Not shown\n"
		"  LABEL b\n  KERNEL k\n MENU END\n"
		" MENU BEGIN tagonly\n  LABEL c\n  KERNEL k\n MENU END\n"
		"MENU END\nLABEL last\nKERNEL k\n") },
	  false, 0, NOT_SET, false, NULL,
	  { BOOTS("top", "top", "/k", "", ""),
	    BOOTS("a", "a", "/k", "", "", .path = "Advanced > a"),
	    BOOTS("b", "b", "/k", "", "", .path = "Advanced > Deeper options > b"),
	    BOOTS("c", "c", "/k", "", "", .path = "Advanced > tagonly > c"),
	    BOOTS("last", "last", "/k", "", "") } },
	{ "MENU EXIT, GOTO, QUIT and HELP entries boot nothing; separators are no entries",
	  { CFG("MENU BEGIN s\nLABEL back\nMENU LABEL Back\nMENU EXIT\nMENU SEPARATOR\n"
		"LABEL g\nMENU GOTO .top\nLABEL q\nMENU QUIT\nLABEL h\nMENU HELP help.txt\n"
		"MENU END\n") },
	  true, -1, NOT_SET, false, NULL,
	  { ITEM("Back", .path = "s > Back"), ITEM("g", .path = "s > g"),
	    ITEM("q", .path = "s > q"), ITEM("h", .path = "s > h") } },
	{ "MENU END without MENU BEGIN, MENU BEGIN without MENU END",
	  { CFG("MENU END\nMENU BEGIN open\nLABEL a\nKERNEL k\n") },
	  false, -1, NOT_SET, false, "MENU END without MENU BEGIN",
	  { BOOTS("a", "a", "/k", "", "", .path = "open > a") } },
	{ "MENU PASSWD locks a label, and every label of a submenu that has one",
	  { CFG("LABEL a\nKERNEL k\nMENU PASSWD $1$x$y\nMENU BEGIN s\nMENU PASSWD\n"
		"LABEL b\nKERNEL k\nMENU END\nLABEL c\nKERNEL k\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/k", "", "", .locked = true),
	    BOOTS("b", "b", "/k", "", "", .path = "s > b", .locked = true),
	    BOOTS("c", "c", "/k", "", "") } },
	{ "MENU HIDE leaves a label out of the menu",
	  { CFG("UI menu.c32\nLABEL a\nMENU HIDE\nKERNEL k\nLABEL b\nKERNEL k\n") },
	  false, 0, NOT_SET, false, NULL, { BOOTS("b", "b", "/k", "", "") } },

	/* ---- the menu system's default and timeout ------------------------------------------ */
	{ "UI menu: the last MENU DEFAULT of the menu is the default; no TIMEOUT is null",
	  { CFG("UI menu.c32\nLABEL a\nKERNEL k\nMENU DEFAULT\nLABEL b\nKERNEL k\nMENU DEFAULT\n"
		"LABEL c\nKERNEL k\n") },
	  false, 1, NOT_SET, false, NULL, { ITEM("a"), ITEM("b"), ITEM("c") } },
	{ "oracle: UI menu without any default boots its first item",
	  { CFG("UI menu.c32\nTIMEOUT 10\nLABEL a\nKERNEL k\nLABEL b\nKERNEL k\n") },
	  false, 0, 1, false, NULL, { ITEM("a"), ITEM("b") } },
	{ "oracle: when the first item is a separator, the timeout boots nothing",
	  { CFG("UI menu.c32\nTIMEOUT 10\nMENU SEPARATOR\nLABEL a\nKERNEL k\n") },
	  false, -1, 1, false, NULL, { ITEM("a") } },
	{ "oracle: ... but a MENU DEFAULT after the separator counts",
	  { CFG("UI menu.c32\nTIMEOUT 10\nMENU SEPARATOR\nLABEL a\nKERNEL k\nLABEL b\nKERNEL k\n"
		"MENU DEFAULT\n") },
	  false, 1, 1, false, NULL, { ITEM("a"), ITEM("b") } },
	{ "oracle: when the first item is a submenu, the timeout boots nothing",
	  { CFG("UI menu.c32\nTIMEOUT 10\nMENU BEGIN s\nLABEL b\nKERNEL k\nMENU END\n"
		"LABEL a\nKERNEL k\n") },
	  false, -1, 1, false, NULL, { ITEM("b", .path = "s > b"), ITEM("a") } },
	{ "a disabled first item boots nothing either",
	  { CFG("UI menu.c32\nLABEL -\nMENU LABEL Network:\nMENU DISABLE\nLABEL a\nKERNEL k\n") },
	  false, -1, NOT_SET, false, NULL, { ITEM("a") } },
	{ "oracle: with UI, DEFAULT names the default label, over MENU DEFAULT",
	  { CFG("UI menu.c32\nTIMEOUT 10\nDEFAULT a\nLABEL a\nKERNEL k\nLABEL b\nKERNEL k\n"
		"MENU DEFAULT\n") },
	  false, 0, 1, false, NULL, { ITEM("a"), ITEM("b") } },
	{ "oracle: with UI, a DEFAULT label inside a submenu",
	  { CFG("UI menu.c32\nDEFAULT b\nTIMEOUT 10\nLABEL a\nKERNEL k\nMENU BEGIN sub\nLABEL b\n"
		"KERNEL k\nMENU END\n") },
	  false, 1, 1, false, NULL, { ITEM("a"), ITEM("b", .path = "sub > b") } },
	{ "oracle: with UI, DEFAULT cannot name a hidden label",
	  { CFG("UI menu.c32\nDEFAULT b\nTIMEOUT 10\nLABEL a\nKERNEL k\nLABEL b\nMENU HIDE\n"
		"KERNEL k\n") },
	  false, 0, 1, false, "DEFAULT 'b' names no LABEL in the menu", { ITEM("a") } },
	{ "oracle: the menu compares DEFAULT's first word with whole labels",
	  { CFG("UI menu.c32\nTIMEOUT 10\nDEFAULT y two\nLABEL x one\nKERNEL k\nLABEL y two\n"
		"KERNEL k\n") },
	  false, 0, 1, false, ANY, { ITEM("x one"), ITEM("y two") } },
	{ "UI next to the old DEFAULT vesamenu.c32: no warning, the menu's first item",
	  { CFG("DEFAULT vesamenu.c32\nUI gfxboot bootlogo\nLABEL live\nKERNEL k\nLABEL check\n"
		"KERNEL k\n") },
	  false, 0, NOT_SET, false, NULL, { ITEM("live"), ITEM("check") } },
	{ "oracle: DEFAULT vesamenu.c32 without UI: DEFAULT labels do not count, MENU DEFAULT does",
	  { CFG("DEFAULT l3\nLABEL l1\nKERNEL k\nLABEL l2\nMENU DEFAULT\nKERNEL k\nLABEL l3\n"
		"KERNEL k\nDEFAULT menu.c32\nTIMEOUT 10\n") },
	  false, 1, 1, false, NULL, { ITEM("l1"), ITEM("l2"), ITEM("l3") } },
	{ "oracle: ONTIMEOUT replaces the default when the timeout runs out",
	  { CFG("UI menu.c32\nDEFAULT l1\nONTIMEOUT l2\nTIMEOUT 10\nLABEL l1\nKERNEL k\nLABEL l2\n"
		"KERNEL k\n") },
	  false, 1, 1, false, NULL, { ITEM("l1"), ITEM("l2") } },
	{ "ONTIMEOUT without a timeout (TIMEOUT 0 waits for ever) never runs",
	  { CFG("UI menu.c32\nDEFAULT l1\nONTIMEOUT l2\nTIMEOUT 0\nLABEL l1\nKERNEL k\nLABEL l2\n"
		"KERNEL k\n") },
	  false, 0, -1, false, NULL, { ITEM("l1"), ITEM("l2") } },
	{ "oracle: an ONTIMEOUT that names no label is a command line: an entry of its own",
	  { ISO("UI menu.c32\nTIMEOUT 10\nONTIMEOUT vmlinuz initrd=b.img direct=1\nLABEL l1\n"
		"KERNEL vmlinuz\nAPPEND initrd=a.img\n") },
	  false, 1, 1, false, NULL,
	  { BOOTS("l1", "l1", "/isolinux/vmlinuz", "/isolinux/a.img", "initrd=a.img"),
	    BOOTS("vmlinuz initrd=b.img direct=1", NULL, "/isolinux/vmlinuz", "/isolinux/b.img",
		  "initrd=b.img direct=1", .source = "/isolinux/isolinux.cfg:3") } },
	{ "oracle: a TIMEOUT inside a submenu is that submenu's, not the top menu's",
	  { CFG("UI menu.c32\nLABEL l1\nKERNEL k\nMENU BEGIN sub\nTIMEOUT 10\nLABEL l2\nKERNEL k\n"
		"MENU END\n") },
	  false, 0, NOT_SET, false, NULL, { ITEM("l1"), ITEM("l2", .path = "sub > l2") } },
	{ "MENU START opens a submenu, whose MENU DEFAULT is then the default",
	  { CFG("UI menu.c32\nLABEL a\nKERNEL k\nMENU BEGIN s\nMENU START\nLABEL b\nKERNEL k\n"
		"LABEL c\nKERNEL k\nMENU DEFAULT\nMENU END\n") },
	  false, 2, NOT_SET, false, NULL,
	  { ITEM("a"), ITEM("b", .path = "s > b"), ITEM("c", .path = "s > c") } },
	{ "MENU HIDDEN hides the menu",
	  { CFG("UI menu.c32\nMENU HIDDEN\nTIMEOUT 30\nLABEL a\nKERNEL k\n") },
	  false, 0, 3, true, NULL, { ITEM("a") } },
	{ "TIMEOUT in 1/10 s rounds up to seconds; TOTALTIMEOUT: the first to run out",
	  { CFG("UI menu.c32\nTIMEOUT 15\nTOTALTIMEOUT 9000\nLABEL a\nKERNEL k\n") },
	  false, 0, 2, false, NULL, { ITEM("a") } },
	{ "TOTALTIMEOUT shorter than TIMEOUT",
	  { CFG("UI menu.c32\nTIMEOUT 50\nTOTALTIMEOUT 21\nLABEL a\nKERNEL k\n") },
	  false, 0, 3, false, NULL, { ITEM("a") } },
	{ "TOTALTIMEOUT alone, TIMEOUT 0 waiting for ever",
	  { CFG("UI menu.c32\nTIMEOUT 0\nTOTALTIMEOUT 30\nLABEL a\nKERNEL k\n") },
	  false, 0, 3, false, NULL, { ITEM("a") } },
	{ "TIMEOUT that is no number reads as atoi() does",
	  { CFG("UI menu.c32\nTIMEOUT soon\nLABEL a\nKERNEL k\n") },
	  false, 0, -1, false, "TIMEOUT: 'soon' is not a number", { ITEM("a") } },
	{ "TIMEOUT with junk after the digits; negative TIMEOUT",
	  { CFG("UI menu.c32\nTIMEOUT 20s\nTOTALTIMEOUT -5\nLABEL a\nKERNEL k\n") },
	  false, 0, 2, false, "negative value", { ITEM("a") } },

	/* ---- the command line (no menu module) ------------------------------------------- */
	{ "oracle: PROMPT 0 boots DEFAULT at once whatever TIMEOUT says",
	  { CFG("TIMEOUT 300\nDEFAULT l2\nLABEL l1\nKERNEL k\nLABEL l2\nKERNEL k\n") },
	  false, 1, 0, true, NULL, { ITEM("l1"), ITEM("l2") } },
	{ "oracle: PROMPT 1 waits TIMEOUT, then boots ONTIMEOUT",
	  { CFG("PROMPT 1\nTIMEOUT 10\nDEFAULT l1\nONTIMEOUT l2\nLABEL l1\nKERNEL k\nLABEL l2\n"
		"KERNEL k\n") },
	  false, 1, 1, false, NULL, { ITEM("l1"), ITEM("l2") } },
	{ "PROMPT 1 without a timeout: DEFAULT is what Enter boots",
	  { CFG("PROMPT 1\nDEFAULT l2\nONTIMEOUT l1\nLABEL l1\nKERNEL k\nLABEL l2\nKERNEL k\n") },
	  false, 1, NOT_SET, false, NULL, { ITEM("l1"), ITEM("l2") } },
	{ "oracle: no DEFAULT: the boot: prompt waits and nothing boots",
	  { CFG("TIMEOUT 10\nLABEL l1\nKERNEL k\n") },
	  false, -1, 1, false, NULL, { ITEM("l1") } },
	{ "oracle: no DEFAULT but ONTIMEOUT: the timeout boots it",
	  { CFG("TIMEOUT 10\nONTIMEOUT l1\nLABEL l1\nKERNEL k\n") },
	  false, 0, 1, false, NULL, { ITEM("l1") } },
	{ "oracle: DEFAULT with options after the label: the label's command line plus them",
	  { ISO("DEFAULT l1 extra=1\nLABEL l1\nKERNEL vmlinuz\nAPPEND initrd=a.img\n") },
	  false, 1, 0, true, NULL,
	  { BOOTS("l1", "l1", "/isolinux/vmlinuz", "/isolinux/a.img", "initrd=a.img"),
	    BOOTS("l1 extra=1", NULL, "/isolinux/vmlinuz", "/isolinux/a.img",
		  "initrd=a.img extra=1", .source = "/isolinux/isolinux.cfg:1") } },
	{ "oracle: the command line compares first words of DEFAULT and labels",
	  { ISO("DEFAULT my other\nLABEL my label\nKERNEL vmlinuz\nAPPEND initrd=a.img\n"
		"LABEL my other\nKERNEL vmlinuz\nAPPEND initrd=b.img\n") },
	  false, 2, 0, true, NULL,
	  { ITEM("my label"), ITEM("my other"),
	    BOOTS("my other", NULL, "/isolinux/vmlinuz", "/isolinux/a.img",
		  "initrd=a.img other") } },
	{ "oracle: DEFAULT naming a kernel, not a label; the global APPEND is not added",
	  { ISO("APPEND console=ttyS0 global=1\nDEFAULT vmlinuz initrd=a.img typed=1\n") },
	  false, 0, 0, true, NULL,
	  { BOOTS("vmlinuz initrd=a.img typed=1", NULL, "/isolinux/vmlinuz", "/isolinux/a.img",
		  "initrd=a.img typed=1") } },
	{ "DEFAULT naming a COM32 module boots nothing kxboot can start",
	  { CFG("DEFAULT chain.c32 hd0 1\nLABEL a\nKERNEL k\n") },
	  false, -1, 0, true, NULL, { ITEM("a") } },
	{ "IMPLICIT 0: a DEFAULT that names no label boots nothing",
	  { CFG("IMPLICIT 0\nDEFAULT vmlinuz\nLABEL a\nKERNEL k\n") },
	  false, -1, 0, true, "IMPLICIT 0", { ITEM("a") } },
	{ "DEFAULT names a hidden label: it is offered after the menu",
	  { CFG("DEFAULT a\nLABEL a\nMENU HIDE\nKERNEL ka\nLABEL b\nKERNEL kb\n") },
	  false, 1, 0, true, NULL,
	  { BOOTS("b", "b", "/kb", "", ""), BOOTS("a", "a", "/ka", "", "") } },
	{ "duplicate labels: DEFAULT finds the first",
	  { CFG("DEFAULT a\nLABEL a\nKERNEL k1\nLABEL a\nKERNEL k2\n") },
	  false, 0, 0, true, NULL,
	  { BOOTS("a", "a", "/k1", "", ""), BOOTS("a", "a", "/k2", "", "") } },
	{ "DEFAULT on a LOCALBOOT label: nothing kxboot boots is the default",
	  { CFG("DEFAULT local\nLABEL local\nLOCALBOOT 0\nLABEL l\nKERNEL k\n") },
	  false, -1, 0, true, NULL, { ITEM("l") } },
	{ "an empty DEFAULT is ignored",
	  { CFG("DEFAULT   \nLABEL l\nKERNEL k\n") },
	  false, -1, NOT_SET, false, "DEFAULT without a value", { ITEM("l") } },

	/* ---- mboot.c32 and device trees --------------------------------------------------- */
	{ "mboot.c32: the hypervisor, then modules separated by ---, each with its options",
	  { ISO("LABEL xen\nKERNEL mboot.c32\nAPPEND xen.gz dom0_mem=1G  console=none --- "
		"/boot/vmlinuz root=/dev/sda1 quiet --- initrd.img\n"
		"LABEL xen2\nCOM32 /boot/MBOOT.C32\nAPPEND xen.gz --- vmlinuz\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("xen", "xen", "/isolinux/xen.gz", "", "dom0_mem=1G console=none",
		  .modules = "/boot/vmlinuz root=/dev/sda1 quiet | /isolinux/initrd.img",
		  .multiboot = true),
	    BOOTS("xen2", "xen2", "/isolinux/xen.gz", "", "", .modules = "/isolinux/vmlinuz",
		  .multiboot = true) } },
	{ "mboot.c32 as DEFAULT command line (doc/mboot.txt's example)",
	  { CFG("DEFAULT mboot.c32 xen.gz dom0_mem=15000 nosmp noacpi --- linux.gz console=tty0 "
		"root=/dev/hda1 --- initrd.img\n") },
	  false, 0, 0, true, NULL,
	  { BOOTS("mboot.c32 xen.gz dom0_mem=15000 nosmp noacpi --- linux.gz console=tty0 "
		  "root=/dev/hda1 --- initrd.img",
		  NULL, "/xen.gz", "", "dom0_mem=15000 nosmp noacpi",
		  .modules = "/linux.gz console=tty0 root=/dev/hda1 | /initrd.img",
		  .multiboot = true) } },
	{ "mboot.c32 without a hypervisor boots nothing; empty module parts are skipped",
	  { CFG("LABEL a\nKERNEL mboot.c32\nAPPEND --- vmlinuz\nLABEL b\nKERNEL mboot.c32\n"
		"APPEND xen.gz --- --- vmlinuz\n") },
	  true, -1, NOT_SET, false, "mboot.c32: empty",
	  { ITEM("a"),
	    BOOTS("b", "b", "/xen.gz", "", "", .modules = "/vmlinuz", .multiboot = true) } },
	{ "FDT and DEVICETREE name the device tree; FDTDIR keeps the running one",
	  { FILE_AT("/boot/extlinux/extlinux.conf",
		    "LABEL a\nLINUX /Image\nFDT /dtbs/board.dtb\nLABEL b\nLINUX /Image\n"
		    "DEVICETREE board.dtb\nLABEL c\nLINUX /Image\nFDTDIR /dtbs\n") },
	  false, -1, NOT_SET, false, NULL,
	  { BOOTS("a", "a", "/Image", "", "", .devicetree = "/dtbs/board.dtb"),
	    BOOTS("b", "b", "/Image", "", "", .devicetree = "/boot/extlinux/board.dtb"),
	    BOOTS("c", "c", "/Image", "", "") } },
	{ "U-Boot extlinux.conf as distributions write it",
	  { FILE_AT("/extlinux/extlinux.conf",
		    "## /boot/extlinux/extlinux.conf\ndefault l0\nmenu title U-Boot menu\n"
		    "prompt 0\ntimeout 50\n\nlabel l0\n\tmenu label Debian GNU/Linux 12 6.1.0-13-arm64\n"
		    "\tlinux /vmlinuz-6.1.0-13-arm64\n\tinitrd /initrd.img-6.1.0-13-arm64\n"
		    "\tfdtdir /usr/lib/linux-image-6.1.0-13-arm64/\n"
		    "\tappend root=/dev/mmcblk0p2 rw\n"
		    "\nlabel l0r\n\tmenu label Debian GNU/Linux 12 6.1.0-13-arm64 (rescue target)\n"
		    "\tlinux /vmlinuz-6.1.0-13-arm64\n\tinitrd /initrd.img-6.1.0-13-arm64\n"
		    "\tappend root=/dev/mmcblk0p2 rw single\n") },
	  false, 0, 0, true, NULL,
	  { BOOTS("Debian GNU/Linux 12 6.1.0-13-arm64", "l0", "/vmlinuz-6.1.0-13-arm64",
		  "/initrd.img-6.1.0-13-arm64",
		  "root=/dev/mmcblk0p2 rw initrd=/initrd.img-6.1.0-13-arm64",
		  .source = "/extlinux/extlinux.conf:7"),
	    BOOTS("Debian GNU/Linux 12 6.1.0-13-arm64 (rescue target)", "l0r",
		  "/vmlinuz-6.1.0-13-arm64", "/initrd.img-6.1.0-13-arm64",
		  "root=/dev/mmcblk0p2 rw single initrd=/initrd.img-6.1.0-13-arm64") } },
};
/* clang-format on */

/* ---- running a case ------------------------------------------------------------------- */

static const struct memfs_volume volumes[] = { { .id = VOL, .uuid = "boot" } };
static struct strbuf warnings;

static void sink(enum log_level level, const char *text, void *userdata)
{
	if (level <= LOG_WARN) {
		strbuf_adds(&warnings, text);
		strbuf_addc(&warnings, '\n');
	}
}

static size_t count_files(const struct memfs_file *files, size_t max)
{
	size_t n = 0;
	while (n < max && files[n].path)
		n++;
	return n;
}

static void join_levels(const struct boot_entry *e, struct strbuf *sb)
{
	for (size_t i = 0; i < e->depth; i++) {
		if (i)
			strbuf_adds(sb, " > ");
		strbuf_adds(sb, e->levels[i].title);
	}
}

static void check_entry(const struct boot_entry *e, const struct want_entry *w, bool all)
{
	struct strbuf sb = { 0 };
	CHECK_STR(e->title, w->title);
	if (w->id || w->kernel)
		CHECK_STR(e->id, w->id);
	join_levels(e, &sb);
	CHECK_STR(sb.buf ? sb.buf : "", w->path ? w->path : w->title);
	strbuf_free(&sb);
	if (!w->kernel && !w->cmdline) {
		/* Only the title given: when listing all items, one that boots nothing; else a
		 * bootable one whose files are not checked here. */
		if (all)
			CHECK(!e->bootable);
		return;
	}
	CHECK_INT(e->bootable, w->kernel != NULL);
	CHECK_STR(e->kernel.path, w->kernel);
	if (e->kernel.path)
		CHECK_STR(e->kernel.device, VOL);
	CHECK_INT(e->kind, w->multiboot ? BOOT_KIND_MULTIBOOT : BOOT_KIND_LINUX);
	for (size_t i = 0; i < e->n_initrds; i++) {
		if (i)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, e->initrds[i].path);
	}
	CHECK_STR(sb.buf ? sb.buf : "", w->initrds ? w->initrds : "");
	strbuf_free(&sb);
	CHECK_STR(e->cmdline ? e->cmdline : "", w->cmdline ? w->cmdline : "");
	for (size_t i = 0; i < e->n_modules; i++) {
		if (i)
			strbuf_adds(&sb, " | ");
		strbuf_adds(&sb, e->modules[i].file.path);
		if (*e->modules[i].cmdline)
			strbuf_addf(&sb, " %s", e->modules[i].cmdline);
	}
	CHECK_STR(sb.buf ? sb.buf : "", w->modules ? w->modules : "");
	strbuf_free(&sb);
	CHECK_STR(e->devicetree.path, w->devicetree);
	CHECK_INT(e->locked, w->locked);
	if (w->source) {
		strbuf_addf(&sb, "%s:%u", e->source_file ? e->source_file : "?", e->source_line);
		CHECK_STR(sb.buf, w->source);
		strbuf_free(&sb);
	}
}

/* Load files[0] as `kxboot list` does; returns the warnings' count. */
static unsigned load(const struct memfs_file *files, size_t n, bool all, struct menu *m)
{
	struct memfs fs;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, n);
	strbuf_free(&warnings);
	unsigned before = log_problem_count();
	int r = config_load(&fs.lookup, VOL, files[0].path, &config_format_syslinux, m);
	CHECK_INT(r, 0);
	if (!all)
		menu_keep_bootable(m);
	return log_problem_count() - before;
}

static void run_case(const struct syslinux_case *c)
{
	struct menu m = { 0 };
	TEST_BEGIN(c->name);
	unsigned problems = load(c->files, count_files(c->files, N_FILES), c->all, &m);
	size_t n_want = 0;
	while (n_want < N_WANT && c->want[n_want].title)
		n_want++;
	CHECK_STR(m.format, "syslinux");
	CHECK_STR(m.source_path, c->files[0].path);
	CHECK_INT(m.n_entries, n_want);
	for (size_t i = 0; i < n_want && i < m.n_entries; i++)
		check_entry(&m.entries[i], &c->want[i], c->all);
	CHECK_INT(m.default_index, c->want_default);
	CHECK_INT(m.has_timeout ? m.timeout : NOT_SET, c->want_timeout);
	CHECK_INT(m.hidden, c->want_hidden);
	if (!c->want_warning) {
		CHECK_INT(problems, 0);
	} else if (strcmp(c->want_warning, ANY) == 0) {
		CHECK(problems > 0);
	} else {
		CHECK(warnings.buf && strstr(warnings.buf, c->want_warning));
	}
	if (test_failures != test_failures_before_ && warnings.buf)
		printf("    warnings were:\n%s", warnings.buf);
	TEST_END();
	menu_free(&m);
}

/* ---- limits and hostile input ------------------------------------------------------------- */

static void test_include_loop(void)
{
	const struct memfs_file files[] = {
		FILE_AT("/syslinux.cfg", "LABEL a\nKERNEL k\nINCLUDE syslinux.cfg\n"),
	};
	struct menu m = { 0 };
	TEST_BEGIN("INCLUDE loop: stops after CONFIG_INCLUDE_DEPTH_MAX nested files");
	load(files, 1, false, &m);
	CHECK_INT(m.n_entries, CONFIG_INCLUDE_DEPTH_MAX + 1);
	CHECK(warnings.buf && strstr(warnings.buf, "/syslinux.cfg:3: INCLUDE 'syslinux.cfg' "
						   "nested deeper than 16 files, ignoring"));
	TEST_END();
	menu_free(&m);
}

static void test_include_fanout(void)
{
	/* Each file includes the next twice: 2^16 reads without the file budget. */
	const struct memfs_file files[] = {
		FILE_AT("/syslinux.cfg", "INCLUDE a.cfg\nINCLUDE a.cfg\nLABEL last\nKERNEL k\n"),
		FILE_AT("/a.cfg", "LABEL a\nKERNEL k\nINCLUDE a.cfg\nINCLUDE a.cfg\n"),
	};
	struct menu m = { 0 };
	TEST_BEGIN("INCLUDE fan-out: at most CONFIG_FILES_MAX files are read");
	load(files, 2, false, &m);
	CHECK_INT(m.n_entries, CONFIG_FILES_MAX);
	CHECK(warnings.buf && strstr(warnings.buf, "more than 256 config files read"));
	CHECK(m.n_entries > 0 && strcmp(m.entries[m.n_entries - 1].title, "last") == 0);
	TEST_END();
	menu_free(&m);
}

static void test_include_too_big(void)
{
	size_t n = CONFIG_FILE_MAX + 1;
	char *big = malloc(n + 1);
	memset(big, '#', n);
	big[n] = '\0';
	const struct memfs_file files[] = {
		FILE_AT("/syslinux.cfg", "LABEL a\nKERNEL k\nINCLUDE big.cfg\nLABEL b\nKERNEL k\n"),
		{ .path = "/big.cfg", .data = big, .len = n },
	};
	struct menu m = { 0 };
	TEST_BEGIN("an INCLUDE larger than CONFIG_FILE_MAX is not read");
	load(files, 2, false, &m);
	CHECK_INT(m.n_entries, 2);
	CHECK(warnings.buf && strstr(warnings.buf, "cannot read INCLUDE '/big.cfg': larger"));
	TEST_END();
	menu_free(&m);
	free(big);
}

static void test_overlong_line(void)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "LABEL a\nKERNEL k\nAPPEND ");
	for (size_t i = 0; i < CONFIG_LINE_MAX; i++)
		strbuf_addc(&sb, 'x');
	strbuf_adds(&sb, "\nLABEL b\nKERNEL k\nAPPEND short\n");
	const struct memfs_file files[] = { { .path = "/syslinux.cfg", .data = sb.buf } };
	struct menu m = { 0 };
	TEST_BEGIN("a line longer than CONFIG_LINE_MAX is skipped with a warning");
	load(files, 1, false, &m);
	CHECK_INT(m.n_entries, 2);
	if (m.n_entries == 2) {
		CHECK_STR(m.entries[0].cmdline, "");
		CHECK_STR(m.entries[1].cmdline, "short");
	}
	CHECK(warnings.buf &&
	      strstr(warnings.buf, "/syslinux.cfg:3: line longer than 65536 bytes"));
	TEST_END();
	menu_free(&m);
	strbuf_free(&sb);
}

static void test_many_labels(void)
{
	struct strbuf sb = { 0 };
	for (unsigned i = 0; i < MENU_ENTRIES_MAX + 10; i++)
		strbuf_addf(&sb, "LABEL l%u\nKERNEL k\n", i);
	const struct memfs_file files[] = { { .path = "/syslinux.cfg", .data = sb.buf } };
	struct menu m = { 0 };
	TEST_BEGIN("more than MENU_ENTRIES_MAX labels: the first ones are kept");
	load(files, 1, false, &m);
	CHECK_INT(m.n_entries, MENU_ENTRIES_MAX);
	CHECK(warnings.buf && strstr(warnings.buf, "more than 4096 LABELs"));
	TEST_END();
	menu_free(&m);
	strbuf_free(&sb);
}

static void test_deep_submenus(void)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "UI menu.c32\n");
	for (unsigned i = 0; i < 40; i++)
		strbuf_addf(&sb, "MENU BEGIN m%u\n", i);
	strbuf_adds(&sb, "LABEL deep\nKERNEL k\n");
	for (unsigned i = 0; i < 40; i++)
		strbuf_adds(&sb, "MENU END\n");
	strbuf_adds(&sb, "LABEL top\nKERNEL k\n");
	const struct memfs_file files[] = { { .path = "/syslinux.cfg", .data = sb.buf } };
	struct menu m = { 0 };
	TEST_BEGIN("submenus nested deeper than MENU_DEPTH_MAX are flattened, nesting kept");
	load(files, 1, false, &m);
	CHECK_INT(m.n_entries, 2);
	if (m.n_entries == 2) {
		CHECK_INT(m.entries[0].depth, MENU_DEPTH_MAX);
		CHECK_STR(m.entries[0].title, "deep");
		CHECK_INT(m.entries[1].depth, 1);
		CHECK_STR(m.entries[1].title, "top");
	}
	CHECK(warnings.buf && strstr(warnings.buf, "nested"));
	TEST_END();
	menu_free(&m);
	strbuf_free(&sb);
}

static void test_huge_text(void)
{
	/* The callers cap reads at CONFIG_FILE_MAX; the parser itself must still cope. */
	size_t n = 100u << 20;
	char *text = malloc(n + 1);
	static const char pattern[] = "LABEL x\nKERNEL k\nAPPEND a b c\n\0\xff garbage \n";
	size_t plen = sizeof(pattern) - 1;
	for (size_t i = 0; i < n; i++)
		text[i] = pattern[i % plen];
	text[n] = '\0';
	struct config_source src = { .lookup = NULL, .device = VOL, .path = "/syslinux.cfg" };
	struct menu m = { 0 };
	TEST_BEGIN("100 MB of text: parsed to the entry limit, no crash");
	log_max_level = LOG_ERR;
	int r = syslinux_parse_text(&src, text, n, &m);
	log_max_level = LOG_INFO;
	CHECK_INT(r, 0);
	CHECK_INT(m.n_entries, MENU_ENTRIES_MAX);
	TEST_END();
	menu_free(&m);
	free(text);
}

static void test_workdir(void)
{
	/* PXELINUX: the config is pxelinux.cfg/default, names are relative to pxelinux.0's. */
	const struct memfs_file files[] = {
		FILE_AT("/bios/pxelinux.cfg/default", "INCLUDE menu.cfg\n"),
		FILE_AT("/bios/menu.cfg",
			"DEFAULT a\nLABEL a\nKERNEL vmlinuz\nINITRD initrd.img\n"),
	};
	struct memfs fs;
	memfs_init(&fs, volumes, 1, files, 2);
	struct config_source src = { .lookup = &fs.lookup,
				     .device = VOL,
				     .path = "/bios/pxelinux.cfg/default" };
	const char *text = files[0].data;
	struct menu m = { 0 };
	TEST_BEGIN("syslinux_parse_text_in: names relative to the given working directory");
	int r = syslinux_parse_text_in(&src, "/bios", text, strlen(text), &m);
	CHECK_INT(r, 0);
	CHECK_INT(m.n_entries, 1);
	if (m.n_entries == 1) {
		CHECK_STR(m.entries[0].kernel.path, "/bios/vmlinuz");
		CHECK_INT(m.entries[0].n_initrds, 1);
		if (m.entries[0].n_initrds == 1)
			CHECK_STR(m.entries[0].initrds[0].path, "/bios/initrd.img");
		CHECK_STR(m.entries[0].source_file, "/bios/menu.cfg");
	}
	CHECK_INT(m.default_index, 0);
	CHECK_STR(m.source_path, "/bios/pxelinux.cfg/default");
	CHECK_STR(m.source_device, VOL);
	TEST_END();
	menu_free(&m);
}

static void test_discover(void)
{
	/* syslinux.cfg(5): extlinux.conf before syslinux.cfg in a directory; /boot/isolinux
	 * before /isolinux. */
	static const struct {
		const char *present[3];
		const char *want;
	} orders[] = {
		{ { "/boot/syslinux/syslinux.cfg", "/boot/syslinux/extlinux.conf" },
		  "/boot/syslinux/extlinux.conf" },
		{ { "/isolinux/isolinux.cfg", "/boot/isolinux/isolinux.cfg" },
		  "/boot/isolinux/isolinux.cfg" },
		{ { "/extlinux/extlinux.conf" }, "/extlinux/extlinux.conf" },
		{ { "/syslinux.cfg", "/boot/extlinux/extlinux.conf" },
		  "/boot/extlinux/extlinux.conf" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		struct memfs_file files[3];
		size_t n = 0;
		for (; n < 3 && orders[i].present[n]; n++)
			files[n] = (struct memfs_file){ .path = orders[i].present[n],
						       .data = "LABEL a\nKERNEL k\n" };
		struct memfs fs;
		memfs_init(&fs, volumes, 1, files, n);
		struct menu m = { 0 };
		char name[160];
		snprintf(name, sizeof(name), "discovery prefers %s", orders[i].want);
		TEST_BEGIN(name);
		CHECK_INT(config_discover(&fs.lookup, VOL, &m), 0);
		CHECK_STR(m.source_path, orders[i].want);
		CHECK_STR(m.format, "syslinux");
		TEST_END();
		menu_free(&m);
	}
}

int main(void)
{
	log_set_sink(sink, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	test_include_loop();
	test_include_fanout();
	test_include_too_big();
	test_overlong_line();
	test_many_labels();
	test_deep_submenus();
	test_huge_text();
	test_workdir();
	test_discover();
	strbuf_free(&warnings);
	TEST_EXIT();
}
