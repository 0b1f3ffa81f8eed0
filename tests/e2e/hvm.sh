#!/bin/bash
# Unmodified (HVM) guests booted by firmware, deprivileged as every VM:
# an installer ISO (build/guest-hvm, made with grub-mkrescue) boots from
# the emulated IDE CD drive, finds its IDE disk and e1000 NIC, pings a
# peer on a bridge, copies itself onto the disk and powers off; the
# installed disk then boots on its own through SeaBIOS from a block
# device (a loop device behind a root-owned symlink, as /dev/VG/LV is)
# beside a virtio-scsi disk and a USB tablet, and powers off at the ACPI
# power button (shutdown -w), and through OVMF (UEFI)
# from the image on AHCI, and SeaBIOS boots the image file with an
# rtl8139 NIC; last, a diskless VM boots from the network (boot = "n":
# iPXE, DHCP and TFTP from dnsmasq on the peer). The guest prints what
# it found
# (guest/hvm/init); the host checks it against what it gave. The bridge,
# namespace, loop device and files are made here and removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 33
P=bhtest-hvm-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhthbr$$
NS=bhthns$$
VG=/dev/bhtest-hvm-vg-$$
LOOP=
DNSMASQ=
TFTP=
ISO=$PWD/${GUEST_HVM:-build/guest-hvm}/boot.iso
MAC=00:16:3e:5a:00:01
cleanup() {
	destroy_prefix "$P"
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2>/dev/null && wait "$DNSMASQ" 2>/dev/null
	[ -n "$TFTP" ] && rm -rf "$TFTP"
	ip netns del "$NS" 2>/dev/null
	ip link del "bhthv$$" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$VG"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$T"
}
trap cleanup EXIT
[ -f "$ISO" ] || { skip_rest "hvm: no $ISO (sh guest/hvm/build.sh)"; }

# The peer the guest pings: 192.168.213.1 in a namespace of its own, on
# a bridge with no address on the host.
peer_net "$BR" "$NS" "bhthv$$" 192.168.213.1/24 ||
	{ not_ok "hvm: test network setup failed"; exit 0; }

md5_1m() { head -c 1048576 "$1" | md5sum | cut -c1-32; }
truncate -s 64M "$T/disk.img"
ZERO=$(md5_1m "$T/disk.img")
ISO_MD5=$(md5_1m "$ISO")
hvmcfg() {
	local file=$1 name=$2
	shift 2
	{
		echo "name = \"$name\""
		echo 'type = "hvm"'
		echo 'accel = "tcg"'
		case " $* " in *"memory = "*) ;; *) echo "memory = 256" ;; esac
		for l in "$@"; do echo "$l"; done
	} > "$file"
}

# 1. The installer: CD first, then the empty IDE disk.
hvmcfg "$T/inst.cfg" "$P-inst" 'boot = "dc"' \
	"disk = [ '$T/disk.img,raw,hda,w', '$ISO,,hdc:cdrom,r' ]" \
	"vif = [ 'bridge=$BR, mac=$MAC, model=e1000' ]"
expect "installer: created with no kernel" 0 "running" "$BULKHEAD" create "$T/inst.cfg"
LOG=$(vm_field "$P-inst" console_log)
PID=$(vm_field "$P-inst" pid)
check "installer: QEMU has no -kernel and boots the CD first (bootindex)" bash -c \
	"! tr '\0' '\n' < /proc/$PID/cmdline | grep -qx -- -kernel &&
	 tr '\0' '\n' < /proc/$PID/cmdline | grep -qx 'ide-cd,bus=ide.1,unit=0,id=hdc,bootindex=1'"
S=$(build/bulkhead audit "$PID" --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
print("%d/%d" % (d["passed"], d["total"]))' 2>/dev/null)
check "installer: audit scores the HVM device model in full ($S)" \
	bash -c "[ -n '$S' ] && [ '${S%/*}' = '${S#*/}' ]"
check "installer: SeaBIOS booted GRUB from the CD" \
	wait_for "$LOG" "BULKHEAD-HVM-READY bootdev=hd96 firmware=bios" 300
check "installer: the guest reads its IDE disk (empty)" \
	wait_for "$LOG" "BULKHEAD-HVM-DISK sda pci=ata_piix sectors=131072 md5=$ZERO" 30
check "installer: the guest reads the CD on IDE" \
	wait_for "$LOG" "BULKHEAD-HVM-DISK sr0 pci=ata_piix .* md5=$ISO_MD5" 30
check "installer: the guest has an e1000 with the config's MAC" \
	wait_for "$LOG" "BULKHEAD-HVM-NIC eth0 pci=e1000 mac=$MAC" 30
check "installer: frames go both ways: the guest pings the peer" \
	wait_for "$LOG" "BULKHEAD-HVM-PING-OK eth0" 60
check "installer: copies itself onto the disk and powers off" \
	wait_for "$LOG" "BULKHEAD-HVM-INSTALLED sda" 120
gone() { for _ in $(seq 60); do alive "$1" || return 0; sleep 1; done; return 1; }
check "installer: the VM ends at the guest's poweroff" gone "$PID"
check "installer: the disk holds the image" cmp -s -n "$(stat -c %s "$ISO")" "$ISO" "$T/disk.img"
destroy_prefix "$P-inst"

# 2. The installed disk as a block device, SeaBIOS, beside a SCSI disk.
# Its name is not UTF-8 (a path may hold any byte): list -l must still
# show it, escaped.
SCSI=$T/scsi-$(printf '\377').img
head -c 1048576 /dev/urandom > "$SCSI"
SCSI_MD5=$(md5_1m "$SCSI")
LOOP=$(losetup -f --show "$T/disk.img" 2>/dev/null) || LOOP=
if [ -z "$LOOP" ]; then
	for _ in 1 2 3 4 5 6 7 8; do skip "lv: no loop device (losetup -f failed)"; done
else
	mkdir -m 0755 "$VG"
	ln -s "../${LOOP#/dev/}" "$VG/lv"
	hvmcfg "$T/lv.cfg" "$P-lv" 'boot = "c"' \
		"disk = [ 'phy:$VG/lv,hda,w', '$SCSI,raw,sdb,r' ]" \
		"usbdevice = 'tablet'"
	expect "lv: created from $VG/lv -> $LOOP" 0 "running" "$BULKHEAD" create "$T/lv.cfg"
	LOG=$(vm_field "$P-lv" console_log)
	check "lv: the installed disk boots on its own" \
		wait_for "$LOG" "BULKHEAD-HVM-READY bootdev=hd0 firmware=bios" 300
	check "lv: the guest reads it on IDE" \
		wait_for "$LOG" "BULKHEAD-HVM-DISK sda pci=ata_piix .* md5=$ISO_MD5" 30
	check "lv: and the sdX disk on virtio-scsi" \
		wait_for "$LOG" "BULKHEAD-HVM-DISK sdb pci=virtio-pci sectors=2048 md5=$SCSI_MD5" 30
	check "lv: usbdevice gives the guest a USB tablet" \
		wait_for "$LOG" "BULKHEAD-HVM-USB QEMU USB Tablet" 30
	check "lv: list -l shows each disk on the device the guest sees" python3 -c '
import json, subprocess, sys
c = json.loads(subprocess.check_output([sys.argv[1], "list", "-l", sys.argv[2]]))[0]["config"]
assert (c["type"], c["boot"], c["boot_order"], c["usb_tablet"]) == ("hvm", "seabios", "c", True), c
assert [(d["vdev"], d["device"], d["access"]) for d in c["disks"]] == \
	[("hda", "ide", "rw"), ("sdb", "virtio-scsi", "ro")], c
assert c["disks"][1]["target"].endswith("/scsi-\\xff.img"), c' "$BULKHEAD" "$P-lv"
	expect "lv: shutdown -w: the guest powers off at the ACPI button" 0 "" \
		"$BULKHEAD" shutdown -w -t 120 "$P-lv"
	check "lv: it did so cleanly (its button handler ran)" \
		wait_for "$LOG" "BULKHEAD-POWERBUTTON" 5
	destroy_prefix "$P-lv"
	rm -rf "$VG"
	losetup -d "$LOOP" && LOOP=
fi

# 3. UEFI: Debian's OVMF boots the image from AHCI. (GRUB's EFI loader
# needs more than 256 MiB for this kernel and initramfs.)
hvmcfg "$T/uefi.cfg" "$P-uefi" 'bios = "ovmf"' 'hdtype = "ahci"' 'memory = 512' \
	"disk = [ '$T/disk.img,raw,hda,w' ]"
expect "uefi: created" 0 "running" "$BULKHEAD" create "$T/uefi.cfg"
LOG=$(vm_field "$P-uefi" console_log)
PID=$(vm_field "$P-uefi" pid)
check "uefi: QEMU loads OVMF from a read-only bind" bash -c \
	"tr '\0' '\n' < /proc/$PID/cmdline | grep -qx /usr/share/ovmf/OVMF.fd &&
	 grep -qE ' /usr/share/ovmf ro[, ]' /proc/$PID/mountinfo"
check "uefi: OVMF booted GRUB from the disk" \
	wait_for "$LOG" "BULKHEAD-HVM-READY bootdev=hd0 firmware=uefi" 400
check "uefi: the guest reads the disk on AHCI" \
	wait_for "$LOG" "BULKHEAD-HVM-DISK sda pci=ahci .* md5=$ISO_MD5" 30
destroy_prefix "$P-uefi"

# 4. SeaBIOS from the image file itself, with xl's default HVM NIC.
MAC2=00:16:3e:5a:00:02
hvmcfg "$T/raw.cfg" "$P-raw" 'boot = "c"' "disk = [ '$T/disk.img,raw,hda,w' ]" \
	"vif = [ 'bridge=$BR, mac=$MAC2, model=rtl8139' ]"
expect "raw: created" 0 "running" "$BULKHEAD" create "$T/raw.cfg"
LOG=$(vm_field "$P-raw" console_log)
check "raw: SeaBIOS booted the image file" \
	wait_for "$LOG" "BULKHEAD-HVM-READY bootdev=hd0 firmware=bios" 300
check "raw: the guest has an rtl8139 with the config's MAC" \
	wait_for "$LOG" "BULKHEAD-HVM-NIC eth0 pci=8139cp mac=$MAC2" 30
check "raw: frames go both ways on it" wait_for "$LOG" "BULKHEAD-HVM-PING-OK eth0" 60
PID=$(vm_field "$P-raw" pid)
check "raw: no iPXE ROM and no ROM directory without boot = n" bash -c \
	"tr '\0' '\n' < /proc/$PID/cmdline | grep -qx 'rtl8139,netdev=net0,mac=$MAC2,romfile=' &&
	 ! grep -q ' /usr/lib/ipxe' /proc/$PID/mountinfo"
destroy_prefix "$P-raw"

# 5. Network boot, no disk: the first vif's iPXE ROM asks dnsmasq (on
# the peer, in its namespace) for an address and a script, which loads
# the test guest's kernel and initramfs over TFTP. The TFTP root is
# world-readable: dnsmasq serves files as nobody.
MAC3=00:16:3e:5a:00:03
TFTP=$(mktemp -d /tmp/bh-e2e-tftp-XXXXXX)
chmod 0755 "$TFTP"
xorriso -osirrox on -indev "$ISO" -extract /boot/vmlinuz "$TFTP/vmlinuz" \
	-extract /boot/initramfs.cpio.gz "$TFTP/initrd" >/dev/null 2>&1
chmod 0644 "$TFTP/vmlinuz" "$TFTP/initrd" 2>/dev/null
printf '#!ipxe\nkernel vmlinuz console=ttyS0 quiet bulkhead.bootdev=pxe\ninitrd initrd\nboot\n' \
	> "$TFTP/boot.ipxe"
chmod 0644 "$TFTP/boot.ipxe"
ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--port=0 --interface=eth0 --bind-interfaces --leasefile-ro \
	--pid-file="$T/dnsmasq.pid" --log-facility=- --log-dhcp \
	--dhcp-range=192.168.213.100,192.168.213.150,255.255.255.0,1h \
	--dhcp-boot=boot.ipxe --enable-tftp --tftp-root="$TFTP" \
	> "$T/dnsmasq.log" 2>&1 &
DNSMASQ=$!
hvmcfg "$T/pxe.cfg" "$P-pxe" 'boot = "n"' "vif = [ 'bridge=$BR, mac=$MAC3' ]"
expect "pxe: created with no disk" 0 "running" "$BULKHEAD" create "$T/pxe.cfg"
LOG=$(vm_field "$P-pxe" console_log)
PID=$(vm_field "$P-pxe" pid)
check "pxe: the vif keeps its ROM (iPXE's), first in the boot order, bound read-only" bash -c \
	"tr '\0' '\n' < /proc/$PID/cmdline |
	   grep -qx 'virtio-net-pci,netdev=net0,mac=$MAC3,bootindex=1' &&
	 grep -qE ' /usr/lib/ipxe/qemu ro[, ]' /proc/$PID/mountinfo"
check "pxe: iPXE booted the kernel and initramfs dnsmasq served" \
	wait_for "$LOG" "BULKHEAD-HVM-READY bootdev=pxe firmware=bios" 400
check "pxe: dnsmasq leased the config's MAC an address" \
	grep -qiE "DHCPACK\(eth0\) 192\.168\.213\.[0-9]+ $MAC3" "$T/dnsmasq.log"
check "pxe: the booted guest has the vif and pings the peer" \
	wait_for "$LOG" "BULKHEAD-HVM-PING-OK eth0" 60
destroy_prefix "$P-pxe"
exit "$FAILED"
