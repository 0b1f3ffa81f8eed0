#!/bin/bash
# Anti-spoofing in the host kernel (issue 14): a device model replaced by
# tests/peers/evil_dm.c (evil=late-spoof) writes raw frames to its tap,
# forged ones and its own, and a capture in the peer's network namespace
# on the far side of the bridge shows which arrived. With ip= none of the
# forged frames does (ICMPv6 hidden in fragments, behind AH or
# hop-by-hop included)
# and each of its own does; without ip= only the MAC is held, and no
# frame to a link-local group address (LLDP, 802.1X) passes, though the
# test's bridge forwards those (group_fwd_mask). A real guest pings the peer from its ip= address, and cannot
# from another. The rules go at destroy, when the device model or the monitor
# dies, and a VM whose rules cannot be loaded is refused. The bridge, the
# namespace and the veth pair are made here and removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 49
P=bhtest-as-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhabr$$
NS=bhans$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
cleanup() {
	destroy_prefix "$P"
	nft delete chain netdev bulkhead hold-$$ 2>/dev/null
	# The chain section 4 made, should no destroy have removed it.
	nft delete chain netdev bulkhead "tap-$P-d/0" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "bhav$$" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"

peer_net "$BR" "$NS" "bhav$$" "$SUB.1/24" &&
	echo 0x4008 > "/sys/class/net/$BR/bridge/group_fwd_mask" ||
	{ not_ok "antispoof: test network setup failed"; exit 0; }

OK_TAGS="ok-udp4 ok-arp ok-probe ok-dhcp ok-udp6 ok-dad ok-na ok-rarp ok-mld"
BAD_TAGS="bad-mac bad-ip4 bad-zero bad-arp-ip bad-arp-mac bad-vlan-arp bad-ip6 bad-dad-udp bad-na bad-ra bad-ethertype bad-frag-na bad-frag-ra bad-ah-na bad-hbh-na bad-lldp bad-eapol"

# mkvm NAME VIF: an evil-dm VM on the test bridge.
mkvm() {
	mkcfg "$T/$1.cfg" "$P-$1" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" "vif = [ '$2' ]"
	sed -i "s/bulkhead.run=/evil=late-spoof as4=$SUB.2 f4=$SUB.77 as6=fd42::2 f6=fd42::77 bulkhead.run=/" "$T/$1.cfg"
}

# capture SECONDS: the tags of the marked frames the peer receives.
capture() {
	ip netns exec "$NS" python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
s.settimeout(0.2)
end, seen = time.time() + float(sys.argv[1]), set()
while time.time() < end:
    try:
        d, a = s.recvfrom(65535)
    except socket.timeout:
        continue
    i = d.find(b"BHAS:")
    if a[2] != socket.PACKET_OUTGOING and i >= 0 and b";" in d[i:]:
        seen.add(d[i + 5:d.index(b";", i)].decode(errors="replace"))
print(" ".join(sorted(seen)))
PY
}

has_tag() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
# No chain of VM $1 in any table of any family.
chains_gone() { ! nft list ruleset 2>/dev/null | grep -qE "chain [a-z]+-$1[ /]"; }

# 1. ip= with an IPv4 and an IPv6 address: only its own frames pass.
mkvm a "bridge=$BR, mac=00:16:3e:a5:00:01, ip=$SUB.2 fd42::2"
if "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	TAP=bh$(vm_field "$P-a" vmid).0
	nft list chain netdev bulkhead "tap-$P-a/0" > "$T/a.nft" 2>&1
	check "ip=: rules on tap $TAP loaded before the device model ran" \
		grep -q "ether saddr != 00:16:3e:a5:00:01 drop" "$T/a.nft"
	check "ip=: the VM's chain is on the ingress hook of $TAP" \
		grep -q "type filter hook ingress device \"$TAP\" priority -500" "$T/a.nft"
	got=$(capture 4)
	for t in $OK_TAGS; do
		check "ip=: its own frame $t arrives" has_tag "$got" "$t"
	done
	for t in $BAD_TAGS; do
		check "ip=: forged frame $t does not arrive" bash -c "! case ' $got ' in *' $t '*) true;; *) false;; esac"
	done
	# bulkhead check says whether the rules are there, beside the probe.
	"$BULKHEAD" check "$P-a" > "$T/check1.txt" 2>&1
	check "check: rules on $TAP present" grep -q "^anti-spoofing rules on $TAP: present$" "$T/check1.txt"
	nft flush chain netdev bulkhead "tap-$P-a/0"
	"$BULKHEAD" check --json "$P-a" > "$T/check2.txt" 2>/dev/null
	rc=$?
	check "check: flushed rules reported MISSING, exit 1" bash -c "test $rc = 1 && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r[\"antispoof\"] == [{\"tap\": sys.argv[2], \"rules\": \"MISSING\"}], r
' '$T/check2.txt' '$TAP'"
	"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
	check "ip=: no chain of the VM after destroy" chains_gone "$P-a"
else
	not_ok "ip=: create failed: $(head -3 "$T/a.out")"
	for i in $(seq 1 30); do not_ok "ip=: (no VM)"; done
fi

# 2. No ip=: the MAC is held, addresses are not (documented).
mkvm b "bridge=$BR, mac=00:16:3e:a5:00:02"
if "$BULKHEAD" create "$T/b.cfg" > "$T/b.out" 2>&1; then
	DM=$(vm_field "$P-b" pid)
	got=$(capture 4)
	for t in bad-mac bad-arp-mac bad-vlan-arp bad-lldp bad-eapol; do
		check "MAC only: forged frame $t does not arrive" bash -c "! case ' $got ' in *' $t '*) true;; *) false;; esac"
	done
	check "MAC only: its own frame ok-udp4 arrives" has_tag "$got" ok-udp4
	check "MAC only: a forged IPv4 source with its MAC arrives (no ip=, as documented)" has_tag "$got" bad-ip4
	# The device model crashes: the monitor's teardown removes the rules.
	kill -9 "$DM"
	check "device model killed: VM torn down" wait_gone "$P-b" 30
	check "device model killed: no chain of the VM left" chains_gone "$P-b"
else
	not_ok "MAC only: create failed: $(head -3 "$T/b.out")"
	for i in $(seq 1 8); do not_ok "MAC only: (no VM)"; done
fi

# 3. The monitor and the device model die; destroy, with no monitor to
# ask, removes the rules itself.
mkvm c "bridge=$BR"
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	DM=$(vm_field "$P-c" pid)
	MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$P-c/record.json")
	# The MAC bulkhead picked is the one QEMU got and the rules hold.
	MAC=$(tr '\0' '\n' < /proc/$DM/cmdline | sed -n 's/.*,mac=\([0-9a-f:]*\).*/\1/p')
	check "picked MAC $MAC: the rules hold QEMU's" grep -q "ether saddr != $MAC drop" <(nft list chain netdev bulkhead "tap-$P-c/0")
	kill -9 "$MON" "$DM"
	sleep 1
	check "monitor killed: the rules stay while nobody tore the VM down" bash -c "nft list chain netdev bulkhead tap-$P-c/0 >/dev/null"
	"$BULKHEAD" destroy "$P-c" > "$T/cd.out" 2>&1
	check "monitor killed: destroy removes every chain of the VM" chains_gone "$P-c"
else
	not_ok "monitor killed: create failed: $(head -3 "$T/c.out")"
	for i in $(seq 1 2); do not_ok "monitor killed: (no VM)"; done
fi

# 4. Rules that cannot be loaded refuse the VM: here another chain jumps
# to the VM's rule chain, so nft may not replace it.
nft add table netdev bulkhead
nft add chain netdev bulkhead "tap-$P-d/0"
nft add chain netdev bulkhead "hold-$$"
nft add rule netdev bulkhead "hold-$$" jump "tap-$P-d/0"
mkvm d "bridge=$BR"
"$BULKHEAD" create "$T/d.cfg" > "$T/d.out" 2>&1
rc=$?
check "rules not loadable: create fails" test "$rc" != 0
check "rules not loadable: says why" grep -q "vif anti-spoofing rules: nftables" "$T/d.out"
# (gues[t]: the pattern must not match this check's own command line.)
check "rules not loadable: no device model started" bash -c "! pgrep -f -- 'gues[t]=$P-d( |\$)' >/dev/null"
nft delete chain netdev bulkhead "hold-$$"
"$BULKHEAD" destroy "$P-d" > /dev/null 2>&1
check "rules not loadable: nothing left after destroy" bash -c "! nft list ruleset | grep -qE 'chain [a-z]+-$P-d[ /]' && test ! -e /run/bulkhead/vm/$P-d"
# 5. A real guest (TCG) behind the rules: from its ip= address it
# reaches the peer (ARP and ICMP pass); from another address it cannot.
for c in "e:$SUB.2:OK" "f:$SUB.3:FAIL"; do
	n=${c%%:*} want=${c##*:} addr=${c#*:}
	addr=${addr%:*}
	mkcfg "$T/$n.cfg" "$P-$n" net "vif = [ 'bridge=$BR, mac=00:16:3e:a5:00:$([ $n = e ] && echo 0e || echo 0f), ip=$SUB.2 fd42::2' ]"
	sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 bulkhead.ip=$addr/24 bulkhead.peer=$SUB.1\"|" "$T/$n.cfg"
	if "$BULKHEAD" create "$T/$n.cfg" > "$T/$n.out" 2>&1; then
		check "guest at $addr with ip=$SUB.2: ping of the peer says $want" \
			wait_for "$(vm_field "$P-$n" console_log)" "BULKHEAD-PING-$want $SUB.1" 120
		"$BULKHEAD" destroy "$P-$n" > /dev/null 2>&1
	else
		not_ok "guest at $addr: create failed: $(head -3 "$T/$n.out")"
	fi
done
exit $FAILED
