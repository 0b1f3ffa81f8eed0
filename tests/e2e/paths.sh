#!/bin/bash
# QEMU opens no disk, CD medium or save file by path: on a running VM
# with a disk, after a CD medium change and a save -c, none of those
# paths exists in QEMU's mount namespace, none is in its command line or
# in anything the QMP worker sent it, every fd QEMU holds to the disk or
# the medium is on a mount that is not in QEMU's namespace (so it was
# handed over, not opened there), QEMU was handed the medium and, for
# the save, a pipe (the copier writes the file).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 16
P=bhtest-paths-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
STRACE=
trap '[ -n "$STRACE" ] && kill $STRACE 2>/dev/null; destroy_prefix "$P"; rm -rf "$T"' EXIT

DISK=$T/disk.img
MEDIUM=$T/medium.iso
SAVE=$T/vm.save
truncate -s 16M "$DISK"
printf 'PATHS-DISK-%s\n' $$ | dd of="$DISK" conv=notrunc 2>/dev/null
mkdir -p "$T/iso"
echo "paths-iso-$$" > "$T/iso/HELLO.TXT"
genisoimage -quiet -r -o "$MEDIUM" "$T/iso" || { not_ok "paths: genisoimage failed"; exit 1; }

mkcfg "$T/vm.cfg" "$P" readdisk,cdrom \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$DISK', 'vdev=hdc, devtype=cdrom, target=' ]"
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "paths: create failed: $(cat "$T/create.out")"
	exit 1
fi
LOG=$(vm_field "$P" console_log)
DM=$(vm_field "$P" pid)
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$P/record.json")
W=$(pgrep -P "$MON" -x bh-qmp-worker | head -n 1)
check "paths: the guest reads its disk" wait_for "$LOG" "BULKHEAD-DISK: PATHS-DISK-$$" 90
wait_for "$LOG" "BULKHEAD-CD boot: " 30

# Everything the QMP worker writes from here on: to QEMU's QMP socket
# and to the monitor.
# Every fd any thread of QEMU receives (QMP runs in a thread of its
# own), with what it is (-y).
strace -q -f -p "$W" -e trace=write,writev,sendmsg,sendto -s 65536 -o "$T/worker.trace" &
STRACE=$!
strace -q -y -p "$(ls "/proc/$DM/task" | paste -sd,)" -e trace=recvmsg -s 256 -o "$T/qemu.trace" &
STRACE="$STRACE $!"
for p in "$W" "$DM"; do
	for _ in $(seq 1 100); do
		[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$p/status")" != 0 ] && break
		sleep 0.1
	done
done

"$BULKHEAD" cd-insert "$P" hdc "$MEDIUM" > "$T/out" 2>&1
check "paths: cd-insert puts the medium in" grep -q "medium inserted" "$T/out"
(sleep 1; printf 'cdread p1\n'; sleep 3) | timeout 15 "$BULKHEAD" console "$P" > /dev/null 2>&1
check "paths: the guest reads the medium" wait_for "$LOG" "BULKHEAD-CD p1: paths-iso-$$" 10

# While the save runs: the fds of the monitor's children (the copier
# writes the save file).
(
	while [ ! -e "$T/save.done" ]; do
		for c in $(pgrep -P "$MON"); do
			ls -l "/proc/$c/fd" 2>/dev/null | awk -v c="$c" 'NR > 1 {print "child" c, $NF}'
		done
		sleep 0.02
	done > "$T/fds.during-save"
) &
SAMPLER=$!
"$BULKHEAD" save -c "$P" "$SAVE" > "$T/save.out" 2>&1
touch "$T/save.done"
wait "$SAMPLER"
state=$(vm_field "$P" state)
check "paths: save -c writes the save file, the VM keeps running ($state)" \
	bash -c "grep -q 'saved, still running' '$T/save.out' && test -s '$SAVE' && test '$state' = running"
kill $STRACE 2>/dev/null
wait $STRACE 2>/dev/null
STRACE=

for f in "$DISK" "$MEDIUM" "$SAVE"; do
	check "paths: $(basename "$f") does not exist in QEMU's mount namespace" test ! -e "/proc/$DM/root$f"
done
check "paths: the folder of all three does not exist there either" test ! -e "/proc/$DM/root$T"
check "paths: QEMU's command line names none of them" bash -c "! tr '\0' '\n' < /proc/$DM/cmdline | grep -qF '$T'"
# The trace must hold the QMP of the medium change and of the save, or
# it proves nothing about them (strace writes a " as \").
sent() { grep -qF "execute\\\":\\\"$1\\\"" "$T/worker.trace"; }
check "paths: the worker's trace holds the QMP of the change and the save" \
	eval 'sent blockdev-change-medium && sent migrate'
check "paths: nothing the QMP worker sent names any of them" bash -c "! grep -qF '$T' '$T/worker.trace'"

# An fd QEMU opened in its own namespace is on one of that namespace's
# mounts; one handed over is on the host's mount of $T.
handed() { # handed PATH: QEMU holds >= 1 fd of PATH and none of its own
	local n=0 own=0 fd mnt
	local ids
	ids=" $(awk '{print $1}' "/proc/$DM/mountinfo" | tr '\n' ' ') "
	for fd in /proc/"$DM"/fd/*; do
		[ "$(readlink "$fd")" = "$1" ] || continue
		n=$((n + 1))
		mnt=$(awk '/^mnt_id:/ {print $2}' "/proc/$DM/fdinfo/${fd##*/}")
		case $ids in *" $mnt "*) own=$((own + 1)) ;; esac
	done
	echo "$1: $n fds, $own on QEMU's own mounts" >&2
	[ "$n" -ge 1 ] && [ "$own" = 0 ]
}
check "paths: QEMU's fds of the disk were handed to it" handed "$DISK"
check "paths: QEMU's fd of the medium was handed to it" handed "$MEDIUM"
check "paths: the copier held the save file during the save" grep -q "^child[0-9]* $SAVE\$" "$T/fds.during-save"
# What QEMU was handed over QMP (SCM_RIGHTS), one line per fd.
grep -oP 'cmsg_data=\[\K[^}]*(?=\]\})' "$T/qemu.trace" | sed 's/>, /\n/g' |
	sed 's/^[0-9]*<//; s/>$//; s/^pipe:\[[0-9]*\]$/pipe/' > "$T/received"
check "paths: QEMU was handed the medium over QMP ($(paste -sd' ' "$T/received"))" \
	test "$(grep -cxF "$MEDIUM" "$T/received")" = 1
check "paths: ... and, for the save, a pipe and no other fd" \
	test "$(grep -vxF "$MEDIUM" "$T/received" | paste -sd' ')" = pipe
exit "$FAILED"
