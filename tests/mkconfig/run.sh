#!/bin/bash
# mkconfig/run.sh KXBOOT — configs written on the spot by Debian's own grub-mkconfig (run in a
# private mount namespace over a fake /boot with stand-in grub-probe/grub-mkrelpath), and
# grubenv files written by grub-editenv. The expected menu follows from what 10_linux and
# 20_linux_xen generate for the kernels we put in /boot (newest first, a simple entry,
# then "Advanced options" with normal and recovery entries per kernel).
set -u
KXBOOT=$1
if [ "$(id -u)" != 0 ] || ! command -v grub-mkconfig >/dev/null || ! command -v unshare >/dev/null; then
	echo "FAIL: mkconfig: needs root, grub-mkconfig (grub-common) and unshare"
	exit 1
fi
tmp=${KEEP_TMP:-$(mktemp -d)}
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
UUID=39ec20e2-83f5-44ce-8671-f31ce0856377
cat >"$tmp/probe" <<PROBE
#!/bin/sh
# stand-in for grub-probe: / is an ext4 filesystem on the first msdos partition of hd0
target=
for a in "\$@"; do case \$a in --target=*) target=\${a#--target=};; esac; done
case \$target in
device) echo /dev/sda1;;
fs) echo ext2;;
fs_uuid) echo $UUID;;
partmap) echo msdos;;
drive) echo "(hd0)";;
compatibility_hint) echo hd0,msdos1;;
hints_string) echo "--hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1";;
*) echo;;
esac
PROBE
printf '#!/bin/sh\necho "$1"\n' >"$tmp/relpath"
chmod +x "$tmp/probe" "$tmp/relpath"

# mkroot NAME KERNELVERSIONS... : a filesystem folder with those kernels in /boot
mkroot() {
	local root=$tmp/$1
	shift
	mkdir -p "$root/boot/grub"
	echo "$UUID" >"$root/UUID"
	for v in "$@"; do
		: >"$root/boot/vmlinuz-$v"
		: >"$root/boot/initrd.img-$v"
		echo "CONFIG_XEN_DOM0=y" >"$root/boot/config-$v"
	done
}

# mkconfig NAME VAR=VALUE... : run Debian's grub-mkconfig for that root with those settings
mkconfig() {
	local root=$tmp/$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" unshare -m sh -c "
		mount --bind '$root/boot' /boot &&
		mount --bind '$tmp/probe' /usr/sbin/grub-probe &&
		mount --bind '$tmp/relpath' /usr/bin/grub-mkrelpath &&
		{ [ ! -e /etc/default/grub ] || mount --bind /dev/null /etc/default/grub; } &&
		{ [ ! -d /etc/default/grub.d ] || mount -t tmpfs none /etc/default/grub.d; } &&
		grub-mkconfig -o /boot/grub/grub.cfg" >"$tmp/$(basename "$root").mk.log" 2>&1
}

# expect NAME JQ-EXPRESSION DESCRIPTION : the expression must be true of `kxboot list --json`
expect() {
	local name=$1 expr=$2 what=$3
	if ! "$KXBOOT" list --json --root "$tmp/$name" >"$tmp/$name.json" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: $what: kxboot list failed: $(head -c 300 "$tmp/$name.err")"
		return
	fi
	if jq -e "$expr" "$tmp/$name.json" >/dev/null 2>&1; then
		echo "PASS: $name: $what"
	else
		echo "FAIL: $name: $what: got $(jq -c '{default,timeout,entries:[.entries[]|{title,kernel,cmdline,initrds,kind}]}' "$tmp/$name.json" | head -c 1500)"
	fi
}

DEB="Debian GNU/Linux"
ADV="Advanced options for $DEB"
K1=6.1.0-13-amd64 K2=6.1.0-18-amd64

# 1. two kernels, saved_entry (an id path, as grub-set-default writes it) in the submenu
mkroot saved $K1 $K2
mkconfig saved GRUB_DEFAULT=saved GRUB_TIMEOUT=5 GRUB_DISTRIBUTOR=Debian \
	GRUB_CMDLINE_LINUX=console=ttyS0 GRUB_CMDLINE_LINUX_DEFAULT=quiet
grub-editenv "$tmp/saved/boot/grub/grubenv" create
grub-editenv "$tmp/saved/boot/grub/grubenv" set \
	"saved_entry=gnulinux-advanced-$UUID>gnulinux-$K1-advanced-$UUID"
expect saved "[.entries[].title] == [\"$DEB\", \"$DEB, with Linux $K2\", \"$DEB, with Linux $K2 (recovery mode)\", \"$DEB, with Linux $K1\", \"$DEB, with Linux $K1 (recovery mode)\"]" "menu order: newest kernel first, submenu flattened"
expect saved ".entries[0].kernel == \"/boot/vmlinuz-$K2\" and .entries[0].initrds == [\"/boot/initrd.img-$K2\"] and .entries[0].cmdline == \"root=/dev/sda1 ro console=ttyS0 quiet\"" "simple entry boots the newest kernel"
expect saved ".entries[2].cmdline == \"root=/dev/sda1 ro single console=ttyS0\"" "recovery entry command line"
expect saved ".entries[3].path == [\"$ADV\", \"$DEB, with Linux $K1\"] and .entries[3].id == \"gnulinux-$K1-advanced-$UUID\"" "submenu path and id"
expect saved ".default == 3 and .timeout == 5" "saved_entry id path selects the older kernel in the submenu"

# 2. grub-reboot: next_entry wins over saved_entry
cp -r "$tmp/saved" "$tmp/next"
grub-editenv "$tmp/next/boot/grub/grubenv" set "next_entry=$ADV>$DEB, with Linux $K2 (recovery mode)"
expect next ".default == 2" "next_entry (titles) overrides saved_entry"

# 3. numeric default path into the submenu
mkroot numeric $K1 $K2
mkconfig numeric GRUB_DEFAULT="1>2" GRUB_TIMEOUT=3 GRUB_DISTRIBUTOR=Debian
expect numeric ".default == 3 and .timeout == 3" "GRUB_DEFAULT=\"1>2\""

# 4. no submenu (10_linux then writes one entry per kernel and no simple entry), no
#    recovery entries, timeout 0
mkroot flat $K1 $K2
mkconfig flat GRUB_DEFAULT=1 GRUB_TIMEOUT=0 GRUB_DISTRIBUTOR=Debian GRUB_DISABLE_SUBMENU=y \
	GRUB_DISABLE_RECOVERY=true
expect flat "[.entries[].title] == [\"$DEB, with Linux $K2\", \"$DEB, with Linux $K1\"] and (.entries | map(.path | length) | max) == 1" "GRUB_DISABLE_SUBMENU and GRUB_DISABLE_RECOVERY"
expect flat ".default == 1 and .timeout == 0" "default index 1, timeout 0"

# 5. Xen hypervisor next to the kernels: 20_linux_xen's multiboot entries (Debian writes a
#    "placeholder" first word on Xen's and the kernel's command lines, which Xen drops)
mkroot xen $K2
: >"$tmp/xen/boot/xen-4.17-amd64.gz"
mkconfig xen GRUB_DEFAULT=0 GRUB_TIMEOUT=5 GRUB_DISTRIBUTOR=Debian GRUB_CMDLINE_XEN=dom0_mem=1G \
	GRUB_CMDLINE_LINUX=console=hvc0
expect xen "[.entries[] | select(.kind == \"multiboot\")] | length >= 1" "Xen entries are multiboot"
expect xen "[.entries[] | select(.kind == \"multiboot\")][0] | .kernel == \"/boot/xen-4.17-amd64.gz\" and .cmdline == \"placeholder dom0_mem=1G\" and .modules[0].path == \"/boot/vmlinuz-$K2\" and .modules[0].cmdline == \"placeholder root=/dev/sda1 ro console=hvc0\" and .modules[1].path == \"/boot/initrd.img-$K2\"" "hypervisor, kernel and initrd modules"
