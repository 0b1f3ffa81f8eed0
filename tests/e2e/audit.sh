#!/bin/bash
# bulkhead audit on live processes: a bulkhead VM passes every check; a
# QEMU run by hand as root fails most, each with a recommendation; --all
# finds both; a process with a hostile name, command line and cgroup
# name gets the verdicts of a plain twin, and none of its text reaches
# the text or JSON output raw. A device model that renames itself, or a
# bulkhead one whose binary is not named like QEMU, is still found by
# --all, however many look-alikes run beside it; a process whose root,
# cwd, fds and argv sit in a FUSE mount that never answers (or that is
# stopped, holding a FIFO and a socket) stalls no audit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 31
P=bhtest-aud-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
QPID="" HPIDS="" CGS=() FUSED="" FMNT=""
cleanup() {
	destroy_prefix "$P"
	[ -n "$QPID" ] && kill $QPID 2>/dev/null
	# The daemon's end closed, whatever waits on the mount fails.
	[ -n "$FUSED" ] && kill $FUSED 2>/dev/null && wait $FUSED 2>/dev/null
	[ -n "$FMNT" ] && { umount -l "$FMNT" 2>/dev/null; rmdir "$FMNT"; }
	[ -n "$HPIDS" ] && kill $HPIDS 2>/dev/null && wait $HPIDS 2>/dev/null
	local cg
	for cg in "${CGS[@]}"; do rmdir "$cg" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# A 16 MiB read-write disk: its RLIMIT_FSIZE is 16 MiB, which the audit
# must accept as sized to the disk (Xen's fixed 256 KiB breaks writes).
truncate -s 16M "$T/disk.img"
mkcfg "$T/a.cfg" "$P-a" "" "disk = [ 'format=raw, vdev=xvda, access=rw, target=$T/disk.img' ]"
"$BULKHEAD" create "$T/a.cfg" > /dev/null 2>&1 || { not_ok "audit: create failed"; exit 0; }
PID=$(vm_field "$P-a" pid)
"$BULKHEAD" audit "$PID" > "$T/vm.txt" 2>&1
check "audit: bulkhead VM exits 0" test $? = 0
check "audit: bulkhead VM passes every check" grep -qE "^pid $PID .*: ([0-9]+)/\\1 checks pass" "$T/vm.txt"
check "audit: FSIZE sized to the 16 MiB rw disk passes" grep -q "pass rlimit-fsize" "$T/vm.txt"
check "audit: the device model's FSIZE is the disk's size" grep -qE '^Max file size +16777216 +16777216 ' /proc/$PID/limits

# The same QEMU binary, run by hand as root.
qemu-system-x86_64 -nodefaults -display none -S -machine none -monitor none \
	-name guest=$P-hand </dev/null >/dev/null 2>&1 &
QPID=$!
sleep 1
"$BULKHEAD" audit "$QPID" > "$T/hand.txt" 2>&1
check "audit: hand-run root QEMU exits 1" test $? = 1
for id in uid-not-root caps-effective-permitted no-new-privs seccomp own-mount-ns own-net-ns own-root own-cgroup; do
	check "audit: hand-run root QEMU fails $id" grep -q "FAIL $id " "$T/hand.txt"
done
check "audit: each failure has a recommendation" \
	test "$(grep -c ' FAIL ' "$T/hand.txt")" = "$(grep -c -- ' -> ' "$T/hand.txt")"
"$BULKHEAD" audit --all --json > "$T/all.json" 2>&1
check "audit --all --json: finds both, scores differ" python3 -c '
import json, sys
r = {x["pid"]: x for x in json.load(open(sys.argv[1]))}
vm, hand = r[int(sys.argv[2])], r[int(sys.argv[3])]
assert vm["passed"] == vm["total"], vm
assert hand["passed"] < vm["passed"] / 2, hand
assert all("recommendation" in c for c in hand["checks"] if not c["pass"])' "$T/all.json" "$PID" "$QPID"
kill $QPID; wait $QPID 2>/dev/null; QPID=""

# A hostile process name: a process sets its own name (PR_SET_NAME) and
# command line, and in a delegated cgroup subtree names its own cgroup.
# One with terminal escapes, newlines, a forged "pass" line, invalid
# UTF-8, "-sandbox on,..." inside another argument and a 100000-byte
# argument, and a plain twin, each in a cgroup of its own: the same
# verdicts, and only printable ASCII in the output.
CGROOT=/sys/fs/cgroup/memory
[ -d "$CGROOT" ] || CGROOT=/sys/fs/cgroup
CGS=("$CGROOT/$P-"$'\e[31mred\e[0m\xff\xfe' "$CGROOT/$P-twin")
# spawn CGROUP NAME ARGS...: a process in CGROUP named NAME, with ARGS.
spawn() {
	mkdir "$1" || return 1
	python3 -c '
import ctypes, os, sys, time
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
name = sys.argv[2].encode("utf-8", "surrogateescape")
ctypes.CDLL(None).prctl(15, name, 0, 0, 0)
time.sleep(600)' "$@" &
	HPIDS="$HPIDS $!"
}
forged=$'x\n  pass uid-not-root               uids 1 1 1 1\n\e[2J\e]0;owned\a'
spawn "${CGS[0]}" $'qemu\e[2J\n\xff pass' "$forged" -name \
	"x -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny" \
	$'\xff\xfe\xc3\x28' "$(head -c 100000 /dev/zero | tr '\0' A)"
HOSTILE=$!
spawn "${CGS[1]}" qemu-twin x -name y
TWIN=$!
sleep 1
for w in HOSTILE TWIN; do
	"$BULKHEAD" audit "${!w}" > "$T/$w.txt" 2>&1
	"$BULKHEAD" audit "${!w}" --json > "$T/$w.json" 2>&1
done
verdicts() { LC_ALL=C sed -n 's/^  \(pass\|FAIL\) \([a-z-]*\) .*/\1 \2/p' "$1"; }
check "audit: a hostile process name, command line and cgroup change no verdict" \
	test "$(verdicts "$T/HOSTILE.txt")" = "$(verdicts "$T/TWIN.txt")" -a \
	"$(verdicts "$T/TWIN.txt" | wc -l)" = 23
# Its lines: the header, 23 checks and a recommendation per FAIL.
check "audit: a hostile process's text output is printable ASCII, no line added" \
	eval '! LC_ALL=C grep -q "[^[:print:]]" "$T/HOSTILE.txt" &&
	test "$(wc -l < "$T/HOSTILE.txt")" = $((24 + $(LC_ALL=C grep -c "^  FAIL " "$T/HOSTILE.txt"))) &&
	test "$(wc -l < "$T/TWIN.txt")" = $((24 + $(grep -c "^  FAIL " "$T/TWIN.txt")))'
check "audit --json: a hostile process's report is printable, with the twin's verdicts" python3 -c '
import json, sys
def load(p):
    raw = open(p, "rb").read()
    assert all(0x20 <= b < 0x7f or b == 0x0a for b in raw), p
    (r,) = json.loads(raw)
    assert r["total"] == len(r["checks"]) == 23, r
    return [(c["check"], c["pass"]) for c in r["checks"]], r
h, hr = load(sys.argv[1])
t, tr = load(sys.argv[2])
assert h == t, (h, t)
assert hr["passed"] == tr["passed"], (hr, tr)' "$T/HOSTILE.json" "$T/TWIN.json"
kill $HPIDS; wait $HPIDS 2>/dev/null; HPIDS=""

# Renamed device models. A process names only itself (root writing
# another's /proc/PID/comm gets EINVAL): QEMU's own -name process= is its
# PR_SET_NAME. One takes a kernel thread's name, one a hostile one; and
# a bulkhead VM whose device model is a QEMU copied under another name.
found_by() { # JSON PID: why --all took PID, or "missing"
	python3 -c '
import json, sys
r = {x["pid"]: x for x in json.load(open(sys.argv[1]))}
print(r[int(sys.argv[2])]["found_by"] if int(sys.argv[2]) in r else "missing")' "$@"
}
qemu_named() { # PROCESS-NAME: a hand-run QEMU that calls itself so
	qemu-system-x86_64 -nodefaults -display none -S -machine none -monitor none \
		-name "guest=$P-ren,process=$1" </dev/null >/dev/null 2>&1 &
	QPID="$QPID $!"
}
qemu_named kworker/0:1
REN=${QPID##* }
qemu_named $'\e[2J\n  pass x'
BAD=${QPID##* }
# Installed in a prefix of its own, as override.sh does.
Q=$T/prefix
mkdir -p "$Q/bin" "$Q/share" "$Q/lib/x86_64-linux-gnu/qemu"
cp /usr/bin/qemu-system-x86_64 "$Q/bin/vmm"
cp -a /usr/share/qemu /usr/share/seabios "$Q/share/"
cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$Q/lib/x86_64-linux-gnu/qemu/"
mkcfg "$T/b.cfg" "$P-b" "" "device_model_override = \"$Q/bin/vmm\""
"$BULKHEAD" create -p "$T/b.cfg" > "$T/b.out" 2>&1
BPID=$(vm_field "$P-b" pid)
sleep 1
"$BULKHEAD" audit --all --json > "$T/ren.json" 2>&1
"$BULKHEAD" audit --all > "$T/ren.txt" 2>&1
check "audit --all: a QEMU renamed kworker/0:1 is found by its executable" \
	test "$(cat /proc/$REN/comm)" = kworker/0:1 -a "$(found_by "$T/ren.json" "$REN")" = exe
check "audit --all: a QEMU with a hostile name is found by its executable" \
	test "$(found_by "$T/ren.json" "$BAD")" = exe
check "audit --all: the hostile name's text report is printable, one header each" \
	eval '! LC_ALL=C grep -q "[^[:print:]]" "$T/ren.txt" &&
	test "$(grep -c "^pid $BAD (" "$T/ren.txt")" = 1 -a "$(grep -c "^pid $REN (" "$T/ren.txt")" = 1'
check "audit --all: a bulkhead device model named vmm is found by its record" \
	test -n "$BPID" -a "$(cat /proc/$BPID/comm 2>/dev/null)" = vmm -a \
	"$(found_by "$T/ren.json" "${BPID:-0}")" = record
kill $QPID; wait $QPID 2>/dev/null; QPID=""
"$BULKHEAD" destroy "$P-b" > /dev/null 2>&1

# A flood of look-alikes (any user can start processes that call
# themselves qemu-system*) at low pids does not push a VM's device model
# (found by its cgroup) off --all's list. A fixture tree: 300 fakes.
F=$T/flood
for i in $(seq 1 300) 4000; do
	mkdir -p "$F/$i"
	printf 'Name:\tqemu-system-x86\nUid:\t1\t1\t1\t1\n' > "$F/$i/status"
	echo qemu-system-x86 > "$F/$i/comm"
	echo "0::/user.slice" > "$F/$i/cgroup"
done
echo bulkhead > "$F/4000/comm"
echo "0::/bulkhead/$P-vm" > "$F/4000/cgroup"
"$BULKHEAD" audit --all --json --proc-root "$F" > "$T/flood.json" 2>/dev/null
check "audit --all: 300 look-alikes do not hide a VM's device model" \
	test "$(found_by "$T/flood.json" 4000)" = cgroup -a \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/flood.json")" = 301

# Nothing stalls the audit. within5 NAME ARGS...: audit ARGS finishes
# within 5 s, with a verdict (exit 0 or 1, a report), into $T/w.out.
within5() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s%N)
	timeout 20 "$BULKHEAD" audit "$@" > "$T/w.out" 2>&1
	rc=$?
	local ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$rc" -le 1 ] && [ "$ms" -lt 5000 ] && grep -q "checks pass" "$T/w.out"; then
		ok "$name (${ms} ms)"
	else
		not_ok "$name: exit $rc after ${ms} ms"
	fi
}
# A stopped process holding a FIFO nobody writes and a socket.
mkfifo "$T/fifo"
F=$T/fifo python3 -c '
import os, signal, socket, time
fd = os.open(os.environ["F"], os.O_RDONLY | os.O_NONBLOCK)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
os.kill(os.getpid(), signal.SIGSTOP)
time.sleep(600)' &
STOPPED=$!
HPIDS="$HPIDS $STOPPED"
sleep 1
within5 "audit: a stopped process holding a FIFO and a socket" "$STOPPED"
kill -CONT $STOPPED 2>/dev/null

"$BULKHEAD" audit 999999999 > "$T/none.txt" 2>&1
check "audit: unknown pid exits 1" test $? = 1
"$BULKHEAD" audit > "$T/usage.txt" 2>&1
check "audit: no pid is a usage error (exit 2)" test $? = 2

# A FUSE mount whose daemon stops answering, and a process (named like
# QEMU, so the name finds it, even for the audit of old) whose root,
# cwd and a read-write fd are in it, and whose command line (the page
# of its stack that holds argv) is a mapping of a file there.
FMNT=$(mktemp -d /tmp/bh-fuse-XXXXXX)
if [ ! -c /dev/fuse ] || ! grep -qw fuse /proc/filesystems; then
	skip_rest "audit: no FUSE on this kernel (/dev/fuse, 'fuse' in /proc/filesystems)"
fi
python3 tests/e2e/fuse-silent.py "$FMNT" > "$T/fuse.out" 2>&1 &
FUSED=$!
wait_for "$T/fuse.out" ready 5 ||
	skip_rest "audit: cannot mount FUSE here: $(head -c 200 "$T/fuse.out")"
python3 -c '
import ctypes, os, sys, time
m = sys.argv[1]
fd = os.open(m + "/f", os.O_RDWR)
# arg_start, field 48 of stat; MAP_PRIVATE | MAP_FIXED, read-only.
arg = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[45])
libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
if libc.mmap(arg & ~4095, 4096, 1, 0x12, fd, 0) != arg & ~4095:
    sys.exit("mmap over argv failed")
os.chdir(m)
os.chroot(m)
ctypes.CDLL(None).prctl(15, b"qemu-system-x86_64", 0, 0, 0)
print("in", flush=True)
time.sleep(600)' "$FMNT" > "$T/in.out" 2>&1 &
INFUSE=$!
HPIDS="$HPIDS $INFUSE"
wait_for "$T/in.out" in 5
check "audit: the process's root and argv page are in the FUSE mount" \
	eval 'test "$(readlink /proc/$INFUSE/root)" = "$FMNT" &&
	grep -q " $FMNT/f\$" /proc/$INFUSE/maps'
kill -USR1 $FUSED
sleep 0.5
within5 "audit: root, cwd, a rw fd and argv in a FUSE mount that never answers" "$INFUSE"
check "audit: a root on that FUSE mount is not looked into" \
	grep -q "FAIL no-host-dirs .*fuse file system: not looked into" "$T/w.out"
within5 "audit --all: finishes beside that process" --all
check "audit --all: lists the process in the FUSE mount" grep -q "^pid $INFUSE (" "$T/w.out"
# The daemon first: a process closing a file of a mount whose daemon is
# alive waits in its exit for a FLUSH answer, unkillably.
kill $FUSED; wait $FUSED 2>/dev/null; FUSED=""
kill $HPIDS; wait $HPIDS 2>/dev/null; HPIDS=""
umount -l "$FMNT" && rmdir "$FMNT" && FMNT=""
exit "$FAILED"
