# shellcheck shell=sh
# lib.sh: shell helpers shared by mkinitrd.sh and mktarget.sh (sourced, not run).
# POSIX sh + GNU coreutils/findutils/cpio + binutils (readelf).

ilog() { echo "${LOGNAME_PREFIX:-initrd}: $*" >&2; }
idie() { ilog "error: $*"; exit 1; }

# SOURCE_DATE_EPOCH: the environment's, else the git commit time of this tree,
# else a fixed value (2024-01-01T00:00:00Z).
sde_default() {
    if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
        echo "$SOURCE_DATE_EPOCH"
        return
    fi
    t=$(git -C "$1" log -1 --format=%ct 2>/dev/null || true)
    echo "${t:-1704067200}"
}

# Compressor command for $1 in {zstd, xz, gzip, none}; output has no timestamps/names.
compressor_cmd() {
    case "$1" in
        zstd) echo "zstd -q -19 -T1 --no-progress -c" ;;
        xz)   echo "xz -q -9e --check=crc32 -T1 -c" ;;
        gzip) echo "gzip -n -9 -c" ;;
        none) echo "cat" ;;
        *)    idie "unknown compression '$1' (zstd, xz, gzip, none)" ;;
    esac
}

# normalize ROOT SDE: fixed modes (no umask dependence), every mtime = SDE.
normalize_tree() {
    find "$1" -type d -exec chmod 0755 {} +
    # 0755 for anything executable by its owner, 0644 for the rest; /tmp stays 1777.
    find "$1" -type f -perm -u+x -exec chmod 0755 {} +
    find "$1" -type f ! -perm -u+x -exec chmod 0644 {} +
    [ -d "$1/tmp" ] && chmod 1777 "$1/tmp"
    find "$1" -exec touch -h -d "@$2" {} +
}

# pack ROOT OUT COMPRESSION: sorted newc cpio, owners 0:0, compressed.
pack_tree() {
    _cmd=$(compressor_cmd "$3")
    (cd "$1" && find . | LC_ALL=C sort |
        cpio -o -H newc --reproducible -R 0:0 --quiet) | $_cmd > "$2.tmp"
    mv "$2.tmp" "$2"
}

# Sum of the sizes of regular files (and symlinks' own size) listed on stdin, relative to ROOT.
sum_sizes() {
    _root=$1 _t=0
    while IFS= read -r _f; do
        [ -e "$_root/$_f" ] || [ -L "$_root/$_f" ] || continue
        _s=$(stat -c %s "$_root/$_f")
        _t=$((_t + _s))
    done
    echo "$_t"
}

human() { # bytes -> "1234567 (1.2 MiB)"
    awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%d (%.1f MiB)", b, b/1048576;
                           else printf "%d (%.1f KiB)", b, b/1024 }'
}
