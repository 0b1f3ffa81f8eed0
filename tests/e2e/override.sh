#!/bin/bash
# device_model_override is exec'd in exactly the same jail with the same
# arguments; dm_restrict = 0 is the one way to get an unjailed root QEMU,
# and it is loudly not security-supported.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 17
P=bhtest-ovr-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT

# A QEMU installed in its own prefix, as a custom build would be: it
# finds firmware and modules relative to its executable.
Q=$T/prefix
mkdir -p "$Q/bin" "$Q/share" "$Q/lib/x86_64-linux-gnu/qemu"
cp /usr/bin/qemu-system-x86_64 "$Q/bin/qemu-custom"
cp -a /usr/share/qemu /usr/share/seabios "$Q/share/"
cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$Q/lib/x86_64-linux-gnu/qemu/"
mkcfg "$T/o.cfg" "$P-o" readdisk "device_model_override = \"$Q/bin/qemu-custom\""
"$BULKHEAD" create "$T/o.cfg" > "$T/o.out" 2>&1
check "override: warns it is a tech preview" grep -q "device_model_override is tech preview" "$T/o.out"
if grep -q running "$T/o.out"; then
	PID=$(vm_field "$P-o" pid)
	check "override: the override binary runs" test "$(readlink /proc/$PID/exe)" = "$Q/bin/qemu-custom"
	check "override: copied execute-only into the jail" test "$(stat -c %a /proc/$PID/root$Q/bin/qemu-custom)" = 111
	check "override: same uid scheme (not root)" test "$(awk '/^Uid:/{print $2}' /proc/$PID/status)" -gt 131072
	check "override: same capabilities (none)" grep -qP '^CapBnd:\t0000000000000000$' /proc/$PID/status
	check "override: same namespaces" test "$(readlink /proc/$PID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)"
	check "override: same arguments (-sandbox, -S, fd chardevs)" \
		bash -c "tr '\0' ' ' < /proc/$PID/cmdline | grep -q -- '-S -name guest=$P-o .*-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny .*socket,id=bh-qmp,fd=3'"
	"$BULKHEAD" destroy "$P-o" > /dev/null 2>&1
	check "override: destroyed" test ! -d /proc/$PID
else
	not_ok "override: create failed: $(cat "$T/o.out")"
fi

# A device model that dies before the QMP handshake: create fails with a
# reason, and nothing is left (no dir, no id, no process).
ids_before=$(ids_of "$P-")
mkcfg "$T/f.cfg" "$P-f" "" 'device_model_override = "/usr/bin/false"'
"$BULKHEAD" create "$T/f.cfg" > "$T/f.out" 2>&1
rc=$?
check "dying device model: create exits 1" test "$rc" = 1
check "dying device model: reason given" grep -q "the device model exited with status 1" "$T/f.out"
check "dying device model: runtime dir removed" test ! -e /run/bulkhead/vm/$P-f
check "dying device model: VM id released" test "$(ids_of "$P-")" = "$ids_before"

mkcfg "$T/u.cfg" "$P-u" "" "dm_restrict = 0"
"$BULKHEAD" create "$T/u.cfg" > "$T/u.out" 2>&1
check "dm_restrict=0: loud warning" grep -q "runs as ROOT with no jail" "$T/u.out"
if grep -q running "$T/u.out"; then
	PID=$(vm_field "$P-u" pid)
	check "dm_restrict=0: list says not security-supported" test "$(vm_field "$P-u" security_supported)" = False
	check "dm_restrict=0: QEMU runs as root, unjailed" test "$(awk '/^Uid:/{print $2}' /proc/$PID/status)" = 0
	"$BULKHEAD" destroy "$P-u" > /dev/null 2>&1
	check "dm_restrict=0: destroyed through its pidfd" test ! -d /proc/$PID
	check "dm_restrict=0: runtime dir removed" test ! -e /run/bulkhead/vm/$P-u
else
	not_ok "dm_restrict=0: create failed: $(cat "$T/u.out")"
fi
exit "$FAILED"
