#!/bin/sh
# size-report.sh [BUILD]: sizes of the kxboot image, one "name bytes" pair per line, stable
# format for bench/ (bytes are exact; parse the first two fields):
#   kxboot.vmlinuz <bytes>
#   kxboot.initrd <bytes>
#   kxboot.initrd.cpio <bytes>     (uncompressed archive; only if the decompressor is installed)
#   total <bytes>                  (vmlinuz + initrd: what a boot loads)
set -eu
B=${1:-${BUILD:-build}}
V=$B/kxboot.vmlinuz
I=$B/kxboot.initrd
for f in "$V" "$I"; do
    [ -f "$f" ] || { echo "size-report: $f missing (make image)" >&2; exit 1; }
done
v=$(stat -c %s "$V")
i=$(stat -c %s "$I")
echo "kxboot.vmlinuz $v"
echo "kxboot.initrd $i"
# Decompressor from the magic bytes.
magic=$(od -An -t x1 -N 4 "$I" | tr -d ' \n')
case "$magic" in
    28b52ffd) d="zstd -dc" ;;
    fd377a58) d="xz -dc" ;;
    1f8b*)    d="gzip -dc" ;;
    30373037) d="cat" ;;
    *)        d="" ;;
esac
if [ -n "$d" ] && command -v "${d%% *}" >/dev/null 2>&1; then
    echo "kxboot.initrd.cpio $($d < "$I" | wc -c)"
fi
echo "total $((v + i))"
