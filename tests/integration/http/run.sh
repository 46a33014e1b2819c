#!/bin/bash
# run.sh BUILD — `kxboot fetch` over http:// and https:// against real servers on loopback:
# nginx with a private config and a test CA (nothing of the system's nginx is touched), and
# hostile_httpd.py for the misbehaving server cases. Runs every check against BUILD/kxboot
# and BUILD/asan/kxboot (when built). Prints "PASS: name", "FAIL: name: why" or
# "SKIP: name: why" (see tests/run.sh); exits 0 whatever the checks say.
set -u
SUITE=http
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
use_build "${1:-build}"
need_tools nginx openssl python3 timeout sha256sum
make_work

# ---- test CA, server certificate, a second CA that signed nothing here -------------------
PKI=$WORK/pki
mkdir -p "$PKI"
make_ca() { # NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=kxboot $1" -keyout "$PKI/$1.key" -out "$PKI/$1.crt" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$WORK/openssl.log"
}
pin_of() { # CERT: "sha256//BASE64" of its public key, as CURLOPT_PINNEDPUBLICKEY wants
	echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)"
}
if ! make_ca test-ca || ! make_ca other-ca ||
	! openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$PKI/server.key" -out "$PKI/server.csr" 2>>"$WORK/openssl.log" ||
	! openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/test-ca.crt" -CAkey "$PKI/test-ca.key" \
		-CAcreateserial -days 2 -out "$PKI/server.crt" -extfile <(printf '%s\n' \
		"subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth") 2>>"$WORK/openssl.log"; then
	echo "FAIL: http: cannot make the test certificates: $(tail -3 "$WORK/openssl.log")"
	exit 0
fi
chmod 644 "$PKI"/*
PIN_RIGHT=$(pin_of "$PKI/server.crt")
PIN_WRONG=$(pin_of "$PKI/other-ca.crt")

# ---- files served ------------------------------------------------------------------------
WWW=$WORK/www
mkdir -p "$WWW"
: >"$WWW/empty"
head -c 12345 /dev/urandom >"$WWW/small"
head -c $((64 << 20)) /dev/urandom >"$WWW/big"
chmod 755 "$WWW" && chmod 644 "$WWW"/*
SHA_EMPTY=$(sha_of "$WWW/empty")
SHA_SMALL=$(sha_of "$WWW/small")
SHA_BIG=$(sha_of "$WWW/big")

# ---- nginx: private config under WORK -----------------------------------------------------
PORT=$(free_port)
TLS_PORT=$(free_port)
DOWN_PORT=$(free_port) # nothing listens there
redirects() { # PREFIX COUNT TARGET: PREFIX/1 -> PREFIX/2 -> ... -> PREFIX/COUNT -> TARGET
	local i
	for i in $(seq "$2"); do
		if [ "$i" -lt "$2" ]; then
			echo "location = $1/$i { return 301 $1/$((i + 1)); }"
		else
			echo "location = $1/$i { return 301 $3; }"
		fi
	done
}
nginx_conf 2 128 <<EOF
	sendfile on;
	tcp_nopush on;
	server {
		listen 127.0.0.1:$PORT;
		root $WWW;
		$(redirects /chain 3 /small)
		$(redirects /five 5 /small)
		$(redirects /six 6 /small)
		location = /loop { return 301 /loop; }
		location = /to-ftp { return 301 ftp://127.0.0.1/small; }
		location = /to-https { return 301 https://127.0.0.1:$TLS_PORT/small; }
	}
	server {
		listen 127.0.0.1:$TLS_PORT ssl;
		ssl_certificate $PKI/server.crt;
		ssl_certificate_key $PKI/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $WWW;
		location = /to-http { return 301 http://127.0.0.1:$PORT/small; }
	}
EOF
start_nginx "$PORT" "$TLS_PORT"

# ---- hostile server ----------------------------------------------------------------------
python3 "$HERE/hostile_httpd.py" "$WORK/hostile.port" 2>"$WORK/hostile.log" &
HPORT=$(port_file "$WORK/hostile.port")
if [ -z "$HPORT" ] || ! wait_port "$HPORT"; then
	echo "FAIL: http: hostile_httpd.py did not start: $(tail -3 "$WORK/hostile.log")"
	exit 0
fi
H=http://127.0.0.1:$HPORT
N=http://127.0.0.1:$PORT
S=https://127.0.0.1:$TLS_PORT
# The hostile server's /good body: 1 MiB, SHA-256 of the counter blocks (hostile_httpd.py).
SHA_GOOD=$(python3 -c '
import hashlib
d = b"".join(hashlib.sha256(b"kxboot-hostile-%d" % i).digest() for i in range(32768))
print(hashlib.sha256(d[:1 << 20]).hexdigest())')

# ---- the checks --------------------------------------------------------------------------
# short: what kxboot said, on one line, for a FAIL line.
short() { echo "$msg" | tr '\n' ' ' | cut -c1-300; }

# expect_ok NAME SHA URL [ARGS...]: the fetch succeeds and the file has SHA-256 SHA.
expect_ok() {
	local name=$1 sha=$2
	shift 2
	fetch "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc ($(short))"
	elif [ ! -f "$OUT" ] || [ "$(sha_of "$OUT")" != "$sha" ]; then
		fail "$name" "output differs from the source"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	else
		pass "$name"
	fi
}
# count ID: "REQUESTS CONNECTIONS" the hostile server saw for ID.
count() {
	python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())' "$H/count?$1"
}

run_checks() {
	local id=$TAG-$$
	# Plain HTTP from nginx.
	expect_ok "http 0-byte file" "$SHA_EMPTY" "$N/empty" --size 0
	expect_ok "http small file" "$SHA_SMALL" "$N/small" --sha256 "$SHA_SMALL"
	expect_ok "http 64 MiB with --sha256 and --size" "$SHA_BIG" "$N/big" \
		--sha256 "$SHA_BIG" --size $((64 << 20))
	if grep -q '"GET /small HTTP/1.1" 200 12345 "-" "kxboot/0.1"' "$WORK/access.log"; then
		pass "http User-Agent is kxboot/0.1"
	else
		fail "http User-Agent is kxboot/0.1" "$(tail -1 "$WORK/access.log")"
	fi
	expect_ok "http --max-size equal to the size" "$SHA_SMALL" "$N/small" --max-size 12345
	expect_fail "http --max-size below Content-Length stops at once" "larger than" 5 \
		"$N/big" --max-size 1048576
	expect_fail "http 404" "HTTP 404" 5 "$N/missing"
	expect_fail "http server down" "refused|connect" 3 "http://127.0.0.1:$DOWN_PORT/x" \
		--retries 0
	expect_fail "http --pin on a plain http URL is refused" "needs an https" 5 "$N/small" \
		--pin "$PIN_RIGHT"
	# Redirects (FETCH_REDIRECTS_MAX is 5).
	expect_ok "http redirect chain of 3" "$SHA_SMALL" "$N/chain/1"
	expect_ok "http redirect chain of 5 (the limit)" "$SHA_SMALL" "$N/five/1"
	expect_fail "http redirect chain of 6 (over the limit)" "redirect" 5 "$N/six/1"
	expect_fail "http redirect loop" "redirect" 5 "$N/loop"
	expect_fail "http redirect to ftp is refused" "ftp|protocol" 5 "$N/to-ftp" --retries 0
	expect_ok "http redirect to https" "$SHA_SMALL" "$N/to-https" --cacert "$PKI/test-ca.crt"
	# HTTPS from nginx with the test CA.
	expect_ok "https 0-byte file" "$SHA_EMPTY" "$S/empty" --cacert "$PKI/test-ca.crt"
	expect_ok "https small file" "$SHA_SMALL" "$S/small" --cacert "$PKI/test-ca.crt"
	expect_ok "https 64 MiB with --sha256" "$SHA_BIG" "$S/big" --cacert "$PKI/test-ca.crt" \
		--sha256 "$SHA_BIG"
	expect_ok "https by host name (SAN localhost)" "$SHA_SMALL" \
		"https://localhost:$TLS_PORT/small" --cacert "$PKI/test-ca.crt"
	expect_fail "https system CAs reject the test server" "certificate" 5 "$S/small" --retries 0
	expect_fail "https wrong CA" "certificate" 5 "$S/small" --cacert "$PKI/other-ca.crt" \
		--retries 0
	expect_ok "https --pin right" "$SHA_SMALL" "$S/small" --cacert "$PKI/test-ca.crt" \
		--pin "$PIN_RIGHT"
	expect_fail "https --pin wrong" "pin|public key" 5 "$S/small" --cacert "$PKI/test-ca.crt" \
		--pin "$PIN_WRONG" --retries 0
	expect_fail "https --pin right does not replace CA verification" "certificate" 5 \
		"$S/small" --pin "$PIN_RIGHT" --retries 0
	expect_fail "https redirect to http is refused" "only redirected to https" 5 "$S/to-http" \
		--cacert "$PKI/test-ca.crt" --retries 0
	expect_fail "https 404" "HTTP 404" 5 "$S/missing" --cacert "$PKI/test-ca.crt"
	# The hostile server.
	expect_ok "hostile good body (control)" "$SHA_GOOD" "$H/good" --sha256 "$SHA_GOOD"
	expect_fail "hostile connection dropped mid-transfer" "connection|reset|truncated" 5 \
		"$H/drop" --retries 0
	expect_ok "hostile dropped once, the retry starts afresh" "$SHA_GOOD" \
		"$H/drop-once?$id-drop" --sha256 "$SHA_GOOD" --size 1048576 --retries 1
	expect_fail "hostile truncated body (Content-Length too large)" "truncated" 5 \
		"$H/truncated" --retries 0
	expect_fail "hostile one corrupted byte fails --sha256" "SHA-256" 5 \
		"$H/corrupt" --sha256 "$SHA_GOOD"
	expect_fail "hostile wrong size fails --size" "expected 1048577" 5 \
		"$H/good" --size 1048577
	expect_fail "hostile chunked body cut before its last chunk" "truncated" 5 \
		"$H/chunked-cut" --retries 0
	expect_ok "hostile body delimited by the connection closing" "$SHA_GOOD" \
		"$H/close-delimited" --sha256 "$SHA_GOOD"
	expect_fail "hostile close-delimited body cut short: only --sha256 can tell" "SHA-256" 5 \
		"$H/close-cut" --sha256 "$SHA_GOOD"
	expect_fail "hostile endless body stopped by --max-size" "larger than" 10 \
		"$H/endless" --max-size $((4 << 20))
	expect_fail "hostile Content-Length over the default cap" "larger than" 5 "$H/huge"
	expect_fail "hostile endless error body" "HTTP 404" 5 "$H/error-endless"
	expect_fail "hostile slow server (10 B/s) with --timeout 2" "timed out|slow" 6 \
		"$H/slow" --timeout 2 --retries 0
	expect_fail "hostile silent server with --timeout 2" "timed out|slow" 6 \
		"$H/silent" --timeout 2 --retries 0
	# Retries, Retry-After and keep-alive.
	expect_ok "hostile 503 Retry-After: 1 then success" "$SHA_GOOD" "$H/busy?$id-busy" \
		--retries 2
	local seen
	seen=$(count "$id-busy")
	if [ "${seen% *}" != 2 ]; then
		fail "hostile 503 then success: two requests" "server saw '$seen'"
	elif awk "BEGIN { exit !($secs < 1.0) }"; then
		fail "hostile 503 then success: Retry-After honoured" "retried after $secs s"
	else
		pass "hostile 503 then success: Retry-After honoured (${secs} s)"
	fi
	expect_ok "hostile 429 Retry-After HTTP-date then success" "$SHA_GOOD" \
		"$H/busy-date?$id-date" --retries 2
	if awk "BEGIN { exit !($secs < 1.0) }"; then
		fail "hostile 429 Retry-After HTTP-date honoured" "retried after $secs s"
	else
		pass "hostile 429 Retry-After HTTP-date honoured (${secs} s)"
	fi
	expect_fail "hostile 503 without retries fails at once" "HTTP 503" 0.9 "$H/busy?$id-once" \
		--retries 0
	expect_ok "hostile 503 then success over one connection" "$SHA_GOOD" \
		"$H/keepalive?$id-ka" --retries 1
	seen=$(count "$id-ka")
	if [ "$seen" = "2 1" ]; then
		pass "hostile retry reuses the connection (keep-alive)"
	else
		fail "hostile retry reuses the connection (keep-alive)" \
			"requests, connections: '$seen'"
	fi
	# Which statuses are retried: STATUS RETRIES REQUESTS-EXPECTED PATTERN.
	local status retries want pattern
	while read -r status retries want pattern; do
		expect_fail "hostile HTTP $status with --retries $retries" "$pattern" 10 \
			"$H/status/$status?$id-st$status" --retries "$retries"
		seen=$(count "$id-st$status")
		if [ "${seen% *}" = "$want" ]; then
			pass "hostile HTTP $status: $want request(s)"
		else
			fail "hostile HTTP $status: $want request(s)" "server saw '$seen'"
		fi
	done <<-EOF
		400 2 1 HTTP 400
		403 2 1 HTTP 403
		404 2 1 HTTP 404
		410 2 1 HTTP 410
		418 2 1 HTTP 418
		408 1 2 HTTP 408
		429 1 2 HTTP 429
		502 1 2 HTTP 502
		504 1 2 HTTP 504
	EOF
	expect_fail "hostile 500 always gives up after the retries" "HTTP 500" 10 \
		"$H/fail?$id-fail" --retries 2
	seen=$(count "$id-fail")
	if [ "${seen% *}" = 3 ]; then
		pass "hostile 500 always: 1 + 2 retries"
	else
		fail "hostile 500 always: 1 + 2 retries" "server saw '$seen'"
	fi
	output_checks
}

# output_checks: what -o FILE leaves behind. The data becomes FILE only once verified; a failed
# fetch leaves FILE as it was and no partial file; what is not a regular file (a symbolic
# link, a FIFO, standard output) is written through, not replaced.
output_checks() {
	local d=$WORK/out-$TAG hidden
	rm -rf "$d" && mkdir -p "$d"
	echo previous >"$d/file"
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o "$d/file" --sha256 "$SHA_EMPTY" 2>&1)
	rc=$?
	hidden=$(find "$d" -name '.*kxboot-*' | wc -l)
	check "output: a failed --sha256 leaves FILE as it was" \
		'[ "$rc" = 1 ] && [ "$(cat "$d/file")" = previous ]'
	check "output: a failed fetch leaves no partial file" '[ "$hidden" = 0 ]'
	msg=$(timeout 60 "$KX" fetch --quiet "$H/truncated" -o "$d/new" --retries 0 2>&1)
	rc=$?
	check "output: a truncated body creates no FILE" '[ "$rc" = 1 ] && [ ! -e "$d/new" ]'
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o "$d/file" --sha256 "$SHA_SMALL" 2>&1)
	rc=$?
	check "output: a verified fetch replaces FILE" \
		'[ "$rc" = 0 ] && [ "$(sha_of "$d/file")" = "$SHA_SMALL" ] &&
		[ "$(find "$d" -name ".*kxboot-*" | wc -l)" = 0 ]'
	: >"$d/target"
	ln -s target "$d/link"
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o "$d/link" --sha256 "$SHA_SMALL" 2>&1)
	rc=$?
	check "output: a symbolic link is written through, not replaced" \
		'[ "$rc" = 0 ] && [ -L "$d/link" ] && [ "$(sha_of "$d/target")" = "$SHA_SMALL" ]'
	mkfifo "$d/fifo"
	timeout 60 cat "$d/fifo" >"$d/from-fifo" &
	local reader=$!
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o "$d/fifo" --sha256 "$SHA_SMALL" 2>&1)
	rc=$?
	wait "$reader"
	check "output: a FIFO is written to, not replaced" \
		'[ "$rc" = 0 ] && [ -p "$d/fifo" ] && [ "$(sha_of "$d/from-fifo")" = "$SHA_SMALL" ]'
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o - --sha256 "$SHA_SMALL" 2>/dev/null >"$d/stdout")
	rc=$?
	check "output: -o - writes the verified data to standard output" \
		'[ "$rc" = 0 ] && [ "$(sha_of "$d/stdout")" = "$SHA_SMALL" ]'
	msg=$(timeout 60 "$KX" fetch --quiet "$N/small" -o - --sha256 "$SHA_EMPTY" 2>/dev/null >"$d/stdout")
	rc=$?
	check "output: -o - writes nothing when verification fails" \
		'[ "$rc" = 1 ] && [ ! -s "$d/stdout" ]'
	rm -rf "$d"
}

each_build kxboot
exit 0
