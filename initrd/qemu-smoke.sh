#!/bin/bash
# qemu-smoke.sh [BUILD]: boot-test the image built by `make image` under QEMU (TCG).
#
#  1. kxboot.vmlinuz + two target initrds (mktarget.sh): each prints its own KXBOOT-TARGET line
#     with the kernel command line.
#  2. kxboot.vmlinuz + kxboot.initrd, with a small cpio appended that adds /smoke.sh (started as
#     rdinit=): /init's libraries resolve in the initrd, modprobe loads virtio/ext4/vfat from the
#     initrd's modules.dep, ext4 and vfat disks mount, udhcpc gets a lease on virtio-net, kexec runs.
# Prints one line per check and "N passed, N failed"; exits non-zero on any failure.
# Needs qemu-system-x86, e2fsprogs (mkfs.ext4 -d), dosfstools + mtools, cpio, gzip.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
B=${1:-${BUILD:-build}}
V=$B/kxboot.vmlinuz
I=$B/kxboot.initrd
for f in "$V" "$I"; do [ -f "$f" ] || { echo "qemu-smoke: $f missing (make image)" >&2; exit 2; }; done
W=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-smoke.XXXXXX")
trap 'rm -rf "$W"' EXIT

pass=0 fail=0
check() { # NAME COMMAND...
    local name=$1; shift
    if "$@" >/dev/null 2>&1; then echo "PASS $name"; pass=$((pass + 1))
    else echo "FAIL $name"; fail=$((fail + 1)); fi
}
qemu() { # LOG ARGS...: one TCG boot, console on stdio, output to LOG; prints seconds taken
    local log=$1 s e; shift
    s=$(date +%s%N)
    timeout 120 qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot -kernel "$V" "$@" \
        > "$log" 2>&1 < /dev/null
    e=$(date +%s%N)
    echo "  ($(basename "$log" .log): $(( (e - s) / 1000000 )) ms wall)" >&2
}

# ---- 1. target initrds
for n in initrd-a initrd-b; do
    "$HERE/mktarget.sh" "$W/$n" "$n" 2>/dev/null
    qemu "$W/$n.log" -initrd "$W/$n" -append "console=ttyS0 foo=bar-$n"
    check "target $n prints its marker" grep -aq "^KXBOOT-TARGET $n console=ttyS0 foo=bar-$n" "$W/$n.log"
done

# ---- 2. the kxboot image, with a test script appended as a second cpio archive
mkdir -p "$W/d" "$W/ov"
echo hello-ext4 > "$W/d/hello"
mkfs.ext4 -q -d "$W/d" "$W/ext4.img" 16M >/dev/null
mkfs.vfat -C "$W/vfat.img" 8192 >/dev/null
echo hello-vfat > "$W/hv.txt"
mcopy -i "$W/vfat.img" "$W/hv.txt" ::/HELLO.TXT
cat > "$W/ov/smoke.sh" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for l in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -x $l ] && { $l --list /init >/tmp/ldlist 2>&1 && ! grep -q 'not found' /tmp/ldlist && echo "S: init-libs ok"; break; }
done
for m in virtio_pci virtio_blk virtio_net ext4 vfat; do modprobe $m && echo "S: modprobe $m ok"; done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vdb ] && break; sleep 0.2; done
mkdir -p /mnt/a /mnt/b
mount -o ro -t ext4 /dev/vda /mnt/a && echo "S: ext4 $(cat /mnt/a/hello)"
mount -o ro -t vfat /dev/vdb /mnt/b && echo "S: vfat $(cat /mnt/b/hello.txt)"
ip link set eth0 up && udhcpc -i eth0 -n -q -t 5 -s /bin/true 2>&1 | grep -q 'lease of' && echo "S: dhcp ok"
/sbin/kexec --version >/dev/null 2>&1 && echo "S: kexec ok"
echo "S: done"
poweroff -f
EOF
chmod 0755 "$W/ov/smoke.sh"
(cd "$W/ov" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -n) > "$W/ov.cpio.gz"
cat "$I" "$W/ov.cpio.gz" > "$W/smoke.initrd"
qemu "$W/image.log" -initrd "$W/smoke.initrd" -append "console=ttyS0 rdinit=/smoke.sh" \
    -drive file="$W/ext4.img",if=virtio,format=raw,readonly=on \
    -drive file="$W/vfat.img",if=virtio,format=raw,readonly=on \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0
check "image: /init libraries resolve" grep -aq '^S: init-libs ok' "$W/image.log"
for m in virtio_pci virtio_blk virtio_net ext4 vfat; do
    check "image: modprobe $m" grep -aq "^S: modprobe $m ok" "$W/image.log"
done
check "image: ext4 mounts" grep -aq '^S: ext4 hello-ext4' "$W/image.log"
check "image: vfat mounts (nls)" grep -aq '^S: vfat hello-vfat' "$W/image.log"
check "image: udhcpc lease" grep -aq '^S: dhcp ok' "$W/image.log"
check "image: kexec runs" grep -aq '^S: kexec ok' "$W/image.log"
if [ "$fail" -gt 0 ]; then
    echo "--- last lines of the failing boot logs:"
    tail -n 15 "$W"/*.log
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
