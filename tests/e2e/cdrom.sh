#!/bin/bash
# CD-ROMs by fd: a medium given at create, cd-eject and cd-insert seen by
# the guest, a tray the guest locked, bad requests refused with the VM
# untouched, and 100 insert/eject cycles that leave no fd behind in QEMU
# or the monitor. Also pause/unpause.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan $((36 + SANITIZED))
P=bhtest-cd-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

for m in A B; do
	mkdir -p "$T/$m"
	echo "iso-$m-$$" > "$T/$m/HELLO.TXT"
	genisoimage -quiet -r -o "$T/$m.iso" "$T/$m" || { not_ok "cdrom: genisoimage failed"; exit 1; }
done

# guest_cdread TAG: type cdread TAG on the console; print what it read.
guest_cdread() {
	(sleep 1; printf 'cdread %s\n' "$1"; sleep 3) |
		timeout 15 "$BULKHEAD" console "$P" > "$T/con.out" 2>&1
	wait_for "$LOG" "BULKHEAD-CD $1: " 10
	grep -a "BULKHEAD-CD $1: " "$LOG" | tail -n 1 | sed "s/.*BULKHEAD-CD $1: //" | tr -d '\r'
}

nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

mkcfg "$T/vm.cfg" "$P" cdrom "disk = [ 'vdev=hdc, devtype=cdrom, target=$T/A.iso' ]"
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "cdrom: create failed: $(cat "$T/create.out")"
	exit 1
fi
LOG=$(vm_field "$P" console_log)
PID=$(vm_field "$P" pid)
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' /run/bulkhead/vm/$P/record.json)

check "cdrom: guest reads the medium given at create" wait_for "$LOG" "BULKHEAD-CD boot: iso-A-$$" 90
check "cdrom: QEMU's argv names no host path of the medium" bash -c "! tr '\0' ' ' < /proc/$PID/cmdline | grep -q '$T'"

# The guest prints its line with the CD still mounted and unmounts just
# after: until then the tray is locked (a locked tray is tested below).
for _ in $(seq 1 40); do
	"$BULKHEAD" cd-eject "$P" hdc > "$T/out" 2>&1
	grep -q "medium locked by the guest" "$T/out" || break
	sleep 0.25
done
if grep -q "medium ejected" "$T/out"; then
	ok "cd-eject: exit 0"
else
	not_ok "cd-eject: exit 0: $(head -c 300 "$T/out")"
fi
check "cd-eject: guest sees no medium" test "$(guest_cdread e1)" = NONE
check "cd-eject: QEMU holds no fd of the ISO" bash -c "! ls -l /proc/$PID/fd | grep -q '$T'"

"$BULKHEAD" cd-insert "$P" hdc "$T/B.iso" > "$T/out" 2>&1
check "cd-insert: exit 0" grep -q "medium inserted" "$T/out"
check "cd-insert: guest reads the new medium" test "$(guest_cdread i1)" = "iso-B-$$"
check "cd-insert: QEMU holds exactly one fd of it, read-only" bash -c "
	test \$(ls -l /proc/$PID/fd | grep -c '$T/B.iso') = 1 &&
	for f in /proc/$PID/fd/*; do
		[ \"\$(readlink \$f)\" = '$T/B.iso' ] && grep -q '^flags:.*0[0-7]*0$' /proc/$PID/fdinfo/\${f##*/} && exit 0
	done; exit 1"

# A tray the guest locked (a mounted CD) is not forced open.
(sleep 1; printf 'mount -t iso9660 -o ro /dev/sr0 /cd && echo LOCKED-%s\n' $$; sleep 3) |
	timeout 15 "$BULKHEAD" console "$P" > "$T/con.out" 2>&1
wait_for "$LOG" "LOCKED-$$" 10
"$BULKHEAD" cd-eject "$P" hdc > "$T/out" 2>&1
rc=$?
check "cd-eject locked: exit 1" test "$rc" = 1
check "cd-eject locked: says the guest locked it" grep -q "medium locked by the guest" "$T/out"
(sleep 1; printf 'umount /cd\n'; sleep 2) | timeout 15 "$BULKHEAD" console "$P" > "$T/con.out" 2>&1
check "cd-eject locked: medium still there" test "$(guest_cdread l1)" = "iso-B-$$"

# Bad requests: clear errors, the VM as it was.
mkfifo "$T/fifo"
mkdir "$T/dir"
expect "cd-insert: no such VM" 1 "no running VM" "$BULKHEAD" cd-insert "$P-none" hdc "$T/A.iso"
expect "cd-insert: drive is not a cdrom of the VM" 1 "hda is not a cdrom drive" "$BULKHEAD" cd-insert "$P" hda "$T/A.iso"
expect "cd-insert: vdev is no IDE slot" 2 "not a cdrom vdev" "$BULKHEAD" cd-insert "$P" xvda "$T/A.iso"
expect "cd-insert: missing file" 2 "No such file" "$BULKHEAD" cd-insert "$P" hdc "$T/none.iso"
expect "cd-insert: a directory" 2 "not a regular file or block device" "$BULKHEAD" cd-insert "$P" hdc "$T/dir"
expect "cd-insert: a FIFO (no hang)" 2 "not a regular file or block device" timeout 10 "$BULKHEAD" cd-insert "$P" hdc "$T/fifo"
expect "cd-insert: bad VM name" 2 "not a valid VM name" "$BULKHEAD" cd-insert "../x" hdc "$T/A.iso"
expect "cd-insert: usage" 2 "usage" "$BULKHEAD" cd-insert "$P" hdc
expect "cd-eject: usage" 2 "usage" "$BULKHEAD" cd-eject "$P"
check "bad requests: VM still running" test -d /proc/$PID
check "bad requests: medium still there" test "$(guest_cdread b1)" = "iso-B-$$"

# The monitor refuses an fd that is writable or comes with the wrong
# command, whoever sends it (the CLI never does).
check "monitor: refuses a writable medium fd" python3 - "$P" "$T/A.iso" <<'PY'
import array, socket, sys, os
def req(line, fd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/run/bulkhead/vm/%s/control.sock" % sys.argv[1])
    s.sendmsg([line], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
    return s.makefile("rb").readline().decode()
rw = os.open(sys.argv[2], os.O_RDWR)
r1 = req(b"cd-insert hdc\n", rw)
r2 = req(b"pause\n", rw)
assert "not read-only" in r1, r1
assert "takes none" in r2, r2
PY

# 100 insert/eject cycles: no fd left behind in QEMU or the monitor.
"$BULKHEAD" cd-eject "$P" hdc > /dev/null 2>&1
WK=$(pgrep -x -P "$MON" bh-qmp-worker | head -n 1)
q0=$(nfds "$PID") m0=$(nfds "$MON") w0=$(nfds "$WK")
bad=0
for i in $(seq 1 100); do
	"$BULKHEAD" cd-insert "$P" hdc "$T/A.iso" > /dev/null 2>&1 || bad=$((bad + 1))
	"$BULKHEAD" cd-eject "$P" hdc > /dev/null 2>&1 || bad=$((bad + 1))
done
q1=$(nfds "$PID") m1=$(nfds "$MON") w1=$(nfds "$WK")
check "100 cycles: every insert and eject succeeded ($bad failed)" test "$bad" = 0
check "100 cycles: QEMU fds $q0 before, $q1 after" test "$q0" = "$q1"
check "100 cycles: monitor fds $m0 before, $m1 after" test "$m0" = "$m1"
check "100 cycles: QMP worker fds $w0 before, $w1 after" test -n "$WK" -a "$w0" = "$w1"
"$BULKHEAD" cd-insert "$P" hdc "$T/A.iso" > /dev/null 2>&1
check "100 cycles: guest still reads a fresh medium" test "$(guest_cdread c1)" = "iso-A-$$"

# pause / unpause. A paused guest runs nothing: a command typed on its
# console gets no echo and no answer while it is paused (low CPU would
# not show that: an idle guest is quiet too), and the answer comes once
# it is unpaused. The answer is computed ($((40+2))), so the echo of the
# typed line cannot pass for it.
"$BULKHEAD" pause "$P" > "$T/out" 2>&1
check "pause: exit 0, state paused" bash -c "grep -q paused '$T/out' && '$BULKHEAD' list | grep -q '$P .* paused'"
TOK="paused-$$-$RANDOM"
(sleep 1; printf 'echo %s-$((40+2))\n' "$TOK"; sleep 2) |
	timeout 15 "$BULKHEAD" console "$P" > "$T/con.out" 2>&1
sleep 2
check "pause: a line typed on the console gets no echo and no answer in 4 s" \
	bash -c "! grep -aq '$TOK' '$LOG' && ! grep -aq '$TOK' '$T/con.out'"
"$BULKHEAD" unpause "$P" > "$T/out" 2>&1
check "unpause: exit 0, state running" bash -c "grep -q running '$T/out' && '$BULKHEAD' list | grep -q '$P .* running'"
check "unpause: the guest runs the line typed while it was paused" wait_for "$LOG" "$TOK-42" 15
check "unpause: guest answers" test "$(guest_cdread u1)" = "iso-A-$$"
expect "pause: no such VM" 1 "no running VM" "$BULKHEAD" pause "$P-none"

"$BULKHEAD" destroy "$P" > "$T/out" 2>&1
check "destroy: exit 0" grep -q destroyed "$T/out"
check "destroy: cgroup removed" cgroup_gone "$P"
san_check "monitor" "/var/log/bulkhead/$P/monitor.log"
exit "$FAILED"
