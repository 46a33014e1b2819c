#!/bin/bash
# mktarget.sh OUT [NAME]: build a TARGET initrd for end-to-end tests.
#
# Its /init (a busybox sh script) mounts proc/sys/devtmpfs, writes
#     KXBOOT-TARGET <NAME> <contents of /proc/cmdline>
# to /dev/console, /dev/ttyS0 and /dev/hvc0 (those that exist and open), then `poweroff -f`.
# NAME (default "target") is stored in /name inside the initrd, so a test that builds
# initrd-a, initrd-b, ... sees which one was booted.
#
# Environment: SOURCE_DATE_EPOCH (reproducible output), BUSYBOX (default /bin/busybox,
# must be static), COMPRESS (gzip (default), zstd, xz, none).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LOGNAME_PREFIX=mktarget
. "$HERE/lib.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 OUT [NAME]" >&2; exit 2; }
OUT=$1
NAME=${2:-target}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# gzip: busybox barely compresses further with zstd/xz here, and every kernel and
# every kexec path (including kexec-tools' own loaders) reads gzip.
COMPRESS=${COMPRESS:-gzip}
case "$NAME" in *[!A-Za-z0-9._+-]*|"") idie "NAME must match [A-Za-z0-9._+-]+" ;; esac
[ -f "$BUSYBOX" ] || idie "busybox '$BUSYBOX' not found (apt-get install busybox-static)"
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'program interpreter'; then
    idie "$BUSYBOX is dynamically linked; use busybox-static's"
fi
SDE=$(sde_default "$HERE")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-target.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys"
cp "$BUSYBOX" "$R/bin/busybox"
for a in sh mount cat poweroff sleep; do ln -s busybox "$R/bin/$a"; done
printf '%s\n' "$NAME" > "$R/name"
cat > "$R/init" <<'EOF'
#!/bin/sh
# kxboot end-to-end test target: say who we are and what we were booted with, then power off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
line="KXBOOT-TARGET $(cat /name) $(cat /proc/cmdline)"
# Consoles named by console= already get what /dev/console gets: print once on each device.
active=" $(cat /sys/class/tty/console/active 2>/dev/null) "
for c in /dev/console /dev/ttyS0 /dev/hvc0; do
    [ -c "$c" ] || continue
    case "$active" in *" ${c#/dev/} "*) continue ;; esac
    # A console device can exist without hardware behind it: open/write errors are fine.
    (echo "$line" > "$c") 2>/dev/null
done
poweroff -f
# poweroff should not return; if it does, do not let the kernel panic loop.
while :; do sleep 60; done
EOF
chmod 0755 "$R/init"

normalize_tree "$R" "$SDE"
mkdir -p "$(dirname "$OUT")"
pack_tree "$R" "$OUT" "$COMPRESS"
ilog "$OUT: name $NAME, $(human "$(stat -c %s "$OUT")") ($COMPRESS)"
