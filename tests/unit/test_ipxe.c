/* test_ipxe.c — iPXE scripts, one case per rule of https://ipxe.org/scripting and per
 * command of https://ipxe.org/cmd, plus the corpus scripts of ../shared/corpus/ipxe. Each
 * case is a script (the file http://10.0.2.2:8080/ipxe/boot.ipxe unless it says otherwise),
 * files on in-memory servers and disks, and the menu iPXE's behaviour gives: every item,
 * bootable or not, before kxboot drops the ones it cannot boot. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ipxe.h"
#include "log.h"
#include "memfs.h"
#include "test.h"
#include "util.h"

#define H "http://10.0.2.2:8080"
#define T "tftp://10.0.2.2"
#define S "http://someplace.com"
#define D "uuid:disk"
#define OFFLINE "http://offline.example"

static const struct memfs_volume volumes[] = {
	{ .id = H }, { .id = T }, { .id = S }, { .id = D },
};

static const struct memfs_file files[] = {
	{ .device = H, .path = "/ipxe/vmlinuz", .data = "kernel" },
	{ .device = H, .path = "/ipxe/initrd.img", .data = "initrd" },
	{ .device = H, .path = "/ipxe/initrd2.img", .data = "initrd" },
	{ .device = H, .path = "/ipxe/initrd.img?v=2", .data = "initrd" },
	{ .device = H, .path = "/ipxe/memtest.bin", .data = "kernel" },
	{ .device = H, .path = "/ipxe/undionly.kpxe", .data = "PXE NBP" },
	{ .device = H, .path = "/ipxe/initrd-file", .data = "initrd" },
	{ .device = H, .path = "/ipxe/initrd-file.001", .data = "initrd" },
	{ .device = H, .path = "/ipxe/initrd-file.002", .data = "initrd" },
	{ .device = H, .path = "/boot/vmlinuz", .data = "kernel" },
	{ .device = H, .path = "/boot/initrd.img", .data = "initrd" },
	{ .device = H, .path = "/ipxe/sub/next.ipxe",
	  .data = "#!ipxe\nkernel vmlinuz from=sub\nboot\n" },
	{ .device = H, .path = "/ipxe/sub/vmlinuz", .data = "kernel" },
	{ .device = H, .path = "/ipxe/returns.ipxe", .data = "#!ipxe\nset fromchild yes\n" },
	{ .device = H, .path = "/ipxe/exit3.ipxe", .data = "#!ipxe\nexit 3\n" },
	{ .device = H, .path = "/ipxe/loop.ipxe", .data = "#!ipxe\nchain --autofree loop.ipxe\n" },
	{ .device = H, .path = "/ipxe/notascript.txt", .data = "kernel vmlinuz\nboot\n" },
	{ .device = H, .path = "/ipxe/gotos.ipxe",
	  .data = "#!ipxe\ngoto b\n:a\nkernel vmlinuz a\nboot\n:b\ngoto nowhere || kernel vmlinuz b\n"
		  "boot\n" },
	{ .device = H, .path = "/ipxe/menus/menu2.ipxe",
	  .data = "#!ipxe\nmenu Distros\nitem deb Debian\nitem fed Fedora\n"
		  "choose --default fed d && goto ${d}\n"
		  ":deb\nkernel deb/vmlinuz\nboot\n:fed\nkernel fed/vmlinuz\nboot\n" },
	{ .device = H, .path = "/ipxe/menus/deb/vmlinuz", .data = "kernel" },
	{ .device = H, .path = "/ipxe/menus/fed/vmlinuz", .data = "kernel" },
	{ .device = H, .path = "/boot.php?mac=52-54-00-12-34-56",
	  .data = "#!ipxe\nkernel /ipxe/vmlinuz host=${hostname}\nboot\n" },
	{ .device = T, .path = "/pxe/vmlinuz", .data = "kernel" },
	{ .device = S, .path = "/foobar/pxefiles/kernel", .data = "kernel" },
	{ .device = S, .path = "/someinitrd.gz", .data = "initrd" },
	{ .device = D, .path = "/boot/vmlinuz", .data = "kernel" },
	{ .device = D, .path = "/boot/ipxe/initrd.img", .data = "initrd" },
};

/* What the network layer would set from its DHCP lease and SMBIOS. */
static const char *const default_vars[] = {
	"net0/mac", "52:54:00:12:34:56",
	"net0.dhcp/ip", "10.0.2.15",
	"net0.dhcp/next-server", "10.0.2.2",
	"net0.dhcp/filename", H "/ipxe/boot.ipxe",
	"smbios/uuid", "86a9f546-d31b-4ba2-9bbb-303b61bcf8d1",
	"smbios/manufacturer", "QEMU",
	"hostname", "testvm",
	NULL,
};

/* memfs, except that the server OFFLINE cannot be reached at all. */
static struct memfs fs;

static int offline_stat(void *ctx, const char *id, const char *path, enum lookup_type *ret_type,
			uint64_t *ret_size)
{
	if (strcmp(id, OFFLINE) == 0)
		return -ENETUNREACH;
	return fs.lookup.ops->stat(fs.lookup.ctx, id, path, ret_type, ret_size);
}

static int offline_read(void *ctx, const char *id, const char *path, size_t max, char **ret_data,
			size_t *ret_len)
{
	if (strcmp(id, OFFLINE) == 0)
		return -ENETUNREACH;
	return fs.lookup.ops->read(fs.lookup.ctx, id, path, max, ret_data, ret_len);
}

static const struct lookup_ops offline_ops = { .stat = offline_stat, .read = offline_read };
static const struct lookup lookup = { .ops = &offline_ops };

struct want_entry {
	const char *title;
	bool bootable;
	const char *kernel;  /* "device path" */
	const char *cmdline; /* NULL: none */
	const char *initrds; /* "device path|device path" */
	const char *path;    /* submenu titles above the entry, joined by '>' */
	const char *id;
};

struct ipxe_case {
	const char *name;
	const char *script;
	int n_entries;	   /* every item, bootable or not */
	int default_index; /* before unbootable entries are dropped */
	int timeout;	   /* -2: not set */
	struct want_entry want[5];
};

#define SCRIPT_TITLE "iPXE script /ipxe/boot.ipxe"
#define K H " /ipxe/vmlinuz"
#define I1 H " /ipxe/initrd.img"
#define I2 H " /ipxe/initrd2.img"

static const struct ipxe_case cases[] = {
	/* ---- images: kernel, initrd, boot, chain, imgargs, imgfree ---- */
	{ "kernel with arguments, initrd, boot",
	  "#!ipxe\nkernel vmlinuz console=ttyS0 quiet\ninitrd initrd.img\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "console=ttyS0 quiet", I1, "", NULL } } },
	{ "absolute URIs: the scheme and authority are the device",
	  "#!ipxe\nkernel tftp://10.0.2.2/pxe/vmlinuz\n"
	  "initrd http://10.0.2.2:8080/boot/initrd.img\n"
	  "boot\n",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, T " /pxe/vmlinuz", NULL, H " /boot/initrd.img", "", NULL } } },
	{ "relative URIs resolve against the script's URI; queries stay, fragments go",
	  "#!ipxe\nkernel ../boot/vmlinuz\ninitrd /boot/initrd.img\n"
	  "initrd ./initrd.img?v=2#frag\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, H " /boot/vmlinuz", NULL,
		       H " /boot/initrd.img|" H " /ipxe/initrd.img?v=2", "", NULL } } },
	{ "several initrds in load order; --name; imgargs replaces the kernel's arguments",
	  "#!ipxe\nkernel vmlinuz a=1\ninitrd --name one initrd.img\ninitrd initrd2.img\n"
	  "imgargs vmlinuz b=2 initrd=one\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "b=2 initrd=one", I1 "|" I2, "", NULL } } },
	{ "imgargs finds an image by its --name",
	  "#!ipxe\nkernel --name linux vmlinuz a=1\nimgargs linux\nboot linux\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },
	{ "imgfree unloads everything before it",
	  "#!ipxe\ninitrd initrd.img\nkernel /boot/vmlinuz\nimgfree\n"
	  "kernel vmlinuz\ninitrd initrd2.img\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, I2, "", NULL } } },
	{ "imgfree NAME unloads one image",
	  "#!ipxe\ninitrd initrd.img\ninitrd initrd2.img\n"
	  "imgfree initrd.img\nkernel vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, I2, "", NULL } } },
	{ "module and imgfetch load initrds; imgload and imgexec select and boot",
	  "#!ipxe\nmodule initrd.img\nimgfetch initrd2.img\nimgload vmlinuz x\nimgexec\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "x", I1 "|" I2, "", NULL } } },
	{ "a second kernel: the first stays loaded and goes along as an initrd",
	  "#!ipxe\nkernel vmlinuz\nkernel /boot/vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, H " /boot/vmlinuz", NULL, K, "", NULL } } },
	{ "chain of a kernel boots it with its arguments (initrd= kept)",
	  "#!ipxe\ninitrd initrd.img\nchain vmlinuz initrd=initrd.img root=/dev/nfs\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "initrd=initrd.img root=/dev/nfs", I1, "", NULL } } },
	{ "chain of a script runs it; its relative names are from its own URI",
	  "#!ipxe\nchain sub/next.ipxe\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, H " /ipxe/sub/vmlinuz", "from=sub", "", "", NULL } } },
	{ "a chained script that fails stays loaded too (iPXE re-registers it)",
	  "#!ipxe\nchain exit3.ipxe ||\nkernel vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, H " /ipxe/exit3.ipxe", "", NULL } } },
	{ "a chained script that returns stays loaded, and goes along as an initrd",
	  "#!ipxe\nchain returns.ipxe\nkernel vmlinuz ${fromchild}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "yes", H " /ipxe/returns.ipxe", "", NULL } } },
	{ "chain --autofree frees the script when it returns",
	  "#!ipxe\nchain --autofree returns.ipxe\nkernel vmlinuz ${fromchild}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "yes", "", "", NULL } } },
	{ "a chained script's exit status fails chain; || catches it",
	  "#!ipxe\nchain --autofree exit3.ipxe || set failed yes\nkernel vmlinuz ${failed}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "yes", "", "", NULL } } },
	{ "chain --replace: the replaced script goes no further",
	  "#!ipxe\nchain --replace --autofree returns.ipxe\nkernel vmlinuz\nboot\n",
	  0, -1, -2, { { NULL } } },
	{ "a script chaining itself stops at the depth limit",
	  "#!ipxe\nchain --autofree loop.ipxe || goto fallback\n"
	  "exit\n:fallback\nkernel vmlinuz fb=1\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "fb=1", "", "", NULL } } },
	{ "a file the server does not have fails the command",
	  "#!ipxe\nkernel missing/vmlinuz || kernel vmlinuz fallback\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "fallback", "", "", NULL } } },
	{ "a file on a server kxboot cannot reach is taken as present (and as a kernel)",
	  "#!ipxe\ninitrd " OFFLINE "/initrd.img\nchain " OFFLINE "/vmlinuz quiet\n",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, OFFLINE " /vmlinuz", "quiet", OFFLINE " /initrd.img", "",
		NULL } } },
	{ "chain of a PXE program boots nothing kxboot can start",
	  "#!ipxe\nchain undionly.kpxe\n", 0, -1, -2, { { NULL } } },
	{ "boot with no image selected fails",
	  "#!ipxe\nboot || kernel vmlinuz fb\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "fb", "", "", NULL } } },
	{ "a query built from settings names a script on the server",
	  "#!ipxe\nchain http://10.0.2.2:8080/boot.php?mac=${mac:hexhyp}\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "host=testvm", "", "", NULL } } },
	{ "a file that is not a script is booted, whatever its text",
	  "#!ipxe\nchain notascript.txt\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, H " /ipxe/notascript.txt", NULL, "", "", NULL } } },
	{ "labels are the chained script's own; goto elsewhere fails",
	  "#!ipxe\nchain gotos.ipxe\n:nowhere\nexit\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "b", "", "", NULL } } },
	{ "a URI without a server or path fails",
	  "#!ipxe\nkernel data:,hello || kernel file:/vmlinuz || kernel vmlinuz ok\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "ok", "", "", NULL } } },
	{ "imgstat does nothing; read fails (nobody types)",
	  "#!ipxe\nimgstat\nread name || set name none\nkernel vmlinuz ${name}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "none", "", "", NULL } } },
	{ "imgverify and imgtrust are accepted",
	  "#!ipxe\nimgtrust --permanent\nkernel vmlinuz\nimgverify vmlinuz vmlinuz.sig && boot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },

	/* ---- options ---- */
	{ "an unknown option fails the command",
	  "#!ipxe\nkernel --frob vmlinuz || kernel vmlinuz ok\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "ok", "", "", NULL } } },
	{ "options end at the first argument; -- ends them",
	  "#!ipxe\nkernel vmlinuz --foo -x\ninitrd -n two -- initrd.img\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "--foo -x", I1, "", NULL } } },

	/* ---- settings ---- */
	{ "set, clear and ${} expansion; an unset setting expands to nothing",
	  "#!ipxe\nset base http://10.0.2.2:8080/boot\nset opts quiet   splash\n"
	  "set gone 1\nclear gone\n"
	  "kernel ${base}/vmlinuz ${opts} x=${undefined}y g=${gone}\nboot\n",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, H " /boot/vmlinuz", "quiet splash x=y g=", "", "", NULL } } },
	{ "set with no value deletes",
	  "#!ipxe\nset a 1\nset a\nisset ${a} || set b deleted\nkernel vmlinuz ${b}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "deleted", "", "", NULL } } },
	{ "settings from the network layer and the built-in ones",
	  "#!ipxe\nkernel vmlinuz m=${mac} n=${net0/mac} h=${netX/mac:hexhyp} r=${mac:hexraw} "
	  "ip=${ip} ns=${next-server} u=${uuid} g=${uuid:guid} host=${hostname} p=${platform} "
	  "a=${buildarch} mf=${manufacturer} s=${smbios/uuid}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K,
		       "m=52:54:00:12:34:56 n=52:54:00:12:34:56 h=52-54-00-12-34-56 r=525400123456 "
		       "ip=10.0.2.15 ns=10.0.2.2 u=86a9f546-d31b-4ba2-9bbb-303b61bcf8d1 "
		       "g=46f5a986-1bd3-a24b-9bbb-303b61bcf8d1 "
		       "host=testvm p=pcbios a=x86_64 mf=QEMU "
		       "s=86a9f546-d31b-4ba2-9bbb-303b61bcf8d1", "", "", NULL } } },
	{ "a setting in the root scope hides the NIC's; scoped names still reach the NIC's",
	  "#!ipxe\nset ip 192.168.0.3\nkernel vmlinuz ${ip} ${net0/ip} ${ip:hex} ${ip:uint32}\n"
	  "boot\n",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, K, "192.168.0.3 10.0.2.15 c0:a8:00:03 0xc0a80003", "", "",
		NULL } } },
	{ "a value set in a block hides the same setting in the blocks below it",
	  "#!ipxe\nset net0/ip 192.168.0.9\nset net1/ip 10.1.1.1\n"
	  "kernel vmlinuz ${net0/ip} ${net0.dhcp/ip} ${ip} ${net1/ip}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "192.168.0.9 10.0.2.15 192.168.0.9 10.1.1.1", "", "",
		       NULL } } },
	{ "typed settings: integers, hex, base64, uristring; a value of the wrong type fails set",
	  "#!ipxe\nset n:uint8 200\nset s:int8 -1\nset w hello\nset q a&b c\nset x:hex 01:ff\n"
	  "set ip notanip || set bad yes\n"
	  "kernel vmlinuz ${n} ${s} ${w:hex} ${w:base64} ${q:uristring} ${x} ${x:int16} ${bad}\n"
	  "boot\n",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, K, "0xc8 -1 68:65:6c:6c:6f aGVsbG8= a&b%20c 01:ff 511 yes",
		       "", "", NULL } } },
	{ "${} expands innermost first, and values are expanded in turn",
	  "#!ipxe\nset name hostname\nset v ${${name}}\nkernel vmlinuz ${v} ${cwduri}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "testvm " H "/ipxe/", "", "", NULL } } },
	{ "${cwduri} makes an absolute URI of a relative name",
	  "#!ipxe\nkernel ${cwduri}vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },
	{ "the DHCP server's settings build URIs",
	  "#!ipxe\nkernel tftp://${next-server}/pxe/vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, T " /pxe/vmlinuz", NULL, "", "", NULL } } },

	/* ---- flow: && || ; goto, labels, failures, exit ---- */
	{ "isset, iseq, &&, || and ;",
	  "#!ipxe\nisset ${hostname} && set a 1 || set a 0\nisset ${nope} && set b 1 || set b 0\n"
	  "iseq ${platform} pcbios && set c 1\niseq x y || set d 1 ; set e 1\n"
	  "kernel vmlinuz a=${a} b=${b} c=${c} d=${d} e=${e}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "a=1 b=0 c=1 d=1 e=1", "", "", NULL } } },
	{ "a failing command ends the script",
	  "#!ipxe\niseq a b\nkernel vmlinuz\nboot\n", 0, -1, -2, { { NULL } } },
	{ "&& after a failure skips, and the line fails",
	  "#!ipxe\nisset ${nope} && echo never\nkernel vmlinuz\nboot\n", 0, -1, -2, { { NULL } } },
	{ "a trailing || keeps a failure from ending the script",
	  "#!ipxe\nisset ${nope} && echo never ||\nkernel vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },
	{ "iseq without || ends the script when it fails",
	  "#!ipxe\nset n 0\niseq ${n} 000 && goto done\n:done\nkernel vmlinuz\nboot\n",
	  0, -1, -2, { { NULL } } },
	{ "goto and labels make a loop",
	  "#!ipxe\nset n 0\n:start\niseq ${n} 000 && goto done ||\nset n ${n}0\ngoto start\n"
	  ":done\nkernel vmlinuz n=${n}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "n=000", "", "", NULL } } },
	{ "goto a computed label",
	  "#!ipxe\ngoto host_${hostname} || goto unknown\n:host_other\nexit\n"
	  ":host_testvm\nkernel vmlinuz who=testvm\nboot\n"
	  ":unknown\nkernel vmlinuz who=unknown\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "who=testvm", "", "", NULL } } },
	{ "goto a missing label fails; || goes on",
	  "#!ipxe\ngoto nowhere || goto unknown\nexit\n:unknown\n"
	  "kernel vmlinuz who=unknown\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "who=unknown", "", "", NULL } } },
	{ "goto ends its line; a label line runs the rest of its line",
	  "#!ipxe\ngoto there ; set skipped yes\n:there set x jumped\n"
	  "kernel vmlinuz x=${x} s=${skipped}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "x=jumped s=", "", "", NULL } } },
	{ "goto finds the first of two equal labels",
	  "#!ipxe\ngoto l\n:l\nkernel vmlinuz first\nboot\n:l\nkernel vmlinuz second\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "first", "", "", NULL } } },
	{ "an endless goto loop stops at the step limit",
	  "#!ipxe\n:loop\ngoto loop\n", 0, -1, -2, { { NULL } } },
	{ "comments: # lines and words starting with #",
	  "#!ipxe\n# a comment\nkernel vmlinuz a=1 a#b # b=2 || c=3\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "a=1 a#b", "", "", NULL } } },
	{ "backslash joins lines; CR LF line ends",
	  "#!ipxe\r\nkernel vmlinuz \\\r\n  quiet \\\r\nsplash\r\nboot\r\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "quiet splash", "", "", NULL } } },
	{ "a continuation at the end of the script loses that line",
	  "#!ipxe\nkernel vmlinuz\nboot \\", 0, -1, -2, { { NULL } } },
	{ "exit ends the script",
	  "#!ipxe\nexit\nkernel vmlinuz\nboot\n", 0, -1, -2, { { NULL } } },
	{ "#!gpxe scripts are scripts too",
	  "#!gpxe\nkernel vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },

	/* ---- commands kxboot has nothing to do for, or that fail without a person ---- */
	{ "dhcp, ifopen, ifconf, echo, sleep, console, cpuid --ext 29 succeed",
	  "#!ipxe\ndhcp && ifopen net0 && ifconf -c dhcp && echo -n hello ${hostname} && sleep 3\n"
	  "console --x 1024 --y 768 ; colour --rgb 0xff0000 1 ; cpair --foreground 1 0\n"
	  "cpuid --ext 29 && set arch x86_64 || set arch i386\nkernel vmlinuz ${arch}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "x86_64", "", "", NULL } } },
	{ "prompt fails: nobody presses a key",
	  "#!ipxe\nprompt --key 0x02 --timeout 2000 Press "
	  "Ctrl-B for the iPXE command line... && shell ||\n"
	  "kernel vmlinuz\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, NULL, "", "", NULL } } },
	{ "prompt's failure ends the script without ||",
	  "#!ipxe\nprompt Press any key && shell\n"
	  "kernel vmlinuz\nboot\n", 0, -1, -2, { { NULL } } },
	{ "unknown commands fail, and || works after them",
	  "#!ipxe\nfrobnicate now || set f failed\nkernel vmlinuz f=${f}\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "f=failed", "", "", NULL } } },
	{ "sanboot boots nothing kxboot can start",
	  "#!ipxe\nsanhook iscsi:10.0.2.2::::iqn.x\nsanboot --no-describe --drive 0x80\n"
	  "kernel vmlinuz\nboot\n",
	  0, -1, -2, { { NULL } } },

	/* ---- menus ---- */
	{ "a menu: one entry per item, choose --default and --timeout",
	  "#!ipxe\nmenu Please choose an operating system to boot\nitem --gap -- ---- Linux ----\n"
	  "item linux    Boot Linux\nitem --key s shell    Enter iPXE shell\n"
	  "item exit     Exit to BIOS\n"
	  "choose --default exit --timeout 3000 target && goto ${target}\n"
	  ":linux\nkernel vmlinuz root=/dev/sda1\ninitrd initrd.img\n"
	  "boot\n:shell\nshell\n:exit\nexit\n",
	  3, 2, 3,
	  { { "Boot Linux", true, K, "root=/dev/sda1", I1, "", "linux" },
	    { "Enter iPXE shell", false, NULL, NULL, NULL, "", "shell" },
	    { "Exit to BIOS", false, NULL, NULL, NULL, "", "exit" } } },
	{ "item --default without a timeout waits for ever; an empty text shows the label",
	  "#!ipxe\nmenu\nitem a\nitem --default b Second\nchoose c && goto ${c}\n"
	  ":a\nkernel vmlinuz a\nboot\n:b\nkernel vmlinuz b\nboot\n",
	  2, 1, -1,
	  { { "a", true, K, "a", "", "", "a" }, { "Second", true, K, "b", "", "", "b" } } },
	{ "without defaults the first item; a timeout rounds up to seconds",
	  "#!ipxe\nmenu\nitem --gap Choose:\nitem a A\nitem b B\n"
	  "choose --timeout 2500 c && goto ${c}\n"
	  ":a\nkernel vmlinuz a\nboot\n:b\nkernel vmlinuz b\nboot\n",
	  2, 0, 3, { { "A", true, K, "a", "", "", "a" }, { "B", true, K, "b", "", "", "b" } } },
	{ "items share what runs before the menu and run on from their label",
	  "#!ipxe\nset common quiet\ninitrd initrd.img\nmenu\n"
	  "item a A\nitem b B\nchoose x && goto ${x}\n"
	  ":a\nkernel vmlinuz ${common} a\nboot\n:b\nimgfree\n"
	  "kernel vmlinuz ${common} ${x}\nboot\n",
	  2, 0, -1,
	  { { "A", true, K, "quiet a", I1, "", "a" }, { "B", true, K, "quiet b", "", "", "b" } } },
	{ "a submenu; an item going back to a menu already shown is not bootable",
	  "#!ipxe\n:main\nmenu Main\nitem linux Linux\nitem tools Tools\n"
	  "choose sel && goto ${sel}\n"
	  ":linux\nkernel vmlinuz linux\nboot\n"
	  ":tools\nmenu Tools\nitem mem Memtest\nitem back Back\n"
	  "choose --default mem sel && goto ${sel}\n"
	  ":mem\nkernel memtest.bin\nboot\n:back\ngoto main\n",
	  3, 0, -1,
	  { { "Linux", true, K, "linux", "", "", "linux" },
	    { "Memtest", true, H " /ipxe/memtest.bin", NULL, "", "Tools", "mem" },
	    { "Back", false, NULL, NULL, NULL, "Tools", "back" } } },
	{ "a submenu in a chained script; the default follows into it",
	  "#!ipxe\nmenu\nitem local Boot from disk\nitem net Network installers\n"
	  "choose --default net --timeout 5000 c && goto ${c}\n"
	  ":local\nsanboot --no-describe --drive 0x80\n:net\nchain menus/menu2.ipxe\n",
	  3, 2, 5,
	  { { "Boot from disk", false, NULL, NULL, NULL, "", "local" },
	    { "Debian", true, H " /ipxe/menus/deb/vmlinuz", NULL, "", "Network installers", "deb" },
	    { "Fedora", true, H " /ipxe/menus/fed/vmlinuz", NULL, "", "Network installers",
	      "fed" } } },
	{ "named menus",
	  "#!ipxe\nmenu --name other Other\nmenu Main\nitem --menu other o1 Other's\n"
	  "item m1 Main's\n"
	  "choose --menu other c && goto ${c}\nexit\n:o1\nkernel vmlinuz ${c}\nboot\n",
	  1, 0, -1, { { "Other's", true, K, "o1", "", "", "o1" } } },
	{ "an item looping for ever does not stop the others",
	  "#!ipxe\nmenu\nitem spin Spin\nitem ok OK\nchoose c && goto ${c}\n:spin\ngoto spin\n"
	  ":ok\nkernel vmlinuz\nboot\n",
	  2, 0, -1,
	    { { "Spin", false, NULL, NULL, NULL, "", "spin" },
	      { "OK", true, K, NULL, "", "", "ok" } } },
	{ "choose without a menu fails",
	  "#!ipxe\nchoose c || kernel vmlinuz nomenu\nboot\n",
	  1, 0, 0, { { SCRIPT_TITLE, true, K, "nomenu", "", "", NULL } } },

	/* ---- ../shared/corpus/ipxe (petitboot's test scripts) ---- */
	{ "corpus simple.ipxe",
	  "#!ipxe\n\t\t\t\tkernel http://someplace.com/foobar/pxefiles/kernel\n"
	  "\t\t\t\tinitrd initrd-file\n\t\t\t\tboot",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, S " /foobar/pxefiles/kernel", NULL, H " /ipxe/initrd-file", "",
		NULL } } },
	{ "corpus multiline.ipxe",
	  "#!ipxe\n\t\t\t\tkernel http://someplace.com/foobar/pxefiles/kernel\n"
	  "\t\t\t\tinitrd initrd-file.001\n"
	  "\t\t\t\tinitrd initrd-file.002\n\t\t\t\tboot",
	  1, 0, 0, { { SCRIPT_TITLE, true, S " /foobar/pxefiles/kernel", NULL,
		       H " /ipxe/initrd-file.001|" H " /ipxe/initrd-file.002", "", NULL } } },
	{ "corpus unsupported_cmd.ipxe (set is an iPXE command)",
	  "#!ipxe\n\t\t\t\tkernel http://someplace.com/foobar/pxefiles/kernel\n"
	  "                                initrd http://someplace.com/someinitrd.gz\n"
	  "                                set ip 0.0.0.0\n\t\t\t\tboot",
	  1, 0, 0,
	    { { SCRIPT_TITLE, true, S " /foobar/pxefiles/kernel", NULL, S " /someinitrd.gz", "",
		NULL } } },
};

static void join_files(const struct boot_file *f, size_t n, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s %s", i ? "|" : "",
			 f[i].device ? f[i].device : "(null)", f[i].path);
}

static void join_levels(const struct boot_entry *e, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i + 1 < e->depth; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ">" : "",
			 e->levels[i].title);
}

static int parse_text(const char *device, const char *path, const char *text, size_t len,
		      struct menu *m)
{
	struct config_source src = { .lookup = &lookup, .device = device, .path = path };
	return config_format_ipxe.parse(&src, text, len, m);
}

static void run_case(const struct ipxe_case *tc)
{
	struct menu m = { 0 };
	TEST_BEGIN(tc->name);
	int r = parse_text(H, "/ipxe/boot.ipxe", tc->script, strlen(tc->script), &m);
	CHECK_INT(r, 0);
	CHECK_STR(m.format, "ipxe");
	CHECK_INT(m.n_entries, tc->n_entries);
	CHECK_INT(m.default_index, tc->default_index);
	if (tc->timeout == -2) {
		CHECK(!m.has_timeout);
	} else {
		CHECK(m.has_timeout);
		CHECK_INT(m.timeout, tc->timeout);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tc->want) && i < m.n_entries; i++) {
		const struct want_entry *w = &tc->want[i];
		const struct boot_entry *e = &m.entries[i];
		char buf[1024];
		if (!w->title)
			continue;
		CHECK_STR(e->title, w->title);
		CHECK_STR(e->id, w->id);
		CHECK_INT(e->bootable, w->bootable);
		join_levels(e, buf, sizeof(buf));
		CHECK_STR(buf, w->path);
		if (!w->bootable)
			continue;
		CHECK_INT(e->kind, BOOT_KIND_LINUX);
		join_files(&e->kernel, 1, buf, sizeof(buf));
		CHECK_STR(buf, w->kernel);
		CHECK_STR(e->cmdline, w->cmdline);
		join_files(e->initrds, e->n_initrds, buf, sizeof(buf));
		CHECK_STR(buf, w->initrds);
	}
	TEST_END();
	menu_free(&m);
}

int main(void)
{
	log_max_level = getenv("TEST_IPXE_DEBUG") ? LOG_DEBUG : LOG_ERR;
	memfs_init(&fs, volumes, ARRAY_SIZE(volumes), files, ARRAY_SIZE(files));
	ipxe_set_default_vars(default_vars);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++)
		run_case(&cases[c]);
	struct menu m;
	const char *text;
	TEST_BEGIN("a script on a disk: relative names are on that disk");
	struct menu d = { 0 };
	const char *on_disk = "#!ipxe\nkernel ../vmlinuz\ninitrd initrd.img\nboot\n";
	CHECK_INT(parse_text(D, "/boot/ipxe/boot.ipxe", on_disk, strlen(on_disk), &d), 0);
	CHECK_INT(d.n_entries, 1);
	if (d.n_entries) {
		CHECK_STR(d.entries[0].title, "iPXE script /boot/ipxe/boot.ipxe");
		CHECK_STR(d.entries[0].kernel.device, D);
		CHECK_STR(d.entries[0].kernel.path, "/boot/vmlinuz");
		CHECK_INT(d.entries[0].n_initrds, 1);
		if (d.entries[0].n_initrds)
			CHECK_STR(d.entries[0].initrds[0].path, "/boot/ipxe/initrd.img");
	}
	CHECK_STR(d.source_device, D);
	menu_free(&d);
	TEST_END();

	TEST_BEGIN("corpus empty.ipxe: \"#!ipxe\" with nothing after it "
	           "is not a script (iPXE wants a blank after the magic)");
	m = (struct menu){ 0 };
	CHECK_INT(parse_text(H, "/ipxe/empty.ipxe", "#!ipxe", 6, &m), -EINVAL);
	CHECK_INT(m.n_entries, 0);
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("a file without the #!ipxe line is not an iPXE script");
	m = (struct menu){ 0 };
	text = "kernel vmlinuz\nboot\n";
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", text, strlen(text), &m), -EINVAL);
	menu_free(&m);
	m = (struct menu){ 0 };
	text = "#!ipxeX\nkernel vmlinuz\nboot\n";
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", text, strlen(text), &m), -EINVAL);
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("config_load reads a script named with "
	           "--format ipxe; kxboot drops what it cannot boot");
	m = (struct menu){ 0 };
	static const struct memfs_file one[] = {
		{ .device = H, .path = "/ipxe/menu.ipxe",
		  .data = "#!ipxe\nmenu\nitem s Shell\nitem l "
		          "Linux\nchoose --default s --timeout 1000 c && goto ${c}\n"
			  ":s\nshell\n:l\nkernel vmlinuz\nboot\n" },
		{ .device = H, .path = "/ipxe/vmlinuz", .data = "kernel" },
	};
	struct memfs fs1;
	memfs_init(&fs1, volumes, 1, one, ARRAY_SIZE(one));
	CHECK_INT(config_load(&fs1.lookup, H, "/ipxe/menu.ipxe", &config_format_ipxe, &m), 0);
	CHECK_INT(m.n_entries, 2);
	CHECK_INT(m.default_index, 0);
	CHECK_INT(m.timeout, 1);
	CHECK_STR(m.source_device, H);
	CHECK_STR(m.source_path, "/ipxe/menu.ipxe");
	menu_keep_bootable(&m);
	CHECK_INT(m.n_entries, 1);
	CHECK_INT(m.default_index, -1); /* the default item (shell) boots nothing */
	if (m.n_entries)
		CHECK_STR(m.entries[0].title, "Linux");
	CHECK(config_format_ipxe.paths[0] == NULL);
	CHECK(config_format_ipxe.load == NULL);
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("ipxe_set_default_vars: typed names, bad values warned about, NULL clears");
	static const char *const vars2[] = { "net0/mac:hexhyp", "aa-bb-cc-dd-ee-ff",
					     "net0/ip", "bad",
					     "hostname", "other",
					     NULL };
	ipxe_set_default_vars(vars2);
	text = "#!ipxe\nkernel vmlinuz ${mac} ${ip} ${hostname}\nboot\n";
	unsigned before = log_problem_count();
	m = (struct menu){ 0 };
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", text, strlen(text), &m), 0);
	CHECK(log_problem_count() > before);
	CHECK_INT(m.n_entries, 1);
	if (m.n_entries)
		CHECK_STR(m.entries[0].cmdline, "aa-bb-cc-dd-ee-ff  other");
	menu_free(&m);
	ipxe_set_default_vars(NULL);
	m = (struct menu){ 0 };
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", text, strlen(text), &m), 0);
	if (m.n_entries)
		CHECK_STR(m.entries[0].cmdline, "  ");
	menu_free(&m);
	TEST_END();

	TEST_BEGIN("a huge menu and deep submenus stay within the limits");
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "#!ipxe\n:top\nmenu\n");
	for (int i = 0; i < 300; i++)
		strbuf_addf(&sb, "item i%d Item %d\n", i, i);
	strbuf_adds(&sb, "choose c && goto ${c}\n");
	for (int i = 0; i < 300; i++)
		strbuf_addf(&sb, ":i%d\nkernel vmlinuz %d\nboot\n", i, i);
	m = (struct menu){ 0 };
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", sb.buf, sb.len, &m), 0);
	CHECK_INT(m.n_entries, 300);
	if (m.n_entries == 300)
		CHECK_STR(m.entries[299].cmdline, "299");
	menu_free(&m);
	strbuf_free(&sb);
	/* Every level is a new menu (its title counts up): nesting stops at MENU_DEPTH_MAX. */
	text = "#!ipxe\nset d 0\n:again\nmenu\nitem more More ${d}\nitem boot Boot\n"
	       "choose c && goto ${c}\n:more\nset d ${d}1\ngoto again\n"
	       ":boot\nkernel vmlinuz ${d}\nboot\n";
	m = (struct menu){ 0 };
	CHECK_INT(parse_text(H, "/ipxe/boot.ipxe", text, strlen(text), &m), 0);
	CHECK_INT(m.n_entries, 17); /* "Boot" at each of 16 levels, and the last "More" */
	if (m.n_entries == 17) {
		CHECK_INT(m.entries[0].depth, 16);
		CHECK(!m.entries[0].bootable);
		CHECK_STR(m.entries[1].cmdline, "0111111111111111");
		CHECK_STR(m.entries[16].cmdline, "0");
		CHECK_INT(m.default_index, 0); /* the first item ("More") at every level */
	}
	menu_free(&m);
	TEST_END();

	TEST_EXIT();
}
