#!/bin/bash
# corpus/run.sh KXBOOT — for each case NAME.cmd (arguments to `kxboot list --json`, paths
# relative to the shared corpus), compare the output with NAME.json, written by hand from
# the GRUB manual / syslinux docs / BLS spec.
set -u
KXBOOT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${KXBOOT_CORPUS:-$HERE/../../../shared/corpus}
if [ ! -d "$CORPUS" ]; then
	echo "FAIL: corpus: no corpus at $CORPUS"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cmd in "$HERE"/*.cmd; do
	[ -f "$cmd" ] || continue
	name=$(basename "$cmd" .cmd)
	want=$HERE/$name.json
	if [ ! -f "$want" ]; then
		echo "FAIL: $name: no expected $name.json"
		continue
	fi
	args=()
	read -r -a words <"$cmd"
	i=0
	while [ $i -lt ${#words[@]} ]; do
		w=${words[$i]}
		args+=("$w")
		case $w in
		--root)
			i=$((i + 1)); args+=("$CORPUS/${words[$i]}") ;;
		--config)
			i=$((i + 1))
			# With --root, --config names a path inside the first root.
			if [[ " ${words[*]} " == *" --root "* ]]; then
				args+=("${words[$i]}")
			else
				args+=("$CORPUS/${words[$i]}")
			fi ;;
		esac
		i=$((i + 1))
	done
	"$KXBOOT" list --json "${args[@]}" >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
		echo "FAIL: $name: kxboot list exited $rc: $(head -c 300 "$tmp/err")"
		continue
	fi
	if ! jq -S . "$tmp/out.json" >"$tmp/got" 2>/dev/null; then
		echo "FAIL: $name: output is not JSON"
		continue
	fi
	jq -S . "$want" >"$tmp/want"
	if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		echo "PASS: $name"
	else
		echo "FAIL: $name: differs from $name.json:"
		head -40 "$tmp/diff" | sed 's/^/    /'
	fi
done
