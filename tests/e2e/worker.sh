#!/bin/bash
# The QMP worker of a running VM has what SECURITY.md says: its own IPC,
# mount and pid namespaces (pid 1 of its own), an empty read-only root
# (no host file or pathname socket such as /dev/log is there to reach),
# not dumpable, RLIMIT_NOFILE 16, RLIMIT_FSIZE 256 KiB, a Landlock
# ruleset with no rule (even its own root directory cannot be opened:
# gdb makes the live worker try), its stderr a pipe the monitor copies
# into monitor.log (it can neither truncate the log nor write a line that
# passes for the monitor's), and a parent-death signal (a stopped worker,
# which cannot notice its channel closing, dies with its monitor).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 19
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
# Pid 1 of a pid namespace of its own: no host process has a pid there.
pidns=$(readlink "/proc/$W/ns/pid")
check "worker: pid namespace of its own ($pidns), pid 1 in it ($(grep '^NSpid:' "/proc/$W/status" | tr '\t' ' '))" \
	test "$pidns" != "$(readlink /proc/self/ns/pid)" -a "$pidns" != "$(readlink "/proc/$MON/ns/pid")" \
	-a "$pidns" != "$(readlink "/proc/$DM/ns/pid")" -a "$(awk '/^NSpid:/ {print $2, $3}' "/proc/$W/status")" = "$W 1"
# The kernel makes /proc/PID of a non-dumpable process root's.
check "worker: not dumpable (/proc/$W is root's though it runs as $VMUID)" \
	test "$(stat -c %u "/proc/$W/status")" = 0 -a "$(awk '/^Uid:/ {print $2}' "/proc/$W/status")" = "$VMUID"
check "worker: RLIMIT_NOFILE 16, soft and hard" \
	test "$(awk '/^Max open files/ {print $4, $5}' "/proc/$W/limits")" = "16 16"
# It writes no file at all (its log is a pipe): Xen's 256 KiB.
fsize=$(awk '/^Max file size/ {print $4}' "/proc/$W/limits")
check "worker: RLIMIT_FSIZE 256 KiB ($fsize)" test "$fsize" = 262144

# Its mount namespace: not the host's, and nothing in it. A pathname
# socket the worker's uid may connect to (as /dev/log, journald's or
# D-Bus's are) is there on the host and not in the worker's root.
mnt=$(readlink "/proc/$W/ns/mnt")
check "worker: mount namespace of its own ($mnt): not the host's or the monitor's" \
	test "$mnt" != "$(readlink /proc/self/ns/mnt)" -a "$mnt" != "$(readlink "/proc/$MON/ns/mnt")"
check "worker: its root is empty ($(ls -A "/proc/$W/root" | paste -sd' '))" \
	test -z "$(ls -A "/proc/$W/root")"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/host.sock"
chmod 777 "$T/host.sock"
check "worker: a host socket ($T/host.sock, mode 777) is not in its root" \
	test -S "$T/host.sock" -a ! -e "/proc/$W/root$T/host.sock"
fd2=$(readlink "/proc/$W/fd/2")
check "worker: its stderr is a pipe ($fd2), not monitor.log" \
	eval '[[ $fd2 == pipe:* ]]'

# gdb has the live worker call getpid() (the calls do run in it: 1,
# its pid in its own namespace), open
# its own root directory (only Landlock refuses that, with EACCES 13;
# seccomp would say EPERM), truncate its stderr and write a line that
# claims to be the monitor's. Its libraries are not in its root, so gdb
# reads them from the host's (sysroot /).
LOG=/var/log/bulkhead/$P/monitor.log
logsize=$(stat -c %s "$LOG")
FORGED="bulkhead-monitor: forged-by-the-worker-$$"
timeout 60 gdb -p "$W" -batch -nx -iex 'set sysroot /' -ex 'print (int)getpid()' \
	-ex 'print (int)open("/", 0)' -ex 'print *(int *)__errno_location()' \
	-ex 'print (int)ftruncate(2, 0)' \
	-ex "print (long)write(2, \"\\n$FORGED\\n\", ${#FORGED} + 2)" \
	> "$T/gdb.out" 2>&1
vals=($(grep -oP '^\$[0-9]+ = \K-?[0-9]+' "$T/gdb.out"))
check "worker: calls injected with gdb run in the worker (getpid ${vals[0]:-}, pid $W outside)" test "${vals[0]:-}" = 1
check "worker: it cannot open its root directory: Landlock, EACCES (${vals[*]:1:2})" \
	test "${vals[1]:-} ${vals[2]:-}" = "-1 13"
check "worker: it cannot truncate monitor.log (ftruncate ${vals[3]:-}, $logsize -> $(stat -c %s "$LOG") bytes)" \
	test "${vals[3]:-}" = -1 -a "$(stat -c %s "$LOG")" -ge "$logsize"
expect "worker: it still serves the VM afterwards (pause)" 0 "" "$BULKHEAD" pause "$P"
wait_for "$LOG" "qmp event STOP" 10
check "worker: its lines reach monitor.log (qmp event STOP)" grep -q "qmp event STOP" "$LOG"
check "worker: none passes for the monitor's (the forged line is marked as the worker's)" \
	bash -c "! grep -qx '$FORGED' '$LOG' && grep -q 'worker.*$FORGED' '$LOG'"

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
