#!/bin/bash
# demo.sh BUILD — boot a demo guest through kxboot in QEMU: a disk with a GRUB 2 config
# (a submenu, a broken entry, grubenv), kxboot's menu on the serial console with a
# countdown, then kexec into the guest's kernel, whose tiny initrd prints what it got.
# On a terminal the menu is yours to drive (arrows, numbers, 'e', 's'); QEMU: Ctrl-a x quits.
set -euo pipefail
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
work=$BUILD/demo
rm -rf "$work"
mkdir -p "$work/root/boot/grub"
initrd/mktarget.sh "$work/root/boot/initrd.img-demo" demo-initrd >/dev/null
initrd/mktarget.sh "$work/root/boot/initrd.img-recovery" recovery-initrd >/dev/null
cp "$BUILD/kxboot.vmlinuz" "$work/root/boot/vmlinuz-demo"
UUID=0d3e5a1c-6b4a-4c8e-9a52-5f0ac1d2b7e1
cat >"$work/root/boot/grub/grub.cfg" <<CFG
# A config in the style grub-mkconfig writes.
load_env
set default="\${saved_entry}"
set timeout=5
search --no-floppy --fs-uuid --set=root $UUID
menuentry 'Demo Linux' --id demo {
	linux /boot/vmlinuz-demo console=ttyS0 quiet demo=yes
	initrd /boot/initrd.img-demo
}
submenu 'Advanced options for Demo Linux' --id advanced {
	menuentry 'Demo Linux (recovery mode)' --id recovery {
		linux /boot/vmlinuz-demo console=ttyS0 single
		initrd /boot/initrd.img-recovery
	}
	menuentry 'Demo Linux, kernel missing (falls back)' --id broken {
		linux /boot/vmlinuz-not-there console=ttyS0
	}
}
CFG
grub-editenv "$work/root/boot/grub/grubenv" create
grub-editenv "$work/root/boot/grub/grubenv" set saved_entry=demo
mkfs.ext4 -q -F -U "$UUID" -L demo-boot -d "$work/root" "$work/disk.img" 128M
echo "== kxboot list on the demo filesystem (host side):"
"$BUILD/kxboot" list --root "$work/root" || true
echo "== booting QEMU (TCG) with kxboot; the guest's disk is $work/disk.img"
args=(-accel tcg -m 1024 -nographic -no-reboot -kernel "$BUILD/kxboot.vmlinuz"
	-initrd "$BUILD/kxboot.initrd" -append "console=ttyS0 ${KXBOOT_DEMO_APPEND:-}"
	-drive "file=$work/disk.img,format=raw,if=virtio")
if [ -t 0 ]; then
	exec qemu-system-x86_64 "${args[@]}"
fi
timeout 240 qemu-system-x86_64 "${args[@]}" </dev/null | tee "$work/console.log"
grep -q "KXBOOT-TARGET demo-initrd" "$work/console.log" && echo "== demo: the guest kernel booted through kxboot"
