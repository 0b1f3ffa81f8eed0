#!/bin/sh
# Install, from Debian's packages only, what building, testing and the demo
# need (vncsnapshot and djpeg: tests/e2e/vnc.sh's VNC client and its
# JPEG reader; dnsmasq: tests/e2e/hvm.sh's DHCP and TFTP server for
# network boot; nftables: the nft program tests/e2e/antispoof.sh lists
# the rules with; passt: vif type=user's user-mode network; man-db and
# systemd: tests/e2e/install.sh reads the installed man pages and
# verifies the units; debhelper, fakeroot and lintian: tests/package/deb.sh
# builds the Debian package and lints it).
# Idempotent: skips apt entirely when every package is present.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev cppcheck
  clang-format clang-tidy git
  libseccomp-dev libjansson-dev libcmocka-dev libelf-dev libsubid-dev
  libnftables-dev nftables
  qemu-system-x86 qemu-utils busybox-static cpio gzip genisoimage passt
  passwd util-linux procps xz-utils python3 iproute2 gdb strace
  vncsnapshot libjpeg-turbo-progs
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
  ovmf grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
  ipxe-qemu dnsmasq-base man-db systemd
  debhelper fakeroot lintian"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps qemu-system-x86 from pulling in GTK/SDL.
apt-get install -y -qq --no-install-recommends $missing >/dev/null
