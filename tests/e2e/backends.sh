#!/bin/bash
# Isolated backends in a real VM: a TCG guest on an isolated disk writes,
# re-reads and verifies 4 MiB (and the host finds the same bytes in the
# backing file), reads /dev/hwrng from bulkhead-rng, cannot write to an
# isolated read-only disk; each backend is confined (own uid, no
# capabilities, no_new_privs, seccomp, own namespaces and cgroup, only
# its own fds); the backends of a VM share one uid, range base + 32768 +
# VM id, which is neither QEMU's nor another VM's; a backend's death
# ends the VM; destroy leaves nothing; bad configs are refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 50
P=bhtest-be-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

# The pid of VM $1's backend for device $2, from its cgroup.
be_pid() {
	cat /sys/fs/cgroup/bulkhead/"$1+$2"/cgroup.procs \
		/sys/fs/cgroup/pids/bulkhead/"$1+$2"/cgroup.procs 2>/dev/null | head -n 1
}
status_of() { grep -E "^$2:" "/proc/$1/status" | tr -s '\t ' ' ' | cut -d' ' -f2-; }

truncate -s 64M "$T/disk.img"
truncate -s 16M "$T/ro.img"
printf 'RO-DISK-%s\n' $$ | dd of="$T/ro.img" conv=notrunc 2>/dev/null
mkcfg "$T/vm.cfg" "$P" blkverify,hwrng \
	"disk = [ 'vdev=xvda, access=rw, backendtype=isolated, target=$T/disk.img', 'vdev=xvdb, access=ro, backendtype=isolated, target=$T/ro.img' ]" \
	'rng = "isolated"' 'vcpus = 2'
if ! "$BULKHEAD" create "$T/vm.cfg" > "$T/create.out" 2>&1; then
	not_ok "backends: create failed: $(cat "$T/create.out")"
	exit 1
fi
LOG=$(vm_field "$P" console_log)
DM=$(vm_field "$P" pid)
check "backends: guest verified 4 MiB written and re-read on the isolated disk" \
	wait_for "$LOG" "BULKHEAD-BLKVERIFY-OK" 120
want=$(grep -a "BULKHEAD-BLKVERIFY-OK" "$LOG" | head -n 1 | awk '{print $2}' | tr -d '\r')
got=$(dd if="$T/disk.img" bs=1M skip=8 count=4 2>/dev/null | md5sum | cut -c1-32)
check "backends: the backing file holds what the guest wrote ($got)" test -n "$want" -a "$want" = "$got"
check "backends: guest reads 4096 bytes from /dev/hwrng (virtio_rng)" \
	wait_for "$LOG" "BULKHEAD-HWRNG virtio_rng.0 4096 " 60
distinct=$(grep -a "BULKHEAD-HWRNG" "$LOG" | head -n 1 | awk '{print $4}' | tr -d '\r')
check "backends: the rng bytes take $distinct distinct values (> 200)" test "${distinct:-0}" -gt 200

BLK=$(be_pid "$P" xvda)
RO=$(be_pid "$P" xvdb)
RNG=$(be_pid "$P" rng)
check "backends: one process per device (blk $BLK, ro $RO, rng $RNG)" test -n "$BLK" -a -n "$RO" -a -n "$RNG"
DM_UID=$(status_of "$DM" Uid | cut -d' ' -f1)
BASE=$(getent passwd "${BULKHEAD_ACCOUNT_PREFIX:-bulkhead}-range-base" | cut -d: -f3)
# be_uid VM: the uid and gid its backends must have, as the docs say.
be_uid() { echo "$((BASE + 32768 + $(vm_field "$1" vmid)))"; }
BE_UID=$(be_uid "$P")
for pid in $BLK $RNG; do
	name=$(cat /proc/$pid/comm)
	uid=$(status_of "$pid" Uid)
	gid=$(status_of "$pid" Gid)
	u=${uid%% *}
	check "backends: $name runs as uid and gid $u = range base $BASE + 32768 + VM id, not QEMU's $DM_UID" \
		test "$uid" = "$BE_UID $BE_UID $BE_UID $BE_UID" -a "$gid" = "$BE_UID $BE_UID $BE_UID $BE_UID" \
		-a -n "$BASE" -a "$u" != "$DM_UID"
	check "backends: $name has no capabilities (effective, permitted, bounding)" \
		test "$(status_of "$pid" CapEff)$(status_of "$pid" CapPrm)$(status_of "$pid" CapBnd)" = \
		"000000000000000000000000000000000000000000000000"
	check "backends: $name NoNewPrivs 1, Seccomp 2" \
		test "$(status_of "$pid" NoNewPrivs) $(status_of "$pid" Seccomp)" = "1 2"
	same=0
	for ns in pid mnt net ipc uts; do
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/self/ns/$ns)" ] && same=1
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/$DM/ns/$ns)" ] && same=1
	done
	check "backends: $name has pid/mnt/net/ipc/uts namespaces of its own" test "$same" = 0
	# Only /dev/null, its log pipe, its socket, eventfds and (blk) the disk.
	other=$(ls -l /proc/$pid/fd | awk 'NR > 1 {print $NF}' |
		grep -vE '^(/dev/null|pipe:|socket:|anon_inode:\[eventfd\])' | grep -v "^$T/disk.img$")
	check "backends: $name holds no fd but its own (${other:-none other})" test -z "$other"
	files=$(find /proc/$pid/root/ -mindepth 1 -not -type d | sed "s|^/proc/$pid/root||")
	check "backends: $name's root holds its binary and nothing else ($files)" \
		test "$(basename "$files")" = "$name" -a "$(echo "$files" | wc -l)" = 1
	check "backends: $name's mount namespace has its read-only root and no other mount" \
		test "$(wc -l < /proc/$pid/mountinfo)" = 1 -a "$(awk '{print $5, $6}' /proc/$pid/mountinfo | cut -c1-4)" = "/ ro"
done
check "backends: the VM's three backends share that one uid" \
	test "$(for p in $BLK $RO $RNG; do status_of "$p" Uid; done | sort -u)" = "$BE_UID $BE_UID $BE_UID $BE_UID"
# A second VM at the same time: its backends' uid is its own.
ONE=$(status_of "$BLK" Uid)
ONE=${ONE%% *}
mkcfg "$T/two.cfg" "$P-two" none 'rng = "isolated"'
if "$BULKHEAD" create "$T/two.cfg" > "$T/create.out" 2>&1; then
	TWO=$(status_of "$(be_pid "$P-two" rng)" Uid)
	TWO=${TWO%% *}
	check "backends: a second VM's backends run as its own base + 32768 + VM id ($TWO)" \
		test "$TWO" = "$(be_uid "$P-two")"
	check "backends: ... which is neither the first VM's backends' uid nor either QEMU's" \
		test "$TWO" != "$ONE" -a "$TWO" != "$DM_UID" -a "$TWO" != "$(vm_field "$P-two" uid)"
	"$BULKHEAD" destroy "$P-two" > /dev/null 2>&1
else
	not_ok "backends: a second VM failed: $(cat "$T/create.out")"
	not_ok "backends: ... so its backends' uid could not be compared"
fi
check "backends: QEMU holds no fd of the isolated disks" bash -c "! ls -l /proc/$DM/fd | grep -q '$T'"
check "backends: QEMU's argv names no disk path" bash -c "! tr '\0' ' ' < /proc/$DM/cmdline | grep -q '$T'"
for dev in xvda rng; do
	max=$(cat /sys/fs/cgroup/bulkhead/"$P+$dev"/pids.max /sys/fs/cgroup/pids/bulkhead/"$P+$dev"/pids.max 2>/dev/null | head -n 1)
	check "backends: $dev backend has a cgroup of its own (pids.max $max)" test "$max" = 4
	mem=$(cat /sys/fs/cgroup/bulkhead/"$P+$dev"/memory.max /sys/fs/cgroup/memory/bulkhead/"$P+$dev"/memory.limit_in_bytes 2>/dev/null | head -n 1)
	check "backends: $dev backend's memory limit is the guest's 128 MiB + 64 MiB ($mem)" \
		test "$mem" = $(((128 + 64) * 1048576))
done

expect "backends: save is refused for a VM with isolated backends" 1 "not supported" \
	"$BULKHEAD" save "$P" "$T/save.img"
check "backends: the refused save left no file" test ! -e "$T/save.img"

gone() { # wait until VM $1 is no longer listed
	for i in $(seq 1 100); do
		[ -z "$(vm_field "$1" state 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# A backend's death ends the VM (its device cannot come back), also
# under a monitor that took the VM over after the first one was killed.
MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$P/record.json")
kill -9 "$MON"
while alive "$MON"; do sleep 0.05; done
"$BULKHEAD" pause "$P" > "$T/p.out" 2>&1
check "backends: a new monitor takes the VM over (pause)" grep -q paused "$T/p.out"
check "backends: ... and watches its backends again" \
	grep -q "xvda backend (pid $BLK) watched again" "$(dirname "$LOG")/monitor.log"
kill -9 "$BLK"
check "backends: killing the disk backend destroys the VM (taken-over monitor)" gone "$P"
check "backends: ... and the monitor log says why" \
	grep -q "destroying $P: xvda backend exited" "$(dirname "$LOG")/monitor.log"
check "backends: no process of the backends' uid is left" test "$(uid_procs "${uid%% *}")" = 0
check "backends: no backend cgroup is left" bash -c "! ls -d /sys/fs/cgroup/bulkhead/$P+* /sys/fs/cgroup/*/bulkhead/$P+* 2>/dev/null | grep -q ."
check "backends: no runtime directory is left" test ! -e "/run/bulkhead/vm/$P"

# A read-only isolated disk refuses the guest's writes.
mkcfg "$T/ro.cfg" "$P-ro" writedisk \
	"disk = [ 'vdev=xvda, access=ro, backendtype=isolated, target=$T/ro.img' ]"
if "$BULKHEAD" create "$T/ro.cfg" > "$T/create.out" 2>&1; then
	RLOG=$(vm_field "$P-ro" console_log)
	check "backends: the guest cannot write a read-only isolated disk" \
		wait_for "$RLOG" "BULKHEAD-WRITE-FAIL" 90
	check "backends: the read-only disk is unchanged" \
		bash -c "head -c 64 '$T/ro.img' | grep -aq 'RO-DISK-$$'"
	kill -9 "$(be_pid "$P-ro" xvda)"
	check "backends: killing a backend destroys its VM (first monitor)" gone "$P-ro"
	check "backends: ... which logs the signal" \
		grep -q "xvda backend killed by signal 9" "$(dirname "$RLOG")/monitor.log"
	"$BULKHEAD" destroy "$P-ro" > /dev/null 2>&1
else
	not_ok "backends: read-only create failed: $(cat "$T/create.out")"
fi

# Bad configs: refused with the line and the reason, nothing started.
bad() { # bad WHAT PATTERN CONFIG-LINES...
	local what=$1 pat=$2
	shift 2
	mkcfg "$T/bad.cfg" "$P-bad" none "$@"
	expect "backends: refuses $what" 2 "$pat" "$BULKHEAD" create "$T/bad.cfg"
}
bad "an unknown backendtype" "backendtype 'qemu' is not supported" \
	"disk = [ 'vdev=xvda, backendtype=qemu, target=$T/disk.img' ]"
bad "an isolated cdrom" "cdrom cannot have an isolated backend" \
	"disk = [ 'vdev=hdc, devtype=cdrom, backendtype=isolated, target=' ]"
bad "isolated backends without dm_restrict" "need dm_restrict = 1" \
	"disk = [ 'vdev=xvda, backendtype=isolated, target=$T/disk.img' ]" 'dm_restrict = 0'
bad "an isolated disk with I/O limits" "isolated disk cannot be used with disk_" \
	"disk = [ 'vdev=xvda, backendtype=isolated, target=$T/disk.img' ]" 'disk_read_iops = 100'
bad "an unknown rng" "unknown rng 'yes'" 'rng = "yes"'
bad "backendtype given twice" "given twice" \
	"disk = [ 'vdev=xvda, backendtype=isolated, backendtype=qdisk, target=$T/disk.img' ]"
check "backends: nothing left of the refused VMs" test ! -e "/run/bulkhead/vm/$P-bad"

# Standalone, beside a stock QEMU: the backend is killed and restarted
# while the guest is idle, QEMU reconnects (reconnect=1), and the guest's
# next 4 MiB write and verify go through the new process.
truncate -s 64M "$T/sa.img"
build/bulkhead-blk --socket "$T/sa.sock" --disk "$T/sa.img" 2>"$T/sa1.log" &
SA=$!
timeout 120 qemu-system-x86_64 -accel tcg -m 256 -nographic -no-reboot -nodefaults \
	-serial "file:$T/sa-console.log" -display none \
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine pc,memory-backend=mem \
	-chardev socket,id=c0,path="$T/sa.sock",reconnect=1 -device vhost-user-blk-pci,chardev=c0 \
	-kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 bulkhead.run=delay,blkverify,poweroff" \
	> "$T/sa-qemu.log" 2>&1 &
QP=$!
if wait_for "$T/sa-console.log" "BULKHEAD-GUEST-READY" 60; then
	kill -9 "$SA"
	wait "$SA" 2>/dev/null
	build/bulkhead-blk --socket "$T/sa.sock" --disk "$T/sa.img" 2>"$T/sa2.log" &
	SA=$!
	check "backends: standalone: QEMU reconnects to a restarted backend and the guest's next I/O verifies" \
		wait_for "$T/sa-console.log" "BULKHEAD-BLKVERIFY-OK" 90
	w=$(awk '/^wchar:/ {print $2}' "/proc/$SA/io" 2>/dev/null)
	check "backends: standalone: the new backend wrote the guest's 4 MiB ($w bytes)" \
		test "${w:-0}" -ge 4194304
else
	not_ok "backends: standalone: the guest did not start beside a standalone backend"
fi
kill "$QP" "$SA" 2>/dev/null
wait 2>/dev/null
exit "$FAILED"
