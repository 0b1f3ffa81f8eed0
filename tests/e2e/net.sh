#!/bin/bash
# A guest NIC on a bridge: the toolstack creates the tap and passes QEMU
# only its fd; the guest reaches a peer on the bridge while the device
# model's own network namespace stays empty. The bridge, the peer's
# namespace and the veth pair are created here and removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 14
P=bhtest-net-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhtbr$$
NS=bhtns$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
cleanup() {
	destroy_prefix "$P"
	ip netns del "$NS" 2>/dev/null
	ip link del "bhtv$$" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

peer_net "$BR" "$NS" "bhtv$$" "$SUB.1/24" ||
	{ not_ok "net: test network setup failed"; exit 0; }

mkcfg "$T/n.cfg" "$P-a" net "vif = [ 'bridge=$BR, mac=00:16:3e:0a:0b:0c' ]"
sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 bulkhead.ip=$SUB.2/24 bulkhead.peer=$SUB.1\"|" "$T/n.cfg"
if "$BULKHEAD" create "$T/n.cfg" > "$T/n.out" 2>&1; then
	PID=$(vm_field "$P-a" pid)
	VMID=$(vm_field "$P-a" vmid)
	LOG=$(vm_field "$P-a" console_log)
	TAP=bh$VMID.0
	check "net: tap $TAP created on the bridge" test "$(basename "$(readlink /sys/class/net/$TAP/master)")" = "$BR"
	check "net: guest reached its peer through the tap" wait_for "$LOG" "BULKHEAD-PING-OK $SUB.1" 90
	check "net: peer sees the guest's MAC" bash -c "ip -n $NS neigh show $SUB.2 | grep -q 00:16:3e:0a:0b:0c"
	check "net: device model's netns has only lo" test "$(awk 'NR>2 {print $1}' /proc/$PID/net/dev | tr -d : | tr '\n' ' ')" = "lo "
	check "net: device model holds the tap as an fd" bash -c "ls -l /proc/$PID/fd | grep -q /dev/net/tun"
	check "net: no /dev/net/tun in the jail" test ! -e /proc/$PID/root/dev/net/tun
	# The filter refuses the tun commands that remake a tap; QEMU's own
	# use of it (the ping above) never met one.
	check "net: QEMU reported no refused tap ioctl" bash -c "! grep -qs TUNSET /var/log/bulkhead/$P-a/qemu.log /var/log/bulkhead/$P-a/monitor.log"
	# What a compromised device model did in the review (the filter now
	# refuses it: check.sh's tun-reconfigure), done by root through a
	# copy of QEMU's own tap fd: the tap made persistent and given to
	# uid 4242. Destroy must delete it all the same.
	python3 - "$PID" "$TAP" <<'PY'
import ctypes, fcntl, os, struct, sys
pid, tap = int(sys.argv[1]), sys.argv[2].encode()
libc = ctypes.CDLL(None, use_errno=True)
pfd = os.pidfd_open(pid)
for n in os.listdir(f"/proc/{pid}/fd"):
    if os.readlink(f"/proc/{pid}/fd/{n}") != "/dev/net/tun":
        continue
    fd = libc.syscall(438, pfd, int(n), 0)  # pidfd_getfd
    name = fcntl.ioctl(fd, 0x800454D2, bytes(40))[:16].rstrip(b"\0")  # TUNGETIFF
    if name == tap:
        fcntl.ioctl(fd, 0x400454CC, 4242)  # TUNSETOWNER
        fcntl.ioctl(fd, 0x400454CB, 1)  # TUNSETPERSIST
    os.close(fd)
PY
	check "net: tap made persistent and owned by uid 4242 (as a hostile device model would)" \
		test "$(cat /sys/class/net/$TAP/owner)" = 4242 -a $(( $(cat /sys/class/net/$TAP/tun_flags) & 0x800 )) != 0
	"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
	check "net: tap gone after destroy, persistent or not" test ! -e /sys/class/net/$TAP
else
	not_ok "net: create failed: $(cat "$T/n.out")"
fi

mkcfg "$T/nb.cfg" "$P-b" "" "vif = [ 'bridge=bhtnobr$$' ]"
"$BULKHEAD" create "$T/nb.cfg" > "$T/nb.out" 2>&1
rc=$?
check "net: missing bridge refused with exit 2" test "$rc" = 2
check "net: missing bridge message" grep -q "vif: bridge 'bhtnobr$$' does not exist" "$T/nb.out"

# A vifname that is already an interface belongs to someone else.
mkcfg "$T/nc.cfg" "$P-c" "" "vif = [ 'bridge=$BR, vifname=$BR' ]"
"$BULKHEAD" create "$T/nc.cfg" > "$T/nc.out" 2>&1
rc=$?
check "net: taken vifname refused" test "$rc" = 1 -a -n "$(grep 'create tap' "$T/nc.out")"
check "net: taken vifname leaves nothing" test ! -e /run/bulkhead/vm/$P-c
check "net: bridge untouched" test -e /sys/class/net/$BR/bridge
exit "$FAILED"
