#!/bin/bash
# shutdown and reboot: the guest's ACPI power button, pressed through the
# VM's QMP worker (system_powerdown). A guest that honours it powers off
# cleanly (the poweroff takes on_poweroff, or after reboot a restart in
# place); one that ignores it is reported after -t, or destroyed with -F.
# Bad input is refused with status 2, bad requests by the monitor.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 34
P=bhtest-sd-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

boots() { grep -ac BULKHEAD-GUEST-READY "$1"; }
wait_boots() { # LOG N SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(boots "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# start NAME RUN: create it and wait for the guest's ready line; its
# console log in LOG_<name>.
start() {
	mkcfg "$T/$1.cfg" "$P-$1" "$2"
	if ! "$BULKHEAD" create "$T/$1.cfg" > "$T/$1.out" 2>&1; then
		echo "# create $1 failed: $(cat "$T/$1.out")"
		return 1
	fi
	local log
	log=$(vm_field "$P-$1" console_log)
	printf -v "LOG_$1" '%s' "$log"
	wait_boots "$log" 1 120
}
# send LINE to NAME's control socket as root; print the answer.
send() {
	python3 - "/run/bulkhead/vm/$1/control.sock" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
s.settimeout(20)
print("answer:", s.recv(512).decode(errors="replace").strip())
EOF
}

# Boot the five guests together: under TCG that is most of the time.
start off "" & start ign nobutton & start nowait "" & start rb "" &
start kill nobutton &
wait
for v in off ign nowait rb kill; do
	LOG=$(vm_field "$P-$v" console_log)
	printf -v "LOG_$v" '%s' "$LOG"
done

# 1. A guest that honours the button.
PID=$(vm_field "$P-off" pid)
expect "shutdown -w: the guest powers off, status 0" 0 "^$P-off: shut down$" \
	"$BULKHEAD" shutdown -w "$P-off"
check "shutdown -w: the guest saw its power button and powered off" \
	bash -c "grep -aqE 'BULKHEAD-POWERBUTTON($|[^-])' '$LOG_off' && grep -aq 'reboot: Power down' '$LOG_off'"
check "shutdown -w: the VM is gone when it returns (record, process, cgroup)" \
	bash -c "test ! -e /run/bulkhead/vm/$P-off && test ! -d /proc/$PID && ! ls -d /sys/fs/cgroup/bulkhead/$P-off /sys/fs/cgroup/*/bulkhead/$P-off 2>/dev/null | grep -q ."
check "shutdown -w: the monitor applied on_poweroff" \
	grep -q "guest poweroff: on_poweroff = destroy" "/var/log/bulkhead/$P-off/monitor.log"

# 2. A guest that ignores it.
N=$P-ign
PID=$(vm_field "$N" pid)
t0=$(date +%s)
expect "shutdown -w -t 3: a guest that ignores the button: status 1, said" 1 \
	"$N: still running after 3s: the guest did not act on its power button" \
	"$BULKHEAD" shutdown -w -t 3 "$N"
t1=$(date +%s)
check "shutdown -w -t 3: gave up after about 3 s ($((t1 - t0)) s)" \
	test $((t1 - t0)) -ge 3 -a $((t1 - t0)) -le 15
check "shutdown -w -t 3: the button reached the guest, which ignored it" \
	wait_for "$LOG_ign" BULKHEAD-POWERBUTTON-IGNORED 10
check "shutdown -w -t 3: the VM still runs (state, device model)" \
	bash -c "test '$(vm_field "$N" state)' = running && test -d /proc/$PID"
expect "shutdown -w -F -t 3: destroyed after the wait" 0 \
	"^$N: destroyed$" "$BULKHEAD" shutdown -w -F -t 3 "$N"
check "shutdown -F: nothing left of the VM" \
	bash -c "test ! -e /run/bulkhead/vm/$N && test ! -d /proc/$PID"

# A VM that ends another way while -w waits (its device model killed)
# is no shutdown: the monitor says "ended", the wait fails.
N=$P-kill
PID=$(vm_field "$N" pid)
"$BULKHEAD" shutdown -w -t 60 "$N" > "$T/kill.out" 2>&1 &
W=$!
wait_for "$LOG_kill" BULKHEAD-POWERBUTTON-IGNORED 30
kill -9 "$PID"
wait "$W"
rc=$?
check "shutdown -w: a VM whose device model dies meanwhile fails the wait (rc $rc: $(cat "$T/kill.out"))" \
	bash -c "test $rc = 1 && grep -q 'ended otherwise' '$T/kill.out'"

# 3. Without -w, by VM id.
N=$P-nowait
ID=$(vm_field "$N" vmid)
t0=$(date +%s%N)
expect "shutdown ID (no -w): the button pressed, status 0" 0 \
	"^$N: power button pressed (shutdown requested)$" "$BULKHEAD" shutdown "$ID"
t1=$(date +%s%N)
check "shutdown (no -w): returned at once ($(((t1 - t0) / 1000000)) ms)" \
	test $(((t1 - t0) / 1000000)) -lt 3000
check "shutdown (no -w): the guest then powers off and the VM goes" \
	wait_gone "$N" 60
check "shutdown (no -w): it was the power button" \
	grep -aqE "BULKHEAD-POWERBUTTON($|[^-])" "$LOG_nowait"

# 4. reboot: the power button, then a restart in place.
N=$P-rb
PID=$(vm_field "$N" pid)
ID=$(vm_field "$N" vmid)
UID_=$(vm_field "$N" uid)
expect "reboot -w: status 0 once restarted" 0 "^$N: rebooted$" \
	"$BULKHEAD" reboot -w "$N"
check "reboot -w: the guest boots again (ready twice)" wait_boots "$LOG_rb" 2 120
check "reboot -w: it powered off on the button first" \
	grep -aqE "BULKHEAD-POWERBUTTON($|[^-])" "$LOG_rb"
check "reboot -w: same device model, VM id and uid, state running" \
	bash -c "test '$(vm_field "$N" pid)' = $PID && test '$(vm_field "$N" vmid)' = $ID && test '$(vm_field "$N" uid)' = $UID_ && test '$(vm_field "$N" state)' = running"
check "reboot -w: the monitor took the poweroff for a reboot and restarted in place" \
	bash -c "grep -q 'guest poweroff after a reboot request' /var/log/bulkhead/$N/monitor.log && grep -q 'restarted in the same device model' /var/log/bulkhead/$N/monitor.log"
expect "reboot (no -w): status 0 at once" 0 "^$N: power button pressed (reboot requested)$" \
	"$BULKHEAD" reboot "$N"
check "reboot (no -w): the guest boots a third time" wait_boots "$LOG_rb" 3 120

# 5. Bad input: status 2, said; nothing pressed.
expect "unknown VM: status 2" 2 "nosuch-$$: no such VM" "$BULKHEAD" shutdown "nosuch-$$"
expect "a path for a name: status 2" 2 "no such VM" "$BULKHEAD" shutdown "../$N"
expect "unknown VM id: status 2" 2 "no such VM" "$BULKHEAD" reboot 4294967296
expect "-t not a number: status 2" 2 "'abc' is not a number of seconds" \
	"$BULKHEAD" shutdown -w -t abc "$N"
expect "-t 0: status 2" 2 "'0' is not a number of seconds" "$BULKHEAD" shutdown -w -t 0 "$N"
expect "-t without -w: status 2" 2 "give -w too" "$BULKHEAD" shutdown -t 5 "$N"
expect "unknown flag: status 2" 2 "unknown option '-x'" "$BULKHEAD" shutdown -x "$N"
expect "reboot takes no -F: status 2" 2 "unknown option '-F'" "$BULKHEAD" reboot -F "$N"
expect "no VM named: status 2 and usage" 2 "usage: bulkhead shutdown" "$BULKHEAD" shutdown -w

# 6. The monitor's side: a request with arguments is refused, and a
# paused guest is not pressed.
a=$(send "$N" 'shutdown -F' 2>&1) b=$(send "$N" 'reboot hdc' 2>&1)
check "monitor: 'shutdown -F' and 'reboot hdc' refused as requests ($a; $b)" \
	bash -c "test '$a' = 'answer: error: unknown command' && test '$b' = 'answer: error: unknown command'"
"$BULKHEAD" pause "$N" > /dev/null 2>&1
expect "a paused VM: refused, status 1" 1 "the guest is paused, not running" \
	"$BULKHEAD" shutdown "$N"
"$BULKHEAD" unpause "$N" > /dev/null 2>&1
check "after all that the VM still runs, booted three times" \
	bash -c "test '$(vm_field "$N" state)' = running && test \$(grep -ac BULKHEAD-GUEST-READY '$LOG_rb') = 3"
exit "$FAILED"
