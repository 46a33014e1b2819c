# scenarios-kxboot-xen.sh — the payloads of the kxboot-xen scenarios (the dom0 tool,
# src/xen_tool/). run-scenario.sh sources it with its variables and helpers (NAME, BUILD, WORK,
# P, VMLINUZ, XEN_TOP, XEN_LIB_DIR, env_file, fail) and boots Xen + dom0 with the payload; the
# dom0 side is tests/xen/kxboot-xen-test.sh (copied over the generic test.sh). Sets TMO.
#
#   xen-tool    a PVH guest running kxboot (build/kxboot.vmlinuz + initrd), created paused:
#               `kxboot-xen set` writes its settings (dom0-owned, guest-readable), kxboot
#               reads them when unpaused and reports back; `kxboot-xen list` (table and
#               --json) shows both; `set KEY=` removes, bad keys/domains are refused; then
#               `kxboot-xen rollout --reboot` reboots it, sees it come back as a new domain,
#               writes its settings again before kxboot reads them, and stops with the
#               failure kxboot reports (the guest has no network, so nothing can boot).
#   pvboot-pvh  a PVH guest with bootloader="/payload/kxboot-xen" and bootloader_args
#               ["pvboot", "--manifest=http://127.0.0.1/fleet/manifest.json", ...], served by
#               busybox httpd in dom0: the Debian kernel and a target initrd named by a signed
#               manifest boot, and the target prints KXBOOT-TARGET with
#               kxboot.target=fleet kxboot.manifest_version=1. Then version 2 is published and
#               `kxboot-xen rollout --reboot` brings the domain to it (pvboot-pvh: two
#               domains with --batch 1, the second rebooted only once the first reported
#               version 2); a domain whose
#               bootloader_args trust another key is refused by xl create.
#   pvboot-pv   the same for a PV guest (type="pv"): the same kernel and manifest, libxl's
#               PV domain builder instead of PVH's.
#
# XEN_KXBOOT_XEN=asan runs both with the ASan+UBSan build of kxboot-xen.

# kx_xen_payload — BUILD/kxboot-xen (BUILD/asan/kxboot-xen with XEN_KXBOOT_XEN=asan) in the
# payload, with the shared libraries it needs (dom0 has Xen's own; kxboot-xen-test.sh copies
# those it lacks into /lib/x86_64-linux-gnu).
kx_xen_payload() {
	local bin=$BUILD/kxboot-xen
	[ "${XEN_KXBOOT_XEN:-}" = asan ] && bin=$BUILD/asan/kxboot-xen
	[ -x "$bin" ] || fail "$bin is not built (make, make asan)"
	cp "$bin" "$P/kxboot-xen"
	mkdir -p "$P/lib"
	local todo=("$bin") f lib d found
	local -A seen=()
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			case $lib in ld-linux* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.*) continue ;; esac
			[ -z "${seen[$lib]:-}" ] || continue
			seen[$lib]=1
			found=
			for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
				[ -f "$d/$lib" ] && { found=$d/$lib; break; }
			done
			[ -n "$found" ] || fail "kxboot-xen needs $lib, not found on this host"
			cp -L "$found" "$P/lib/$lib"
			todo+=("$found")
		done
	done
	cp "$XEN_LIB_DIR/kxboot-xen-test.sh" "$P/test.sh"
}

# kx_alive_target OUT NAME — a target initrd that prints "KXBOOT-TARGET NAME CMDLINE" and then
# stays up; a reboot request (the kernel runs /sbin/reboot, busybox's sends init SIGTERM)
# reboots it, so a rollout can reboot it again.
kx_alive_target() {
	local out=$1 name=$2 r=$WORK/alive-root
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/sbin" "$r/dev" "$r/proc" "$r/sys"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh mount cat sleep; do ln -s busybox "$r/bin/$a"; done
	ln -s ../bin/busybox "$r/sbin/reboot"
	echo "$name" >"$r/name"
	cat >"$r/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
trap 'echo "KXBOOT-TARGET-REBOOT $(cat /name)" >/dev/console; reboot -f' TERM
echo "KXBOOT-TARGET $(cat /name) $(cat /proc/cmdline)" >/dev/console
while :; do sleep 1; done
EOF
	chmod 0755 "$r/init"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -n -6 >"$out" ||
		fail "building the target initrd failed"
}

kx_xen_scenario() {
	local URL=http://127.0.0.1/fleet/manifest.json
	kx_xen_payload
	case $NAME in
	xen-tool)
		cp "$BUILD/kxboot.vmlinuz" "$P/kxboot.vmlinuz"
		cp "$BUILD/kxboot.initrd" "$P/kxboot.initrd"
		cat >"$P/guest.cfg" <<EOF
name = "$NAME"
memory = 512
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "destroy"
type = "pvh"
kernel = "/payload/kxboot.vmlinuz"
ramdisk = "/payload/kxboot.initrd"
cmdline = "console=hvc0${KX_APPEND:+ $KX_APPEND}"
EOF
		env_file GUEST="$NAME" LOG="/var/log/xen/console/guest-$NAME.log" \
			URL1=http://127.0.0.1:9/v1/manifest.json URL2=http://127.0.0.1:9/v2/manifest.json
		TMO=${XEN_TIMEOUT:-480}
		;;
	pvboot-pvh | pvboot-pv)
		local type=${NAME#pvboot-}
		command -v minisign >/dev/null || fail "minisign is not installed"
		[ -x "$BUILD/kxboot" ] || fail "$BUILD/kxboot is not built"
		local K=$WORK/keys S=$WORK/src
		mkdir -p "$K" "$S" "$P/keys" "$P/other-keys" "$P/www" "$P/www-v2"
		minisign -G -W -p "$K/fleet.pub" -s "$K/fleet.sec" >/dev/null 2>&1 &&
			minisign -G -W -p "$K/other.pub" -s "$K/other.sec" >/dev/null 2>&1 ||
			fail "minisign -G failed"
		cp "$K/fleet.pub" "$P/keys/"
		cp "$K/other.pub" "$P/other-keys/"
		cp "$VMLINUZ" "$S/vmlinuz"
		kx_alive_target "$S/target.initrd" "$NAME"
		cat >"$WORK/rules.json" <<'EOF'
{
  "targets": {
    "fleet": {"kernel": "vmlinuz", "initrds": ["target.initrd"],
            "cmdline": "console=hvc0 quiet xentest=pvboot"}
  },
  "rules": [{"name": "all", "match": {"any": true}, "target": "fleet"}]
}
EOF
		"$BUILD/kxboot" publish --dir "$S" --rules "$WORK/rules.json" --out "$P/www/fleet" \
			--secret-key "$K/fleet.sec" --public-key "$K/fleet.pub" >"$WORK/publish.log" 2>&1 &&
			cp -a "$P/www/fleet" "$P/www-v2/" &&
			"$BUILD/kxboot" publish --dir "$S" --rules "$WORK/rules.json" \
				--out "$P/www-v2/fleet" --secret-key "$K/fleet.sec" >>"$WORK/publish.log" 2>&1 ||
			fail "kxboot publish failed" "$WORK/publish.log"
		head -c 1048576 /dev/urandom >"$P/disk.img" # never read: no filesystem on it
		local c
		for c in good bad; do
			local keys=/payload/keys name=$NAME
			[ $c = bad ] && keys=/payload/other-keys name=$NAME-bad
			cat >"$P/guest-$c.cfg" <<EOF
name = "$name"
memory = 512
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "destroy"
type = "$type"
bootloader = "/payload/kxboot-xen"
bootloader_args = [ "pvboot", "--manifest=$URL", "--keys=$keys" ]
disk = [ 'format=raw,vdev=xvda,access=rw,target=/payload/disk.img' ]
EOF
		done
		cp "$P/guest-good.cfg" "$P/guest.cfg"
		# pvboot-pvh also rolls out to two domains one batch at a time: a second domain
		# like the first (less memory: the Xen host has 3 GB, dom0 1.5 of them)
		local second=
		if [ "$NAME" = pvboot-pvh ]; then
			second=$NAME-2
			sed -e "s/^name = .*/name = \"$second\"/" -e 's/^memory = .*/memory = 256/' \
				"$P/guest-good.cfg" >"$P/guest-second.cfg"
		fi
		env_file GUEST="$NAME" TYPE="$type" LOG="/var/log/xen/console/guest-$NAME.log" URL="$URL" \
			GUEST2="$second" LOG2="/var/log/xen/console/guest-$second.log" \
			MUST1="KXBOOT-TARGET $NAME console=hvc0 quiet xentest=pvboot kxboot.target=fleet kxboot.manifest_version=1" \
			MUST2="KXBOOT-TARGET $NAME console=hvc0 quiet xentest=pvboot kxboot.target=fleet kxboot.manifest_version=2"
		TMO=${XEN_TIMEOUT:-480}
		;;
	*)
		fail "kx_xen_scenario: unknown scenario $NAME"
		;;
	esac
}
kx_xen_scenario
