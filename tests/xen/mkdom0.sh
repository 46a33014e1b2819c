#!/bin/bash
# mkdom0.sh BUILD — the Xen host of the Xen tests: BUILD/xen/xen.elf and BUILD/xen/dom0.initrd.
#
# Nothing is installed on this machine for Xen: Debian's packages are fetched with
# `apt-get download` into BUILD/xen/debs and unpacked with `dpkg-deb -x` into BUILD/xen/tree.
#   xen-hypervisor-4.17-amd64  boot/xen-4.17-amd64.gz, unzipped to xen.elf (a multiboot ELF
#                              that QEMU loads with -kernel)
#   xen-utils-4.17             xl, xenstored, xenconsoled, xen-init-dom0 (/usr/lib/xen-4.17/bin)
#   xenstore-utils             xenstore-read, -write, -ls, ...
#   xen-utils-common           /etc/xen/scripts (the block and vif-bridge hotplug scripts)
#   qemu-system-xen            the HVM device model, /usr/libexec/xen-qemu-system-i386
#   seabios, qemu-system-data, ipxe-qemu   the firmware and ROMs the device model loads
#   libxen*                    the Xen libraries of the same version as the tools
# Other shared libraries come from the host when it has them (the host's qemu-system-x86 pulls
# in glib, pixman, spice, ...); a library package the host lacks is fetched and unpacked too.
#
# dom0.initrd (an uncompressed newc cpio: nothing to decompress under TCG) holds busybox
# (static) with every applet, the binaries above with their shared-library closure (read from
# DT_NEEDED, no ldd) plus libgcc_s.so.1 (xl aborts in pthread_cancel without it), bash for the
# hotplug scripts, hvmloader, SeaBIOS, QEMU's option ROMs and keymaps, the Debian kernel's
# modules that dom0 needs (with depmod's modules.dep for that subset), /lib/xentest.sh (helpers
# for test scripts, tests/xen/dom0-lib.sh) and /init (tests/xen/dom0-init.sh). The kernel is the
# kxboot image's Debian kernel, BUILD/kernel/vmlinuz (`make image` fetches it if missing).
#
# Does nothing when the inputs are unchanged (BUILD/xen/dom0.stamp). Prints the paths it made.
# Environment: XEN_DOM0_COMPRESS (none (default), gzip, zstd), XEN_REFRESH=1 (ask apt for the
# current versions instead of reusing BUILD/xen/debs/resolved.list), XEN_OFFLINE=1 (never
# download: use whatever .debs are cached).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
XEN=$BUILD/xen
DEBS=$XEN/debs
TREE=$XEN/tree
COMPRESS=${XEN_DOM0_COMPRESS:-none}
mkdir -p "$DEBS"

for t in apt-get dpkg-deb dpkg-query readelf cpio depmod modprobe zcat sha256sum; do
	command -v "$t" >/dev/null || xdie "$t not found"
done
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -f "$BUSYBOX" ] || xdie "busybox '$BUSYBOX' not found (apt-get install busybox-static)"
readelf -l "$BUSYBOX" | grep -q 'program interpreter' && xdie "$BUSYBOX is not static"
BASH_BIN=$(readlink -f /bin/bash)

# ---- the Debian kernel of the kxboot image --------------------------------------------------
if [ ! -e "$BUILD/kernel/vmlinuz" ] || [ ! -d "$BUILD/kernel/modules/" ] ||
	[ ! -e "$BUILD/kxboot.initrd" ]; then
	xlog "no kernel or kxboot image in $BUILD: make image"
	make -C "$XEN_TOP" BUILD="$BUILD" image >&2 || xdie "make image failed"
fi
KVER=$(cat "$BUILD/kernel/version")
MODULES=$(readlink -f "$BUILD/kernel/modules")
[ -f "$MODULES/modules.dep.bin" ] || xdie "$MODULES has no modules.dep.bin"

# ---- packages ---------------------------------------------------------------------------------
APT_UPDATED=
# deb_of NAME — path of the cached .deb of NAME's candidate version, downloading it if needed.
deb_of() {
	local name=$1 ver f
	ver=$(apt-cache policy "$name" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if { [ -z "$ver" ] || [ "$ver" = "(none)" ]; } && [ -z "${XEN_OFFLINE:-}" ] && [ -z "$APT_UPDATED" ]; then
		xlog "apt-cache knows no $name: apt-get update"
		apt-get update -q >/dev/null 2>&1 || true
		APT_UPDATED=1
		ver=$(apt-cache policy "$name" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	fi
	if [ -z "$ver" ] || [ "$ver" = "(none)" ] || [ -n "${XEN_OFFLINE:-}" ]; then
		# Offline: whatever version is cached.
		f=$(ls "$DEBS/${name}_"*.deb 2>/dev/null | LC_ALL=C sort | tail -n 1)
		[ -n "$f" ] || { xlog "package $name: no candidate and nothing cached"; return 1; }
		echo "$f"
		return
	fi
	f=$(ls "$DEBS/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$f" ]; then
		(cd "$DEBS" && apt-get download -q "$name=$ver") >"$DEBS/.apt.log" 2>&1 ||
			{ cat "$DEBS/.apt.log" >&2; xlog "apt-get download $name=$ver failed"; return 1; }
		f=$(ls "$DEBS/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$f" ] || { xlog "apt-get download $name left no .deb"; return 1; }
		xlog "downloaded $(basename "$f")"
	fi
	echo "$f"
}

host_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# lib_deps DEB — the library packages (first alternative of each Depends) of a .deb
lib_deps() {
	dpkg-deb -f "$1" Depends Pre-Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' |
		grep '^lib' | LC_ALL=C sort -u || true
}

MAIN_PKGS="xen-hypervisor-$XEN_VER-amd64 xen-utils-$XEN_VER xenstore-utils xen-utils-common
 qemu-system-xen seabios qemu-system-data ipxe-qemu"
declare -A SEEN=()
DEB_LIST=()
read -r -a queue <<<"$(echo $MAIN_PKGS)"
PKGS_LINE="# ${queue[*]}"
# The package set resolved last time, reused while every file is there (asking apt about each
# package again takes seconds); XEN_REFRESH=1 asks again (e.g. for a security update).
RESOLVED=$DEBS/resolved.list
if [ -z "${XEN_REFRESH:-}" ] && [ -s "$RESOLVED" ] && [ "$(head -n 1 "$RESOLVED")" = "$PKGS_LINE" ]; then
	while IFS= read -r f; do
		case $f in "#"*) continue ;; esac
		[ -f "$DEBS/$f" ] || { DEB_LIST=(); break; }
		DEB_LIST+=("$DEBS/$f")
	done <"$RESOLVED"
	[ ${#DEB_LIST[@]} -eq 0 ] || queue=()
fi
while [ ${#queue[@]} -gt 0 ]; do
	p=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${SEEN[$p]:-}" ] || continue
	SEEN[$p]=1
	f=$(deb_of "$p") || xdie "cannot get package $p"
	DEB_LIST+=("$f")
	for d in $(lib_deps "$f"); do
		[ -z "${SEEN[$d]:-}" ] || continue
		case $d in
		libc6 | libgcc-s1) ;; # the host's loader and libc run everything
		libxen*) queue+=("$d") ;; # same version as the tools, always
		*) host_has "$d" || queue+=("$d") ;;
		esac
	done
done

{
	echo "$PKGS_LINE"
	printf '%s\n' "${DEB_LIST[@]##*/}"
} >"$RESOLVED"

# ---- up to date? ------------------------------------------------------------------------------
STAMP=$XEN/dom0.stamp
stamp=$( {
	cat "$HERE/mkdom0.sh" "$HERE/lib.sh" "$HERE/dom0-init.sh" "$HERE/dom0-lib.sh"
	printf '%s\n' "${DEB_LIST[@]##*/}" | LC_ALL=C sort
	cat "$BUILD/kernel/package" 2>/dev/null
	echo "$KVER $COMPRESS"
	sha256sum "$BUSYBOX" "$BASH_BIN" "$(command -v flock)" "$(PATH=/usr/sbin:/sbin:$PATH command -v losetup)"
} | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp" ] && [ -f "$XEN/xen.elf" ] &&
	[ -f "$XEN/dom0.initrd" ]; then
	xlog "dom0 up to date: $XEN/xen.elf $XEN/dom0.initrd"
	exit 0
fi
rm -f "$STAMP"

rm -rf "$TREE"
mkdir -p "$TREE"
for f in "${DEB_LIST[@]}"; do dpkg-deb -x "$f" "$TREE"; done

# ---- the hypervisor ---------------------------------------------------------------------------
XENGZ=$(ls "$TREE"/boot/xen-$XEN_VER-amd64.gz 2>/dev/null || ls "$TREE"/boot/xen-*.gz | head -n 1)
zcat "$XENGZ" >"$XEN/xen.elf.tmp"
mv "$XEN/xen.elf.tmp" "$XEN/xen.elf"

# ---- dom0's root ------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-dom0.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
EMPTY=$WORK/empty-conf
mkdir -p "$R" "$EMPTY"
for d in bin sbin usr/bin usr/sbin etc dev proc sys run tmp mnt payload root var/lib/xen \
	var/lib/xenstored var/log/xen/console var/lock lib/x86_64-linux-gnu lib64; do
	mkdir -p "$R/$d"
done
ln -s ../run "$R/var/run"
: >"$WORK/elf-done"

LIBDIR=/lib/x86_64-linux-gnu
# Where shared libraries are looked for: the unpacked packages first, then the host.
SEARCH="$TREE/lib/x86_64-linux-gnu $TREE/usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
 /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64"
resolve_lib() {
	local d
	for d in $SEARCH; do
		[ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
# copy_elf SRC DEST — SRC at DEST in the root, with its interpreter and DT_NEEDED closure
# (libraries all in /lib/x86_64-linux-gnu, a directory the loader searches without a cache).
copy_elf() {
	local src=$1 dest=$2 interp lib r
	grep -qxF "$dest" "$WORK/elf-done" && return 0
	echo "$dest" >>"$WORK/elf-done"
	mkdir -p "$R$(dirname "$dest")"
	cp -L "$src" "$R$dest"
	interp=$(readelf -l "$src" 2>/dev/null | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
	[ -z "$interp" ] || copy_elf "$interp" "$interp"
	for lib in $(readelf -d "$src" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		case $lib in ld-linux*) continue ;; esac
		r=$(resolve_lib "$lib") || xdie "$src needs $lib, found neither in the packages nor on the host"
		copy_elf "$r" "$LIBDIR/$lib"
	done
}

# busybox and its applets (not init: /init is ours)
cp "$BUSYBOX" "$R/bin/busybox"
"$BUSYBOX" --list-full | while IFS= read -r a; do
	case "$a" in linuxrc | sbin/init | bin/busybox | "") continue ;; esac
	[ -e "$R/$a" ] || [ -L "$R/$a" ] && continue
	mkdir -p "$R/$(dirname "$a")"
	ln -s /bin/busybox "$R/$a"
done
# bash for the hotplug scripts (#!/bin/bash)
rm -f "$R/bin/bash"
copy_elf "$BASH_BIN" /bin/bash
# and what they need that busybox lacks or does differently: flock (locking.sh), util-linux's
# losetup (the block script parses `losetup -a` and `losetup -h`)
for t in flock losetup; do
	p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v $t) || xdie "$t not found (util-linux, mount)"
	for d in bin sbin usr/bin usr/sbin; do rm -f "$R/$d/$t"; done
	copy_elf "$p" "/usr/sbin/$t"
done

# Xen's tools
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper xenstore-control; do
	[ -f "$TREE$XEN_BIN/$b" ] || xdie "xen-utils-$XEN_VER has no $XEN_BIN/$b"
	copy_elf "$TREE$XEN_BIN/$b" "$XEN_BIN/$b"
done
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole; do
	ln -sf "$XEN_BIN/$b" "$R/usr/sbin/$b"
done
copy_elf "$TREE/usr/bin/xenstore" /usr/bin/xenstore
for b in read write rm ls list exists chmod watch; do
	ln -s xenstore "$R/usr/bin/xenstore-$b"
done
ln -sf "$XEN_BIN/xenstore-control" "$R/usr/bin/xenstore-control"
# glibc loads libgcc_s at run time for pthread_cancel's unwinding
copy_elf "$(resolve_lib libgcc_s.so.1)" "$LIBDIR/libgcc_s.so.1"
# hotplug scripts and xl's configuration
mkdir -p "$R/etc/xen"
cp -a "$TREE/etc/xen/scripts" "$R/etc/xen/"
cp "$TREE/etc/xen/xl.conf" "$R/etc/xen/"

# HVM: device model, hvmloader, SeaBIOS, QEMU's ROMs and keymaps
copy_elf "$TREE/usr/libexec/xen-qemu-system-i386" /usr/libexec/xen-qemu-system-i386
mkdir -p "$R/usr/lib/xen-$XEN_VER/boot" "$R/usr/share/qemu" "$R/usr/share/seabios"
cp "$TREE/usr/lib/xen-$XEN_VER/boot/hvmloader" "$R/usr/lib/xen-$XEN_VER/boot/"
cp -L "$TREE"/usr/share/seabios/*.bin "$R/usr/share/seabios/"
# Debian's QEMU looks for firmware in /usr/share/qemu, /usr/share/seabios and /usr/lib/ipxe/qemu
for f in linuxboot.bin linuxboot_dma.bin kvmvapic.bin; do
	cp -L "$TREE/usr/share/qemu/$f" "$R/usr/share/qemu/$f"
done
# every NIC model's option ROM (an HVM guest's emulated NIC is libxl's rtl8139 unless the vif
# says model=; QEMU refuses to start without its ROM)
mkdir -p "$R/usr/lib/ipxe/qemu"
cp -L "$TREE"/usr/lib/ipxe/qemu/*.rom "$R/usr/lib/ipxe/qemu/"
cp -a "$TREE/usr/share/qemu/keymaps" "$R/usr/share/qemu/"

# ---- kernel modules ---------------------------------------------------------------------------
# Xen's dom0 drivers (event channels, grant tables, privcmd, xenfs, the block and net backends),
# the bridge for guest networking, loop for file-backed guest disks, tun for an HVM guest's
# emulated NIC, and virtio + ext4 for the payload disk.
# /etc/modules lists those /init loads; the networking ones (NET_MODULES) are in the image and
# loaded when a scenario's payload names them in /payload/modules.
DOM0_MODULES="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback loop
 virtio_pci virtio_blk ext4"
NET_MODULES="xen-netback bridge tun"
MR=$WORK/modroot
mkdir -p "$MR/lib/modules"
ln -s "$MODULES" "$MR/lib/modules/$KVER"
DEST=$R/lib/modules/$KVER
mkdir -p "$DEST"
for m in $DOM0_MODULES $NET_MODULES; do
	out=$(modprobe -C "$EMPTY" -d "$MR" -S "$KVER" --show-depends "$m" 2>&1) ||
		xdie "module $m: $out"
	echo "$out" | sed -n "s|^insmod $MR/lib/modules/$KVER/\([^ ]*\).*|\1|p"
done | LC_ALL=C sort -u | while IFS= read -r f; do
	mkdir -p "$DEST/$(dirname "$f")"
	cp -L "$MODULES/$f" "$DEST/$f"
done
for f in "$MODULES"/modules.builtin* "$MODULES/modules.order"; do
	[ -f "$f" ] && cp -L "$f" "$DEST/"
done
depmod -C "$EMPTY" -b "$R" "$KVER"
echo "$DOM0_MODULES" | tr -s ' \n' '\n\n' | sed '/^$/d' >"$R/etc/modules"

# ---- /init and the test helpers ---------------------------------------------------------------
cp "$HERE/dom0-init.sh" "$R/init"
cp "$HERE/dom0-lib.sh" "$R/lib/xentest.sh"
chmod 0755 "$R/init"
echo dom0 >"$R/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"

# ---- pack -------------------------------------------------------------------------------------
case $COMPRESS in
none) comp=(cat) ;;
gzip) comp=(gzip -n -6) ;;
zstd) comp=(zstd -q -T0 -9) ;;
*) xdie "XEN_DOM0_COMPRESS=$COMPRESS: none, gzip or zstd" ;;
esac
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | "${comp[@]}" >"$XEN/dom0.initrd.tmp"
mv "$XEN/dom0.initrd.tmp" "$XEN/dom0.initrd"
echo "$stamp" >"$STAMP"
xlog "xen.elf $(stat -c %s "$XEN/xen.elf") bytes, dom0.initrd $(stat -c %s "$XEN/dom0.initrd") bytes" \
	"($COMPRESS, $(wc -l <"$WORK/elf-done") ELF files, kernel $KVER)"
echo "$XEN/xen.elf"
echo "$XEN/dom0.initrd"
