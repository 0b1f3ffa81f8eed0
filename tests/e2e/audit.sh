#!/bin/bash
# bulkhead audit on live processes: a bulkhead VM passes every check; a
# QEMU run by hand as root fails most, each with a recommendation; --all
# finds both; a process with a hostile name, command line and cgroup
# name gets the verdicts of a plain twin, and none of its text reaches
# the text or JSON output raw.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 20
P=bhtest-aud-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
QPID="" HPIDS="" CGS=()
cleanup() {
	destroy_prefix "$P"
	[ -n "$QPID" ] && kill $QPID 2>/dev/null
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

"$BULKHEAD" audit 999999999 > "$T/none.txt" 2>&1
check "audit: unknown pid exits 1" test $? = 1
"$BULKHEAD" audit > "$T/usage.txt" 2>&1
check "audit: no pid is a usage error (exit 2)" test $? = 2
exit "$FAILED"
