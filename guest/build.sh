#!/bin/sh
# Build the demo/test guest from Debian packages only: a Debian cloud
# kernel (unpacked from its .deb) and a busybox-static initramfs whose
# /init is guest/init. Cached in OUT; rebuilt only when inputs change.
set -eu
OUT=${1:-build/guest}
HERE=$(cd "$(dirname "$0")" && pwd)
MODS="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
  failover net_failover virtio_net
  scsi_common scsi_mod libata ata_piix cdrom sr_mod isofs pvpanic pvpanic-pci
  virtio-rng evdev button"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

stamp=$(cat "$HERE/init" "$HERE/bh-button" "$HERE/build.sh" "$HERE/kernel.sh" \
	/bin/busybox | sha256sum | cut -c1-16)
if [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initramfs.cpio.gz" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

. "$HERE/kernel.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack_kernel cloud-amd64 "$work"

root="$work/initramfs"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules"
cp /bin/busybox "$root/bin/busybox"
cp "$HERE/init" "$root/init"
cp "$HERE/bh-button" "$root/bin/bh-button"
chmod 0755 "$root/init" "$root/bin/busybox" "$root/bin/bh-button"
for m in $MODS; do
	f=$(find "$work/k/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	[ -n "$f" ] || { echo "guest: module $m not in $pkg" >&2; exit 1; }
	case "$f" in
	*.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$m.ko" ;;
	esac
done
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$OUT/initramfs.cpio.gz.tmp"
cp "$work/k/boot/vmlinuz-$kver" "$OUT/vmlinuz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$stamp" > "$OUT/stamp"
echo "guest: built $OUT (kernel $kver from $pkg)"
