#!/bin/bash
# device_model_override is exec'd in exactly the same jail with the same
# arguments (compared field by field with a default VM running beside
# it); dm_restrict = 0 is the one way to get an unjailed root QEMU, and
# it is loudly not security-supported. Such a VM shares root with the
# host, so destroy may kill only the process it started: with its
# monitor gone and the recorded pid taken by another root process,
# destroy must spare that process.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 28
P=bhtest-ovr-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
IMPOSTOR=
trap 'destroy_prefix "$P"; [ -n "$IMPOSTOR" ] && kill "$IMPOSTOR" 2>/dev/null; rm -rf "$T"' EXIT

monitor_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$1/record.json"; }
status_field() { sed -n "s/^$2:\t//p" "/proc/$1/status"; } # PID FIELD
# ns_scheme PID: each namespace of PID, "new" (not this shell's, the
# host's) or "host". Every kind the kernel has, not only those we make.
ns_scheme() {
	local f
	for f in /proc/$$/ns/*; do
		f=${f##*/}
		if [ "$(readlink "/proc/$1/ns/$f")" = "$(readlink "/proc/$$/ns/$f")" ]; then
			echo -n "$f:host "
		else
			echo -n "$f:new "
		fi
	done
}

# A QEMU installed in its own prefix, as a custom build would be: it
# finds firmware and modules relative to its executable.
Q=$T/prefix
mkdir -p "$Q/bin" "$Q/share" "$Q/lib/x86_64-linux-gnu/qemu"
cp /usr/bin/qemu-system-x86_64 "$Q/bin/qemu-custom"
cp -a /usr/share/qemu /usr/share/seabios "$Q/share/"
cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$Q/lib/x86_64-linux-gnu/qemu/"
# The default VM the override is compared with.
mkcfg "$T/d.cfg" "$P-d" ""
"$BULKHEAD" create -p "$T/d.cfg" > "$T/d.out" 2>&1
mkcfg "$T/o.cfg" "$P-o" readdisk "device_model_override = \"$Q/bin/qemu-custom\""
"$BULKHEAD" create "$T/o.cfg" > "$T/o.out" 2>&1
check "override: warns it is a tech preview" grep -q "device_model_override is tech preview" "$T/o.out"
if grep -q running "$T/o.out" && grep -q paused "$T/d.out"; then
	PID=$(vm_field "$P-o" pid)
	DPID=$(vm_field "$P-d" pid)
	check "override: the override binary runs" test "$(readlink /proc/$PID/exe)" = "$Q/bin/qemu-custom"
	check "override: copied execute-only into the jail" test "$(stat -c %a /proc/$PID/root$Q/bin/qemu-custom)" = 111
	# The scheme: range base + VM id, for uid and gid, real, effective,
	# saved and filesystem alike; the default VM beside it likewise.
	BASE_U=$(getent passwd bulkhead-range-base | cut -d: -f3)
	BASE_G=$(getent passwd bulkhead-range-base | cut -d: -f4)
	ids_are() { # PID UID GID
		[ -n "$2" ] && [ -n "$3" ] &&
			[ "$(status_field "$1" Uid)" = "$2	$2	$2	$2" ] && [ "$(status_field "$1" Gid)" = "$3	$3	$3	$3" ]
	}
	VO=$(vm_field "$P-o" vmid) VD=$(vm_field "$P-d" vmid)
	ids_ok=0
	[ -n "$BASE_U" ] && [ -n "$BASE_G" ] && [ -n "$VO" ] && [ -n "$VD" ] &&
		ids_are "$PID" $((BASE_U + VO)) $((BASE_G + VO)) && ids_are "$DPID" $((BASE_U + VD)) $((BASE_G + VD)) && ids_ok=1
	[ $ids_ok = 1 ] || echo "# override Uid $(status_field "$PID" Uid) Gid $(status_field "$PID" Gid), default VM Uid $(status_field "$DPID" Uid); base $BASE_U:$BASE_G, VM ids $VO, $VD"
	check "override: same uid scheme as the default VM (uid and gid = range base + VM id, all four: $((BASE_U + VO)))" test $ids_ok = 1
	caps_ok=1
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		o=$(status_field "$PID" $c) d=$(status_field "$DPID" $c)
		[ "$o" = "$d" ] && [ "$o" = 0000000000000000 ] || { caps_ok=0; echo "# $c: override $o, default VM $d"; }
	done
	check "override: same capabilities as the default VM (CapInh/Prm/Eff/Bnd/Amb all empty)" test $caps_ok = 1
	nnp_ok=1
	for f in NoNewPrivs Seccomp Seccomp_filters; do
		o=$(status_field "$PID" $f) d=$(status_field "$DPID" $f)
		[ -n "$o" ] && [ "$o" = "$d" ] || { nnp_ok=0; echo "# $f: override $o, default VM $d"; }
	done
	check "override: same NoNewPrivs, Seccomp and Seccomp_filters as the default VM (1, 2, $(status_field "$PID" Seccomp_filters))" \
		test $nnp_ok = 1 -a "$(status_field "$PID" NoNewPrivs)" = 1 -a "$(status_field "$PID" Seccomp)" = 2
	# The jail makes mnt, pid, net, ipc and uts namespaces (the process
	# table); every other kind stays the host's. Both VMs alike, and each
	# new one its own, not shared with the other VM.
	want="cgroup:host ipc:new mnt:new net:new pid:new pid_for_children:new time:host time_for_children:host user:host uts:new "
	so=$(ns_scheme "$PID") sd=$(ns_scheme "$DPID")
	[ "$so" = "$want" ] || echo "# namespaces: override $so; want $want"
	[ "$sd" = "$want" ] || echo "# namespaces: default VM $sd; want $want"
	check "override: same namespaces as the default VM (new: mnt pid net ipc uts; the host's: cgroup time user)" \
		test "$so" = "$want" -a "$sd" = "$want"
	shared=
	for n in mnt pid net ipc uts; do
		[ "$(readlink /proc/$PID/ns/$n)" = "$(readlink /proc/$DPID/ns/$n)" ] && shared="$shared $n"
	done
	check "override: its new namespaces are its own, not the default VM's${shared:+ (shared:$shared)}" test -z "$shared"
	check "override: same arguments (-sandbox, -S, fd chardevs)" \
		bash -c "tr '\0' ' ' < /proc/$PID/cmdline | grep -q -- '-S -name guest=$P-o .*-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny .*socket,id=bh-qmp,fd=3'"
	"$BULKHEAD" destroy "$P-o" > /dev/null 2>&1
	check "override: destroyed" test ! -d /proc/$PID
else
	not_ok "override: create failed: $(cat "$T/o.out" "$T/d.out")"
fi
"$BULKHEAD" destroy "$P-d" > /dev/null 2>&1

# A device model that dies before the QMP handshake: create fails with a
# reason, and nothing is left (no dir, no id, no process).
ids_before=$(ids_of "$P-")
mkcfg "$T/f.cfg" "$P-f" "" 'device_model_override = "/usr/bin/false"'
"$BULKHEAD" create "$T/f.cfg" > "$T/f.out" 2>&1
rc=$?
check "dying device model: create exits 1" test "$rc" = 1
check "dying device model: reason given" grep -q "the device model exited with status 1" "$T/f.out"
check "dying device model: runtime dir removed" test ! -e /run/bulkhead/vm/$P-f
check "dying device model: VM id released" test "$(ids_of "$P-")" = "$ids_before"

# The override's data directories and TCG module are bound into the jail
# by name, as root: each must be root's alone, with no symlink on the
# way (a directory a user can write lets them point the bind at another
# directory, or add firmware QEMU loads). Refused with the reason, and
# nothing left. (The prefix above, root's, boots; so does /usr's.)
Q2=$T/prefix2
mkdir -p "$Q2/bin" "$Q2/share" "$Q2/lib/x86_64-linux-gnu/qemu"
cp "$Q/bin/qemu-custom" "$Q2/bin/"
cp -a "$Q/share/seabios" "$Q2/share/"
ln -s "$Q/share/qemu" "$Q2/share/qemu"
ln -s "$Q/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so" "$Q2/lib/x86_64-linux-gnu/qemu/"
mkcfg "$T/fw.cfg" "$P-fw" "" "device_model_override = \"$Q2/bin/qemu-custom\""
fw_refused() { # NAME PATTERN
	"$BULKHEAD" create "$T/fw.cfg" > "$T/fw.out" 2>&1
	local rc=$?
	if [ "$rc" != 0 ] && grep -q -- "$2" "$T/fw.out" && [ ! -e "/run/bulkhead/vm/$P-fw" ]; then
		ok "firmware dirs: $1"
	else
		not_ok "firmware dirs: $1: rc $rc: $(cat "$T/fw.out")"
	fi
	destroy_prefix "$P-fw"
}
fw_refused "share/qemu as a symlink (to a root-owned copy) is refused" \
	"device model data directory: $Q2/share/qemu: is a symlink (not followed)"
rm "$Q2/share/qemu"
cp -a "$Q/share/qemu" "$Q2/share/"
chown nobody "$Q2/share"
fw_refused "a directory above it owned by a user (nobody) is refused" \
	"device model data directory: $Q2/share/qemu: .*owner"
chown root "$Q2/share"
chmod 0775 "$Q2/share/qemu"
fw_refused "share/qemu writable by its group is refused" \
	"device model data directory: $Q2/share/qemu: not root's alone"
chmod 0755 "$Q2/share/qemu"
fw_refused "the TCG module as a symlink is refused" \
	"device model module: $Q2/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so: is a symlink"

mkcfg "$T/u.cfg" "$P-u" "" "dm_restrict = 0"
"$BULKHEAD" create "$T/u.cfg" > "$T/u.out" 2>&1
check "dm_restrict=0: loud warning" grep -q "runs as ROOT with no jail" "$T/u.out"
if grep -q running "$T/u.out"; then
	PID=$(vm_field "$P-u" pid)
	check "dm_restrict=0: list says not security-supported" test "$(vm_field "$P-u" security_supported)" = False
	check "dm_restrict=0: QEMU runs as root, unjailed" test "$(awk '/^Uid:/{print $2}' /proc/$PID/status)" = 0
	check "dm_restrict=0: the monitor holds a pidfd of QEMU" holds_pidfd "$(monitor_of "$P-u")" "$PID"
	"$BULKHEAD" destroy "$P-u" > "$T/ud.out" 2>&1
	check "dm_restrict=0: destroy through its monitor ends QEMU" \
		bash -c ". tests/lib.sh; grep -q '^$P-u: destroyed$' '$T/ud.out' && ! alive $PID"
	check "dm_restrict=0: runtime dir removed" test ! -e /run/bulkhead/vm/$P-u
else
	not_ok "dm_restrict=0: create failed: $(cat "$T/u.out")"
fi

# The recorded pid reused: the monitor and then QEMU are killed, and once
# QEMU is reaped a root process of ours takes its pid (the kernel hands
# out ns_last_pid + 1 next). destroy, with no monitor to ask, must find
# the pid is no longer the device model (its start time differs) and
# kill nothing by it: a root QEMU shares its uid with the host.
mkcfg "$T/r.cfg" "$P-r" "" "dm_restrict = 0"
if "$BULKHEAD" create -p "$T/r.cfg" > "$T/r.out" 2>&1; then
	PID=$(vm_field "$P-r" pid)
	M=$(monitor_of "$P-r")
	kill -9 "$M"
	while alive "$M"; do sleep 0.05; done
	kill -9 "$PID"
	# Reaped by whoever inherited it (init): until then the pid is taken.
	for i in $(seq 1 600); do [ -e /proc/$PID ] || break; sleep 0.05; done
	for i in $(seq 1 50); do
		echo $((PID - 1)) > /proc/sys/kernel/ns_last_pid
		sleep 600 &
		IMPOSTOR=$!
		[ "$IMPOSTOR" = "$PID" ] && break
		kill "$IMPOSTOR"
		IMPOSTOR=
		[ -e /proc/$PID ] && break # someone else's process took it
	done
	check "pid reuse: a root process of ours now has QEMU's recorded pid $PID" test "$IMPOSTOR" = "$PID"
	"$BULKHEAD" destroy "$P-r" > "$T/rd.out" 2>&1
	check "pid reuse: destroy without a monitor succeeds, runtime dir removed" \
		bash -c "grep -q '^$P-r: destroyed (without its monitor)$' '$T/rd.out' && test ! -e /run/bulkhead/vm/$P-r"
	check "pid reuse: the process now holding the recorded pid survives destroy" \
		bash -c ". tests/lib.sh; test -n '$IMPOSTOR' && alive '${IMPOSTOR:-0}'"
	check "pid reuse: VM id released, cgroup removed" bash -c ". tests/lib.sh; test -z '$(ids_of "$P-r")' && cgroup_gone '$P-r'"
	[ -n "$IMPOSTOR" ] && kill "$IMPOSTOR" && wait "$IMPOSTOR" 2>/dev/null
	IMPOSTOR=
else
	not_ok "pid reuse: create failed: $(cat "$T/r.out")"
fi
exit "$FAILED"
