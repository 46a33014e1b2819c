#!/bin/bash
# net.sh BUILD [SCENARIO...] — network boots end to end. Real servers on loopback (tftpd-hpa's
# in.tftpd and nginx), QEMU user networking: its DHCP server names the boot file, and the
# guest reaches the loopback servers at 10.0.2.2. Same verdict as run.sh: the target initrd's
# KXBOOT-TARGET line with the expected name and exact command line, plus what kxboot must say.
# Prints PASS:/FAIL: lines. Signed-manifest scenarios use a key made here with minisign and
# added to the image by appending a cpio with /etc/kxboot/keys/e2e.pub to kxboot's initrd.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
BUILD=${1:-build}
shift || true
ONLY=" $* "
TMO=${E2E_TIMEOUT:-240}
IDLE=${E2E_IDLE:-90}
W=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-e2e-net.XXXXXX")
LOGDIR=$BUILD/test-log/e2e-net
mkdir -p "$LOGDIR"
pids=()
cleanup() {
	qemu_stop_all "$W" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -f "$W/nginx/nginx.pid" ] && kill "$(cat "$W/nginx/nginx.pid")" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT INT TERM

for tool in "$E2E_QEMU" in.tftpd nginx minisign cpio; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: e2e-net: $tool is missing (make check installs it)"
		run policy-signed-listed "$TFTP/pxelinux.0" "kxboot.policy=signed kxboot.manifest=$HTTP/m/manifest.json" alpha \
	"console=ttyS0 e2e=disk" "$W/kxboot-keys.initrd" "-smbios type=1,uuid=$UUID_B" "$W/listed.img" \
	"policy=signed" "Found grub2 config"
run policy-signed-unlisted "$TFTP/pxelinux.0" "kxboot.policy=signed kxboot.manifest=$HTTP/m/manifest.json" beta \
	"console=ttyS0 e2e=beta kxboot.target=beta kxboot.manifest_version=7" "$W/kxboot-keys.initrd" \
	"-smbios type=1,uuid=$UUID_B" "$W/unlisted.img" "initrd of 'disk' .* is not in the signed manifest"
exit 0
	fi
done
[ -f "$BUILD/kxboot.vmlinuz" ] && [ -f "$BUILD/kxboot.initrd" ] || make -C "$TOP" BUILD="$BUILD" image >/dev/null
E2E_VMLINUZ=$BUILD/kxboot.vmlinuz

# ---- what the servers hold ------------------------------------------------------------------
S=$W/srv
mkdir -p "$S/pxelinux.cfg" "$S/debian" "$S/tampered" "$S/grub" "$S/m" "$S/mbad"
: >"$S/pxelinux.0"
cp "$BUILD/kxboot.vmlinuz" "$S/debian/vmlinuz"
for n in net-pxe net-http net-ipxe net-good alpha beta rescue; do
	"$TOP/initrd/mktarget.sh" "$S/debian/initrd-$n" "$n" >/dev/null 2>&1
done
(cd "$S/debian" && sha256sum vmlinuz initrd-* >SHA256SUMS)
# A kernel that is not what its checksum says: one byte changed.
cp "$S/debian/vmlinuz" "$S/tampered/vmlinuz"
printf 'X' | dd of="$S/tampered/vmlinuz" bs=1 seek=100000 conv=notrunc 2>/dev/null
cp "$S/debian/initrd-net-good" "$S/tampered/initrd"
(cd "$S/debian" && sha256sum vmlinuz | sed 's/vmlinuz/vmlinuz/') >"$S/tampered/SHA256SUMS"
(cd "$S/tampered" && sha256sum initrd >>SHA256SUMS)

cat >"$S/pxelinux.cfg/default" <<'CFG'
DEFAULT linux
LABEL linux
  KERNEL debian/vmlinuz
  INITRD debian/initrd-net-pxe
  APPEND console=ttyS0 e2e=pxe
CFG
cat >"$S/tampered.cfg" <<'CFG'
DEFAULT bad
PROMPT 0
LABEL bad
  KERNEL tampered/vmlinuz
  INITRD tampered/initrd
  APPEND console=ttyS0 e2e=bad
LABEL good
  KERNEL debian/vmlinuz
  INITRD debian/initrd-net-good
  APPEND console=ttyS0 e2e=good
CFG
cat >"$S/grub/grub.cfg" <<'CFG'
set timeout=1
menuentry 'Debian over HTTP' {
	linux /debian/vmlinuz console=ttyS0 e2e=http
	initrd /debian/initrd-net-http
}
CFG
cat >"$S/boot.ipxe" <<'CFG'
#!ipxe
kernel debian/vmlinuz console=ttyS0 e2e=ipxe
initrd debian/initrd-net-ipxe
boot
CFG

# Signed manifest: machine A boots alpha, everyone else beta; rescue is the recovery target.
UUID_A=9a1e6b52-3c0d-4f2e-8b7a-1d2c3e4f5a6b
UUID_B=5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f
minisign -G -W -p "$W/e2e.pub" -s "$W/e2e.sec" >/dev/null 2>&1
art() { # art FILE -> {"url","sha256","size"} with a URL relative to the manifest
	printf '{"url": "../debian/%s", "sha256": "%s", "size": %s}' "$1" \
		"$(sha256sum "$S/debian/$1" | cut -d' ' -f1)" "$(stat -c %s "$S/debian/$1")"
}
cat >"$S/m/manifest.json" <<JSON
{
  "version": 7,
  "expires": "2099-01-01T00:00:00Z",
  "targets": {
    "alpha": {"kernel": $(art vmlinuz), "initrds": [$(art initrd-alpha)], "cmdline": "console=ttyS0 e2e=alpha"},
    "beta": {"kernel": $(art vmlinuz), "initrds": [$(art initrd-beta)], "cmdline": "console=ttyS0 e2e=beta"},
    "rescue": {"kernel": $(art vmlinuz), "initrds": [$(art initrd-rescue)], "cmdline": "console=ttyS0 e2e=rescue"}
  },
  "rules": [
    {"name": "a", "match": {"uuid": "$UUID_A"}, "target": "alpha"},
    {"name": "rest", "match": {"any": true}, "target": "beta"}
  ],
  "recovery": "rescue"
}
JSON
minisign -S -s "$W/e2e.sec" -m "$S/m/manifest.json" -t "kxboot e2e manifest 7" >/dev/null 2>&1
# The same manifest with one target changed after signing.
sed 's/e2e=beta/e2e=evil/' "$S/m/manifest.json" >"$S/mbad/manifest.json"
cp "$S/m/manifest.json.minisig" "$S/mbad/manifest.json.minisig"

# kxboot's initrd with the trusted key added (the kernel reads concatenated archives).
mkdir -p "$W/keyroot/etc/kxboot/keys"
cp "$W/e2e.pub" "$W/keyroot/etc/kxboot/keys/e2e.pub"
(cd "$W/keyroot" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$W/keys.cpio.gz"
cat "$BUILD/kxboot.initrd" "$W/keys.cpio.gz" >"$W/kxboot-keys.initrd"

# ---- servers ----------------------------------------------------------------------------------
TFTP_PORT=$((20000 + RANDOM % 10000))
HTTP_PORT=$((30000 + RANDOM % 10000))
in.tftpd -L -s -a "127.0.0.1:$TFTP_PORT" --blocksize 1468 "$S" &
pids+=($!)
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log;
events { worker_connections 64; }
http {
	access_log $W/nginx/logs/access.log;
	types { text/plain ipxe cfg json; }
	server {
		listen 127.0.0.1:$HTTP_PORT;
		root $S;
	}
}
CONF
# nginx's workers run as nobody: let them read the served tree.
chmod 755 "$W"
chmod -R a+rX "$S"
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" >/dev/null 2>&1 || { echo "FAIL: e2e-net: nginx did not start"; exit 0; }
sleep 0.5

TFTP=tftp://10.0.2.2:$TFTP_PORT
HTTP=http://10.0.2.2:$HTTP_PORT
GARBAGE=$W/garbage.img
garbage_disk "$GARBAGE" 16
# Disks for kxboot.policy=signed: one whose entry uses files the manifest lists (the kernel
# and alpha's initrd), one whose initrd it does not list.
policy_disk() { # policy_disk NAME INITRD
	local root=$W/$1-root
	mkdir -p "$root/boot/grub"
	cp "$S/debian/vmlinuz" "$root/boot/vmlinuz"
	cp "$S/debian/$2" "$root/boot/initrd.img"
	printf 'set timeout=0\nmenuentry "disk" {\n linux /boot/vmlinuz console=ttyS0 e2e=disk\n initrd /boot/initrd.img\n}\n' \
		>"$root/boot/grub/grub.cfg"
	mkfs.ext4 -q -F -d "$root" "$W/$1.img" 64M
}
policy_disk listed initrd-alpha
policy_disk unlisted initrd-net-pxe

# ---- scenarios ------------------------------------------------------------------------------
# run NAME BOOTFILE APPEND TARGET CMDLINE [INITRD] [EXTRA-QEMU] [DISK] [LOG_REGEX...]
run() {
	local name=$1 bootfile=$2 append=$3 target=$4 cmdline=$5 initrd=${6:-$BUILD/kxboot.initrd}
	local extra=${7:-} disk=${8:-}
	shift 8 2>/dev/null || shift $#
	case $ONLY in "  ") ;; *" $name "*) ;; *) return ;; esac
	local log=$W/$name.log
	E2E_INITRD=$initrd
	E2E_NIC="-netdev user,id=n0,${NETDEV_OPTS:-bootfile=$bootfile} -device virtio-net-pci,netdev=n0"
	E2E_EXTRA=$extra
	local t
	# shellcheck disable=SC2086
	t=$(qemu_boot "$log" "$TMO" "$IDLE" "" "console=ttyS0 kxboot.timeout=0 $append" $disk)
	cp "$log" "$LOGDIR/$name.log" 2>/dev/null
	local got want="KXBOOT-TARGET $target $cmdline"
	got=$(marker_line "$log")
	if [ "$got" != "$want" ]; then
		echo "FAIL: e2e-net/$name: want '$want', got '${got:-nothing}' after ${t}s"
		log_tail "$log" 20
		return
	fi
	local re
	for re in "$@"; do
		if ! tr -d '\r' <"$log" | grep -Eqi -- "$re"; then
			echo "FAIL: e2e-net/$name: the console never said /$re/"
			log_tail "$log" 20
			return
		fi
	done
	echo "PASS: e2e-net/$name (${t}s)"
}

run pxe-tftp "$TFTP/pxelinux.0" "" net-pxe "console=ttyS0 e2e=pxe initrd=debian/initrd-net-pxe" \
	"" "" "" "checked against SHA256SUMS" "verified"
# IPv6 only (QEMU's user network with ipv4=off): DHCPv4 gets no answer, router advertisements
# give a fec0::/64 address, DHCPv6 (QEMU answers Information-request) the boot file URL
# tftp://[fec0::2]/pxelinux.0 (QEMU writes the address in full), served by QEMU's own TFTP
# server from the same tree (the loopback servers are IPv4).
NETDEV_OPTS="ipv4=off,ipv6=on,tftp=$S,bootfile=pxelinux.0" \
	run pxe-ipv6 "" "" net-pxe "console=ttyS0 e2e=pxe initrd=debian/initrd-net-pxe" \
	"" "" "" "no DHCP answer, asking DHCPv6" "boot file URL 'tftp://\[fec0[0:]*:0*2\]/pxelinux.0'" \
	"checked against SHA256SUMS" "verified"
run http-sha256sums "$HTTP/grub/grub.cfg" "" net-http "console=ttyS0 e2e=http" \
	"" "" "" "Found grub2 config" "verified"
run ipxe-script "$HTTP/boot.ipxe" "" net-ipxe "console=ttyS0 e2e=ipxe" \
	"" "" "" "verified"
run broken-disk-recovers "$TFTP/pxelinux.0" "" net-pxe "console=ttyS0 e2e=pxe initrd=debian/initrd-net-pxe" \
	"" "" "$GARBAGE" "no filesystem" "network boot"
run tampered-kernel-refused "$TFTP/pxelinux.0" "kxboot.url=$TFTP/tampered.cfg" net-good \
	"console=ttyS0 e2e=good initrd=debian/initrd-net-good" "" "" "" \
	"refusing .*tampered/vmlinuz.*SHA-256" "Trying the next entry"
run manifest-machine-a "$TFTP/pxelinux.0" "kxboot.manifest=$HTTP/m/manifest.json" alpha \
	"console=ttyS0 e2e=alpha kxboot.target=alpha kxboot.manifest_version=7" \
	"$W/kxboot-keys.initrd" "-smbios type=1,uuid=$UUID_A" "" "Manifest .* verified"
run manifest-machine-b "$TFTP/pxelinux.0" "kxboot.manifest=$HTTP/m/manifest.json" beta \
	"console=ttyS0 e2e=beta kxboot.target=beta kxboot.manifest_version=7" \
	"$W/kxboot-keys.initrd" "-smbios type=1,uuid=$UUID_B" "" "Manifest .* verified"
run manifest-tampered-recovers "$TFTP/pxelinux.0" "kxboot.manifest=$HTTP/mbad/manifest.json" net-pxe \
	"console=ttyS0 e2e=pxe initrd=debian/initrd-net-pxe" \
	"$W/kxboot-keys.initrd" "-smbios type=1,uuid=$UUID_B" "" "Refusing the manifest"
run policy-signed-listed "$TFTP/pxelinux.0" "kxboot.policy=signed kxboot.manifest=$HTTP/m/manifest.json" alpha \
	"console=ttyS0 e2e=disk" "$W/kxboot-keys.initrd" "-smbios type=1,uuid=$UUID_B" "$W/listed.img" \
	"policy=signed" "Found grub2 config"
run policy-signed-unlisted "$TFTP/pxelinux.0" "kxboot.policy=signed kxboot.manifest=$HTTP/m/manifest.json" beta \
	"console=ttyS0 e2e=beta kxboot.target=beta kxboot.manifest_version=7" "$W/kxboot-keys.initrd" \
	"-smbios type=1,uuid=$UUID_B" "$W/unlisted.img" "initrd of 'disk' .* is not in the signed manifest"
exit 0
