#!/bin/bash
# run.sh BUILD — run every test suite, normally and under ASan+UBSan, and print
# "N passed, N failed, N skipped" last. Suites print "PASS: name", "FAIL: name: why" or
# "SKIP: name: why" lines; a suite that dies without saying so counts as a failure.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=$BUILD/test-log
mkdir -p "$LOG"
pass=0 fail=0 skip=0

# run_suite NAME COMMAND...: run one suite, count its lines, show failures.
run_suite() {
	local name=$1
	shift
	local out=$LOG/$(echo "$name" | tr '/ ' '__').log
	echo "== $name"
	"$@" >"$out" 2>&1
	local rc=$?
	local p f s
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	s=$(grep -c '^SKIP: ' "$out")
	grep -E '^(FAIL|SKIP): ' "$out" | sed "s|^|   $name: |"
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   $name: FAIL: exited with status $rc without a failing check (see $out)"
		tail -5 "$out" | sed 's/^/      /'
		f=$((f + 1))
	fi
	echo "   $p passed, $f failed, $s skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

for variant in "" asan; do
	dir=$BUILD${variant:+/$variant}
	tag=${variant:-normal}
	for t in "$dir"/tests/test_*; do
		[ -x "$t" ] || continue
		run_suite "unit/$(basename "$t")/$tag" "$t"
	done
	for suite in tests/corpus/run.sh tests/badinput/run.sh tests/mkconfig/run.sh; do
		[ -x "$suite" ] || continue
		run_suite "$(dirname "${suite#tests/}")/$tag" "$suite" "$dir/kxboot"
	done
done

if [ -x tests/fuzz/run.sh ]; then
	run_suite "fuzz" tests/fuzz/run.sh --smoke "$BUILD/fuzz"
fi
for suite in tests/integration/run.sh tests/e2e/run.sh tests/e2e/net.sh tests/e2e/menu.sh tests/xen/run.sh; do
	[ -x "$suite" ] || continue
	run_suite "${suite#tests/}" "$suite" "$BUILD"
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
