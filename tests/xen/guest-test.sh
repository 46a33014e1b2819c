# test.sh of every Xen scenario (run-scenario.sh copies it to the payload as /payload/test.sh;
# dom0's /init runs it with busybox sh). What differs between scenarios is in
# /payload/scenario.env:
#   GUEST     the domain's name (the xl config is /payload/guest.cfg)
#   LOG       the guest console file to watch (xenconsoled's guest-GUEST.log, or the HVM
#             device model's serial file)
#   WAIT      seconds to wait for EXPECT after `xl create`
#   EXPECT    extended regex (any case) that ends the wait
#   MUST      a line that must be in the log, exactly (optional)
#   MUSTNOT   extended regex (any case) that must not be in the log (optional)
#   SETTLE    seconds to keep watching after EXPECT, for MUSTNOT (default 0)
# and /payload/setup.sh, when it exists, runs before `xl create` (a bridge, servers, ...).
. /lib/xentest.sh
. /payload/scenario.env
SETTLE=${SETTLE:-0}

xt_step "scenario $XT_NAME: guest $GUEST"
if [ -f /payload/setup.sh ]; then
	if ! . /payload/setup.sh; then
		xt_result FAIL "setup.sh failed"
		exit 1
	fi
	xt_step "setup done"
fi
if ! xt_create /payload/guest.cfg; then
	xt_xl_logs
	xt_result FAIL "xl create failed"
	exit 1
fi
xt_step "guest created"
xt_follow "$LOG"
xt_wait "$LOG" "$WAIT" "$EXPECT" "$GUEST"
rc=$?
T_MATCH=$(xt_since "$XT_T_CREATE")
case $rc in
0) xt_step "'$EXPECT' seen ${T_MATCH} s after xl create" ;;
1) xt_step "no '$EXPECT' within $WAIT s" ;;
2) xt_step "domain $GUEST gone after ${T_MATCH} s without '$EXPECT'" ;;
esac
if [ $rc -eq 0 ] && [ -n "${MUST:-}" ]; then
	# the expected text can be seen before its line is complete: give the line 15 s
	n=0
	until tr -d '\r' <"$LOG" | grep -qxF -- "$MUST" || [ $n -ge 30 ]; do
		sleep 0.5
		n=$((n + 1))
	done
fi
if [ $rc -eq 0 ] && [ "$SETTLE" -gt 0 ]; then
	sleep "$SETTLE"
fi
xt_full_log "$LOG" >/tmp/guest.log
sleep 1
xt_unfollow
# the console with dom0's uptime in front of each line, unless the follower saw nothing
if [ -s "$LOG.ts" ]; then
	xt_show "$GUEST" "$LOG.ts"
else
	xt_show "$GUEST" /tmp/guest.log
fi
xt_show "xl-$GUEST" "/var/log/xen/xl-$GUEST.log"
echo "XENTEST-TIME $XT_NAME create-to-expect $T_MATCH"

why=
if [ $rc -ne 0 ]; then
	[ $rc -eq 1 ] && why="no '$EXPECT' in the guest's console within $WAIT s"
	[ $rc -eq 2 ] && why="the domain ended without '$EXPECT' in its console"
elif [ -n "${MUST:-}" ] && ! tr -d '\r' </tmp/guest.log | grep -qxF -- "$MUST"; then
	got=$(tr -d '\r' </tmp/guest.log | grep -a -m1 'KXBOOT-TARGET' || true)
	why="expected the line '$MUST', got '${got:-nothing}'"
elif [ -n "${MUSTNOT:-}" ] && tr -d '\r' </tmp/guest.log | grep -Eqi -- "$MUSTNOT"; then
	why="the console has '$(tr -d '\r' </tmp/guest.log | grep -Eai -m1 -- "$MUSTNOT")'"
fi
if [ -n "$why" ]; then
	for f in /var/log/xen/*.log; do
		[ "$f" = "/var/log/xen/xl-$GUEST.log" ] || xt_show "$(basename "$f" .log)" "$f"
	done
	xt_result FAIL "$why"
else
	xt_result PASS "$(tr -d '\r' </tmp/guest.log | grep -Eai -m1 -- "$EXPECT" | cut -c1-160)"
fi
