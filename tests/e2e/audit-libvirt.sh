#!/bin/bash
# bulkhead audit on a QEMU started by libvirt (Debian's libvirtd, its
# defaults, a TCG domain booting the test guest). libvirtd runs in a
# private mount namespace over scratch copies of its state directories
# and of /etc/passwd and /etc/group (with the libvirt-qemu account that
# Debian's libvirt-daemon-system package would create), so the host's
# files, accounts and networks are untouched.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 21
if ! command -v libvirtd > /dev/null || ! command -v virsh > /dev/null; then
	skip_rest "audit (libvirt): libvirtd/virsh not installed (scripts/install-deps.sh installs them)"
fi
T=$(mktemp -d /tmp/bh-e2e-lv-XXXXXX)
LVUID=130999 # below bulkhead's range; no host account has it
if getent passwd $LVUID > /dev/null || getent group $LVUID > /dev/null; then
	rm -rf "$T"
	skip_rest "audit (libvirt): uid/gid $LVUID is taken on this host"
fi
NAME=bhtest-lv-$$
# libvirt-qemu must reach the kernel: the checkout may sit under a
# directory only root can enter (a clone in /root or a mktemp dir).
chmod 755 "$T"
cp "$GUEST/vmlinuz" "$GUEST/initramfs.cpio.gz" "$T/"
chmod 644 "$T/vmlinuz" "$T/initramfs.cpio.gz"
BH=$(realpath "$BULKHEAD")
cat > "$T/inner.sh" <<EOF_INNER
set -u
for d in etc run lib log cache; do mkdir -p $T/\$d; done
mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
mount --bind $T/etc /etc/libvirt
mount --bind $T/run /run/libvirt
mount --bind $T/lib /var/lib/libvirt
mount --bind $T/log /var/log/libvirt
mount --bind $T/cache /var/cache/libvirt
cp /etc/passwd $T/passwd
cp /etc/group $T/group
echo "libvirt-qemu:x:$LVUID:$LVUID::/var/lib/libvirt:/usr/sbin/nologin" >> $T/passwd
echo "libvirt-qemu:x:$LVUID:" >> $T/group
mount --bind $T/passwd /etc/passwd
mount --bind $T/group /etc/group
# Debian's defaults, but QEMU's stdio to a file: no virtlogd to start.
echo 'stdio_handler = "file"' > /etc/libvirt/qemu.conf
echo 'log_outputs="1:file:/var/log/libvirt/libvirtd.log"' > /etc/libvirt/libvirtd.conf
libvirtd -f /etc/libvirt/libvirtd.conf &
LV=\$!
trap 'virsh -q -c qemu:///system destroy $NAME >/dev/null 2>&1; virsh -q -c qemu:///system undefine $NAME >/dev/null 2>&1; kill \$LV; wait \$LV' EXIT
for i in \$(seq 100); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.1; done
cat > $T/dom.xml <<X
<domain type='qemu'>
  <name>$NAME</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$T/vmlinuz</kernel>
    <initrd>$T/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'/><console type='pty'/></devices>
</domain>
X
virsh -q -c qemu:///system define $T/dom.xml > $T/virsh.out 2>&1 &&
	virsh -q -c qemu:///system start $NAME >> $T/virsh.out 2>&1 || exit 1
P=\$(cat /run/libvirt/qemu/$NAME.pid)
echo \$P > $T/pid
readlink /proc/\$LV/ns/mnt > $T/libvirtd-mnt
readlink /proc/\$P/ns/mnt > $T/qemu-mnt
"$BH" audit \$P --host-pid $$ > $T/audit.txt 2>&1
echo \$? > $T/audit.rc
"$BH" audit \$P --host-pid $$ --json > $T/audit.json 2>&1
# CAPTURE=DIR re-captures the golden fixture tests/golden/audit/libvirt-qemu.
[ -n "${CAPTURE:-}" ] && bash tests/golden/audit/capture.sh "${CAPTURE:-}" \$P $$
exit 0
EOF_INNER

machine_dirs() { ls -d /sys/fs/cgroup/*/machine /sys/fs/cgroup/machine* 2>/dev/null | tr '\n' ' '; }
# libvirt makes its "machine" partition once and leaves it; remove it
# only if it is ours (absent before) and empty.
machine_cleanup() {
	local d
	for d in $(machine_dirs); do
		case " $before " in *" $d "*) ;; *) rmdir "$d" 2>/dev/null ;; esac
	done
}
before=$(machine_dirs)
timeout 120 unshare -m --propagation private bash "$T/inner.sh" > "$T/inner.out" 2>&1
rc=$?
if [ "$rc" != 0 ] || [ ! -s "$T/audit.txt" ]; then
	not_ok "audit (libvirt): the libvirt domain did not start (exit $rc): $(cat "$T/virsh.out" "$T/inner.out" 2>/dev/null | head -c 400)"
	machine_cleanup
	rm -rf "$T"
	exit 0
fi
ok "audit (libvirt): libvirtd started a TCG domain as libvirt-qemu"
P=$(cat "$T/pid")
check "audit (libvirt): exits 1 (some checks fail)" test "$(cat "$T/audit.rc")" = 1
for id in uid-not-root caps-effective-permitted no-new-privs seccomp qemu-sandbox-flags own-cgroup; do
	check "audit (libvirt): passes $id" grep -q "pass $id " "$T/audit.txt"
done
for id in own-pid-ns own-net-ns own-root no-host-dirs seccomp-outer-filter caps-bounding; do
	check "audit (libvirt): fails $id" grep -q "FAIL $id " "$T/audit.txt"
done
check "audit (libvirt): QEMU has its own mount namespace, not libvirtd's" \
	test "$(cat "$T/libvirtd-mnt")" != "$(cat "$T/qemu-mnt")"
check "audit (libvirt): each failure has a recommendation" \
	test "$(grep -c ' FAIL ' "$T/audit.txt")" = "$(grep -c -- ' -> ' "$T/audit.txt")"
check "audit (libvirt): --json agrees with the text" python3 -c '
import json, re, sys
r = json.load(open(sys.argv[1]))[0]
m = re.search(r"(\d+)/(\d+) checks pass", open(sys.argv[2]).read())
assert (r["passed"], r["total"]) == (int(m[1]), int(m[2])), (r["passed"], m[0])' "$T/audit.json" "$T/audit.txt"
echo "# libvirt QEMU: $(head -n 1 "$T/audit.txt")"
check "audit (libvirt): QEMU is gone after libvirtd destroyed it" test ! -d /proc/"$P"
check "audit (libvirt): no process of uid $LVUID left" test "$(uid_procs $LVUID)" = 0
check "audit (libvirt): no VM cgroup left" bash -c "! ls -d /sys/fs/cgroup/*/machine/*$NAME* /sys/fs/cgroup/machine*/*$NAME* 2>/dev/null | grep -q ."
machine_cleanup
check "audit (libvirt): the host's cgroup tree is as before" \
	test "$(machine_dirs)" = "$before"
rm -rf "$T"
exit "$FAILED"
