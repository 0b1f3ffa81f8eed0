#!/bin/bash
# save / restore through fds: the guest's memory survives, the restored
# device model runs under exactly the restrictions of a fresh one, the
# save file never reaches the device model (QEMU writes a pipe, so its
# 256 KiB RLIMIT_FSIZE stays), and bad input fails cleanly.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan $((37 + SANITIZED))
P=bhtest-save-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

N=$P-vm
LOGDIR=/var/log/bulkhead/$N
type_cmd() { (sleep 1; printf '%s\n' "$1"; sleep 1) | timeout 10 "$BULKHEAD" console "$N" > /dev/null 2>&1; }
# Audit JSON of a running VM, less what differs by design (pid, uid).
audit_of() { "$BULKHEAD" audit "$1" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
r = r[0] if isinstance(r, list) else r
print(r["passed"], r["total"], [(c["check"], c["pass"]) for c in r["checks"]])'; }

mkcfg "$T/vm.cfg" "$N" ""
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "save: create failed: $(cat "$T/create.out")"
	exit 1
fi
wait_for "$LOGDIR/console.log" BULKHEAD-GUEST-READY 90
TOKEN="tok$RANDOM$$"
type_cmd "echo $TOKEN > /token"
VMID=$(vm_field "$N" vmid)
VMUID=$(vm_field "$N" uid)

# save -c: a snapshot, the VM keeps running. Meanwhile the monitor's
# other child, the copier, is sampled as it runs (the last complete
# sample of each, taken once it is confined): its mount namespace, its
# root, whether a host socket is in reach, its fd 2, its pid in its own
# pid namespace and its limits.
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$N/record.json")
DM=$(vm_field "$N" pid)
W=$(pgrep -P "$MON" -x bh-qmp-worker | head -n 1)
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/host.sock"
chmod 777 "$T/host.sock"
(
	while [ ! -e "$T/save.done" ]; do
		for c in $(pgrep -P "$MON"); do
			[ "$c" = "$DM" ] || [ "$c" = "$W" ] && continue
			{
				readlink "/proc/$c/ns/mnt"
				echo "root:$(ls -A "/proc/$c/root" | paste -sd' ')"
				test -e "/proc/$c/root$T/host.sock" && echo sock:reach || echo sock:none
				echo "fd2:$(readlink "/proc/$c/fd/2")"
				awk '/^NSpid:/ {print "nspid:" $3}' "/proc/$c/status"
				awk '/^Max (open files|core file size|locked memory)/ {print $(NF-2)}' "/proc/$c/limits" | paste -sd' '
			} > "$T/sample" 2>/dev/null
			[ -e "/proc/$c/ns/mnt" ] && grep -q '^mnt:' "$T/sample" && mv "$T/sample" "$T/copier.$c"
		done
		sleep 0.02
	done
) &
SAMPLER=$!
expect "save -c: exit 0, still running" 0 "saved, still running" "$BULKHEAD" save -c "$N" "$T/snap.save"
touch "$T/save.done"
wait "$SAMPLER"
S=$(ls "$T"/copier.* 2>/dev/null | head -n 1)
check "save -c: the copier was sampled as it ran ($S)" test -n "$S"
S=${S:-/dev/null}
check "save -c: the copier's mount namespace is not the host's ($(sed -n 1p "$S"))" \
	test "$(sed -n 1p "$S")" != "$(readlink /proc/self/ns/mnt)" -a -n "$(sed -n 1p "$S")"
check "save -c: the copier's root is empty ($(grep '^root:' "$S"))" grep -qx 'root:' "$S"
check "save -c: a host socket is out of its reach ($(grep '^sock:' "$S"))" grep -qx 'sock:none' "$S"
check "save -c: the copier is pid 1 of a pid namespace of its own ($(grep '^nspid:' "$S"))" \
	grep -qx 'nspid:1' "$S"
# fd 2 none (it writes nothing but its exit status), never monitor.log;
# core, locked memory 0, NOFILE 8.
check "save -c: the copier has no fd of monitor.log, and Xen's rlimits ($(grep '^fd2:' "$S"); $(tail -n 1 "$S"))" \
	bash -c "grep -qx 'fd2:' '$S' && test \"\$(tail -n 1 '$S')\" = '0 8 0'"
check "save -c: VM running" test "$(vm_field "$N" state)" = running
check "save -c: file written, mode 0600" bash -c "test -s '$T/snap.save' && test \$(stat -c %a '$T/snap.save') = 600"

# save: the VM is saved and destroyed.
expect "save: exit 0" 0 "saved and destroyed" "$BULKHEAD" save "$N" "$T/vm.save"
check "save: VM destroyed, id released" bash -c "test ! -e /run/bulkhead/vm/$N && test ! -e /run/bulkhead/ids/$VMID"
check "save: no process of the VM's uid $VMUID left (copier, worker, device model)" \
	test "$(uid_procs "$VMUID")" = 0
SIZE=$(stat -c %s "$T/vm.save")
check "save: $SIZE bytes written, past the device model's 256 KiB RLIMIT_FSIZE" test "$SIZE" -gt 262144

# restore: the guest's memory is back.
expect "restore: exit 0" 0 "running" "$BULKHEAD" restore "$T/vm.cfg" "$T/vm.save"
type_cmd "cat /token | tr a-z A-Z"
UPPER=$(echo "$TOKEN" | tr a-z A-Z)
check "restore: the guest still has what it wrote before the save" grep -aq "$UPPER" "$LOGDIR/console.log"
check "restore: the guest did not boot again" bash -c "! grep -aq BULKHEAD-GUEST-READY '$LOGDIR/console.log'"
check "restore: monitor says restored" grep -q "restored from the save file" "$LOGDIR/monitor.log"
PID=$(vm_field "$N" pid)
check "restore: no fd of the save file in the device model" bash -c "! ls -l /proc/$PID/fd | grep -q '$T'"

# Exactly the restrictions of a fresh VM from the same config.
mkcfg "$T/fresh.cfg" "$P-fresh" ""
"$BULKHEAD" create "$T/fresh.cfg" > /dev/null 2>&1
FPID=$(vm_field "$P-fresh" pid)
A1=$(audit_of "$PID") A2=$(audit_of "$FPID")
check "restore: audit of the restored VM equals a fresh one's (${A1%% \[*})" test -n "$A1" -a "$A1" = "$A2"
for f in CapBnd NoNewPrivs Seccomp Seccomp_filters; do
	check "restore: $f as in a fresh VM" test "$(grep "^$f:" /proc/$PID/status)" = "$(grep "^$f:" /proc/$FPID/status)"
done
check "restore: rlimits as in a fresh VM" test "$(cat /proc/$PID/limits)" = "$(cat /proc/$FPID/limits)"
check "restore: uid is range base + its VM id" test "$(vm_field "$N" uid)" = $(( $(getent passwd bulkhead-range-base | cut -d: -f3) + $(vm_field "$N" vmid) ))
"$BULKHEAD" destroy "$P-fresh" > /dev/null 2>&1

# Bad input: clear errors, nothing left behind, nothing overwritten.
sum=$(md5sum < "$T/snap.save")
expect "save: refuses to overwrite a file" 2 "File exists" "$BULKHEAD" save "$N" "$T/snap.save"
check "save: existing file untouched" test "$(md5sum < "$T/snap.save")" = "$sum"
expect "save: no such VM" 1 "no running VM" "$BULKHEAD" save "$P-none" "$T/none.save"
check "save: no file left after a failed save" test ! -e "$T/none.save"
expect "save: usage" 2 "usage" "$BULKHEAD" save "$N"
"$BULKHEAD" destroy "$N" > /dev/null 2>&1

ids_before=$(ids_of "$P-")
head -c 1000000 /dev/urandom > "$T/garbage.save"
expect "restore: a garbage file fails" 1 "restore:" "$BULKHEAD" restore "$T/vm.cfg" "$T/garbage.save"
head -c 2000000 "$T/vm.save" > "$T/truncated.save"
expect "restore: a truncated file fails" 1 "restore:" "$BULKHEAD" restore "$T/vm.cfg" "$T/truncated.save"
mkcfg "$T/big.cfg" "$N" "" "memory = 256"
expect "restore: into a different memory size fails" 1 "restore:" "$BULKHEAD" restore "$T/big.cfg" "$T/vm.save"
check "restore failures: nothing left (dir, id, cgroup)" bash -c \
	". tests/lib.sh; test ! -e /run/bulkhead/vm/$N && test \"\$(ids_of '$P-')\" = '$ids_before'"
check "restore failures: no process left" bash -c "! pgrep -f 'guest=[${N:0:1}]${N:1} ' > /dev/null"
expect "restore: missing file" 2 "No such file" "$BULKHEAD" restore "$T/vm.cfg" "$T/none.save"
expect "restore: a directory" 2 "not a regular file" "$BULKHEAD" restore "$T/vm.cfg" "$T"
san_check "monitors" "$LOGDIR/monitor.log"
exit "$FAILED"
