#!/bin/bash
# bulkhead check: the probe, run in a running VM's jail, finds every
# escape blocked; the same probe run unconfined as root finds escapes, so
# it is shown to work; the VM is unharmed and nothing is left behind.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 21
P=bhtest-chk-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
PROBE=$(dirname "$(realpath "$BULKHEAD")")/bulkhead-probe
[ -x "$PROBE" ] || PROBE=$(dirname "$(dirname "$(realpath "$BULKHEAD")")")/bulkhead-probe

mkcfg "$T/c.cfg" "$P-a" ""
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	PID=$(vm_field "$P-a" pid)
	"$BULKHEAD" check "$P-a" > "$T/check.txt" 2>&1
	rc=$?
	check "check: exit 0 (nothing escaped)" test "$rc" = 0
	check "check: no ESCAPED line" bash -c "! grep -q ESCAPED '$T/check.txt'"
	"$BULKHEAD" check "$P-a" --json > "$T/check.json" 2>&1
	check "check --json: >= 30 attempts, 0 escaped" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["attempts"] >= 30 and r["escaped"] == 0, r
assert len(r["results"]) == r["attempts"]
ids = {x["attempt"] for x in r["results"]}
for need in ["setuid-root", "capabilities", "read-shadow", "mknod-block", "chroot-escape",
             "grow-file", "see-processes", "ptrace", "fork-bomb", "memory-bomb", "mount",
             "unshare-userns", "bpf", "perf", "keyctl", "io-uring", "module-load", "reboot",
             "host-loopback-tcp", "netlink-links", "af-packet", "host-abstract-socket",
             "tiocsti", "inherited-fds", "list-root", "list-dev", "ioctl-dev", "tcp-bind",
             "signal-out"]:
    assert need in ids, need' "$T/check.json"
	# The bombs' outcome, not their wording: blocked, and how.
	check "check: fork bomb blocked: a fork refused (EAGAIN) below pids.max" python3 -c '
import json, re, sys
r = {x["attempt"]: x for x in json.load(open(sys.argv[1]))["results"]}["fork-bomb"]
m = re.fullmatch(r"fork refused after (\d+) forks: Resource temporarily unavailable \(pids limit (\d+)\)", r["detail"])
assert r["result"] == "blocked" and m and 0 < int(m[1]) < int(m[2]), r' "$T/check.json"
	check "check: memory bomb blocked: SIGKILLed before twice the limit" python3 -c '
import json, re, sys
r = {x["attempt"]: x for x in json.load(open(sys.argv[1]))["results"]}["memory-bomb"]
assert r["result"] == "blocked", r
assert re.fullmatch(r"the child was killed by signal 9 \(Killed\) before \d+ MiB", r["detail"]), r' "$T/check.json"
	check "check: the VM still runs afterwards" test -d /proc/$PID
	check "check: no probe cgroup left" bash -c "! ls -d /sys/fs/cgroup/bulkhead/.probe-* /sys/fs/cgroup/*/bulkhead/.probe-* 2>/dev/null | grep -q ."
	check "check: no probe root left" test ! -e /run/bulkhead/vm/$P-a/probe-root
else
	not_ok "check: create failed: $(cat "$T/c.out")"
fi

# The same probe, unconfined as root: it must report escapes. Its
# attempts are built to do no harm where they succeed.
"$PROBE" < /dev/null > "$T/root.txt" 2>&1
rc=$?
n=$(grep -c '^escaped' "$T/root.txt")
check "probe unconfined as root: exit 1" test "$rc" = 1
check "probe unconfined as root: $n escapes (>= 10)" test "$n" -ge 10
for id in setuid-root capabilities no-new-privs seccomp read-passwd see-processes fork-bomb memory-bomb; do
	check "probe unconfined as root: $id escapes" grep -q "^escaped $id " "$T/root.txt"
done
check "probe unconfined: left nothing in /" test ! -e /bulkhead-probe-was-here

"$BULKHEAD" check "$P-none" > "$T/none.out" 2>&1
check "check: unknown VM exits 1" test $? = 1
mkcfg "$T/u.cfg" "$P-u" "" "dm_restrict = 0"
if "$BULKHEAD" create "$T/u.cfg" > /dev/null 2>&1; then
	"$BULKHEAD" check "$P-u" > "$T/u.out" 2>&1
	check "check: refuses an unrestricted VM" test $? = 1 -a -n "$(grep 'not deprivileged' "$T/u.out")"
fi
exit "$FAILED"
