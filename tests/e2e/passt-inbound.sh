#!/bin/bash
# Review of issue 14: a type=user guest sends one UDP datagram from
# source port PORT; Debian 12's passt (-t none -u none) then binds
# 0.0.0.0:PORT in the host's network namespace, delivers to the guest
# what anyone sends to the host on that port, and keeps a host service
# from binding it. The guest is played by evil-dm (evil=late-passt-udp),
# which writes the frame a guest's NIC would to QEMU's stream socket.
# Secure: no port bound, nothing delivered (neither to PORT nor to the
# port passt does bind, which the kernel picks), the host keeps its
# port; passt listens on no TCP port. The guest's own request/reply to a
# server on the host's loopback still works, and destroy leaves nothing. Without the bind and inbound guards
# on passt's group (src/host/bind_guard.c, inbound_guard.c) 4 of the 7
# checks fail; without the inbound guard, the stranger's one.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 7
P=bhtest-rvpu-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	destroy_prefix "$P"
	rm -rf "$T"
}
trap cleanup EXIT
EVIL=${EVIL:-build/tests/evil-dm}
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "$EVIL" "$T/prefix/bin/evil-dm"
PORT=$(python3 -c 'import socket; s=socket.socket(type=socket.SOCK_DGRAM); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
# What the guest may still do: send to a server on the host's loopback,
# through passt's gateway (the host's default one), and get its reply.
GW=$(ip -4 route show default | awk '{ print $3; exit }')
SPORT=$(python3 -c 'import socket; s=socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$SPORT" > "$T/srv.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    print("from", peer[1], data, flush=True)
    s.sendto(b"BHRV-REPLY", peer)
PY
SRV=$!
wait_for "$T/srv.out" ready 10
mkcfg "$T/u.cfg" "$P" "" "device_model_override = \"$T/prefix/bin/evil-dm\"" "vif = [ 'type=user' ]"
sed -i "s/bulkhead.run=/evil=late-passt-udp pport=$PORT pdport=$SPORT pgw=$GW bulkhead.run=/" "$T/u.cfg"
if ! "$BULKHEAD" create "$T/u.cfg" > "$T/c.out" 2>&1; then
	for i in 1 2 3 4 5 6 7; do not_ok "create failed: $(head -3 "$T/c.out")"; done
	exit 1
fi
PT=$(cat /sys/fs/cgroup/bulkhead/"$P+passt0"/cgroup.procs \
	/sys/fs/cgroup/pids/bulkhead/"$P+passt0"/cgroup.procs 2>/dev/null | head -n 1)
QLOG=/var/log/bulkhead/$P/qemu.log
wait_for "$QLOG" "passt-udp: sent from port $PORT" 20
sleep 1
ss -Hulnp | grep "pid=$PT," | sed 's/^/# /'
sed 's/^/# server: /' "$T/srv.out"
check "the guest's datagram to the host's loopback server (via gateway $GW) got its reply" \
	grep -aq 'got BHRV-REPLY' "$QLOG"
check "passt $PT binds no host UDP port after the guest sent from port $PORT" \
	bash -c "! ss -Hulnp | grep 'pid=$PT,' | grep -q ':$PORT '"
python3 -c 'import socket,sys; socket.socket(type=socket.SOCK_DGRAM).sendto(b"BHRV-INBOUND", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
python3 -c 'import socket,sys; socket.socket(type=socket.SOCK_DGRAM).sendto(b"BHRV-INBOUND", ("192.0.2.2", int(sys.argv[1])))' "$PORT" 2>/dev/null
sleep 2
grep -a "passt-udp" "$QLOG" | sed 's/^/# /'
check "a datagram the host's network sends to port $PORT does not reach the guest" \
	bash -c "! grep -aq 'got BHRV-INBOUND' '$QLOG'"
# The ports passt bound for the guest's flow (the kernel's choice): a
# stranger's datagram to them is no reply to anything the guest sent.
BOUND=$(ss -Hulnp | grep "pid=$PT," | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
for B in $BOUND; do
	python3 -c 'import socket,sys; socket.socket(type=socket.SOCK_DGRAM).sendto(b"BHRV-STRANGER", ("127.0.0.1", int(sys.argv[1])))' "$B"
done
sleep 2
check "a stranger's datagram to the port(s) passt bound (${BOUND:-none}) does not reach the guest" \
	bash -c "[ -n '$BOUND' ] && ! grep -aq 'got BHRV-STRANGER' '$QLOG'"
check "passt $PT listens on no host TCP port" \
	bash -c "! ss -Htlnp | grep -q 'pid=$PT,'"
check "a host service can still bind 0.0.0.0:$PORT/udp" \
	python3 -c 'import socket,sys; socket.socket(type=socket.SOCK_DGRAM).bind(("0.0.0.0", int(sys.argv[1])))' "$PORT"
"$BULKHEAD" destroy "$P" > /dev/null 2>&1
check "after destroy no inbound chain pin-$P and no v2 group of passt left" \
	bash -c "! nft list chain inet bulkhead 'pin-$P' && ! ls -d /sys/fs/cgroup/unified/bulkhead/'$P+passt0' /sys/fs/cgroup/bulkhead/'$P+passt0'"
exit "$FAILED"
