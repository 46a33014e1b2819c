#!/bin/bash
# badinput/run.sh KXBOOT — hostile configs: garbage, NULs, huge files, deep nesting, include
# loops, recursion, expansion blow-ups, overlong lines. Each must end (no crash, no hang:
# the 120 s guard only catches hangs), warn with file:line, and keep the entries that can
# be read (a good entry is placed before and, where the damage allows, after the bad part).
set -u
KXBOOT=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME CFGPATH WANT_TITLES... : run list on $tmp/NAME, expect those titles.
check() {
	local name=$1 cfg=$2
	shift 2
	local out=$tmp/$name.out err=$tmp/$name.err
	timeout 120 "$KXBOOT" list --json --root "$tmp/$name" >"$out" 2>"$err"
	local rc=$?
	if [ $rc -ge 124 ]; then
		echo "FAIL: $name: kxboot died or hung (status $rc): $(tail -c 300 "$err")"
		return
	fi
	if [ $# -gt 0 ] && [ $rc -ne 0 ]; then
		echo "FAIL: $name: status $rc: $(tail -c 300 "$err")"
		return
	fi
	if ! grep -q "$cfg:[0-9]*:" "$err"; then
		echo "FAIL: $name: no file:line warning on stderr: $(head -c 300 "$err")"
		return
	fi
	local t
	for t in "$@"; do
		if ! jq -e --arg t "$t" '[.entries[].title] | index($t) != null' "$out" >/dev/null 2>&1; then
			echo "FAIL: $name: entry '$t' lost; got $(jq -c '[.entries[].title]' "$out" 2>/dev/null)"
			return
		fi
	done
	echo "PASS: $name"
}

grub() { # grub NAME: create a root with /boot/grub/grub.cfg from stdin
	mkdir -p "$tmp/$1/boot/grub"
	cat >"$tmp/$1/boot/grub/grub.cfg"
}
GOOD1="menuentry before { linux /vmlinuz-before }"
GOOD2="menuentry after { linux /vmlinuz-after }"

{ echo "$GOOD1"; head -c 20000 /dev/urandom | tr -d '{}'; echo; echo "$GOOD2"; } | grub grub-garbage
check grub-garbage grub.cfg before after

{ echo "$GOOD1"; printf 'menuentry "n\0ul" { linux /k\0x }\n\0\0\0\n'; echo "$GOOD2"; } | grub grub-nul
check grub-nul grub.cfg before after

{ echo "$GOOD1"; for i in $(seq 10000); do echo "if true; then"; done; echo "$GOOD2"; } | grub grub-deep-if
check grub-deep-if grub.cfg before after

{ echo "$GOOD1"; for i in $(seq 10000); do printf 'submenu s%d {\n' "$i"; done; for i in $(seq 10000); do echo "}"; done; echo "$GOOD2"; } | grub grub-deep-submenu
check grub-deep-submenu grub.cfg before after

{ echo "$GOOD1"; echo "source /boot/grub/grub.cfg"; echo "$GOOD2"; } | grub grub-source-loop
check grub-source-loop grub.cfg before after

{ echo "$GOOD1"; echo 'function f { f; f; }'; echo f; echo "$GOOD2"; } | grub grub-recursion
check grub-recursion grub.cfg before after

{ echo "$GOOD1"; echo 'set a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
  for i in $(seq 40); do echo 'set a="$a$a$a$a"'; done; echo "$GOOD2"; } | grub grub-blowup
check grub-blowup grub.cfg before after

{ echo "$GOOD1"; echo 'while true; do set x=1; done'; echo "$GOOD2"; } | grub grub-endless-loop
check grub-endless-loop grub.cfg before

{ echo "$GOOD1"; printf 'menuentry long { linux /k '; head -c 3000000 /dev/zero | tr '\0' a; echo ' }'; echo "$GOOD2"; } | grub grub-overlong
check grub-overlong grub.cfg before after

# A 100 MB config is refused before it is read, with a message.
mkdir -p "$tmp/grub-huge/boot/grub"
truncate -s 100M "$tmp/grub-huge/boot/grub/grub.cfg"
timeout 120 "$KXBOOT" list --root "$tmp/grub-huge" >/dev/null 2>"$tmp/huge.err"
rc=$?
if [ $rc -ge 124 ] || ! grep -q "grub.cfg.*larger than" "$tmp/huge.err"; then
	echo "FAIL: grub-huge: status $rc, $(head -c 300 "$tmp/huge.err")"
else
	echo "PASS: grub-huge"
fi

# syslinux
sys() { mkdir -p "$tmp/$1/boot/syslinux"; cat >"$tmp/$1/boot/syslinux/syslinux.cfg"; }
SGOOD1=$'LABEL before\n  KERNEL /vmlinuz-before'
SGOOD2=$'LABEL after\n  KERNEL /vmlinuz-after'
{ echo "$SGOOD1"; head -c 20000 /dev/urandom; echo; echo "$SGOOD2"; } | sys syslinux-garbage
check syslinux-garbage syslinux.cfg before after
{ echo "$SGOOD1"; echo "INCLUDE /boot/syslinux/syslinux.cfg"; echo "$SGOOD2"; } | sys syslinux-include-loop
check syslinux-include-loop syslinux.cfg before after
{ echo "$SGOOD1"; printf 'APPEND '; head -c 3000000 /dev/zero | tr '\0' a; echo; echo "$SGOOD2"; } | sys syslinux-overlong
check syslinux-overlong syslinux.cfg before after

# GRUB legacy
leg() { mkdir -p "$tmp/$1/boot/grub"; cat >"$tmp/$1/boot/grub/menu.lst"; }
{ printf 'title before\nkernel /vmlinuz-before\n'; head -c 20000 /dev/urandom; printf '\ntitle after\nkernel /vmlinuz-after\n'; } | leg legacy-garbage
check legacy-garbage menu.lst before after

# BLS: one broken entry file among good ones
mkdir -p "$tmp/bls-garbage/loader/entries"
printf 'title before\nlinux /vmlinuz-before\n' >"$tmp/bls-garbage/loader/entries/a.conf"
head -c 20000 /dev/urandom >"$tmp/bls-garbage/loader/entries/b.conf"
printf 'title after\nlinux /vmlinuz-after\n' >"$tmp/bls-garbage/loader/entries/c.conf"
check bls-garbage b.conf before after
