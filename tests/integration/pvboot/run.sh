#!/bin/bash
# run.sh BUILD — `kxboot-xen pvboot` as libxl runs a PV/PVH domain's bootloader= (argument list
# of make_bootloader_args in tools/libs/light/libxl_bootloader.c), without Xen: nginx on
# loopback serving manifests that `kxboot publish` laid out and the real minisign signed, a
# small endless-body server for the hostile cases, the result read from a FIFO (and from a
# precreated regular file, which is what libxl 4.17 hands over), a temporary output directory,
# and a disk path that must never be opened (a FIFO: opening it would hang; strace checks it
# too when installed). Every refusal must exit non-zero, leave --output empty and the output
# directory empty, and say why on stderr. Runs against BUILD/kxboot-xen and
# BUILD/asan/kxboot-xen (when built). Prints "PASS: name", "FAIL: name: why" or
# "SKIP: name: why" (see tests/run.sh); exits 0 whatever the checks say.
set -u
SUITE=pvboot
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
use_build "${1:-build}"
need_tools minisign nginx python3 jq sha256sum timeout mkfifo
[ -x "$BUILD/kxboot" ] || { echo "SKIP: pvboot: $BUILD/kxboot is not built"; exit 0; }
STRACE=
command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null && STRACE=strace
make_work

# ---- keys: a (trusted), b (another key the domain does not trust) ---------------------------
K=$WORK/keys
mkdir -p "$K/trusted" "$K/other" "$K/empty"
if ! minisign -G -W -p "$K/a.pub" -s "$K/a.sec" >/dev/null 2>"$WORK/minisign.log" ||
	! minisign -G -W -p "$K/b.pub" -s "$K/b.sec" >/dev/null 2>>"$WORK/minisign.log"; then
	echo "FAIL: pvboot: minisign -G failed: $(tail -3 "$WORK/minisign.log")"
	exit 0
fi
cp "$K/a.pub" "$K/trusted/fleet.pub"
cp "$K/b.pub" "$K/other/other.pub"
chmod -R go+rX "$K"

# ---- what gets published --------------------------------------------------------------------
SRC=$WORK/src
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/vmlinuz-web"
head -c 310001 /dev/urandom >"$SRC/vmlinuz-canary"
head -c 100003 /dev/urandom >"$SRC/initrd-base" # not a multiple of 4: padding before the next
head -c 50000 /dev/urandom >"$SRC/initrd-extra"
head -c 70000 /dev/urandom >"$SRC/rescue.vmlinuz"
XEN_UUID_CANARY=0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b
rules() { # RECOVERY(yes|no)
	cat <<EOF
{
  "targets": {
    "web": {"kernel": "vmlinuz-web", "initrds": ["initrd-base", "initrd-extra"],
            "cmdline": "root=/dev/xvda1 ro console=hvc0"},
    "canary": {"kernel": "vmlinuz-canary", "initrds": ["initrd-base"],
               "cmdline": "root=/dev/xvda1 ro console=hvc0 -- single"},
    "rescue": {"kernel": "rescue.vmlinuz", "cmdline": "rescue console=hvc0"}
  },
  "rules": [
    {"name": "canary", "match": {"xen_uuid": "$XEN_UUID_CANARY"}, "target": "canary"},
    {"name": "lab", "match": {"hostname": "lab-*"}, "target": "rescue"},
    {"name": "fleet", "match": {"any": true}, "target": "web"}
  ]$([ "$1" = yes ] && echo ', "recovery": "rescue"')
}
EOF
}
rules yes >"$WORK/rules.json"
rules no >"$WORK/rules-strict.json"
# The expected ramdisk: the initrds one after another, each starting 4-byte aligned.
python3 -c 'import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
sys.stdout.buffer.write(a + b"\0" * (-len(a) % 4) + b)' "$SRC/initrd-base" "$SRC/initrd-extra" \
	>"$WORK/ramdisk-web.expected"

WWW=$WORK/www
mkdir -p "$WWW"
publish() { # OUTDIR RULES [publish options...]
	local out=$1 r=$2
	shift 2
	"$BUILD/kxboot" publish --dir "$SRC" --rules "$r" --out "$out" --secret-key "$K/a.sec" \
		--public-key "$K/a.pub" "$@" >"$WORK/publish.log" 2>&1
}
ok=1
publish "$WWW/fleet" "$WORK/rules.json" || ok=0
publish "$WWW/strict" "$WORK/rules-strict.json" || ok=0
publish "$WWW/old" "$WORK/rules.json" --expires-days 1 --now 2020-01-01T00:00:00Z || ok=0
publish "$WWW/rollback" "$WORK/rules.json" || ok=0
publish "$WWW/rollback" "$WORK/rules.json" || ok=0 # version 2
if [ $ok = 0 ]; then
	echo "FAIL: pvboot: kxboot publish failed: $(tail -3 "$WORK/publish.log")"
	exit 0
fi
cp "$WWW/rollback/manifest.json" "$WORK/rollback-v2.json"
cp "$WWW/rollback/manifest.json.minisig" "$WORK/rollback-v2.json.minisig"
chmod -R go+rX "$WWW"

# ---- servers ------------------------------------------------------------------------------------
PORT=$(free_port)
nginx_conf 1 64 <<EOF
	server {
		listen 127.0.0.1:$PORT;
		root $WWW;
	}
EOF
start_nginx "$PORT"
# A server whose bodies never end (chunked), for the size caps.
cat >"$WORK/endless.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (65536, b"A" * 65536)
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:
            pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
python3 "$WORK/endless.py" "$WORK/endless.port" 2>"$WORK/endless.log" &
HPORT=$(port_file "$WORK/endless.port")
[ -n "$HPORT" ] || { echo "FAIL: pvboot: the endless-body server did not start"; exit 0; }
# A manifest (signed with a trusted key) whose kernel is an endless body: the download must
# stop at the manifest's size.
mkdir -p "$WWW/hostile"
cat >"$WWW/hostile/manifest.json" <<EOF
{"version": 7, "expires": "2099-01-01T00:00:00Z",
 "targets": {"t": {"kernel": {"url": "http://127.0.0.1:$HPORT/kernel",
                              "sha256": "$(printf '%064d' 0)", "size": 1000}}},
 "rules": [{"match": {"any": true}, "target": "t"}]}
EOF
minisign -S -s "$K/a.sec" -m "$WWW/hostile/manifest.json" >/dev/null 2>&1
chmod -R go+rX "$WWW"
DOWN_PORT=$(free_port) # nothing listens there
URL=http://127.0.0.1:$PORT

# ---- running pvboot as libxl does ----------------------------------------------------------------
# pvboot [--file] [--as NAME] [--runas UID] -- ARGS...: run the tool the way libxl does: program
# path, libxl's own options, then ARGS (bootloader_args), then the disk path. Sets rc, out (the
# stdout), msg (stderr), result (what the --output reader got, NULs as '|'), outdir (the
# output directory) and strace_log. The disk is a FIFO nobody writes: opening it would block
# until timeout kills the run.
T=$WORK/run
mkdir -p "$T"
mkfifo "$T/disk.img"
DISK=$T/disk.img
pvboot() {
	local mode=fifo prog=$KX runas=
	while [ "$1" != -- ]; do
		case $1 in
		--file) mode=file ;;
		--as) prog=$2; shift ;;
		--runas) runas=$2; shift ;;
		esac
		shift
	done
	shift
	rm -rf "$T/outdir" "$T/bootloader.7.out" "$T/out.fifo" "$T/result" "$T/strace.log"
	mkdir -m 0700 "$T/outdir"
	outdir=$T/outdir
	local output reader=
	if [ $mode = fifo ]; then
		output=$T/out.fifo
		mkfifo "$output"
		timeout 120 cat "$output" >"$T/result" &
		reader=$!
	else
		output=$T/bootloader.7.out # what libxl names it: the domain id is in it
		: >"$output"
	fi
	local args=(--output="$output" --output-format=simple0 --output-directory="$outdir")
	[ -n "$runas" ] && args=(--runas="$runas" --quiet "${args[@]}")
	local pre=()
	# (not under ASan: LeakSanitizer cannot work under a tracer)
	[ -n "$STRACE" ] && [ -z "$runas" ] && [ "$TAG" = normal ] && pre=(strace -f -qq -e trace=%file -o "$T/strace.log")
	out=$(cd "$T" && timeout 60 "${pre[@]}" "$prog" "${args[@]}" "$@" "$DISK" 2>"$T/stderr")
	rc=$?
	msg=$(cat "$T/stderr")
	if [ $mode = fifo ]; then
		# The reader still waits when nothing opened the FIFO: give it an end of file.
		kill -0 "$reader" 2>/dev/null && timeout 2 sh -c ": >'$output'" 2>/dev/null
		wait "$reader" 2>/dev/null
		result=$(tr '\0' '|' <"$T/result")
	else
		result=$(tr '\0' '|' <"$output")
	fi
	[ -n "${VERBOSE:-}" ] && echo "$out$msg" | sed "s/^/#   [exit $rc] /"
	return 0
}
# short: the exit status and what the tool said, on one line, for a FAIL line.
short() { echo "[exit $rc] $out $msg" | tr '\n' ' ' | cut -c1-400; }
# the disk path in a file syscall (strace), or a run killed by timeout (opened the FIFO)
disk_touched() {
	[ "$rc" = 124 ] && return 0
	[ -f "$T/strace.log" ] && grep -v 'execve(' "$T/strace.log" | grep -qF "$DISK" && return 0
	return 1
}
item() { # NAME: the value of "NAME VALUE" in the result
	echo "$result" | tr '|' '\n' | sed -n "s/^$1 //p"
}

# expect_boot NAME TARGET ARGS...: success with the right files and arguments for TARGET
expect_boot() {
	local name=$1 target=$2
	shift 2
	pvboot -- "$@"
	check_boot "$name" "$target"
}
check_boot() { # NAME TARGET
	local name=$1 target=$2 kernel ramdisk args want_k want_r want_a ver
	kernel=$(item kernel)
	ramdisk=$(item ramdisk)
	args=$(item args)
	ver=${WANT_VER:-$(jq .version "$WWW/fleet/manifest.json")}
	case $target in
	web) want_k=$SRC/vmlinuz-web want_r=$WORK/ramdisk-web.expected
		want_a="root=/dev/xvda1 ro console=hvc0 kxboot.target=web kxboot.manifest_version=$ver" ;;
	canary) want_k=$SRC/vmlinuz-canary want_r=$SRC/initrd-base
		want_a="root=/dev/xvda1 ro console=hvc0 kxboot.target=canary kxboot.manifest_version=$ver -- single" ;;
	rescue) want_k=$SRC/rescue.vmlinuz want_r=
		want_a="rescue console=hvc0 kxboot.target=rescue kxboot.manifest_version=$ver" ;;
	esac
	[ -n "${WANT_ARGS:-}" ] && want_a=$WANT_ARGS
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc: $(short)"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	elif disk_touched; then
		fail "$name" "the disk path was opened: $(grep -v execve "$T/strace.log" | grep -F "$DISK" | head -2)"
	elif [ "${kernel%/*}" != "$outdir" ] || ! cmp -s "$kernel" "$want_k"; then
		fail "$name" "kernel '$kernel' is not $want_k in $outdir (result '$result')"
	elif [ -n "$want_r" ] && { [ "${ramdisk%/*}" != "$outdir" ] || ! cmp -s "$ramdisk" "$want_r"; }; then
		fail "$name" "ramdisk '$ramdisk' is not $want_r (result '$result')"
	elif [ -z "$want_r" ] && { [ -n "$ramdisk" ] || [ "$(ls "$outdir" | wc -l)" != 1 ]; }; then
		fail "$name" "a ramdisk without initrds: '$result', $(ls "$outdir")"
	elif [ "$args" != "$want_a" ]; then
		fail "$name" "args '$args', want '$want_a'"
	else
		pass "$name"
	fi
}
# expect_refused NAME PATTERN ARGS...: non-zero exit, nothing in --output, nothing left in
# the output directory, stderr matching PATTERN (grep -E, any case)
expect_refused() {
	local name=$1 pattern=$2
	shift 2
	pvboot "${PVBOOT_OPTS[@]}" -- "$@"
	check_refused "$name" "$pattern"
}
PVBOOT_OPTS=()
check_refused() {
	local name=$1 pattern=$2
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		fail "$name" "exit $rc, expected a refusal: $(short)"
	elif [ -n "$result" ]; then
		fail "$name" "--output holds '$result' after a failure"
	elif [ -n "$(ls -A "$outdir")" ]; then
		fail "$name" "files left in the output directory: $(ls -A "$outdir" | tr '\n' ' ')"
	elif ! echo "$msg" | grep -Eqi -- "$pattern"; then
		fail "$name" "stderr does not match '$pattern': $(short)"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	elif disk_touched; then
		fail "$name" "the disk path was opened"
	else
		pass "$name"
	fi
}

run_checks() {
	local M=$URL/fleet/manifest.json KEYS=--keys=$K/trusted
	[ -z "$STRACE" ] && [ "$TAG" = normal ] &&
		echo "SKIP: pvboot: strace is missing: the disk is checked only by its FIFO not blocking"
	# -- booting --
	expect_boot "libxl's argument list, simple0 read from a FIFO: kernel, 2 initrds, args" web \
		pvboot --manifest="$M" "$KEYS"
	check "the summary on stdout names the manifest version, key and target" \
		'echo "$out" | grep -q "manifest version 1 (key ID [0-9A-F]*), target .web. by rule .fleet."'
	check "the output directory holds the kernel and the ramdisk only (0600)" \
		'[ "$(ls "$outdir" | wc -l)" = 2 ] && [ "$(stat -c %a "$(item kernel)")" = 600 ]'
	pvboot --file -- --manifest="$M" "$KEYS"
	check_boot "precreated regular --output file (libxl 4.17), no subcommand word" web
	pvboot -- pvboot --manifest="$M" "$KEYS" --output-format=simple
	local simple
	simple=$(cat "$T/result")
	check "--output-format=simple: newline-terminated items" \
		'[ "$rc" = 0 ] && [ "$(echo "$simple" | cut -d" " -f1 | tr "\n" ,)" = "kernel,ramdisk,args," ] && ! grep -q "|" <<<"$result"'
	expect_boot "identity from bootloader_args: --xen-uuid picks the canary rule (\"--\" kept last)" \
		canary pvboot --manifest="$M" "$KEYS" --xen-uuid="${XEN_UUID_CANARY^^}"
	expect_boot "identity: --hostname=lab-7 picks the rule for lab-* (no initrd: no ramdisk item)" \
		rescue pvboot --manifest="$M" "$KEYS" --hostname=LAB-7
	pvboot -- --kernel=/boot/vmlinuz-in-guest --ramdisk=/boot/initrd-in-guest "--args=quiet loglevel=3" \
		--manifest="$M" --key="$K/a.pub"
	WANT_ARGS="root=/dev/xvda1 ro console=hvc0 kxboot.target=web kxboot.manifest_version=1 quiet loglevel=3" \
		check_boot "the domain config's --args appended; its --kernel/--ramdisk not used; --key" web
	check "--kernel from the domain config is mentioned as not used" \
		'grep -q "are not used: the manifest names the kernel" <<<"$msg"'
	ln -sf "$KX" "$T/kxboot-pvboot"
	pvboot --as "$T/kxboot-pvboot" -- --manifest="$M" "$KEYS"
	check_boot "invoked as kxboot-pvboot (symlink)" web
	if [ "$(id -u)" = 0 ]; then
		pvboot --runas 65534 -- --manifest="$M" "$KEYS"
		check_boot "--runas=65534 --quiet (bootloader_restrict): fetched as nobody" web
		check "--quiet: nothing on stdout" '[ -z "$out" ]'
		check "--runas: the files are root's, made before the switch" \
			'[ "$(stat -c %u "$(item kernel)")" = 0 ]'
		# A manifest only root can read: the restricted process must fail to read it.
		rm -rf "$T/private"
		mkdir -m 0700 "$T/private"
		cp "$WWW/fleet/manifest.json" "$WWW/fleet/manifest.json.minisig" "$T/private/"
		pvboot -- --manifest="file://$T/private/manifest.json" "$KEYS"
		check "file:// manifest readable by root (without --runas, artifacts not found)" \
			'[ "$rc" = 1 ] && grep -q "by-hash" <<<"$msg"'
		PVBOOT_OPTS=(--runas 65534)
		expect_refused "--runas: the network side really runs as that user (root-only file refused)" \
			"Permission denied" --manifest="file://$T/private/manifest.json" "$KEYS"
		PVBOOT_OPTS=()
	else
		echo "SKIP: pvboot/$TAG: --runas needs root"
	fi

	if [ -n "$STRACE" ] && [ "$TAG" = normal ]; then
		# The check itself: a "bootloader" that only looks at the disk must be caught.
		printf '#!/bin/sh\nfor a; do d=$a; done\ntest -e "$d"\nexit 1\n' >"$T/peek.sh"
		chmod 755 "$T/peek.sh"
		pvboot --as "$T/peek.sh" -- --manifest="$M" "$KEYS"
		check "(self-check) a bootloader that stats the disk path is noticed" 'disk_touched'
	fi

	# -- recovery --
	local served sha
	sha=$(sha_of "$SRC/vmlinuz-web")
	served=$WWW/fleet/by-hash/$sha/vmlinuz-web
	cp "$served" "$T/served.orig"
	printf 'X' | dd of="$served" bs=1 seek=1000 conv=notrunc 2>/dev/null
	expect_boot "the chosen target's kernel differs: the recovery target boots instead" rescue \
		--manifest="$M" "$KEYS" --retries=0
	check "... and says why on stderr" 'grep -q "SHA-256 .*expected $sha" <<<"$msg" && grep -qi "recovery target" <<<"$msg"'
	cp "$T/served.orig" "$served"

	# -- refusals: nothing written, non-zero exit, a reason --
	sha=$(sha_of "$SRC/vmlinuz-web")
	served=$WWW/strict/by-hash/$sha/vmlinuz-web
	cp "$served" "$T/served.orig"
	printf 'X' | dd of="$served" bs=1 seek=1000 conv=notrunc 2>/dev/null
	expect_refused "artifact hash mismatch (no recovery target)" "SHA-256 [0-9a-f]+, expected $sha" \
		--manifest="$URL/strict/manifest.json" "$KEYS" --retries=0
	cp "$T/served.orig" "$served"
	printf 'more' >>"$served"
	expect_refused "artifact longer than the manifest says" "larger than 300000 bytes" \
		--manifest="$URL/strict/manifest.json" "$KEYS" --retries=0
	cp "$T/served.orig" "$served"
	rm -rf "$WWW/tampered"
	cp -r "$WWW/strict" "$WWW/tampered"
	sed -i 's/console=hvc0/console=ttyS0/' "$WWW/tampered/manifest.json"
	expect_refused "tampered manifest" "refused: .*does not match" \
		--manifest="$URL/tampered/manifest.json" "$KEYS"
	cp "$WWW/strict/manifest.json" "$WWW/tampered/manifest.json"
	awk 'NR == 2 { $0 = substr($0, 1, 30) (substr($0, 31, 1) == "A" ? "B" : "A") substr($0, 32) } 1' \
		"$WWW/strict/manifest.json.minisig" >"$WWW/tampered/manifest.json.minisig"
	expect_refused "tampered signature" "refused: .*(does not match|malformed)" \
		--manifest="$URL/tampered/manifest.json" "$KEYS"
	sed '3s/version:1/version:9/' "$WWW/strict/manifest.json.minisig" >"$WWW/tampered/manifest.json.minisig"
	expect_refused "tampered trusted comment" "trusted comment" \
		--manifest="$URL/tampered/manifest.json" "$KEYS"
	rm -f "$WWW/tampered/manifest.json.minisig"
	expect_refused "no signature file" "signature.*404" \
		--manifest="$URL/tampered/manifest.json" "$KEYS" --retries=0
	expect_refused "signed by a key the domain does not trust" "not one of the 1 trusted keys" \
		--manifest="$M" --keys="$K/other"
	expect_refused "no trusted keys at all" "no trusted keys" --manifest="$M" --keys="$K/empty"
	expect_refused "keys directory missing" "cannot read the trusted keys" \
		--manifest="$M" --keys="$K/nowhere"
	expect_refused "expired manifest" "expired at 2020-01-02" \
		--manifest="$URL/old/manifest.json" "$KEYS"
	expect_refused "below the --min-version floor from the domain config" \
		"below the required minimum 5" --manifest="$M" "$KEYS" --min-version=5
	expect_refused "server down" "refused: .*(connect|refused)" \
		--manifest="http://127.0.0.1:$DOWN_PORT/m.json" "$KEYS" --retries=0
	expect_refused "hostile server: an endless manifest stops at 1 MiB" "larger than 1048576" \
		--manifest="http://127.0.0.1:$HPORT/manifest.json" "$KEYS" --retries=0
	expect_refused "hostile server: an endless kernel stops at the manifest's size" \
		"larger than 1000 bytes" --manifest="$URL/hostile/manifest.json" "$KEYS" --retries=0
	# Rollback: with --state, version 2 is remembered and version 1 refused afterwards.
	WANT_VER=2 expect_boot "--state: version 2 accepted" web \
		--manifest="$URL/rollback/manifest.json" "$KEYS" --state="$T/state"
	check "--state file holds highest_version=2" '[ "$(cat "$T/state")" = "highest_version=2" ]'
	cp "$WWW/fleet/manifest.json" "$WWW/rollback/manifest.json"
	cp "$WWW/fleet/manifest.json.minisig" "$WWW/rollback/manifest.json.minisig"
	expect_refused "--state: an older manifest is refused (rollback)" "older than version 2" \
		--manifest="$URL/rollback/manifest.json" "$KEYS" --state="$T/state"
	cp "$WORK/rollback-v2.json" "$WWW/rollback/manifest.json"
	cp "$WORK/rollback-v2.json.minisig" "$WWW/rollback/manifest.json.minisig"
	rm -f "$T/state"
	pvboot -- --manifest="$M" "$KEYS" --manfest=x
	check "an unknown option: usage error (2), nothing written" \
		'[ "$rc" = 2 ] && [ -z "$result" ] && grep -q "unknown option .--manfest." <<<"$msg"'
	pvboot -- --manifest="$M" "$KEYS" --output-directory="$T/not-there"
	check "a missing output directory is refused" \
		'[ "$rc" = 1 ] && [ -z "$result" ] && grep -q "not a directory" <<<"$msg"'

	# -- the other commands need Xen; without it they fail cleanly --
	out=$("$KX" list 2>&1)
	rc=$?
	msg=$out
	check "list without Xen: exit 1, says to run it in dom0" '[ "$rc" = 1 ] && grep -q "dom0" <<<"$out" && ! sanitizer_said'
	out=$("$KX" set web-01 colour=blue 2>&1)
	rc=$?
	msg=$out
	check "set refuses an unknown key before looking for Xen (exit 2)" \
		'[ "$rc" = 2 ] && grep -q "not a setting kxboot reads" <<<"$out"'
	out=$("$KX" rollout --manifest "$M" --batch 0 web-01 2>&1)
	rc=$?
	msg=$out
	check "rollout refuses --batch 0 (exit 2)" '[ "$rc" = 2 ]'
	# rollout verifies the manifest before it looks for the domains (which needs Xen)
	out=$("$KX" rollout --manifest "$M" --keys "$K/trusted" --reboot web-01 2>&1)
	rc=$?
	msg=$out
	check "rollout verifies the manifest first: version, key ID, expiry; then needs dom0" \
		'[ "$rc" = 1 ] && grep -q "version 1, signed by key ID [0-9A-F]*, expires" <<<"$out" && grep -q dom0 <<<"$out" && ! sanitizer_said'
	out=$("$KX" rollout --manifest "$M" --keys "$K/other" web-01 2>&1)
	rc=$?
	msg=$out
	check "rollout refuses a manifest its keys do not verify, changing nothing" \
		'[ "$rc" = 1 ] && grep -q "REJECTED.*not one of the 1 trusted keys" <<<"$out" && grep -q "Nothing was changed" <<<"$out" && ! grep -q dom0 <<<"$out" && ! sanitizer_said'
}

each_build kxboot-xen
exit 0
