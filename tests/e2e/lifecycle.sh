#!/bin/bash
# The VM's life without the CLI: a guest that powers off is cleaned up by
# its monitor; a VM whose monitor is killed keeps running and can still be
# destroyed; a guest flooding its console cannot fill the host disk.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 21
P=bhtest-life-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

# 1. on_poweroff = destroy: the guest powers off by itself.
mkcfg "$T/off.cfg" "$P-off" poweroff 'on_poweroff = "destroy"'
if "$BULKHEAD" create "$T/off.cfg" > "$T/off.out" 2>&1; then
	UID_=$(vm_field "$P-off" uid)
	VMID=$(vm_field "$P-off" vmid)
	LOG=$(vm_field "$P-off" console_log)
	for i in $(seq 1 600); do [ -e /run/bulkhead/vm/$P-off ] || break; sleep 0.1; done
	check "poweroff: guest said it powers off" grep -aq BULKHEAD-POWEROFF "$LOG"
	check "poweroff: VM gone without a destroy" test ! -e /run/bulkhead/vm/$P-off
	check "poweroff: no process of uid $UID_ left" test "$(uid_procs "$UID_")" = 0
	check "poweroff: VM id released" test ! -e /run/bulkhead/ids/$VMID
	check "poweroff: cgroup removed" cgroup_gone "$P-off"
	check "poweroff: monitor applied on_poweroff" grep -q "guest poweroff: on_poweroff = destroy" /var/log/bulkhead/$P-off/monitor.log
else
	not_ok "poweroff: create failed: $(cat "$T/off.out")"
fi

# create -c: as xl's, the console attached once the VM runs. The input
# waits for the guest's shell, then types a command and detaches.
TOKEN="tok$RANDOM$RANDOM"
mkcfg "$T/c.cfg" "$P-c" ""
(for _ in $(seq 240); do
	grep -aqs BULKHEAD-GUEST-READY "/var/log/bulkhead/$P-c/console.log" && break
	sleep 0.5
done
sleep 2; printf 'echo %s-$((40+2))\n' "$TOKEN"; sleep 3; printf '\035') |
	timeout 180 "$BULKHEAD" create -c "$T/c.cfg" > "$T/c.out" 2>&1
check "create -c: runs the VM, attaches its console, a command typed runs, Ctrl-] detaches" \
	bash -c "grep -q '^$P-c: running' '$T/c.out' && grep -aq '$TOKEN-42' '$T/c.out' && grep -q 'Detached from $P-c' '$T/c.out'"
destroy_prefix "$P-c"

# 2. The monitor is killed with SIGKILL: the VM keeps running, list shows
#    it, destroy still kills every process and cleans up.
mkcfg "$T/orphan.cfg" "$P-orphan" ""
if "$BULKHEAD" create "$T/orphan.cfg" > "$T/orphan.out" 2>&1; then
	UID_=$(vm_field "$P-orphan" uid)
	PID=$(vm_field "$P-orphan" pid)
	MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' /run/bulkhead/vm/$P-orphan/record.json)
	kill -9 "$MON"
	sleep 0.5
	check "orphan: device model survives its monitor" test -d /proc/$PID
	check "orphan: list still shows the VM" bash -c "'$BULKHEAD' list | grep -q '$P-orphan'"
	# list NAME|ID, as xl list takes a domain name or id.
	OID=$(vm_field "$P-orphan" vmid)
	check "list NAME: the VM alone" bash -c "[ \"\$('$BULKHEAD' list '$P-orphan' | tail -n +2 | awk '{print \$1}')\" = '$P-orphan' ]"
	check "list ID: the same VM" bash -c "'$BULKHEAD' list '$OID' | tail -n +2 | grep -q '^$P-orphan '"
	check "list --json NAME: one entry" bash -c "'$BULKHEAD' list --json '$P-orphan' | python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(len(a) != 1 or a[0][\"name\"] != \"$P-orphan\")'"
	expect "list of a missing VM: named, status 1" 1 "$P-none: no VM of that name or id" \
		"$BULKHEAD" list "$P-orphan" "$P-none"
	"$BULKHEAD" destroy "$P-orphan" > "$T/d.out" 2>&1
	check "orphan: destroy without a monitor succeeds" grep -q "destroyed" "$T/d.out"
	check "orphan: no process of uid $UID_ left" test "$(uid_procs "$UID_")" = 0
	check "orphan: runtime dir removed" test ! -e /run/bulkhead/vm/$P-orphan
	check "orphan: cgroup removed" cgroup_gone "$P-orphan"
else
	not_ok "orphan: create failed: $(cat "$T/orphan.out")"
fi

# 3. A console flood: the log stays capped at 1 MiB plus one rotated file.
mkcfg "$T/flood.cfg" "$P-flood" flood
if "$BULKHEAD" create "$T/flood.cfg" > "$T/flood.out" 2>&1; then
	LOG=$(vm_field "$P-flood" console_log)
	for i in $(seq 1 1200); do
		grep -aq BULKHEAD-FLOOD-DONE "$LOG" 2>/dev/null && break
		sleep 0.1
	done
	check "flood: guest wrote > 2 MiB and finished" grep -aq BULKHEAD-FLOOD-DONE "$LOG"
	check "flood: log capped at 1 MiB" test "$(stat -c %s "$LOG")" -le 1048576
	check "flood: one rotated file, capped" test "$(stat -c %s "$LOG.1")" -le 1048576
	check "flood: no third file" test ! -e "$LOG.2"
	"$BULKHEAD" destroy "$P-flood" > /dev/null 2>&1
else
	not_ok "flood: create failed: $(cat "$T/flood.out")"
fi
exit "$FAILED"
