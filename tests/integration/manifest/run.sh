#!/bin/bash
# run.sh BUILD — signed manifests end to end with the real programs: keys made on the spot by
# `minisign -G`, `kxboot publish` laying out and signing a fleet's kernels, the real minisign
# checking what kxboot signed, `kxboot manifest verify|select` on files and over HTTP from
# nginx on loopback, `kxboot fetch` of artifacts with the manifest's sha256/size, and every
# way a manifest must be refused (docs/manifest.md). Runs against BUILD/kxboot and
# BUILD/asan/kxboot (when built). Prints "PASS: name", "FAIL: name: why" or "SKIP: name: why"
# (see tests/run.sh); exits 0 whatever the checks say.
set -u
SUITE=manifest
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
use_build "${1:-build}"
need_tools minisign nginx python3 jq sha256sum timeout
make_work

# random_buckets SALT N: N random UUIDs, each with its cohort bucket computed independently
# of kxboot (docs/manifest.md: SHA-256 of "SALT:UUID", first 8 bytes big-endian, mod 10000).
random_buckets() {
	python3 -c 'import hashlib, sys, uuid
for _ in range(int(sys.argv[2])):
    u = str(uuid.uuid4())
    d = hashlib.sha256((sys.argv[1] + ":" + u).encode()).digest()
    print(u, int.from_bytes(d[:8], "big") % 10000)' "$1" "$2"
}

# ---- keys: two unencrypted (a, b) and one with a password (c) ---------------------------
K=$WORK/keys
mkdir -p "$K/dir"
if ! minisign -G -W -p "$K/a.pub" -s "$K/a.sec" >/dev/null 2>"$WORK/minisign.log" ||
	! minisign -G -W -p "$K/b.pub" -s "$K/b.sec" >/dev/null 2>>"$WORK/minisign.log" ||
	! printf 'correct horse\ncorrect horse\n' |
	minisign -G -p "$K/c.pub" -s "$K/c.sec" >/dev/null 2>>"$WORK/minisign.log"; then
	echo "FAIL: manifest: minisign -G failed: $(tail -3 "$WORK/minisign.log")"
	exit 0
fi
cp "$K/a.pub" "$K/b.pub" "$K/dir/"
printf 'correct horse\n' >"$K/c.password"
printf 'wrong horse\n' >"$K/c.wrong"

# ---- what gets published ------------------------------------------------------------------
SRC=$WORK/src
mkdir -p "$SRC/debian"
head -c 300000 /dev/urandom >"$SRC/vmlinuz-6.1.0-17-amd64"
head -c 310000 /dev/urandom >"$SRC/vmlinuz-6.1.0-18-amd64"
head -c 1048576 /dev/urandom >"$SRC/debian/initrd.img-6.1.0-17-amd64"
head -c 100000 /dev/urandom >"$SRC/rescue.vmlinuz"
UUID_CANARY=4c4c4544-0042-3510-8052-b4c04f4e4d32
SALT=fleet-6.1.0-18
cat >"$WORK/rules.json" <<EOF
{
  "comment": "integration test fleet",
  "targets": {
    "stable": {"kernel": "vmlinuz-6.1.0-17-amd64", "initrds": ["debian/initrd.img-6.1.0-17-amd64"],
               "cmdline": "root=/dev/xvda1 ro console=hvc0"},
    "next":   {"kernel": "vmlinuz-6.1.0-18-amd64", "initrds": ["debian/initrd.img-6.1.0-17-amd64"],
               "cmdline": "root=/dev/xvda1 ro console=hvc0"},
    "rescue": {"kernel": "rescue.vmlinuz", "cmdline": "rescue"}
  },
  "rules": [
    {"name": "canary", "match": {"uuid": "$UUID_CANARY"}, "target": "next"},
    {"name": "lab", "match": {"hostname": "lab-*"}, "target": "next"},
    {"name": "fleet", "match": {"any": true}, "salt": "$SALT",
     "rollout": [{"target": "next", "percent": 10}, {"target": "stable"}]}
  ],
  "recovery": "rescue",
  "report_url": "report"
}
EOF
sed 's/"recovery": "rescue"/"recovery": "nope"/' "$WORK/rules.json" >"$WORK/rules-bad-target.json"
sed 's|"rescue.vmlinuz"|"../rescue.vmlinuz"|' "$WORK/rules.json" >"$WORK/rules-dotdot.json"
sed 's/"comment": "integration test fleet"/"min_version": 2/' "$WORK/rules.json" \
	>"$WORK/rules-min.json"

# ---- nginx serving WORK/www -----------------------------------------------------------------
WWW=$WORK/www
mkdir -p "$WWW"
PORT=$(free_port)
nginx_conf 1 64 <<EOF
	server {
		listen 127.0.0.1:$PORT;
		root $WWW;
	}
EOF
start_nginx "$PORT"

# ---- helpers ------------------------------------------------------------------------------
# kx ARGS...: run kxboot; sets rc, out (stdout) and msg (stderr).
kx() {
	[ -n "${TIMING:-}" ] && echo "# $(date +%s.%N | cut -c7-14) kxboot $*" | cut -c1-120
	out=$(timeout 60 "$KX" "$@" 2>"$WORK/stderr")
	rc=$?
	msg=$(cat "$WORK/stderr")
	[ -n "${VERBOSE:-}" ] && echo "$out$msg" | sed "s/^/#   [exit $rc] /"
	return 0
}
# short: what kxboot said (stdout and stderr), on one line, for a FAIL line.
short() { echo "$out $msg" | tr '\n' ' ' | cut -c1-300; }

# expect_ok NAME PATTERN ARGS...: exit 0 and stdout matches PATTERN (grep -E).
expect_ok() {
	local name=$1 pattern=$2
	shift 2
	kx "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc ($(short))"
	elif ! echo "$out" | grep -Eq -- "$pattern"; then
		fail "$name" "output does not match '$pattern': $(short)"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	else
		pass "$name"
	fi
}
# expect_refused NAME PATTERN ARGS...: exit 1 and stderr says REJECTED/why matching PATTERN.
expect_refused() {
	local name=$1 pattern=$2
	shift 2
	kx "$@"
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit $rc, expected 1 ($(short))"
	elif ! echo "$msg" | grep -Eqi -- "$pattern"; then
		fail "$name" "message does not match '$pattern': $(short)"
	elif sanitizer_said; then
		fail "$name" "sanitizer: $(short)"
	else
		pass "$name"
	fi
}

run_checks() {
	local P=$WWW/$TAG # the published folder
	local M=$P/manifest.json
	local URL=http://127.0.0.1:$PORT/$TAG/manifest.json
	local T=$WORK/t-$TAG
	mkdir -p "$T" "$P"
	chmod 755 "$P" # nginx serves it

	# -- publishing --
	expect_ok "publish version 1 (rules file, content-addressed layout, minisign -S)" \
		"version 1, .*4 files added, 0 kept" \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$P" --secret-key "$K/a.sec" \
		--public-key "$K/a.pub"
	local sha17 sha18 shaI name ok=1
	sha17=$(sha_of "$SRC/vmlinuz-6.1.0-17-amd64")
	sha18=$(sha_of "$SRC/vmlinuz-6.1.0-18-amd64")
	shaI=$(sha_of "$SRC/debian/initrd.img-6.1.0-17-amd64")
	for name in "$sha17/vmlinuz-6.1.0-17-amd64" "$sha18/vmlinuz-6.1.0-18-amd64" \
		"$shaI/initrd.img-6.1.0-17-amd64"; do
		[ -f "$P/by-hash/$name" ] && [ "$(sha_of "$P/by-hash/$name")" = "${name%%/*}" ] || ok=0
	done
	check "publish: files stored as by-hash/<sha256>/<name>" '[ $ok = 1 ]'
	local listed
	listed=$(jq -r '.targets.stable.kernel | "\(.sha256) \(.size) \(.url)"' "$M")
	check "publish: manifest.json lists sha256, size and the by-hash URL" \
		'[ "$listed" = "$sha17 300000 by-hash/$sha17/vmlinuz-6.1.0-17-amd64" ]'
	if minisign -V -p "$K/a.pub" -m "$M" >"$T/mv.log" 2>&1; then
		pass "the real minisign verifies what kxboot publish signed"
	else
		fail "the real minisign verifies what kxboot publish signed" "$(cat "$T/mv.log")"
	fi
	cp "$M" "$T/v1.json" && cp "$M.minisig" "$T/v1.json.minisig"
	expect_ok "publish again: version 2, nothing copied twice" "version 2, .*0 files added, 4 kept" \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$P" --secret-key "$K/a.sec"

	# -- verify and select --
	expect_ok "verify: good signature, version, expiry, targets" \
		"version: 2" manifest verify "$M" --key "$K/a.pub"
	check "verify: prehashed mode and the trusted comment shown" 'grep -q prehashed <<<"$out"'
	check "verify: trusted comment names the version" 'grep -q "version:2" <<<"$out"'
	expect_ok "verify: several keys (rotation), --keys-dir" "^OK" \
		manifest verify "$M" --keys-dir "$K/dir"
	expect_ok "select: canary UUID gets 'next' by its rule" "^target: next" \
		manifest select "$M" --key "$K/a.pub" --uuid "$UUID_CANARY"
	check "select: cmdline carries kxboot.target and manifest_version" \
		'grep -qx "cmdline: root=/dev/xvda1 ro console=hvc0 kxboot.target=next kxboot.manifest_version=2" <<<"$out"'
	expect_ok "select: hostname pattern lab-* gets 'next'" "^why: rule lab" \
		manifest select "$M" --key "$K/a.pub" --hostname LAB-3 --uuid 00000000-0000-0000-0000-000000000042
	local uuid b want got bad=0 n_next=0
	while read -r uuid b; do
		want=stable
		[ "$b" -lt 1000 ] && want=next
		kx manifest select "$M" --key "$K/a.pub" --uuid "$uuid" --json
		got=$(echo "$out" | jq -r '"\(.target) \(.bucket)"' 2>/dev/null)
		[ "$got" = "$want $b" ] || { bad=$((bad + 1)); echo "# $uuid: kxboot '$got', python '$want $b'"; }
		[ "$want" = next ] && n_next=$((n_next + 1))
	done < <(random_buckets "$SALT" 40)
	check "select: 40 random UUIDs in the 10% rollout agree with an independent hash" '[ $bad = 0 ]'

	# -- over HTTP, and the artifacts --
	expect_ok "verify over HTTP (manifest + .minisig fetched from nginx)" "^OK" \
		manifest verify "$URL" --key "$K/a.pub"
	expect_ok "select over HTTP: artifact URLs resolve against the manifest's" \
		"^kernel: http://127.0.0.1:$PORT/$TAG/by-hash/$sha18/vmlinuz-6.1.0-18-amd64 " \
		manifest select "$URL" --key "$K/a.pub" --uuid "$UUID_CANARY"
	kx manifest select "$URL" --key "$K/a.pub" --uuid "$UUID_CANARY" --json
	local kurl ksha ksize iurl isha isize
	kurl=$(echo "$out" | jq -r .kernel.url)
	ksha=$(echo "$out" | jq -r .kernel.sha256)
	ksize=$(echo "$out" | jq -r .kernel.size)
	iurl=$(echo "$out" | jq -r '.initrds[0].url')
	isha=$(echo "$out" | jq -r '.initrds[0].sha256')
	isize=$(echo "$out" | jq -r '.initrds[0].size')
	kx fetch --quiet "$kurl" --sha256 "$ksha" --size "$ksize" -o "$T/kernel"
	check "kxboot fetch of the kernel with the manifest's sha256 and size" \
		'[ "$rc" = 0 ] && cmp -s "$T/kernel" "$SRC/vmlinuz-6.1.0-18-amd64"'
	kx fetch --quiet "$iurl" --sha256 "$isha" --size "$isize" -o "$T/initrd"
	check "kxboot fetch of the initrd with the manifest's sha256 and size" \
		'[ "$rc" = 0 ] && cmp -s "$T/initrd" "$SRC/debian/initrd.img-6.1.0-17-amd64"'
	local served=$P/by-hash/$sha18/vmlinuz-6.1.0-18-amd64
	cp "$served" "$T/served.orig"
	printf 'X' | dd of="$served" bs=1 seek=1000 conv=notrunc 2>/dev/null
	kx fetch --quiet "$kurl" --sha256 "$ksha" --size "$ksize" -o "$T/kernel" --retries 0
	check "artifact with a different hash than the manifest says is refused" \
		'[ "$rc" = 1 ] && grep -q "SHA-256 .*expected ${ksha:0:16}" <<<"$msg"'
	cp "$T/served.orig" "$served" && printf 'extra' >>"$served"
	kx fetch --quiet "$kurl" --sha256 "$ksha" --size "$ksize" -o "$T/kernel" --retries 0
	check "artifact with a different size than the manifest says is refused" \
		'[ "$rc" = 1 ] && grep -q "expected $ksize" <<<"$msg"'
	cp "$T/served.orig" "$served"

	# -- every refusal --
	cp "$M" "$T/m.json" && cp "$M.minisig" "$T/m.json.minisig"
	sed -i 's/console=hvc0/console=ttyS0/' "$T/m.json"
	expect_refused "tampered manifest (one command line changed)" "REJECTED.*does not match" \
		manifest verify "$T/m.json" --key "$K/a.pub"
	expect_refused "select refuses a tampered manifest too when given a key" "REJECTED" \
		manifest select "$T/m.json" --key "$K/a.pub" --uuid "$UUID_CANARY"
	cp "$M" "$T/m.json"
	awk 'NR == 2 { $0 = substr($0, 1, 30) (substr($0, 31, 1) == "A" ? "B" : "A") substr($0, 32) } 1' \
		"$M.minisig" >"$T/m.json.minisig"
	expect_refused "tampered signature" "REJECTED.*(does not match|malformed)" \
		manifest verify "$T/m.json" --key "$K/a.pub"
	sed '3s/version:2/version:9/' "$M.minisig" >"$T/m.json.minisig"
	expect_refused "tampered trusted comment" "REJECTED.*trusted comment" \
		manifest verify "$T/m.json" --key "$K/a.pub"
	rm -f "$T/m.json.minisig"
	expect_refused "missing signature" "REJECTED.*minisig" \
		manifest verify "$T/m.json" --key "$K/a.pub"
	expect_refused "signed by a key the image does not trust" "REJECTED.*not one of the 1 trusted" \
		manifest verify "$M" --key "$K/b.pub"
	expect_refused "expired (--now past expires)" "REJECTED.*expired at" \
		manifest verify "$M" --key "$K/a.pub" --now 2100-01-01T00:00:00Z
	expect_ok "publish an already-expired manifest (--now in the past, 1 day)" "version 1," \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$T/old" --secret-key "$K/a.sec" \
		--expires-days 1 --now 2020-01-01T00:00:00Z
	expect_refused "expired manifest refused with the real clock" "REJECTED.*expired at 2020-01-02" \
		manifest verify "$T/old/manifest.json" --key "$K/a.pub"
	local S=$T/state
	expect_ok "rollback state: version 2 accepted and remembered" "^OK" \
		manifest verify "$M" --key "$K/a.pub" --state "$S"
	check "rollback state file holds highest_version=2" '[ "$(cat "$S")" = "highest_version=2" ]'
	expect_refused "rollback to version 1 after 2 was seen" "REJECTED.*older than version 2.*rollback" \
		manifest verify "$T/v1.json" --key "$K/a.pub" --state "$S"
	expect_ok "without state, version 1 still verifies (only min_version/expires protect)" "^OK" \
		manifest verify "$T/v1.json" --key "$K/a.pub"
	expect_refused "version below --min-version" "REJECTED.*below the required minimum 2" \
		manifest verify "$T/v1.json" --key "$K/a.pub" --min-version 2
	echo "highest_version=oops" >"$S"
	expect_refused "corrupt state file fails closed" "REJECTED.*corrupt" \
		manifest verify "$M" --key "$K/a.pub" --state "$S"
	python3 -c 'import sys; sys.stdout.write("{\"version\": 9, \"pad\": \"" + "x" * (1 << 20) + "\"}")' \
		>"$T/big.json"
	minisign -S -s "$K/a.sec" -m "$T/big.json" >/dev/null 2>&1
	expect_refused "oversized manifest (over 1 MiB)" "REJECTED.*larger than 1 MiB" \
		manifest verify "$T/big.json" --key "$K/a.pub"
	printf '{"version": 3, "expires": "2099-01-01T00:00:00Z", "targets": {' >"$T/broken.json"
	minisign -S -s "$K/a.sec" -m "$T/broken.json" >/dev/null 2>&1
	expect_refused "malformed JSON (signed)" "REJECTED.*not valid JSON" \
		manifest verify "$T/broken.json" --key "$K/a.pub"
	jq '.targets.stable.kernel.sha256 = "abc"' "$M" >"$T/badfield.json"
	minisign -S -s "$K/a.sec" -m "$T/badfield.json" >/dev/null 2>&1
	expect_refused "a field out of its rules (signed): the path is named" \
		"REJECTED.*targets.stable.kernel.*64 hex" manifest verify "$T/badfield.json" --key "$K/a.pub"
	cp "$M" "$WWW/$TAG/tampered.json" && cp "$M.minisig" "$WWW/$TAG/tampered.json.minisig"
	sed -i 's/"version": 2/"version": 3/' "$WWW/$TAG/tampered.json"
	expect_refused "tampered manifest over HTTP" "REJECTED.*does not match" \
		manifest verify "http://127.0.0.1:$PORT/$TAG/tampered.json" --key "$K/a.pub"
	cp "$M" "$WWW/$TAG/unsigned.json"
	expect_refused "missing signature over HTTP" "REJECTED.*cannot fetch manifest signature.*404" \
		manifest verify "http://127.0.0.1:$PORT/$TAG/unsigned.json" --key "$K/a.pub"

	# -- signing modes, password, refusals at publish time --
	expect_ok "publish --legacy (minisign -l) verifies as legacy" "version 1," \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$T/legacy" --secret-key "$K/a.sec" \
		--legacy
	expect_ok "legacy signature verified" "legacy" \
		manifest verify "$T/legacy/manifest.json" --key "$K/a.pub"
	expect_ok "publish with a password-protected key and --password-file" "version 1," \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$T/pw" --secret-key "$K/c.sec" \
		--password-file "$K/c.password" --public-key "$K/c.pub"
	kx publish --dir "$SRC" --rules "$WORK/rules.json" --out "$T/pw" --secret-key "$K/c.sec" \
		--password-file "$K/c.wrong"
	check "publish with a wrong password fails and leaves version 1 in place" \
		'[ "$rc" = 1 ] && [ "$(jq .version "$T/pw/manifest.json")" = 1 ] && [ ! -e "$T/pw/.manifest.json.new" ]'
	kx publish --dir "$SRC" --rules "$WORK/rules-bad-target.json" --out "$P" --secret-key "$K/a.sec"
	check "publish refuses rules naming an unknown target; nothing signed" \
		'[ "$rc" = 1 ] && grep -q "does not define" <<<"$msg" && [ "$(jq .version "$M")" = 2 ]'
	kx publish --dir "$SRC" --rules "$WORK/rules-dotdot.json" --out "$P" --secret-key "$K/a.sec"
	check "publish refuses a file name with '..'" '[ "$rc" = 1 ] && [ "$(jq .version "$M")" = 2 ]'
	expect_ok "publish with min_version in the rules file" "version 3," \
		publish --dir "$SRC" --rules "$WORK/rules-min.json" --out "$P" --secret-key "$K/a.sec" \
		--base-url "http://127.0.0.1:$PORT/$TAG"
	expect_ok "verify shows min_version; --base-url makes absolute URLs" "min_version 2" \
		manifest verify "$M" --key "$K/a.pub"
	check "manifest URLs are absolute with --base-url" \
		'[ "$(jq -r .targets.rescue.kernel.url "$M")" = "http://127.0.0.1:$PORT/$TAG/by-hash/$(sha_of "$SRC/rescue.vmlinuz")/rescue.vmlinuz" ]'
	kx publish --dir "$SRC" --rules "$WORK/rules.json" --out "$P" --secret-key "$K/a.sec" --version 2
	check "publish refuses a --version that is not above the published one" '[ "$rc" = 2 ]'
	# A new kernel build under the same file name: a new by-hash folder, the old one stays.
	cp "$SRC/vmlinuz-6.1.0-18-amd64" "$T/v18.orig"
	head -c 320000 /dev/urandom >"$SRC/vmlinuz-6.1.0-18-amd64"
	expect_ok "publish after a kernel changed: one file added" "version 4, .*1 files added" \
		publish --dir "$SRC" --rules "$WORK/rules.json" --out "$P" --secret-key "$K/a.sec"
	check "old and new builds both stay, each under its own hash" \
		'[ -f "$P/by-hash/$sha18/vmlinuz-6.1.0-18-amd64" ] && [ -f "$P/by-hash/$(sha_of "$SRC/vmlinuz-6.1.0-18-amd64")/vmlinuz-6.1.0-18-amd64" ]'
	cp "$T/v18.orig" "$SRC/vmlinuz-6.1.0-18-amd64"
}

each_build kxboot
exit 0
