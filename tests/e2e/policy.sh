#!/bin/bash
# The tenant policy (bulkhead-policy.cfg(5)): a config a non-root user
# owns is held to /etc/bulkhead/policy.cfg, or to the built-in values
# when there is none. Over each limit (memory, vcpus, pids_max, the
# owner's VM count) refused with the limit, the value and both lines;
# within them created. A CPU outside the policy's cpus refused; a VM
# with no cpus of its own confined to the granted CPUs. A vif onto a bridge the policy does not grant
# refused, onto a granted one (with an ip= the policy's addresses grant)
# created and attached; a tenant's vifname refused (the addresses
# themselves: review14-tenant-spoof.sh). Root's configs are not limited. A group-writable, user-owned
# or malformed policy refuses tenants (never "unlimited"), and host-init
# says so. restore holds a tenant's config to the policy just as create
# does, and create's key=value arguments just as the file.
#
# The policy file and the test user live in a private mount namespace
# over a copy of /etc (as uids.sh): the host's /etc is never written.
# The bridges are the test's own (bhpa/bhpb + pid) and removed at exit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

if [ "${BH_POL_INNER:-}" != 1 ]; then
	plan 39
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	P=bhtest-pol-$$
	BR1=bhpa$$ BR2=bhpb$$
	outer_cleanup() {
		destroy_prefix "$P" # in case the inner part died with VMs
		ip link del "$BR1" 2> /dev/null
		ip link del "$BR2" 2> /dev/null
		rm -rf "$T"
	}
	trap outer_cleanup EXIT
	# The host's own policy directory, if any: never touched.
	host_pol() { ls -la --time-style=+%s /etc/bulkhead 2>&1; sha256sum /etc/bulkhead/* 2>&1; }
	host_pol > "$T/pol.before"
	BH_POL_INNER=1 BH_POL_T=$T BH_POL_P=$P BH_POL_HOST=$$ BR1=$BR1 BR2=$BR2 \
		unshare -m --propagation private bash "$0"
	rc=$?
	host_pol > "$T/pol.after"
	check "policy: the host's /etc/bulkhead is as it was before the suite" \
		cmp "$T/pol.before" "$T/pol.after"
	[ "$rc" = 0 ] || FAILED=1
	exit "$FAILED"
fi

T=$BH_POL_T P=$BH_POL_P HOST=$BH_POL_HOST
TU=bhpolu$$
POL=/etc/bulkhead/policy.cfg
trap 'destroy_prefix "$P"' EXIT
chmod 755 "$T"
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc
if [ "$(stat -c %d:%i /etc/passwd)" = "$(stat -c %d:%i "/proc/$HOST/root/etc/passwd")" ] ||
	[ "$(stat -c %d:%i /etc/passwd)" != "$(stat -c %d:%i "$T/etc/passwd")" ]; then
	not_ok "policy: /etc is not the test's copy; nothing done"
	exit 1
fi
ok "policy: /etc is the test's copy in a private mount namespace"
fail_setup() { not_ok "policy: setup: $*"; exit 1; }
useradd -M -s /usr/sbin/nologin -U "$TU" || fail_setup useradd
EU=$(id -u "$TU")
rm -rf /etc/bulkhead
ip link add "$BR1" type bridge && ip link set "$BR1" up &&
	ip link add "$BR2" type bridge && ip link set "$BR2" up || fail_setup bridges

# The tenant's directory, kernel and ramdisk (as deputy.sh: the build
# tree may be below a directory the user cannot search).
ONLINE=$(cat /sys/devices/system/cpu/online)
FIRST=$(sed 's/[-,].*//' <<< "$ONLINE") LAST=$(sed 's/.*[-,]//' <<< "$ONLINE")
U=$T/u
mkdir -m 755 "$U" && chown "$EU:$EU" "$U" || fail_setup "user dir"
cp "$GUEST/vmlinuz" "$U/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$U/initrd" &&
	chown "$EU:$EU" "$U/vmlinuz" "$U/initrd" || fail_setup "user kernel"

# ucfg FILE NAME LINES...: a config the tenant owns, booting its kernel.
ucfg() {
	local file=$1 name=$2
	shift 2
	mkcfg "$file" "$name" "" "$@"
	sed -i '/^kernel = /d; /^ramdisk = /d' "$file"
	{ echo "kernel = \"$U/vmlinuz\""; echo "ramdisk = \"$U/initrd\""; } >> "$file"
	chown "$EU:$EU" "$file" && chmod 644 "$file"
}
# line FILE PATTERN: the line number of PATTERN in FILE.
line() { grep -n -- "$2" "$1" | head -1 | cut -d: -f1; }
refused() { # NAME PATTERN CMD...: exit 2, saying PATTERN
	local name=$1 pat=$2
	shift 2
	expect "$name" 2 "$pat" "$@"
}

# No policy file: the built-in values, and the error says where to set
# others.
ucfg "$U/big.cfg" "$P-big" "memory = 2048"
refused "builtin: memory over 1024 refused, naming the missing policy file" \
	"big.cfg:$(line "$U/big.cfg" memory): memory: 2048 is over the limit for uid $EU: max_memory = 1024 (built-in default: there is no $POL" \
	"$BULKHEAD" create "$U/big.cfg"
ucfg "$U/net0.cfg" "$P-net0" "vif = [ 'bridge=$BR1' ]"
refused "builtin: no bridge for tenants" \
	"vif: bridge '$BR1' is not granted to uid $EU: bridges = \[\] (built-in default" \
	"$BULKHEAD" create "$U/net0.cfg"

# The owner must be one account: an id with none (a subordinate id the
# user maps and chowns files to) or inside another's subordinate range
# would get the defaults once per id (review of the policy).
NOACC=3999999999
mkdir -m 755 "$T/na" && chown "$NOACC:$NOACC" "$T/na" || fail_setup "no-account dir"
ucfg "$T/na/na.cfg" "$P-na"
chown "$NOACC:$NOACC" "$T/na/na.cfg"
refused "owner: a config owned by a uid with no account refused" \
	"owned by uid $NOACC, which has no account" "$BULKHEAD" create "$T/na/na.cfg"
cp /etc/subuid "$T/subuid.keep"
echo "root:$EU:1" >> /etc/subuid
ucfg "$U/sub.cfg" "$P-sub"
refused "owner: a config owned by another's subordinate uid refused" \
	"owned by uid $EU, a subordinate id of another user" "$BULKHEAD" create "$U/sub.cfg"
cp "$T/subuid.keep" /etc/subuid

# The policy: small defaults, and the test user's rule.
mkdir -m 755 /etc/bulkhead
cat > "$POL" << EOF
max_memory = 256
max_vcpus = 2
max_pids_max = 512
max_vms = 1
bridges = []
user = "$TU"
max_vms = 2
bridges = [ "$BR1" ]
cpus = "$LAST"
addresses = [ "10.78.0.0/29" ]
EOF
chmod 644 "$POL"
for k in memory:512:1 vcpus:3:2 pids_max:1024:3; do
	IFS=: read -r key val pl <<< "$k"
	ucfg "$U/o.cfg" "$P-o" "$key = $val"
	refused "limit: $key = $val over the policy refused with both lines" \
		"o.cfg:$(line "$U/o.cfg" "^$key ="): $key: $val is over the limit for uid $EU: max_$key = [0-9]* ($POL:$pl)" \
		"$BULKHEAD" create "$U/o.cfg"
done
ucfg "$U/o.cfg" "$P-o" "memory_overhead = 4096"
refused "limit: memory_overhead raised refused" "memory_overhead: 4096 is over 256" \
	"$BULKHEAD" create "$U/o.cfg"
ucfg "$U/o.cfg" "$P-o" "vif = [ 'bridge=$BR2' ]"
refused "vif: a bridge the policy does not grant refused" \
	"vif: bridge '$BR2' is not granted to uid $EU: bridges = \[$BR1\] ($POL:8, the rule for user '$TU')" \
	"$BULKHEAD" create "$U/o.cfg"
ucfg "$U/o.cfg" "$P-o" "vif = [ 'bridge=$BR1, vifname=bhpn$$' ]"
refused "vif: a tenant's vifname refused" "vif: vifname: not in a config owned by uid $EU" \
	"$BULKHEAD" create "$U/o.cfg"
check "vif: nothing attached to the refused bridge" test -z "$(ls /sys/class/net/$BR2/brif 2> /dev/null)"

if [ "$FIRST" = "$LAST" ]; then
	skip "cpus: one online CPU ($ONLINE): no CPU outside the grant to ask for"
else
	ucfg "$U/o.cfg" "$P-o" "cpus = \"$FIRST\""
	refused "cpus: a CPU outside the policy's cpus refused with both lines" \
		"o.cfg:$(line "$U/o.cfg" "^cpus ="): cpus: CPU(s) $FIRST are not granted to uid $EU: cpus = \"$LAST\" ($POL:9, the rule for user '$TU')" \
		"$BULKHEAD" create "$U/o.cfg"
fi

# create's key=value arguments are the config owner's data too: held to
# the policy and the root-only keys exactly as the file, and the refusal
# names the argument, not the file.
ucfg "$U/o.cfg" "$P-o"
refused "args: memory over the policy on the command line refused" \
	"command line: argument 2: memory: 512 is over the limit for uid $EU: max_memory = 256 ($POL:1)" \
	"$BULKHEAD" create -n "$U/o.cfg" vcpus=1 memory=512
for kv in "dm_restrict=0|dm_restrict" "device_model_override='/bin/true'|device_model_override" \
	"device_model_user='$TU'|device_model_user" "vif=['bridge=$BR1, vifname=bhpn$$']|vif: vifname"; do
	refused "args: root-only ${kv%%=*} on a tenant's command line refused" \
		"command line: argument 1: ${kv#*|}: not in a config owned by uid $EU (only root's)" \
		"$BULKHEAD" create "$U/o.cfg" "${kv%|*}"
done
refused "args: a bridge the policy does not grant, on the command line, refused" \
	"command line: argument 1: vif: bridge '$BR2' is not granted to uid $EU" \
	"$BULKHEAD" create "$U/o.cfg" "vif=['bridge=$BR2']"
expect "args: within the policy, the argument's value is the one used" 0 " -m 200 " \
	"$BULKHEAD" create -n "$U/o.cfg" memory=200

# Within the limits: created; the vif joins the granted bridge.
ucfg "$U/a.cfg" "$P-a" "memory = 256" "vcpus = 2" "pids_max = 512" "vif = [ 'bridge=$BR1, ip=10.78.0.2' ]" \
	'rng = "isolated"'
expect "within: at every limit, a vif on the granted bridge: created" 0 "running" \
	"$BULKHEAD" create "$U/a.cfg"
check "within: the VM's record keeps its owner" test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["owner"])' "/run/bulkhead/vm/$P-a/record.json")" = "$EU"
check "within: its tap is on the granted bridge" test -n "$(ls /sys/class/net/$BR1/brif 2> /dev/null)"
check "within: with no cpus of its own, it runs on the granted CPU $LAST alone" \
	test "$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$(vm_field "$P-a" pid)/status")" = "$LAST"
# Its backend and helper run guest-driven work: on the same CPUs (found
# by the outside review: they ran on every CPU).
on_last() { # GROUP: each process in bulkhead/GROUP runs on $LAST alone
	local g p n=0
	g=$(ls -d /sys/fs/cgroup/pids/bulkhead/"$1" /sys/fs/cgroup/bulkhead/"$1" 2> /dev/null | head -1)
	[ -n "$g" ] || return 1
	for p in $(cat "$g/cgroup.procs"); do
		[ "$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$p/status")" = "$LAST" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
check "within: its rng backend and QMP worker run on CPU $LAST alone too" \
	bash -c "$(declare -f on_last); LAST=$LAST; on_last '$P-a+rng' && on_last '$P-a+worker'"
ucfg "$U/b.cfg" "$P-b"
expect "count: a second VM, within the user's max_vms = 2: created" 0 "running" \
	"$BULKHEAD" create "$U/b.cfg"
ucfg "$U/c.cfg" "$P-c"
refused "count: a third VM over max_vms refused with the rule's line" \
	"c.cfg: uid $EU already has 2 VM(s), the limit: max_vms = 2 ($POL:7, the rule for user '$TU')" \
	"$BULKHEAD" create "$U/c.cfg"

# Root's config: none of it applies.
mkcfg "$T/root.cfg" "$P-root" "" "memory = 2048" "vcpus = 4" "pids_max = 4096" \
	"memory_overhead = 1024" "vif = [ 'bridge=$BR2, vifname=bhpr$$' ]"
expect "root: its config is not limited (over every limit, another bridge, vifname)" 0 "next free" \
	"$BULKHEAD" create -n "$T/root.cfg"

# restore holds a tenant's config to the policy too: a save of the
# tenant's VM, the user's own copy, then a policy with less memory.
mkdir -m 700 "$T/r" || fail_setup "save dir"
expect "restore: the tenant's VM saved" 0 "saved and destroyed" "$BULKHEAD" save "$P-b" "$T/r/b.save"
install -o "$EU" -g "$EU" -m 600 "$T/r/b.save" "$U/b.save" || fail_setup "save copy"
sed -i 's/^max_memory = 256/max_memory = 64/' "$POL"
refused "restore: a tenant's config over the policy refused" \
	"b.cfg:$(line "$U/b.cfg" "^memory ="): memory: 128 is over the limit for uid $EU: max_memory = 64 ($POL:1)" \
	"$BULKHEAD" restore "$U/b.cfg" "$U/b.save"
sed -i 's/^max_memory = 64/max_memory = 256/' "$POL"
expect "restore: within the policy, restored" 0 "running" "$BULKHEAD" restore "$U/b.cfg" "$U/b.save"
"$BULKHEAD" destroy "$P-b" > /dev/null 2>&1

# The policy file itself: writable by a group, a user's, malformed,
# naming no one: tenants refused, root's configs still work.
ucfg "$U/d.cfg" "$P-d"
chmod 664 "$POL"
refused "file: a group-writable policy refuses tenants" \
	"d.cfg: owned by uid $EU, refused: policy: $POL: must be owned by root and writable by root alone (owner uid 0, mode 0664)" \
	"$BULKHEAD" create -n "$U/d.cfg"
expect "file: root's config still created with a group-writable policy" 0 "next free" \
	"$BULKHEAD" create -n "$T/root.cfg"
expect "file: host-init reports the group-writable policy as broken" 0 \
	"tenant policy: BROKEN, configs users own are refused until it is fixed: policy: $POL: must be owned by root" \
	"$BULKHEAD" host-init
chmod 644 "$POL"
chown "$EU" "$POL"
refused "file: a policy the tenant owns refuses tenants" "must be owned by root" \
	"$BULKHEAD" create -n "$U/d.cfg"
chown 0 "$POL"
chmod 777 /etc/bulkhead
refused "file: a policy in a directory others may write refuses tenants" "refused: policy:" \
	"$BULKHEAD" create -n "$U/d.cfg"
chmod 755 /etc/bulkhead
echo "max_memory = 99999999999999999999999" >> "$POL"
refused "file: a huge number refuses tenants, naming its line" "refused: $POL:11: max_memory:" \
	"$BULKHEAD" create -n "$U/d.cfg"
sed -i '$d' "$POL"
echo 'user = "no-such-user-bh"' >> "$POL"
refused "file: a rule for an unknown user refuses tenants" "$POL:11: user: no user named 'no-such-user-bh'" \
	"$BULKHEAD" create -n "$U/d.cfg"
exit "$FAILED"
