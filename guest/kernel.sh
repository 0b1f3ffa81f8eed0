# Sourced by the guest builds: unpack_kernel FLAVOUR WORK puts the Debian
# kernel package behind the linux-image-FLAVOUR metapackage (amd64 or
# cloud-amd64) in WORK/k, its name in $pkg and its version in $kver.
# WORK stays root's alone (mktemp's 0700): apt-get downloads as root
# rather than as _apt, for whom the directory would have to be
# world-writable, and then any user could plant links or swap the .deb
# under a build that runs as root.
unpack_kernel() {
	flavour=$1 work=$2
	pkg=$(kernel_pkg "$flavour")
	if [ -z "$pkg" ]; then
		apt-get update -qq
		pkg=$(kernel_pkg "$flavour")
	fi
	[ -n "$pkg" ] || { echo "guest: no package behind linux-image-$flavour" >&2; return 1; }
	(cd "$work" && apt-get -o APT::Sandbox::User=root download "$pkg" \
		>/dev/null) || return 1
	dpkg-deb -x "$work"/linux-image-*.deb "$work/k" || return 1
	kver=$(ls "$work/k/lib/modules")
}

kernel_pkg() {
	apt-cache depends "linux-image-$1" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9].*-$1\)\$/\1/p" | head -n 1
}
