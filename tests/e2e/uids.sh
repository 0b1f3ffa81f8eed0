#!/bin/bash
# The dm_restrict uid rules, with Xen's gaps closed: uid 0 and the reaper
# refused, a device_model_user already in use refused, the shared fallback
# warns, two VMs get two uids. Test accounts are created and removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 15
P=bhtest-uid-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
U=bhtest-dm$$
cleanup() {
	destroy_prefix "$P"
	BULKHEAD_ACCOUNT_PREFIX=bhtest$$ destroy_prefix "$P"
	userdel "$U" 2>/dev/null
	userdel bhtest$$-shared 2>/dev/null
	userdel bhtest$$-reaper 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

expect_refused() { # NAME CFG PATTERN
	"$BULKHEAD" create "$2" > "$T/out" 2>&1
	local rc=$?
	if [ $rc = 2 ] && grep -q -- "$3" "$T/out"; then
		ok "$1"
	else
		not_ok "$1: exit $rc: $(cat "$T/out")"
	fi
}

mkcfg "$T/root.cfg" "$P-root" "" 'device_model_user = "root"'
expect_refused "uid: device_model_user root refused" "$T/root.cfg" "maps to root"
mkcfg "$T/reaper.cfg" "$P-reaper" "" 'device_model_user = "bulkhead-reaper"'
expect_refused "uid: reaper refused" "$T/reaper.cfg" "is the reaper account"

# Two range VMs: two uids, each base + its own vmid.
mkcfg "$T/a.cfg" "$P-a" ""
mkcfg "$T/b.cfg" "$P-b" ""
if "$BULKHEAD" create "$T/a.cfg" >/dev/null 2>&1 && "$BULKHEAD" create "$T/b.cfg" >/dev/null 2>&1; then
	ua=$(vm_field "$P-a" uid)
	ub=$(vm_field "$P-b" uid)
	base=$(getent passwd bulkhead-range-base | cut -d: -f3)
	check "uid: two VMs get two uids ($ua, $ub)" test "$ua" != "$ub"
	check "uid: each is base + vmid" test "$ua" = $((base + $(vm_field "$P-a" vmid))) -a "$ub" = $((base + $(vm_field "$P-b" vmid)))
	pa=$(vm_field "$P-a" pid)
	pb=$(vm_field "$P-b" pid)
	check "uid: VMs are in different pid namespaces" test "$(readlink /proc/$pa/ns/pid)" != "$(readlink /proc/$pb/ns/pid)"
	check "uid: VMs are in different mount namespaces" test "$(readlink /proc/$pa/ns/mnt)" != "$(readlink /proc/$pb/ns/mnt)"
	# Destroying one leaves the other alone.
	"$BULKHEAD" destroy "$P-a" >/dev/null 2>&1
	check "uid: destroying A leaves B running" test -d /proc/$pb
	"$BULKHEAD" destroy "$P-b" >/dev/null 2>&1
else
	not_ok "uid: could not start two VMs"
fi

# device_model_user: a per-VM account, used once at a time.
useradd --system --no-create-home --shell /usr/sbin/nologin "$U"
mkcfg "$T/u1.cfg" "$P-u1" "" "device_model_user = \"$U\""
mkcfg "$T/u2.cfg" "$P-u2" "" "device_model_user = \"$U\""
if "$BULKHEAD" create "$T/u1.cfg" >/dev/null 2>&1; then
	check "uid: device_model_user runs as that account" test "$(vm_field "$P-u1" uid)" = "$(id -u "$U")"
	expect_refused "uid: same device_model_user twice refused" "$T/u2.cfg" "is already used by running VM $P-u1"
	"$BULKHEAD" destroy "$P-u1" >/dev/null 2>&1
	check "uid: after destroy the account is free again" "$BULKHEAD" create --dry-run "$T/u2.cfg"
else
	not_ok "uid: device_model_user VM did not start"
fi

# Shared fallback: no range base under this account prefix, only
# <prefix>-shared: a loud warning, and the VM runs as the shared uid.
export BULKHEAD_ACCOUNT_PREFIX=bhtest$$
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "bhtest$$-shared"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "bhtest$$-reaper"
mkcfg "$T/s.cfg" "$P-s" ""
"$BULKHEAD" create --dry-run "$T/s.cfg" > "$T/s.out" 2>&1
check "uid: shared fallback warns that VMs can attack each other" grep -q "can attack each other" "$T/s.out"
check "uid: shared fallback is not security-supported" grep -q "bulkhead-shared fallback is not security-supported" "$T/s.out"
if "$BULKHEAD" create "$T/s.cfg" > "$T/s2.out" 2>&1; then
	check "uid: shared VM runs as the shared account" test "$(vm_field "$P-s" uid)" = "$(id -u bhtest$$-shared)"
	spid=$(vm_field "$P-s" pid)
	"$BULKHEAD" destroy "$P-s" >/dev/null 2>&1
	check "uid: shared VM destroyed by pidfd" test ! -d /proc/$spid
else
	not_ok "uid: shared VM did not start: $(cat "$T/s2.out")"
fi
userdel "bhtest$$-reaper"
"$BULKHEAD" create --dry-run "$T/s.cfg" > "$T/s3.out" 2>&1
check "uid: no reaper account: refused, never root" grep -q "does not exist: run 'bulkhead host-init'" "$T/s3.out"
exit "$FAILED"
