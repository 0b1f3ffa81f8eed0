#!/bin/bash
# Isolated vifs (backendtype=isolated): bulkhead-net holds each tap and
# QEMU only a vhost-user socket. Two VMs on a bridge made here ping each
# other and move a TCP stream that arrives intact; their MACs are the
# config's; QEMU holds no tap; each backend runs confined. A peer
# namespace on the bridge shows each guest's address is up before the
# two talk. Everything made here is removed here.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 28
P=bhtest-netbe-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
BR=bhnbr$$
NS=bhnns$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
MAC_A=00:16:3e:4e:00:0a
MAC_B=00:16:3e:4e:00:0b
cleanup() {
	destroy_prefix "$P"
	ip netns del "$NS" 2>/dev/null
	ip link del "bhnv$$" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

peer_net "$BR" "$NS" "bhnv$$" "$SUB.1/24" ||
	{ not_ok "netbe: test network setup failed"; exit 0; }

# vm NAME MAC IP: an isolated vif on the bridge; the guest takes IP and
# pings the peer namespace.
vm() {
	mkcfg "$T/$1.cfg" "$P-$1" net \
		"vif = [ 'bridge=$BR, mac=$2, backendtype=isolated' ]"
	sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 bulkhead.ip=$3/24 bulkhead.peer=$SUB.1\"|" "$T/$1.cfg"
	"$BULKHEAD" create "$T/$1.cfg" > "$T/$1.out" 2>&1
}
# type_cmd VM LINE: a command line typed on VM's console.
type_cmd() { (sleep 1; printf '%s\n' "$2"; sleep 1) | timeout 10 "$BULKHEAD" console "$P-$1" > /dev/null 2>&1; }
# be_pid VM: bulkhead-net's pid (the one process of its cgroup).
be_pid() {
	local g
	for g in /sys/fs/cgroup/bulkhead/"$P-$1"+vif0 /sys/fs/cgroup/pids/bulkhead/"$P-$1"+vif0; do
		[ -r "$g/cgroup.procs" ] && { head -n 1 "$g/cgroup.procs"; return; }
	done
}

# Mixes that cannot work are refused before anything is made.
mkcfg "$T/e.cfg" "$P-e" "" "vif = [ 'bridge=$BR, model=e1000, backendtype=isolated' ]"
"$BULKHEAD" create "$T/e.cfg" > "$T/e.out" 2>&1
rc=$?
check "netbe: an emulated NIC with backendtype=isolated is refused" \
	bash -c "[ $rc != 0 ] && grep -q 'backendtype=isolated serves virtio-net only' '$T/e.out' && [ ! -e /run/bulkhead/vm/$P-e ]"
mkcfg "$T/r.cfg" "$P-r" "" "vif = [ 'bridge=$BR, backendtype=isolated' ]" "dm_restrict = 0"
"$BULKHEAD" create "$T/r.cfg" > "$T/r.out" 2>&1
rc=$?
check "netbe: backendtype=isolated with dm_restrict = 0 is refused" \
	bash -c "[ $rc != 0 ] && grep -q 'isolated backends need dm_restrict = 1' '$T/r.out'"

if ! vm a "$MAC_A" "$SUB.2" || ! vm b "$MAC_B" "$SUB.3"; then
	not_ok "netbe: create failed: $(cat "$T/a.out" "$T/b.out" 2>/dev/null)"
	skip_rest "no VMs"
	exit "$FAILED"
fi
LOG_A=$(vm_field "$P-a" console_log)
LOG_B=$(vm_field "$P-b" console_log)
QPID=$(vm_field "$P-a" pid)
VMID=$(vm_field "$P-a" vmid)
TAP=bh$VMID.0
check "netbe: VM a reached the peer over bulkhead-net" wait_for "$LOG_A" "BULKHEAD-PING-OK $SUB.1" 90
check "netbe: VM b reached the peer over bulkhead-net" wait_for "$LOG_B" "BULKHEAD-PING-OK $SUB.1" 90
check "netbe: tap $TAP is on the bridge" test "$(basename "$(readlink /sys/class/net/$TAP/master)")" = "$BR"
check "netbe: QEMU's command line has a vhost-user netdev and no tap" \
	bash -c "tr '\0' '\n' < /proc/$QPID/cmdline | grep -q '^vhost-user,id=net0,chardev=bh-vu-net0$' && ! tr '\0' '\n' < /proc/$QPID/cmdline | grep -q '^tap,'"
check "netbe: QEMU holds no tap (no /dev/net/tun fd)" bash -c "! ls -l /proc/$QPID/fd | grep -q /dev/net/tun"
BE=$(be_pid a)
if [ -n "$BE" ]; then
	check "netbe: bulkhead-net holds the tap" bash -c "ls -l /proc/$BE/fd | grep -q /dev/net/tun"
	check "netbe: bulkhead-net is the backend binary" test "$(tr '\0' ' ' < /proc/$BE/cmdline)" = "bulkhead-net --fd 3 --tap-fd 4 "
	check "netbe: bulkhead-net runs as neither root nor QEMU's uid" \
		bash -c "u=\$(awk '/^Uid:/ {print \$2}' /proc/$BE/status); q=\$(awk '/^Uid:/ {print \$2}' /proc/$QPID/status); [ \"\$u\" != 0 ] && [ \"\$u\" != \"\$q\" ]"
	check "netbe: bulkhead-net has no capabilities" bash -c "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/$BE/status | awk '{print \$2}' | grep -qvx 0000000000000000 && exit 1 || exit 0"
	check "netbe: bulkhead-net is under seccomp filter mode 2 with no_new_privs" \
		bash -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$BE/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$BE/status"
	check "netbe: bulkhead-net has its own net, mount, pid, ipc and uts namespaces" \
		bash -c "for n in net mnt pid ipc uts; do [ \"\$(readlink /proc/$BE/ns/\$n)\" != \"\$(readlink /proc/1/ns/\$n)\" ] || exit 1; done"
	files=$(find /proc/$BE/root/ -mindepth 1 -not -type d | sed "s|^/proc/$BE/root||")
	check "netbe: bulkhead-net's root holds its binary and nothing else ($files)" \
		test "$(basename "$files")" = bulkhead-net -a "$(echo "$files" | wc -l)" = 1
	check "netbe: bulkhead-net holds only stdio, its socket, the tap, guest memory and eventfds" \
		bash -c "ls -l /proc/$BE/fd | awk 'NR>1 {print \$NF}' | grep -vE '^(/dev/null|pipe:.*|socket:.*|/dev/net/tun|/memfd:.*|anon_inode:\\[eventfd\\])$' | grep -q . && exit 1 || exit 0"
else
	for i in 1 2 3 4 5 6 7 8; do not_ok "netbe: no bulkhead-net process for VM a"; done
fi

# The guests' NICs as configured: each one's MAC, seen by the guest and
# by its peer. Each marker is typed split by '' so that the console's
# echo of the command line never matches what the test waits for.
type_cmd a "echo BH-MAC''-A \$(cat /sys/class/net/eth0/address)"
type_cmd b "echo BH-MAC''-B \$(cat /sys/class/net/eth0/address)"
check "netbe: VM a's NIC has the configured MAC" wait_for "$LOG_A" "BH-MAC-A $MAC_A" 15
check "netbe: VM b's NIC has the configured MAC" wait_for "$LOG_B" "BH-MAC-B $MAC_B" 15
check "netbe: the peer sees VM a's MAC" bash -c "ip -n $NS neigh show $SUB.2 | grep -q $MAC_A"

# VM to VM: ping, then a 4 MiB TCP stream whose checksum must match.
type_cmd a "ping -c 3 -W 3 $SUB.3 >/dev/null 2>&1 && echo BH-PING''-AB-OK"
check "netbe: VM a pings VM b" wait_for "$LOG_A" "BH-PING-AB-OK" 30
type_cmd b "(sleep 300 | nc -l -p 5001 | sha256sum | sed 's/^/BH-R''X /') &"
type_cmd a "mkdir -p /tmp; dd if=/dev/urandom of=/tmp/tx bs=1k count=4096 2>/dev/null; sha256sum /tmp/tx | sed 's/^/BH-T''X /'; nc $SUB.3 5001 < /tmp/tx && echo BH-SE''NT"
check "netbe: VM a sent a 4 MiB TCP stream to VM b" wait_for "$LOG_A" "BH-SENT" 180
check "netbe: VM b received the stream" wait_for "$LOG_B" 'BH-RX [0-9a-f]\{64\}' 60
TX=$(grep -ao 'BH-TX [0-9a-f]\{64\}' "$LOG_A" | head -n 1 | cut -d' ' -f2)
RX=$(grep -ao 'BH-RX [0-9a-f]\{64\}' "$LOG_B" | head -n 1 | cut -d' ' -f2)
check "netbe: the stream arrived intact (sha256 $TX)" test -n "$TX" -a "$TX" = "$RX"
check "netbe: no queue of VM a's backend stopped" bash -c "! grep -qs 'queue .* stopped' /var/log/bulkhead/$P-a/*.log"

# VM b's tap deleted under its backend (the tun fd then reads EBADFD):
# reported once, survived, and VM b runs on.
BE_B=$(be_pid b)
TAP_B=bh$(vm_field "$P-b" vmid).0
ip link del "$TAP_B"
sleep 1
type_cmd b "ping -c 2 -W 1 $SUB.1 >/dev/null 2>&1; echo BH-AFTER''-DEL"
lost=$(cat /var/log/bulkhead/"$P-b"/*.log | grep -a 'bulkhead-net: tap .* failed')
check "netbe: VM b's backend survives its tap being deleted" kill -0 "${BE_B:-0}"
check "netbe: ... and says so once ($lost)" \
	test "$(echo "$lost" | grep -c 'tap \(read\|write\) failed: File descriptor in bad state')" = 1
check "netbe: ... and VM b still answers on its console" wait_for "$LOG_B" "BH-AFTER-DEL" 20

"$BULKHEAD" destroy "$P-a" > /dev/null 2>&1
check "netbe: tap gone after destroy" test ! -e /sys/class/net/$TAP
left=1
for ((i = 0; i < 50; i++)); do
	kill -0 "${BE:-0}" 2>/dev/null || { left=0; break; }
	sleep 0.1
done
check "netbe: backend gone after destroy" test -n "$BE" -a "$left" = 0

exit "$FAILED"
