#!/bin/bash
# Review of issue 14: a tenant (a config a non-root user owns, held to
# policy.cfg) chose its vif's mac= and ip= freely, so the anti-spoofing
# rules enforced whatever identity the tenant claimed. Here root's VM A
# runs on a bridge with mac=M ip=I; the tenant, granted that bridge and
# a prefix holding I, asks for a VM B with the same mac=M ip=I: refused,
# and no rule lets B send as A. Then each piece on its own (dry runs):
# A's address alone (held by A, named), A's MAC (not locally
# administered), an address outside the grant, none, an IPv4-mapped
# one, the bridge's own MAC; root's configs claiming A's MAC or address
# are refused too. A tenant VM within its grant runs with a MAC bulkhead
# gave it, which its rules and record hold; once A is gone, I is free.
# Private mount namespace over a copy of /etc (as policy.sh); the bridge
# is the test's own.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

if [ "${BH_RV_INNER:-}" != 1 ]; then
	plan 14
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	P=bhtest-rv14-$$
	BR=bhrv$$
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
TU=bhrvu$$
POL=/etc/bulkhead/policy.cfg
trap 'destroy_prefix "$P"' EXIT
chmod 755 "$T"
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc || { not_ok "setup: /etc copy"; exit 1; }
useradd -M -s /usr/sbin/nologin -U "$TU" || { not_ok "setup: useradd"; exit 1; }
EU=$(id -u "$TU")
BRMAC=02:77:00:00:00:01
ip link add "$BR" type bridge && ip link set "$BR" address "$BRMAC" &&
	ip link set "$BR" up || { not_ok "setup: bridge"; exit 1; }
mkdir -p -m 755 /etc/bulkhead
cat > "$POL" << POL
user = "$TU"
max_vms = 2
bridges = [ "$BR" ]
addresses = [ "10.77.0.0/28" ]
POL
chmod 644 "$POL"
U=$T/u
mkdir -m 755 "$U" && chown "$EU:$EU" "$U"
cp "$GUEST/vmlinuz" "$U/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$U/initrd" &&
	chown "$EU:$EU" "$U/vmlinuz" "$U/initrd"
# ucfg FILE NAME VIF: a config the tenant owns, with that one vif.
ucfg() {
	mkcfg "$1" "$2" "" "vif = [ '$3' ]"
	sed -i '/^kernel = /d; /^ramdisk = /d' "$1"
	{ echo "kernel = \"$U/vmlinuz\""; echo "ramdisk = \"$U/initrd\""; } >> "$1"
	chown "$EU:$EU" "$1" && chmod 644 "$1"
}
refused() { # NAME PATTERN CMD...: exit 2, saying PATTERN
	local name=$1 pat=$2
	shift 2
	expect "$name" 2 "$pat" "$@"
}

M=00:16:3e:aa:00:01 I=10.77.0.5
mkcfg "$T/a.cfg" "$P-a" "" "vif = [ 'bridge=$BR, mac=$M, ip=$I' ]"
if ! "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	not_ok "root's VM A: create failed: $(head -2 "$T/a.out")"
	exit 1
fi
ok "root's VM A runs with mac=$M ip=$I on $BR"

ucfg "$U/b.cfg" "$P-b" "bridge=$BR, mac=$M, ip=$I"
"$BULKHEAD" create "$U/b.cfg" > "$T/b.out" 2>&1
rc=$?
echo "# tenant create of B with A's mac and ip: exit $rc: $(head -1 "$T/b.out")"
check "tenant's VM B claiming root VM A's mac= and ip= is refused" test "$rc" != 0
nft list chain netdev bulkhead "tap-$P-b/0" > "$T/b.nft" 2>&1
sed 's/^/# /' "$T/b.nft" | grep -E "saddr" | head -4
check "no anti-spoofing chain lets the tenant's VM send as $M / $I" \
	bash -c "! grep -q 'ether saddr != $M drop' '$T/b.nft'"
"$BULKHEAD" destroy "$P-b" > /dev/null 2>&1

# Each part of the claim on its own, as dry runs: refused before any
# host state is made.
ucfg "$U/c.cfg" "$P-c" "bridge=$BR, ip=$I"
refused "tenant: A's address within the grant, no mac=: refused, naming VM A" \
	"c.cfg:[0-9]*: vif: ip $I is held by VM '$P-a'" "$BULKHEAD" create -n "$U/c.cfg"
ucfg "$U/c.cfg" "$P-c" "bridge=$BR, mac=$M, ip=10.77.0.6"
refused "tenant: A's MAC (Xen's OUI) with its own address: refused, not locally administered" \
	"vif: mac=$M is not locally administered" "$BULKHEAD" create -n "$U/c.cfg"
ucfg "$U/c.cfg" "$P-c" "bridge=$BR, ip=10.77.0.99"
refused "tenant: an address outside the grant refused, naming it and the policy line" \
	"vif: ip 10.77.0.99 is not granted to uid $EU: addresses = \[10.77.0.0/28\] ($POL:4, the rule for user '$TU')" \
	"$BULKHEAD" create -n "$U/c.cfg"
ucfg "$U/c.cfg" "$P-c" "bridge=$BR"
refused "tenant: a vif on a granted bridge without ip= refused" \
	"vif: bridge '$BR' needs ip= for uid $EU" "$BULKHEAD" create -n "$U/c.cfg"
ucfg "$U/c.cfg" "$P-c" "bridge=$BR, ip=::ffff:10.77.0.6"
refused "tenant: an IPv4-mapped IPv6 address does not pass the IPv4 grant" \
	"vif: ip ::ffff:10.77.0.6 is not granted to uid $EU (IPv4-mapped" "$BULKHEAD" create -n "$U/c.cfg"
ucfg "$U/c.cfg" "$P-c" "bridge=$BR, mac=$BRMAC, ip=10.77.0.6"
refused "tenant: the bridge's own (locally administered) MAC refused" \
	"vif: mac=$BRMAC is the host interface $BR's" "$BULKHEAD" create -n "$U/c.cfg"
mkcfg "$T/r.cfg" "$P-r" "" "vif = [ 'bridge=$BR, ip=$I' ]"
refused "root: a config claiming A's address is refused too, naming VM A" \
	"r.cfg:[0-9]*: vif: ip $I is held by VM '$P-a'" "$BULKHEAD" create -n "$T/r.cfg"
mkcfg "$T/r.cfg" "$P-r" "" "vif = [ 'bridge=$BR, mac=$M' ]"
refused "root: a config claiming A's MAC is refused too, naming VM A" \
	"vif: mac=$M is held by VM '$P-a'" "$BULKHEAD" create -n "$T/r.cfg"

# Within the grant: runs, with a MAC bulkhead gave it.
ucfg "$U/d.cfg" "$P-d" "bridge=$BR, ip=10.77.0.6"
expect "tenant: a VM with its own granted address and no mac= runs" 0 running \
	"$BULKHEAD" create "$U/d.cfg"
DMAC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vifs"][0]["mac"])' \
	"/run/bulkhead/vm/$P-d/record.json" 2> /dev/null)
echo "# tenant VM's MAC: $DMAC"
check "tenant: its MAC is in Xen's OUI, and its rules and record hold it and 10.77.0.6" \
	bash -c "case '$DMAC' in 00:16:3e:*) ;; *) exit 1;; esac &&
		nft list chain netdev bulkhead 'tap-$P-d/0' | grep -q 'ether saddr != $DMAC drop' &&
		grep -q '\"ips\":\[\"10.77.0.6\"\]' /run/bulkhead/vm/$P-d/record.json"
"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
mkcfg "$T/r.cfg" "$P-r" "" "vif = [ 'bridge=$BR, mac=$M, ip=$I' ]"
expect "once A is destroyed its MAC and address are free" 0 "next free" \
	"$BULKHEAD" create -n "$T/r.cfg"
"$BULKHEAD" destroy "$P-d" > /dev/null 2>&1
exit "$FAILED"
