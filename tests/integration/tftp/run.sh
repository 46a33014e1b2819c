#!/bin/bash
# run.sh BUILD — `kxboot fetch tftp://` against real servers on loopback: tftpd-hpa (Debian's,
# run in the foreground on a high port; it has no windowsize, so the client falls back to
# lockstep), atftpd (RFC 7440 windowsize; unpacked from its package into build/tools, since it
# conflicts with tftpd-hpa) and hostile_tftpd.py (a server that misbehaves on purpose). Runs
# every check against BUILD/kxboot and BUILD/asan/kxboot (when built). Prints "PASS: name",
# "FAIL: name: why" or "SKIP: name: why" (see tests/run.sh); exits 0 whatever the checks say.
set -u
SUITE=tftp
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
use_build "${1:-build}"
TOOLS=${KXBOOT_TOOLS:-$TOP/build/tools} # atftpd is unpacked here once and kept
need_tools python3 timeout sha256sum
make_work
SERVER_LOG=$WORK/hostile.log # fetch notes its length in MARK, for hostile_said

# ---- files served ------------------------------------------------------------------------
SRV=$WORK/srv
mkdir -p "$SRV"
SIZES="0 1 511 512 1468 1469 14680 5120" # 14680 = 10 x 1468, 5120 = 10 x 512
for n in $SIZES; do
	head -c "$n" /dev/urandom >"$SRV/f$n"
done
head -c $((40 << 20)) /dev/urandom >"$SRV/f40m" # 81920 blocks of 512: two rollovers' worth
head -c 300000 /dev/urandom >"$SRV/f300k"
head -c 60000 /dev/urandom >"$SRV/f60k" # lockstep through a lossy server: fewer stalls
echo ready >"$SRV/ready"
chmod 755 "$SRV" && chmod 644 "$SRV"/*

# ---- servers -----------------------------------------------------------------------------
wait_tftp() { # URL: until the server there answers (5 s at most)
	local _
	for _ in $(seq 50); do
		"$BUILD/kxboot" fetch --quiet "$1/ready" -o /dev/null --timeout 1 --retries 0 \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

HPA= HPA6= ATFTPD= HOSTILE=
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: tftp: tftpd-hpa: needs root (it chroots into the served folder)"
elif ! command -v in.tftpd >/dev/null; then
	echo "SKIP: tftp: tftpd-hpa: in.tftpd is missing (package tftpd-hpa)"
else
	port=$(free_port udp)
	in.tftpd -L -s -a "127.0.0.1:$port" --blocksize 1468 "$SRV" 2>>"$WORK/hpa.log" &
	if wait_tftp "tftp://127.0.0.1:$port"; then
		HPA=tftp://127.0.0.1:$port
	else
		echo "FAIL: tftp: tftpd-hpa did not start: $(tail -3 "$WORK/hpa.log")"
	fi
	if [ -n "$HPA" ] && python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
		port6=$(free_port udp)
		in.tftpd -L -s -a "[::1]:$port6" --blocksize 1468 "$SRV" 2>>"$WORK/hpa6.log" &
		wait_tftp "tftp://[::1]:$port6" && HPA6="tftp://[::1]:$port6"
	fi
fi

# atftpd: the package's binary, unpacked once (apt-get download needs no root).
ATFTPD_BIN=$TOOLS/atftpd/usr/sbin/atftpd
if [ ! -x "$ATFTPD_BIN" ]; then
	mkdir -p "$TOOLS/atftpd.deb"
	(cd "$TOOLS/atftpd.deb" && apt-get download atftpd >"$WORK/atftpd-get.log" 2>&1 &&
		dpkg-deb -x atftpd_*.deb "$TOOLS/atftpd") >>"$WORK/atftpd-get.log" 2>&1
fi
if [ ! -x "$ATFTPD_BIN" ]; then
	echo "SKIP: tftp: atftpd: cannot get it (apt-get download atftpd): $(tail -1 "$WORK/atftpd-get.log")"
else
	port=$(free_port udp)
	"$ATFTPD_BIN" --daemon --no-fork --port "$port" --bind-address 127.0.0.1 \
		--user "$(id -un)" --group "$(id -gn)" --no-multicast --logfile "$WORK/atftpd.log" \
		"$SRV" 2>>"$WORK/atftpd.log" &
	if wait_tftp "tftp://127.0.0.1:$port"; then
		ATFTPD=tftp://127.0.0.1:$port
	else
		echo "FAIL: tftp: atftpd did not start: $(tail -3 "$WORK/atftpd.log")"
	fi
fi

port=$(free_port udp)
python3 "$HERE/hostile_tftpd.py" --port "$port" --root "$SRV" --log "$WORK/hostile.log" \
	--timeout 0.2 2>"$WORK/hostile.err" &
if wait_tftp "tftp://127.0.0.1:$port/normal"; then
	HOSTILE=tftp://127.0.0.1:$port
else
	echo "FAIL: tftp: hostile_tftpd.py did not start: $(tail -3 "$WORK/hostile.err")"
fi

# A port where a socket is bound but nothing ever answers (no ICMP either).
SILENT_PORT=$(free_port udp)
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(3600)' "$SILENT_PORT" &
DOWN_PORT=$(free_port udp) # nothing there: ICMP port unreachable

# ---- the checks --------------------------------------------------------------------------
# short: what kxboot said, on one line, for a FAIL line.
short() { echo "$msg" | tr '\n' ' ' | cut -c1-300; }

# expect_ok NAME FILE URL [ARGS...]: the fetch succeeds, the output is FILE byte for byte and
# kxboot reports FILE's SHA-256.
expect_ok() {
	local name=$1 file=$2
	shift 2
	fetch "$@"
	local sha
	sha=$(sha_of "$file")
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc ($(short))"
	elif [ ! -f "$OUT" ] || ! cmp -s "$OUT" "$file"; then
		fail "$name" "output differs from the source"
	elif ! echo "$msg" | grep -q "sha256 $sha"; then
		fail "$name" "reported SHA-256 is not the file's: $(short)"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	else
		pass "$name"
	fi
}
# hostile_said NAME PATTERN: the hostile server logged a line matching PATTERN about the last
# fetch (it logs when its side of the transfer ends, which may be a little after kxboot's).
hostile_said() {
	local _ lines
	for _ in $(seq 30); do
		lines=$(tail -n +$((MARK + 1)) "$WORK/hostile.log" 2>/dev/null)
		if echo "$lines" | grep -Eq -- "$2"; then
			pass "$1"
			return
		fi
		sleep 0.1
	done
	fail "$1" "server log says '$(echo "$lines" | tr '\n' ' ')', expected '$2'"
}

# Checks every real server passes.
server_checks() { # NAME URL
	local s=$1 u=$2 n
	for n in $SIZES; do
		expect_ok "$s $n bytes" "$SRV/f$n" "$u/f$n"
	done
	expect_ok "$s 40 MiB" "$SRV/f40m" "$u/f40m"
	expect_ok "$s 40 MiB in 512-byte blocks (block number rollover)" "$SRV/f40m" "$u/f40m" \
		--blksize 512 --sha256 "$(sha_of "$SRV/f40m")"
	expect_ok "$s lockstep (--windowsize 1)" "$SRV/f14680" "$u/f14680" --windowsize 1
	expect_ok "$s --blksize 8" "$SRV/f1469" "$u/f1469" --blksize 8
	expect_ok "$s --blksize 512, 10 blocks then an empty one" "$SRV/f5120" "$u/f5120" \
		--blksize 512
	expect_ok "$s --sha256 and --size right" "$SRV/f1469" "$u/f1469" \
		--sha256 "$(sha_of "$SRV/f1469")" --size 1469
	expect_fail "$s --sha256 wrong" "SHA-256 .*expected" 5 "$u/f1469" \
		--sha256 "$(sha_of "$SRV/f1468")"
	expect_fail "$s --size wrong" "1469 bytes, expected 1468" 5 "$u/f1469" --size 1468
	expect_fail "$s file not found" "not found" 5 "$u/missing"
	expect_fail "$s --max-size below tsize stops at once" "larger than" 5 "$u/f40m" \
		--max-size 1000000
	expect_ok "$s --max-size equal to the size" "$SRV/f14680" "$u/f14680" --max-size 14680
}

run_checks() {
	if [ -n "$HPA" ]; then
		server_checks "tftpd-hpa" "$HPA"
		expect_ok "tftpd-hpa --timeout 3 (RFC 2349 option)" "$SRV/f14680" "$HPA/f14680" --timeout 3
		expect_ok "tftpd-hpa absolute path (tftp://host//path)" "$SRV/f1469" "${HPA}//f1469"
		expect_ok "tftpd-hpa by host name (localhost)" "$SRV/f14680" \
			"tftp://localhost:${HPA##*:}/f14680"
	fi
	if [ -n "$HPA6" ]; then
		expect_ok "tftpd-hpa IPv6 [::1] 14680 bytes" "$SRV/f14680" "$HPA6/f14680"
		expect_ok "tftpd-hpa IPv6 [::1] 40 MiB" "$SRV/f40m" "$HPA6/f40m"
	fi
	if [ -n "$ATFTPD" ]; then
		server_checks "atftpd" "$ATFTPD"
		expect_ok "atftpd windowsize 64" "$SRV/f40m" "$ATFTPD/f40m" --windowsize 64
		expect_ok "atftpd 40 MiB lockstep in 512-byte blocks (rollover)" "$SRV/f40m" \
			"$ATFTPD/f40m" --blksize 512 --windowsize 1
	fi

	expect_fail "server down (ICMP port unreachable)" "refused" 3 \
		"tftp://127.0.0.1:$DOWN_PORT/f1" --timeout 1 --retries 0
	expect_fail "server down, IPv6" "refused|unreachable|address" 3 \
		"tftp://[::1]:$DOWN_PORT/f1" --timeout 1 --retries 0
	expect_fail "server silent: RRQ sent $((1 + 6)) times, then no answer" "no answer" 12 \
		"tftp://127.0.0.1:$SILENT_PORT/f1" --timeout 1 --retries 0
	expect_fail "no file name in the URL" "no file name" 2 "tftp://127.0.0.1:$DOWN_PORT/"
	expect_fail "unresolvable host" "resolve" 10 "tftp://nonexistent.invalid/f1" --retries 0

	[ -n "$HOSTILE" ] || return
	local H=$HOSTILE
	expect_ok "hostile normal (control)" "$SRV/f300k" "$H/normal/f300k"
	expect_ok "hostile normal lockstep (control)" "$SRV/f60k" "$H/normal/f60k" --windowsize 1
	expect_ok "hostile drops every 7th DATA once" "$SRV/f300k" "$H/drop/f300k"
	hostile_said "hostile drops every 7th DATA once: server finished" "mode=drop .*done"
	expect_ok "hostile drops every 7th DATA once, lockstep" "$SRV/f60k" "$H/drop/f60k" \
		--windowsize 1
	expect_ok "hostile misses every 5th ACK once" "$SRV/f300k" "$H/deaf/f300k"
	expect_ok "hostile misses every 5th ACK once, lockstep" "$SRV/f60k" "$H/deaf/f60k" \
		--windowsize 1
	expect_ok "hostile ignores windowsize (lockstep fallback)" "$SRV/f300k" "$H/nowindow/f300k"
	hostile_said "hostile ignores windowsize: transfer was lockstep" \
		"mode=nowindow blksize=1468 window=1 .*done"
	expect_ok "hostile refuses options with DATA 1 (512-byte blocks)" "$SRV/f300k" \
		"$H/plain/f300k"
	hostile_said "hostile refuses options with DATA 1: 512-byte blocks" \
		"mode=plain blksize=512 window=1 .*done"
	expect_ok "hostile refuses options with ERROR 8 (asked again without)" "$SRV/f300k" \
		"$H/refuse/f300k"
	expect_ok "hostile sends everything twice" "$SRV/f300k" "$H/dup/f300k"
	expect_ok "hostile sends everything twice, lockstep" "$SRV/f60k" "$H/dup/f60k" --windowsize 1
	expect_ok "hostile sends corrupt DATA from a wrong port" "$SRV/f300k" "$H/wrongport/f300k"
	hostile_said "hostile wrong port gets ERROR 5 (unknown transfer ID)" \
		"wrongport-error5=[1-9]"
	expect_ok "hostile sends corrupt DATA from a wrong port, lockstep" "$SRV/f60k" \
		"$H/wrongport/f60k" --windowsize 1
	expect_fail "hostile ERROR mid-transfer" "server: hostile server: disk on fire \(code 0\)" 5 \
		"$H/errormid/f300k" --retries 0
	expect_fail "hostile endless blocks stopped by --max-size" "larger than 1000000" 15 \
		"$H/endless/x" --max-size 1000000
	hostile_said "hostile endless blocks: client sent ERROR 3" "client error 3"
	expect_fail "hostile tsize 100 GB over the default cap" "larger than" 5 "$H/bigtsize/f300k"
	expect_fail "hostile stops sending (truncated): timeout, no hang" "timed out" 12 \
		"$H/truncate/f300k" --timeout 1 --retries 0
	expect_fail "hostile closes its port mid-transfer" "refused|timed out" 12 \
		"$H/vanish/f300k" --timeout 1 --retries 0
	expect_fail "hostile OACK with an option not asked for" "not asked for" 5 \
		"$H/badoack/f300k" --retries 0
	hostile_said "hostile OACK with an option not asked for: client sent ERROR 8" \
		"client error 8"
	expect_fail "hostile DATA longer than blksize" "larger than 1468 bytes" 5 \
		"$H/bigblock/f300k" --retries 0
	expect_fail "hostile file not found" "not found" 5 "$H/normal/missing"
	expect_fail "hostile ERROR mid-transfer, retried" "disk on fire" 10 \
		"$H/errormid/f300k" --retries 1
	local seen
	seen=$(tail -n +$((MARK + 1)) "$WORK/hostile.log" | grep -c 'mode=errormid')
	if [ "$seen" = 2 ]; then
		pass "hostile ERROR mid-transfer is retried (transient): 1 + 1 retry"
	else
		fail "hostile ERROR mid-transfer is retried (transient)" "server saw $seen transfers"
	fi
}

each_build kxboot
exit 0
