#!/bin/bash
# fetch-http.sh BUILD — how fast `kxboot fetch` brings a 256 MiB file from nginx on loopback,
# SHA-256 verified, against curl doing the same job (curl -o FILE, then sha256sum FILE) and
# against curl alone (no verification); then the same without the output file (kxboot keeps
# the verified data in memory, as /init does; curl -o /dev/null). Over http and https (test
# CA made here). Each figure is the best of REPEAT runs (default 3). Prints figures and
# ratios; never fails on time (exit 1 only when it cannot run: no kxboot, nginx, curl, ...).
#
#   bench/fetch-http.sh [BUILD]        BUILD/kxboot, default build
#   REPEAT=5 SIZE_MIB=1024 bench/fetch-http.sh build
#
# The output files go to /dev/shm when it has room (so the disk does not set the pace), and
# every contender writes the same file there. nginx runs from a private config under a
# temporary folder, as in tests/integration/http/run.sh; the system's nginx is not touched.
set -u
BUILD=${1:-build}
REPEAT=${REPEAT:-3}
SIZE_MIB=${SIZE_MIB:-256}
KX=$BUILD/kxboot
[ -x "$KX" ] || { echo "fetch-http: $KX is not built (make)" >&2; exit 1; }
for tool in nginx curl openssl sha256sum python3; do
	command -v "$tool" >/dev/null || { echo "fetch-http: $tool is missing" >&2; exit 1; }
done

# The loopback-server helpers of the integration suites: WORK and its exit trap, free ports,
# a private nginx (tests/integration/lib.sh).
SUITE=bench-http
# shellcheck source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
make_work
OUTDIR=$WORK
avail_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -n "$avail_kib" ] && [ "$avail_kib" -gt $((SIZE_MIB * 1024 * 3)) ]; then
	OUTDIR=$(mktemp -d /dev/shm/kxboot-bench-http.XXXXXX)
fi
trap 'cleanup; [ "$OUTDIR" = "$WORK" ] || rm -rf "$OUTDIR"' EXIT

# Test CA and a server certificate for 127.0.0.1.
PKI=$WORK/pki
mkdir -p "$PKI"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=kxboot bench CA" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$PKI/server.key" -out "$PKI/server.csr"
	openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 2 -out "$PKI/server.crt" \
		-extfile <(echo "subjectAltName=IP:127.0.0.1")
} >"$WORK/openssl.log" 2>&1 || { echo "fetch-http: openssl failed" >&2; exit 1; }
chmod 644 "$PKI"/*

mkdir -p "$WORK/www"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$WORK/www/file"
chmod 755 "$WORK/www" && chmod 644 "$WORK/www/file"
SHA=$(sha256sum "$WORK/www/file" | cut -d' ' -f1)
BYTES=$((SIZE_MIB << 20))

PORT=$(free_port)
TLS_PORT=$(free_port)
nginx_conf 1 64 <<EOF
	access_log off;
	sendfile on;
	tcp_nopush on;
	server { listen 127.0.0.1:$PORT; root $WORK/www; }
	server {
		listen 127.0.0.1:$TLS_PORT ssl;
		ssl_certificate $PKI/server.crt;
		ssl_certificate_key $PKI/server.key;
		root $WORK/www;
	}
EOF
start_nginx "$PORT" "$TLS_PORT"

OUT=$OUTDIR/out
now() { date +%s.%N; }
# best_of NAME COMMAND...: run REPEAT times (output file removed before each), print nothing;
# sets BEST (seconds) or BEST=fail when a run failed.
best_of() {
	local t0 t1 s
	BEST=
	for _ in $(seq "$REPEAT"); do
		rm -f "$OUT"
		sync
		t0=$(now)
		if ! "$@" >"$WORK/run.log" 2>&1; then
			BEST=fail
			echo "  $1 failed: $(tail -2 "$WORK/run.log")" >&2
			return
		fi
		t1=$(now)
		s=$(awk "BEGIN { printf \"%.4f\", $t1 - $t0 }")
		if [ -z "$BEST" ] || awk "BEGIN { exit !($s < $BEST) }"; then BEST=$s; fi
	done
}
curl_then_sha() { # URL [CURL ARGS...]
	local url=$1
	shift
	curl -sSf "$@" -o "$OUT" "$url" && [ "$(sha256sum "$OUT" | cut -d' ' -f1)" = "$SHA" ]
}
curl_alone() {
	local url=$1
	shift
	curl -sSf "$@" -o "$OUT" "$url"
}
kxboot_fetch() {
	local url=$1
	shift
	"$KX" fetch "$url" -o "$OUT" --quiet --sha256 "$SHA" "$@"
}
# What /init does: the verified download stays in kxboot's memory file, no copy to a file.
kxboot_fetch_memory() {
	local url=$1
	shift
	"$KX" fetch "$url" -o /dev/null --quiet --sha256 "$SHA" "$@"
}
curl_null() {
	local url=$1
	shift
	curl -sSf "$@" -o /dev/null "$url"
}

row() { # LABEL SECONDS REFERENCE_SECONDS
	if [ "$2" = fail ]; then
		printf '  %-40s %9s\n' "$1" failed
		return
	fi
	printf '  %-40s %7.3f s %8.0f MB/s' "$1" "$2" "$(awk "BEGIN { print $BYTES / $2 / 1e6 }")"
	if [ -n "$3" ] && [ "$3" != fail ]; then
		printf '   x%.2f' "$(awk "BEGIN { print $2 / $3 }")"
	fi
	echo
}

echo "fetch-http: $SIZE_MIB MiB from nginx on loopback, best of $REPEAT; output in $OUTDIR"
echo "  kxboot: $KX; $(curl --version | head -1 | cut -d' ' -f1-3); sha256sum from coreutils"
echo "  x: time / time of the first kxboot row of the group (above 1: slower than kxboot)"
for scheme in http https; do
	if [ "$scheme" = http ]; then
		url=http://127.0.0.1:$PORT/file
		extra=()
		curl_extra=()
	else
		url=https://127.0.0.1:$TLS_PORT/file
		extra=(--cacert "$PKI/ca.crt")
		curl_extra=(--cacert "$PKI/ca.crt")
	fi
	echo "$scheme:"
	best_of kxboot_fetch "$url" "${extra[@]}"
	kx=$BEST
	best_of curl_then_sha "$url" "${curl_extra[@]}"
	cs=$BEST
	best_of curl_alone "$url" "${curl_extra[@]}"
	ca=$BEST
	best_of kxboot_fetch_memory "$url" "${extra[@]}"
	km=$BEST
	best_of curl_null "$url" "${curl_extra[@]}"
	cn=$BEST
	row "kxboot fetch --sha256 -o FILE" "$kx" "$kx"
	row "curl -o FILE && sha256sum FILE" "$cs" "$kx"
	row "curl -o FILE (not verified)" "$ca" "$kx"
	echo "  in memory only (what /init does; curl discards):"
	row "kxboot fetch --sha256 -o /dev/null" "$km" "$km"
	row "curl -o /dev/null (not verified)" "$cn" "$km"
done
exit 0
