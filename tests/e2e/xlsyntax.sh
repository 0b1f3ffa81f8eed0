#!/bin/bash
# xl.cfg as xl users write it, end to end. create's key=value arguments
# replace the file's values (as xl's): the device model gets the
# argument's value, and a monitor that takes the VM over reads the same
# config (the file's text and the arguments, kept together) — the
# file's value alone would be refused. cpus confines the device model,
# every thread of it, to those host CPUs through the VM's cpuset cgroup,
# which even root's sched_setaffinity on it cannot widen; a CPU the
# host does not have online is refused. format=qcow2: an image made by
# qemu-img is read by the guest through QEMU's qcow2 driver over the fd
# create opened; a qcow2 whose header names a backing file on the host
# boots with no backing file: the guest reads zeros, never that file.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 20
P=bhtest-xls-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

monitor_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$1/record.json"; }
kill_monitor() { local m; m=$(monitor_of "$1"); kill -9 "$m"; while alive "$m"; do sleep 0.05; done; }

# 1. key=value arguments, through a take-over.
A=$P-args
mkcfg "$T/a.cfg" "$A-file" "" "memory = 5"
expect "args: created with name, memory and cmdline from the command line" 0 "running" \
	"$BULKHEAD" create "$T/a.cfg" "name=\"$A\"" memory=200 \
	"cmdline='console=ttyS0 quiet panic=-1 bulkhead.xls=$$'"
PID=$(vm_field "$A" pid)
tr '\0' ' ' < "/proc/${PID:-0}/cmdline" > "$T/dm.args"
check "args: the device model has the arguments' memory and command line" \
	bash -c "grep -q ' -m 200 ' '$T/dm.args' && grep -q 'bulkhead.xls=$$' '$T/dm.args'"
check "args: the guest boots" \
	wait_for "$(vm_field "$A" console_log)" BULKHEAD-GUEST-READY 90
kill_monitor "$A"
"$BULKHEAD" pause "$A" > "$T/p.out" 2>&1
check "args: a new monitor took the VM over from the kept config and paused it" \
	bash -c "grep -q paused '$T/p.out' && test '$(vm_field "$A" state)' = paused"
check "args: the kept config holds the file's text and the arguments" \
	bash -c "tr '\0' '\n' < /run/bulkhead/vm/$A/config | grep -qx 'memory=200'"
expect "args: destroyed through the new monitor" 0 "destroyed" "$BULKHEAD" destroy "$A"

# 2. cpus.
mode=$("$BULKHEAD" host-init | sed -n 's/^cgroups: \([a-z0-9]*\).*/\1/p')
cpuset_of() { # VM: its group's cpuset.cpus
	if [ "$mode" = v2 ]; then cat "/sys/fs/cgroup/bulkhead/$1/cpuset.cpus"; else cat "/sys/fs/cgroup/cpuset/bulkhead/$1/cpuset.cpus"; fi
}
allowed() { sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$1/status"; } # PID
# threads_on PID LIST: every thread of PID may run on LIST alone.
threads_on() { ! grep -h '^Cpus_allowed_list:' /proc/"$1"/task/*/status | grep -qv "	$2\$"; }
ONLINE=$(cat /sys/devices/system/cpu/online)
LAST=$(sed 's/.*[-,]//' <<< "$ONLINE")
C=$P-cpus
mkcfg "$T/c.cfg" "$C" "" "cpus = \"$LAST\""
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	PID=$(vm_field "$C" pid)
	check "cpus: QEMU's Cpus_allowed_list is $LAST (host online: $ONLINE)" test "$(allowed "$PID")" = "$LAST"
	check "cpus: every QEMU thread is confined to $LAST" threads_on "$PID" "$LAST"
	check "cpus: the VM's cgroup ($mode) has cpuset.cpus $LAST" test "$(cpuset_of "$C")" = "$LAST"
	taskset -apc "$ONLINE" "$PID" > /dev/null 2>&1
	check "cpus: root's sched_setaffinity on QEMU does not widen it" test "$(allowed "$PID")" = "$LAST"
	"$BULKHEAD" destroy "$C" > /dev/null 2>&1
else
	for i in 1 2 3 4; do not_ok "cpus: create failed: $(head -c 300 "$T/c.out")"; done
fi
mkcfg "$T/n.cfg" "$P-nopin" ""
expect "cpus: ^$LAST given on the command line: all online CPUs but $LAST" 0 "running" \
	"$BULKHEAD" create "$T/n.cfg" "cpus='^$LAST'"
check "cpus: that VM's QEMU may not run on CPU $LAST" \
	bash -c "test -n '$(vm_field "$P-nopin" pid)' && ! taskset -cp '$(vm_field "$P-nopin" pid)' | grep -q '[ ,-]$LAST\$'"
"$BULKHEAD" destroy "$P-nopin" > /dev/null 2>&1
mkcfg "$T/o.cfg" "$P-off" "" "cpus = '0,1023'"
expect "cpus: a CPU the host does not have online is refused, naming it" 2 \
	"o.cfg:7: cpus: CPU 1023 is not online on this host (online: $ONLINE)" "$BULKHEAD" create "$T/o.cfg"

# 3. qcow2.
printf 'BULKHEAD-QCOW2-%s\n' $$ > "$T/q.raw" && truncate -s 8M "$T/q.raw" &&
	qemu-img convert -q -f raw -O qcow2 "$T/q.raw" "$T/q.qcow2"
Q=$P-qcow2
mkcfg "$T/q.cfg" "$Q" readdisk "disk = [ '$T/q.qcow2,qcow2,xvda,rw' ]"
expect "qcow2: a qcow2 image, format stated, created" 0 "running" "$BULKHEAD" create "$T/q.cfg"
check "qcow2: the guest reads the image's data" \
	wait_for "$(vm_field "$Q" console_log)" "BULKHEAD-DISK: BULKHEAD-QCOW2-$$" 90
check "qcow2: QEMU opens it with the qcow2 driver and no backing file" \
	grep -q '"driver":"qcow2",.*"backing":null' <(tr '\0' '\n' < "/proc/$(vm_field "$Q" pid)/cmdline")
"$BULKHEAD" destroy "$Q" > /dev/null 2>&1
# The backing file: a host file the config's qcow2 names (as a guest's
# owner could write into any image's header).
mkdir -m 700 "$T/private" && printf 'BULKHEAD-SECRET-%s\n' $$ > "$T/private/secret.raw" &&
	truncate -s 8M "$T/private/secret.raw" &&
	qemu-img create -q -f qcow2 -b "$T/private/secret.raw" -F raw "$T/top.qcow2"
S=$P-backing
mkcfg "$T/s.cfg" "$S" readdisk "disk = [ 'format=qcow2, vdev=xvda, access=ro, target=$T/top.qcow2' ]"
expect "qcow2: an image naming a host backing file: created" 0 "running" "$BULKHEAD" create "$T/s.cfg"
check "qcow2: the guest reads its disk (unallocated clusters)" \
	wait_for "$(vm_field "$S" console_log)" "BULKHEAD-DISK:" 90
check "qcow2: the guest does not see the backing file's content" \
	bash -c "! grep -aq 'BULKHEAD-SECRET' '$(vm_field "$S" console_log)'"
"$BULKHEAD" destroy "$S" > /dev/null 2>&1
# A root QEMU with no jail (dm_restrict = 0) would open by name the
# external data file a qcow2 header can name, which "backing": null
# does not stop: the two are refused together.
mkcfg "$T/r.cfg" "$S-nojail" readdisk "disk = [ 'format=qcow2, vdev=xvda, access=ro, target=$T/top.qcow2' ]" \
	"dm_restrict = 0"
expect "qcow2: with dm_restrict = 0, refused with why" 2 \
	"format=qcow2 with dm_restrict = 0: QEMU as root would open" "$BULKHEAD" create "$T/r.cfg"
exit "$FAILED"
