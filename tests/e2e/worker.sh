#!/bin/bash
# The QMP worker of a running VM has what SECURITY.md says: its own IPC
# namespace, not dumpable, RLIMIT_NOFILE 16, RLIMIT_FSIZE its log + 8 MiB,
# a Landlock ruleset with no rule (a world-readable file cannot be
# opened: gdb makes the live worker try), and a parent-death signal (a
# stopped worker, which cannot notice its channel closing, dies with
# its monitor).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 11
P=bhtest-wk-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

mkcfg "$T/vm.cfg" "$P" ""
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "worker: create failed: $(cat "$T/create.out")"
	exit 1
fi
DM=$(vm_field "$P" pid)
VMUID=$(vm_field "$P" uid)
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$P/record.json")
W=$(pgrep -P "$MON" -x bh-qmp-worker | head -n 1)
if [ -z "$W" ]; then
	not_ok "worker: the monitor $MON has no bh-qmp-worker child"
	exit 1
fi
ok "worker: found the monitor's QMP worker ($W, uid $VMUID)"

ipc=$(readlink "/proc/$W/ns/ipc")
check "worker: IPC namespace of its own ($ipc): not the host's, the monitor's or QEMU's" \
	test "$ipc" != "$(readlink /proc/self/ns/ipc)" -a "$ipc" != "$(readlink "/proc/$MON/ns/ipc")" \
	-a "$ipc" != "$(readlink "/proc/$DM/ns/ipc")"
# The kernel makes /proc/PID of a non-dumpable process root's.
check "worker: not dumpable (/proc/$W is root's though it runs as $VMUID)" \
	test "$(stat -c %u "/proc/$W/status")" = 0 -a "$(awk '/^Uid:/ {print $2}' "/proc/$W/status")" = "$VMUID"
check "worker: RLIMIT_NOFILE 16, soft and hard" \
	test "$(awk '/^Max open files/ {print $4, $5}' "/proc/$W/limits")" = "16 16"
# FSIZE = the size of monitor.log when it was started + 8 MiB.
fsize=$(awk '/^Max file size/ {print $4}' "/proc/$W/limits")
logsize=$(stat -c %s "/var/log/bulkhead/$P/monitor.log")
check "worker: RLIMIT_FSIZE is its log + 8 MiB ($fsize; the log is $logsize bytes now)" \
	test "$((fsize - 8388608))" -ge 0 -a "$((fsize - 8388608))" -le "$logsize"

# Landlock: gdb has the live worker call getpid() (the calls do run in
# it) and open /dev/null, which anyone may read: only Landlock refuses
# that, with EACCES (13; seccomp would say EPERM).
timeout 60 gdb -p "$W" -batch -nx -ex 'print (int)getpid()' \
	-ex 'print (int)open("/dev/null", 0)' -ex 'print *(int *)__errno_location()' \
	> "$T/gdb.out" 2>&1
vals=$(grep -oP '^\$[0-9]+ = \K-?[0-9]+' "$T/gdb.out" | paste -sd' ')
check "worker: calls injected with gdb run in the worker (getpid $W)" test "${vals%% *}" = "$W"
check "worker: it cannot open /dev/null, readable by anyone: Landlock, EACCES ($vals)" \
	test "${vals#* }" = "-1 13"
expect "worker: it still serves the VM afterwards (pause)" 0 "" "$BULKHEAD" pause "$P"

# PDEATHSIG: a stopped worker cannot act on its channel's EOF, so only
# the signal can end it when its monitor dies.
kill -STOP "$W"
for _ in $(seq 1 50); do grep -q '^State:.*T' "/proc/$W/status" && break; sleep 0.1; done
check "worker: stopped" grep -q '^State:.*T' "/proc/$W/status"
kill -9 "$MON"
gone=no
for _ in $(seq 1 100); do
	alive "$W" || { gone=yes && break; }
	sleep 0.1
done
check "worker: dies with its monitor although it is stopped (parent-death signal)" test "$gone" = yes
"$BULKHEAD" destroy "$P" > "$T/destroy.out" 2>&1
check "worker: the VM is destroyed, nothing of its uid left" test "$(uid_procs "$VMUID")" = 0
exit "$FAILED"
