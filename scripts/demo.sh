#!/bin/bash
# `make demo`: start a VM whose device model runs deprivileged, show the
# guest reading its fd-passed disk, show the confinement from the host,
# then destroy it and show nothing is left. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bulkhead
NAME=bulkhead-demo
D=$PWD/build/demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates namespaces and uids)" >&2; exit 1; }
mkdir -p "$D"
[ -d /run/bulkhead/vm/$NAME ] && $B destroy $NAME >/dev/null 2>&1 || true
[ -d /run/bulkhead/vm/$NAME-iso ] && $B destroy $NAME-iso >/dev/null 2>&1 || true

say "host-init: accounts of the dm_restrict scheme, runtime dirs, host report"
$B host-init

say "a raw disk image with a marker, and the VM's config"
MARK="BULKHEAD-DEMO-MARKER-$(date +%s)"
printf '%s: this line was written by the host\n' "$MARK" > "$D/disk.img"
truncate -s 16M "$D/disk.img"
cat > "$D/demo.cfg" <<CFG
name = "$NAME"
memory = 256
vcpus = 1
kernel = "$PWD/build/guest/vmlinuz"
ramdisk = "$PWD/build/guest/initramfs.cpio.gz"
cmdline = "console=ttyS0 quiet panic=-1 bulkhead.run=readdisk"
disk = [ 'format=raw, vdev=xvda, access=rw, target=$D/disk.img' ]
# This host's /dev/kvm cannot boot Linux guests: TCG, not security-supported.
accel = "tcg"
CFG
cat "$D/demo.cfg"

say "bulkhead create (returns once the guest runs)"
$B create "$D/demo.cfg"
$B list
PID=$($B list --json | python3 -c 'import json,sys; print([v for v in json.load(sys.stdin) if v["name"]==sys.argv[1]][0]["pid"])' $NAME)
LOG=/var/log/bulkhead/$NAME/console.log

say "the guest reads its disk (passed to QEMU as an fd) and prints the marker"
for i in $(seq 1 600); do grep -aq "BULKHEAD-DISK: $MARK" "$LOG" && break; sleep 0.1; done
grep -a BULKHEAD "$LOG"

say "the device model (pid $PID), seen from the host"
grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/$PID/status
echo "status file owner: $(stat -c %U /proc/$PID/status)   (root = not dumpable)"
for ns in mnt pid ipc uts net; do
	printf '%-4s ns: %s  (host: %s)\n' $ns "$(readlink /proc/$PID/ns/$ns)" "$(readlink /proc/self/ns/$ns)"
done
echo "its root directory holds only: $(ls /proc/$PID/root | tr '\n' ' ')"
echo "its /dev holds only: $(ls /proc/$PID/root/dev | tr '\n' ' ')"
grep -E 'file size|core file|open files|locked memory|file locks|msgqueue' /proc/$PID/limits
echo "its cgroup (limits enforced by the host kernel):"
grep bulkhead /proc/$PID/cgroup | sed 's/^/  /'
for f in /sys/fs/cgroup/bulkhead/$NAME/memory.max /sys/fs/cgroup/memory/bulkhead/$NAME/memory.limit_in_bytes \
	/sys/fs/cgroup/bulkhead/$NAME/pids.max /sys/fs/cgroup/pids/bulkhead/$NAME/pids.max; do
	[ -e "$f" ] && echo "  $(basename "$f") = $(cat "$f")"
done
echo "its open files:"
ls -l /proc/$PID/fd | awk 'NR>1 {print "  fd " $9 " -> " $11}'

say "the QMP worker: the only process that reads what QEMU says on QMP"
VMUID=$(awk '/^Uid:/ {print $2}' /proc/$PID/status)
W=$(pgrep -x -u "$VMUID" bh-qmp-worker | head -n 1)
grep -E '^(Name|Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$W/status
printf 'net  ns: %s  (host: %s)\n' "$(readlink /proc/$W/ns/net)" "$(readlink /proc/self/ns/net)"
echo "its open files: $(ls /proc/$W/fd | wc -l) (the log, QMP, the channel to its monitor, /dev/null)"

say "bulkhead check: bulkhead-probe, in this VM's jail, tries to get out"
$B check $NAME | tail -n 12
echo "(full table: build/bulkhead check $NAME; machine-readable: --json)"

say "bulkhead destroy"
$B destroy $NAME
echo "processes of uid $VMUID left: $(ps -eo uid= | awk -v u="$VMUID" '$1 == u' | wc -l)"
echo "runtime dir left: $(ls /run/bulkhead/vm | grep -c "^$NAME\$" || true)"
echo "mounts left: $(grep -c "$NAME" /proc/mounts || true)"
echo "cgroups left: $(ls -d /sys/fs/cgroup/bulkhead/$NAME /sys/fs/cgroup/*/bulkhead/$NAME 2>/dev/null | wc -l)"
echo "the console log stays for inspection: $LOG"

say "device emulation out of QEMU: an isolated disk and rng (tech preview)"
truncate -s 32M "$D/iso.img"
cat > "$D/iso.cfg" <<CFG
name = "$NAME-iso"
memory = 256
kernel = "$PWD/build/guest/vmlinuz"
ramdisk = "$PWD/build/guest/initramfs.cpio.gz"
cmdline = "console=ttyS0 quiet panic=-1 bulkhead.run=blkverify,hwrng"
disk = [ 'vdev=xvda, access=rw, backendtype=isolated, target=$D/iso.img' ]
rng = "isolated"
accel = "tcg"
CFG
grep -E "^(disk|rng)" "$D/iso.cfg"
$B create "$D/iso.cfg" 2>/dev/null
ILOG=/var/log/bulkhead/$NAME-iso/console.log
for i in $(seq 1 900); do grep -aq "BULKHEAD-HWRNG" "$ILOG" && break; sleep 0.1; done
echo "the guest (4 MiB written, re-read, compared; 4 KiB from /dev/hwrng):"
grep -a "BULKHEAD-BLKVERIFY\|BULKHEAD-HWRNG" "$ILOG" | sed 's/^/  /'
echo "the same 4 MiB in the backing file: $(dd if="$D/iso.img" bs=1M skip=8 count=4 2>/dev/null | md5sum | cut -c1-32)"
for dev in xvda rng; do
	P=$(cat /sys/fs/cgroup/bulkhead/$NAME-iso+$dev/cgroup.procs \
		/sys/fs/cgroup/pids/bulkhead/$NAME-iso+$dev/cgroup.procs 2>/dev/null | head -n 1 || true)
	echo "backend for $dev, pid $P, cgroup bulkhead/$NAME-iso+$dev:"
	grep -E '^(Name|Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$P/status | tr -s '\t' ' ' | sed 's/^/  /'
	echo "  its root holds: $(find /proc/$P/root/ -mindepth 1 -not -type d | sed "s|/proc/$P/root||")"
	echo "  its open files: $(ls -l /proc/$P/fd | awk 'NR>1 {print $11}' | tr '\n' ' ')"
done
$B destroy $NAME-iso
echo "backend cgroups left: $(ls -d /sys/fs/cgroup/bulkhead/$NAME-iso+* /sys/fs/cgroup/*/bulkhead/$NAME-iso+* 2>/dev/null | wc -l || true)"
