#!/bin/bash
# Review 15 of the anti-spoofing rules (src/host/antispoof_rules.c). A
# device model replaced by evil-dm (evil=late-ndopts) writes frames from
# its own MAC and addresses that still speak for another host, and a
# capture in the peer's namespace on the bridge's far side shows which
# arrived:
# - a duplicate address detection probe (source ::) for another's
#   address: the rules accept any NS from :: before the source check,
#   whatever its target, so a VM fails every other host's DAD on the
#   bridge (RFC 4862 5.4.3: the tentative address is abandoned);
# - a neighbour advertisement for its own address, and a solicitation,
#   whose link-layer address option names another MAC: for ARP the
#   rules hold the sender MAC to the frame's, for ND they do not, so
#   neighbours send the VM's traffic to the named MAC; the same behind
#   a first option naming its own MAC;
# - DHCP and DHCPv6 server replies (source ports 67, 547) from its own
#   address: router advertisements are dropped because a VM is a host,
#   not a router, but a rogue DHCP server hands out a router and a
#   resolver just the same.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 9
P=bhtest-rv15a-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhr15b$$
NS=bhr15n$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
cleanup() {
	destroy_prefix "$P"
	ip netns del "$NS" 2> /dev/null
	ip link del "bhr15v$$" 2> /dev/null
	ip link del "$BR" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
peer_net "$BR" "$NS" "bhr15v$$" "$SUB.1/24" ||
	{ not_ok "setup: test network"; exit 0; }

capture() { # SECONDS: the tags of the marked frames the peer receives
	ip netns exec "$NS" python3 - "$1" << 'PY'
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

mkcfg "$T/a.cfg" "$P-a" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" \
	"vif = [ 'bridge=$BR, mac=00:16:3e:a5:15:01, ip=$SUB.2 fd42::2' ]"
sed -i "s/bulkhead.run=/evil=late-ndopts as4=$SUB.2 as6=fd42::2 f6=fd42::77 bulkhead.run=/" "$T/a.cfg"
if ! "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	not_ok "create failed: $(head -3 "$T/a.out")"
	for i in $(seq 8); do not_ok "(no VM)"; done
	exit 1
fi
got=$(capture 5)
echo "# the peer received: $got"
check "its own frame ok-r15 arrives (the capture works)" has_tag "$got" ok-r15
check "its own solicitation with its MAC arrives" has_tag "$got" ok-sllao
check "its own DAD probe with a nonce arrives" has_tag "$got" ok-nonce
for t in bad-dadfor bad-tllao bad-sllao bad-2opts bad-dhcp-server bad-dhcp6-server; do
	check "frame $t does not arrive" bash -c "! case ' $got ' in *' $t '*) true;; *) false;; esac"
done
"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
exit "$FAILED"
