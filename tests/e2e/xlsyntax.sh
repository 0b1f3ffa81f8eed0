#!/bin/bash
# xl.cfg as xl users write it, end to end. create's key=value arguments
# replace the file's values (as xl's): the device model gets the
# argument's value, and a monitor that takes the VM over reads the same
# config (the file's text and the arguments, kept together) — the
# file's value alone would be refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 6
P=bhtest-xls-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

monitor_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$1/record.json"; }
kill_monitor() { local m; m=$(monitor_of "$1"); kill -9 "$m"; while alive "$m"; do sleep 0.05; done; }

# 1. key=value arguments, through a take-over.
A=$P-args
mkcfg "$T/a.cfg" "$A-file" "" "memory = 5"
expect "args: created with name, memory and cmdline from the command line" 0 "running" \
	"$BULKHEAD" create "$T/a.cfg" "name=\"$A\"" memory=200 \
	"cmdline='console=ttyS0 quiet panic=-1 bulkhead.xls=$$'"
PID=$(vm_field "$A" pid)
tr '\0' ' ' < "/proc/${PID:-0}/cmdline" > "$T/dm.args"
check "args: the device model has the arguments' memory and command line" \
	bash -c "grep -q ' -m 200 ' '$T/dm.args' && grep -q 'bulkhead.xls=$$' '$T/dm.args'"
check "args: the guest boots" \
	wait_for "$(vm_field "$A" console_log)" BULKHEAD-GUEST-READY 90
kill_monitor "$A"
"$BULKHEAD" pause "$A" > "$T/p.out" 2>&1
check "args: a new monitor took the VM over from the kept config and paused it" \
	bash -c "grep -q paused '$T/p.out' && test '$(vm_field "$A" state)' = paused"
check "args: the kept config holds the file's text and the arguments" \
	bash -c "tr '\0' '\n' < /run/bulkhead/vm/$A/config | grep -qx 'memory=200'"
expect "args: destroyed through the new monitor" 0 "destroyed" "$BULKHEAD" destroy "$A"
exit "$FAILED"
