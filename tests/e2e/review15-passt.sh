#!/bin/bash
# Review 15 of the bind guard on passt's group (src/host/bind_guard.c):
# it judges bind() by the port it names, and passes port 0. But a socket
# may pick its own ephemeral port first: setsockopt(IP_LOCAL_PORT_RANGE,
# P..P) (Linux 6.3+, no privilege), then bind(port 0) or listen() with
# no bind, and the kernel gives it exactly P. A compromised passt (what
# the guard exists for: SECURITY.md "both are the kernel's ... a
# compromised passt cannot remove them") so binds or listens on the
# host port of its choosing in the ephemeral range, which SECURITY.md
# says it cannot ("It cannot bind a port of its choosing").
# Code in passt's group is played by a python run as passt's uid after
# root wrote it into the group's cgroup.procs (as passt would be: its
# group, its uid). The VM's device model is evil-dm (late-silent).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 3
P=bhtest-rv15p-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
cleanup() {
	destroy_prefix "$P"
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
mkcfg "$T/u.cfg" "$P" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" "vif = [ 'type=user' ]"
sed -i "s/bulkhead.run=/evil=late-silent bulkhead.run=/" "$T/u.cfg"
if ! "$BULKHEAD" create "$T/u.cfg" > "$T/c.out" 2>&1; then
	for i in 1 2 3; do not_ok "create failed: $(head -3 "$T/c.out")"; done
	exit 1
fi
G=
for d in /sys/fs/cgroup/unified/bulkhead/"$P+passt0" /sys/fs/cgroup/bulkhead/"$P+passt0"; do
	[ -e "$d/cgroup.procs" ] && { G=$d; break; }
done
PT=$(head -n 1 "$G/cgroup.procs" 2> /dev/null)
PU=$(awk '/^Uid:/ { print $2 }' "/proc/$PT/status" 2> /dev/null)
PG=$(awk '/^Gid:/ { print $2 }' "/proc/$PT/status" 2> /dev/null)
echo "# passt $PT, uid $PU gid $PG, v2 group $G"
# Three free ports in the ephemeral range, none bound now.
read -r P1 P2 P3 < <(python3 -c '
import socket
lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
out = []
for p in range(hi - 200, hi):
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(type=t); s.bind(("0.0.0.0", p)); s.close()
        out.append(p)
    except OSError:
        pass
    if len(out) == 3:
        break
print(*out)')
# in_group PORT MODE: in passt's group as its uid, try to end up on PORT.
in_group() {
	sh -c 'echo $$ > "$1/cgroup.procs" && exec setpriv --reuid="$2" --regid="$3" --clear-groups \
		/usr/bin/python3 -c "
import socket, struct, sys
port, mode = int(sys.argv[1]), sys.argv[2]
IP_LOCAL_PORT_RANGE = 51
t = socket.SOCK_STREAM if mode == \"listen\" else socket.SOCK_DGRAM
s = socket.socket(type=t)
if mode != \"plain\":
    s.setsockopt(socket.IPPROTO_IP, IP_LOCAL_PORT_RANGE, struct.pack(\"I\", port | port << 16))
try:
    if mode == \"listen\":
        s.listen(1)
    else:
        s.bind((\"0.0.0.0\", port if mode == \"plain\" else 0))
except OSError as e:
    print(\"refused\", e.errno)
    sys.exit(0)
print(\"bound\", s.getsockname()[1])
" "$4" "$5"' sh "$G" "$PU" "$PG" "$1" "$2"
}
r1=$(in_group "$P1" plain 2>&1)
echo "# bind(0.0.0.0:$P1) in passt's group: $r1"
check "in passt's group a datagram bind naming port $P1 does not get it (the guard)" \
	bash -c "[ -n '$G' ] && case '$r1' in bound*) [ '$r1' != 'bound $P1' ];; *) false;; esac"
r2=$(in_group "$P2" range 2>&1)
echo "# IP_LOCAL_PORT_RANGE=$P2..$P2, bind(port 0): $r2"
check "in passt's group IP_LOCAL_PORT_RANGE then bind(port 0) does not get chosen UDP port $P2" \
	bash -c "[ -n '$G' ] && [ '$r2' != 'bound $P2' ]"
r3=$(in_group "$P3" listen 2>&1)
echo "# IP_LOCAL_PORT_RANGE=$P3..$P3, listen() with no bind: $r3"
check "in passt's group IP_LOCAL_PORT_RANGE then listen() does not listen on chosen TCP port $P3" \
	bash -c "[ -n '$G' ] && [ '$r3' != 'bound $P3' ]"
exit "$FAILED"
