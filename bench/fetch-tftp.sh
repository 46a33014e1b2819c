#!/bin/bash
# fetch-tftp.sh BUILD — how fast `kxboot fetch tftp://` brings a file, SHA-256 verified, in
# three stages (see bench/README.md, "bench-fetch-tftp"):
#
# 1. loopback, no added delay (64 MiB): lockstep against tftp-hpa's `tftp` client from the same
#    tftpd-hpa, and RFC 7440 windows (16, 64) against lockstep from atftpd. On loopback a round
#    trip costs microseconds, so lockstep loses little and a window gains little.
# 2. the relay's own cost: the same 64 MiB through bench/udp-delay with D = 0, against stage 1.
# 3. latency (LAT_SIZE_MIB, default 2 MiB): through bench/udp-delay, which holds each datagram
#    D µs each way (DELAYS_US, default 1000: a 2 ms round trip, a modest LAN/WAN figure). The
#    relay is a stand-in for `tc ... netem delay`, which this machine lacks (no sch_netem). It
#    follows TFTP's transfer IDs, so the real servers and clients work through it unchanged,
#    and counts what each side sent: DATA blocks sent again (server retransmissions) and ACKs
#    repeating the previous one (client retransmissions), printed per run.
#
# Each figure is the median of REPEAT runs (default 3); every run's output is checked against
# the file's SHA-256. Prints seconds, MB/s and ratios; never fails on time (exit 1 only when it
# cannot run: no kxboot, no tftpd-hpa and no atftpd).
#
#   bench/fetch-tftp.sh [BUILD]        BUILD/kxboot and BUILD/bench/udp-delay, default build
#   REPEAT=5 SIZE_MIB=256 LAT_SIZE_MIB=4 DELAYS_US="250 1000 5000" bench/fetch-tftp.sh build
#
# tftpd-hpa runs in the foreground on a high port (--blocksize 1468), never as the system
# service; atftpd is the package's binary unpacked into build/tools/atftpd (it conflicts with
# tftpd-hpa), as in tests/integration/tftp/run.sh. The tftp-hpa client (package tftp-hpa) has
# no blksize option: it always moves 512-byte blocks, so kxboot is also timed with
# --blksize 512 for a like-for-like row. The output files go to /dev/shm when it has room.
# Everything is on 127.0.0.1; nothing touches the host's network.
set -u
BUILD=${1:-build}
REPEAT=${REPEAT:-3}
SIZE_MIB=${SIZE_MIB:-64}
LAT_SIZE_MIB=${LAT_SIZE_MIB:-2}
DELAYS_US=${DELAYS_US:-1000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${KXBOOT_TOOLS:-$TOP/build/tools}
KX=$BUILD/kxboot
RELAY=$BUILD/bench/udp-delay
[ -x "$KX" ] || { echo "fetch-tftp: $KX is not built (make)" >&2; exit 1; }
[ -x "$RELAY" ] || echo "fetch-tftp: no $RELAY (make $RELAY): stages 2 and 3 skipped" >&2
for tool in sha256sum python3; do
	command -v "$tool" >/dev/null || { echo "fetch-tftp: $tool is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/kxboot-bench-tftp.XXXXXX)
chmod 755 "$WORK"
OUTDIR=$WORK
avail_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -n "$avail_kib" ] && [ "$avail_kib" -gt $((SIZE_MIB * 1024 * 3)) ]; then
	OUTDIR=$(mktemp -d /dev/shm/kxboot-bench-tftp.XXXXXX)
fi
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$WORK"
	[ "$OUTDIR" != "$WORK" ] && rm -rf "$OUTDIR"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_tftp() { # URL
	for _ in $(seq 50); do
		"$KX" fetch --quiet "$1/ready" -o /dev/null --timeout 1 --retries 0 >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	return 1
}

SRV=$WORK/srv
mkdir -p "$SRV"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$SRV/file"
head -c $((LAT_SIZE_MIB << 20)) /dev/urandom >"$SRV/small"
echo ready >"$SRV/ready"
chmod 755 "$SRV" && chmod 644 "$SRV"/*

HPA_PORT= ATFTPD_PORT=
if [ "$(id -u)" = 0 ] && command -v in.tftpd >/dev/null; then
	port=$(free_port)
	in.tftpd -L -s -a "127.0.0.1:$port" --blocksize 1468 "$SRV" 2>"$WORK/hpa.log" &
	PIDS+=($!)
	wait_tftp "tftp://127.0.0.1:$port" && HPA_PORT=$port
fi
[ -n "$HPA_PORT" ] || echo "fetch-tftp: no tftpd-hpa (needs root and package tftpd-hpa)" >&2

ATFTPD_BIN=$TOOLS/atftpd/usr/sbin/atftpd
if [ ! -x "$ATFTPD_BIN" ]; then
	mkdir -p "$TOOLS/atftpd.deb"
	(cd "$TOOLS/atftpd.deb" && apt-get download atftpd && dpkg-deb -x atftpd_*.deb "$TOOLS/atftpd") \
		>"$WORK/atftpd-get.log" 2>&1
fi
if [ -x "$ATFTPD_BIN" ]; then
	port=$(free_port)
	"$ATFTPD_BIN" --daemon --no-fork --port "$port" --bind-address 127.0.0.1 \
		--user "$(id -un)" --group "$(id -gn)" --no-multicast --logfile "$WORK/atftpd.log" \
		"$SRV" 2>>"$WORK/atftpd.log" &
	PIDS+=($!)
	wait_tftp "tftp://127.0.0.1:$port" && ATFTPD_PORT=$port
fi
[ -n "$ATFTPD_PORT" ] || echo "fetch-tftp: no atftpd (apt-get download atftpd failed?)" >&2
if [ -z "$HPA_PORT" ] && [ -z "$ATFTPD_PORT" ]; then
	exit 1
fi

OUT=$OUTDIR/out
now() { date +%s.%N; }
# use_file NAME: what the next runs fetch (SHA256, BYTES).
use_file() {
	FILE=$1
	SHA=$(sha256sum "$SRV/$FILE" | cut -d' ' -f1)
	BYTES=$(stat -c %s "$SRV/$FILE")
}

# median_of COMMAND...: run REPEAT times (output file removed before each); sets MEDIAN
# (seconds), or MEDIAN=fail when a run failed or brought the wrong bytes.
median_of() {
	local t0 t1 times=()
	MEDIAN=
	for _ in $(seq "$REPEAT"); do
		rm -f "$OUT"
		t0=$(now)
		if ! "$@" >"$WORK/run.log" 2>&1; then
			MEDIAN=fail
			echo "  $* failed: $(tail -2 "$WORK/run.log")" >&2
			return
		fi
		t1=$(now)
		if [ "$(sha256sum "$OUT" | cut -d' ' -f1)" != "$SHA" ]; then
			MEDIAN=fail
			echo "  $* brought the wrong bytes" >&2
			return
		fi
		times+=("$(awk "BEGIN { printf \"%.4f\", $t1 - $t0 }")")
	done
	MEDIAN=$(printf '%s\n' "${times[@]}" | sort -g |
		awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
}
# kxboot_fetch PORT [ARGS...]: FILE from 127.0.0.1 port PORT.
kxboot_fetch() {
	local port=$1
	shift
	"$KX" fetch "tftp://127.0.0.1:$port/$FILE" -o "$OUT" --quiet --retries 0 --sha256 "$SHA" "$@"
}
tftp_hpa_client() { # PORT
	tftp -m binary 127.0.0.1 "$1" -c get "$FILE" "$OUT"
}
atftp_client() { # PORT WINDOWSIZE
	atftp --option "blksize 1468" --option "windowsize $2" -g -r "$FILE" -l "$OUT" 127.0.0.1 "$1"
}

# row LABEL SECONDS [REFERENCE_SECONDS REFERENCE_NAME]: speed-up = reference time / time.
# Sets RATIO (empty without a reference).
row() {
	RATIO=
	if [ "$2" = fail ]; then
		printf '  %-44s %9s\n' "$1" failed
		return
	fi
	printf '  %-44s %7.3f s %6.1f MB/s' "$1" "$2" "$(awk "BEGIN { print $BYTES / $2 / 1e6 }")"
	if [ $# -ge 4 ] && [ "$3" != fail ]; then
		RATIO=$(awk "BEGIN { printf \"%.2f\", $3 / $2 }")
		printf '   x%-6s vs %s' "$RATIO" "$4"
	fi
	echo
}

# ---- the relay (bench/udp-delay) ----------------------------------------------------------
RELAY_PID= RELAY_PORT=
relay_start() { # SERVER_PORT DELAY_US: sets RELAY_PORT
	: >"$WORK/relay.out"
	"$RELAY" relay --server "$1" --delay-us "$2" >"$WORK/relay.out" 2>"$WORK/relay.log" &
	RELAY_PID=$!
	PIDS+=("$RELAY_PID")
	RELAY_PORT=
	for _ in $(seq 50); do
		RELAY_PORT=$(head -1 "$WORK/relay.out")
		[ -n "$RELAY_PORT" ] && return 0
		sleep 0.05
	done
	echo "fetch-tftp: the relay did not start: $(cat "$WORK/relay.log")" >&2
	return 1
}
# relay_stop: stop it and print what the endpoints sent per run (its session lines).
relay_stop() {
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	awk '
		/ session / {
			for (i = 1; i <= NF; i++) {
				if ($i == "DATA") { data += $(i - 1); again += substr($(i + 1), 2) }
				if ($i == "ACK") { acks += $(i - 1); rep += substr($(i + 1), 2) }
			}
			n++
		}
		/ dropped: / { drop = $0; sub(/.*dropped: /, "", drop) }
		END {
			if (!n) exit
			printf "  %-44s per run: %d DATA (%g sent again), %d ACK (%g repeated)\n",
				"", data / n, again / n, acks / n, rep / n
			if (drop ~ /[1-9]/)
				printf "  %-44s relay dropped: %s\n", "", drop
		}' "$WORK/relay.log"
}
# relay_row LABEL SERVER_PORT DELAY_US [REF_SECONDS REF_NAME] -- COMMAND...: the command with
# @PORT@ replaced by the relay's port, timed through a relay of its own; sets MEDIAN.
relay_row() {
	local label=$1 server=$2 delay=$3 ref=() args=() a
	shift 3
	while [ "$1" != -- ]; do ref+=("$1"); shift; done
	shift
	relay_start "$server" "$delay" || { MEDIAN=fail; return; }
	for a in "$@"; do args+=("${a//@PORT@/$RELAY_PORT}"); done
	median_of "${args[@]}"
	row "$label" "$MEDIAN" "${ref[@]}"
	relay_stop
}

SUMMARY=()
# aim_line WHAT "WINDOW RATIO ...": one line of the summary, with the first window at 5x or more.
aim_line() {
	local what=$1 list= first= w r
	set -- $2
	while [ $# -ge 2 ]; do
		w=$1 r=$2
		shift 2
		list="$list, window $w x$r"
		if [ -z "$first" ] && awk "BEGIN { exit !($r >= 5) }"; then first=$w; fi
	done
	[ -n "$list" ] || return
	if [ -n "$first" ]; then
		SUMMARY+=("$what: ${list#, }: reached from window $first")
	else
		SUMMARY+=("$what: ${list#, }: not reached")
	fi
}
echo "fetch-tftp: kxboot's TFTP client, median of $REPEAT runs each; output in $OUTDIR"
echo "  kxboot: $KX (every kxboot row verifies SHA-256 on the way in; the other clients do not,"
echo "  and every run of every client is checked with sha256sum afterwards)"
echo "  x N vs REF: REF's time / this row's time (above 1: faster than REF)"
echo "  machine: $(nproc) CPUs, load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. loopback ------------------------------------------------------------------------
use_file file
echo
echo "== 1. loopback, no added delay: $SIZE_MIB MiB ($BYTES bytes) =="
ATFTPD_LOCK=fail ATFTPD_W16=fail
if [ -n "$HPA_PORT" ]; then
	echo "tftpd-hpa (no windowsize: every client is lockstep):"
	hpa=fail
	if command -v tftp >/dev/null; then
		median_of tftp_hpa_client "$HPA_PORT"
		hpa=$MEDIAN
		row "tftp-hpa client (512-byte blocks)" "$hpa"
	else
		echo "  tftp-hpa client: not installed (apt-get install tftp-hpa)"
	fi
	median_of kxboot_fetch "$HPA_PORT" --windowsize 1 --blksize 512
	row "kxboot lockstep, --blksize 512" "$MEDIAN" "$hpa" "tftp-hpa"
	median_of kxboot_fetch "$HPA_PORT" --windowsize 1
	row "kxboot lockstep, blksize 1468" "$MEDIAN" "$hpa" "tftp-hpa"
fi
if [ -n "$ATFTPD_PORT" ]; then
	echo "atftpd (RFC 7440 windowsize), blksize 1468:"
	median_of kxboot_fetch "$ATFTPD_PORT" --windowsize 1
	lock=$MEDIAN ATFTPD_LOCK=$MEDIAN
	row "kxboot lockstep (--windowsize 1)" "$lock"
	per_block=
	if [ "$lock" != fail ]; then
		per_block=$(awk "BEGIN { printf \"%.0f\", $lock * 1e6 / int(($BYTES + 1468) / 1468) }")
		printf '  %-44s %s µs per block: what one round trip costs here\n' "" "$per_block"
	fi
	ratios=
	for w in 16 64; do
		median_of kxboot_fetch "$ATFTPD_PORT" --windowsize "$w"
		[ "$w" = 16 ] && ATFTPD_W16=$MEDIAN
		row "kxboot --windowsize $w" "$MEDIAN" "$lock" "lockstep"
		[ -n "$RATIO" ] && ratios="$ratios $w $RATIO"
	done
	aim_line "loopback (lockstep: ${per_block:-?} µs per block)" "$ratios"
	if command -v atftp >/dev/null; then
		median_of atftp_client "$ATFTPD_PORT" 1
		row "atftp client lockstep (reference)" "$MEDIAN" "$lock" "kxboot lockstep"
		median_of atftp_client "$ATFTPD_PORT" 16
		row "atftp client windowsize 16 (reference)" "$MEDIAN" "$lock" "kxboot lockstep"
	fi
fi

# ---- 2. the relay's own cost -------------------------------------------------------------
if [ -x "$RELAY" ]; then
	echo
	echo "== 2. the relay's own cost: the $SIZE_MIB MiB file through bench/udp-delay with D = 0 =="
	"$RELAY" selftest --count 2000 | sed "s/^/  /"
	if [ -n "$ATFTPD_PORT" ]; then
		echo "atftpd through the relay (D = 0), against the direct figures of stage 1:"
		relay_row "kxboot lockstep, relay D = 0" "$ATFTPD_PORT" 0 "$ATFTPD_LOCK" direct -- \
			kxboot_fetch @PORT@ --windowsize 1
		relay_row "kxboot --windowsize 16, relay D = 0" "$ATFTPD_PORT" 0 "$ATFTPD_W16" \
			direct -- kxboot_fetch @PORT@ --windowsize 16
	fi
fi

# ---- 3. latency --------------------------------------------------------------------------
use_file small
for delay in $DELAYS_US; do
	[ -x "$RELAY" ] || break
	rtt_ms=$(awk "BEGIN { print 2 * $delay / 1000 }")
	echo
	echo "== 3. latency: $LAT_SIZE_MIB MiB ($BYTES bytes) through bench/udp-delay, D = $delay µs" \
		"each way (RTT $rtt_ms ms) =="
	echo "  (the relay stands in for tc-netem, which this machine lacks; its measured latency:)"
	"$RELAY" selftest --delay-us "$delay" --count 500 | sed -n "6,\$ s/^/  /p"
	if [ -n "$ATFTPD_PORT" ]; then
		echo "atftpd (RFC 7440 windowsize), blksize 1468:"
		relay_row "kxboot lockstep (--windowsize 1)" "$ATFTPD_PORT" "$delay" -- \
			kxboot_fetch @PORT@ --windowsize 1
		lock=$MEDIAN
		ratios=
		for w in 4 8 16 32; do
			relay_row "kxboot --windowsize $w" "$ATFTPD_PORT" "$delay" "$lock" lockstep -- \
				kxboot_fetch @PORT@ --windowsize "$w"
			[ -n "$RATIO" ] && ratios="$ratios $w $RATIO"
		done
		aim_line "RTT $rtt_ms ms (D = $delay µs)" "$ratios"
		if command -v atftp >/dev/null; then
			relay_row "atftp client windowsize 16 (reference)" "$ATFTPD_PORT" "$delay" \
				"$lock" "kxboot lockstep" -- atftp_client @PORT@ 16
		fi
	fi
	if [ -n "$HPA_PORT" ]; then
		echo "tftpd-hpa (no windowsize: every client is lockstep):"
		hpa=fail
		if command -v tftp >/dev/null; then
			relay_row "tftp-hpa client (512-byte blocks)" "$HPA_PORT" "$delay" -- \
				tftp_hpa_client @PORT@
			hpa=$MEDIAN
		fi
		relay_row "kxboot lockstep, --blksize 512" "$HPA_PORT" "$delay" "$hpa" tftp-hpa -- \
			kxboot_fetch @PORT@ --windowsize 1 --blksize 512
		relay_row "kxboot lockstep, blksize 1468" "$HPA_PORT" "$delay" "$hpa" tftp-hpa -- \
			kxboot_fetch @PORT@ --windowsize 1
	fi
done

echo
echo "== issue 4 aim: windowed TFTP at least 5x lockstep (kxboot, atftpd, blksize 1468) =="
for line in "${SUMMARY[@]}"; do
	echo "  $line"
done
exit 0
