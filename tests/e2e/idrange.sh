#!/bin/bash
# Who else may hold a VM's ids (issue 12, items 2 and 3). A subordinate
# id range (/etc/subuid, /etc/subgid: Debian gives each new user one)
# over the VM range lets its owner map VM uids in a user namespace:
# host-init and create refuse such a range. A process that holds a VM's
# uid as its effective uid but not as its real or saved one cannot be
# signalled by the reaper: destroy still ends it and frees the id.
# device_model_user is refused for accounts that are not dedicated to
# device models, each with its reason. As in uids.sh, the accounts and
# subid entries are made in a private mount namespace over a copy of
# /etc: the host's account files are never written.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
ACCOUNT_FILES="passwd group shadow gshadow subuid subgid"

if [ "${BH_IDR_INNER:-}" != 1 ]; then
	plan 18
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	P=bhtest-idr-$$
	host_sums() { (cd /etc && sha256sum $ACCOUNT_FILES 2>&1 && stat -c '%n %i %Y' $ACCOUNT_FILES 2>&1); }
	host_sums > "$T/host.before"
	BH_IDR_INNER=1 BH_IDR_T=$T BH_IDR_P=$P BH_IDR_HOST=$$ \
		unshare -m --propagation private bash "$0"
	rc=$?
	destroy_prefix "$P"
	host_sums > "$T/host.after"
	check "accounts: the host's /etc/{${ACCOUNT_FILES// /,}} are byte-identical and not rewritten after the suite" \
		cmp "$T/host.before" "$T/host.after"
	rm -rf "$T"
	[ "$rc" = 0 ] || FAILED=1
	exit "$FAILED"
fi

T=$BH_IDR_T P=$BH_IDR_P HOST=$BH_IDR_HOST
DM=bulkhead-dm- # the names device_model_user accounts must have
HELPERS=()
cleanup() {
	local h
	for h in "${HELPERS[@]}"; do kill "$h" 2>/dev/null; done
	destroy_prefix "$P"
}
trap cleanup EXIT
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc
if [ "$(stat -c %d:%i /etc/passwd)" = "$(stat -c %d:%i "/proc/$HOST/root/etc/passwd")" ] ||
	[ "$(stat -c %d:%i /etc/passwd)" != "$(stat -c %d:%i "$T/etc/passwd")" ]; then
	not_ok "accounts: /etc is not the test's copy; nothing done"
	exit 1
fi
ok "accounts: /etc is the test's copy in a private mount namespace"
touch /etc/subuid /etc/subgid
cp /etc/subuid "$T/subuid.orig"
cp /etc/subgid "$T/subgid.orig"
base=$(getent passwd bulkhead-range-base | cut -d: -f3)
gbase=$(getent passwd bulkhead-range-base | cut -d: -f4)
need_arg base "$base"
mkcfg "$T/r.cfg" "$P-r" ""

# --- item 2: subordinate ranges over the VM range ----------------------
# Debian's first user, when the range base is Xen's 131072: it covers
# the VM uids base+1.. from the start.
echo "bhtest-sub$$:$((base - 31072)):65536" >> /etc/subuid
expect "idrange: host-init refuses a VM range that /etc/subuid covers" 1 \
	"/etc/subuid line [0-9]*.*bhtest-sub$$" "$BULKHEAD" host-init
expect "idrange: create refuses it too, naming the entry" 2 \
	"/etc/subuid line [0-9]*.*bhtest-sub$$" "$BULKHEAD" create "$T/r.cfg"
check "idrange: the refused create left no VM and no id" \
	bash -c ". tests/lib.sh; test -z \"\$(ids_of $P)\" && ! test -e /run/bulkhead/vm/$P-r"
destroy_prefix "$P-r" # if it did start
cp "$T/subuid.orig" /etc/subuid
# An entry over the backends' gids only (base + 32768 + vmid).
echo "$((1000 + $$ % 1000)):$((gbase + 40000)):1" >> /etc/subgid
expect "idrange: create refuses a subgid entry over the backend gids" 2 \
	"/etc/subgid line" "$BULKHEAD" create --dry-run "$T/r.cfg"
cp "$T/subgid.orig" /etc/subgid
expect "idrange: host-init reports the range and that it is free" 0 \
	"uid range $base\.\.$((base + 65535)).*free" "$BULKHEAD" host-init

# --- item 2: a process the reaper cannot reach --------------------------
# Real and saved uid another's, effective uid the VM's: what the owner
# of a subuid range can make with newuidmap. kill(-1) from the reaper
# (real reaper, effective VM uid) may not signal it; root may.
other=$((60000 + $$ % 1000))
mkcfg "$T/k.cfg" "$P-k" ""
if "$BULKHEAD" create "$T/k.cfg" > "$T/create.out" 2>&1; then
	vuid=$(vm_field "$P-k" uid)
	vgid=$(vm_field "$P-k" gid)
	python3 -c '
import os, sys, time
o, u, g = (int(a) for a in sys.argv[1:4])
os.setgroups([])
os.setresgid(o, g, o)
os.setresuid(o, u, o)
time.sleep(600)' "$other" "$vuid" "$vgid" &
	H=$!
	HELPERS+=("$H")
	sleep 0.5
	check "idrange: a process with effective uid $vuid and real/saved uid $other runs" \
		test "$(awk '/^Uid:/{print $2, $3, $4}' /proc/$H/status)" = "$other $vuid $other"
	expect "idrange: destroy succeeds" 0 "" "$BULKHEAD" destroy "$P-k"
	check "idrange: destroy ended the process the reaper cannot signal" bash -c ". tests/lib.sh; ! alive $H"
	check "idrange: destroy freed the VM id" bash -c ". tests/lib.sh; test -z \"\$(ids_of $P)\""
else
	not_ok "idrange: the VM did not start: $(cat "$T/create.out")"
	not_ok "idrange: destroy succeeds: not run"
	not_ok "idrange: destroy ended the process the reaper cannot signal: not run"
	not_ok "idrange: destroy freed the VM id: not run"
fi

# --- item 3: device_model_user must be dedicated ------------------------
refused() { # NAME USER PATTERN
	mkcfg "$T/u.cfg" "$P-u" "" "device_model_user = \"$2\""
	expect "$1" 2 "$3" "$BULKHEAD" create --dry-run "$T/u.cfg"
}
refused "dm_user: nobody refused (overflow id)" nobody "overflow id"
refused "dm_user: daemon refused (static system account)" daemon "below 100"
refused "dm_user: the range base refused" bulkhead-range-base "is the range base"
useradd --no-create-home --shell /bin/bash "${DM}login$$"
refused "dm_user: an account with a login shell refused" "${DM}login$$" "login shell /bin/bash"
useradd --system --no-create-home --shell /usr/sbin/nologin "bhtest-nd$$"
refused "dm_user: an account without the ${DM} prefix refused" "bhtest-nd$$" "not named ${DM}"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "${DM}busy$$"
setpriv --reuid="${DM}busy$$" --regid="${DM}busy$$" --clear-groups sleep 600 &
HELPERS+=("$!")
sleep 0.3
refused "dm_user: an account that owns a process refused" "${DM}busy$$" "owns 1 process"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "${DM}ok$$"
mkcfg "$T/ok.cfg" "$P-ok" "" "device_model_user = \"${DM}ok$$\""
expect "dm_user: a dedicated ${DM} account is accepted" 0 "identity: user uid $(id -u "${DM}ok$$")" \
	"$BULKHEAD" create --dry-run "$T/ok.cfg"
exit "$FAILED"
