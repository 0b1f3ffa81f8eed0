#!/bin/bash
# Forged STP BPDUs from a VM (found by the outside review of issue 14):
# on a bridge that runs the kernel's STP, a BPDU to 01:80:c2:00:00:00 is
# handed to the bridge's STP code without passing the bridge's netfilter
# hooks, so bridge-family chains never see it. The anti-spoofing chain
# on the tap's ingress hook drops it before the bridge gets it (frames
# to 01:80:c2:00:00:0X); behind that, every tap bulkhead attaches has
# BPDU guard on: the port that receives one is disabled and the BPDU is
# not processed, which the test shows by flushing the ingress chain. evil-dm (evil=late-bpdu) sends
# configuration BPDUs from a MAC that is not the vif's, claiming root
# priority 0; the bridge must stay its own root. The bridge is the
# test's own and removed at exit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 6
P=bhtest-bpdu-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhbpdu$$
cleanup() {
	destroy_prefix "$P"
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
ip link add "$BR" type bridge stp_state 1 && ip link set "$BR" up ||
	{ not_ok "setup: bridge"; exit 1; }
mkcfg "$T/s.cfg" "$P" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" \
	"vif = [ 'bridge=$BR, mac=00:16:3e:a5:00:09, ip=10.66.0.9' ]"
sed -i "s/bulkhead.run=/evil=late-bpdu bulkhead.run=/" "$T/s.cfg"
if ! "$BULKHEAD" create "$T/s.cfg" > "$T/c.out" 2>&1; then
	not_ok "create failed: $(head -3 "$T/c.out")"
	exit 1
fi
TAP=$(ls "/sys/class/net/$BR/brif" | head -1)
check "the VM's anti-spoofing rules are loaded (ether saddr must be its MAC)" \
	grep -q "ether saddr != 00:16:3e:a5:00:09 drop" <(nft list chain netdev bulkhead "tap-$P/0")
check "its tap's bridge port ($TAP) has BPDU guard on" \
	test "$(cat "/sys/class/net/$BR/brif/$TAP/bpdu_guard" 2>&1)" = 1
sleep 4
# The bridge's own id changes as ports join (it takes a port's MAC):
# its root must still be itself.
root=$(cat "/sys/class/net/$BR/bridge/root_id")
self=$(cat "/sys/class/net/$BR/bridge/bridge_id")
echo "# $BR after the VM's forged BPDUs: root_id $root, bridge_id $self"
check "a BPDU from the VM does not make it the bridge's root" test "$root" = "$self"
check "... the ingress chain dropped them: BPDU guard never fired (state $(cat "/sys/class/net/$BR/brif/$TAP/state" 2>&1))" \
	test "$(cat "/sys/class/net/$BR/brif/$TAP/state" 2>&1)" != 0
# The second layer: without the ingress rules, the next BPDU (one each
# half second) disables the port.
nft flush chain netdev bulkhead "tap-$P/0"
sleep 2
check "ingress rules flushed: BPDU guard disables the port (state $(cat "/sys/class/net/$BR/brif/$TAP/state" 2>&1))" \
	test "$(cat "/sys/class/net/$BR/brif/$TAP/state" 2>&1)" = 0
check "... and the bridge is still its own root" test "$(cat "/sys/class/net/$BR/bridge/root_id")" = "$(cat "/sys/class/net/$BR/bridge/bridge_id")"
"$BULKHEAD" destroy "$P" > /dev/null 2>&1
exit "$FAILED"
