# shellcheck shell=bash
# tests/integration/lib.sh — what the integration suites (tests/integration/*/run.sh) share:
# the build folder, the work folder and the exit trap that stops every server, free ports,
# a private nginx, the run of every check against BUILD/PROGRAM and BUILD/asan/PROGRAM, and
# the PASS/FAIL helpers. A suite sets SUITE (its name in those lines) and sources this file:
#
#	SUITE=http
#	. "$HERE/../lib.sh"
#	use_build "${1:-build}"
#	need_tools nginx python3 ...
#	make_work
#	... files and servers, short () and run_checks () ...
#	each_build kxboot
#	exit 0
#
# The suite defines short (the last run's output on one line, for a FAIL line) and run_checks
# (every check for one TAG against KX).
#
# Contract with tests/run.sh and tests/integration/run.sh: a suite takes BUILD as its only
# argument, prints "PASS: name", "FAIL: name: why" or "SKIP: name: why" lines, and exits 0
# whatever the checks say (a FAIL line is the verdict; a non-zero exit means it died).

# Loopback servers only: a proxy from the environment would take the requests elsewhere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
# A sanitizer report must not look like an ordinary failure (exit 1).
export ASAN_OPTIONS=exitcode=86:detect_leaks=1
export UBSAN_OPTIONS=exitcode=87:print_stacktrace=1

# ---- start and end of a suite ---------------------------------------------------------------

# use_build DIR: set BUILD to DIR as an absolute path; a FAIL line and exit when it is missing.
use_build() {
	BUILD=$(cd "$1" 2>/dev/null && pwd) || {
		echo "FAIL: $SUITE: no build folder '$1'"
		exit 0
	}
}

# need_tools TOOL...: a SKIP line and exit unless every TOOL is on the PATH.
need_tools() {
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: $SUITE: $tool is missing (tests/install-deps.sh installs it as root)"
			exit 0
		fi
	done
}

# make_work: create WORK (a fresh folder under /tmp that servers running as nobody can read)
# and OUT (where fetch writes), and arrange for cleanup to run when the suite ends.
make_work() {
	WORK=$(mktemp -d "/tmp/kxboot-$SUITE.XXXXXX")
	chmod 755 "$WORK"
	OUT=$WORK/out
	# bash runs the EXIT trap on exit, on a failure half-way and on INT, TERM and HUP too.
	trap cleanup EXIT
}

# cleanup: stop nginx and every background process the suite started, then remove WORK
# (KEEP_WORK=1 keeps it, to read the servers' logs after a failure).
cleanup() {
	stop_nginx
	local pids
	pids=$(jobs -p)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # one word per process id
		kill $pids 2>/dev/null
		wait 2>/dev/null
	fi
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}

# each_build PROGRAM: for TAG normal and asan, KX = a private copy of BUILD/PROGRAM or
# BUILD/asan/PROGRAM, then run_checks; a SKIP line for a TAG whose PROGRAM is not built.
each_build() {
	for TAG in normal asan; do
		KX=$BUILD/$1
		[ "$TAG" = asan ] && KX=$BUILD/asan/$1
		if [ ! -x "$KX" ]; then
			echo "SKIP: $SUITE/$TAG: $KX is not built"
			continue
		fi
		# A private copy: a rebuild of BUILD during the run must not pull the binary away.
		cp "$KX" "$WORK/$1-$TAG" && chmod 755 "$WORK/$1-$TAG" && KX=$WORK/$1-$TAG
		run_checks
	done
}

# ---- ports and servers ----------------------------------------------------------------------

# free_port [udp]: print a TCP (or UDP) port nothing uses on 127.0.0.1 right now (a UDP one is
# free on ::1 as well), never one an earlier call printed in this suite (they are kept in
# WORK/ports: a port picked for "nothing listens there" must not be one a server got).
# shellcheck disable=SC2120 # the argument is optional
free_port() {
	local port
	while :; do
		port=$(python3 -c '
import socket, sys
if sys.argv[1] != "udp":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    sys.exit()
while True:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    try:
        t = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        t.bind(("::1", p))
    except OSError:
        continue
    print(p)
    break' "${1:-tcp}") || return 1
		grep -qx "$port" "$WORK/ports" 2>/dev/null || break
	done
	echo "$port" >>"$WORK/ports"
	echo "$port"
}

# wait_port PORT: wait until something accepts on 127.0.0.1:PORT (5 s at most).
wait_port() {
	local _
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# port_file FILE: print what a server wrote to FILE (its port), waiting for it 5 s at most.
port_file() {
	local _
	for _ in $(seq 100); do
		[ -s "$1" ] && break
		sleep 0.05
	done
	cat "$1" 2>/dev/null
}

# nginx_conf WORKERS CONNECTIONS <SERVERS: write WORK/nginx.conf, an nginx whose pid file, logs
# and temporary files are all under WORK, with the http-level lines read from stdin.
nginx_conf() {
	mkdir -p "$WORK/tmp"
	{
		cat <<EOF
worker_processes $1;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections $2; }
http {
	access_log $WORK/access.log;
	client_body_temp_path $WORK/tmp/body;
	proxy_temp_path $WORK/tmp/proxy;
	fastcgi_temp_path $WORK/tmp/fastcgi;
	uwsgi_temp_path $WORK/tmp/uwsgi;
	scgi_temp_path $WORK/tmp/scgi;
	default_type application/octet-stream;
EOF
		cat
		echo "}"
	} >"$WORK/nginx.conf"
}

# start_nginx PORT...: start nginx on WORK/nginx.conf and wait until it listens on every PORT;
# a FAIL line and exit when it does not.
start_nginx() {
	local port ok=1
	nginx -e "$WORK/error.log" -c "$WORK/nginx.conf" -p "$WORK/" 2>"$WORK/nginx.start.log" || ok=0
	for port in "$@"; do
		[ $ok = 1 ] && ! wait_port "$port" && ok=0
	done
	if [ $ok = 0 ]; then
		echo "FAIL: $SUITE: nginx did not start: $(cat "$WORK/nginx.start.log" "$WORK/error.log" 2>/dev/null | tail -3)"
		exit 0
	fi
}

# stop_nginx: stop the nginx of WORK/nginx.pid, if any, and wait until it is gone (5 s, then
# kill its process group: the master and its workers).
stop_nginx() {
	[ -s "$WORK/nginx.pid" ] || return 0
	local pid _
	pid=$(cat "$WORK/nginx.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
}

# ---- the checks -----------------------------------------------------------------------------

# pass NAME: a passing check.
pass() { echo "PASS: $SUITE/$TAG: $1"; }
# fail NAME WHY: a failing check.
fail() { echo "FAIL: $SUITE/$TAG: $1: $2"; }
# sanitizer_said: the last run's stderr (msg) has an ASan or UBSan report in it.
sanitizer_said() { echo "$msg" | grep -q 'Sanitizer\|runtime error'; }
# check NAME 'CONDITION': pass when the shell condition holds (evaluated here), else fail.
check() {
	if eval "$2"; then pass "$1"; else fail "$1" "$(short)"; fi
}
# sha_of FILE: its SHA-256 in hex.
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch ARGS...: run `KX fetch --quiet ARGS -o OUT` (120 s at most); sets rc, msg (its stderr)
# and secs. When SERVER_LOG is set, MARK is that file's length in lines beforehand, so a check
# can read what the server logged about this fetch alone.
fetch() {
	rm -f "$OUT"
	# shellcheck disable=SC2034 # MARK is read by the suite
	[ -n "${SERVER_LOG:-}" ] && MARK=$(wc -l <"$SERVER_LOG" 2>/dev/null || echo 0)
	local t0 t1
	t0=$(date +%s.%N)
	msg=$(timeout 120 "$KX" fetch --quiet "$@" -o "$OUT" 2>&1 >/dev/null)
	rc=$?
	t1=$(date +%s.%N)
	secs=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
	# VERBOSE=1: show what kxboot said.
	# shellcheck disable=SC2001
	[ -n "${VERBOSE:-}" ] && echo "$msg" | sed "s/^/#   [exit $rc, $secs s] /"
	return 0
}

# expect_fail NAME PATTERN MAX_SECONDS URL [ARGS...]: the fetch exits 1, its stderr matches
# PATTERN (grep -Ei) once the URL is taken out of it, within MAX_SECONDS.
expect_fail() {
	local name=$1 pattern=$2 max=$3
	shift 3
	fetch "$@"
	# The URL is in every message; the pattern must match what is said about it.
	local said=${msg//"$1"/URL}
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit $rc, expected 1 ($(short))"
	elif ! echo "$said" | grep -Eqi -- "$pattern"; then
		fail "$name" "message does not match '$pattern': $(short)"
	elif awk "BEGIN { exit !($secs > $max) }"; then
		fail "$name" "took ${secs} s, expected at most $max s"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	else
		pass "$name"
	fi
}
