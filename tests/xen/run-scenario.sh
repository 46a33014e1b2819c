#!/bin/bash
# run-scenario.sh BUILD NAME — one Xen scenario, end to end, under QEMU TCG.
#
# Builds the scenario's payload (BUILD/xen/run/NAME/payload: an xl config guest.cfg, the
# generic test.sh (tests/xen/guest-test.sh) with scenario.env saying what to wait for, the
# guest's kernel, initrds and disk images), makes it an ext4 image (mkfs.ext4 -d), and boots
# Xen + dom0 (tests/xen/mkdom0.sh) with that image as dom0's /dev/vda. dom0 runs `xl create`,
# waits (bounded) for the expected text in the guest's console file, prints the console as
# "XENTEST-LOG <guest>| ..." lines and "XENTEST-RESULT NAME PASS|FAIL reason", and powers off.
#
# Prints "PASS: xen/NAME (N s)" or "FAIL: xen/NAME: why" followed by the last lines of the
# guest console and of the serial log, and a "TIME: xen/NAME ..." line with the phases.
# The full serial log (Xen, dom0, guest console) is kept in BUILD/xen/run/NAME/serial.log.
# Exit status 0 on PASS, 1 on FAIL.
#
# Scenarios (tests/xen/README.md says what each one proves):
#   pvh-target   PVH guest: Debian kernel + target initrd booted directly (harness check)
#   pvh-refuse   PVH guest: kxboot with a GRUB disk; it must refuse to kexec and say so
#   pv-refuse    the same in a PV guest
#   hvm-disk     HVM guest: kxboot reads grub-mkconfig's grub.cfg from a disk and kexecs
#                (Xen soft reset) into the saved entry's kernel + target initrd
#   hvm-net      HVM guest without a disk: kxboot gets DHCP from dom0 and boots grub.cfg from
#                dom0's HTTP server (SHA256SUMS-verified)
#   xen-tool     kxboot-xen set/list/rollout on a PVH guest running kxboot
#   pvboot-pvh   a PVH guest booted by bootloader="kxboot-xen" (pvboot) from a signed manifest
#   pvboot-pv    the same for a PV guest
#
# Environment: XEN_TIMEOUT (seconds for the whole QEMU run; default per scenario),
# XEN_KXBOOT_APPEND (more words for kxboot's command line, e.g. kxboot.debug).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
# e2e helpers: fs_image, mkdisk, run_grub_mkconfig, disk_mkconfig (K1, K2, UUID_MK, ...)
. "$XEN_TOP/tests/e2e/mkdisk.sh"

[ $# -eq 2 ] || { echo "usage: $0 BUILD NAME" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
NAME=$2
T_ALL=$(now_ns)

fail() { # WHY [LOG]
	echo "FAIL: xen/$NAME: $1"
	[ -z "${2:-}" ] || [ ! -f "$2" ] || log_tail "$2" 25
	exit 1
}

for t in qemu-system-x86_64 mkfs.ext4 timeout; do
	command -v "$t" >/dev/null || fail "$t not found"
done

# ---- dom0 (cached) ----------------------------------------------------------------------------
T_DOM0=$(now_ns)
"$XEN_LIB_DIR/mkdom0.sh" "$BUILD" >"$BUILD/xen-mkdom0.log" 2>&1 ||
	fail "mkdom0.sh failed (see $BUILD/xen-mkdom0.log)" "$BUILD/xen-mkdom0.log"
S_DOM0=$(elapsed "$T_DOM0")
XEN=$BUILD/xen
VMLINUZ=$(readlink -f "$BUILD/kernel/vmlinuz")
for f in "$XEN/xen.elf" "$XEN/dom0.initrd" "$VMLINUZ" "$BUILD/kxboot.vmlinuz" "$BUILD/kxboot.initrd"; do
	[ -f "$f" ] || fail "$f missing"
done

# ---- the payload ------------------------------------------------------------------------------
WORK=$XEN/run/$NAME
P=$WORK/payload
rm -rf "$WORK"
mkdir -p "$P"
echo "$NAME" >"$P/name"
cp "$XEN_LIB_DIR/guest-test.sh" "$P/test.sh"
KX_APPEND=${XEN_KXBOOT_APPEND:-}

# target NAME — make the target initrd $WORK/targets/NAME (initrd/mktarget.sh)
target() {
	mkdir -p "$WORK/targets"
	[ -f "$WORK/targets/$1" ] ||
		"$XEN_TOP/initrd/mktarget.sh" "$WORK/targets/$1" "$1" >/dev/null 2>"$WORK/mktarget.log" ||
		fail "mktarget.sh $1 failed" "$WORK/mktarget.log"
}

# env VAR=VALUE... — scenario.env, values single-quoted for sh
env_file() {
	local kv
	for kv in "$@"; do
		local v=${kv#*=}
		printf "%s='%s'\n" "${kv%%=*}" "${v//\'/\'\\\'\'}"
	done >"$P/scenario.env"
}

# Common parts of the xl configs
xl_common() { # GUEST
	cat <<EOF
name = "$1"
memory = 512
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
}
xl_hvm() { # GUEST SERIAL_FILE
	xl_common "$1"
	cat <<EOF
type = "hvm"
kernel = "/payload/kxboot.vmlinuz"
ramdisk = "/payload/kxboot.initrd"
vga = "none"
vnc = 0
serial = "file:$2"
device_model_version = "qemu-xen"
device_model_override = "/usr/libexec/xen-qemu-system-i386"
on_soft_reset = "soft-reset"
EOF
}

TMO=240
case $NAME in
pvh-target)
	# The harness itself: xl creates a PVH domain with the Debian kernel and a target initrd,
	# and the target's marker reaches the console file.
	cp "$VMLINUZ" "$P/vmlinuz"
	target pvh-target
	cp "$WORK/targets/pvh-target" "$P/target.initrd"
	{
		xl_common "$NAME"
		cat <<EOF
type = "pvh"
kernel = "/payload/vmlinuz"
ramdisk = "/payload/target.initrd"
cmdline = "console=hvc0 xentest=pvh-target"
EOF
	} >"$P/guest.cfg"
	env_file GUEST="$NAME" LOG="/var/log/xen/console/guest-$NAME.log" WAIT=120 \
		EXPECT='KXBOOT-TARGET' MUST='KXBOOT-TARGET pvh-target console=hvc0 xentest=pvh-target'
	TMO=${XEN_TIMEOUT:-300}
	;;
pvh-refuse | pv-refuse)
	# kxboot in a PVH (PV) guest with a GRUB disk: it reads the menu, then must refuse to
	# kexec (libxl destroys a PVH domain that asks for a soft reset; a PV Linux cannot kexec
	# at all) and say so, not boot the entry.
	type=${NAME%-refuse}
	t=$WORK/disk.tree
	mkdir -p "$t/p1/boot/grub"
	cp "$VMLINUZ" "$t/p1/boot/vmlinuz-$K1"
	target "$NAME"
	cp "$WORK/targets/$NAME" "$t/p1/boot/initrd.img-$K1"
	cat >"$t/p1/boot/grub/grub.cfg" <<EOF
set default=0
set timeout=5
menuentry 'Debian GNU/Linux, with Linux $K1' {
	insmod ext2
	linux /boot/vmlinuz-$K1 root=/dev/xvda1 ro console=hvc0 xentest=$NAME
	initrd /boot/initrd.img-$K1
}
EOF
	fs_image ext4 "$t/p1" "$t/p1.img" 32 "$UUID_MK"
	mkdisk "$P/disk.img" dos "32:L*:$t/p1.img"
	cp "$BUILD/kxboot.vmlinuz" "$P/kxboot.vmlinuz"
	cp "$BUILD/kxboot.initrd" "$P/kxboot.initrd"
	{
		xl_common "$NAME"
		cat <<EOF
type = "$type"
kernel = "/payload/kxboot.vmlinuz"
ramdisk = "/payload/kxboot.initrd"
cmdline = "console=hvc0 kxboot.timeout=0${KX_APPEND:+ $KX_APPEND}"
disk = [ 'format=raw,vdev=xvda,access=rw,target=/payload/disk.img' ]
EOF
	} >"$P/guest.cfg"
	env_file GUEST="$NAME" LOG="/var/log/xen/console/guest-$NAME.log" WAIT=150 \
		EXPECT="refusing to kexec in a ${type^^} guest" MUSTNOT='KXBOOT-TARGET' SETTLE=5
	TMO=${XEN_TIMEOUT:-360}
	;;
hvm-disk)
	# kxboot as an HVM guest's kernel (xl's direct kernel boot), a disk with Debian's own
	# grub-mkconfig output (two kernels, "Advanced options" submenu, GRUB_DEFAULT=saved with
	# grubenv naming K1's entry in the submenu). kxboot must kexec into K1 + initrd-a with
	# that entry's command line; Xen soft-resets the domain and the target prints its marker
	# on the serial port.
	mkdir -p "$WORK/targets"
	target initrd-a
	target initrd-b
	# shellcheck disable=SC2034 # read by disk_mkconfig (tests/e2e/mkdisk.sh)
	E2E_VMLINUZ=$VMLINUZ E2E_TARGETS=$WORK/targets
	msg=$(disk_mkconfig "$WORK") || fail "disk_mkconfig: $msg"
	mv "$WORK/mkconfig.img" "$P/disk.img"
	cp "$BUILD/kxboot.vmlinuz" "$P/kxboot.vmlinuz"
	cp "$BUILD/kxboot.initrd" "$P/kxboot.initrd"
	{
		xl_hvm "$NAME" /var/log/xen/hvm-serial.log
		cat <<EOF
cmdline = "console=ttyS0 kxboot.timeout=0 quiet${KX_APPEND:+ $KX_APPEND}"
disk = [ 'format=raw,vdev=xvda,access=rw,target=/payload/disk.img' ]
EOF
	} >"$P/guest.cfg"
	env_file GUEST="$NAME" LOG=/var/log/xen/hvm-serial.log WAIT=480 EXPECT='KXBOOT-TARGET' \
		MUST="KXBOOT-TARGET initrd-a root=/dev/vda1 ro console=ttyS0 quiet"
	TMO=${XEN_TIMEOUT:-720}
	;;
hvm-net)
	# A diskless HVM guest on a bridge in dom0: dom0 serves DHCP (busybox udhcpd) and HTTP
	# (busybox httpd) with a grub.cfg, the Debian kernel, a target initrd and SHA256SUMS;
	# kxboot.mode=net kxboot.url=http://10.99.0.1/grub.cfg. kxboot must fetch, verify and
	# kexec into the entry; the target prints its marker on the serial port.
	W=$P/www
	mkdir -p "$W"
	cp "$VMLINUZ" "$W/vmlinuz"
	target hvm-net
	cp "$WORK/targets/hvm-net" "$W/initrd.img"
	cat >"$W/grub.cfg" <<'EOF'
set default=0
set timeout=5
menuentry 'Network target' {
	linux /vmlinuz console=ttyS0 quiet xentest=hvm-net
	initrd /initrd.img
}
EOF
	(cd "$W" && sha256sum vmlinuz initrd.img >SHA256SUMS)
	cp "$BUILD/kxboot.vmlinuz" "$P/kxboot.vmlinuz"
	cp "$BUILD/kxboot.initrd" "$P/kxboot.initrd"
	printf '%s\n' xen-netback bridge tun >"$P/modules"
	cat >"$P/setup.sh" <<'EOF'
# dom0's side of the network: bridge xenbr0 10.99.0.1/24, DHCP, HTTP from /payload/www
ip link add name xenbr0 type bridge stp_state 0 forward_delay 0 || brctl addbr xenbr0 || return 1
ip addr add 10.99.0.1/24 dev xenbr0 && ip link set xenbr0 up || return 1
cat >/tmp/udhcpd.conf <<CONF
start 10.99.0.100
end 10.99.0.150
interface xenbr0
lease_file /tmp/udhcpd.leases
option subnet 255.255.255.0
option router 10.99.0.1
option lease 3600
CONF
: >/tmp/udhcpd.leases
udhcpd -S /tmp/udhcpd.conf || return 1
httpd -p 10.99.0.1:80 -h /payload/www || return 1
xt_step "xenbr0 10.99.0.1/24, udhcpd and httpd running"
EOF
	{
		xl_hvm "$NAME" /var/log/xen/hvm-serial.log
		cat <<EOF
cmdline = "console=ttyS0 kxboot.timeout=0 quiet kxboot.mode=net kxboot.url=http://10.99.0.1/grub.cfg${KX_APPEND:+ $KX_APPEND}"
vif = [ 'bridge=xenbr0' ]
EOF
	} >"$P/guest.cfg"
	env_file GUEST="$NAME" LOG=/var/log/xen/hvm-serial.log WAIT=480 EXPECT='KXBOOT-TARGET' \
		MUST="KXBOOT-TARGET hvm-net console=ttyS0 quiet xentest=hvm-net"
	TMO=${XEN_TIMEOUT:-720}
	;;
xen-tool | pvboot-pvh | pvboot-pv)
	# kxboot-xen, the dom0 tool: tests/xen/scenarios-kxboot-xen.sh says what each proves.
	. "$XEN_LIB_DIR/scenarios-kxboot-xen.sh"
	;;
*)
	echo "usage: $0 BUILD pvh-target|pvh-refuse|pv-refuse|hvm-disk|hvm-net|xen-tool|pvboot-pvh|pvboot-pv" >&2
	exit 2
	;;
esac

# ---- the payload disk ---------------------------------------------------------------------------
mb=$(du -sm --apparent-size "$P" | cut -f1)
mkfs.ext4 -q -F -d "$P" -E root_owner=0:0 "$WORK/payload.img" "$((mb + mb / 4 + 32))M" \
	>"$WORK/mkfs.log" 2>&1 || fail "mkfs.ext4 of the payload failed" "$WORK/mkfs.log"
S_PREP=$(elapsed "$T_ALL")

# ---- boot ---------------------------------------------------------------------------------------
LOG=$WORK/serial.log
T_BOOT=$(now_ns)
xen_qemu "$LOG" "$TMO" "$XEN/xen.elf" "$VMLINUZ" "$XEN/dom0.initrd" "$WORK/payload.img"
qrc=$?
S_BOOT=$(elapsed "$T_BOOT")
tr -d '\r' <"$LOG" >"$LOG.txt"

result=$(grep -a "^XENTEST-RESULT $NAME " "$LOG.txt" | tail -n 1)
step() { grep -a "^XENTEST-DOM0 .* $1" "$LOG.txt" | head -n 1 | cut -d' ' -f2; }
t_init=$(step 'init started')
t_ready=$(step 'payload mounted')
t_create=$(grep -a '^XENTEST-STEP .* xl create' "$LOG.txt" | head -n 1 | cut -d' ' -f2)
t_expect=$(grep -a "^XENTEST-TIME $NAME create-to-expect" "$LOG.txt" | awk '{ print $4 }')
echo "TIME: xen/$NAME total ${S_BOOT}+${S_PREP} s (QEMU run + build; dom0 build/check ${S_DOM0} s);" \
	"dom0 uptime: /init ${t_init:-?} s, ready ${t_ready:-?} s, xl create ${t_create:-?} s;" \
	"create to expected text ${t_expect:-?} s"

# guest_tail N — the guest console's last N lines, then the last lines of every other log that
# test.sh printed (xl create, xl's and the device model's logs, the hotplug scripts' log)
guest_tail() {
	grep -a "^XENTEST-LOG $NAME| " "$LOG.txt" | tail -n "$1" | sed 's/^XENTEST-LOG /      | /'
	local tag
	for tag in $(grep -a '^XENTEST-LOG ' "$LOG.txt" | cut -d' ' -f2 | grep -v "^$NAME|" | awk '!seen[$0]++'); do
		grep -a "^XENTEST-LOG $tag " "$LOG.txt" | tail -n 12 | sed 's/^XENTEST-LOG /      | /'
	done
}
case $result in
"XENTEST-RESULT $NAME PASS"*)
	echo "PASS: xen/$NAME (${S_BOOT} s in QEMU)"
	exit 0
	;;
"XENTEST-RESULT $NAME FAIL"*)
	echo "FAIL: xen/$NAME: ${result#"XENTEST-RESULT $NAME FAIL "}"
	echo "   guest console (last lines; all in $LOG.txt):"
	guest_tail 30
	exit 1
	;;
*)
	why="no XENTEST-RESULT line"
	[ "$qrc" = 124 ] && why="$why: QEMU stopped by the $TMO s timeout"
	[ "$qrc" = 0 ] || [ "$qrc" = 124 ] || why="$why: QEMU exited with status $qrc ($(tail -n 1 "$LOG.qemu"))"
	echo "FAIL: xen/$NAME: $why"
	guest_tail 15
	echo "   serial log (last lines; all in $LOG.txt):"
	log_tail "$LOG.txt" 25
	exit 1
	;;
esac
