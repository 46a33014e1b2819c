/* ipxe.h — iPXE scripts (https://ipxe.org/scripting, https://ipxe.org/cmd) as a config format.
 *
 * A script is a program, not a menu file, so kxboot runs it the way iPXE would, with the
 * network already up: `dhcp`, `ifopen` and `ifconf` succeed, nothing waits, and no key is
 * ever pressed (`prompt` fails, `shell` never returns). What the run boots is the menu:
 *
 *   - a script that boots a kernel (`kernel`+`boot`, `chain KERNEL`) without showing a menu
 *     is one entry titled "iPXE script <path>", booted at once (timeout 0);
 *   - a script that reaches `choose` is a menu: the script is run again once per `item`,
 *     with that item's label chosen, and each item becomes an entry titled with the item's
 *     text (its label when the text is empty, the label is the entry id) holding what that
 *     run boots. An item whose run reaches another `choose` is a submenu, one that comes
 *     back to a menu already on the way there (a "back" item) or boots nothing kxboot can
 *     start (`exit`, `shell`, `sanboot`, a PXE or COMBOOT image, a failing command) is an
 *     entry that is not bootable. The default entry is the item `choose --default` names,
 *     else the last `item --default`, else the first item; the timeout is
 *     `choose --timeout` in seconds, rounded up (none or 0: wait for ever, -1).
 *
 * Files a script names are URIs, as in iPXE: absolute ("http://10.0.2.2:8080/boot/vmlinuz",
 * "tftp://server/pxe/initrd.img") or relative to the URI of the script that names them. In
 * the boot entries a file is a boot_file {device, path}:
 *   - absolute URI: device is the scheme and authority as written ("http://10.0.2.2:8080"),
 *     path the rest ("/boot/vmlinuz", a query kept: "/boot.php?mac=52-54-00-12-34-56");
 *   - relative URI: device is the device of the script that names it (for the script kxboot
 *     was given, src->device; for a chained script, the device it was fetched from), path
 *     the RFC 3986 reference resolved against that script's path.
 * Paths are normalised like every path in kxboot ("." and ".." resolved, "//" collapsed);
 * a fragment ("#...") is dropped and percent-escapes are kept as written. A relative URI in
 * a script on a boot server is thus on that server, one in a script on a disk is on that disk.
 *
 * A URI without an authority ("data:...", "file:/x") names nothing kxboot can fetch: the
 * command fails.
 *
 * The kernel command line is the words after the kernel's URI, joined by single spaces, as
 * iPXE passes them (initrd=NAME included; NULL when there are none); initrds are every other
 * image loaded when the kernel boots, in load order, as iPXE's bzImage loader passes them
 * (a second `kernel`, an `initrd` named nowhere, and a chained script that returned without
 * --autofree included, as in iPXE; `imgfree` unloads). `chain`/`boot` of a file that starts
 * with "#!ipxe" runs it as a script (at most CONFIG_INCLUDE_DEPTH_MAX deep; relative URIs in
 * it are relative to it), of a PXE or COMBOOT program or an ISO boots nothing kxboot can
 * start, of anything else boots it as a Linux kernel. kxboot asks the lookup whether each
 * file exists: one it says is missing fails the command, as the download would in iPXE (so
 * `kernel X || goto failed` works); one on a device it cannot reach is taken as present,
 * and as a kernel. Files are looked at once per parse, however many runs name them.
 *
 * Commands: kernel/imgselect/imgload, initrd/imgfetch/module, chain/imgexec/boot, imgargs,
 * imgfree, imgstat, imgverify/imgtrust (accepted: kxboot checks what it boots by its own
 * means), set, clear, echo, isset, iseq, goto, exit, sleep, prompt, read, menu, item,
 * choose, cpuid (only --ext 29, long mode, is present), dhcp, ifopen, ifconf, ifclose,
 * ifstat, iflinkwait, route, show, console, colour, cpair, sanhook, sanunhook (nothing to
 * do), sanboot, shell, config, login, reboot, poweroff, autoboot (end the run: nothing
 * kxboot can boot). Options are read as iPXE's getopt reads them: the first word not
 * starting with '-' ends them. Unknown commands and options are warned about once and
 * fail, so `||` after them works as in an iPXE built without them.
 *
 * Limits: IPXE_* and CONFIG_* in limits.h; a run over its budget boots nothing. */
#pragma once

#include "config.h"

extern const struct config_format config_format_ipxe;

/* Settings every script starts with, in addition to the built-in ones (builtin/platform
 * "pcbios", builtin/buildarch "x86_64"): a NULL-terminated array of name, value, name,
 * value, ... . Names are iPXE setting names with an optional scope and type, as a script
 * writes them after `set`: "net0/mac", "net0/ip", "net0.dhcp/filename", "smbios/uuid",
 * "hostname", "manufacturer", "product", "serial", "asset", "net0/ip:ipv4". Without a type,
 * the type of iPXE's setting of that name is used (mac: hex "52:54:00:12:34:56", ip,
 * netmask, gateway, dns, next-server: ipv4, uuid: uuid), else string. A script reads them
 * as iPXE's do: ${mac} searches every scope, ${net0/mac} and ${netX/mac} the first NIC's,
 * ${mac:hexhyp} formats as "52-54-00-12-34-56". The strings are copied; NULL (or an empty
 * array) clears them. Call it before parsing (the network layer, from its DHCP lease and
 * SMBIOS; tests directly); values that do not parse are warned about at parse time. */
void ipxe_set_default_vars(const char *const *name_value_pairs);
