#!/bin/bash
# Who else may hold a VM's ids (issue 12, items 2 and 3). A subordinate
# id range (/etc/subuid, /etc/subgid: Debian gives each new user one)
# over the VM range lets its owner map VM uids in a user namespace:
# host-init and create refuse such a range. A process the reaper cannot
# signal (effective uid only; one thread alone holding the VM's uid; a
# zombie leader with live threads; the VM's gid only): destroy still
# ends it, and only then frees the id.
# device_model_user is refused for accounts that are not dedicated to
# device models, each with its reason. As in uids.sh, the accounts and
# subid entries are made in a private mount namespace over a copy of
# /etc: the host's account files are never written.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
ACCOUNT_FILES="passwd group shadow gshadow subuid subgid"

if [ "${BH_IDR_INNER:-}" != 1 ]; then
	plan 56
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

# --- item 2: subordinate ids from an NSS module -------------------------
# "subid: NAME" in nsswitch.conf makes shadow (newuidmap, libsubid) take
# ranges from libsubid_NAME.so (SSSD's, FreeIPA's), which the files do
# not show. libsubid_bhtest.so stands in for one: it serves
# /etc/bhtest-subid (this copy of /etc), found through LD_LIBRARY_PATH.
MODDIR=$(cd "$(dirname "$BULKHEAD")/tests" && pwd)
need_arg module "$(ls "$MODDIR/libsubid_bhtest.so")"
nss() { env LD_LIBRARY_PATH="$MODDIR" "$BULKHEAD" "$@"; }
cp /etc/nsswitch.conf "$T/nsswitch.orig"
printf '# a test\nsubid:\tbhtest files\n' >> /etc/nsswitch.conf
echo "u daemon $((base + 1)) 65535" > /etc/bhtest-subid
expect "idrange nss: create refuses a VM uid the module gives to another" 2 \
	"subordinate uid of daemon (uid 1) from subid source 'bhtest'" \
	nss create --dry-run "$T/r.cfg"
expect "idrange nss: host-init refuses the range, naming the module's range" 1 \
	"overlap the subordinate uids $((base + 1))\.\.$((base + 65535)) of daemon from subid source 'bhtest'" \
	nss host-init
echo "g daemon $((gbase + 32768)) 200" > /etc/bhtest-subid
expect "idrange nss: create refuses a module's gid over the backend gids" 2 \
	"subordinate gid of daemon (uid 1) from subid source 'bhtest'" \
	nss create --dry-run "$T/r.cfg"
echo "x *" > /etc/bhtest-subid
expect "idrange nss: create refuses when the module cannot say who owns an id" 2 \
	"subid source 'bhtest'.*cannot tell who may map it" \
	nss create --dry-run "$T/r.cfg"
echo "x root" > /etc/bhtest-subid
expect "idrange nss: host-init names the source and the accounts it did not answer for" 0 \
	"subid source: 'bhtest'.* 1 not answered for (first: root)" nss host-init
expect "idrange nss: host-init says a module that lists no users cannot be checked in full" 0 \
	"subid source 'bhtest' can be checked in full only for the accounts it answers for" \
	nss host-init
expect "idrange nss: create takes the range when the module gives none of its ids" 0 \
	"" nss create --dry-run "$T/r.cfg"
# A module shadow cannot load: libsubid, as newuidmap, reads the files;
# the owners check asks it, and it names the owner of the files' entry.
sed -i 's/^subid:\tbhtest/subid: bhtestnone/' /etc/nsswitch.conf
echo "daemon:$((base + 1)):65535" >> /etc/subuid
expect "idrange nss: create asks libsubid's files backend and refuses a covered uid" 2 \
	"subordinate uid of daemon (uid 1) from subid source 'bhtestnone'" \
	nss create --dry-run "$T/r.cfg"
cp "$T/subuid.orig" /etc/subuid
cp "$T/nsswitch.orig" /etc/nsswitch.conf
rm -f /etc/bhtest-subid
expect "idrange nss: without a subid line host-init says the files are the source" 0 \
	"subid source: files" "$BULKHEAD" host-init

# --- item 2: processes the reaper cannot reach -------------------------
# What the owner of a subuid range can make with newuidmap, staged here
# as root (holder.py, below): each holds the VM's ids in a way the
# reaper's kill(-1) (real reaper, effective VM uid, checked against each
# thread group leader's credentials) cannot signal. Destroy must end it,
# every thread of it, and only then free the id (a later VM with that id
# would get the uid, and be signalled by the holder).
#  E  real and saved uid another's, effective uid the VM's (one thread)
#  A  the leader another's; one thread alone took the VM's uid and gid
#     with raw setresuid/setresgid (credentials are per thread)
#  B  as E in every thread, and the leader thread has exited: it shows Z
#  G  uid another's, real/effective/saved gid the VM's (no VM uid)
cat > "$T/holder.py" << 'PY'
import ctypes, os, platform, sys, threading, time
# syscall numbers: setresuid, setresgid, exit
SETRESUID, SETRESGID, EXIT = {"x86_64": (117, 119, 60),
                              "aarch64": (147, 149, 93)}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
def raw(nr, *args):  # this thread only: glibc's wrappers change every thread
    if libc.syscall(nr, *[ctypes.c_long(a) for a in args]) != 0:
        os._exit(3)
shape = sys.argv[1]
o, u, g = (int(a) for a in sys.argv[2:5])
os.setgroups([])
if shape in "EB":
    os.setresgid(o, g, o)
    os.setresuid(o, u, o)
elif shape == "G":
    os.setresgid(g, g, g)
    os.setresuid(o, o, o)
def hold():
    if shape == "A":  # still root: its credentials were copied at clone
        raw(SETRESGID, g, g, g)
        raw(SETRESUID, u, u, u)
    time.sleep(600)
t = threading.Thread(target=hold)
t.start()
if shape == "A":
    raw(SETRESGID, o, o, o)
    raw(SETRESUID, o, o, o)
elif shape == "B":
    raw(EXIT, 0)  # the leader thread only
t.join()
PY
other=$((60000 + $$ % 1000))
# creds FILE: "STATE RUID EUID SUID FSUID RGID EGID SGID FSGID" of a thread.
creds() {
	awk '/^State:/{s=$2} /^Uid:/{u=$2" "$3" "$4" "$5} /^Gid:/{g=$2" "$3" "$4" "$5}
		END{print s, u, g}' "$1" 2>/dev/null
}
# shaped SHAPE PID UID GID: PID's threads hold what SHAPE says.
shaped() {
	local o=$other u=$3 g=$4 lead rest="" f
	lead=$(creds "/proc/$2/status")
	for f in /proc/"$2"/task/[0-9]*/status; do
		[ "$f" = "/proc/$2/task/$2/status" ] || rest="$rest $(creds "$f")"
	done
	case $1 in
	E) [[ $lead == [RS]" $o $u $o $u $o $g $o $g" ]] ;;
	A) [[ $lead == [RS]" $o $o $o $o $o $o $o $o" && $rest == *" "[RS]" $u $u $u $u $g $g $g $g"* ]] ;;
	B) [[ $lead == "Z $o $u $o $u $o $g $o $g" && $rest == " "[RS]" $o $u $o $u $o $g $o $g" ]] ;;
	G) [[ $lead == [RS]" $o $o $o $o $g $g $g $g" ]] ;;
	*) false ;;
	esac
}
# holder_case SHAPE WHAT: a VM, a SHAPE holder of its ids, destroy.
holder_case() {
	local vm=$P-k$1 vuid vgid h i
	mkcfg "$T/k.cfg" "$vm" ""
	if ! "$BULKHEAD" create "$T/k.cfg" > "$T/create.out" 2>&1; then
		not_ok "idrange $1: the VM did not start: $(cat "$T/create.out")"
		not_ok "idrange $1: destroy succeeds: not run"
		not_ok "idrange $1: destroy ended the holder: not run"
		not_ok "idrange $1: destroy freed the VM id: not run"
		return
	fi
	vuid=$(vm_field "$vm" uid)
	vgid=$(vm_field "$vm" gid)
	python3 "$T/holder.py" "$1" "$other" "$vuid" "$vgid" &
	h=$!
	HELPERS+=("$h")
	for ((i = 0; i < 50; i++)); do
		shaped "$1" "$h" "$vuid" "$vgid" && break
		sleep 0.1
	done
	check "idrange $1: $2 runs (uid $vuid, gid $vgid)" shaped "$1" "$h" "$vuid" "$vgid"
	expect "idrange $1: destroy succeeds" 0 "" "$BULKHEAD" destroy "$vm"
	# Right after destroy returned: nothing of the holder runs.
	check "idrange $1: destroy ended the holder, every thread of it; no process of uid $vuid left" \
		bash -c ". tests/lib.sh; ! alive $h && test \"\$(uid_procs $vuid)\" = 0"
	check "idrange $1: destroy freed the VM id" bash -c ". tests/lib.sh; test -z \"\$(ids_of $P)\""
}
holder_case E "a process with effective uid the VM's, real/saved uid another's,"
holder_case A "a process whose leader has another's uid and one thread the VM's"
holder_case B "a process whose threads have effective uid the VM's, leader exited (Z),"
holder_case G "a process holding only the VM's gid"

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

# --- review F4: a device_model_user shares nothing -----------------------
# Its primary group is its own (same name) with no other members, it is
# a member of no other group, and no other account has its uid or its
# primary gid.
useradd --system --no-create-home --shell /usr/sbin/nologin -g users "${DM}revg$$"
refused "dm_user: a borrowed primary group (users) refused" "${DM}revg$$" \
	"primary group is users"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "${DM}reva$$"
useradd -o -u "$(id -u "${DM}reva$$")" --no-create-home --shell /bin/bash "bhtest-alias$$" 2>/dev/null
refused "dm_user: an account sharing its uid (login alias) refused" "${DM}reva$$" \
	"also account bhtest-alias$$"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "${DM}revm$$"
useradd --no-create-home --shell /bin/bash "bhtest-mem$$"
usermod -a -G "${DM}revm$$" "bhtest-mem$$"
refused "dm_user: a member of its group refused" "${DM}revm$$" \
	"has member bhtest-mem$$"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "${DM}revs$$"
usermod -a -G disk "${DM}revs$$"
refused "dm_user: a supplementary member of another group (disk) refused" "${DM}revs$$" \
	"member of group disk"
# The range: a primary gid in it needs no /etc/group line to count.
cp /etc/passwd "$T/passwd.orig"
echo "bhtest-pg$$:x:$((60000 + $$ % 1000)):$((gbase + 500))::/nonexistent:/usr/sbin/nologin" >> /etc/passwd
expect "idrange: create refuses a passwd primary gid in the range" 2 \
	"primary group of account bhtest-pg$$" "$BULKHEAD" create --dry-run "$T/r.cfg"
cp "$T/passwd.orig" /etc/passwd

# --- review F3: host-init reserves the range in /etc/subuid and subgid ---
# useradd allocates a new user's subordinate ids (login.defs SUB_UID_MIN
# .. SUB_UID_MAX, which holds 131072) around every entry. Without the
# reservation the next new user gets VM ids: shown first, as the control.
# The reservation is the range base's own entry, exempt from the check.
sub_hits() { # FILE USER BASE: USER has one line there and it covers BASE+1..
	awk -F: -v u="$2" -v b="$3" '$1 == u { n++; if ($2 + $3 > b + 1 && $2 < b + 65536) hit = 1 }
		END { exit !(n == 1 && hit) }' "$1"
}
sub_misses() { # FILE USER BASE: USER has one line there, clear of the range
	awk -F: -v u="$2" -v b="$3" '$1 == u { n++; if ($2 + $3 > b && $2 < b + 65536) hit = 1 }
		END { exit !(n == 1 && !hit) }' "$1"
}
grep -v '^bulkhead-range-base:' "$T/subuid.orig" > /etc/subuid
grep -v '^bulkhead-range-base:' "$T/subgid.orig" > /etc/subgid
cp /etc/subuid "$T/subuid.bare"
cp /etc/subgid "$T/subgid.bare"
expect "idrange: without the reservation create warns that useradd may hand out VM ids" 0 \
	"not reserved against useradd" "$BULKHEAD" create --dry-run "$T/r.cfg"
useradd --no-create-home --shell /bin/bash "bhtest-pre$$"
check "idrange: control: without the reservation useradd gives a new user subuids over the VM uids" \
	sub_hits /etc/subuid "bhtest-pre$$" "$base"
check "idrange: control: and subgids over the VM gids" \
	sub_hits /etc/subgid "bhtest-pre$$" "$gbase"
userdel "bhtest-pre$$" 2>/dev/null
cp "$T/subuid.bare" /etc/subuid
cp "$T/subgid.bare" /etc/subgid
expect "idrange: host-init reserves the range for the range base account" 0 \
	"subordinate ids: bulkhead-range-base:$base:65536 in /etc/subuid, bulkhead-range-base:$gbase:65536 in /etc/subgid: reserved now" \
	"$BULKHEAD" host-init
expect "idrange: host-init run again finds the reservation and reports it" 0 \
	"in /etc/subgid: reserved (" "$BULKHEAD" host-init
expect "idrange: the host-init report shows the range reserved" 0 \
	"^id range: reserved against useradd" "$BULKHEAD" host-init
check "idrange: host-init run three times left one entry in each file" \
	test "$(grep -c "^bulkhead-range-base:$base:65536\$" /etc/subuid):$(grep -c "^bulkhead-range-base:$gbase:65536\$" /etc/subgid)" = 1:1
useradd --no-create-home --shell /bin/bash "bhtest-new$$"
check "idrange: after host-init useradd gives a new user subuids clear of the VM uids" \
	sub_misses /etc/subuid "bhtest-new$$" "$base"
check "idrange: and subgids clear of the VM gids" \
	sub_misses /etc/subgid "bhtest-new$$" "$gbase"
"$BULKHEAD" create --dry-run "$T/r.cfg" > "$T/res.out" 2>&1
check "idrange: create takes the range after the reservation and the new user, unwarned" \
	bash -c "grep -q 'identity: range' '$T/res.out' && ! grep -q 'not reserved' '$T/res.out'"
# Under a running VM: an entry over the range appearing, or the
# reservation going away: list warns.
mkcfg "$T/l.cfg" "$P-l" ""
if "$BULKHEAD" create "$T/l.cfg" > "$T/create-l.out" 2>&1; then
	cp /etc/subuid "$T/subuid.res"
	echo "bhtest-late$$:$((base + 1)):10" >> /etc/subuid
	expect "idrange: list warns that a running VM's range is exposed" 0 \
		"no longer the VMs' alone.*bhtest-late$$" "$BULKHEAD" list
	grep -v '^bulkhead-range-base:' "$T/subuid.res" > /etc/subuid
	expect "idrange: list warns that a running VM's range is not reserved" 0 \
		"not reserved against useradd (/etc/subuid has no line" "$BULKHEAD" list
	cp "$T/subuid.res" /etc/subuid
	"$BULKHEAD" destroy "$P-l" > /dev/null 2>&1
else
	not_ok "idrange: list warns: the VM did not start: $(cat "$T/create-l.out")"
	not_ok "idrange: list warns (not reserved): not run"
fi
exit "$FAILED"
