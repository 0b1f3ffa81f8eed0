#!/bin/bash
# The dm_restrict uid rules, with Xen's gaps closed: uid 0 and the reaper
# refused, a device_model_user already in use refused, the shared fallback
# warns, two VMs get two uids. The accounts the test needs are made with
# useradd in a private mount namespace over a copy of /etc, so the host's
# account files are never written; every bulkhead process the test
# starts (the CLI, each VM's monitor) runs in that namespace.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
ACCOUNT_FILES="passwd group shadow gshadow subuid subgid"

if [ "${BH_UIDS_INNER:-}" != 1 ]; then
	plan 25
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	P=bhtest-uid-$$
	# Contents, and inode and mtime: useradd replaces a file by a rename.
	host_sums() { (cd /etc && sha256sum $ACCOUNT_FILES 2>&1 && stat -c '%n %i %Y' $ACCOUNT_FILES 2>&1); }
	host_sums > "$T/host.before"
	BH_UIDS_INNER=1 BH_UIDS_T=$T BH_UIDS_P=$P BH_UIDS_HOST=$$ \
		unshare -m --propagation private bash "$0"
	rc=$?
	destroy_prefix "$P" # in case the inner part died with VMs running
	host_sums > "$T/host.after"
	check "accounts: the host's /etc/{${ACCOUNT_FILES// /,}} are byte-identical and not rewritten after the suite" \
		cmp "$T/host.before" "$T/host.after"
	rm -rf "$T"
	[ "$rc" = 0 ] || FAILED=1
	exit "$FAILED"
fi

# In the private mount namespace: /etc is a copy the test owns. useradd
# replaces /etc/passwd by a rename, so the whole directory is bound, not
# the files.
T=$BH_UIDS_T P=$BH_UIDS_P HOST=$BH_UIDS_HOST
U=bulkhead-dm-bhtest$$ # device_model_user accounts are named bulkhead-dm-NAME
SP=bhtest$$ # the account prefix of the shared-fallback part
BYSTANDER=
cleanup() {
	[ -n "$BYSTANDER" ] && kill "$BYSTANDER" 2>/dev/null
	destroy_prefix "$P"
}
trap cleanup EXIT
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc
# Everything below writes account files: refuse unless /etc is the copy.
if [ "$(stat -c %d:%i /etc/passwd)" = "$(stat -c %d:%i "/proc/$HOST/root/etc/passwd")" ] ||
	[ "$(stat -c %d:%i /etc/passwd)" != "$(stat -c %d:%i "$T/etc/passwd")" ]; then
	not_ok "accounts: /etc is not the test's copy; nothing done"
	exit 1
fi
ok "accounts: /etc is the test's copy in a private mount namespace"
monitor_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$1/record.json"; }

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
check "accounts: useradd $U (in the copy)" useradd --system --no-create-home --shell /usr/sbin/nologin "$U"
check "accounts: $U is in the copy, not in the host's /etc/passwd" \
	bash -c "grep -q '^$U:' /etc/passwd && ! grep -q '^$U:' /proc/$HOST/root/etc/passwd"
mkcfg "$T/u1.cfg" "$P-u1" "" "device_model_user = \"$U\""
mkcfg "$T/u2.cfg" "$P-u2" "" "device_model_user = \"$U\""
if "$BULKHEAD" create "$T/u1.cfg" >/dev/null 2>&1; then
	check "uid: device_model_user runs as that account" test "$(vm_field "$P-u1" uid)" = "$(id -u "$U")"
	# The monitor outlives the CLI that forked it: it must see the copy.
	M=$(monitor_of "$P-u1")
	check "accounts: the VM's monitor runs in the namespace and sees $U" \
		bash -c "test '$(readlink /proc/"$M"/ns/mnt)' = '$(readlink /proc/self/ns/mnt)' && grep -q '^$U:' /proc/$M/root/etc/passwd"
	expect_refused "uid: same device_model_user twice refused" "$T/u2.cfg" "is already used by running VM $P-u1"
	"$BULKHEAD" destroy "$P-u1" >/dev/null 2>&1
	check "uid: after destroy the account is free again" "$BULKHEAD" create --dry-run "$T/u2.cfg"
else
	not_ok "uid: device_model_user VM did not start"
fi
# userdel refuses an account that still has a running process.
check "accounts: userdel $U (no process of it left)" userdel "$U"

# Shared fallback: no range base under this account prefix, only
# <prefix>-shared: a loud warning, and the VM runs as the shared uid.
export BULKHEAD_ACCOUNT_PREFIX=$SP
check "accounts: useradd $SP-shared and $SP-reaper (in the copy)" bash -c \
	"useradd --system --no-create-home --shell /usr/sbin/nologin --user-group '$SP-shared' &&
	 useradd --system --no-create-home --shell /usr/sbin/nologin --user-group '$SP-reaper'"
mkcfg "$T/s.cfg" "$P-s" ""
"$BULKHEAD" create --dry-run "$T/s.cfg" > "$T/s.out" 2>&1
check "uid: shared fallback warns that VMs can attack each other" grep -q "can attack each other" "$T/s.out"
check "uid: shared fallback is not security-supported" grep -q "bulkhead-shared fallback is not security-supported" "$T/s.out"
if "$BULKHEAD" create "$T/s.cfg" > "$T/s2.out" 2>&1; then
	SUID=$(id -u "$SP-shared")
	check "uid: shared VM runs as the shared account" test "$(vm_field "$P-s" uid)" = "$SUID"
	spid=$(vm_field "$P-s" pid)
	check "uid: shared VM: its monitor holds a pidfd of QEMU" holds_pidfd "$(monitor_of "$P-s")" "$spid"
	# Another process of the shared uid (another VM's, as far as the
	# toolstack can tell): a kill by uid would take it too.
	setpriv --reuid="$SUID" --regid="$(id -g "$SP-shared")" --clear-groups sleep 600 &
	BYSTANDER=$!
	"$BULKHEAD" destroy "$P-s" >/dev/null 2>&1
	check "uid: shared VM: destroy ends its QEMU and spares another process of the shared uid" \
		bash -c ". tests/lib.sh; ! alive $spid && alive $BYSTANDER && test \$(awk '/^Uid:/{print \$2}' /proc/$BYSTANDER/status) = $SUID"
	kill "$BYSTANDER"
	wait "$BYSTANDER" 2>/dev/null
	BYSTANDER=
else
	not_ok "uid: shared VM did not start: $(cat "$T/s2.out")"
fi
check "accounts: userdel $SP-reaper" userdel "$SP-reaper"
"$BULKHEAD" create --dry-run "$T/s.cfg" > "$T/s3.out" 2>&1
check "uid: no reaper account: refused, never root" grep -q "does not exist: run 'bulkhead host-init'" "$T/s3.out"
check "accounts: userdel $SP-shared (no process of it left)" userdel "$SP-shared"
exit "$FAILED"
