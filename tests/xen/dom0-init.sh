#!/bin/sh
# /init of the Xen test host's dom0 (tests/xen/mkdom0.sh puts it there).
#
# Sets up a dom0 that can create PVH and HVM guests: mounts (proc, sysfs, devtmpfs, devpts for
# xenconsoled's ptys, tmpfs /run, xenfs), the modules in /etc/modules, xenstored,
# xen-init-dom0 and xenconsoled (guest consoles in /var/log/xen/console/guest-NAME.log).
# Then mounts the payload disk (/dev/vda, ext4) on /payload, runs /payload/test.sh with its
# output on this console (hvc0, which Xen copies to its serial port) and powers the machine off.
# Lines for the harness start with XENTEST-.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root TERM=dumb

say() { echo "XENTEST-DOM0 $(cut -d' ' -f1 /proc/uptime) $*"; }
fail() {
	say "setup failed: $*"
	echo "XENTEST-RESULT ${XENTEST_NAME:-dom0} FAIL dom0 setup: $*"
	halt_now
}
halt_now() {
	sync
	umount /payload 2>/dev/null
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
	while :; do sleep 60; done
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
# devtmpfs has no /dev/fd, /dev/stdin, ...: the hotplug scripts' locking stats /dev/stdin
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "devpts"
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/xen /run/xenstored /run/xen-hotplug /run/lock /var/log/xen/console /var/lib/xen
hostname dom0
ip link set lo up
say "init started"

modprobe -a $(cat /etc/modules) || say "modprobe -a failed: $(cat /etc/modules | tr '\n' ' ')"
say "modules loaded"
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
grep -q control_d /proc/xen/capabilities 2>/dev/null || fail "not dom0 (/proc/xen/capabilities)"

xenstored --pid-file /run/xenstored.pid || fail "xenstored"
n=0
until xenstore-exists / 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "xenstored does not answer"
	sleep 0.1
done
say "xenstored up"
xen-init-dom0 >/run/xen-init-dom0.log 2>&1 || { cat /run/xen-init-dom0.log; fail "xen-init-dom0"; }
xenconsoled --log=guest --log-dir=/var/log/xen/console --pid-file=/run/xen/xenconsoled.pid ||
	fail "xenconsoled"
say "xen tools up ($(xl info 2>/dev/null | sed -n 's/^virt_caps *: *//p'))"

n=0
until [ -b /dev/vda ]; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "no payload disk /dev/vda"
	sleep 0.1
done
mount -t ext4 /dev/vda /payload || fail "mount /dev/vda /payload"
[ -f /payload/name ] && XENTEST_NAME=$(cat /payload/name)
# modules only some scenarios need (bridge, xen-netback, tun for networking)
if [ -s /payload/modules ]; then
	modprobe -a $(cat /payload/modules) || say "modprobe -a $(cat /payload/modules | tr '\n' ' ') failed"
fi
export XENTEST_NAME
say "payload mounted, running test.sh of ${XENTEST_NAME:-?}"
if [ -f /payload/test.sh ]; then
	ln -sf /payload/test.sh /test.sh
	sh /test.sh 2>&1
	say "test.sh exited with $?"
else
	echo "XENTEST-RESULT ${XENTEST_NAME:-dom0} FAIL no /payload/test.sh"
fi
for d in $(xl list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
	xl destroy "$d" >/dev/null 2>&1
done
say "powering off"
halt_now
