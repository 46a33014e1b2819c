#!/bin/sh
# fetch-kernel.sh OUTDIR [PACKAGE]
#
# Fetch Debian's kernel without touching the host's /boot or /lib/modules:
# download the concrete linux-image-<ver>-amd64 package that the
# linux-image-amd64 metapackage depends on (or PACKAGE if given), unpack it
# into OUTDIR/kernel-root and leave:
#
#   OUTDIR/vmlinuz   -> kernel-root/boot/vmlinuz-<kver>          (symlink)
#   OUTDIR/modules   -> kernel-root/lib/modules/<kver>           (symlink, with modules.dep)
#   OUTDIR/version      the kernel release <kver>, e.g. 6.1.0-56-amd64
#   OUTDIR/package      "<package> <debian version>", the cache key
#
# If OUTDIR already holds the same package version, nothing is done.
# OUTDIR/version is only rewritten by a real fetch, so make rules can depend on it.
set -eu

usage() { echo "usage: $0 OUTDIR [PACKAGE]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
OUT=$1
META=linux-image-amd64
PKG=${2:-}

log() { echo "fetch-kernel: $*" >&2; }

# The concrete package the metapackage points at, e.g. linux-image-6.1.0-56-amd64.
resolve_pkg() {
    apt-cache depends "$META" 2>/dev/null |
        sed -n 's/^ *Depends: *<\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}.*/\1/p' | head -n 1
}
pkg_version() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: *//p' | head -n 1
}

if [ -z "$PKG" ]; then
    PKG=$(resolve_pkg)
    if [ -z "$PKG" ]; then
        log "apt-cache does not know $META; running apt-get update"
        apt-get update -qq >&2
        PKG=$(resolve_pkg)
    fi
    [ -n "$PKG" ] || { log "cannot resolve the package behind $META"; exit 1; }
fi
VER=$(pkg_version "$PKG")
[ -n "$VER" ] || { log "apt-cache knows no version of $PKG"; exit 1; }

mkdir -p "$OUT"
if [ -f "$OUT/package" ] && [ "$(cat "$OUT/package")" = "$PKG $VER" ] &&
   [ -f "$OUT/version" ] && [ -e "$OUT/vmlinuz" ] && [ -f "$OUT/modules/modules.dep" ]; then
    log "$PKG $VER already in $OUT ($(cat "$OUT/version"))"
    exit 0
fi

log "fetching $PKG $VER into $OUT"
DL="$OUT/download"
rm -rf "$DL"
mkdir -p "$DL"
# apt's _apt sandbox user must be able to write here, or apt warns and runs unsandboxed.
chmod 0777 "$DL" 2>/dev/null || true
if ! (cd "$DL" && apt-get download -q "$PKG=$VER" >&2); then
    log "download failed; running apt-get update and retrying"
    apt-get update -qq >&2
    VER=$(pkg_version "$PKG")
    (cd "$DL" && apt-get download -q "$PKG=$VER" >&2)
fi
DEB=$(ls "$DL"/*.deb | head -n 1)

rm -rf "$OUT/kernel-root" "$OUT/vmlinuz" "$OUT/modules" "$OUT/version" "$OUT/package"
dpkg-deb -x "$DEB" "$OUT/kernel-root"
rm -rf "$DL"

KVER=$(ls "$OUT/kernel-root/lib/modules" | head -n 1)
[ -n "$KVER" ] && [ -f "$OUT/kernel-root/boot/vmlinuz-$KVER" ] ||
    { log "unexpected package layout in $DEB"; exit 1; }

# Debian generates modules.dep in the package's postinst; do it here, inside kernel-root.
EMPTY=$(mktemp -d)
depmod -C "$EMPTY" -b "$OUT/kernel-root" "$KVER"
rmdir "$EMPTY"

ln -s "kernel-root/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
ln -s "kernel-root/lib/modules/$KVER" "$OUT/modules"
echo "$PKG $VER" > "$OUT/package"
echo "$KVER" > "$OUT/version"
log "kernel $KVER ready: $OUT/vmlinuz, $OUT/modules"
