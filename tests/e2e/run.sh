#!/bin/bash
# run.sh BUILD [SCENARIO...] — end-to-end boots of the kxboot image under QEMU (TCG).
#
# QEMU boots BUILD/kxboot.vmlinuz + BUILD/kxboot.initrd with disk images made here without
# root-only tools (mkdisk.sh). On the disks, the kernel is the same Debian kernel and each
# boot entry has its own target initrd (initrd/mktarget.sh), whose /init prints
#     KXBOOT-TARGET <its name> <its /proc/cmdline>
# on the serial console and powers off. A scenario passes when that line names the expected
# initrd with exactly the expected command line (and, for some, when kxboot's console output
# says what it should). Scenarios and timing: tests/e2e/README.md.
#
# `run.sh --list` prints the scenario names.
# Prints "PASS: name", "FAIL: name: why" (with the last console lines) or "SKIP: name: why".
# Environment: E2E_JOBS (parallel boots, default 2), E2E_TIMEOUT (seconds per boot, 240),
# E2E_IDLE (stop a boot whose console stays silent that long, 90 s), E2E_ACCEL (tcg),
# KEEP_TMP=DIR (build in DIR and keep it), E2E_APPEND (more words for kxboot's command line,
# e.g. kxboot.debug). Serial logs are kept in BUILD/test-log/e2e/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/mkdisk.sh"

LIST_ONLY=
[ "${1:-}" != --list ] || LIST_ONLY=1
BUILD=${1:-build}
shift || true
JOBS=${E2E_JOBS:-2}
TMO=${E2E_TIMEOUT:-240}
IDLE=${E2E_IDLE:-90}
T_START=$(date +%s%N)

# ---- the scenarios ----------------------------------------------------------------------------
# sc NAME DISKS APPEND TARGET CMDLINE HOST_INDEX HOST_KERNEL HOST_INITRDS [LOG_REGEX...]
#   DISKS         one word per QEMU disk, in firmware order: the mkdisk.sh builder (disk_NAME,
#                 written NAME with dashes) whose image it is; a builder's second disk is
#                 named again (NAME-2.img)
#   APPEND        words added to kxboot's command line after "console=ttyS0 kxboot.timeout=0"
#   TARGET        the name the booted target initrd must print; "-" = nothing may boot (the
#                 boot then stops once the log matches every LOG_REGEX, or after 60 s)
#   CMDLINE       the target's /proc/cmdline, exactly
#   HOST_*        `kxboot list --json` on the disk's folders: entry HOST_INDEX must have this
#                 kernel and these initrds (blank-separated) and CMDLINE ("" = no host check)
#   LOG_REGEX     extended regexes (no case) that kxboot's serial output must match
declare -a SC_ORDER=()
declare -A SC_DISKS SC_APPEND SC_TARGET SC_CMDLINE SC_HIDX SC_HKERNEL SC_HINITRDS SC_REGEX
sc() {
	local n=$1
	SC_ORDER+=("$n")
	SC_DISKS[$n]=$2 SC_APPEND[$n]=$3 SC_TARGET[$n]=$4 SC_CMDLINE[$n]=$5
	SC_HIDX[$n]=$6 SC_HKERNEL[$n]=$7 SC_HINITRDS[$n]=$8
	shift 8
	local r all=
	for r in "$@"; do all+=$r$'\n'; done
	SC_REGEX[$n]=$all
}

MK_NORMAL="root=/dev/vda1 ro console=ttyS0 quiet"
MK_RECOVERY="root=/dev/vda1 ro single console=ttyS0"
sc grub-mkconfig mkconfig "" initrd-a "$MK_NORMAL" \
	3 "/boot/vmlinuz-$K1" "/boot/initrd.img-$K1"
sc entry-index mkconfig "kxboot.entry=2" initrd-b "$MK_RECOVERY" \
	2 "/boot/vmlinuz-$K2" "/boot/initrd.img-$K2"
sc entry-title mkconfig \
	"kxboot.entry=\"Advanced options for $DEB>$DEB, with Linux $K1 (recovery mode)\"" \
	initrd-a "$MK_RECOVERY" 4 "/boot/vmlinuz-$K1" "/boot/initrd.img-$K1"
sc efi-bls efi-bls "" initrd-b "root=UUID=$UUID_ROOT ro console=ttyS0 quiet e2e=bls-new" \
	0 "/vmlinuz-$K2" "/initramfs-$K2.img"
sc two-disks "two-disks two-disks" "" initrd-c "root=/dev/vdb2 ro console=ttyS0 quiet e2e=two-disks" \
	0 /vmlinuz /initrd.img
sc extlinux extlinux "" initrd-b \
	"root=/dev/vda2 ro console=ttyS0 quiet e2e=extlinux-second initrd=/initrd.img-second" \
	1 "/vmlinuz-$K2" /initrd.img-second
sc menu-lst menu-lst "" initrd-c "root=/dev/vda1 ro console=ttyS0 quiet e2e=legacy-second" \
	1 "/boot/vmlinuz-$K2" /boot/initrd.img-second
MISSING_RE='(no such file|not found|does not exist|cannot|can.t|fail|error|unreadable|missing:).*vmlinuz-missing|vmlinuz-missing.*(no such file|not found|does not exist|cannot|can.t|fail|error|unreadable)'
sc missing-kernel missing-kernel "" initrd-b "root=/dev/vda1 ro console=ttyS0 quiet e2e=next" \
	1 "/boot/vmlinuz-$K2" /boot/initrd.img-b "$MISSING_RE"
sc fallback-var fallback-var "" initrd-c "root=/dev/vda1 ro console=ttyS0 quiet e2e=fallback" \
	2 "/boot/vmlinuz-$K2" /boot/initrd.img-c "$MISSING_RE"
sc garbage garbage "" - "" "" "" "" \
	'rescue shell' 'no (usable |readable |supported |known )?(file ?systems?|boot config)'
sc xfs xfs "" initrd-a+c "root=LABEL=$LABEL_XFS ro console=ttyS0 quiet e2e=xfs" \
	0 "/boot/vmlinuz-$K2" "/boot/initrd.img-$K2 /boot/rename.img"

if [ -n "$LIST_ONLY" ]; then
	printf '%s\n' "${SC_ORDER[@]}"
	exit 0
fi
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)

# ---- which ones, and can they run -------------------------------------------------------------
if [ $# -gt 0 ]; then
	want=("$@")
	for n in "${want[@]}"; do
		[ -n "${SC_DISKS[$n]+x}" ] || e2e_die "unknown scenario '$n' (known: ${SC_ORDER[*]})"
	done
else
	want=("${SC_ORDER[@]}")
fi

missing=
for t in "$E2E_QEMU" sfdisk mkfs.ext4 mkfs.vfat mcopy mkfs.btrfs cpio gzip timeout flock; do
	command -v "$t" >/dev/null || missing+=" $t"
done
if [ -n "$missing" ]; then
	# CI installs all of these (tests/install-deps.sh); elsewhere say what is missing.
	for n in "${want[@]}"; do echo "SKIP: $n: missing tools:$missing"; done
	exit 0
fi

E2E_VMLINUZ=$BUILD/kxboot.vmlinuz
E2E_INITRD=$BUILD/kxboot.initrd
if [ ! -f "$E2E_VMLINUZ" ] || [ ! -f "$E2E_INITRD" ]; then
	e2e_log "$E2E_VMLINUZ or $E2E_INITRD missing: make image"
	if ! make -C "$E2E_TOP" image BUILD="$BUILD" >"$BUILD/e2e-make-image.log" 2>&1; then
		echo "FAIL: e2e: make image failed: $(tail -3 "$BUILD/e2e-make-image.log" | tr '\n' ' ')"
		exit 1
	fi
fi

W=${KEEP_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/kxboot-e2e.XXXXXX")}
mkdir -p "$W"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	: 2>/dev/null >"$W/out/.aborted"
	qemu_stop_all "$W/out"
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
LOGDIR=$BUILD/test-log/e2e
rm -rf "$W/out"
mkdir -p "$LOGDIR" "$W/targets" "$W/disks" "$W/out"
export E2E_VMLINUZ E2E_INITRD
E2E_TARGETS=$W/targets

# ---- target initrds and disks (one after the other: a few seconds in all) ---------------------
t0=$(date +%s%N)
for n in initrd-a initrd-b initrd-c decoy; do
	"$E2E_TOP/initrd/mktarget.sh" "$W/targets/$n" "$n" >"$W/targets/$n.log" 2>&1 ||
		{ echo "FAIL: e2e: mktarget.sh $n: $(tail -2 "$W/targets/$n.log")"; exit 1; }
done
name_cpio "$W/targets/name-multi" initrd-a+c

declare -A DISK_ERR=()
for n in "${want[@]}"; do
	for d in ${SC_DISKS[$n]}; do
		[ -z "${DISK_ERR[$d]+x}" ] || continue
		if [ "$d" = xfs ] && ! xfs_usable; then
			DISK_ERR[$d]="skip:mkfs.xfs with protofile support (-p) is not installed (xfsprogs)"
			continue
		fi
		if err=$("disk_${d//-/_}" "$W/disks" 2>&1); then
			DISK_ERR[$d]=
		else
			DISK_ERR[$d]="disk $d: $(echo "$err" | tail -3 | tr '\n' ' ')"
		fi
	done
done
t1=$(date +%s%N)
e2e_log "targets and disks made in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"

# disk_image BUILDER INDEX — the image file of a scenario's INDEXth disk
disk_image() {
	if [ "$2" -eq 1 ]; then echo "$W/disks/$1.img"; else echo "$W/disks/$1-$2.img"; fi
}

# ---- one scenario ------------------------------------------------------------------------------
# host_check NAME — the entry the scenario boots, as `kxboot list` reads it from the folders
host_check() {
	local n=$1 d=${SC_DISKS[$1]%% *} args=() r
	[ -n "${SC_HIDX[$n]}" ] && [ -x "$BUILD/kxboot" ] && command -v jq >/dev/null || return 0
	while read -r r; do args+=(--root "$r"); done <"$W/disks/$d.roots"
	local json=$W/out/$n.host.json
	if ! "$BUILD/kxboot" list --json "${args[@]}" >"$json" 2>"$json.err"; then
		echo "FAIL: $n (host): kxboot list failed: $(head -c 300 "$json.err")"
		return
	fi
	if jq -e --argjson i "${SC_HIDX[$n]}" --arg k "${SC_HKERNEL[$n]}" \
		--arg ini "${SC_HINITRDS[$n]}" --arg c "${SC_CMDLINE[$n]}" \
		'.entries[$i] | .kernel == $k and (.initrds | join(" ")) == $ini and .cmdline == $c' \
		"$json" >/dev/null 2>&1; then
		echo "PASS: $n (host): kxboot list shows entry ${SC_HIDX[$n]} as expected"
	else
		echo "FAIL: $n (host): entry ${SC_HIDX[$n]} of kxboot list is $(jq -c --argjson i "${SC_HIDX[$n]}" '.entries[$i] | {title, kernel, initrds, cmdline}' "$json" 2>/dev/null | head -c 600)"
	fi
}

run_scenario() {
	local n=$1
	local d i=0 disks=() err='' log=$W/out/$1.log
	for d in ${SC_DISKS[$n]}; do
		i=$((i + 1))
		case ${DISK_ERR[$d]} in
		skip:*) echo "SKIP: $n: ${DISK_ERR[$d]#skip:}"; return ;;
		?*) err=${DISK_ERR[$d]} ;;
		esac
		disks+=("$(disk_image "$d" "$i")")
	done
	if [ -n "$err" ]; then
		echo "FAIL: $n: could not build the disk: $err"
		return
	fi
	host_check "$n"
	local append="console=ttyS0 kxboot.timeout=0${SC_APPEND[$n]:+ ${SC_APPEND[$n]}}"
	append+=${E2E_APPEND:+ $E2E_APPEND}
	local target=${SC_TARGET[$n]} tmo=$TMO stop='' secs
	local -a regexes=()
	mapfile -t regexes < <(printf '%s' "${SC_REGEX[$n]}")
	if [ "$target" = - ]; then
		tmo=60
		stop=${SC_REGEX[$n]}
	fi
	secs=$(qemu_boot "$log" "$tmo" "$IDLE" "$stop" "$append" "${disks[@]}")
	if [ -e "$W/out/.aborted" ]; then
		echo "FAIL: $n: interrupted"
		return
	fi
	cp "$log" "$LOGDIR/$n.log" 2>/dev/null
	local rc got want why=
	rc=$(cat "$log.rc")
	got=$(marker_line "$log")
	local plain
	plain=$(tr -d '\r' <"$log")
	if [ "$target" = - ]; then
		[ -z "$got" ] || why="a target booted: '$got'"
	else
		want="KXBOOT-TARGET $target ${SC_CMDLINE[$n]}"
		if [ -z "$got" ]; then
			case $rc in
			124) why="no KXBOOT-TARGET line within ${tmo} s" ;;
			idle) why="no KXBOOT-TARGET line; the console was silent for $IDLE s, QEMU stopped" ;;
			*) why="no KXBOOT-TARGET line (QEMU ended with status $rc)" ;;
			esac
		elif [ "$got" != "$want" ]; then
			why="booted '${got#KXBOOT-TARGET }', expected '${want#KXBOOT-TARGET }'"
			case $got in "KXBOOT-TARGET $target BOOT_IMAGE="*" ${SC_CMDLINE[$n]}")
				why+=" (differs only by a BOOT_IMAGE= word in front)" ;;
			esac
		fi
	fi
	if [ -z "$why" ]; then
		local r
		for r in "${regexes[@]}"; do
			[ -n "$r" ] || continue
			if ! grep -Eqi -- "$r" <<<"$plain"; then
				why="the console never matched /$r/"
				break
			fi
		done
	fi
	if [ -z "$why" ] && grep -q 'Kernel panic' <<<"$plain"; then
		why="kernel panic on the console"
	fi
	if [ -z "$why" ]; then
		if [ "$target" = - ]; then
			echo "PASS: $n: nothing booted, the console says why and offers the shell ($secs s)"
		else
			echo "PASS: $n: $target booted with '${SC_CMDLINE[$n]}' ($secs s)"
		fi
	else
		echo "FAIL: $n: $why ($secs s; serial log $LOGDIR/$n.log)"
		log_tail "$log" 20
	fi
	echo "$n $secs" >"$W/out/$n.time"
}

# ---- boots, E2E_JOBS at a time; each scenario's lines are printed in one piece --------------
for n in "${want[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
	(
		run_scenario "$n" >"$W/out/$n.result" 2>&1
		flock "$W/out/.print" cat "$W/out/$n.result"
	) &
done
wait

T_END=$(date +%s%N)
{
	echo "e2e: boot times (s):"
	for n in "${want[@]}"; do
		[ -f "$W/out/$n.time" ] && sed 's/^/e2e:   /' "$W/out/$n.time"
	done
	echo "e2e: whole suite $(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s with $JOBS boots at a time"
} >&2
grep -q '^FAIL: ' "$W"/out/*.result 2>/dev/null && exit 1
exit 0
