#!/bin/bash
# 50 VMs created at once (paused, 32 MiB) and destroyed at once leave
# nothing: no process, mount, cgroup, runtime dir, VM id or fd.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 11
N=${CHURN_VMS:-50}
P=bhtest-churn-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

ids_before=$(ids_of "$P-")
t0=$(date +%s)
for i in $(seq 1 "$N"); do
	mkcfg "$T/$i.cfg" "$P-$i" "" "memory = 32"
	"$BULKHEAD" create -p "$T/$i.cfg" > "$T/$i.out" 2>&1 &
done
wait
t1=$(date +%s)
started=$(grep -l ": paused (vmid" "$T"/*.out | wc -l)
check "churn: $started of $N created at once in $((t1 - t0)) s" test "$started" = "$N"
[ "$started" = "$N" ] || grep -h error "$T"/*.out | sort | uniq -c | head -5
"$BULKHEAD" list --json > "$T/list.json"
check "churn: list shows $N paused VMs with distinct ids and uids" python3 - "$T/list.json" "$P-" "$N" <<'PY'
import json, sys
vms = [v for v in json.load(open(sys.argv[1])) if v["name"].startswith(sys.argv[2])]
n = int(sys.argv[3])
assert len(vms) == n, len(vms)
assert all(v["state"] == "paused" for v in vms), [v["state"] for v in vms]
assert len({v["vmid"] for v in vms}) == n and len({v["uid"] for v in vms}) == n
PY
uids=$(python3 -c '
import json, sys
print(" ".join(str(v["uid"]) for v in json.load(open(sys.argv[1])) if v["name"].startswith(sys.argv[2])))' "$T/list.json" "$P-")

t0=$(date +%s)
for i in $(seq 1 "$N"); do
	"$BULKHEAD" destroy "$P-$i" > "$T/$i.destroy" 2>&1 &
done
wait
t1=$(date +%s)
destroyed=$(grep -l "destroyed" "$T"/*.destroy | wc -l)
check "churn: $destroyed of $N destroyed at once in $((t1 - t0)) s" test "$destroyed" = "$N"
# A uid given to another test's VM since is not ours to count
# (lib.sh's other_vm_uids).
# Listed before and after the count: a VM starting meanwhile is seen.
others=$(other_vm_uids "$P-")
counts=
for u in $uids; do counts="$counts $u:$(uid_procs "$u")"; done
others="$others$(other_vm_uids "$P-")"
left=0 reused=
for c in $counts; do
	case "$others" in
	*" ${c%:*} "*) reused="$reused ${c%:*}" ;;
	*) left=$((left + ${c#*:})) ;;
	esac
done
check "churn: no process of any of their uids left ($left${reused:+; given to other VMs since:$reused})" test "$left" = 0
check "churn: no runtime dir left" bash -c "! ls -d /run/bulkhead/vm/$P-* 2>/dev/null | grep -q ."
check "churn: no VM id of theirs left" test "$(ids_of "$P-")" = "$ids_before"
check "churn: no cgroup left" bash -c "! ls -d /sys/fs/cgroup/bulkhead/$P-* /sys/fs/cgroup/*/bulkhead/$P-* 2>/dev/null | grep -q ."
check "churn: no mount left" bash -c "! grep -q '$P-' /proc/mounts"
check "churn: no process holds an fd of theirs" bash -c "! ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q '$P-'"
# [x]yz: the patterns do not match the checking command line itself.
check "churn: no device model left" bash -c "! pgrep -f 'guest=[b]htest-churn-$$' > /dev/null"
check "churn: no monitor left" bash -c "! pgrep -f '[${T:0:1}]${T:1}/' > /dev/null"
exit "$FAILED"
