#!/bin/bash
# fuzz/run.sh --smoke|--long SECONDS DIR — run every libFuzzer harness in DIR: the committed
# crash inputs (regress/NAME) once each, then a short (--smoke: fixed number of runs) or
# long (--long: time) fuzzing session from the seeds.
set -u
mode=$1
shift
seconds=600
if [ "$mode" = --long ]; then
	seconds=$1
	shift
fi
DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${FUZZ_RUNS:-3000}
found=0
for f in "$DIR"/fuzz_*; do
	[ -x "$f" ] || continue
	found=1
	name=${f##*/fuzz_}
	reg=$HERE/regress/$name
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
		if "$f" -rss_limit_mb=2048 -timeout=20 "$reg"/* >/tmp/fuzz-$name-reg.log 2>&1; then
			echo "PASS: fuzz_$name: $(ls "$reg" | wc -l) regression inputs"
		else
			echo "FAIL: fuzz_$name: a regression input fails: $(grep -m1 -E 'ERROR|SUMMARY' /tmp/fuzz-$name-reg.log)"
		fi
	fi
	work=$(mktemp -d)
	[ -d "$HERE/seeds/$name" ] && cp -r "$HERE/seeds/$name/." "$work/"
	if [ "$mode" = --long ]; then
		limit=(-max_total_time="$seconds")
	else
		limit=(-runs="$RUNS" -seed=1)
	fi
	if "$f" "${limit[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work" >/tmp/fuzz-$name.log 2>&1; then
		echo "PASS: fuzz_$name: ${limit[*]}"
	else
		crash=$(ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-* 2>/dev/null | head -1)
		mkdir -p "$HERE/found"
		[ -n "$crash" ] && cp "$crash" "$HERE/found/"
		echo "FAIL: fuzz_$name: $(grep -m1 -E 'ERROR|SUMMARY' /tmp/fuzz-$name.log) (input kept in tests/fuzz/found/)"
	fi
	rm -rf "$work"
done
[ $found = 1 ] || echo "FAIL: fuzz: no harness built in $DIR"
