#!/bin/bash
# User-mode networking (vif type=user): no tap, no bridge; Debian's passt,
# jailed as the VM's backend uid in the host's network namespace, holds
# one end of a socketpair and QEMU's stream netdev the other. The guest
# gets an address by DHCP and sends 1 MiB to a TCP server this test runs
# on the host's loopback, reached through passt's gateway address; the
# server's md5 is the guest's. passt forwards nothing inbound, runs
# unprivileged under its own seccomp filter in an empty root of its own;
# QEMU holds no tap and no inet socket; after destroy, and after QEMU is
# killed, no passt process, group or root is left; a monitor that takes
# the VM over watches passt again, and passt's death ends the VM.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 25
P=bhtest-passt-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	destroy_prefix "$P"
	rm -rf "$T"
}
trap cleanup EXIT

if [ ! -x /usr/bin/passt ]; then
	skip_rest "passt: Debian's passt is not installed (scripts/install-deps.sh)"
fi

# The pid of VM $1's process in backend group $2.
be_pid() {
	cat /sys/fs/cgroup/bulkhead/"$1+$2"/cgroup.procs \
		/sys/fs/cgroup/pids/bulkhead/"$1+$2"/cgroup.procs 2>/dev/null | head -n 1
}
status_of() { grep -E "^$2:" "/proc/$1/status" 2>/dev/null | tr -s '\t ' ' ' | cut -d' ' -f2-; }
gone() { # wait until VM $1 is no longer listed
	for i in $(seq 1 100); do
		[ -z "$(vm_field "$1" state 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
# dead PID: the process is gone (zombies included) within 10 s.
dead() {
	[ "$1" -gt 0 ] 2>/dev/null || return 1 # no pid: nothing shown dead
	for i in $(seq 1 100); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.1
	done
	return 1
}
# Anything of VM $1's passt left on the host: its group, its root dir.
passt_leftovers() {
	ls -d /sys/fs/cgroup/bulkhead/"$1+passt0" \
		/sys/fs/cgroup/*/bulkhead/"$1+passt0" \
		/run/bulkhead/vm/"$1"/root-passt0 2>/dev/null
}

# The server: on the host's loopback only, a free port; it reads 1 MiB,
# answers its md5, and closes a second later (Debian 12's passt was seen
# to lose a reply that the host's close follows at once: SECURITY.md).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$PORT" > "$T/srv.out" 2>&1 <<'PY' &
import hashlib, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(150)
c, addr = s.accept()
c.settimeout(60)
h, n = hashlib.md5(), 0
while n < 1 << 20:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
c.sendall((h.hexdigest() + "\n").encode())
time.sleep(1)
c.close()
print(addr[0], n, h.hexdigest(), flush=True)
PY
SRV=$!

mkcfg "$T/u.cfg" "$P" tcpup "vif = [ 'type=user, mac=00:16:3e:0c:0d:0e' ]"
sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 bulkhead.port=$PORT\"|" "$T/u.cfg"
if ! "$BULKHEAD" create "$T/u.cfg" > "$T/create.out" 2>&1; then
	not_ok "passt: create failed: $(cat "$T/create.out")"
	exit 1
fi
LOG=$(vm_field "$P" console_log)
DM=$(vm_field "$P" pid)
PT=$(be_pid "$P" passt0)
# A VM or passt that died must fail the checks below, not stop the suite.
DM=${DM:-none} PT=${PT:-none}
check "passt: one passt process in the VM's group bulkhead/$P+passt0 (pid $PT)" \
	test -n "$PT" -a "$(cat /proc/$PT/comm 2>/dev/null)" != ""
check "passt: the guest got an address and a gateway by passt's DHCP" \
	wait_for "$LOG" "BULKHEAD-DHCP [0-9]" 90
check "passt: the guest sent 1 MiB to the host's loopback server and got its md5 back" \
	wait_for "$LOG" "BULKHEAD-TCP-OK" 90
# The server ends by itself once served; if the guest never came, now.
grep -aq "BULKHEAD-TCP-OK" "$LOG" 2>/dev/null || kill "$SRV" 2>/dev/null
wait "$SRV"
SRV=
read -r peer n got < "$T/srv.out"
want=$(grep -a "BULKHEAD-TCP-OK" "$LOG" | head -n 1 | awk '{print $2}' | tr -d '\r')
check "passt: the server received 1048576 bytes with the guest's md5 ($got)" \
	test "$n" = 1048576 -a -n "$want" -a "$want" = "$got"
check "passt: the connection came from the host's loopback ($peer): passt's host socket" \
	test "$peer" = 127.0.0.1

# passt's confinement, as /proc shows it.
BASE=$(getent passwd "${BULKHEAD_ACCOUNT_PREFIX:-bulkhead}-range-base" | cut -d: -f3)
VMID=$(vm_field "$P" vmid)
BE_UID=$((${BASE:-0} + 32768 + ${VMID:-0}))
uid=$(status_of "$PT" Uid)
DM_UID=$(status_of "$DM" Uid | cut -d' ' -f1)
check "passt: runs as the VM's backend uid $BE_UID (real, effective, saved, fs: $uid), not root, not QEMU's" \
	test "$uid" = "$BE_UID $BE_UID $BE_UID $BE_UID" -a "$BE_UID" != "$DM_UID"
check "passt: no capabilities (permitted, effective, ambient: $(status_of "$PT" CapPrm) $(status_of "$PT" CapEff) $(status_of "$PT" CapAmb))" \
	test "$(status_of "$PT" CapPrm)$(status_of "$PT" CapEff)$(status_of "$PT" CapAmb)" = 000000000000000000000000000000000000000000000000
check "passt: no_new_privs and a seccomp filter (its own)" \
	test "$(status_of "$PT" NoNewPrivs) $(status_of "$PT" Seccomp)" = "1 2"
check "passt: in the host's network namespace (it NATs through host sockets)" \
	test "$(readlink /proc/$PT/ns/net)" = "$(readlink /proc/$$/ns/net)"
check "passt: not in the host's mount, pid or user namespace" \
	test -e /proc/$PT/ns/mnt -a \
	"$(readlink /proc/$PT/ns/mnt)" != "$(readlink /proc/$$/ns/mnt)" -a \
	"$(readlink /proc/$PT/ns/pid)" != "$(readlink /proc/$$/ns/pid)" -a \
	"$(readlink /proc/$PT/ns/user)" != "$(readlink /proc/$$/ns/user)"
check "passt: its root is empty (its own sandbox over bulkhead's jail)" \
	test -z "$(ls -A /proc/$PT/root/ 2>&1)"
check "passt: holds no file but its stdio and sockets (fds: $(ls /proc/$PT/fd | wc -l))" \
	bash -c "ls /proc/$PT/fd >/dev/null && ! ls -l /proc/$PT/fd | awk 'NR>1 {print \$NF}' | grep -v '^socket:\|^pipe:\|^/dev/null\|^anon_inode:'"
# Nothing inbound: passt listens on no TCP or UDP port (-t none -u none)
# and on no unix path.
check "passt: listens on no port and no path" \
	bash -c "[ -d /proc/$PT ] && ! ss -Hltuwxnp | grep -q 'pid=$PT,'"
check "passt: its peer is QEMU's netdev socket" \
	bash -c "ss -Hxp | grep 'pid=$PT,' | grep -q ESTAB"

# QEMU: no tap, no inet socket; it listens only on the monitor's QMP and
# console sockets in the VM's root-only directory.
check "passt: QEMU holds no tap" bash -c "ls /proc/$DM/fd >/dev/null && ! ls -l /proc/$DM/fd | grep -q /dev/net/tun"
check "passt: QEMU has no inet socket" bash -c "[ -d /proc/$DM ] && ! ss -Htuanp | grep -q 'pid=$DM,'"
check "passt: QEMU listens on nothing but its QMP and console sockets" \
	test "$(ss -Hlxp | grep "pid=$DM," | awk '{print $5}' | sort | tr '\n' ' ')" = \
	"/run/bulkhead/vm/$P/console.sock /run/bulkhead/vm/$P/qmp.sock "

"$BULKHEAD" destroy "$P" > /dev/null 2>&1
check "passt: after destroy its process is gone" dead "$PT"
check "passt: after destroy no group or root of it is left" test -z "$(passt_leftovers "$P")"

# A crash: QEMU killed. passt sees its socket close and exits; the
# monitor tears the VM down.
mkcfg "$T/c.cfg" "$P-c" "" "vif = [ 'type=user' ]"
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	PT2=$(be_pid "$P-c" passt0)
	kill -9 "$(vm_field "$P-c" pid)"
	check "passt: QEMU killed: passt $PT2 gone and the VM with it" \
		bash -c "[ -n '$PT2' ] && for i in \$(seq 1 100); do [ -e /proc/$PT2 ] || exit 0; sleep 0.1; done; exit 1"
	gone "$P-c"
	check "passt: QEMU killed: no group or root of passt left" test -z "$(passt_leftovers "$P-c")"
else
	not_ok "passt: crash case: create failed: $(cat "$T/c.out")"
	not_ok "passt: crash case: nothing to check"
fi
# A monitor killed: the next one takes the VM over and finds passt by
# its group; passt's death then ends the VM.
mkcfg "$T/t.cfg" "$P-t" "" "vif = [ 'type=user' ]"
if "$BULKHEAD" create "$T/t.cfg" > "$T/t.out" 2>&1; then
	PT3=$(be_pid "$P-t" passt0)
	PT3=${PT3:-none}
	TLOG=/var/log/bulkhead/$P-t/monitor.log
	MON=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor_pid"])' "/run/bulkhead/vm/$P-t/record.json")
	kill -9 "$MON"
	while alive "$MON"; do sleep 0.05; done
	"$BULKHEAD" pause "$P-t" > "$T/tp.out" 2>&1
	check "passt: a new monitor takes the VM over and watches passt $PT3 again" \
		grep -q "passt0 backend (pid $PT3) watched again" "$TLOG"
	kill -9 "$PT3"
	check "passt: passt killed: the VM is destroyed" gone "$P-t"
	check "passt: ... and the monitor log says why" \
		grep -q "destroying $P-t: passt0 backend exited" "$TLOG"
	check "passt: ... and no group or root of passt is left" test -z "$(passt_leftovers "$P-t")"
else
	for i in 1 2 3 4; do not_ok "passt: take-over case: create failed: $(cat "$T/t.out")"; done
fi
exit "$FAILED"
