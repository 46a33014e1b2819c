# shellcheck shell=bash disable=SC2034
# lib.sh — helpers of the Xen test harness (sourced by mkdom0.sh, run-scenario.sh, run.sh).
# bash; no root-only tools except apt-get (downloads only, nothing is installed for Xen).

XEN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XEN_TOP=$(cd "$XEN_LIB_DIR/../.." && pwd)

# Xen release whose Debian packages make the test host (hypervisor, toolstack, device model).
XEN_VER=4.17
XEN_BIN=/usr/lib/xen-$XEN_VER/bin

xlog() { echo "xen: $*" >&2; }
xdie() { echo "xen: error: $*" >&2; exit 1; }

# now_ns / elapsed T0 — wall clock, and seconds since T0 with one decimal
now_ns() { date +%s%N; }
elapsed() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# xen_qemu LOG TIMEOUT XEN_ELF VMLINUZ DOM0_INITRD PAYLOAD_IMG — boot Xen + dom0 under QEMU TCG
# (nested SVM with nested paging, which Debian's Xen needs for PVH/HVM guests), dom0's console
# (hvc0 → Xen's com1) in LOG. The payload disk is dom0's /dev/vda. Returns timeout's status.
xen_qemu() {
	local log=$1 tmo=$2 xen=$3 vmlinuz=$4 initrd=$5 payload=$6
	local qemu=${XEN_QEMU:-qemu-system-x86_64}
	local xen_args="console=com1 com1=115200 dom0_mem=1536M,max:1536M noreboot bootscrub=0 ${XEN_APPEND:-}"
	local dom0_args="console=hvc0 ${XEN_DOM0_APPEND:-}"
	: >"$log"
	# QEMU's multiboot loader: modules are comma-separated, a module's command line follows
	# its path (a comma inside a path would have to be doubled).
	timeout --kill-after=10 "$tmo" "$qemu" -accel tcg -cpu qemu64,+svm,+npt \
		-m "${XEN_QEMU_MEM:-3072}" -smp "${XEN_QEMU_SMP:-2}" \
		-display none -vga none -nic none -no-reboot -monitor none -serial "file:$log" \
		-kernel "$xen" -append "$xen_args" \
		-initrd "$vmlinuz $dom0_args,$initrd" \
		-drive "file=$payload,format=raw,if=virtio" \
		</dev/null >"$log.qemu" 2>&1
}

# log_tail LOG [N] — the last N (20) non-empty lines of a log, indented, for a report.
log_tail() {
	tr -d '\r' <"$1" | grep -av '^[[:space:]]*$' | tail -n "${2:-20}" | sed 's/^/      | /'
}
