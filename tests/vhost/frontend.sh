#!/bin/bash
# bulkhead-blk, bulkhead-rng and bulkhead-net driven by the synthetic front end
# (build/tests/vu-front), no VM: correctness of every request type,
# the hostile front-end and hostile-guest scenarios, durability across
# SIGKILL, and bad command lines.
# BUILD=build runs the static binaries with their seccomp allowlist;
# BUILD=build/asan runs the sanitized ones with --no-seccomp (the ASan
# runtime makes calls the allowlist refuses, by design).
set -u
BUILD=${BUILD:-build}
LABEL=${LABEL:-}
FRONT=$BUILD/tests/vu-front
EXTRA=()
[ "$BUILD" = build ] || EXTRA=(--no-seccomp)
dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

FAILED=0
# Sanitizer checks only where a sanitizer is (the ASan/UBSan build).
SAN=
grep -qa __asan_init "$BUILD/bulkhead-blk" && SAN=ASan
grep -qa __ubsan_handle_ "$BUILD/bulkhead-blk" && SAN=${SAN:+$SAN+}UBSan
# The plan (TAP's 1..N): the static binaries add the allowlist check, a
# sanitized build a log check per backend.
planned=180
[ "$BUILD" = build ] && planned=$((planned + 2))
[ -n "$SAN" ] && planned=$((planned + 4))
echo "1..$planned"
ok() { echo "ok - ${LABEL}backend $*"; }
not_ok() {
	echo "not ok - ${LABEL}backend $*"
	FAILED=1
}
# Prefix the front end's own lines. Its exit status counts too: 1 when it
# reported a failure, anything else when it died before it could.
front() {
	"$FRONT" "$@" | sed "s/^\(ok\|not ok\) - /\1 - ${LABEL}/"
	local rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || not_ok "vu-front ${*: -1}: exited with status $rc"
}

start() { # start NAME ARGS...: background a backend, its pid in $pid
	local name=$1
	shift
	"$@" "${EXTRA[@]}" 2>>"$dir/$name.log" &
	pid=$!
	pids+=("$pid")
}

# stop NAME PID [WHEN]: SIGTERM, then wait until the process is gone (so
# its log is complete): it must leave through its normal exit path,
# status 0 and its closing "done:" line, within 5 s.
stop() {
	local name=$1 p=$2 when=${3:-waiting for a connection} i rc
	kill -TERM "$p"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -9 "$p"
		wait "$p" 2>/dev/null
		not_ok "$name: still running 5 s after SIGTERM"
		return
	fi
	wait "$p" 2>/dev/null
	rc=$?
	if [ "$rc" = 0 ] && grep -q ': done: ' "$dir/$name.log"; then
		ok "$name: SIGTERM $when: exited 0 through its normal exit path ($(grep -m1 ': done: ' "$dir/$name.log"))"
	else
		not_ok "$name: SIGTERM $when: exit status $rc, $(grep -c ': done: ' "$dir/$name.log") closing lines"
	fi
}

# clean_log NAME: in a sanitized build, after stop (the process is gone,
# so LeakSanitizer has run at its exit): no report in its log.
clean_log() {
	[ -n "$SAN" ] || return 0
	if grep -qE 'Sanitizer|runtime error' "$dir/$1.log"; then
		not_ok "$1: $SAN report: $(grep -m1 -E 'ERROR|runtime error' "$dir/$1.log")"
	else
		ok "$1: exited; no AddressSanitizer, LeakSanitizer or UBSan report in its log ($SAN build)"
	fi
}

truncate -s 64M "$dir/disk.img"
start blk "$BUILD/bulkhead-blk" --socket "$dir/blk.sock" --disk "$dir/disk.img" \
	--queues 2 --serial bh-serial-01
blk=$pid
front --socket "$dir/blk.sock" --serial bh-serial-01 blk-check
front --socket "$dir/blk.sock" hostile
if kill -0 "$blk" 2>/dev/null; then
	ok "blk: still running after the hostile scenarios"
else
	not_ok "blk: died during the hostile scenarios"
fi
front --socket "$dir/blk.sock" regions
if kill -0 "$blk" 2>/dev/null && grep -q 'region 0 is gone at offset' "$dir/blk.log"; then
	ok "blk: still running after guest memory shrank under it ($(grep -m1 -o 'guest memory region 0 is gone.*' "$dir/blk.log"))"
else
	not_ok "blk: died when guest memory shrank under it"
fi
if [ "$BUILD" = build ]; then
	st=$(grep -E '^(NoNewPrivs|Seccomp):' "/proc/$blk/status" | tr -s '\t ' ' ' | tr '\n' ' ')
	if [ "$st" = "NoNewPrivs: 1 Seccomp: 2 " ]; then
		ok "blk: allowlist loaded ($st)"
	else
		not_ok "blk: allowlist not loaded ($st)"
	fi
fi
stop blk "$blk"
clean_log blk

start blk-ro "$BUILD/bulkhead-blk" --socket "$dir/ro.sock" --disk "$dir/disk.img" --read-only
front --socket "$dir/ro.sock" --read-only blk-check
stop blk-ro "$pid"
clean_log blk-ro

start rng "$BUILD/bulkhead-rng" --socket "$dir/rng.sock"
front --socket "$dir/rng.sock" rng-check
# SIGTERM in the middle of a connection: a front end that has been
# answered once, then waits.
python3 - "$dir/rng.sock" "$dir/held" <<'PY' &
import os, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(struct.pack("<III", 1, 1, 0))  # GET_FEATURES, version 1
s.recv(20)
open(sys.argv[2], "w").close()
s.recv(1)  # until the backend goes away
PY
held=$!
for ((i = 0; i < 50; i++)); do [ -e "$dir/held" ] && break; sleep 0.1; done
if [ -e "$dir/held" ]; then
	stop rng "$pid" "with a front end connected"
else
	not_ok "rng: the connection to hold open was not served"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
fi
wait "$held"
clean_log rng

# bulkhead-net: vu-front starts it with the other end of its "tap" (a
# seqpacket socketpair, bare frames) and plays guest, QEMU and network.
front --socket "$dir/net.sock" net-check -- "$BUILD/bulkhead-net" \
	--socket "$dir/net.sock" --tap-fd 3 "${EXTRA[@]}" 2>>"$dir/net.log"
n=$(grep -c 'tap read failed: end of file' "$dir/net.log")
if [ "$n" = 1 ]; then
	ok "net: the tap going away is reported once in its log"
else
	not_ok "net: the tap going away is reported $n times"
fi
if grep -q '^bulkhead-net: done: ' "$dir/net.log"; then
	ok "net: left through its normal exit path ($(grep -m1 ': done: ' "$dir/net.log"))"
else
	not_ok "net: no closing line in its log"
fi
clean_log net

# SIGKILL in the middle of a write workload: no acknowledged write lost.
truncate -s 1G "$dir/dur.img"
start dur "$BUILD/bulkhead-blk" --socket "$dir/dur.sock" --disk "$dir/dur.img"
disown "$pid" # its SIGKILL is the test's, not news
front --socket "$dir/dur.sock" --disk "$dir/dur.img" --kill-pid "$pid" \
	--kill-after 5000 durability | grep -v '^#'

# Bad command lines: refused with a message, never a crash.
bad() { # bad WHY ARGS...
	local why=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ge 1 ] && [ "$rc" -le 2 ] && [ -n "$out" ]; then
		ok "refuses $why (exit $rc: $(echo "$out" | head -n1))"
	else
		not_ok "accepts $why (exit $rc)"
	fi
}
B=$BUILD/bulkhead-blk
bad "no socket" $B --disk "$dir/disk.img"
bad "both --socket and --fd" $B --socket "$dir/x.sock" --fd 3 --disk "$dir/disk.img" 3<"$dir/disk.img"
bad "--fd that is not a socket" $B --fd 3 --disk "$dir/disk.img" 3<"$dir/disk.img"
bad "--fd 1" $B --fd 1 --disk "$dir/disk.img"
bad "--fd that is not open" $B --fd 999 --disk "$dir/disk.img"
bad "--queues 0" $B --socket "$dir/x.sock" --disk "$dir/disk.img" --queues 0
bad "--queues 17" $B --socket "$dir/x.sock" --disk "$dir/disk.img" --queues 17
bad "a 21-character serial" $B --socket "$dir/x.sock" --disk "$dir/disk.img" --serial 123456789012345678901
bad "a disk that is a character device" $B --socket "$dir/x.sock" --disk /dev/null
bad "a missing disk" $B --socket "$dir/x.sock" --disk "$dir/none.img"
bad "a read-only --disk-fd without --read-only" $B --socket "$dir/x.sock" --disk-fd 3 3<"$dir/disk.img"
bad "a socket path that is a file" $B --socket "$dir/disk.img" --disk "$dir/disk.img"
bad "an extra argument" $BUILD/bulkhead-rng --socket "$dir/y.sock" extra
bad "bulkhead-net without --tap-fd" $BUILD/bulkhead-net --socket "$dir/z.sock"
bad "a --tap-fd that is a file, not a tap" $BUILD/bulkhead-net --socket "$dir/z.sock" --tap-fd 3 3<"$dir/disk.img"
exit "$FAILED"
