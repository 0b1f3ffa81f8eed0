#!/bin/sh
# Build the HVM test guest: an installer-style ISO that firmware boots.
# From Debian packages only: Debian's generic kernel (the cloud flavour
# has no e1000, rtl8139 or AHCI driver), a busybox-static initramfs whose
# /init is guest/hvm/init, and GRUB made bootable by grub-mkrescue for
# BIOS (El Torito and, as a hybrid image, a hard disk's MBR) and UEFI.
# Cached in OUT; rebuilt only when inputs change.
set -eu
OUT=${1:-build/guest-hvm}
HERE=$(cd "$(dirname "$0")" && pwd)
MODS="ata_piix ahci sd_mod sr_mod isofs virtio_pci virtio_blk virtio_scsi
  virtio_net e1000 8139cp button evdev uhci-hcd usbhid hid-generic"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

stamp=$(cat "$HERE/init" "$HERE/grub.cfg" "$HERE/build.sh" \
	"$HERE/../bh-button" "$HERE/../kernel.sh" /bin/busybox |
	sha256sum | cut -c1-16)
if [ -f "$OUT/boot.iso" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

. "$HERE/../kernel.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack_kernel amd64 "$work"
kmod="$work/k/lib/modules/$kver"
# The package leaves modules.dep to depmod at install time.
busybox depmod -b "$work/k" "$kver"

root="$work/initramfs"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/mnt" \
	"$root/lib/modules/$kver"
cp /bin/busybox "$root/bin/busybox"
cp "$HERE/init" "$root/init"
cp "$HERE/../bh-button" "$root/bin/bh-button"
chmod 0755 "$root/init" "$root/bin/busybox" "$root/bin/bh-button"
# Each module with what it depends on, decompressed, and a modules.dep
# naming them so that busybox modprobe loads them in order.
want=""
for m in $MODS; do
	line=$(grep -E "(^|/)$m\.ko(\.xz)?:" "$kmod/modules.dep") ||
		{ echo "guest-hvm: module $m not in $pkg" >&2; exit 1; }
	want="$want $(echo "$line" | tr -d ':')"
done
for f in $(echo "$want" | tr ' ' '\n' | sort -u); do
	mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
	case "$f" in
	*.xz) xz -dc "$kmod/$f" > "$root/lib/modules/$kver/${f%.xz}" ;;
	*) cp "$kmod/$f" "$root/lib/modules/$kver/$f" ;;
	esac
done
grep -E "^($(echo "$want" | tr ' ' '\n' | grep . | sort -u |
	sed 's/[.]/[.]/g' | paste -sd '|')):" "$kmod/modules.dep" |
	sed 's/\.xz//g' > "$root/lib/modules/$kver/modules.dep"

iso="$work/iso"
mkdir -p "$iso/boot/grub"
cp "$work/k/boot/vmlinuz-$kver" "$iso/boot/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$iso/boot/initramfs.cpio.gz"
cp "$HERE/grub.cfg" "$iso/boot/grub/grub.cfg"
echo "bulkhead HVM test guest, kernel $kver" > "$iso/HELLO.TXT"
grub-mkrescue -o "$OUT/boot.iso.tmp" "$iso" -- -volid BHGUEST >/dev/null 2>&1 ||
	{ echo "guest-hvm: grub-mkrescue failed" >&2; exit 1; }
mv "$OUT/boot.iso.tmp" "$OUT/boot.iso"
echo "$stamp" > "$OUT/stamp"
echo "guest-hvm: built $OUT/boot.iso (kernel $kver from $pkg)"
