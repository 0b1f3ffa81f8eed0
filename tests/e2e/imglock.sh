#!/bin/bash
# Disk image locks (src/host/imglock.h): an image one VM has read-write
# cannot be opened by a second VM, read-write or read-only, nor inserted
# as a CD; the refusal names the holder; the lock lives on the fd QEMU
# holds and goes when the VM goes; readers share (one ISO in two VMs'
# CD drives); a compromised device model cannot drop the lock.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 16
P=bhtest-lock-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu" "$T/iso"
cp "$EVIL" "$T/prefix/bin/evil-dm"

IMG=$T/disk.img
truncate -s 8M "$IMG"
echo "iso-$$" > "$T/iso/HELLO.TXT"
genisoimage -quiet -r -o "$T/a.iso" "$T/iso" || { not_ok "lock: genisoimage failed"; exit 1; }

disk() { # ACCESS: a disk line for the shared image
	echo "disk = [ 'format=raw, vdev=xvda, access=$1, target=$IMG' ]"
}
cdrom() { echo "disk = [ 'vdev=hdc, devtype=cdrom, target=$T/a.iso' ]"; }
mkcfg "$T/a.cfg" "$P-a" "" "$(disk rw)"
mkcfg "$T/b.cfg" "$P-b" "" "$(disk rw)"
mkcfg "$T/ro.cfg" "$P-ro" "" "$(disk ro)"
mkcfg "$T/ro2.cfg" "$P-ro2" "" "$(disk ro)"
mkcfg "$T/cd1.cfg" "$P-cd1" "" "$(cdrom)"
mkcfg "$T/cd2.cfg" "$P-cd2" "" "$(cdrom)"
mkcfg "$T/evil.cfg" "$P-evil" "" "$(disk rw)" \
	"device_model_override = \"$T/prefix/bin/evil-dm\""
sed -i "s/bulkhead.run=/evil=late-unlock bulkhead.run=/" "$T/evil.cfg"

BUSY_RW="disk: $IMG: in use read-write by another VM (lock held)"
BUSY_RO="disk: $IMG: in use read-only by another VM (lock held)"

# 1. One writer: a second writer and a reader are refused.
expect "rw: first VM created" 0 "running" "$BULKHEAD" create "$T/a.cfg"
PID=$(vm_field "$P-a" pid)
check "rw: the write lock is on the device model's fd" bash -c \
	"grep -q 'OFDLCK  *ADVISORY  *WRITE' /proc/$PID/fdinfo/*"
expect "rw: second rw VM refused, the holder named" 1 "$BUSY_RW; VM $P-a has it open" \
	"$BULKHEAD" create "$T/b.cfg"
check "rw: the refused VM left nothing" test ! -e /run/bulkhead/vm/$P-b
expect "rw: a read-only user refused" 1 "$BUSY_RW" "$BULKHEAD" create "$T/ro.cfg"

# 2. As a CD: both drives share an ISO; the written image is refused.
expect "cdrom: a first VM with the ISO" 0 "running" "$BULKHEAD" create "$T/cd1.cfg"
expect "cdrom: a second VM with the same ISO" 0 "running" "$BULKHEAD" create "$T/cd2.cfg"
expect "cd-insert: the written image refused" 2 "in use read-write by another VM (lock held)" \
	"$BULKHEAD" cd-insert "$P-cd1" hdc "$IMG"
"$BULKHEAD" destroy "$P-cd1" > /dev/null 2>&1
"$BULKHEAD" destroy "$P-cd2" > /dev/null 2>&1

# 3. The lock goes with the VM.
"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
expect "destroy: the second rw VM now created" 0 "running" "$BULKHEAD" create "$T/b.cfg"
"$BULKHEAD" destroy "$P-b" > /dev/null 2>&1

# 4. Readers share; a writer is refused while they read.
expect "ro: a reader created" 0 "running" "$BULKHEAD" create "$T/ro.cfg"
expect "ro: a second reader created" 0 "running" "$BULKHEAD" create "$T/ro2.cfg"
expect "ro: a writer refused while they read" 1 "$BUSY_RO" "$BULKHEAD" create "$T/a.cfg"
"$BULKHEAD" destroy "$P-ro" > /dev/null 2>&1
"$BULKHEAD" destroy "$P-ro2" > /dev/null 2>&1

# 5. A compromised device model tries to drop its lock (evil-dm
#    late-unlock: fcntl F_OFD_SETLK F_UNLCK and flock LOCK_UN on each rw
#    file it holds); the jail's filter refuses both.
expect "evil: VM with the image created" 0 "running" "$BULKHEAD" create "$T/evil.cfg"
QLOG=/var/log/bulkhead/$P-evil/qemu.log
check "evil: its unlock was refused (EPERM)" wait_for "$QLOG" \
	"F_OFD_SETLK Operation not permitted, flock Operation not permitted" 20
expect "evil: a second rw VM still refused" 1 "$BUSY_RW" "$BULKHEAD" create "$T/b.cfg"
"$BULKHEAD" destroy "$P-evil" > /dev/null 2>&1
INO=$(stat -c %i "$IMG")
check "evil: no lock on the image left after destroy" bash -c \
	"! awk '{print \$6}' /proc/locks | grep -q ':$INO\$'"
exit $FAILED
