#!/bin/bash
# menu.sh BUILD — kxboot's menu driven by keys on the serial console, the way a person would:
# QEMU's serial line is a pair of FIFOs; keys are written once the menu is on screen, and the
# target initrd's KXBOOT-TARGET line says what got booted with which command line.
#   menu-arrows:  Down, Down, Enter boots the third entry
#   menu-number:  "1" then Enter boots entry 1
#   menu-edit:    'e' on the default entry, two Backspaces, " edited" appended, Enter
#   menu-shell:   's' opens the rescue shell; `echo` in it answers
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
W=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-e2e-menu.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$W"' EXIT
LOGDIR=$BUILD/test-log/e2e-menu
mkdir -p "$LOGDIR" "$W/root/boot/grub"
[ -f "$BUILD/kxboot.vmlinuz" ] && [ -f "$BUILD/kxboot.initrd" ] || make -C "$TOP" BUILD="$BUILD" image >/dev/null
cp "$BUILD/kxboot.vmlinuz" "$W/root/boot/vmlinuz"
for n in zero one two; do "$TOP/initrd/mktarget.sh" "$W/root/boot/initrd-$n" "menu-$n" >/dev/null 2>&1; done
cat >"$W/root/boot/grub/grub.cfg" <<'CFG'
set timeout=60
menuentry zero { linux /boot/vmlinuz console=ttyS0 e=0; initrd /boot/initrd-zero }
submenu more {
	menuentry one { linux /boot/vmlinuz console=ttyS0 e=1; initrd /boot/initrd-one }
	menuentry two { linux /boot/vmlinuz console=ttyS0 e=2; initrd /boot/initrd-two }
}
CFG
mkfs.ext4 -q -F -d "$W/root" "$W/disk.img" 64M

# scenario NAME WANT KEYS... — KEYS are printf formats sent one after another, 0.5 s apart,
# once the countdown is on the console.
scenario() {
	local name=$1 want=$2
	shift 2
	local fifo=$W/$name.serial log=$W/$name.log
	mkfifo "$fifo.in" "$fifo.out"
	: >"$log"
	cat "$fifo.out" >"$log" &
	local reader=$!
	timeout 240 qemu-system-x86_64 -accel tcg -m 1024 -display none -vga none -nic none -no-reboot \
		-monitor none -chardev "pipe,id=s0,path=$fifo" -serial chardev:s0 \
		-kernel "$BUILD/kxboot.vmlinuz" -initrd "$BUILD/kxboot.initrd" -append "console=ttyS0" \
		-drive "file=$W/disk.img,format=raw,if=virtio,snapshot=on" </dev/null >"$log.qemu" 2>&1 &
	local qemu=$!
	exec 9>"$fifo.in"
	local waited=0
	until tr -d '\r' <"$log" | grep -q "Any key stops the countdown"; do
		sleep 0.5
		waited=$((waited + 1))
		if [ $waited -ge 300 ] || ! kill -0 $qemu 2>/dev/null; then
			break
		fi
	done
	local k
	for k in "$@"; do
		sleep 0.5
		# shellcheck disable=SC2059 # the keys are printf formats
		printf "$k" >&9
	done
	wait $qemu
	exec 9>&-
	kill $reader 2>/dev/null
	cp "$log" "$LOGDIR/$name.log"
	if tr -d '\r' <"$log" | grep -aq -- "$want"; then
		echo "PASS: e2e-menu/$name"
	else
		echo "FAIL: e2e-menu/$name: '$want' never appeared"
		tr -d '\r' <"$log" | grep -av '^\s*$' | tail -12 | sed 's/^/      | /'
	fi
}

scenario menu-arrows "KXBOOT-TARGET menu-two console=ttyS0 e=2" '\033[B' '\033[B' '\r'
scenario menu-number "KXBOOT-TARGET menu-one console=ttyS0 e=1" '1' '\r'
scenario menu-edit "KXBOOT-TARGET menu-zero console=ttyS0 edited" 'e' '\177' '\177' '\177' '\177' ' edited' '\r'
scenario menu-shell "kxboot-rescue-echo-1k" 's' 'echo kxboot-rescue-echo-$((1))k\r' 'poweroff -f\r'
exit 0
