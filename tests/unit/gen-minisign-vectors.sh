#!/bin/bash
# gen-minisign-vectors.sh — how the minisign vectors in test_minisign.c and test_manifest.c
# were made: real `minisign` (Debian 12 package, 0.11) keys and signatures, printed as C
# string literals. Keys are random, so a new run gives new (equally valid) vectors.
set -eu
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
minisign -G -W -p a.pub -s a.sec >/dev/null
minisign -G -W -p b.pub -s b.sec >/dev/null
printf 'kxboot test message\n' >msg
: >empty
# The manifests test_manifest.c verifies (see the MANIFEST_* strings there).
cat >m5.json <<'J'
{"version": 5, "expires": "2099-01-01T00:00:00Z",
 "targets": {"t": {"kernel": {"url": "k", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "size": 3}}},
 "rules": [{"match": {"any": true}, "target": "t"}]}
J
sed 's/"version": 5/"version": 3/' m5.json >m3.json
sed 's/2099-01-01T00:00:00Z/2020-01-01T00:00:00Z/' m5.json >mexp.json
printf '{"version": 7, "expires": "2099-01-01T00:00:00Z", "targets": \n' >mbad.json  # cut short
sign() { # FILE SIGFILE KEY TRUSTED [-l]
	minisign -S ${5:-} -s "$3" -m "$1" -x "$2" -t "$4" >/dev/null
}
sign msg msg.pre a.sec "kxboot test vector prehashed"
sign msg msg.leg a.sec "kxboot test vector legacy" -l
sign msg msg.b b.sec "kxboot test vector key b"
sign empty empty.leg a.sec "empty file" -l
for m in m5 m3 mexp mbad; do sign $m.json $m.sig a.sec "kxboot manifest $m"; done
sign m5.json m5.b.sig b.sec "kxboot manifest m5 by b"
cstr() { # NAME FILE
	printf '#define %s \\\n' "$1"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/^/\t"/' -e 's/$/\\n" \\/' "$2"
	printf '\t""\n'
}
cstr PUB_A a.pub; cstr PUB_B b.pub
cstr SIG_MSG_PREHASHED msg.pre; cstr SIG_MSG_LEGACY msg.leg; cstr SIG_MSG_BY_B msg.b
cstr SIG_EMPTY_LEGACY empty.leg
for m in m5 m3 mexp mbad; do cstr "SIG_$(echo $m | tr a-z A-Z)" $m.sig; done
cstr SIG_M5_BY_B m5.b.sig
for m in m5 m3 mexp mbad; do cstr "MANIFEST_$(echo $m | tr a-z A-Z)" $m.json; done
