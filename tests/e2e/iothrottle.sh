#!/bin/bash
# Block I/O throttling by the host kernel: a VM with disk_read_bps,
# disk_write_bps and disk_read_iops gets them on its disk's backing
# device in its cgroup, and the rates the guest measures with direct
# I/O stay near them, while the same guest without limits is much
# faster. A disk on tmpfs, which no block device backs, is refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 16
P=bhtest-io-$$
# On the build tree's disk: /tmp may be tmpfs.
T=$(mktemp -d "$PWD/build/bh-e2e-io-XXXXXX")
S=$(mktemp -d /dev/shm/bh-e2e-io-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T" "$S"' EXIT

RBPS=2097152 WBPS=2097152 RIOPS=100
limits=("disk_read_bps = $RBPS" "disk_write_bps = $WBPS" "disk_read_iops = $RIOPS")

# A disk on tmpfs cannot be throttled: refused, nothing left behind.
truncate -s 1M "$S/d.img"
mkcfg "$T/shm.cfg" "$P-shm" "" "disk = [ 'format=raw, vdev=xvda, access=rw, target=$S/d.img' ]" "${limits[@]}"
"$BULKHEAD" create "$T/shm.cfg" > "$T/shm.out" 2>&1
check "io: disk on tmpfs refused with exit 2" test $? = 2
check "io: the refusal says why" grep -q "cannot be throttled: no block device backs it" "$T/shm.out"
check "io: the refused VM left no record" test ! -e /run/bulkhead/vm/$P-shm
check "io: the refused VM left no cgroup" cgroup_gone "$P-shm"

# Fully written, so reads reach the device (holes read as zeros without I/O).
dd if=/dev/zero of="$T/d.img" bs=1M count=32 conv=fsync 2>/dev/null
dev=$(stat -c %d "$T/d.img")
if [ $((dev >> 8)) = 0 ]; then
	skip_rest "io: throttling: the build tree is on a filesystem with no block device (overlayfs, tmpfs, btrfs)"
fi
DISK="disk = [ 'format=raw, vdev=xvda, access=rw, target=$T/d.img' ]"

# run NAME [LIMITS...]: boot, wait for the guest's three figures, destroy.
run() {
	local name=$1
	shift
	mkcfg "$T/$name.cfg" "$P-$name" iorate "$DISK" "$@"
	if ! "$BULKHEAD" create "$T/$name.cfg" > "$T/$name.out" 2>&1; then
		not_ok "io: $name: create failed: $(cat "$T/$name.out")"
		return 1
	fi
	local log
	log=$(vm_field "$P-$name" console_log)
	if ! wait_for "$log" "BULKHEAD-IO read-ops" 120; then
		not_ok "io: $name: the guest reported no figures: $(tail -c 300 "$log")"
		return 1
	fi
	grep -a "^BULKHEAD-IO" "$log" > "$T/$name.io"
	if [ "$name" = limited ]; then
		mode=$("$BULKHEAD" host-init | sed -n 's/^cgroups: \([a-z0-9]*\).*/\1/p')
		major=$(((dev >> 8) & 0xfff))
		if [ "$mode" = v2 ]; then
			check "io (v2): io.max holds the limits" grep -qE "rbps=$RBPS wbps=$WBPS riops=$RIOPS wiops=max" /sys/fs/cgroup/bulkhead/$P-$name/io.max
		else
			check "io (v1): blkio read_bps on the disk's device" grep -qE "^$major:[0-9]+ $RBPS\$" /sys/fs/cgroup/blkio/bulkhead/$P-$name/blkio.throttle.read_bps_device
			check "io (v1): blkio write_bps on the disk's device" grep -qE "^$major:[0-9]+ $WBPS\$" /sys/fs/cgroup/blkio/bulkhead/$P-$name/blkio.throttle.write_bps_device
			check "io (v1): blkio read_iops on the disk's device" grep -qE "^$major:[0-9]+ $RIOPS\$" /sys/fs/cgroup/blkio/bulkhead/$P-$name/blkio.throttle.read_iops_device
		fi
		pid=$(vm_field "$P-$name" pid)
		check "io: QEMU's disk fds are O_DIRECT" python3 -c '
import os, sys
pid, img = sys.argv[1], sys.argv[2]
fds = [fd for fd in os.listdir(f"/proc/{pid}/fd") if os.readlink(f"/proc/{pid}/fd/{fd}") == img]
flags = [int(l.split()[1], 8) for fd in fds for l in open(f"/proc/{pid}/fdinfo/{fd}") if l.startswith("flags:")]
assert fds and all(f & os.O_DIRECT for f in flags), (fds, flags)' "$pid" "$T/d.img"
	fi
	"$BULKHEAD" destroy "$P-$name" > /dev/null 2>&1
	check "io: $name: cgroup removed after destroy" cgroup_gone "$P-$name"
}

# rate FILE KIND: amount per second from "BULKHEAD-IO KIND AMOUNT CENTISECONDS".
rate() {
	awk -v k="$2" '$2 == k { cs = $4 < 1 ? 1 : $4; printf "%d\n", $3 * 100 / cs }' "$1"
}

if run free && run limited "${limits[@]}"; then
	for kind in read-bytes write-bytes read-ops; do
		case $kind in
		read-bytes) lim=$RBPS ;;
		write-bytes) lim=$WBPS ;;
		read-ops) lim=$RIOPS ;;
		esac
		f=$(rate "$T/free.io" $kind)
		l=$(rate "$T/limited.io" $kind)
		# Near the limit: 50%..125% (the guest clock, the first slice).
		check "io: $kind throttled to $l/s (limit $lim/s)" \
			test "$l" -ge $((lim / 2)) -a "$l" -le $((lim * 5 / 4))
		check "io: $kind unthrottled is faster: $f/s vs $l/s" test "$f" -ge $((l * 3))
	done
fi
exit "$FAILED"
