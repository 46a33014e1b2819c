#!/bin/bash
# mkdisk.sh — the disk images of the end-to-end scenarios, made without root-only tools.
#
#   tests/e2e/mkdisk.sh VMLINUZ TARGETS_DIR OUT_DIR DISK...     (or source it for disk_* functions)
#
# Each disk_NAME function builds OUT_DIR/NAME.img (a second disk: NAME-2.img) from folders
# under OUT_DIR/NAME.tree/<partition>/. After the filesystem images are made, each folder gets
# UUID/LABEL files (the corpus convention), so `kxboot list --root FOLDER ...` reads the same
# configuration on the host; OUT_DIR/NAME.roots lists those folders, config folder first.
# TARGETS_DIR holds the target initrds made by initrd/mktarget.sh: initrd-a, initrd-b,
# initrd-c, decoy, and name-multi (a cpio with only /name, see name_cpio).
#
# The kernel inside every disk is VMLINUZ (the kxboot image's own Debian kernel) under the
# version names below; the marker line of the target initrd tells which entry booted.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

# Kernel versions written into the disks (the file is always VMLINUZ). K2 sorts after K1.
K1=6.1.0-13-amd64
K2=6.1.0-18-amd64
# shellcheck disable=SC2034 # used by run.sh
DEB="Debian GNU/Linux"

# Filesystem UUIDs, fixed so that configs can name them.
UUID_MK=39ec20e2-83f5-44ce-8671-f31ce0856377     # grub-mkconfig: ext4 root with /boot
UUID_ESP=E2E0-0001                                # efi-bls: vfat ESP (volume id)
UUID_BOOT=7c1a6a2e-0d43-4a39-9d0c-5c3ab2b1e001   # efi-bls: ext4 /boot
UUID_ROOT=7c1a6a2e-0d43-4a39-9d0c-5c3ab2b1e002   # efi-bls: btrfs /
UUID_D1P1=5a1e0000-0000-4000-8000-00000000d1a1   # two-disks: disk 1 (no config)
UUID_D1P2=5a1e0000-0000-4000-8000-00000000d1a2
UUID_D2P1=5a1e0000-0000-4000-8000-00000000d2a1   # two-disks: disk 2 (config, kernel)
UUID_D2P2=5a1e0000-0000-4000-8000-00000000d2a2
UUID_EXT=E2E0-0002                                # extlinux: vfat
UUID_LEG=9b0e1f6c-3c5e-4a8e-b1a4-6c6567616379     # menu-lst: ext4
UUID_MISS=3d1b5e0a-6d69-4773-8369-6e676b65726e    # missing-kernel: ext4
UUID_XFS=0f5c0a4e-7866-4a73-9e2e-000000000001     # xfs: xfs with a label
LABEL_XFS=e2e-xfs

# put_kernel DIR/PATH — the Debian kernel at that path
put_kernel() { mkdir -p "$(dirname "$1")" && cp "${E2E_VMLINUZ:?}" "$1"; }
# put_target DIR/PATH NAME — target initrd NAME at that path
put_target() { mkdir -p "$(dirname "$1")" && cp "${E2E_TARGETS:?}/$2" "$1"; }
# identity DIR UUID [LABEL] — UUID/LABEL files for `kxboot list` (after the image is made)
identity() {
	printf '%s\n' "$2" >"$1/UUID"
	[ -z "${3:-}" ] || printf '%s\n' "$3" >"$1/LABEL"
}

# run_grub_mkconfig ROOT UUID VAR=VALUE... — Debian's own grub-mkconfig writes
# ROOT/boot/grub/grub.cfg for the kernels in ROOT/boot: in a private mount namespace, ROOT/boot
# is bind-mounted over /boot and stand-ins answer for grub-probe (/ is the ext4 filesystem UUID
# on the first msdos partition of hd0, /dev/vda1 in the guest) and grub-mkrelpath.
run_grub_mkconfig() {
	local root=$1 uuid=$2
	shift 2
	command -v grub-mkconfig >/dev/null || { echo "grub-mkconfig missing (grub-common)"; return 1; }
	command -v unshare >/dev/null || { echo "unshare missing (util-linux)"; return 1; }
	local probe=$root.probe relpath=$root.relpath
	cat >"$probe" <<PROBE
#!/bin/sh
target=
for a in "\$@"; do case \$a in --target=*) target=\${a#--target=};; esac; done
case \$target in
device) echo /dev/vda1;;
fs) echo ext2;;
fs_uuid) echo $uuid;;
partmap) echo msdos;;
drive) echo "(hd0)";;
compatibility_hint) echo hd0,msdos1;;
hints_string) echo "--hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1";;
*) echo;;
esac
PROBE
	# shellcheck disable=SC2016 # $1 is the stand-in's own argument
	printf '#!/bin/sh\necho "$1"\n' >"$relpath"
	chmod +x "$probe" "$relpath"
	local us=(unshare -m)
	[ "$(id -u)" = 0 ] || us=(unshare -r -m)
	mkdir -p "$root/boot/grub"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" "${us[@]}" sh -c "
		mount --bind '$root/boot' /boot &&
		mount --bind '$probe' /usr/sbin/grub-probe &&
		mount --bind '$relpath' /usr/bin/grub-mkrelpath &&
		{ [ ! -e /etc/default/grub ] || mount --bind /dev/null /etc/default/grub; } &&
		{ [ ! -d /etc/default/grub.d ] || mount -t tmpfs none /etc/default/grub.d; } &&
		grub-mkconfig -o /boot/grub/grub.cfg" >"$root.mkconfig.log" 2>&1 ||
		{ echo "grub-mkconfig failed: $(tail -3 "$root.mkconfig.log")"; return 1; }
	rm -f "$probe" "$relpath"
}

# 1. MBR, one ext4 filesystem (/ with /boot), grub.cfg by Debian's grub-mkconfig for two
#    kernels (simple entry + "Advanced options" submenu with normal and recovery entries),
#    GRUB_DEFAULT=saved and grubenv's saved_entry naming K1's entry inside the submenu.
#    Menu as `kxboot list` numbers it: 0 simple (K2), 1 K2, 2 K2 recovery, 3 K1, 4 K1 recovery.
disk_mkconfig() {
	local out=$1 t=$1/mkconfig.tree
	rm -rf "$t" && mkdir -p "$t/p1/boot/grub" "$t/p1/etc"
	put_kernel "$t/p1/boot/vmlinuz-$K1"
	put_kernel "$t/p1/boot/vmlinuz-$K2"
	put_target "$t/p1/boot/initrd.img-$K1" initrd-a
	put_target "$t/p1/boot/initrd.img-$K2" initrd-b
	echo "UUID=$UUID_MK / ext4 errors=remount-ro 0 1" >"$t/p1/etc/fstab"
	run_grub_mkconfig "$t/p1" "$UUID_MK" GRUB_DEFAULT=saved GRUB_TIMEOUT=5 \
		GRUB_DISTRIBUTOR=Debian GRUB_CMDLINE_LINUX=console=ttyS0 \
		GRUB_CMDLINE_LINUX_DEFAULT=quiet GRUB_DISABLE_OS_PROBER=true || return 1
	grub-editenv "$t/p1/boot/grub/grubenv" create &&
		grub-editenv "$t/p1/boot/grub/grubenv" set \
			"saved_entry=gnulinux-advanced-$UUID_MK>gnulinux-$K1-advanced-$UUID_MK" ||
		return 1
	fs_image ext4 "$t/p1" "$t/p1.img" 64 "$UUID_MK"
	mkdisk "$out/mkconfig.img" dos "64:L*:$t/p1.img"
	identity "$t/p1" "$UUID_MK"
	echo "$t/p1" >"$out/mkconfig.roots"
}

# 2. GPT: vfat ESP with EFI/debian/grub.cfg that finds /boot by `search --fs-uuid` and runs
#    blscfg; ext4 /boot with BLS entries (newest first: K2 with `options $kernelopts ...`,
#    $kernelopts set by the ESP's grub.cfg), btrfs root.
disk_efi_bls() {
	local out=$1 t=$1/efi-bls.tree
	rm -rf "$t" && mkdir -p "$t/esp/EFI/debian" "$t/boot/loader/entries" "$t/root/boot/efi" \
		"$t/root/etc"
	cat >"$t/esp/EFI/debian/grub.cfg" <<EOF
set timeout=5
search --no-floppy --fs-uuid --set=root $UUID_BOOT
set prefix=(\$root)/grub
set kernelopts="root=UUID=$UUID_ROOT ro console=ttyS0 quiet"
blscfg
EOF
	put_kernel "$t/boot/vmlinuz-$K1"
	put_kernel "$t/boot/vmlinuz-$K2"
	put_target "$t/boot/initramfs-$K2.img" initrd-b
	put_target "$t/boot/initramfs-$K1.img" initrd-c
	cat >"$t/boot/loader/entries/e2e-$K2.conf" <<EOF
title Debian e2e ($K2)
version $K2
linux /vmlinuz-$K2
initrd /initramfs-$K2.img
options \$kernelopts e2e=bls-new
EOF
	cat >"$t/boot/loader/entries/e2e-$K1.conf" <<EOF
title Debian e2e ($K1)
version $K1
linux /vmlinuz-$K1
initrd /initramfs-$K1.img
options root=UUID=$UUID_ROOT ro console=ttyS0 e2e=bls-old
EOF
	cat >"$t/root/etc/fstab" <<EOF
UUID=$UUID_ROOT / btrfs defaults 0 0
UUID=$UUID_BOOT /boot ext4 defaults 0 2
UUID=$UUID_ESP /boot/efi vfat umask=0077 0 1
EOF
	echo 'PRETTY_NAME="kxboot e2e btrfs root"' >"$t/root/etc/os-release"
	fs_image vfat "$t/esp" "$t/esp.img" 64 "$UUID_ESP" ESP
	fs_image ext4 "$t/boot" "$t/boot.img" 48 "$UUID_BOOT" boot
	fs_image btrfs "$t/root" "$t/root.img" 128 "$UUID_ROOT" root
	mkdisk "$out/efi-bls.img" gpt "64:U:$t/esp.img" "48:L:$t/boot.img" "128:L:$t/root.img"
	identity "$t/esp" "$UUID_ESP" ESP
	identity "$t/boot" "$UUID_BOOT" boot
	identity "$t/root" "$UUID_ROOT" root
	printf '%s\n' "$t/esp" "$t/boot" "$t/root" >"$out/efi-bls.roots"
}

# 3. Two GPT disks. Disk 1 (hd0) has no config, but a decoy kernel + initrd on its second
#    partition; disk 2 (hd1) has grub.cfg on partition 1 naming the kernel as
#    (hd1,gpt2)/vmlinuz and the initrd through `set root='hd1,gpt2'`.
disk_two_disks() {
	local out=$1 t=$1/two-disks.tree
	rm -rf "$t" && mkdir -p "$t/d1p1" "$t/d1p2" "$t/d2p1/boot/grub" "$t/d2p2"
	echo "data disk, no boot configuration" >"$t/d1p1/README"
	put_kernel "$t/d1p2/vmlinuz"
	put_target "$t/d1p2/initrd.img" decoy
	put_kernel "$t/d2p2/vmlinuz"
	put_target "$t/d2p2/initrd.img" initrd-c
	cat >"$t/d2p1/boot/grub/grub.cfg" <<'EOF'
set default=0
set timeout=3
menuentry 'Kernel on the second disk' {
	set root='hd1,gpt2'
	linux (hd1,gpt2)/vmlinuz root=/dev/vdb2 ro console=ttyS0 quiet e2e=two-disks
	initrd /initrd.img
}
EOF
	fs_image ext4 "$t/d1p1" "$t/d1p1.img" 16 "$UUID_D1P1"
	fs_image ext4 "$t/d1p2" "$t/d1p2.img" 24 "$UUID_D1P2"
	fs_image ext4 "$t/d2p1" "$t/d2p1.img" 16 "$UUID_D2P1"
	fs_image ext4 "$t/d2p2" "$t/d2p2.img" 24 "$UUID_D2P2"
	mkdisk "$out/two-disks.img" gpt "16:L:$t/d1p1.img" "24:L:$t/d1p2.img"
	mkdisk "$out/two-disks-2.img" gpt "16:L:$t/d2p1.img" "24:L:$t/d2p2.img"
	identity "$t/d1p1" "$UUID_D1P1"
	identity "$t/d1p2" "$UUID_D1P2"
	identity "$t/d2p1" "$UUID_D2P1"
	identity "$t/d2p2" "$UUID_D2P2"
	printf '%s\n' "$t/d2p1" "$t/d2p2" >"$out/two-disks.roots"
}

# 4. MBR, vfat /boot partition with /extlinux/extlinux.conf; DEFAULT names the second label.
disk_extlinux() {
	local out=$1 t=$1/extlinux.tree
	rm -rf "$t" && mkdir -p "$t/p1/extlinux"
	put_kernel "$t/p1/vmlinuz-$K2"
	put_target "$t/p1/initrd.img-first" initrd-a
	put_target "$t/p1/initrd.img-second" initrd-b
	cat >"$t/p1/extlinux/extlinux.conf" <<EOF
DEFAULT second
PROMPT 0
TIMEOUT 50

LABEL first
  MENU LABEL Debian (first)
  LINUX /vmlinuz-$K2
  INITRD /initrd.img-first
  APPEND root=/dev/vda2 ro console=ttyS0 e2e=extlinux-first

LABEL second
  MENU LABEL Debian (second)
  LINUX /vmlinuz-$K2
  INITRD /initrd.img-second
  APPEND root=/dev/vda2 ro console=ttyS0 quiet e2e=extlinux-second
EOF
	fs_image vfat "$t/p1" "$t/p1.img" 32 "$UUID_EXT" BOOT
	mkdisk "$out/extlinux.img" dos "32:c*:$t/p1.img"
	identity "$t/p1" "$UUID_EXT" BOOT
	echo "$t/p1" >"$out/extlinux.roots"
}

# 5. MBR, ext4, GRUB legacy /boot/grub/menu.lst; `default 1` = the second title.
disk_menu_lst() {
	local out=$1 t=$1/menu-lst.tree
	rm -rf "$t" && mkdir -p "$t/p1/boot/grub"
	put_kernel "$t/p1/boot/vmlinuz-$K2"
	put_target "$t/p1/boot/initrd.img-first" initrd-a
	put_target "$t/p1/boot/initrd.img-second" initrd-c
	cat >"$t/p1/boot/grub/menu.lst" <<EOF
default 1
timeout 5

title Debian legacy (first)
root (hd0,0)
kernel /boot/vmlinuz-$K2 root=/dev/vda1 ro console=ttyS0 e2e=legacy-first
initrd /boot/initrd.img-first

title Debian legacy (second)
root (hd0,0)
kernel /boot/vmlinuz-$K2 root=/dev/vda1 ro console=ttyS0 quiet e2e=legacy-second
initrd /boot/initrd.img-second
EOF
	fs_image ext4 "$t/p1" "$t/p1.img" 32 "$UUID_LEG"
	mkdisk "$out/menu-lst.img" dos "32:L*:$t/p1.img"
	identity "$t/p1" "$UUID_LEG"
	echo "$t/p1" >"$out/menu-lst.roots"
}

# 6. MBR, ext4, hand-written grub.cfg: the default entry's kernel does not exist, the next
#    entry boots.
disk_missing_kernel() { _disk_broken_default "$1" missing-kernel ""; }

# 7. The same with `set fallback=2`: the fallback entry comes before the next one in order.
disk_fallback_var() { _disk_broken_default "$1" fallback-var "set fallback=2"; }

# _disk_broken_default OUT_DIR NAME EXTRA_LINE
_disk_broken_default() {
	local out=$1 name=$2 extra=$3 t=$1/$2.tree
	rm -rf "$t" && mkdir -p "$t/p1/boot/grub"
	put_kernel "$t/p1/boot/vmlinuz-$K2"
	put_target "$t/p1/boot/initrd.img-a" initrd-a
	put_target "$t/p1/boot/initrd.img-b" initrd-b
	put_target "$t/p1/boot/initrd.img-c" initrd-c
	cat >"$t/p1/boot/grub/grub.cfg" <<EOF
set default=0
set timeout=5
$extra
menuentry 'Broken: kernel missing' {
	linux /boot/vmlinuz-missing root=/dev/vda1 ro console=ttyS0 e2e=broken
	initrd /boot/initrd.img-a
}
menuentry 'Next entry' {
	linux /boot/vmlinuz-$K2 root=/dev/vda1 ro console=ttyS0 quiet e2e=next
	initrd /boot/initrd.img-b
}
menuentry 'Fallback entry' {
	linux /boot/vmlinuz-$K2 root=/dev/vda1 ro console=ttyS0 quiet e2e=fallback
	initrd /boot/initrd.img-c
}
EOF
	fs_image ext4 "$t/p1" "$t/p1.img" 32 "$UUID_MISS"
	mkdisk "$out/$name.img" dos "32:L*:$t/p1.img"
	identity "$t/p1" "$UUID_MISS"
	echo "$t/p1" >"$out/$name.roots"
}

# 8. 64 MiB of pseudo-random bytes: no partition table, no filesystem.
disk_garbage() {
	local out=$1
	garbage_disk "$out/garbage.img" 64
	: >"$out/garbage.roots"
}

# 9. MBR, XFS (made from a protofile) with a label; grub.cfg finds it with `search --label`
#    and loads two initrds: a target, then a cpio that only renames it ("initrd-a+c").
disk_xfs() {
	local out=$1 t=$1/xfs.tree
	rm -rf "$t" && mkdir -p "$t/p1/boot/grub"
	put_kernel "$t/p1/boot/vmlinuz-$K2"
	put_target "$t/p1/boot/initrd.img-$K2" initrd-a
	put_target "$t/p1/boot/rename.img" name-multi
	cat >"$t/p1/boot/grub/grub.cfg" <<EOF
search --no-floppy --label --set=root $LABEL_XFS
set timeout=0
menuentry 'XFS, two initrds' {
	linux /boot/vmlinuz-$K2 root=LABEL=$LABEL_XFS ro console=ttyS0 quiet e2e=xfs
	initrd /boot/initrd.img-$K2 /boot/rename.img
}
EOF
	fs_image xfs "$t/p1" "$t/p1.img" 300 "$UUID_XFS" "$LABEL_XFS"
	mkdisk "$out/xfs.img" dos "300:L*:$t/p1.img"
	identity "$t/p1" "$UUID_XFS" "$LABEL_XFS"
	echo "$t/p1" >"$out/xfs.roots"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	[ $# -ge 4 ] || { echo "usage: $0 VMLINUZ TARGETS_DIR OUT_DIR DISK..." >&2; exit 2; }
	E2E_VMLINUZ=$1 E2E_TARGETS=$2
	outdir=$3
	shift 3
	mkdir -p "$outdir"
	for d in "$@"; do
		"disk_${d//-/_}" "$outdir"
		ls -l "$outdir/$d"*.img
	done
fi
