#!/bin/bash
# The monitor's control socket on a running VM: it sits in a root-only
# 0700 directory, so another uid cannot reach it; a peer that does reach
# it (file access as root, effective uid not 0) is refused by the
# SO_PEERCRED check with no answer; a request takes at most one fd, and
# a request with two or three is refused with every fd closed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 12
P=bhtest-ctl-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

mkdir -p "$T/iso"
echo "ctl-$$" > "$T/iso/HELLO.TXT"
for i in 1 2 3; do
	genisoimage -quiet -r -o "$T/m$i.iso" "$T/iso" || { not_ok "control: genisoimage failed"; exit 1; }
done
mkcfg "$T/vm.cfg" "$P" "" "disk = [ 'vdev=hdc, devtype=cdrom, target=' ]"
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "control: create failed: $(cat "$T/create.out")"
	exit 1
fi
DIR=/run/bulkhead/vm/$P
SOCK=$DIR/control.sock
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "$DIR/record.json")

# send AS-UID FSUID-ROOT LINE FILE...: connect to the control socket with
# effective uid AS-UID (file access as root when FSUID-ROOT is 1), send
# LINE with one fd per FILE in one message, print the answer or what
# failed.
send() {
	python3 - "$SOCK" "$@" <<'EOF'
import ctypes, os, socket, sys
sock, as_uid, fsuid_root, line, files = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5:]
fds = [os.open(f, os.O_RDONLY) for f in files]
if as_uid != 0:
    os.setgroups([])
    # The saved uid stays 0, so the file-system uid may go back to 0:
    # the path is reached as root, the peer's credentials say as_uid.
    os.setresuid(as_uid, as_uid, 0)
    if fsuid_root:
        ctypes.CDLL(None).setfsuid(0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sock)
except OSError as e:
    print("connect:", os.strerror(e.errno))
    sys.exit(0)
try:
    socket.send_fds(s, [(line + "\n").encode()], fds)
    s.settimeout(20)
    got = s.recv(512).decode(errors="replace")
    print("answer:", got.strip() if got else "(closed, no answer)")
except (BrokenPipeError, ConnectionResetError):
    print("answer: (closed, no answer)")  # closed before we sent
except OSError as e:
    print("send/recv:", os.strerror(e.errno))
EOF
}
mon_holds() { ls -l "/proc/$MON/fd" | grep -cF "$1"; }

check "control: the VM's directory is root's, mode 0700 ($(stat -c '%U %a' "$DIR"))" \
	test "$(stat -c '%U %a' "$DIR")" = "root 700"
# uid 65534 tries the socket through an fd of the VM's directory opened
# before it dropped root: /run/bulkhead (0700 too) is not in the way, the
# VM's directory and the socket are.
out=$(python3 -c '
import os, socket, sys
d = os.open(sys.argv[1], os.O_PATH)
os.setgroups([])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
try:
    socket.socket(socket.AF_UNIX).connect("/proc/self/fd/%d/control.sock" % d)
    print("connected")
except OSError as e:
    print(e.strerror)' "$DIR")
check "control: uid 65534 cannot reach the socket, even past /run/bulkhead ($out)" test "$out" = "Permission denied"

# Reached as root (fsuid 0), but the peer is uid 65534: SO_PEERCRED.
out=$(send 0 0 "pause")
check "control: root's pause, sent the same way, is answered ($out)" grep -q "^answer: ok" <<< "$out"
"$BULKHEAD" unpause "$P" > /dev/null 2>&1
out=$(send 65534 1 "pause")
check "control: a peer of uid 65534 that reaches the socket is closed unanswered ($out)" \
	test "$out" = "answer: (closed, no answer)"
check "control: ... and the VM was not paused" test "$(vm_field "$P" state)" = running

# At most one fd per request.
out=$(send 0 0 "cd-insert hdc" "$T/m1.iso")
check "control: cd-insert with one fd is served ($out)" grep -q "^answer: ok" <<< "$out"
out=$(send 0 0 "cd-insert hdc" "$T/m2.iso" "$T/m3.iso")
check "control: cd-insert with two fds is refused ($out)" \
	test "$out" = "answer: error: more than one fd came with the request"
check "control: ... and the monitor closed both" test "$(mon_holds m2.iso)$(mon_holds m3.iso)" = 00
check "control: ... and QEMU was never handed either" \
	bash -c "! ls -l /proc/$(vm_field "$P" pid)/fd | grep -qE 'm[23]\.iso'"
out=$(send 0 0 "cd-insert hdc" "$T/m1.iso" "$T/m2.iso" "$T/m3.iso")
check "control: cd-insert with three fds is refused ($out)" \
	test "$out" = "answer: error: more than one fd came with the request"
check "control: ... and the monitor holds none of the three" \
	test "$(mon_holds m1.iso)$(mon_holds m2.iso)$(mon_holds m3.iso)" = 000
out=$(send 0 0 "pause" "$T/m2.iso")
check "control: pause with an fd is refused and the fd closed ($out)" \
	bash -c "test '$out' = 'answer: error: an fd came with a request that takes none' && test \$(ls -l /proc/$MON/fd | grep -c m2.iso) = 0"
exit "$FAILED"
