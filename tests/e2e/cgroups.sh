#!/bin/bash
# Resource limits enforced by the host kernel: each VM's device model is
# in its own cgroup with the configured limits; a guest that exhausts
# its memory gets its own VM killed while another VM and the toolstack
# keep running; the cgroup is gone after destroy.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 18
P=bhtest-cg-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

mode=$("$BULKHEAD" host-init | sed -n 's/^cgroups: \([a-z0-9]*\).*/\1/p')
# cgf CONTROLLER FILE (v1) / FILE (v2): a file of VM $1's group.
cgf() {
	if [ "$mode" = v2 ]; then echo "/sys/fs/cgroup/bulkhead/$1/$3"; else echo "/sys/fs/cgroup/$2/bulkhead/$1/$3"; fi
}

mkcfg "$T/l.cfg" "$P-l" "" 'memory_overhead = 192' 'pids_max = 200' 'cpu_weight = 50' 'cpu_cap = 50'
if "$BULKHEAD" create "$T/l.cfg" > "$T/l.out" 2>&1; then
	PID=$(vm_field "$P-l" pid)
	MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' /run/bulkhead/vm/$P-l/record.json)
	if [ "$mode" = v2 ]; then
		check "cgroup: memory.max = memory + overhead (320 MiB)" test "$(cat "$(cgf $P-l - memory.max)")" = $((320 << 20))
		check "cgroup: pids.max" test "$(cat "$(cgf $P-l - pids.max)")" = 200
		check "cgroup: cpu.weight" test "$(cat "$(cgf $P-l - cpu.weight)")" = 50
		check "cgroup: cpu.max (50%)" test "$(cat "$(cgf $P-l - cpu.max)")" = "50000 100000"
		check "cgroup: whole VM killed on OOM" test "$(cat "$(cgf $P-l - memory.oom.group)")" = 1
		check "cgroup: device model in bulkhead/$P-l" grep -qx "0::/bulkhead/$P-l" /proc/$PID/cgroup
	else
		check "cgroup (v1): memory limit = memory + overhead (320 MiB)" test "$(cat "$(cgf $P-l memory memory.limit_in_bytes)")" = $((320 << 20))
		check "cgroup (v1): pids.max" test "$(cat "$(cgf $P-l pids pids.max)")" = 200
		check "cgroup (v1): cpu.shares from weight 50" test "$(cat "$(cgf $P-l cpu cpu.shares)")" = 512
		check "cgroup (v1): cfs quota (50%)" test "$(cat "$(cgf $P-l cpu cpu.cfs_quota_us)")" = 50000
		for c in memory pids cpu blkio freezer; do
			check "cgroup (v1): device model in $c:/bulkhead/$P-l" grep -q ":$c:/bulkhead/$P-l\$" /proc/$PID/cgroup
		done
	fi
	check "cgroup: the monitor is not in the VM's group" bash -c "! grep -q 'bulkhead/$P-l' /proc/$MON/cgroup"
	"$BULKHEAD" destroy "$P-l" > /dev/null 2>&1
	if [ "$mode" = v2 ]; then
		check "cgroup: removed after destroy" test ! -e /sys/fs/cgroup/bulkhead/$P-l
	else
		check "cgroup (v1): removed from every hierarchy after destroy" \
			bash -c "! ls -d /sys/fs/cgroup/{memory,pids,cpu,blkio,freezer}/bulkhead/$P-l 2>/dev/null | grep -q ."
	fi
else
	not_ok "cgroup: create failed: $(cat "$T/l.out")"
fi

# A bystander, and a guest that touches all its RAM with no overhead
# allowed for QEMU: the kernel kills that VM's device model, nothing else.
mkcfg "$T/b.cfg" "$P-bystander" ""
mkcfg "$T/h.cfg" "$P-hog" memhog 'memory = 256' 'memory_overhead = 0'
if "$BULKHEAD" create "$T/b.cfg" >/dev/null 2>&1 && "$BULKHEAD" create "$T/h.cfg" >/dev/null 2>&1; then
	BPID=$(vm_field "$P-bystander" pid)
	HLOG=$(vm_field "$P-hog" console_log)
	HUID=$(vm_field "$P-hog" uid)
	for i in $(seq 1 900); do [ -e /run/bulkhead/vm/$P-hog ] || break; sleep 0.1; done
	check "memory bomb: guest started touching its RAM" grep -aq BULKHEAD-MEMHOG-START "$HLOG"
	check "memory bomb: guest did not get to finish" bash -c "! grep -aq BULKHEAD-MEMHOG-SURVIVED '$HLOG'"
	check "memory bomb: its device model was killed (SIGKILL, OOM)" \
		grep -q "device model killed by signal 9" /var/log/bulkhead/$P-hog/monitor.log
	check "memory bomb: that VM was destroyed and cleaned up" test ! -e /run/bulkhead/vm/$P-hog
	check "memory bomb: no process of its uid left" test "$(uid_procs "$HUID")" = 0
	check "memory bomb: the other VM keeps running" test -d /proc/$BPID
	check "memory bomb: the other VM's monitor still answers" bash -c "'$BULKHEAD' list | grep -q '$P-bystander .* running'"
else
	not_ok "memory bomb: VMs did not start"
fi
exit "$FAILED"
