# /lib/xentest.sh in dom0 (tests/xen/dom0-lib.sh): helpers for a scenario's test.sh, which
# sources it. busybox sh. Every line the harness reads starts with XENTEST-:
#   XENTEST-STEP <dom0 uptime> <what>        progress, with dom0's uptime in seconds
#   XENTEST-LOG <name>| <line>               a guest console log, line by line
#   XENTEST-RESULT <scenario> PASS|FAIL <reason>

XT_NAME=${XENTEST_NAME:-test}
XT_CONSOLE_DIR=/var/log/xen/console

xt_uptime() { cut -d' ' -f1 /proc/uptime; }
xt_step() { echo "XENTEST-STEP $(xt_uptime) $*"; }
xt_result() { # PASS|FAIL REASON...
	local r=$1
	shift
	echo "XENTEST-RESULT $XT_NAME $r $*"
}
xt_since() { awk -v a="$1" -v b="$(xt_uptime)" 'BEGIN { printf "%.1f", b - a }'; }

# xt_show TAG FILE — FILE's lines, prefixed "XENTEST-LOG TAG| ", carriage returns and escape
# sequences removed
xt_show() {
	[ -f "$2" ] || { echo "XENTEST-LOG $1| (no file $2)"; return; }
	# awk ends every line, the last one too (a shell prompt has no newline)
	tr -d '\r' <"$2" | awk -v p="XENTEST-LOG $1| " '{ gsub(/\033\[[0-9;?]*[A-Za-z]/, ""); print p $0 }'
}

# xt_create CONFIG — xl create; its output is shown as XENTEST-LOG xl lines. Sets XT_T_CREATE.
xt_create() {
	XT_T_CREATE=$(xt_uptime)
	xt_step "xl create $1"
	if ! xl create "$1" >/tmp/xl-create.log 2>&1; then
		xt_show xl-create /tmp/xl-create.log
		return 1
	fi
	xt_show xl-create /tmp/xl-create.log
	return 0
}

# xt_domain_gone DOMNAME — true when xl does not know the domain (twice, 1 s apart: a soft reset
# must not look like the end)
xt_domain_gone() {
	xl domid "$1" >/dev/null 2>&1 && return 1
	sleep 1
	! xl domid "$1" >/dev/null 2>&1
}

# xt_wait FILE SECONDS REGEX [DOMNAME] — wait until FILE matches the extended REGEX (any case).
# Returns 0 when it does, 2 when the domain DOMNAME is gone without it, 1 after SECONDS.
# A copy of everything FILE held is kept in FILE.all (a device model that restarts truncates
# its serial file).
xt_wait() {
	local file=$1 tmo=$2 re=$3 dom=${4:-} t0 n=0 size last=0
	t0=$(xt_uptime)
	: >"$file.all"
	while :; do
		if [ -f "$file" ]; then
			size=$(stat -c %s "$file")
			if [ "$size" -lt "$last" ]; then
				cat "$file.cur" >>"$file.all" 2>/dev/null
				echo "[xentest: $file was truncated here, $(xt_since "$t0") s into the wait]" >>"$file.all"
			fi
			last=$size
			cp "$file" "$file.cur"
			if tr -d '\r' <"$file" | grep -Eqi -- "$re"; then
				return 0
			fi
		fi
		n=$((n + 1))
		if [ -n "$dom" ] && [ $((n % 4)) -eq 0 ] && xt_domain_gone "$dom"; then
			sleep 1
			tr -d '\r' <"$file" 2>/dev/null | grep -Eqi -- "$re" && return 0
			return 2
		fi
		[ "$(awk -v a="$t0" -v b="$(xt_uptime)" -v t="$tmo" 'BEGIN { print (b - a >= t) }')" = 0 ] ||
			return 1
		sleep 0.5
	done
}

# xt_follow FILE — copy FILE's lines, as they come, to FILE.ts with dom0's uptime in front
# (the guest's own timestamps are not wall-clock time under nested TCG); truncations are
# followed. xt_unfollow stops it.
xt_follow() {
	rm -f "$1.fifo"
	mkfifo "$1.fifo"
	awk '{ getline u < "/proc/uptime"; close("/proc/uptime"); split(u, a, " ")
	       printf "%8.2f %s\n", a[1], $0; fflush() }' <"$1.fifo" >"$1.ts" &
	tail -n +1 -F "$1" >"$1.fifo" 2>/dev/null &
	XT_FOLLOW_PID=$!
}
xt_unfollow() {
	[ -z "${XT_FOLLOW_PID:-}" ] || kill "$XT_FOLLOW_PID" 2>/dev/null
	XT_FOLLOW_PID=
}

# xt_full_log FILE — FILE as xt_wait saw it, earlier truncated parts included
xt_full_log() {
	if [ -s "$1.all" ]; then
		cat "$1.all" "$1"
	else
		cat "$1"
	fi 2>/dev/null
}

# xt_xl_logs — libxl's per-domain logs (shown on failure)
xt_xl_logs() {
	local f
	for f in /var/log/xen/*.log; do
		[ -f "$f" ] && xt_show "$(basename "$f" .log)" "$f"
	done
}
