#!/bin/sh
# install-deps.sh — install the Debian 12 packages kxboot's build and tests need, when they
# are missing and we are root on Debian. Prints what it does; never removes anything.
set -eu

PACKAGES="
build-essential pkg-config clang libclang-rt-14-dev
libcurl4-openssl-dev libssl-dev libblkid-dev libkmod-dev libjansson-dev libxen-dev
jq grub-common grub2-common grub-pc-bin
qemu-system-x86 busybox-static kexec-tools cpio zstd xz-utils kmod binutils
e2fsprogs dosfstools mtools btrfs-progs xfsprogs fdisk util-linux
tftpd-hpa atftp nginx-light minisign openssl ca-certificates dnsmasq-base iproute2
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run 'make check' as root on Debian 12 to install them" >&2
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tftpd-hpa must not start a system-wide server on port 69 while tests run their own.
if ! apt-get install -y --no-install-recommends $missing >/tmp/kxboot-apt.log 2>&1; then
	apt-get update >>/tmp/kxboot-apt.log 2>&1
	apt-get install -y --no-install-recommends $missing >>/tmp/kxboot-apt.log 2>&1 || {
		tail -20 /tmp/kxboot-apt.log >&2
		exit 1
	}
fi
