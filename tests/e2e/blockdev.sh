#!/bin/bash
# Block-device disks, reached as LVM's /dev/VG/LV are: through a
# root-owned symlink in a root-only directory under /dev. These machines'
# kernel has no device-mapper, so the "LV" is a loop device the test
# makes and removes. The guest reads the host's marker and writes back;
# QEMU gets the fd with driver=host_device; a mounted block device, a
# symlink a user owns and a user's config naming the root-only device
# are refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 10
P=bhtest-blk-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
VG=/dev/bhtest-vg-$$
LOOP= LOOP2=
cleanup() {
	destroy_prefix "$P"
	mountpoint -q "$T/mnt" 2>/dev/null && umount "$T/mnt"
	rm -rf "$VG"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	[ -n "$LOOP2" ] && losetup -d "$LOOP2"
	rm -rf "$T"
}
trap cleanup EXIT

MARK="BULKHEAD-LV-$RANDOM-$$"
printf '%s written by the host\n' "$MARK" > "$T/lv.img"
truncate -s 8M "$T/lv.img" "$T/fs.img"
LOOP=$(losetup -f --show "$T/lv.img" 2>/dev/null) ||
	{ LOOP=; skip_rest "blockdev: no loop device (losetup -f failed)"; }
mkdir -m 0755 "$VG"
ln -s "../${LOOP#/dev/}" "$VG/lv"

mkcfg "$T/vm.cfg" "$P" readdisk,writedisk \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$VG/lv' ]"
expect "lv: VM created from $VG/lv -> $LOOP" 0 "running" "$BULKHEAD" create "$T/vm.cfg"
LOG=$(vm_field "$P" console_log)
PID=$(vm_field "$P" pid)
check "lv: guest read the host's marker from the block device" \
	wait_for "$LOG" "BULKHEAD-DISK: $MARK" 90
check "lv: guest wrote it at 7 MiB" wait_for "$LOG" "BULKHEAD-WRITE-OK" 30
check "lv: the host reads the guest's write from the device" bash -c \
	"dd if='$LOOP' bs=512 skip=14336 count=1 2>/dev/null | grep -aq BULKHEAD-GUEST-WROTE"
check "lv: QEMU opens it with driver=host_device" bash -c \
	"tr '\0' '\n' < /proc/$PID/cmdline | grep -q '^driver=host_device,'"
check "lv: QEMU holds the device itself" bash -c \
	"ls -l /proc/$PID/fd | grep -q ' $LOOP\$'"
"$BULKHEAD" destroy "$P" > /dev/null 2>&1

# A block device the host has mounted.
LOOP2=$(losetup -f --show "$T/fs.img")
mkfs.ext2 -q "$LOOP2" && mkdir "$T/mnt" && mount "$LOOP2" "$T/mnt"
mkcfg "$T/mnt.cfg" "$P-mnt" "" \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$LOOP2' ]"
expect "mounted: refused" 1 "disk: $LOOP2: block device mounted on the host (.* on $T/mnt)" \
	"$BULKHEAD" create "$T/mnt.cfg"
umount "$T/mnt"

# A symlink a user owns, though under /dev and to a block device.
ln -s "../${LOOP#/dev/}" "$VG/user-lv"
chown -h nobody "$VG/user-lv"
mkcfg "$T/ulink.cfg" "$P-ulink" "" \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$VG/user-lv' ]"
expect "symlink: one owned by a user refused" 2 "user-lv: a /dev symlink not root's alone" \
	"$BULKHEAD" create "$T/ulink.cfg"
check "symlink: no VM left" test ! -e /run/bulkhead/vm/$P-ulink

# A user's config may name only what the user may open: not root's
# 0660 root:disk device, through root's symlink or not.
mkdir -m 0755 "$T/u" && chown nobody "$T/u" && chmod 0755 "$T"
mkcfg "$T/u/vm.cfg" "$P-user" "" \
	"disk = [ 'format=raw, vdev=xvda, access=rw, target=$VG/lv' ]"
# The user's own kernel copy: the build tree may sit below a directory
# the user cannot search (a clone in a 0700 mktemp directory).
cp "$GUEST/vmlinuz" "$GUEST/initramfs.cpio.gz" "$T/u/" && chown nobody "$T/u/vmlinuz" "$T/u/initramfs.cpio.gz"
sed -i "s|^kernel = .*|kernel = \"$T/u/vmlinuz\"|; s|^ramdisk = .*|ramdisk = \"$T/u/initramfs.cpio.gz\"|" "$T/u/vm.cfg"
chown nobody "$T/u/vm.cfg"
expect "tenant: a user's config naming the root-only device refused" 2 \
	"the config's owner, may not read and write it" "$BULKHEAD" create "$T/u/vm.cfg"
exit "$FAILED"
