#!/bin/bash
# run.sh BUILD — every integration suite (tests/integration/*/run.sh: real servers on
# loopback), one after the other, each given the same arguments. Their PASS:/FAIL:/SKIP:
# lines pass through (see tests/run.sh); a suite that exits non-zero gets a FAIL line. Exits
# 0 whatever the checks say: the FAIL lines are the verdict.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
for suite in "$HERE"/*/run.sh; do
	[ -x "$suite" ] || continue
	name=$(basename "$(dirname "$suite")")
	echo "== integration/$name"
	"$suite" "$@"
	rc=$?
	[ $rc -eq 0 ] || echo "FAIL: integration/$name: run.sh exited with status $rc"
done
exit 0
