#!/bin/bash
# fetch-tftp.sh BUILD — how fast `kxboot fetch tftp://` brings a 64 MiB file over loopback,
# SHA-256 verified: lockstep against tftp-hpa's `tftp` client from the same tftpd-hpa, and
# RFC 7440 windows (16, 64) against lockstep from atftpd. Each figure is the best of REPEAT
# runs (default 3). Prints seconds, MB/s and ratios; never fails on time (exit 1 only when it
# cannot run: no kxboot, no tftpd-hpa and no atftpd).
#
#   bench/fetch-tftp.sh [BUILD]        BUILD/kxboot, default build
#   REPEAT=5 SIZE_MIB=256 bench/fetch-tftp.sh build
#
# tftpd-hpa runs in the foreground on a high port (--blocksize 1468), never as the system
# service; atftpd is the package's binary unpacked into build/tools/atftpd (it conflicts with
# tftpd-hpa), as in tests/integration/tftp/run.sh. The tftp-hpa client (package tftp-hpa) has
# no blksize option: it always moves 512-byte blocks, so kxboot is also timed with
# --blksize 512 for a like-for-like row. The output files go to /dev/shm when it has room.
set -u
BUILD=${1:-build}
REPEAT=${REPEAT:-3}
SIZE_MIB=${SIZE_MIB:-64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${KXBOOT_TOOLS:-$TOP/build/tools}
KX=$BUILD/kxboot
[ -x "$KX" ] || { echo "fetch-tftp: $KX is not built (make)" >&2; exit 1; }
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
echo ready >"$SRV/ready"
chmod 755 "$SRV" && chmod 644 "$SRV"/*
SHA=$(sha256sum "$SRV/file" | cut -d' ' -f1)
BYTES=$((SIZE_MIB << 20))

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
# best_of COMMAND...: run REPEAT times (output file removed before each); sets BEST (seconds)
# or BEST=fail when a run failed or brought the wrong bytes.
best_of() {
	local t0 t1 s
	BEST=
	for _ in $(seq "$REPEAT"); do
		rm -f "$OUT"
		t0=$(now)
		if ! "$@" >"$WORK/run.log" 2>&1; then
			BEST=fail
			echo "  $* failed: $(tail -2 "$WORK/run.log")" >&2
			return
		fi
		t1=$(now)
		if [ "$(sha256sum "$OUT" | cut -d' ' -f1)" != "$SHA" ]; then
			BEST=fail
			echo "  $* brought the wrong bytes" >&2
			return
		fi
		s=$(awk "BEGIN { printf \"%.4f\", $t1 - $t0 }")
		if [ -z "$BEST" ] || awk "BEGIN { exit !($s < $BEST) }"; then BEST=$s; fi
	done
}
kxboot_fetch() { # PORT [ARGS...]
	local port=$1
	shift
	"$KX" fetch "tftp://127.0.0.1:$port/file" -o "$OUT" --quiet --retries 0 --sha256 "$SHA" "$@"
}
tftp_hpa_client() { # PORT
	tftp -m binary 127.0.0.1 "$1" -c get file "$OUT"
}
atftp_client() { # PORT WINDOWSIZE
	atftp --option "blksize 1468" --option "windowsize $2" -g -r file -l "$OUT" 127.0.0.1 "$1"
}

# row LABEL SECONDS [REFERENCE_SECONDS REFERENCE_NAME]: speed-up = reference time / time.
row() {
	if [ "$2" = fail ]; then
		printf '  %-52s %9s\n' "$1" failed
		return
	fi
	printf '  %-52s %7.3f s %6.1f MB/s' "$1" "$2" "$(awk "BEGIN { print $BYTES / $2 / 1e6 }")"
	if [ $# -ge 4 ] && [ "$3" != fail ]; then
		printf '   x%.2f vs %s' "$(awk "BEGIN { print $3 / $2 }")" "$4"
	fi
	echo
}

echo "fetch-tftp: $SIZE_MIB MiB over loopback, best of $REPEAT; output in $OUTDIR"
echo "  kxboot: $KX (every kxboot row verifies SHA-256 on the way in; the other clients do not)"
echo "  x N vs REF: REF's time / this row's time (above 1: faster than REF)"
if [ -n "$HPA_PORT" ]; then
	echo "tftpd-hpa (no windowsize: every client is lockstep):"
	hpa=fail
	if command -v tftp >/dev/null; then
		best_of tftp_hpa_client "$HPA_PORT"
		hpa=$BEST
		row "tftp-hpa client (512-byte blocks)" "$hpa"
	else
		echo "  tftp-hpa client: not installed (apt-get install tftp-hpa)"
	fi
	best_of kxboot_fetch "$HPA_PORT" --windowsize 1 --blksize 512
	row "kxboot lockstep, --blksize 512" "$BEST" "$hpa" "tftp-hpa"
	best_of kxboot_fetch "$HPA_PORT" --windowsize 1
	row "kxboot lockstep, blksize 1468" "$BEST" "$hpa" "tftp-hpa"
fi
if [ -n "$ATFTPD_PORT" ]; then
	echo "atftpd (RFC 7440 windowsize), blksize 1468:"
	best_of kxboot_fetch "$ATFTPD_PORT" --windowsize 1
	lock=$BEST
	row "kxboot lockstep (--windowsize 1)" "$lock"
	for w in 16 64; do
		best_of kxboot_fetch "$ATFTPD_PORT" --windowsize "$w"
		row "kxboot --windowsize $w" "$BEST" "$lock" "lockstep"
	done
	if command -v atftp >/dev/null; then
		best_of atftp_client "$ATFTPD_PORT" 1
		row "atftp client lockstep (reference)" "$BEST" "$lock" "kxboot lockstep"
		best_of atftp_client "$ATFTPD_PORT" 16
		row "atftp client windowsize 16 (reference)" "$BEST" "$lock" "kxboot lockstep"
	fi
fi
exit 0
