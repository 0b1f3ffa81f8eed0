#!/bin/bash
# A compromised device model on the QMP channel (tests/peers/evil_dm.c,
# started as device_model_override in the real jail). Whatever it sends
# (garbage, a 1 GiB line, deep nesting, endless events, silence, replies
# out of order or of the wrong shape, a channel closed mid-message), the
# toolstack stays up, says why, and the VM ends destroyed with nothing
# left: no process of its uid, no runtime dir, no VM id, no cgroup.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 65
P=bhtest-evil-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
EVIL=${EVIL:-build/tests/evil-dm}
# An override lives in a prefix with share/qemu, as a custom QEMU would.
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"

# gone NAME UID VMID: the VM left nothing behind.
gone() {
	local name=$1 uid=$2 vmid=$3 i
	for i in $(seq 1 100); do
		[ -e "/run/bulkhead/vm/$name" ] || break
		sleep 0.1
	done
	# Its id and uid may have gone to another test's VM since.
	local others
	others=$(other_vm_uids "$P-")
	test ! -e "/run/bulkhead/vm/$name" &&
		test "$(cat "/run/bulkhead/ids/$vmid" 2>/dev/null)" != "$name" &&
		{ test "$(uid_procs "$uid")" = 0 || case "$others$(other_vm_uids "$P-")" in *" $uid "*) true ;; *) false ;; esac; } &&
		cgroup_gone "$name"
}

mkvm() { # MODE: a config for that mode
	mkcfg "$T/$1.cfg" "$P-$1" "" "device_model_override = \"$T/prefix/bin/evil-dm\""
	sed -i "s/bulkhead.run=/evil=$1 bulkhead.run=/" "$T/$1.cfg"
}

monitor_clean() { # NAME: the monitor ended by its own teardown
	local log=/var/log/bulkhead/$1/monitor.log
	grep -q "destroyed\|start failed" "$log" && ! grep -qE 'Sanitizer|runtime error|fatal' "$log"
}

# Hostile before the VM runs: create fails with the reason, nothing left.
for c in "garbage:not a JSON object" "hugeline:message too long" \
	"deep:nested too deeply" "flood:event flood" \
	"outoforder:reply out of order" "closemid:QEMU closed the channel" \
	"silent:timed out"; do
	mode=${c%%:*} want=${c#*:}
	mkvm "$mode"
	ids_before=$(ids_of "$P-")
	t0=$(date +%s)
	"$BULKHEAD" create "$T/$mode.cfg" > "$T/$mode.out" 2>&1
	rc=$?
	t1=$(date +%s)
	check "evil $mode: create exits 1" test "$rc" = 1
	check "evil $mode: says '$want'" grep -q "$want" "$T/$mode.out"
	check "evil $mode: no runtime dir, id released ($((t1 - t0)) s)" bash -c \
		". tests/lib.sh; test ! -e /run/bulkhead/vm/$P-$mode && test \"\$(ids_of '$P-')\" = '$ids_before'"
	# [x]yz: the pattern does not match the pgrep command line itself.
	check "evil $mode: no process left" bash -c "! pgrep -f 'guest=[${P:0:1}]${P:1}-$mode ' > /dev/null"
	check "evil $mode: cgroup removed" cgroup_gone "$P-$mode"
	check "evil $mode: monitor failed cleanly" monitor_clean "$P-$mode"
done

# Hostile once the VM runs: the monitor destroys it by policy.
for c in "late-garbage:QMP protocol violation" "late-flood:QMP protocol violation" \
	"late-close:QMP closed while the device model still runs" \
	"late-unsolicited:QMP protocol violation" \
	"late-badevent:lifecycle event of the wrong shape"; do
	mode=${c%%:*} want=${c#*:}
	mkvm "$mode"
	if ! "$BULKHEAD" create "$T/$mode.cfg" > "$T/$mode.out" 2>&1; then
		not_ok "evil $mode: handshake-passing peer did not start: $(cat "$T/$mode.out")"
		continue
	fi
	# From create's own words: the VM may be gone before `list` runs.
	UID_=$(sed -n 's/.*, uid \([0-9]*\),.*/\1/p' "$T/$mode.out")
	VMID=$(sed -n 's/.*(vmid \([0-9]*\),.*/\1/p' "$T/$mode.out")
	check "evil $mode: VM destroyed, nothing left" gone "$P-$mode" "$UID_" "$VMID"
	check "evil $mode: monitor logged '$want'" grep -q "$want" /var/log/bulkhead/$P-$mode/monitor.log
	check "evil $mode: monitor ended cleanly" monitor_clean "$P-$mode"
done

# Commands to a peer that answers wrongly or not at all: the CLI gets an
# error (within the 10 s command deadline), the VM is destroyed.
for c in "late-badshape:reply of the wrong shape" "late-silent:timed out"; do
	mode=${c%%:*} want=${c#*:}
	mkvm "$mode"
	if ! "$BULKHEAD" create "$T/$mode.cfg" > "$T/$mode.out" 2>&1; then
		not_ok "evil $mode: did not start: $(cat "$T/$mode.out")"
		continue
	fi
	UID_=$(vm_field "$P-$mode" uid) VMID=$(vm_field "$P-$mode" vmid)
	t0=$(date +%s)
	"$BULKHEAD" pause "$P-$mode" > "$T/$mode.pause" 2>&1
	rc=$?
	t1=$(date +%s)
	check "evil $mode: pause exits 1 in $((t1 - t0)) s" test "$rc" = 1 -a $((t1 - t0)) -le 15
	check "evil $mode: says '$want' and that the VM is destroyed" bash -c \
		"grep -q '$want' '$T/$mode.pause' && grep -q 'VM is destroyed' '$T/$mode.pause'"
	check "evil $mode: VM destroyed, nothing left" gone "$P-$mode" "$UID_" "$VMID"
	check "evil $mode: monitor ended cleanly" monitor_clean "$P-$mode"
done
exit "$FAILED"
