# test.sh of the kxboot-xen scenarios (xen-tool, pvboot-pvh, pvboot-pv; tests/xen/scenarios-kxboot-xen.sh
# puts it in the payload). dom0's /init runs it with busybox sh; /payload/scenario.env names
# the guest (GUEST), its console log (LOG) and what to expect. Every check that fails adds its
# reason; the first one is the scenario's.
. /lib/xentest.sh
. /payload/scenario.env
KX=/payload/kxboot-xen
WHY=
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

bad() {
	xt_step "check failed: $*"
	[ -n "$WHY" ] || WHY=$*
}
good() { xt_step "ok: $*"; }
finish() {
	# an ASan/UBSan build of kxboot-xen (XEN_KXBOOT_XEN=asan) reports here
	for f in /tmp/*.out /var/log/xen/bootloader.*.log; do
		[ -f "$f" ] && grep -q 'Sanitizer\|runtime error' "$f" && bad "sanitizer report in $f"
	done
	if [ -n "$WHY" ]; then
		for f in /var/log/xen/bootloader.*.log /var/log/xen/xl-*.log; do
			[ -f "$f" ] && xt_show "$(basename "$f" .log)" "$f"
		done
		xt_result FAIL "$WHY"
	else
		xt_result PASS "$1"
	fi
	exit 0
}
# run NAME CMD...: run CMD, its output shown as XENTEST-LOG NAME lines; sets RC
run() {
	local name=$1
	shift
	"$@" >"/tmp/$name.out" 2>&1
	RC=$?
	xt_show "$name" "/tmp/$name.out"
}
# console_has REGEX [SECONDS] — wait for the guest's console to match (any case)
console_has() {
	xt_wait "$LOG" "${2:-120}" "$1" >/dev/null 2>&1
}

# kxboot-xen and the libraries dom0 lacks
for f in /payload/lib/*; do
	[ -e "/lib/x86_64-linux-gnu/${f##*/}" ] || cp "$f" /lib/x86_64-linux-gnu/
done
run kxboot-xen-help "$KX" --help
[ "$RC" = 0 ] || { WHY="kxboot-xen does not run in dom0 (exit $RC)"; finish; }
xt_step "scenario $XT_NAME: guest $GUEST"

case $XT_NAME in
xen-tool)
	# -- set before kxboot starts: created paused, unpaused after `set` --
	XT_T_CREATE=$(xt_uptime)
	run xl-create xl create -p /payload/guest.cfg
	[ "$RC" = 0 ] || { WHY="xl create -p failed"; finish; }
	id=$(xl domid "$GUEST")
	run set "$KX" set "$GUEST" mode=recovery timeout=0 "manifest=$URL1"
	[ "$RC" = 0 ] || bad "kxboot-xen set failed (exit $RC)"
	xenstore-ls -p "/local/domain/$id/kxboot" >/tmp/perms.out 2>&1
	xt_show perms /tmp/perms.out
	grep -q "^mode = \"recovery\".*(n0,r$id)" /tmp/perms.out && good "kxboot/mode is dom0's, readable by domain $id" ||
		bad "kxboot/mode is not (n0,r$id): $(grep mode /tmp/perms.out)"
	run unpause xl unpause "$GUEST"
	T0=$(xt_uptime)
	console_has 'xenstore: mode=recovery' 120 && good "kxboot read mode=recovery from xenstore after $(xt_since "$T0") s" ||
		bad "kxboot did not report reading mode=recovery from xenstore"
	console_has 'xenstore: manifest=http://127.0.0.1:9/v1/' 5 || bad "kxboot did not read the manifest setting"
	# kxboot has no network and mode=recovery skips the disks: it must report failure
	n=0
	while :; do
		st=$(xenstore-read "/local/domain/$id/data/kxboot/state" 2>/dev/null)
		case $st in failed | shell) break ;; esac
		n=$((n + 1))
		[ $n -lt 240 ] || break
		sleep 0.5
	done
	good "data/kxboot/state=$st after $(xt_since "$T0") s"
	# -- list --
	run list "$KX" list
	[ "$RC" = 0 ] || bad "kxboot-xen list: exit $RC"
	grep -Eq "^$id +$GUEST +pvh +(failed|shell) " /tmp/list.out && good "list shows the domain's state" ||
		bad "list has no line '$id $GUEST pvh failed|shell'"
	grep -q "mode=recovery" /tmp/list.out || bad "list does not show the setting mode=recovery"
	grep -Eq "^0 +Domain-0 +dom0 " /tmp/list.out || bad "list does not show Domain-0"
	run list-json "$KX" list --json
	grep -q "\"name\": \"$GUEST\"" /tmp/list-json.out && grep -q '"mode": "recovery"' /tmp/list-json.out &&
		grep -Eq '"state": "(failed|shell)"' /tmp/list-json.out && good "list --json" ||
		bad "list --json lacks the domain, its setting or its state"
	# -- set: remove, refusals --
	run set-rm "$KX" set "$GUEST" mode=
	xenstore-exists "/local/domain/$id/kxboot/mode" 2>/dev/null && bad "set mode= did not remove kxboot/mode"
	run set-badkey "$KX" set "$GUEST" colour=blue
	[ "$RC" = 2 ] || bad "set colour=blue: exit $RC, want 2"
	run set-badvalue "$KX" set "$GUEST" mode=sideways
	[ "$RC" = 2 ] || bad "set mode=sideways: exit $RC, want 2"
	run set-nodomain "$KX" set no-such-domain mode=net
	[ "$RC" = 1 ] || bad "set on a missing domain: exit $RC, want 1"
	# -- rollout --reboot: the domain comes back with a new id and its settings --
	T0=$(xt_uptime)
	run rollout "$KX" rollout --manifest "$URL2" --reboot --timeout 150 "$GUEST"
	xt_step "rollout exited $RC after $(xt_since "$T0") s"
	[ "$RC" = 1 ] || bad "rollout: exit $RC, want 1 (kxboot cannot boot anything here)"
	grep -q "back as domain" /tmp/rollout.out && good "rollout saw the domain come back" ||
		bad "rollout did not see the domain come back"
	grep -q "stopped: $GUEST failed: kxboot reported state" /tmp/rollout.out ||
		bad "rollout did not stop with the domain's reported failure"
	new=$(xl domid "$GUEST" 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$id" ] || bad "no new domain after the reboot (was $id, now '$new')"
	[ "$(xenstore-read "/local/domain/$new/kxboot/manifest" 2>/dev/null)" = "$URL2" ] ||
		bad "the new domain has no kxboot/manifest=$URL2"
	[ "$(xenstore-read "/local/domain/$new/kxboot/timeout" 2>/dev/null)" = 0 ] ||
		bad "the new domain lost kxboot/timeout=0"
	console_has 'xenstore: manifest=http://127.0.0.1:9/v2/' 5 &&
		good "the rebooted kxboot read the settings written again" ||
		bad "the rebooted kxboot did not read manifest=$URL2"
	xt_full_log "$LOG" >/tmp/guest.log
	xt_show "$GUEST" /tmp/guest.log
	finish "set, list, list --json and rollout --reboot on domain $id (now $new)"
	;;
pvboot-pvh | pvboot-pv)
	httpd -p 127.0.0.1:80 -h /payload/www || { WHY="httpd did not start"; finish; }
	T0=$(xt_uptime)
	XT_T_CREATE=$T0
	run xl-create xl create /payload/guest.cfg
	[ "$RC" = 0 ] || bad "xl create with bootloader=kxboot-xen failed"
	xt_step "xl create (with pvboot) returned after $(xt_since "$T0") s"
	# wait for the whole line: a wait for a part of it could catch it half-written
	console_has "^$MUST1\$" 120 && good "the target runs, $(xt_since "$T0") s after xl create" ||
		bad "no whole KXBOOT-TARGET line in the guest console"
	echo "XENTEST-TIME $XT_NAME create-to-expect $(xt_since "$T0")"
	tr -d '\r' <"$LOG" | grep -qxF "$MUST1" || bad "expected the line '$MUST1'"
	id=$(xl domid "$GUEST" 2>/dev/null)
	run list "$KX" list
	grep -Eq "^$id +$GUEST +$TYPE +pvboot +fleet +1 " /tmp/list.out && good "list: state pvboot, target fleet, version 1" ||
		bad "list has no line '$id $GUEST $TYPE pvboot fleet 1'"
	if [ -n "${GUEST2:-}" ]; then
		# a second domain on version 1, for a rollout in two batches
		run xl-create-2 xl create /payload/guest-second.cfg
		[ "$RC" = 0 ] || bad "xl create of $GUEST2 failed"
		# the whole line (waiting for a part of it could catch it half-written)
		if xt_wait "$LOG2" 120 "^$MUST1\$" >/dev/null 2>&1; then
			good "$GUEST2 runs version 1"
		else
			bad "$GUEST2: expected the line '$MUST1'"
			xt_full_log "$LOG2" >/tmp/guest2-v1.log
			xt_show "$GUEST2-v1" /tmp/guest2-v1.log
		fi
	fi
	# -- a new version, rolled out with a reboot --
	cp -a /payload/www-v2/fleet/by-hash/. /payload/www/fleet/by-hash/
	cp /payload/www-v2/fleet/manifest.json.minisig /payload/www/fleet/
	cp /payload/www-v2/fleet/manifest.json /payload/www/fleet/
	T0=$(xt_uptime)
	run rollout "$KX" rollout --manifest "$URL" --keys /payload/keys --reboot --timeout 150 \
		--batch 1 "$GUEST" ${GUEST2:+"$GUEST2"}
	xt_step "rollout exited $RC after $(xt_since "$T0") s"
	[ "$RC" = 0 ] || bad "rollout: exit $RC, want 0"
	if [ -n "${GUEST2:-}" ]; then
		# batch 2 starts only after batch 1's domain reported version 2
		b1=$(grep -n "^batch 1/2: $GUEST\$" /tmp/rollout.out | cut -d: -f1)
		r1=$(grep -n "^  $GUEST: booted manifest version 2" /tmp/rollout.out | cut -d: -f1)
		b2=$(grep -n "^batch 2/2: $GUEST2\$" /tmp/rollout.out | cut -d: -f1)
		r2=$(grep -n "^  $GUEST2: booted manifest version 2" /tmp/rollout.out | cut -d: -f1)
		[ -n "$b1" ] && [ -n "$r1" ] && [ -n "$b2" ] && [ -n "$r2" ] &&
			[ "$b1" -lt "$r1" ] && [ "$r1" -lt "$b2" ] && [ "$b2" -lt "$r2" ] &&
			good "two batches, the second after the first reported" ||
			bad "rollout --batch 1: want batch 1/2 $GUEST, its report, batch 2/2 $GUEST2, its report (lines $b1 $r1 $b2 $r2)"
		xt_wait "$LOG2" 120 "^$MUST2\$" >/dev/null 2>&1 && good "$GUEST2 booted version 2" ||
			bad "$GUEST2: expected the line '$MUST2'"
		xt_full_log "$LOG2" >/tmp/guest2.log
		xt_show "$GUEST2" /tmp/guest2.log
	fi
	grep -q "version 2, signed by key ID" /tmp/rollout.out || bad "rollout did not verify version 2 first"
	grep -q "booted manifest version 2 (state 'pvboot')" /tmp/rollout.out ||
		bad "rollout did not see version 2 booted"
	console_has "^$MUST2\$" 120 ||
		bad "no second boot with version 2 in the console"
	tr -d '\r' <"$LOG" | grep -qxF "$MUST2" && good "version 2 booted" || bad "expected the line '$MUST2'"
	# -- a refused manifest: xl create must fail and say why --
	run xl-create-bad xl create /payload/guest-bad.cfg
	[ "$RC" != 0 ] && good "xl create refused with another trusted key (exit $RC)" ||
		bad "xl create succeeded with a key that did not sign the manifest"
	xl domid "$GUEST-bad" >/dev/null 2>&1 && bad "the refused domain exists"
	cat /var/log/xen/bootloader.*.log 2>/dev/null | grep -q "not one of the 1 trusted keys" &&
		good "the bootloader log says why" || bad "no 'not one of the 1 trusted keys' in the bootloader logs"
	xt_full_log "$LOG" >/tmp/guest.log
	xt_show "$GUEST" /tmp/guest.log
	finish "$(tr -d '\r' <"$LOG" | grep -a -m1 KXBOOT-TARGET | cut -c1-150)"
	;;
*)
	WHY="kxboot-xen-test.sh: unknown scenario $XT_NAME"
	finish
	;;
esac
