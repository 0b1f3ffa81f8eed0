#!/bin/bash
# bulkhead audit on live processes: a bulkhead VM passes every check; a
# QEMU run by hand as root fails most, each with a recommendation; --all
# finds both; a hostile process name cannot reach the terminal raw.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 17
P=bhtest-aud-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
QPID=""
trap 'destroy_prefix "$P"; [ -n "$QPID" ] && kill $QPID 2>/dev/null; rm -rf "$T"' EXIT

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

"$BULKHEAD" audit 999999999 > "$T/none.txt" 2>&1
check "audit: unknown pid exits 1" test $? = 1
"$BULKHEAD" audit > "$T/usage.txt" 2>&1
check "audit: no pid is a usage error (exit 2)" test $? = 2
exit "$FAILED"
