#!/bin/bash
# mkinitrd.sh: build the kxboot initrd (a reproducible, compressed cpio newc archive).
#
#   mkinitrd.sh --out FILE --kxboot BIN [options]
#
# options
#   --modules DIR|none   the kernel's /lib/modules/<ver> tree (must hold modules.dep, i.e. depmod
#                        has run); "none" for a kernel with everything built in
#   --kver VER           kernel release; default: basename of the resolved --modules DIR
#   --kernel FILE        a bzImage; with no --modules, /lib/modules/<its version> is used
#   --key FILE           copied to /etc/kxboot/keys/ (repeatable)
#   --udhcpc-script F    copied to /usr/share/kxboot/udhcpc.script
#   --ca FILE            CA bundle (default /etc/ssl/certs/ca-certificates.crt)
#   --busybox FILE       a static busybox (default /bin/busybox from busybox-static)
#   --kexec FILE         kexec-tools' kexec (default /usr/sbin/kexec, /sbin/kexec)
#   --module NAME        add a module (repeatable); --module-list "A B C" replaces the default list
#   --compress C         zstd (default), xz, gzip, none
#   --keep-root DIR      also leave the unpacked tree in DIR (for inspection/tests)
#
# Environment: SOURCE_DATE_EPOCH (default: git commit time of this tree, else 1704067200).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LOGNAME_PREFIX=mkinitrd
. "$HERE/lib.sh"

# Modules a guest needs to find and read its boot configuration (disks, filesystems, network).
# Their dependencies and soft dependencies come from the kernel's own modules.dep/softdep.
#  - ata_piix: the emulated IDE disk of QEMU's pc machine and of Xen HVM before PV drivers
#  - virtio_console: /dev/hvc0 on KVM/QEMU
#  - nls_ascii: Debian's CONFIG_FAT_DEFAULT_IOCHARSET is "ascii"; vfat loads it on every mount
#    (nls_cp437 is the default codepage, nls_utf8/nls_iso8859-1 for iocharset= options)
DEFAULT_MODULES="virtio_pci virtio_blk virtio_scsi virtio_net virtio_console
 xen-blkfront xen-netfront ahci ata_piix nvme sd_mod sr_mod
 ext4 xfs btrfs vfat iso9660 squashfs loop
 e1000 e1000e
 nls_cp437 nls_ascii nls_iso8859-1 nls_utf8 crc32c_generic"

OUT='' KXBOOT='' MODULES='' KVER='' KERNEL='' UDHCPC='' CA=/etc/ssl/certs/ca-certificates.crt
BUSYBOX=/bin/busybox KEXEC='' COMPRESS=${COMPRESS:-zstd} KEEP=''
KEYS=() MODLIST=$DEFAULT_MODULES EXTRA_MODS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift ;;
        --kxboot) KXBOOT=$2; shift ;;
        --modules) MODULES=$2; shift ;;
        --kver) KVER=$2; shift ;;
        --kernel) KERNEL=$2; shift ;;
        --key) KEYS+=("$2"); shift ;;
        --udhcpc-script) UDHCPC=$2; shift ;;
        --ca) CA=$2; shift ;;
        --busybox) BUSYBOX=$2; shift ;;
        --kexec) KEXEC=$2; shift ;;
        --module) EXTRA_MODS="$EXTRA_MODS $2"; shift ;;
        --module-list) MODLIST=$2; shift ;;
        --compress) COMPRESS=$2; shift ;;
        --keep-root) KEEP=$2; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) idie "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
[ -n "$OUT" ] || idie "--out FILE is required"
[ -n "$KXBOOT" ] || idie "--kxboot BIN is required"
[ -f "$KXBOOT" ] || idie "kxboot binary '$KXBOOT' not found"
[ -f "$BUSYBOX" ] || idie "busybox '$BUSYBOX' not found (apt-get install busybox-static)"
if [ -z "$KEXEC" ]; then
    for k in /usr/sbin/kexec /sbin/kexec; do [ -f "$k" ] && { KEXEC=$k; break; }; done
fi
[ -n "$KEXEC" ] && [ -f "$KEXEC" ] || idie "kexec not found (apt-get install kexec-tools)"
[ -f "$CA" ] || idie "CA bundle '$CA' not found (apt-get install ca-certificates)"
command -v readelf >/dev/null || idie "readelf not found (apt-get install binutils)"
command -v cpio >/dev/null || idie "cpio not found (apt-get install cpio)"
compressor_cmd "$COMPRESS" >/dev/null
if readelf -l "$BUSYBOX" | grep -q 'program interpreter'; then
    idie "$BUSYBOX is dynamically linked; the initrd needs busybox-static's"
fi

SDE=$(sde_default "$HERE")

# Kernel release from a bzImage header: setup header field kernel_version (offset 0x20e) points
# to a NUL-terminated string at (value + 0x200) that starts with the release.
bzimage_version() {
    local off
    off=$(od -An -t u2 -j $((0x20e)) -N 2 "$1" | tr -d ' ')
    [ -n "$off" ] && [ "$off" -gt 0 ] || return 1
    dd if="$1" bs=1 skip=$((off + 0x200)) count=128 2>/dev/null | tr '\0' '\n' | head -n 1 | cut -d' ' -f1
}

if [ -z "$MODULES" ] && [ -n "$KERNEL" ]; then
    v=$(bzimage_version "$KERNEL") || idie "cannot read the kernel release from $KERNEL; give --modules DIR or none"
    MODULES=/lib/modules/$v
    [ -d "$MODULES" ] || idie "kernel $KERNEL is $v but $MODULES does not exist; give MODULES=DIR or MODULES=none"
fi
[ -n "$MODULES" ] || idie "--modules DIR|none (or --kernel FILE) is required"
if [ "$MODULES" != none ]; then
    [ -d "$MODULES" ] || idie "modules dir '$MODULES' not found"
    MODULES=$(readlink -f "$MODULES")
    [ -n "$KVER" ] || KVER=$(basename "$MODULES")
    [ -f "$MODULES/modules.dep.bin" ] ||
        idie "$MODULES has no modules.dep.bin: run depmod -b <root> $KVER on that tree first"
    command -v depmod >/dev/null && command -v modprobe >/dev/null ||
        idie "depmod/modprobe not found (apt-get install kmod)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-initrd.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
EMPTY=$WORK/empty-conf
mkdir -p "$ROOT" "$EMPTY"
: > "$WORK/elf-done"
: > "$WORK/interps"

# ---------------------------------------------------------------- parts accounting
PARTS=()
part_begin() { (cd "$ROOT" && find . ! -type d | LC_ALL=C sort) > "$WORK/before"; }
part_end() { # NAME: sizes of the files added since part_begin
    (cd "$ROOT" && find . ! -type d | LC_ALL=C sort) > "$WORK/after"
    local n
    n=$(LC_ALL=C comm -13 "$WORK/before" "$WORK/after" | sum_sizes "$ROOT")
    PARTS+=("$1:$n")
}

# ---------------------------------------------------------------- ELF closure
MACHINE=$(readelf -h "$KXBOOT" | sed -n 's/^ *Machine: *//p')
# The loader's own default directories ("system search path"), searched when there is no cache.
SYSDIRS=$(for i in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 /lib/ld-linux.so.2; do
              [ -x "$i" ] && { "$i" --help 2>/dev/null | sed -n 's/^ *\(\/[^ ]*\) (system search path)$/\1/p'; break; }
          done)
[ -n "$SYSDIRS" ] || SYSDIRS=$(printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib)
FIRST_SYSDIR=$(echo "$SYSDIRS" | head -n 1)
LDCACHE=$(ldconfig -p 2>/dev/null | grep -v 'hwcap' || true)

same_machine() { [ "$(readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p')" = "$MACHINE" ]; }
is_sysdir() { echo "$SYSDIRS" | grep -qxF "$1"; }

# resolve_lib NAME REQUESTER -> "SRC DEST": where the library is on the host and where the
# loader in the initrd (no ld.so.cache there) will look for it.
resolve_lib() {
    local name=$1 req=$2 d cand origin
    origin=$(dirname "$req")
    for d in $(readelf -d "$req" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' | tr ':' ' '); do
        d=${d//\$\{ORIGIN\}/$origin}; d=${d//\$ORIGIN/$origin}
        if [ -f "$d/$name" ] && same_machine "$d/$name"; then
            case "$d" in /*) if [ "$d" = "${d#"$origin"}" ]; then echo "$d/$name $d/$name"; return; fi ;; esac
            echo "$d/$name $FIRST_SYSDIR/$name"; return
        fi
    done
    for cand in $(echo "$LDCACHE" | awk -v n="$name" '$1 == n { print $NF }') \
                $(for d in $SYSDIRS /lib64 /usr/lib64; do echo "$d/$name"; done); do
        if [ -f "$cand" ] && same_machine "$cand"; then
            d=$(dirname "$cand")
            if is_sysdir "$d"; then echo "$cand $cand"; else echo "$cand $FIRST_SYSDIR/$name"; fi
            return
        fi
    done
    return 1
}

# copy_elf SRC DEST: put SRC at DEST in the tree, then its interpreter and DT_NEEDED, recursively.
copy_elf() {
    local src=$1 dest=$2 interp lib r
    grep -qxF "$dest" "$WORK/elf-done" && return 0
    echo "$dest" >> "$WORK/elf-done"
    mkdir -p "$ROOT$(dirname "$dest")"
    cp -L "$src" "$ROOT$dest"
    interp=$(readelf -l "$src" 2>/dev/null | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
    if [ -n "$interp" ]; then
        grep -qxF "$interp" "$WORK/interps" || echo "$interp" >> "$WORK/interps"
        copy_elf "$interp" "$interp"
    fi
    for lib in $(readelf -d "$src" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
        # libc NEEDs the loader by soname; the loader is already in memory as the interpreter.
        grep -q "/$lib\$" "$WORK/interps" && continue
        r=$(resolve_lib "$lib" "$src") || idie "$src needs $lib, which is not found"
        copy_elf ${r% *} ${r#* }
    done
}

# ---------------------------------------------------------------- skeleton
for d in bin sbin etc dev proc sys run tmp mnt root usr/bin usr/sbin usr/share/kxboot etc/kxboot/keys; do
    mkdir -p "$ROOT/$d"
done

# ---------------------------------------------------------------- kxboot and its libraries
part_begin
copy_elf "$KXBOOT" /init
ln -s /init "$ROOT/bin/kxboot"
# glibc dlopens libgcc_s for pthread_cancel/pthread_exit unwinding; a threaded resolver may need it.
if r=$(resolve_lib libgcc_s.so.1 "$KXBOOT" 2>/dev/null) && readelf -l "$KXBOOT" | grep -q interpreter; then
    copy_elf ${r% *} ${r#* }
fi
part_end "kxboot+libs"

# ---------------------------------------------------------------- busybox
part_begin
cp "$BUSYBOX" "$ROOT/bin/busybox"
# Every applet, at busybox's own install path, unless something real is there; not init/linuxrc
# (the kernel falls back to /bin/sh if /init cannot run, which is the rescue we want).
"$BUSYBOX" --list-full | while IFS= read -r a; do
    case "$a" in linuxrc|sbin/init|bin/busybox|"") continue ;; esac
    [ -e "$ROOT/$a" ] || [ -L "$ROOT/$a" ] && continue
    mkdir -p "$ROOT/$(dirname "$a")"
    ln -s /bin/busybox "$ROOT/$a"
done
for a in sh ls cat mount umount ip udhcpc dmesg reboot poweroff vi mkdir ps grep sed modprobe; do
    found=
    for d in bin sbin usr/bin usr/sbin; do [ -L "$ROOT/$d/$a" ] && found=1; done
    [ -n "$found" ] || idie "busybox has no applet $a"
done
part_end busybox

# ---------------------------------------------------------------- kexec
part_begin
copy_elf "$KEXEC" /sbin/kexec
part_end kexec

# ---------------------------------------------------------------- small files
part_begin
mkdir -p "$ROOT/etc/ssl/certs"
cp -L "$CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"
part_end certs

part_begin
if [ -n "$UDHCPC" ]; then
    cp -L "$UDHCPC" "$ROOT/usr/share/kxboot/udhcpc.script"
    chmod 0755 "$ROOT/usr/share/kxboot/udhcpc.script"
fi
for k in ${KEYS[@]+"${KEYS[@]}"}; do
    [ -f "$k" ] || idie "key file '$k' not found"
    [ -e "$ROOT/etc/kxboot/keys/$(basename "$k")" ] && idie "two key files named $(basename "$k")"
    cp -L "$k" "$ROOT/etc/kxboot/keys/"
done
part_end "keys+scripts"

# ---------------------------------------------------------------- kernel modules
part_begin
if [ "$MODULES" != none ]; then
    MR=$WORK/modroot
    mkdir -p "$MR/lib/modules"
    ln -s "$MODULES" "$MR/lib/modules/$KVER"
    DEST=$ROOT/lib/modules/$KVER
    mkdir -p "$DEST"
    : > "$WORK/modfiles"
    nbuiltin=0
    for m in $MODLIST $EXTRA_MODS; do
        # modprobe resolves aliases, modules.dep (load order) and softdeps of this kernel.
        if ! out=$(modprobe -C "$EMPTY" -d "$MR" -S "$KVER" --show-depends "$m" 2>&1); then
            ilog "warning: module $m: $(echo "$out" | tail -n 1)"
            continue
        fi
        echo "$out" | while read -r kind arg _; do
            case "$kind" in
                insmod) echo "${arg#"$MR/lib/modules/$KVER/"}" ;;
                builtin) ;;
                *) ilog "warning: module $m: unexpected '$kind $arg'" ;;
            esac
        done >> "$WORK/modfiles"
        echo "$out" | grep -q '^builtin ' && nbuiltin=$((nbuiltin + 1))
    done
    LC_ALL=C sort -u "$WORK/modfiles" | while IFS= read -r f; do
        case "$f" in /*|*..*) idie "module path outside the tree: $f" ;; esac
        mkdir -p "$DEST/$(dirname "$f")"
        cp -L "$MODULES/$f" "$DEST/$f"
    done
    for f in "$MODULES"/modules.builtin* "$MODULES/modules.order"; do
        [ -f "$f" ] && cp -L "$f" "$DEST/"
    done
    # modules.dep, modules.alias, ... for exactly this subset; host config ignored (-C empty).
    depmod -C "$EMPTY" -b "$ROOT" "$KVER"
    ilog "modules: $(LC_ALL=C sort -u "$WORK/modfiles" | wc -l) files for kernel $KVER ($nbuiltin requested ones built in)"
fi
part_end "modules"

# ---------------------------------------------------------------- pack
normalize_tree "$ROOT" "$SDE"
mkdir -p "$(dirname "$OUT")"
pack_tree "$ROOT" "$OUT" "$COMPRESS"
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet) | wc -c > "$WORK/rawsize"

if [ -n "$KEEP" ]; then
    rm -rf "$KEEP"
    cp -a "$ROOT" "$KEEP"
fi

{
    echo "kxboot initrd: $OUT (SOURCE_DATE_EPOCH=$SDE, compression $COMPRESS)"
    for p in "${PARTS[@]}"; do
        printf '  %-14s %s\n' "${p%%:*}" "$(human "${p##*:}")"
    done
    printf '  %-14s %s\n' "cpio" "$(human "$(cat "$WORK/rawsize")")"
    printf '  %-14s %s\n' "compressed" "$(human "$(stat -c %s "$OUT")")"
} >&2
