#!/bin/bash
# netbench: guest network paths compared in one run (bench/README.md).
#
#   bash bench/netbench.sh [-r ROUNDS] [-m MIB] [-e ECHOES] [-q]
#
# Boots one guest per path (the test guest of build/guest, 1 vCPU,
# 128 MiB, the accelerator bulkhead uses here: TCG) and measures, round
# by round with the paths interleaved, on the host clock:
#   tput  guest-to-host TCP: the guest's `dd | nc` sends MIB MiB to a
#         listener of the bench; bytes over first byte to end of stream
#   rr    TCP request/response: the bench sends one byte, the guest's
#         `nc -e cat` sends it back, ECHOES times; median round trip
#   ping  ICMP echo from the peer namespace to the guest (bridge paths)
# Paths: bare QEMU with in-process virtio-net on a tap (the peer), bare
# QEMU with kernel vhost-net, and bulkhead VMs with the default vif, a
# backendtype=isolated vif (bulkhead-net) and a type=user vif (passt).
# Makes its own bridge, peer namespace, taps and VMs and removes them;
# holds /tmp/bulkhead-e2e.lock (the e2e suites' lock) throughout.
set -eu
SELF=$(readlink -f "$0")
if [ -z "${NETBENCH_LOCKED:-}" ]; then
	export NETBENCH_LOCKED=1
	exec flock /tmp/bulkhead-e2e.lock bash "$SELF" "$@"
fi
cd "$(dirname "$SELF")/.."
. tests/lib.sh
QEMU=${QEMU:-/usr/bin/qemu-system-x86_64}
PEER_PY=$PWD/bench/netbench_peer.py

ROUNDS=5 MIB=32 ECHOES=200
while getopts r:m:e:q o; do
	case $o in
	r) ROUNDS=$OPTARG ;;
	m) MIB=$OPTARG ;;
	e) ECHOES=$OPTARG ;;
	q) ROUNDS=1 MIB=4 ECHOES=50 ;;
	*) echo "usage: $0 [-r ROUNDS] [-m MIB] [-e ECHOES] [-q]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "netbench: run as root (bridge, taps, VMs)" >&2; exit 2; }

P=bhbench-net-$$
T=$(mktemp -d /tmp/bh-netbench-XXXXXX)
BR=bhbbr$$
NS=bhbns$$
VETH=bhbv$$
SUB="10.$(($$ % 200 + 20)).$(($$ / 200 % 250 + 1))"
PIDS=""   # the bare QEMUs started here
LPID=""   # the listener running now
TAPS=""   # taps made here for the bare QEMUs
cleanup() {
	local p t
	for p in $PIDS $LPID; do kill "$p" 2>/dev/null || true; done
	destroy_prefix "$P"
	for t in $TAPS; do ip link del "$t" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	ip link del "$VETH" 2>/dev/null || true
	ip link del "$BR" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "netbench: $*" >&2; }

# Per path: its kind (qemu, bulkhead), its guest's address, the address
# the guest sends to, where the listener runs (ns or host), its log.
PATHS="qemu intx plain vhost default isolated passt"
declare -A KIND IP DST WHERE LOG STATUS QPID
label() {
	case $1 in
	qemu) echo "bare QEMU, virtio-net on tap (peer)" ;;
	intx) echo "bare QEMU, virtio-net on tap, INTx" ;;
	plain) echo "bare QEMU, virtio-net on tap, INTx, bulkhead-net's features" ;;
	vhost) echo "bare QEMU, vhost-net" ;;
	default) echo "bulkhead, default vif" ;;
	isolated) echo "bulkhead, backendtype=isolated" ;;
	passt) echo "bulkhead, type=user (passt)" ;;
	esac
}

peer_net "$BR" "$NS" "$VETH" "$SUB.1/24" || { say "network setup failed"; exit 1; }
ip -n "$NS" link set lo up

# bare NAME OCTET VHOST [DEVOPTS]: QEMU as bulkhead starts it under TCG
# (same binary, machine, memory, vCPUs, kernel, initramfs and NIC), run
# as root with none of bulkhead's confinement, on a tap of its own.
bare() {
	local name=$1 tap=bhbt$$$2 ip=$SUB.$2 net
	ip tuntap add dev "$tap" mode tap && TAPS="$TAPS $tap" &&
		ip link set "$tap" master "$BR" up || return 1
	net="tap,id=net0,ifname=$tap,script=no,downscript=no,vhost=$3"
	[ "$3" = on ] && net="$net,vhostforce=on"
	"$QEMU" -nodefaults -no-user-config -name "guest=$P-$name" \
		-machine pc,accel=tcg,usb=off,vmport=off,hpet=off -m 128 -smp 1 \
		-display none \
		-chardev "socket,id=con,path=$T/$name.sock,server=on,wait=off,logfile=$T/$name.log" \
		-serial chardev:con \
		-kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 bulkhead.run=net bulkhead.ip=$ip/24 bulkhead.peer=$SUB.1" \
		-netdev "$net" -device "virtio-net-pci,netdev=net0,mac=00:16:3e:b0:00:0$2,romfile=${4:-}" \
		> "$T/$name.qemu" 2>&1 &
	PIDS="$PIDS $!"
	QPID[$name]=$!
	KIND[$name]=qemu IP[$name]=$ip DST[$name]=$SUB.1 WHERE[$name]=ns LOG[$name]=$T/$name.log
}

# vm NAME OCTET VIF: a bulkhead VM with vif VIF ('' + octet: on the bridge).
vm() {
	local name=$1 run=net extra="bulkhead.ip=$SUB.$2/24 bulkhead.peer=$SUB.1"
	[ "$2" = user ] && run="" extra=""
	mkcfg "$T/$name.cfg" "$P-$name" "$run" "vif = [ '$3' ]"
	sed -i "s|^cmdline = \"\(.*\)\"|cmdline = \"\1 $extra\"|" "$T/$name.cfg"
	"$BULKHEAD" create "$T/$name.cfg" > "$T/$name.create" 2>&1 || return 1
	KIND[$name]=bulkhead LOG[$name]=$(vm_field "$P-$name" console_log)
	if [ "$2" != user ]; then
		IP[$name]=$SUB.$2 DST[$name]=$SUB.1 WHERE[$name]=ns
	fi
}

# type NAME LINE: LINE typed on the guest's serial console.
type_line() {
	if [ "${KIND[$1]}" = qemu ]; then
		python3 - "$T/$1.sock" "$2" <<-'PY'
		import socket, sys, time
		s = socket.socket(socket.AF_UNIX)
		s.connect(sys.argv[1])
		time.sleep(0.3)
		s.sendall(sys.argv[2].encode() + b"\n")
		time.sleep(0.3)
		s.close()
		PY
	else
		(sleep 1; printf '%s\n' "$2"; sleep 1) |
			timeout 10 "$BULKHEAD" console "$P-$1" > /dev/null 2>&1 || true
	fi
}

say "booting guests (TCG: about a minute)"
bare qemu 2 off || STATUS[qemu]="not run: tap setup failed"
# Under TCG bulkhead gives an isolated NIC no MSI-X (vectors=0: QEMU 7.2
# crashes setting up MSI-X for a vhost-user NIC without KVM), so its
# guest takes INTx: this control shows what INTx alone costs.
bare intx 7 off ,vectors=0 || STATUS[intx]="not run: tap setup failed"
# bulkhead-net offers the guest no offloads and no mergeable receive
# buffers, so its guest checksums and segments every frame itself, on
# the emulated CPU; this control offers the same features in-process.
bare plain 8 off ,vectors=0,csum=off,guest_csum=off,gso=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off,mrg_rxbuf=off ||
	STATUS[plain]="not run: tap setup failed"
if [ ! -c /dev/vhost-net ]; then
	STATUS[vhost]="not run: no /dev/vhost-net on this host (kernel $(uname -r)$(
		zgrep -qx '# CONFIG_VHOST_NET is not set' /proc/config.gz 2>/dev/null &&
			echo ', CONFIG_VHOST_NET is not set'))"
else
	bare vhost 3 on || STATUS[vhost]="not run: tap setup failed"
fi
vm default 4 "bridge=$BR, mac=00:16:3e:b0:00:04" ||
	STATUS[default]="not run: create failed: $(tail -n 1 "$T/default.create")"
vm isolated 5 "bridge=$BR, mac=00:16:3e:b0:00:05, backendtype=isolated" ||
	STATUS[isolated]="not run: create failed: $(tail -n 1 "$T/isolated.create")"
if [ ! -x /usr/bin/passt ]; then
	STATUS[passt]="not run: passt is not installed"
else
	vm passt user "type=user, mac=00:16:3e:b0:00:06" ||
		STATUS[passt]="not run: create failed: $(tail -n 1 "$T/passt.create")"
fi

# booted NAME: NAME's guest pinged the peer (at most 150 s; a bare QEMU
# that exits, for instance refusing an option, is not waited for).
booted() {
	local i
	for ((i = 0; i < 1500; i++)); do
		grep -aq "BULKHEAD-PING-OK $SUB.1" "${LOG[$1]}" 2>/dev/null && return 0
		[ "${KIND[$1]}" = qemu ] && ! kill -0 "${QPID[$1]}" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}
for p in $PATHS; do
	[ -z "${STATUS[$p]:-}" ] || continue
	if [ "$p" = passt ]; then
		if ! wait_for "${LOG[$p]}" BULKHEAD-GUEST-READY 120; then
			STATUS[$p]="not run: the guest did not boot"
			continue
		fi
		# The address and gateway passt's DHCP would give: the
		# host's own, on its default route. passt maps the gateway
		# to the host's loopback, where the listeners then run.
		read -r gw dev < <(ip -4 route show default | awk '{print $3, $5; exit}')
		addr=$(ip -4 -o addr show dev "${dev:-none}" 2>/dev/null | awk '{print $4; exit}')
		if [ -z "${gw:-}" ] || [ -z "$addr" ]; then
			STATUS[$p]="not run: the host has no IPv4 default route"
			continue
		fi
		sleep 1
		type_line "$p" "ip link set lo up; ip link set eth0 up; ip addr add $addr dev eth0; ip route add default via $gw; echo BH-UP''-OK"
		DST[$p]=$gw WHERE[$p]=host
		wait_for "${LOG[$p]}" BH-UP-OK 30 || STATUS[$p]="not run: no console"
	elif ! booted "$p"; then
		if [ "${KIND[$p]}" = qemu ] && ! kill -0 "${QPID[$p]}" 2>/dev/null; then
			STATUS[$p]="not run: QEMU exited: $(head -n 1 "$T/$p.qemu")"
		else
			STATUS[$p]="not run: the guest did not reach the peer ($(tr -d '\r' < "${LOG[$p]}" | grep -a BULKHEAD- | tail -n 1))"
		fi
	fi
done
# vhost=on asked for the kernel's vhost-net. QEMU may still have fallen
# back to its own virtio-net (it does when the transport offers it no
# host notifiers): then there is no vhost figure to report.
if [ -z "${STATUS[vhost]:-}" ]; then
	if grep -qi 'falling back\|vhost.*fail' "$T/vhost.qemu"; then
		STATUS[vhost]="not run: QEMU fell back to userspace virtio-net: $(grep -i -m1 'falling back\|vhost.*fail' "$T/vhost.qemu")"
	elif ! find "/proc/${QPID[vhost]}/fd" -lname /dev/vhost-net 2>/dev/null | grep -q .; then
		STATUS[vhost]="not run: QEMU holds no /dev/vhost-net fd"
	fi
fi
for p in $PATHS; do
	[ -z "${STATUS[$p]:-}" ] || say "$p: ${STATUS[$p]}"
done

declare -A S # S[metric,path]: samples, space separated
PORT=$((40000 + $$ % 20000))

# listen NAME MODE OUT [ARG]: the bench's end, where NAME's guest sends.
listen() {
	local run=()
	[ "${WHERE[$1]}" = ns ] && run=(ip netns exec "$NS")
	local addr=127.0.0.1
	[ "${WHERE[$1]}" = ns ] && addr=$SUB.1
	PORT=$((PORT + 1))
	timeout 320 "${run[@]}" python3 "$PEER_PY" "$2" "$addr" "$PORT" "$3" ${4:+"$4"} &
	LPID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "$3.ready" ] && return 0
		sleep 0.05
	done
	return 1
}

tput() {
	local out=$T/tput-$1-$2 bytes secs
	listen "$1" sink "$out" || { say "$1: listener failed"; return; }
	type_line "$1" "dd if=/dev/zero bs=64k count=$((MIB * 16)) 2>/dev/null | nc ${DST[$1]} $PORT"
	wait "$LPID" || true
	LPID=""
	read -r bytes secs < "$out" 2>/dev/null || { say "$1: no throughput sample"; return; }
	if [ "$bytes" != $((MIB << 20)) ]; then
		say "$1: received $bytes of $((MIB << 20)) bytes; sample dropped"
		return
	fi
	S[tput,$1]+="$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b * 8 / s / 1e6 }') "
}

rr() {
	local out=$T/rr-$1-$2 n med
	listen "$1" echo "$out" "$ECHOES" || { say "$1: listener failed"; return; }
	type_line "$1" "nc ${DST[$1]} $PORT -e cat"
	wait "$LPID" || true
	LPID=""
	read -r n med _ < "$out" 2>/dev/null || { say "$1: no round-trip sample"; return; }
	[ "$n" = "$ECHOES" ] || { say "$1: $n of $ECHOES round trips; sample dropped"; return; }
	S[rr,$1]+="$med "
}

ping_rtt() {
	local avg
	[ "${WHERE[$1]}" = ns ] || return 0
	avg=$(ip netns exec "$NS" busybox ping -c 20 -i 0.2 -q "${IP[$1]}" 2>/dev/null |
		sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
	[ -n "$avg" ] || { say "$1: ping got no answer"; return; }
	S[ping,$1]+="$(awk -v a="$avg" 'BEGIN { printf "%.0f", a * 1000 }') "
}

LIVE=""
for p in $PATHS; do [ -z "${STATUS[$p]:-}" ] && LIVE="$LIVE $p"; done
read -ra LIVE <<< "$LIVE"
for ((r = 1; r <= ROUNDS; r++)); do
	# Each round starts at another path, so none is always first.
	order=()
	for ((i = 0; i < ${#LIVE[@]}; i++)); do
		order+=("${LIVE[$(((i + r - 1) % ${#LIVE[@]}))]}")
	done
	say "round $r of $ROUNDS: ${order[*]}"
	for p in "${order[@]}"; do tput "$p" "$r"; done
	for p in "${order[@]}"; do rr "$p" "$r"; done
	for p in "${order[@]}"; do ping_rtt "$p"; done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ratio A B: A/B to two places, or - when either is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }

declare -A M
for m in tput rr ping; do
	for p in $PATHS; do M[$m,$p]=$(echo "${S[$m,$p]:-}" | median); done
done
echo
echo "netbench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, $(uname -r), $("$QEMU" --version | head -n 1), accel=tcg"
echo "rounds $ROUNDS, $MIB MiB per throughput sample, $ECHOES round trips per rr sample, 20 pings per ping sample"
echo
echo "| path | guest-to-host Mbit/s | vs peer | TCP rr median us | vs peer | ping avg us | vs peer |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in $PATHS; do
	if [ -n "${STATUS[$p]:-}" ]; then
		echo "| $(label "$p") | ${STATUS[$p]} | | | | | |"
		continue
	fi
	echo "| $(label "$p") | ${M[tput,$p]} | $(ratio "${M[tput,$p]}" "${M[tput,qemu]}") | ${M[rr,$p]} | $(ratio "${M[rr,$p]}" "${M[rr,qemu]}") | ${M[ping,$p]} | $(ratio "${M[ping,$p]}" "${M[ping,qemu]}") |"
done
echo
echo "samples (Mbit/s; round-trip us):"
for m in tput rr ping; do
	for p in $PATHS; do
		[ -n "${S[$m,$p]:-}" ] && printf '    %-9s %-5s %s\n' "$p" "$m" "${S[$m,$p]}"
	done
done
if [ -n "${M[tput,vhost]:-}" ] && [ "${M[tput,vhost]}" != - ]; then
	echo
	echo "vhost-net gap: bulkhead-net at $(ratio "${M[tput,isolated]}" "${M[tput,vhost]}") of vhost-net's throughput, rr $(ratio "${M[rr,isolated]}" "${M[rr,vhost]}") of its round trip"
fi
