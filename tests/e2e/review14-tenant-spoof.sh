#!/bin/bash
# Review of issue 14: a tenant (a config a non-root user owns, held to
# policy.cfg) chooses its vif's mac= and ip= freely, so the anti-spoofing
# rules enforce whatever identity the tenant claims. Here root's VM A
# runs on a bridge with mac=M ip=I; the tenant, granted that bridge, asks
# for a VM B with the same mac=M ip=I. Secure: refused. The checks fail
# while bulkhead accepts it (the kernel's rules then let B send as A).
# Private mount namespace over a copy of /etc (as policy.sh); the bridge
# is the test's own.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

if [ "${BH_RV_INNER:-}" != 1 ]; then
	plan 3
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
trap 'destroy_prefix "$P"' EXIT
chmod 755 "$T"
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc || { not_ok "setup: /etc copy"; exit 1; }
useradd -M -s /usr/sbin/nologin -U "$TU" || { not_ok "setup: useradd"; exit 1; }
EU=$(id -u "$TU")
ip link add "$BR" type bridge && ip link set "$BR" up || { not_ok "setup: bridge"; exit 1; }
mkdir -p -m 755 /etc/bulkhead
cat > /etc/bulkhead/policy.cfg << POL
user = "$TU"
max_vms = 2
bridges = [ "$BR" ]
POL
chmod 644 /etc/bulkhead/policy.cfg
U=$T/u
mkdir -m 755 "$U" && chown "$EU:$EU" "$U"
cp "$GUEST/vmlinuz" "$U/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$U/initrd" &&
	chown "$EU:$EU" "$U/vmlinuz" "$U/initrd"

M=00:16:3e:aa:00:01 I=10.77.0.5
mkcfg "$T/a.cfg" "$P-a" "" "vif = [ 'bridge=$BR, mac=$M, ip=$I' ]"
if ! "$BULKHEAD" create "$T/a.cfg" > "$T/a.out" 2>&1; then
	not_ok "root's VM A: create failed: $(head -2 "$T/a.out")"
	exit 1
fi
ok "root's VM A runs with mac=$M ip=$I on $BR"

mkcfg "$U/b.cfg" "$P-b" "" "vif = [ 'bridge=$BR, mac=$M, ip=$I' ]"
sed -i '/^kernel = /d; /^ramdisk = /d' "$U/b.cfg"
{ echo "kernel = \"$U/vmlinuz\""; echo "ramdisk = \"$U/initrd\""; } >> "$U/b.cfg"
chown "$EU:$EU" "$U/b.cfg" && chmod 644 "$U/b.cfg"
"$BULKHEAD" create "$U/b.cfg" > "$T/b.out" 2>&1
rc=$?
echo "# tenant create of B with A's mac and ip: exit $rc: $(head -1 "$T/b.out")"
check "tenant's VM B claiming root VM A's mac= and ip= is refused" test "$rc" != 0
nft list chain bridge bulkhead "vif-$P-b" > "$T/b.nft" 2>&1
sed 's/^/# /' "$T/b.nft" | grep -E "saddr" | head -4
check "no anti-spoofing chain lets the tenant's VM send as $M / $I" \
	bash -c "! grep -q 'ether saddr != $M drop' '$T/b.nft'"
"$BULKHEAD" destroy "$P-b" > /dev/null 2>&1
"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
exit "$FAILED"
