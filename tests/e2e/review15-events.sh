#!/bin/bash
# Review 15 of the lifecycle events (src/monitor/events.c,
# src/cli/cmd_events.c). The monitor's rate limit (20 at once, 5 a
# second) applies to every event, the VM's end included: a device model
# that reboots its guest in a loop keeps its monitor's bucket empty, so
# the "destroyed" event of its VM is dropped and no follower of
# `bulkhead events` ever hears that the VM ended. `bulkhead wait` then
# falls back to looking at the record, but only after a whole second
# with no event from any VM: while another VM's device model does the
# same (5 events a second, forever), wait never returns.
# VM C and VM D: evil-dm, mode late-reboot-after (events.sh's
# late-reboots, started a second after the VM runs).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 3
P=bhtest-rv15ev-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
cleanup() {
	[ -n "${EVP:-}" ] && kill "$EVP" 2> /dev/null
	[ -n "${WP:-}" ] && kill "$WP" 2> /dev/null
	destroy_prefix "$P"
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
"$BULKHEAD" events --json > "$T/ev.json" 2> "$T/ev.err" &
EVP=$!
sleep 0.3
for v in c d; do
	mkcfg "$T/$v.cfg" "$P-$v" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" \
		'on_reboot = "restart"'
	sed -i "s/bulkhead.run=/evil=late-reboot-after bulkhead.run=/" "$T/$v.cfg"
	"$BULKHEAD" create "$T/$v.cfg" > "$T/$v.out" 2>&1 ||
		echo "# create $v: $(head -2 "$T/$v.out")"
done
"$BULKHEAD" wait "$P-c" > "$T/wait.out" 2>&1 &
WP=$!
sleep 5
"$BULKHEAD" destroy "$P-c" > "$T/dc.out" 2>&1
echo "# destroy c: $(head -1 "$T/dc.out")"
gone=no
for _ in $(seq 80); do
	kill -0 "$WP" 2> /dev/null || { gone=yes; break; }
	sleep 0.1
done
echo "# wait on $P-c returned within 8 s of its destroy: $gone; $P-d: $("$BULKHEAD" list "$P-d" 2>&1 | tail -1 | awk '{ print $6 }'), its events so far: $(grep -c "\"vm\":\"$P-d\"" "$T/ev.json")"
grep -v "restarted in the same\|on_reboot = restart" "/var/log/bulkhead/$P-c/monitor.log" 2> /dev/null | tail -3 | sed 's/^/# c: /'
check "wait on C returns once C is destroyed, though D's guest reboots in a loop" \
	test "$gone" = yes
n=$(grep -c "\"vm\":\"$P-c\",\"vmid\":[0-9]*,\"event\":\"destroyed\"" "$T/ev.json")
echo "# 'destroyed' events of $P-c in the log: $n; its last events:"
grep "\"vm\":\"$P-c\"" "$T/ev.json" | tail -2 | sed 's/^/#   /'
echo "# events of $P-c: $(grep -c "\"vm\":\"$P-c\"" "$T/ev.json"), restarts: $(grep -c "restarted in the same device model" "/var/log/bulkhead/$P-c/monitor.log" 2> /dev/null)"
check "events: C's end ('destroyed') is logged though its guest rebooted in a loop" \
	test "$n" = 1
"$BULKHEAD" destroy "$P-d" > /dev/null 2>&1
for _ in $(seq 50); do kill -0 "$WP" 2> /dev/null || break; sleep 0.1; done
kill "$WP" 2> /dev/null
wait "$WP" 2> /dev/null
WP=
echo "# wait said: $(cat "$T/wait.out")"
check "wait on C says C was destroyed (not that no event was logged)" \
	grep -q "^$P-c: destroyed: " "$T/wait.out"
exit "$FAILED"
