#!/bin/bash
# on_poweroff / on_reboot / on_crash = destroy, restart, preserve, with a
# real guest that powers off, reboots and panics (pvpanic). A restart
# keeps the VM's process, uid, VM id, cgroup and every restriction.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 30
P=bhtest-act-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

state() { vm_field "$1" state 2>/dev/null; }
wait_state() { # NAME STATE SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One-shot guests, started together: each does one thing at boot.
declare -A RUN=([poff-preserve]=poweroff [crash-preserve]=panic [crash-destroy]=panic
	[reboot-destroy]=reboot [reboot-preserve]=reboot)
declare -A KEY=([poff-preserve]='on_poweroff = "preserve"' [crash-preserve]='on_crash = "preserve"'
	[crash-destroy]='on_crash = "destroy"' [reboot-destroy]='on_reboot = "destroy"'
	[reboot-preserve]='on_reboot = "preserve"')
for c in "${!RUN[@]}"; do
	mkcfg "$T/$c.cfg" "$P-$c" "${RUN[$c]}" "${KEY[$c]}"
	"$BULKHEAD" create "$T/$c.cfg" > "$T/$c.out" 2>&1 || not_ok "$c: create failed: $(cat "$T/$c.out")"
done
for c in poff-preserve:shutdown crash-preserve:crashed reboot-preserve:shutdown; do
	n=${c%%:*} st=${c#*:}
	PID=$(vm_field "$P-$n" pid)
	check "$n: state becomes $st" wait_state "$P-$n" "$st" 120
	check "$n: device model kept, stopped" bash -c "a=\$(awk '{print \$14+\$15}' /proc/$PID/stat); sleep 1; b=\$(awk '{print \$14+\$15}' /proc/$PID/stat); test \$((b - a)) -lt 20"
	"$BULKHEAD" destroy "$P-$n" > "$T/$n.d" 2>&1
	check "$n: destroy cleans up" bash -c "grep -q destroyed '$T/$n.d' && test ! -d /proc/$PID"
done
for n in crash-destroy reboot-destroy; do
	check "$n: VM destroyed by its monitor" wait_gone "$P-$n" 120
	check "$n: monitor says why" grep -q "guest ${n%%-*}.*destroy" /var/log/bulkhead/$P-$n/monitor.log
	check "$n: cgroup removed" cgroup_gone "$P-$n"
done
check "crash: the guest's panic reached QEMU through pvpanic" \
	grep -q "GUEST_PANICKED" /var/log/bulkhead/$P-crash-destroy/monitor.log

# Restarts, driven from the console of one VM.
N=$P-rs
mkcfg "$T/rs.cfg" "$N" "" 'on_poweroff = "restart"' 'on_crash = "restart"'
if ! "$BULKHEAD" create "$T/rs.cfg" > "$T/rs.out" 2>&1; then
	not_ok "restart: create failed: $(cat "$T/rs.out")"
	exit 0
fi
LOG=$(vm_field "$N" console_log)
PID=$(vm_field "$N" pid)
UID_=$(vm_field "$N" uid)
VMID=$(vm_field "$N" vmid)
CG=$(cat /proc/$PID/cgroup | sort | md5sum)
boots() { grep -ac BULKHEAD-GUEST-READY "$LOG"; }
type_cmd() { (sleep 1; printf '%s\n' "$1"; sleep 1) | timeout 10 "$BULKHEAD" console "$N" > /dev/null 2>&1; }
wait_boots() { local i; for ((i = 0; i < 900; i++)); do [ "$(boots)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_boots 1
for step in "poweroff -f:on_poweroff:2" "bh-panic:on_crash:3" "reboot -f:on_reboot:4"; do
	cmd=${step%%:*} rest=${step#*:}
	key=${rest%%:*} want=${rest#*:}
	type_cmd "$cmd"
	check "restart ($key): the guest boots again ($want boots)" wait_boots "$want"
	check "restart ($key): state running" wait_state "$N" running 10
	check "restart ($key): same device model process" test "$(vm_field "$N" pid)" = "$PID"
done
check "restart: monitor restarted it twice in place" test "$(grep -c 'restarted in the same device model' /var/log/bulkhead/$N/monitor.log)" = 2
S=/proc/$PID/status
check "restart: same uid ($UID_) and VM id ($VMID)" bash -c "grep -qP '^Uid:\t$UID_\t$UID_\t$UID_\t$UID_$' $S && test '$(vm_field "$N" vmid)' = '$VMID'"
check "restart: still no capabilities, NoNewPrivs, two seccomp filters" bash -c \
	"grep -qP '^CapBnd:\t0000000000000000$' $S && grep -qP '^NoNewPrivs:\t1$' $S && grep -qP '^Seccomp_filters:\t2$' $S"
check "restart: same cgroup" test "$(sort /proc/$PID/cgroup | md5sum)" = "$CG"
"$BULKHEAD" destroy "$N" > /dev/null 2>&1
check "restart: destroyed, nothing left" bash -c "test ! -e /run/bulkhead/vm/$N && test ! -e /run/bulkhead/ids/$VMID"
exit "$FAILED"
