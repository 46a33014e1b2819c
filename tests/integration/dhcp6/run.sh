#!/bin/bash
# run.sh BUILD — `kxboot dhcp6` against a real DHCPv6 server (dnsmasq) in private network
# namespaces: the client's (this script re-runs itself under `unshare -n -m`) and the
# server's, joined by a veth pair. The host's network is never touched. Checks the lease
# (address in the range and on the link, boot file URL, DNS, the server's own lease record),
# fetches over HTTP and TFTP from [fd00:99::1], the failures (no server, NoAddrsAvail: each
# within its time-out), and Information-request on SLAAC links. Runs against BUILD/kxboot and
# BUILD/asan/kxboot (when built) with tests/integration/lib.sh. Prints "PASS: dhcp6/TAG: ...",
# "FAIL: dhcp6/TAG: ...: why" or "SKIP: ..." (see tests/run.sh); exits 0 whatever the checks
# say. KEEP_WORK=1 keeps the work folder (dnsmasq's logs and leases).
set -u
SUITE=dhcp6
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
use_build "${1:-build}"

if [ -z "${KXBOOT_DHCP6_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: dhcp6: needs root for network namespaces"
		exit 0
	fi
	need_tools unshare nsenter ip dnsmasq python3 timeout sha256sum ss
	# A mount namespace too: /sys must show the new network namespace's interfaces.
	KXBOOT_DHCP6_NETNS=1 unshare -n -m --propagation private "$0" "$BUILD"
	rc=$?
	[ $rc -eq 0 ] || echo "FAIL: dhcp6: the namespace run exited with status $rc"
	exit 0
fi

# ---- from here on: inside the client's network and mount namespaces ----------------------
# lib.sh's cleanup stops every background job: the server namespace's holder, the HTTP
# server and dnsmasq.
make_work
SERVER_NS_PID=
DNSMASQ_PID=

if ! mount -t sysfs sysfs /sys; then
	echo "FAIL: dhcp6: cannot mount a private /sys"
	exit 0
fi
ip link set lo up

# The server's namespace: held by a sleeping process, entered with nsenter.
unshare -n sleep 3600 &
SERVER_NS_PID=$!
for _ in $(seq 50); do
	[ "$(readlink /proc/$SERVER_NS_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.05
done
S() { nsenter -t "$SERVER_NS_PID" -n "$@"; }
if ! ip link add v1 type veth peer name v0 || ! ip link set v0 netns "$SERVER_NS_PID" ||
	! S ip link set lo up || ! S ip link set v0 up ||
	! S ip -6 addr add fd00:99::1/64 dev v0 nodad; then
	echo "FAIL: dhcp6: cannot set up the veth pair between the namespaces"
	exit 0
fi

# ---- what the server offers ---------------------------------------------------------------
WWW=$WORK/www
mkdir -p "$WWW/boot/grub"
echo 'menuentry "ipv6" { linux /vmlinuz }' >"$WWW/boot/grub/grub.cfg"
head -c 300000 /dev/urandom >"$WWW/file"
SHA_FILE=$(sha256sum "$WWW/file" | cut -d' ' -f1)
HTTP_PORT=8080 # the namespace is ours: no port is taken
BOOT_URL="http://[fd00:99::1]:$HTTP_PORT/boot/grub/grub.cfg"
UUID=4c4c4544-0051-3010-8052-b3c04f4e4c31
DUID_UUID=00:04:4c:4c:45:44:00:51:30:10:80:52:b3:c0:4f:4e:4c:31

# nsenter runs the server itself (no fork, no shell function), so $! is the server's pid.
nsenter -t "$SERVER_NS_PID" -n python3 -m http.server --bind fd00:99::1 --directory "$WWW" "$HTTP_PORT" \
	>"$WORK/http.log" 2>&1 &

# start_dnsmasq NAME ARGS...: dnsmasq on v0 with TFTP from WWW, until it listens on 547.
start_dnsmasq() {
	local name=$1
	shift
	: >"$WORK/$name.leases"
	nsenter -t "$SERVER_NS_PID" -n dnsmasq --keep-in-foreground --user=root --port=0 --interface=v0 --bind-interfaces \
		--no-resolv --no-hosts --log-dhcp --log-facility="$WORK/$name.dnsmasq.log" \
		--dhcp-leasefile="$WORK/$name.leases" --pid-file="$WORK/$name.pid" \
		--enable-tftp --tftp-root="$WWW" "$@" 2>>"$WORK/$name.dnsmasq.log" &
	DNSMASQ_PID=$!
	for _ in $(seq 100); do
		[ -n "$(S ss -Hulnp 'sport = :547' 2>/dev/null)" ] && return 0
		kill -0 "$DNSMASQ_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "$name" "dnsmasq did not start: $(tail -3 "$WORK/$name.dnsmasq.log")"
	DNSMASQ_PID=
	return 1
}
stop_dnsmasq() {
	[ -n "$DNSMASQ_PID" ] || return 0
	kill "$DNSMASQ_PID" 2>/dev/null
	wait "$DNSMASQ_PID" 2>/dev/null
	DNSMASQ_PID=
}

# run_dhcp6 OUT ARGS...: kxboot dhcp6 v1 ARGS, stdout in OUT, stderr in OUT.err, the exit
# status in RC and the time it took (ms) in MS. Nothing may hang: 60 s is a failure.
run_dhcp6() {
	local out=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	timeout 60 "$KX" dhcp6 v1 "$@" >"$out" 2>"$out.err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	echo "$MS" >"$out.ms"
}
value() { sed -n "s/^$1=//p" "$2"; } # KEY FILE
in_range() {                      # ADDR LOW HIGH
	python3 -c 'import ipaddress, sys
a, lo, hi = (ipaddress.IPv6Address(x) for x in sys.argv[1:])
sys.exit(0 if lo <= a <= hi else 1)' "$@" 2>/dev/null
}
flush_v1() { ip -6 addr flush dev v1 scope global 2>/dev/null; }

run_checks() {
	local out addr src
	flush_v1

	# ---- a lease from a stateful range, with RA for the routes ----------------------
	# The boot URL only for user class kxboot, the DNS server only for PXE vendor class
	# 343: what the client gets shows the server read both classes.
	if start_dnsmasq "lease-$TAG" --dhcp-range=fd00:99::100,fd00:99::1ff,64,1h --enable-ra \
		--dhcp-userclass=set:kxboot,kxboot \
		--dhcp-vendorclass=set:pxe,enterprise:343,PXEClient:Arch:00007 \
		--dhcp-option=tag:kxboot,option6:bootfile-url,"$BOOT_URL" \
		--dhcp-option=tag:!kxboot,option6:bootfile-url,http://[fd00:99::1]/firmware.efi \
		--dhcp-option=tag:pxe,option6:dns-server,[fd00:99::53] \
		--dhcp-option=option6:domain-search,example.test \
		--dhcp-option=option6:bootfile-param,console=ttyS0,quiet; then
		out=$WORK/lease-$TAG.out
		run_dhcp6 "$out" --timeout 10000 --uuid "$UUID"
		addr=$(value address "$out")
		if [ $RC -ne 0 ]; then
			fail "lease" "exit $RC: $(tail -2 "$out.err")"
		elif ! in_range "$addr" fd00:99::100 fd00:99::1ff; then
			fail "lease" "address '$addr' is not in fd00:99::100-1ff"
		elif ! ip -6 addr show dev v1 | grep -q "inet6 $addr/128 scope global"; then
			fail "lease" "$addr/128 is not on v1: $(ip -6 addr show dev v1 | grep inet6)"
		elif ip -6 addr show dev v1 | grep "inet6 $addr/" | grep -q tentative; then
			fail "lease" "$addr is still tentative (DAD not waited for)"
		else
			pass "lease"
		fi
		[ "$(value boot_file "$out")" = "$BOOT_URL" ] && pass "bootfile-url" ||
			fail "bootfile-url" "boot_file='$(value boot_file "$out")'"
		[ "$(value boot_params "$out")" = "console=ttyS0 quiet" ] && pass "bootfile-param" ||
			fail "bootfile-param" "boot_params='$(value boot_params "$out")'"
		[ "$(value dns "$out")" = fd00:99::53 ] && [ "$(value domains "$out")" = example.test ] &&
			pass "dns" ||
			fail "dns" "dns='$(value dns "$out")' domains='$(value domains "$out")'"
		# The server's view: its lease for our DUID-UUID (RFC 6355) and that address.
		if [ -n "$addr" ] && grep -i "$DUID_UUID" "$WORK/lease-$TAG.leases" | grep -q " $addr "; then
			pass "server-lease-duid-uuid"
		else
			fail "server-lease-duid-uuid" "dnsmasq's leases: $(tr '\n' '|' <"$WORK/lease-$TAG.leases")"
		fi

		# ---- fetches from the leased address: routes come from the RA ---------------
		for _ in $(seq 100); do
			ip -6 route get fd00:99::1 >/dev/null 2>&1 && break
			sleep 0.1
		done
		if timeout 60 "$KX" fetch "http://[fd00:99::1]:$HTTP_PORT/file" -o "$WORK/got" \
			--sha256 "$SHA_FILE" --quiet 2>"$WORK/fetch.err" && cmp -s "$WORK/got" "$WWW/file"; then
			pass "fetch-http"
		else
			fail "fetch-http" "$(tail -2 "$WORK/fetch.err")"
		fi
		src=$(ip -6 route get fd00:99::1 2>/dev/null | sed -n 's/.* src \([^ ]*\).*/\1/p')
		[ "$src" = "$addr" ] && pass "fetch-source-is-lease" ||
			fail "fetch-source-is-lease" "the route to fd00:99::1 uses source '$src', not $addr"
		if timeout 60 "$KX" fetch "$(value boot_file "$out")" -o "$WORK/cfg" --quiet \
			2>"$WORK/fetch.err" && cmp -s "$WORK/cfg" "$WWW/boot/grub/grub.cfg"; then
			pass "fetch-bootfile-url"
		else
			fail "fetch-bootfile-url" "$(tail -2 "$WORK/fetch.err")"
		fi
		if timeout 60 "$KX" fetch "tftp://[fd00:99::1]/file" -o "$WORK/got-tftp" \
			--sha256 "$SHA_FILE" --quiet 2>"$WORK/fetch.err" &&
			cmp -s "$WORK/got-tftp" "$WWW/file"; then
			pass "fetch-tftp"
		else
			fail "fetch-tftp" "$(tail -2 "$WORK/fetch.err")"
		fi

		# ---- --no-configure leaves the link as it was -------------------------------
		flush_v1
		out=$WORK/noconf-$TAG.out
		run_dhcp6 "$out" --timeout 10000 --no-configure
		addr=$(value address "$out")
		if [ $RC -ne 0 ] || ! in_range "$addr" fd00:99::100 fd00:99::1ff; then
			fail "no-configure" "exit $RC, address '$addr': $(tail -2 "$out.err")"
		elif ip -6 addr show dev v1 scope global | grep -q inet6; then
			fail "no-configure" "v1 has a global address: $(ip -6 addr show dev v1 scope global | grep inet6)"
		else
			pass "no-configure"
		fi
		stop_dnsmasq
	fi

	# ---- no server: a bounded time-out and a clear message ------------------------------
	flush_v1
	out=$WORK/none-$TAG.out
	run_dhcp6 "$out" --timeout 3000
	if [ $RC -ne 1 ]; then
		fail "no-server" "exit $RC, want 1: $(tail -2 "$out.err")"
	elif ! grep -q "no DHCPv6 server answered within 3000 ms" "$out.err"; then
		fail "no-server" "message: $(tail -1 "$out.err")"
	elif [ "$MS" -gt 6000 ] || [ "$MS" -lt 2900 ]; then
		fail "no-server" "took $MS ms for a 3000 ms time-out"
	else
		pass "no-server"
	fi

	# ---- a server with nothing to give: NoAddrsAvail -------------------------------------
	if start_dnsmasq "noaddrs-$TAG" --dhcp-range=fd00:99::,static,64 --enable-ra \
		--dhcp-option=option6:bootfile-url,"$BOOT_URL"; then
		out=$WORK/noaddrs-$TAG.out
		run_dhcp6 "$out" --timeout 4000
		if [ $RC -ne 1 ]; then
			fail "no-addrs-avail" "exit $RC, want 1: $(tail -2 "$out.err")"
		elif ! grep -q "said NoAddrsAvail" "$out.err"; then
			fail "no-addrs-avail" "message: $(tail -1 "$out.err")"
		elif [ "$MS" -gt 7000 ]; then
			fail "no-addrs-avail" "took $MS ms for a 4000 ms time-out"
		elif ip -6 addr show dev v1 scope global | grep -q inet6; then
			fail "no-addrs-avail" "v1 got a global address all the same"
		else
			pass "no-addrs-avail"
		fi
		stop_dnsmasq
	fi

	# ---- stateless: Information-request for the boot URL, the address from SLAAC ---------
	if start_dnsmasq "stateless-$TAG" --dhcp-range=::,constructor:v0,ra-stateless,64 \
		--enable-ra --dhcp-option=option6:bootfile-url,"$BOOT_URL" \
		--dhcp-option=option6:dns-server,[fd00:99::53]; then
		out=$WORK/stateless-$TAG.out
		run_dhcp6 "$out" --timeout 5000 --stateless
		if [ $RC -ne 0 ]; then
			fail "stateless" "exit $RC: $(tail -2 "$out.err")"
		elif [ -n "$(value address "$out")" ] || [ "$(value boot_file "$out")" != "$BOOT_URL" ] ||
			[ "$(value dns "$out")" != fd00:99::53 ]; then
			fail "stateless" "lease: $(tr '\n' ' ' <"$out")"
		else
			pass "stateless"
		fi
		# Without a mode on a link just up, before SLAAC: Solicit brings no address
		# (dnsmasq answers NoAddrsAvail), SLAAC configures the link meanwhile, and kxboot
		# switches to Information-request well before the time-out.
		flush_v1
		ip link set v1 down && ip link set v1 up
		out=$WORK/switch-$TAG.out
		run_dhcp6 "$out" --timeout 10000
		if [ $RC -ne 0 ]; then
			fail "solicit-then-stateless" "exit $RC: $(tail -2 "$out.err")"
		elif ! grep -q "no address offered.*router advertisements gave one" "$out.err" ||
			[ -n "$(value address "$out")" ] || [ "$(value boot_file "$out")" != "$BOOT_URL" ]; then
			fail "solicit-then-stateless" "$(tr '\n' ' ' <"$out.err") lease: $(tr '\n' ' ' <"$out")"
		elif [ "$MS" -gt 9000 ]; then
			fail "solicit-then-stateless" "took $MS ms: the switch did not happen before the time-out"
		else
			pass "solicit-then-stateless"
		fi
		# Without a mode, a link with a SLAAC address asks for options only, as /init
		# does (QEMU's user network answers nothing but Information-request).
		for _ in $(seq 100); do
			ip -6 addr show dev v1 scope global | grep inet6 | grep -qv tentative && break
			sleep 0.1
		done
		out=$WORK/auto-$TAG.out
		run_dhcp6 "$out" --timeout 5000
		if [ $RC -ne 0 ]; then
			fail "auto-slaac-stateless" "exit $RC: $(tail -2 "$out.err")"
		elif ! grep -q "asking DHCPv6 for boot options only" "$out.err" ||
			[ -n "$(value address "$out")" ] || [ "$(value boot_file "$out")" != "$BOOT_URL" ]; then
			fail "auto-slaac-stateless" "$(tr '\n' ' ' <"$out.err") lease: $(tr '\n' ' ' <"$out")"
		else
			pass "auto-slaac-stateless"
		fi
		stop_dnsmasq
	fi
}

each_build kxboot

# ---- usage errors --------------------------------------------------------------------------
TAG=usage KX=$BUILD/kxboot
"$KX" dhcp6 no-such-if0 --timeout 1000 >/dev/null 2>"$WORK/nodev.err"
rc=$?
[ $rc -eq 1 ] && grep -q "no such interface" "$WORK/nodev.err" && pass "no-such-interface" ||
	fail "no-such-interface" "exit $rc: $(cat "$WORK/nodev.err")"
"$KX" dhcp6 v1 --timeout 0 >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass "bad-timeout" || fail "bad-timeout" "exit $rc, want 2"
exit 0
