#!/bin/bash
# The toolstack dies, the VMs do not. A killed monitor is replaced by the
# next command that needs one (console, pause, ...), which takes the VM
# over through the device model's listening QMP and console sockets, and
# applies an on_* action the dead monitor missed. With its runtime state
# gone entirely, destroy still finds the VM by its id file and cgroup.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 28
P=bhtest-rec-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

monitor_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$1/record.json"; }
kill_monitor() { local m; m=$(monitor_of "$1"); kill -9 "$m"; while alive "$m"; do sleep 0.05; done; }
type_cmd() { (sleep 1; printf '%s\n' "$2"; sleep 2) | timeout 15 "$BULKHEAD" console "$1" > "$T/con.out" 2>&1; }

# 1. A killed monitor; console, pause, destroy still work.
A=$P-a
mkcfg "$T/a.cfg" "$A" ""
if "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	PID=$(vm_field "$A" pid)
	wait_for "$(vm_field "$A" console_log)" BULKHEAD-GUEST-READY 90
	M1=$(monitor_of "$A")
	kill_monitor "$A"
	check "monitor killed: the device model keeps running" test -d /proc/$PID
	check "monitor killed: list says orphaned" bash -c "'$BULKHEAD' list | grep -q '^$A .* orphaned '"
	check "monitor killed: list --json says monitor false" test "$(vm_field "$A" monitor)" = False
	type_cmd "$A" 'echo took-$((40+2))'
	check "console: works again (a new monitor took over)" grep -aq "took-42" "$T/con.out"
	check "console: said the monitor was replaced" grep -q "a new one took the VM over" "$T/con.out"
	check "take-over: a new monitor process" bash -c "test '$(monitor_of "$A")' != '$M1'"
	check "take-over: list says running, monitor true" bash -c "test '$(vm_field "$A" state)' = running && test '$(vm_field "$A" monitor)' = True"
	check "take-over: the guest's output reaches the log again" wait_for "$(vm_field "$A" console_log)" "took-42" 5
	M2=$(monitor_of "$A")
	W=$(pgrep -P "$M2" -x bh-qmp-worker | head -n 1)
	check "take-over: the new monitor has a QMP worker" test -n "$W"
	check "take-over: the QMP worker runs as the VM's uid $(vm_field "$A" uid)" \
		test "$(ps -o uid= -p "${W:-0}" | tr -d ' ')" = "$(vm_field "$A" uid)"
	kill_monitor "$A"
	"$BULKHEAD" pause "$A" > "$T/p.out" 2>&1
	check "pause after a second kill: a third monitor, VM paused" bash -c "grep -q paused '$T/p.out' && test '$(vm_field "$A" state)' = paused"
	"$BULKHEAD" destroy "$A" > "$T/d.out" 2>&1
	check "destroy through the new monitor" bash -c "grep -q '$A: destroyed$' '$T/d.out' && test ! -e /run/bulkhead/vm/$A"
	check "destroy: the device model is gone" bash -c ". tests/lib.sh; ! alive $PID"
	check "destroy: cgroup removed" cgroup_gone "$A"
else
	not_ok "recovery: create failed: $(cat "$T/a.out")"
fi

# 2. The guest powers off while no monitor runs: the next monitor sees
#    QEMU stopped in "shutdown" and applies on_poweroff (destroy).
B=$P-b
truncate -s 1M "$T/b.img"
mkcfg "$T/b.cfg" "$B" delay,mark,poweroff "disk = [ 'vdev=xvda, access=rw, target=$T/b.img' ]"
if "$BULKHEAD" create "$T/b.cfg" > "$T/b.out" 2>&1; then
	PID=$(vm_field "$B" pid)
	VMID=$(vm_field "$B" vmid)
	kill_monitor "$B"
	# The guest marks its disk right before it powers off; QEMU then
	# stops (-action shutdown=pause) with nobody to hear its event.
	wait_for "$T/b.img" BULKHEAD-MARK 120
	sleep 3
	check "missed poweroff: the guest powered off with no monitor" grep -aq BULKHEAD-MARK "$T/b.img"
	timeout 10 "$BULKHEAD" console "$B" < /dev/null > "$T/bc.out" 2>&1
	for i in $(seq 1 100); do [ -e /run/bulkhead/vm/$B ] || break; sleep 0.1; done
	check "missed poweroff: the new monitor saw QEMU in shutdown" grep -q "taking over $B .*QEMU state shutdown" /var/log/bulkhead/$B/monitor.log
	check "missed poweroff: and applied on_poweroff = destroy" grep -q "guest poweroff: on_poweroff = destroy" /var/log/bulkhead/$B/monitor.log
	check "missed poweroff: VM gone, id released" bash -c ". tests/lib.sh; ! alive $PID && test ! -e /run/bulkhead/vm/$B && test ! -e /run/bulkhead/ids/$VMID"
else
	not_ok "recovery: create failed: $(cat "$T/b.out")"
fi

# 3. The runtime state is lost (record, sockets, config): destroy finds
#    the VM by its id file and cgroup and kills it by cgroup and uid.
C=$P-c
mkcfg "$T/c.cfg" "$C" ""
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	PID=$(vm_field "$C" pid)
	UID_=$(vm_field "$C" uid)
	VMID=$(vm_field "$C" vmid)
	M=$(monitor_of "$C")
	rm -rf "/run/bulkhead/vm/$C"
	check "state lost: list no longer shows it" bash -c "! '$BULKHEAD' list | grep -q '^$C '"
	"$BULKHEAD" destroy "$C" > "$T/cd.out" 2>&1
	check "state lost: destroy finds it by id file and cgroup" grep -q "destroyed (without its record: found by its VM id and cgroup)" "$T/cd.out"
	check "state lost: no process of uid $UID_ left" test "$(uid_procs "$UID_")" = 0
	check "state lost: device model and monitor gone" bash -c ". tests/lib.sh; sleep 0.5; ! alive $PID && ! alive $M"
	check "state lost: VM id released, cgroup removed" bash -c "test ! -e /run/bulkhead/ids/$VMID && ! ls -d /sys/fs/cgroup/bulkhead/$C /sys/fs/cgroup/*/bulkhead/$C 2>/dev/null | grep -q ."
	"$BULKHEAD" destroy "$C" > "$T/cd2.out" 2>&1
	check "state lost: a second destroy says no such VM (exit 1)" bash -c "test $? = 1 && grep -q 'no such VM' '$T/cd2.out'"
else
	not_ok "recovery: create failed: $(cat "$T/c.out")"
fi
# 4. A device model that takes no connection (a compromised QEMU can set
#    its backlog to 0 and stop accepting): the take-over gives up within
#    its deadline instead of hanging a root monitor, and destroy works.
D=$P-d
mkcfg "$T/d.cfg" "$D" ""
if "$BULKHEAD" create "$T/d.cfg" > "$T/dd.out" 2>&1; then
	PID=$(vm_field "$D" pid)
	wait_for "$(vm_field "$D" console_log)" BULKHEAD-GUEST-READY 90
	kill_monitor "$D"
	# One connection QEMU accepts, then the backlog filled behind it.
	python3 - "/run/bulkhead/vm/$D/console.sock" "$T/fill" <<'PY' &
import socket, sys, time
held = [socket.socket(socket.AF_UNIX)]
held[0].connect(sys.argv[1])
time.sleep(1)
for _ in range(512):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
open(sys.argv[2], "w").write("%d\n" % len(held))
time.sleep(120)
PY
	FILLER=$!
	for i in $(seq 1 50); do [ -s "$T/fill" ] && break; sleep 0.1; done
	START=$SECONDS
	timeout 60 "$BULKHEAD" pause "$D" > "$T/dp.out" 2>&1
	RC=$? TOOK=$((SECONDS - START))
	check "backlog full: the take-over fails (exit $RC, ${TOOK}s) instead of hanging" \
		bash -c "test $RC != 0 && test $RC != 124 && test $TOOK -le 15"
	check "backlog full: the error says the device model took no connection" \
		grep -q "console socket: it accepted no connection in time" "$T/dp.out"
	check "backlog full: no monitor left behind" test "$(vm_field "$D" monitor)" = False
	kill "$FILLER" 2> /dev/null
	wait "$FILLER" 2> /dev/null
	"$BULKHEAD" destroy "$D" > "$T/dd2.out" 2>&1
	check "backlog full: destroy still works" bash -c ". tests/lib.sh; grep -q '$D: destroyed' '$T/dd2.out' && sleep 0.5 && ! alive $PID && test ! -e /run/bulkhead/vm/$D"
else
	not_ok "recovery: create failed: $(cat "$T/dd.out")"
fi
exit "$FAILED"
