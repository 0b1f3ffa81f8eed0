#!/bin/bash
# Review 14b: what an isolated vif (backendtype=isolated) leaves behind
# or loses. A VM whose isolated vif is not its first, behind a type=user
# vif (which has no tap), must be torn down whole: teardown unlinks
# vu-vifN.sock for N below the number of taps, not for the vifs' own
# indexes, so vu-vif1.sock stays, the VM's directory cannot be removed
# and destroy leaves /run/bulkhead/vm/NAME behind, with its record:
# the VM id destroy released goes to the next VM, whose uid that record
# still claims, so the next create fails. Everything made here is
# removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 6
P=bhtest-nbh-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhhbr$$
NS=bhhns$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
cleanup() {
	destroy_prefix "$P"
	ip netns del "$NS" 2>/dev/null
	ip link del "bhhv$$" 2>/dev/null
	rm -f /run/bulkhead/vm/"$P"-m/vu-vif1.sock
	rmdir /run/bulkhead/vm/"$P"-m 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

peer_net "$BR" "$NS" "bhhv$$" "$SUB.1/24" ||
	{ not_ok "netbe-hostile: test network setup failed"; skip_rest "no bridge"; }

mkcfg "$T/m.cfg" "$P-m" "" "vif = [ 'type=user', 'bridge=$BR, backendtype=isolated' ]"
if ! "$BULKHEAD" create "$T/m.cfg" > "$T/m.out" 2>&1; then
	not_ok "netbe-hostile: create failed: $(cat "$T/m.out")"
	skip_rest "no VM"
fi
ok "netbe-hostile: a VM with a user vif, then an isolated one, runs"
check "netbe-hostile: its backend listens at vu-vif1.sock" test -S /run/bulkhead/vm/"$P"-m/vu-vif1.sock
"$BULKHEAD" destroy "$P-m" > "$T/d.out" 2>&1
rc=$?
check "netbe-hostile: destroy succeeds (exit $rc: $(tr '\n' ' ' < "$T/d.out"))" test "$rc" = 0
left=$(ls -A /run/bulkhead/vm/"$P"-m 2>&1)
check "netbe-hostile: destroy leaves no vu-vif1.sock behind ($left)" test ! -e /run/bulkhead/vm/"$P"-m/vu-vif1.sock
check "netbe-hostile: destroy removes the VM's directory" test ! -e /run/bulkhead/vm/"$P"-m
# The id that destroy released goes to the next VM, whose uid the record
# left behind still claims.
mkcfg "$T/c.cfg" "$P-c" ""
"$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1
rc=$?
check "netbe-hostile: the next VM can be created (exit $rc: $(tr '\n' ' ' < "$T/c.out"))" test "$rc" = 0
"$BULKHEAD" destroy "$P-c" > /dev/null 2>&1
# Undo the leak by hand, so that the suite leaves nothing behind.
rm -f /run/bulkhead/vm/"$P"-m/vu-vif1.sock
"$BULKHEAD" destroy "$P-m" > /dev/null 2>&1

exit "$FAILED"
