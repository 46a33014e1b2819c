#!/bin/bash
# run.sh BUILD — the Xen scenarios named in XEN_SCENARIOS (default: all of them, the list
# below), one after the other, each a whole Xen host under QEMU TCG
# (tests/xen/run-scenario.sh). Prints each scenario's PASS/FAIL and TIME lines, then
# "N passed, N failed" (", N skipped"). tests/xen/README.md has the timings.
#
# XEN_BUDGET (seconds, unset by default): for quick local runs, a scenario that would start
# after that much time is SKIPped. make check never sets it: a skipped scenario in CI would
# be a failure in disguise.
# Every scenario is SKIPped (exit 0) when the machine cannot run them: no qemu-system-x86_64, or
# no apt-get to fetch Xen's Debian packages with.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:-build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
ALL="pvh-target pvh-refuse pv-refuse hvm-disk hvm-net xen-tool pvboot-pvh pvboot-pv"
SCENARIOS=${XEN_SCENARIOS:-all}
BUDGET=${XEN_BUDGET:-}
[ "$SCENARIOS" != all ] || SCENARIOS=$ALL

skip_all() {
	local s
	for s in $SCENARIOS; do echo "SKIP: xen/$s: $1"; done
	echo "0 passed, 0 failed, $(echo $SCENARIOS | wc -w) skipped"
	exit 0
}
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed"
command -v apt-get >/dev/null || skip_all "no apt-get to fetch Xen's Debian packages"

T0=$(now_ns)
# dom0 once, before the scenarios (each run-scenario.sh then finds it up to date)
if ! "$HERE/mkdom0.sh" "$BUILD" >"$BUILD/xen-mkdom0.log" 2>&1; then
	for s in $SCENARIOS; do echo "FAIL: xen/$s: mkdom0.sh failed (see $BUILD/xen-mkdom0.log)"; done
	log_tail "$BUILD/xen-mkdom0.log" 15
	echo "0 passed, $(echo $SCENARIOS | wc -w) failed"
	exit 1
fi
echo "TIME: xen/dom0 build $(elapsed "$T0") s"

pass=0 fail=0 skip=0
for s in $SCENARIOS; do
	spent=$(elapsed "$T0")
	if [ -n "$BUDGET" ] && [ "${spent%.*}" -ge "$BUDGET" ]; then
		echo "SKIP: xen/$s: the Xen scenarios already took ${spent} s (XEN_BUDGET=$BUDGET)"
		skip=$((skip + 1))
		continue
	fi
	# A guest triple fault that Xen reports is an emulation fault of nested TCG (seen in
	# about 1 of 50 guest boots here, also with no kxboot in the guest: pvh-target): such a
	# run is shown as a NOTE and the scenario runs once more; any other failure counts.
	first=$("$HERE/run-scenario.sh" "$BUILD" "$s")
	rc=$?
	if [ $rc -ne 0 ] &&
		grep -aq '^(XEN) d[0-9]*v[0-9]* Triple fault' "$BUILD/xen/run/$s/serial.log.txt" 2>/dev/null; then
		cp "$BUILD/xen/run/$s/serial.log.txt" "$BUILD/xen/run/$s.triple-fault.log"
		echo "$first" | sed 's/^FAIL: /NOTE: first run, guest triple fault (log: '"$s"'.triple-fault.log): /'
		"$HERE/run-scenario.sh" "$BUILD" "$s"
		rc=$?
	else
		echo "$first"
	fi
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "TIME: xen/all $(elapsed "$T0") s"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
