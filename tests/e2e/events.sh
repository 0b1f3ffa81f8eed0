#!/bin/bash
# The machine interface: bulkhead events (the host's lifecycle log,
# followed), bulkhead wait (until a VM ends, and why) and create --json.
# One follower sees the right sequence for create, pause, unpause,
# cd-insert, cd-eject, a guest poweroff, a reboot with on_reboot=restart,
# a guest crash and destroy. A device model that makes its guest reboot
# as fast as the monitor restarts it cannot flood the log: the monitor
# emits at most 20 at once and 5 a second after.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 16
P=bhtest-ev-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
cleanup() {
	[ -n "${EVP:-}" ] && kill "$EVP" 2>/dev/null
	destroy_prefix "$P"
	rm -rf "$T"
}
trap cleanup EXIT
# The events of VM NAME, one "event detail" a line, from the follower.
evs() { python3 - "$T/ev.json" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert e["version"] == 1 and isinstance(e["time"], float)
    if e["vm"] == sys.argv[2]:
        print(e["event"], e["detail"])
PY
}
"$BULKHEAD" events --json > "$T/ev.json" 2> "$T/ev.err" &
EVP=$!
sleep 0.3
mkdir -p "$T/cd" && echo x > "$T/cd/x" && genisoimage -quiet -r -o "$T/a.iso" "$T/cd"

# 1. create --json, then requests.
mkcfg "$T/a.cfg" "$P-a" "" "disk = [ 'vdev=hdc, devtype=cdrom, target=' ]"
"$BULKHEAD" create --json "$T/a.cfg" > "$T/a.json" 2> /dev/null
check "create --json prints the VM's name, id, pid, uid and paths" python3 -c "
import json, sys
j = json.load(open('$T/a.json'))
assert j['version'] == 1 and j['name'] == '$P-a' and j['state'] == 'running'
assert j['pid'] > 1 and j['uid'] > 0 and j['vmid'] > 0
assert j['control_socket'] == '/run/bulkhead/vm/$P-a/control.sock'
assert j['console_log'].endswith('/$P-a/console.log')"
"$BULKHEAD" wait "$P-a" > "$T/wait.out" 2>&1 &
WP=$!
wait_for "$(vm_field "$P-a" console_log)" BULKHEAD-GUEST-READY 120
"$BULKHEAD" pause "$P-a" > /dev/null && "$BULKHEAD" unpause "$P-a" > /dev/null
"$BULKHEAD" cd-insert "$P-a" hdc "$T/a.iso" > /dev/null
"$BULKHEAD" cd-eject "$P-a" hdc > /dev/null
check "wait is still waiting while the VM runs" kill -0 "$WP"
"$BULKHEAD" shutdown -w "$P-a" > /dev/null 2>&1
wait "$WP"
check "wait returns when the guest powered off, and says why ($(cat "$T/wait.out"))" \
	grep -qx "$P-a: destroyed: guest poweroff" "$T/wait.out"
sleep 0.3
seq_a=$(evs "$P-a" | awk '{ print $1 }' | tr '\n' ' ')
check "events: created paused resumed media-changed x2 shutdown destroyed ($seq_a)" \
	test "$seq_a" = "created paused resumed media-changed media-changed shutdown destroyed "
check "... the media events name the drive" bash -c \
	"grep -c '\"media-changed\",\"detail\":\"cd-\(insert\|eject\) hdc\"' '$T/ev.json' | grep -qx 2"
check "... the shutdown names the action taken" bash -c \
	"grep -q '\"shutdown\",\"detail\":\"guest poweroff: on_poweroff = destroy\"' '$T/ev.json'"

# 2. A reboot restarted in place, then a guest crash.
mkcfg "$T/b.cfg" "$P-b" "" 'on_reboot = "restart"' 'on_crash = "destroy"'
"$BULKHEAD" create "$T/b.cfg" > /dev/null 2>&1
LOG=$(vm_field "$P-b" console_log)
wait_for "$LOG" BULKHEAD-GUEST-READY 120
"$BULKHEAD" reboot -w "$P-b" > /dev/null 2>&1
"$BULKHEAD" console --raw "$P-b" < <(sleep 15; echo bh-panic; sleep 20) > /dev/null 2>&1 &
CP=$!
for _ in $(seq 150); do "$BULKHEAD" list "$P-b" > /dev/null 2>&1 || break; sleep 0.2; done
kill "$CP" 2>/dev/null
sleep 0.3
seq_b=$(evs "$P-b" | awk '{ print $1 }' | tr '\n' ' ')
check "events: created rebooted crashed destroyed ($seq_b)" \
	test "$seq_b" = "created rebooted crashed destroyed "
check "... the reboot was restarted in place (on_reboot = restart)" \
	grep -q '"rebooted","detail":"guest reboot: on_reboot = restart"' "$T/ev.json"
check "... the crash took on_crash = destroy" \
	grep -q '"crashed","detail":"guest crash: on_crash = destroy"' "$T/ev.json"

# 3. wait on a VM that is not there; events for one VM only.
expect "wait on no such VM fails" 1 "no such VM" "$BULKHEAD" wait "$P-none"
expect "events refuses a bad name" 2 "not a valid VM name" "$BULKHEAD" events "../x"

# 4. A device model rebooting its guest in a loop.
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
mkcfg "$T/c.cfg" "$P-c" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" \
	'on_reboot = "restart"'
sed -i "s/bulkhead.run=/evil=late-reboots bulkhead.run=/" "$T/c.cfg"
"$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1 || echo "# create c: $(cat "$T/c.out")"
sleep 4
"$BULKHEAD" destroy "$P-c" > /dev/null 2>&1
sleep 0.3
restarts=$(grep -c "restarted in the same device model" "/var/log/bulkhead/$P-c/monitor.log" 2>/dev/null)
n=$(evs "$P-c" | wc -l)
echo "# late-reboots: $restarts restarts in the monitor's log, $n events logged"
[ "${restarts:-0}" -gt 100 ] || tail -5 "/var/log/bulkhead/$P-c/monitor.log" 2>&1 | sed 's/^/# /'
check "the device model rebooted its guest over 100 times ($restarts)" test "${restarts:-0}" -gt 100
check "... yet the log holds at most 20 + 5/s of its events ($n in about 4 s)" \
	test "$n" -ge 20 -a "$n" -le 45
check "... and says how many it dropped" bash -c "grep -q '$P-c.*events dropped before this one' '$T/ev.json'"
check "every line of the log is one well-formed event" python3 -c "
import json
for l in open('$T/ev.json'):
    e = json.loads(l)
    assert set(e) == {'version', 'time', 'vm', 'vmid', 'event', 'detail'}"
check "the follower is still running and said nothing on stderr" bash -c \
	"kill -0 $EVP && ! test -s '$T/ev.err'"
exit "$FAILED"
