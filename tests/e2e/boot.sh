#!/bin/bash
# Boot the test guest under TCG with a raw disk passed by fd; the guest
# prints a marker read from the disk; then inspect the running device
# model from the host and check destroy leaves nothing behind.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan $((64 + SANITIZED))
NAME=bhtest-boot-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$NAME"; rm -rf "$T"' EXIT

MARK="BULKHEAD-MARKER-$RANDOM-$$"
printf '%s written by the host\n' "$MARK" > "$T/disk.img"
truncate -s 8M "$T/disk.img"
mkcfg "$T/vm.cfg" "$NAME" readdisk,writedisk \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$T/disk.img' ]"

# With stdin and stdout closed, as from a careless service manager: the
# CLI must not hand those numbers to the disk's fds (see the fd checks).
if ! "$BULKHEAD" create "$T/vm.cfg" 0<&- 1>&- 2> "$T/create.out"; then
	not_ok "boot: create failed: $(cat "$T/create.out")"
	exit 1
fi
ok "boot: create returns with the guest running"
LOG=$(vm_field "$NAME" console_log)
PID=$(vm_field "$NAME" pid)
VMID=$(vm_field "$NAME" vmid)
UID_=$(vm_field "$NAME" uid)
BASE=$(getent passwd bulkhead-range-base | cut -d: -f3)

if wait_for "$LOG" "BULKHEAD-DISK: $MARK" 90; then
	ok "boot: guest read the fd-passed disk and printed the marker"
else
	not_ok "boot: marker not on the console: $(tail -c 300 "$LOG")"
fi
if wait_for "$LOG" "BULKHEAD-WRITE-" 30 && grep -aq BULKHEAD-WRITE-OK "$LOG"; then
	ok "boot: guest wrote its rw disk at 7 MiB"
else
	not_ok "boot: guest write to its rw disk failed"
fi
check "boot: the host reads the guest's write back from the image" \
	bash -c "dd if='$T/disk.img' bs=512 skip=14336 count=1 2>/dev/null | grep -aq BULKHEAD-GUEST-WROTE"

# The QMP worker: the one process that reads QMP, unprivileged.
W=$(pgrep -x -u "$UID_" bh-qmp-worker | head -n 1)
if [ -n "$W" ]; then
	WS=/proc/$W/status
	check "qmp worker: runs as the VM's uid, not root" grep -qP "^Uid:\t$UID_\t$UID_\t$UID_\t$UID_$" "$WS"
	check "qmp worker: no capabilities, empty bounding set" bash -c "grep -qP '^CapEff:\t0{16}$' $WS && grep -qP '^CapBnd:\t0{16}$' $WS"
	check "qmp worker: NoNewPrivs 1, Seccomp 2" bash -c "grep -qP '^NoNewPrivs:\t1$' $WS && grep -qP '^Seccomp:\t2$' $WS"
	check "qmp worker: own network namespace" test "$(readlink /proc/$W/ns/net)" != "$(readlink /proc/self/ns/net)"
	check "qmp worker: holds only the log, QMP and its channel (fds 0-4)" test "$(ls /proc/$W/fd | sort -n | tr '\n' ' ')" = "0 1 2 3 4 "
	check "qmp worker: is the monitor's child" test "$(awk '{print $4}' /proc/$W/stat)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' /run/bulkhead/vm/$NAME/record.json)"
else
	not_ok "qmp worker: no bh-qmp-worker process of uid $UID_"
fi

S=/proc/$PID/status
check "dm: uid is range base + vmid ($UID_)" test "$UID_" = $((BASE + VMID))
check "dm: real/effective/saved/fs uid" grep -qP "^Uid:\t$UID_\t$UID_\t$UID_\t$UID_$" "$S"
check "dm: gid is base gid + vmid" grep -qP "^Gid:\t$UID_\t$UID_\t$UID_\t$UID_$" "$S"
check "dm: no supplementary groups" grep -qP '^Groups:\t?\s*$' "$S"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "dm: $c is empty" grep -qP "^$c:\t0000000000000000$" "$S"
done
check "dm: NoNewPrivs 1" grep -qP '^NoNewPrivs:\t1$' "$S"
check "dm: Seccomp 2" grep -qP '^Seccomp:\t2$' "$S"
check "dm: two filters (bulkhead's outer one, QEMU's -sandbox)" grep -qP '^Seccomp_filters:\t2$' "$S"
check "dm: not dumpable (/proc files owned by root)" test "$(stat -c %u "$S")" = 0
for ns in mnt ipc uts pid net; do
	check "dm: own $ns namespace" test "$(readlink /proc/$PID/ns/$ns)" != "$(readlink /proc/self/ns/$ns)"
done
check "dm: root is not the host's /" test "$(stat -L -c %d:%i /proc/$PID/root)" != "$(stat -c %d:%i /)"
check "dm: root is the jail's own tmpfs" test "$(stat -f -L -c %T /proc/$PID/root)" = tmpfs
top=$(ls -A /proc/$PID/root | tr '\n' ' ')
# A host dir may appear only as the parent of a file the config names
# (the kernel and ramdisk are bound at their own paths).
guest_top=$(realpath "$GUEST" | cut -d/ -f2)
bad=""
for d in etc home root var run proc sys tmp boot srv mnt opt media; do
	[ "$d" = "$guest_top" ] && continue
	[ -e "/proc/$PID/root/$d" ] && bad="$bad $d"
done
[ -e "/proc/$PID/root/$guest_top" ] &&
	[ "$(find "/proc/$PID/root/$guest_top" -type f | wc -l)" != 2 ] &&
	bad="$bad $guest_top(more than kernel+ramdisk)"
if [ -z "$bad" ]; then ok "dm: jail root has no host dirs ($top)"; else not_ok "dm: jail root has:$bad"; fi
check "dm: jail /dev is null, urandom, zero only (no kvm under tcg)" \
	test "$(ls /proc/$PID/root/dev | tr '\n' ' ')" = "null urandom zero "
check "dm: jail root is read-only" bash -c "! touch /proc/$PID/root/x 2>/dev/null"
check "dm: binary is execute-only in the jail" \
	test "$(stat -c %a /proc/$PID/root/usr/bin/qemu-system-x86_64)" = 111
check "dm: jail root dir on the host is empty" test -z "$(ls -A /run/bulkhead/vm/$NAME/root)"

L=/proc/$PID/limits
check "dm: RLIMIT_FSIZE = the rw disk's size (8 MiB)" grep -qE '^Max file size +8388608 +8388608 ' "$L"
check "dm: RLIMIT_CORE 0" grep -qE '^Max core file size +0 +0 ' "$L"
check "dm: RLIMIT_MSGQUEUE 0" grep -qE '^Max msgqueue size +0 +0 ' "$L"
check "dm: RLIMIT_LOCKS 0" grep -qE '^Max file locks +0 +0 ' "$L"
check "dm: RLIMIT_MEMLOCK 0" grep -qE '^Max locked memory +0 +0 ' "$L"
check "dm: RLIMIT_NOFILE soft = hard" grep -qE '^Max open files +([0-9]+) +\1 ' "$L"

# Every open fd is one we passed or one QEMU made itself (no paths).
unexpected=""
sockets=0
pipes=0
for fd in /proc/$PID/fd/*; do
	t=$(readlink "$fd")
	case "$t" in
	/dev/null | "$T/disk.img" | anon_inode:*) ;;
	pipe:*) pipes=$((pipes + 1)) ;;
	socket:*) sockets=$((sockets + 1)) ;;
	*) unexpected="$unexpected $t" ;;
	esac
done
if [ -z "$unexpected" ]; then ok "dm: open fds are only the expected ones"; else not_ok "dm: unexpected fds:$unexpected"; fi
# Both fds passed for the rw disk (read-only and read-write) reached
# QEMU as the image, not as /dev/null or a log (QEMU keeps its fdset's
# copies and its block layer's own).
check "dm: the rw disk's fds are the image (create ran with fds 0 and 1 closed)" \
	test "$(find /proc/$PID/fd -lname "$T/disk.img" | wc -l)" -ge 2
# QMP and console: each a listening socket (for a monitor that takes
# over later) and the connection of the current monitor.
check "dm: exactly four sockets (QMP and console, listening + connected)" test "$sockets" = 4
check "dm: stdout and stderr are the monitor's pipe, not a log file" \
	test "$(readlink /proc/$PID/fd/1)" = "$(readlink /proc/$PID/fd/2)" -a "${pipes}" -ge 2

# list --json carries the fields users script against.
J=$("$BULKHEAD" list --json)
check "list --json: fields" python3 -c '
import json, sys
vm = [v for v in json.loads(sys.argv[1]) if v["name"] == sys.argv[2]][0]
need = {"name", "vmid", "uid", "gid", "pid", "state", "console_log", "security_supported"}
assert need <= set(vm), vm
assert vm["state"] == "running" and vm["security_supported"] is False' "$J" "$NAME"

# A VM id names the VM for every verb, as a domain id does for xl's.
expect "pause by VM id" 0 "^$NAME: paused" "$BULKHEAD" pause "$VMID"
expect "unpause by VM id" 0 "^$NAME: " "$BULKHEAD" unpause "$VMID"

# The console: type a command, read its output back.
TOKEN="tok$RANDOM$RANDOM"
(sleep 1; printf 'echo %s-$((40+2))\n' "$TOKEN"; sleep 3) |
	timeout 15 "$BULKHEAD" console "$NAME" > "$T/console.out" 2>&1
check "console: command typed into the guest ran" grep -aq "$TOKEN-42" "$T/console.out"
check "console: output also in the console log" wait_for "$LOG" "$TOKEN-42" 5

# A hostile guest's escapes (OSC 52 clipboard write, window title, an
# 8-bit CSI) do not reach the caller's terminal; --raw passes them.
HOSTILE='printf "\\033]52;c;ZXZpbA==\\007\\033]0;title\\007\\233""2JOSC-%d\\n" $((6*7))'
printf '%s\n' 'import sys' 'd = open(sys.argv[1], "rb").read()' \
	'sys.exit(0 if b"\x1b]" in d or b"\x9b" in d else 1)' > "$T/esc.py"
(sleep 1; printf '%s\n' "$HOSTILE"; sleep 3) |
	timeout 15 "$BULKHEAD" console "$NAME" > "$T/hostile.out" 2>&1
check "console: the guest's text after its escapes is shown" grep -aq "OSC-42" "$T/hostile.out"
check "console: no OSC or 8-bit control reaches the terminal" bash -c "! python3 '$T/esc.py' '$T/hostile.out'"
(sleep 1; printf '%s\n' "$HOSTILE"; sleep 3) |
	timeout 15 "$BULKHEAD" console --raw "$NAME" > "$T/raw.out" 2>&1
check "console --raw: the guest's bytes as they are" bash -c "grep -aq OSC-42 '$T/raw.out' && python3 '$T/esc.py' '$T/raw.out'"

# Same name again: refused, first VM untouched.
"$BULKHEAD" create "$T/vm.cfg" > "$T/dup.out" 2>&1
rc=$?
check "create: name in use exits 2" test "$rc" = 2
check "create: name in use message" grep -q "name: '$NAME' is already in use" "$T/dup.out"
check "create: first VM still running" test -d /proc/$PID

"$BULKHEAD" destroy "$NAME" > "$T/destroy.out" 2>&1
check "destroy: exit 0" grep -q destroyed "$T/destroy.out"
check "destroy: no process of uid $UID_ left" test "$(uid_procs "$UID_")" = 0
check "destroy: device model gone" test ! -d /proc/$PID
check "destroy: runtime dir removed" test ! -e /run/bulkhead/vm/$NAME
check "destroy: VM id $VMID released" test ! -e /run/bulkhead/ids/$VMID
check "destroy: no mounts left" bash -c "! grep -q '$NAME' /proc/mounts"
check "destroy: cgroup removed" cgroup_gone "$NAME"
check "destroy: console log kept for inspection" test -s "$LOG"
# Under the ASan/UBSan build the monitor's reports land in its log.
san_check "monitor" "/var/log/bulkhead/$NAME/monitor.log"
exit "$FAILED"
