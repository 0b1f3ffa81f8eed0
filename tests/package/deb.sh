#!/bin/bash
# The Debian package: dpkg-buildpackage builds it from a copy of the
# tree (the .deb lands beside that copy, never in the developer's
# parent directory), lintian finds nothing, and it installs, runs,
# removes and purges cleanly in a throwaway root: an overlay of the
# host's / in a private mount namespace, chrooted into, whose upper
# layer is discarded. The host's own files are never touched.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 12
T=$(mktemp -d /tmp/bh-deb-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/src/bulkhead"
git ls-files -z | xargs -0 tar cf - | tar xf - -C "$T/src/bulkhead"
# --version of an unpacked tree: git's description, as build/bulkhead's.
git describe --always --dirty > "$T/src/bulkhead/VERSION" 2>/dev/null ||
	echo unknown > "$T/src/bulkhead/VERSION"
(cd "$T/src/bulkhead" && dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b builds the package (rc $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -20 "$T/build.log" | sed 's/^/# /'; skip_rest "no package to test"; }
DEB=$(ls "$T"/src/bulkhead_*_amd64.deb)
lint=$(lintian --pedantic "$T"/src/bulkhead_*_amd64.changes 2>&1 | grep -v '^running with root')
check "lintian --pedantic reports nothing$([ -n "$lint" ] && echo ": $(echo $lint | head -c 300)")" test -z "$lint"
check "the package holds the CLI, its probe and the three backends" bash -c \
	"dpkg-deb -c '$DEB' | grep -c 'usr/libexec/bulkhead/bulkhead\(-probe\|-blk\|-rng\|-net\)\?\$' | grep -qx 5"
check "its units are in /lib/systemd/system, where Debian 12 enables them" bash -c \
	"dpkg-deb -c '$DEB' | grep -q 'lib/systemd/system/bulkhead-guests.service' && dpkg-deb -c '$DEB' | grep -q './lib/systemd/system/'"
# Restarting bulkhead-guests would end every VM: postinst may only start
# it (as on a first install), never restart it on an upgrade.
inv=$(dpkg-deb -I "$DEB" postinst | grep 'deb-systemd-invoke.*bulkhead-guests' | sed 's/^[[:space:]]*//')
check "an upgrade never restarts bulkhead-guests (postinst: $inv)" \
	test "$inv" = "deb-systemd-invoke start 'bulkhead-guests.service' >/dev/null || true"

# The throwaway root. Everything below runs in a private mount namespace.
cat > "$T/inroot.sh" <<'IN'
set -u
T=$1 DEB=$2
mkdir -p "$T/up" "$T/work" "$T/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/up,workdir=$T/work" "$T/root" || exit 10
mount -t proc proc "$T/root/proc" && mount --rbind /dev "$T/root/dev" || exit 11
mount -t tmpfs tmpfs "$T/root/run" && mount -t tmpfs tmpfs "$T/root/tmp" || exit 12
cp "$DEB" "$T/root/tmp/pkg.deb"
r() { chroot "$T/root" "$@"; }
echo "== install"; r dpkg -i /tmp/pkg.deb || echo "FAILED install"
echo "== version"; r bulkhead --version
echo "== features"; r bulkhead features --json | python3 -c 'import json,sys; print("features", len(json.load(sys.stdin)))'
echo "== man"; r man -w bulkhead bulkhead.cfg bulkhead-guests
echo "== remove"; r dpkg -r bulkhead || echo "FAILED remove"
echo "== after-remove"; r sh -c 'ls -d /usr/libexec/bulkhead /usr/sbin/bulkhead /etc/bulkhead/example.cfg 2>&1'
echo "== purge"; r dpkg --purge bulkhead || echo "FAILED purge"
echo "== after-purge"; r sh -c 'ls -d /etc/bulkhead /etc/default/bulkhead-guests /lib/systemd/system/bulkhead-guests.service 2>&1'
IN
host_before=$(ls -d /usr/libexec/bulkhead /usr/sbin/bulkhead /etc/bulkhead/example.cfg 2>&1)
unshare -m --propagation private bash "$T/inroot.sh" "$T" "$DEB" > "$T/root.log" 2>&1
sed 's/^/# /' "$T/root.log" | grep -v '^# \(Selecting\|(Reading\|Preparing\|Unpacking\|Processing\)'
section() { awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 } on' "$T/root.log"; }
ver=$(section version)
removed=$(section after-remove)
purged=$(section after-purge)
check "dpkg -i installs it in the throwaway root" bash -c \
	"! grep -q 'FAILED install' '$T/root.log' && grep -q 'Setting up bulkhead' '$T/root.log'"
check "the installed bulkhead --version answers ($ver)" \
	test "$ver" = "bulkhead $(cat "$T/src/bulkhead/VERSION")"
check "the installed bulkhead prints its support matrix ($(section features))" \
	grep -q '^features [0-9][0-9]' "$T/root.log"
check "man finds its pages in /usr/share/man" \
	test "$(section man | grep -c '^/usr/share/man/man[158]/bulkhead')" = 3
check "dpkg -r removes the programs and keeps the conffiles" bash -c "
	grep -q 'libexec/bulkhead.*No such' <<< '$removed' &&
	grep -q 'sbin/bulkhead.*No such' <<< '$removed' &&
	grep -qx /etc/bulkhead/example.cfg <<< '$removed'"
check "dpkg --purge leaves nothing of it" bash -c \
	"[ \$(grep -c 'No such' <<< '$purged') = 3 ] && ! grep -q FAILED '$T/root.log'"
check "the host's own / is untouched" \
	test "$(ls -d /usr/libexec/bulkhead /usr/sbin/bulkhead /etc/bulkhead/example.cfg 2>&1)" = "$host_before"
exit "$FAILED"
