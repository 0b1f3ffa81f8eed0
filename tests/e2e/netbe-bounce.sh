#!/bin/bash
# Review 14b: a running VM whose tap's link goes down for a moment (ip
# link set down, then up, as an administrator or a host tool bouncing
# links would) must get its network back. A down tap fails write(2)
# with EIO, which bulkhead-net takes for a tap gone for good: from then
# on every frame is dropped both ways until the VM is restarted.
# Everything made here is removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 3
P=bhtest-nbb-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhbbr$$
NS=bhbns$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
cleanup() {
	destroy_prefix "$P"
	ip netns del "$NS" 2>/dev/null
	ip link del "bhbv$$" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

peer_net "$BR" "$NS" "bhbv$$" "$SUB.1/24" ||
	{ not_ok "netbe-bounce: test network setup failed"; skip_rest "no bridge"; }

# A running VM's tap bounces.
type_cmd() { (sleep 1; printf '%s\n' "$2"; sleep 1) | timeout 10 "$BULKHEAD" console "$P-$1" > /dev/null 2>&1; }
mkcfg "$T/b.cfg" "$P-b" net "vif = [ 'bridge=$BR, backendtype=isolated' ]"
sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 bulkhead.ip=$SUB.2/24 bulkhead.peer=$SUB.1\"|" "$T/b.cfg"
if ! "$BULKHEAD" create "$T/b.cfg" > "$T/b.out" 2>&1; then
	not_ok "netbe-bounce: create failed: $(cat "$T/b.out")"
	skip_rest "no VM"
fi
LOG_B=$(vm_field "$P-b" console_log)
TAP_B=bh$(vm_field "$P-b" vmid).0
if wait_for "$LOG_B" "BULKHEAD-PING-OK $SUB.1" 240; then
	ok "netbe-bounce: VM b reached the peer over bulkhead-net"
else
	not_ok "netbe-bounce: VM b reached the peer over bulkhead-net"
	echo "# console: $(tail -c 600 "$LOG_B" | tr -c '[:print:]' ' ')"
fi
ip link set "$TAP_B" down
type_cmd b "ping -c 2 -W 1 $SUB.1 >/dev/null 2>&1; echo BH-WHILE''-DOWN"
wait_for "$LOG_B" "BH-WHILE-DOWN" 20
ip link set "$TAP_B" up
sleep 2
type_cmd b "ping -c 5 -W 2 $SUB.1 >/dev/null 2>&1 && echo BH-BACK''-UP-OK"
lost=$(cat /var/log/bulkhead/"$P-b"/*.log 2>/dev/null | grep -a 'bulkhead-net: tap .* failed' | tr '\n' ' ')
check "netbe-bounce: VM b pings the peer again once its tap is back up ($lost)" wait_for "$LOG_B" "BH-BACK-UP-OK" 30
check "netbe-bounce: ... and its backend never took the tap for gone" test -z "$lost"
exit "$FAILED"
