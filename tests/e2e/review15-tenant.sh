#!/bin/bash
# Review 15 of tenant addresses (src/cli/vifclaim.c, policy_check.c).
# 1. The host's own addresses: create refuses a tenant's mac= that is a
#    host interface's, but not an ip= that is: a tenant granted the
#    prefix of its bridge (as admins write it: the subnet, gateway
#    included) claims the bridge's own address, which the anti-spoofing
#    rules then let its VM send ARP replies and neighbour advertisements
#    for: it answers for the host's gateway to every VM on the bridge.
# 2. The address a MAC implies: the rules let every VM with IPv6 send
#    from its MAC's EUI-64 link-local address (antispoof_rules.c), and
#    advertise it, but the claim check compares only ip= lists, so a
#    second VM may list a running VM's link-local address as its ip=
#    and then send and advertise as that VM.
# All checks are dry runs (create -n) against a running VM A played by
# evil-dm; private mount namespace over a copy of /etc (as
# review14-tenant-spoof.sh); the bridge is the test's own.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

if [ "${BH_RV_INNER:-}" != 1 ]; then
	plan 4
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	P=bhtest-rv15t-$$
	BR=bhrvt$$
	outer_cleanup() {
		destroy_prefix "$P"
		ip link del "$BR" 2> /dev/null
		rm -rf "$T"
	}
	trap outer_cleanup EXIT
	BH_RV_INNER=1 BH_RV_T=$T BH_RV_P=$P BR=$BR \
		unshare -m --propagation private bash "$0"
	exit $?
fi

T=$BH_RV_T P=$BH_RV_P
TU=bhrvt$$
POL=/etc/bulkhead/policy.cfg
trap 'destroy_prefix "$P"' EXIT
chmod 755 "$T"
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc || { not_ok "setup: /etc copy"; exit 1; }
useradd -M -s /usr/sbin/nologin -U "$TU" || { not_ok "setup: useradd"; exit 1; }
EU=$(id -u "$TU")
ip link add "$BR" type bridge && ip link set "$BR" address 02:78:00:00:00:01 &&
	ip addr add 10.78.0.1/28 dev "$BR" && ip addr add fd78::1/64 dev "$BR" nodad &&
	ip link set "$BR" up || { not_ok "setup: bridge"; exit 1; }
mkdir -p -m 755 /etc/bulkhead
cat > "$POL" << POL
user = "$TU"
max_vms = 2
bridges = [ "$BR" ]
addresses = [ "10.78.0.0/28", "fd78::/124" ]
POL
chmod 644 "$POL"
U=$T/u
mkdir -m 755 "$U" && chown "$EU:$EU" "$U"
cp "$GUEST/vmlinuz" "$U/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$U/initrd" &&
	chown "$EU:$EU" "$U/vmlinuz" "$U/initrd"
ucfg() { # FILE NAME VIF: a config the tenant owns, with that one vif
	mkcfg "$1" "$2" "" "vif = [ '$3' ]"
	sed -i '/^kernel = /d; /^ramdisk = /d' "$1"
	{ echo "kernel = \"$U/vmlinuz\""; echo "ramdisk = \"$U/initrd\""; } >> "$1"
	chown "$EU:$EU" "$1" && chmod 644 "$1"
}

# 1. The bridge's own addresses, within the grant.
ucfg "$U/g.cfg" "$P-g" "bridge=$BR, ip=10.78.0.1"
expect "tenant: ip= the bridge's own IPv4 address (the host's, its gateway) is refused" \
	2 "10.78.0.1" "$BULKHEAD" create -n "$U/g.cfg"
ucfg "$U/g.cfg" "$P-g" "bridge=$BR, ip=fd78::1"
expect "tenant: ip= the bridge's own IPv6 address (the host's) is refused" \
	2 "fd78::1" "$BULKHEAD" create -n "$U/g.cfg"

# 2. A running VM's link-local address, implied by its MAC.
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
M=00:16:3e:aa:15:01 LL=fe80::216:3eff:feaa:1501
mkcfg "$T/a.cfg" "$P-a" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" \
	"vif = [ 'bridge=$BR, mac=$M, ip=10.78.0.5 fd78::5' ]"
sed -i "s/bulkhead.run=/evil=late-silent bulkhead.run=/" "$T/a.cfg"
if "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	TAP=bh$(vm_field "$P-a" vmid).0
	nft list chain netdev bulkhead "tap-$P-a/0" > "$T/a.nft" 2>&1
	grep "ip6 saddr != " "$T/a.nft" | sed 's/^/# /'
	check "root's VM A (mac=$M) may send from its link-local $LL" \
		grep -q "ip6 saddr != {.*$LL" "$T/a.nft"
	mkcfg "$T/b.cfg" "$P-b" "" "vif = [ 'bridge=$BR, ip=fd78::6 $LL' ]"
	expect "root: a config claiming A's link-local address $LL is refused, naming VM A" \
		2 "is held by VM '$P-a'" "$BULKHEAD" create -n "$T/b.cfg"
else
	not_ok "root's VM A: create failed: $(head -2 "$T/a.out")"
	not_ok "root: link-local claim (no VM A)"
fi
exit "$FAILED"
