# lib.sh — helpers of the end-to-end suite (sourced by run.sh and mkdisk.sh): filesystem
# images made from folders, partitioned disk images, target initrds and QEMU boots. Nothing
# here needs root or loop devices: every filesystem is made as a file of its own and copied
# into its partition's place with dd.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by run.sh
E2E_TOP=$(cd "$E2E_LIB_DIR/../.." && pwd)

e2e_log() { echo "e2e: $*" >&2; }
e2e_die() { echo "e2e: $*" >&2; exit 1; }

# ---- filesystems --------------------------------------------------------------------------

# xfs_protofile DIR: print an mkfs.xfs protofile (-p) describing DIR's tree (regular files,
# folders and symbolic links; names without blanks).
xfs_protofile() {
	local dir
	dir=$(cd "$1" && pwd)
	printf '/dev/null\n0 0\nd--755 0 0\n'
	_xfs_proto_dir "$dir"
	printf '$\n'
}
_xfs_proto_dir() {
	local d=$1 p name
	for p in "$d"/* "$d"/.[!.]*; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		name=${p##*/}
		case $name in *[[:space:]]*) e2e_die "xfs protofile: blank in name '$p'" ;; esac
		if [ -L "$p" ]; then
			printf '%s l--777 0 0 %s\n' "$name" "$(readlink "$p")"
		elif [ -d "$p" ]; then
			printf '%s d--755 0 0\n' "$name"
			_xfs_proto_dir "$p"
			printf '$\n'
		else
			printf '%s ---644 0 0 %s\n' "$name" "$p"
		fi
	done
}

# xfs_usable: mkfs.xfs exists and knows protofiles (-p).
xfs_usable() {
	command -v mkfs.xfs >/dev/null && mkfs.xfs -V >/dev/null 2>&1 &&
		mkfs.xfs 2>&1 | grep -q 'prototype file'
}

# fs_image TYPE DIR OUT SIZE_MIB UUID [LABEL]
#   TYPE ext4 | vfat | btrfs | xfs. UUID is the filesystem UUID (for vfat: the volume id as
#   XXXX-XXXX, which is how blkid and GRUB's search --fs-uuid write it).
fs_image() {
	local type=$1 dir=$2 out=$3 size=$4 uuid=$5 label=${6:-}
	rm -f "$out"
	case $type in
	ext4)
		mkfs.ext4 -q -F -U "$uuid" ${label:+-L "$label"} -d "$dir" -E root_owner=0:0 \
			"$out" "${size}M" >/dev/null ||
			e2e_die "mkfs.ext4 $out failed"
		;;
	vfat)
		local volid=${uuid//-/}
		mkfs.vfat -C -i "$volid" ${label:+-n "$label"} "$out" $((size * 1024)) >/dev/null ||
			e2e_die "mkfs.vfat $out failed"
		if [ -n "$(ls -A "$dir")" ]; then
			# mcopy -s copies folders recursively; -Q stops at the first error, -m keeps mtimes
			(cd "$dir" && MTOOLS_SKIP_CHECK=1 mcopy -Q -m -s -i "$out" -- * ::/) ||
				e2e_die "mcopy into $out failed"
		fi
		;;
	btrfs)
		truncate -s "${size}M" "$out"
		mkfs.btrfs -q -f -U "$uuid" ${label:+-L "$label"} --rootdir "$dir" "$out" \
			>/dev/null 2>&1 || e2e_die "mkfs.btrfs $out failed"
		;;
	xfs)
		xfs_protofile "$dir" >"$out.proto"
		mkfs.xfs -q -f -m uuid="$uuid" ${label:+-L "$label"} -p "$out.proto" \
			-d "file,name=$out,size=${size}m" >/dev/null 2>&1 ||
			e2e_die "mkfs.xfs $out failed"
		rm -f "$out.proto"
		;;
	*) e2e_die "fs_image: unknown type $type" ;;
	esac
}

# ---- partitioned disks ----------------------------------------------------------------------

# mkdisk OUT SCHEME PART... — a disk image with a partition table made by sfdisk.
#   SCHEME: dos | gpt
#   PART:   SIZE_MIB:TYPE[:IMAGE]   TYPE is an sfdisk type or alias (L linux, U EFI System,
#           c FAT32 LBA, ...), with a trailing '*' for the dos "bootable" flag. IMAGE (a
#           filesystem image no larger than SIZE_MIB) is written at the partition's offset.
# Partitions start at 1 MiB and follow each other; 1 MiB is left at the end for the
# backup GPT. Prints nothing; the layout can be read back with `sfdisk -d OUT`.
mkdisk() {
	local out=$1 scheme=$2
	shift 2
	local start=1 total=2 spec size type img boot script
	for spec in "$@"; do
		size=${spec%%:*}
		total=$((total + size))
	done
	rm -f "$out"
	truncate -s "${total}M" "$out"
	# Disk and partition identifiers derived from the image's name: the same every run, and
	# different between disks.
	local n=0 base=${out##*/}
	case $scheme in
	dos) script="label: dos"$'\n'"label-id: 0x$(_e2e_hex "$base" | cut -c1-8)"$'\n' ;;
	gpt) script="label: gpt"$'\n'"label-id: $(_e2e_uuid "$base")"$'\n' ;;
	*) e2e_die "mkdisk: unknown scheme $scheme" ;;
	esac
	for spec in "$@"; do
		IFS=: read -r size type img <<<"$spec"
		n=$((n + 1))
		boot=
		case $type in *'*') type=${type%'*'} boot=", bootable" ;; esac
		script+="start=$((start * 2048)), size=$((size * 2048)), type=$type$boot"
		[ "$scheme" != gpt ] || script+=", uuid=$(_e2e_uuid "$base/$n")"
		script+=$'\n'
		start=$((start + size))
	done
	printf '%s' "$script" | sfdisk -q --no-reread --no-tell-kernel "$out" >/dev/null ||
		e2e_die "sfdisk $out failed"
	start=1
	for spec in "$@"; do
		IFS=: read -r size type img <<<"$spec"
		if [ -n "$img" ]; then
			local isize
			isize=$(stat -c %s "$img")
			[ "$isize" -le $((size * 1048576)) ] ||
				e2e_die "mkdisk: $img ($isize bytes) does not fit in $size MiB"
			dd if="$img" of="$out" bs=1M seek="$start" conv=notrunc,sparse status=none ||
				e2e_die "dd $img into $out failed"
		fi
		start=$((start + size))
	done
}

_e2e_hex() { printf '%s' "$1" | md5sum | cut -c1-32; }
_e2e_uuid() {
	local h
	h=$(_e2e_hex "$1")
	echo "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
}

# garbage_disk OUT SIZE_MIB — pseudo-random bytes, the same every run (AES-CTR keystream),
# or /dev/urandom when openssl is missing.
garbage_disk() {
	local out=$1 size=$2
	if command -v openssl >/dev/null; then
		{ openssl enc -aes-128-ctr -nosalt -pass pass:kxboot-e2e-garbage -pbkdf2 \
			</dev/zero 2>/dev/null || true; } | head -c $((size * 1048576)) >"$out"
	else
		head -c $((size * 1048576)) /dev/urandom >"$out"
	fi
}

# ---- boot targets ---------------------------------------------------------------------------

# name_cpio OUT NAME — a gzip cpio holding only /name: appended after a target initrd, it
# renames the target, so the marker proves that both initrds were loaded, in that order.
name_cpio() {
	local out=$1 name=$2 d
	d=$(mktemp -d "${TMPDIR:-/tmp}/kxboot-e2e-name.XXXXXX")
	printf '%s\n' "$name" >"$d/name"
	touch -d @1704067200 "$d/name"
	(cd "$d" && echo name | cpio -o -H newc -R 0:0 --quiet --reproducible | gzip -9n) >"$out"
	rm -rf "$d"
}

# ---- QEMU -----------------------------------------------------------------------------------

E2E_QEMU=${E2E_QEMU:-qemu-system-x86_64}
# Network and extra QEMU arguments (word-split): the disk scenarios have no NIC.
E2E_NIC=${E2E_NIC:--nic none}
E2E_EXTRA=${E2E_EXTRA:-}

# qemu_boot LOG TIMEOUT IDLE STOP APPEND DISK... — boot the kxboot image under TCG with the
# disks on virtio (copy-on-write snapshots: the images are never written). The serial console
# goes to LOG. QEMU ends by itself when the target powers off (or reboots: -no-reboot).
# It is stopped earlier
#   - when STOP (extended regexes, one a line, no case) is not empty and LOG matches all of
#     them: 2 s later (boots meant to end in kxboot's shell);
#   - when LOG has not grown for IDLE seconds (a boot that hangs or waits for a key).
# Prints the seconds the boot took; LOG.rc gets QEMU's exit status, 124 for TIMEOUT,
# "idle" or "stop". LOG.pid holds the pid of `timeout` (the parent of QEMU) while it runs.
qemu_boot() {
	local log=$1 tmo=$2 idle=$3 stop=$4 append=$5
	shift 5
	local args=() d
	for d in "$@"; do
		args+=(-drive "file=$d,format=raw,if=virtio,snapshot=on")
	done
	: >"$log"
	local t0 t1 pid rc='' size last=-1 still=0 re all
	t0=$(date +%s%N)
	# shellcheck disable=SC2086 # E2E_NIC and E2E_EXTRA are lists of words
	timeout "$tmo" "$E2E_QEMU" -accel "${E2E_ACCEL:-tcg}" -m 1024 -smp 1 -display none -vga none $E2E_NIC $E2E_EXTRA \
		-no-reboot -monitor none -serial "file:$log" \
		-kernel "$E2E_VMLINUZ" -initrd "$E2E_INITRD" -append "$append" \
		"${args[@]}" </dev/null >"$log.qemu" 2>&1 &
	pid=$!
	echo "$pid" >"$log.pid"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
		if [ -n "$stop" ]; then
			all=1
			while IFS= read -r re; do
				[ -z "$re" ] || tr -d '\r' <"$log" | grep -Eqi -- "$re" || { all=; break; }
			done <<<"$stop"
			if [ -n "$all" ]; then
				sleep 2
				rc=stop
				break
			fi
		fi
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size still=0
		else
			still=$((still + 1))
			if [ $((still / 2)) -ge "$idle" ]; then
				rc=idle
				break
			fi
		fi
	done
	[ -z "$rc" ] || kill "$pid" 2>/dev/null
	wait "$pid"
	local st=$?
	echo "${rc:-$st}" >"$log.rc"
	rm -f "$log.pid"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }'
}

# qemu_stop_all DIR — stop the QEMUs whose LOG.pid files are in DIR (used by an exit trap)
qemu_stop_all() {
	local f
	for f in "$1"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# marker_line LOG — the first KXBOOT-TARGET line of a serial log, carriage returns removed.
marker_line() {
	tr -d '\r' <"$1" | grep -a -m1 '^KXBOOT-TARGET ' || true
}

# log_tail LOG [N] — the last N (15) non-empty lines of a serial log, indented, for a report.
log_tail() {
	tr -d '\r' <"$1" | grep -av '^[[:space:]]*$' | tail -n "${2:-15}" | sed 's/^/      | /'
}
