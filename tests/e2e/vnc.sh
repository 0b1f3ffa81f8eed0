#!/bin/bash
# The display: vnc = 1 gives the guest a VGA card and QEMU a VNC server
# with no listening socket; `bulkhead vnc` listens on the host and hands
# each client over. A real VNC client from Debian (vncsnapshot) captures
# the guest's text console; nothing in the jail listens or holds a TCP
# socket; other local users, bad addresses and VMs without a display
# are refused. An HVM guest's firmware screen is captured the same way.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 51
P=bhtest-vnc-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
VNCPIDS=()
cleanup() {
	local p
	for p in "${VNCPIDS[@]}"; do kill "$p" 2>/dev/null; done
	destroy_prefix "$P"
	ip link del "bhvnc$$" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT

for tool in vncsnapshot djpeg nsenter setpriv; do
	if ! command -v "$tool" > /dev/null; then
		skip_rest "$tool is not installed (scripts/install-deps.sh)"
		exit 0
	fi
done

# A port no one listens on, from $1 up to 5999: vncsnapshot takes a
# display number (port 5900 + N) only.
free_port() {
	local p
	for p in $(seq "$1" 5999); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# ppm FILE: "WIDTH HEIGHT BRIGHT-PIXELS" of a binary PPM (djpeg -pnm).
ppm() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
f = d.split(maxsplit=4)
w, h, px = int(f[1]), int(f[2]), f[4]
assert f[0] == b"P6" and len(px) == w * h * 3
print(w, h, sum(1 for i in range(0, len(px), 3) if px[i] + px[i + 1] + px[i + 2] > 300))
EOF
}

# differ A B: how many pixels of two same-sized PPMs differ clearly.
differ() {
	python3 - "$1" "$2" <<'EOF'
import sys
a, b = (open(p, "rb").read().split(maxsplit=4)[4] for p in sys.argv[1:3])
print(sum(1 for i in range(0, min(len(a), len(b)), 3)
          if abs(a[i] + a[i + 1] + a[i + 2] - b[i] - b[i + 1] - b[i + 2]) > 150))
EOF
}

# start_vnc OUT ARGS...: bulkhead vnc in the background, its output in OUT.
start_vnc() {
	local out=$1
	shift
	"$BULKHEAD" vnc "$@" > "$out" 2>&1 &
	VNCPIDS+=($!)
}

# banner PORT [AS-UID] [HOST]: the first line the display sends to a
# client (of 127.0.0.1 unless HOST).
banner() {
	local run=()
	[ -n "${2:-}" ] && run=(setpriv --reuid="$2" --regid="$2" --clear-groups)
	timeout 10 "${run[@]}" bash -c 'exec 3<>/dev/tcp/'"${3:-127.0.0.1}"'/'"$1"'; read -t 5 -r l <&3; echo "$l"' 2>/dev/null
}

# wait_gone_path PATH: true once nothing is at PATH (within 5 s).
wait_gone_path() {
	local i
	for i in $(seq 50); do
		[ -e "$1" ] || [ -L "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

type_cmd() { (sleep 1; printf '%s\n' "$1"; sleep 1) | timeout 10 "$BULKHEAD" console "$P" > /dev/null 2>&1; }

# The test guest on both consoles: the kernel's messages on the VGA text
# console (tty0) too, the shell on the serial port.
mkcfg "$T/vnc.cfg" "$P" "" 'vnc = 1'
sed -i 's/console=ttyS0 quiet/console=tty0 console=ttyS0/' "$T/vnc.cfg"
if ! "$BULKHEAD" create "$T/vnc.cfg" > "$T/create.out" 2>&1; then
	not_ok "create with vnc = 1: $(cat "$T/create.out")"
	skip_rest "no VM"
	exit 1
fi
ok "create with vnc = 1"
PID=$(vm_field "$P" pid)
VMID=$(vm_field "$P" vmid)
LOG=$(vm_field "$P" console_log)
need_arg PID "$PID"
check "QEMU has a VGA card and a VNC server that listens nowhere" \
	bash -c "tr '\0' '\n' < /proc/$PID/cmdline | grep -qx 'VGA,id=bh-vga' && tr '\0' '\n' < /proc/$PID/cmdline | grep -A1 -x -- -vnc | grep -qx none"
check "the guest boots" wait_for "$LOG" BULKHEAD-GUEST-READY 120

# 1. A capture through an explicit --listen, with a real VNC client.
PORT=$(free_port 5950)
start_vnc "$T/vnc.out" "$P" --listen "127.0.0.1:$PORT"
check "vnc --listen: listening on the address given" wait_for "$T/vnc.out" "vnc on 127.0.0.1:$PORT" 10
timeout 60 vncsnapshot -quiet "127.0.0.1:$((PORT - 5900))" "$T/a.jpg" > "$T/snap.out" 2>&1
check "vncsnapshot captures the guest's screen" test -s "$T/a.jpg"
djpeg -pnm "$T/a.jpg" > "$T/a.ppm" 2> /dev/null
read -r W H BRIGHT <<< "$(ppm "$T/a.ppm" 2> /dev/null)"
check "the capture is VGA text mode, 720x400 (got ${W:-?}x${H:-?})" test "${W:-0}x${H:-0}" = 720x400
check "the capture is not one colour: text on it (${BRIGHT:-0} bright pixels)" \
	test "${BRIGHT:-0}" -gt 2000 -a "${BRIGHT:-0}" -lt $((720 * 400 / 2))
check "the monitor handed the client over" grep -q "a VNC client handed to the display" "$T/vnc.out"

# 2. The guest writes to its VGA console: the next capture differs.
type_cmd 'for i in $(seq 1 30); do echo BULKHEAD-VNC-LINE-$i-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX > /dev/tty0; done'
sleep 2
timeout 60 vncsnapshot -quiet "127.0.0.1:$((PORT - 5900))" "$T/b.jpg" > /dev/null 2>&1
djpeg -pnm "$T/b.jpg" > "$T/b.ppm" 2> /dev/null
N=$(differ "$T/a.ppm" "$T/b.ppm" 2> /dev/null)
check "after the guest prints, the screen differs (${N:-?} pixels)" test "${N:-0}" -gt 2000

# 3. While a client is connected: QEMU holds no TCP socket, and nothing
#    in its network namespace is a TCP/UDP socket or a listener.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
read -t 10 -r B <&3
check "a connected client gets the RFB greeting (${B:-nothing})" test "${B:-}" = "RFB 003.008"
tcp_inodes=$(awk 'NR > 1 { print $10 }' /proc/net/tcp /proc/net/tcp6)
held=0
for f in /proc/"$PID"/fd/*; do
	ino=$(readlink "$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	[ -n "$ino" ] && grep -qx "$ino" <<< "$tcp_inodes" && held=$((held + 1))
done
check "QEMU holds no TCP socket of the host ($held), the client's end is a unix socket" test "$held" = 0
check "the client's TCP connection is the vnc command's, not QEMU's" \
	bash -c "ss -Htnp state established '( sport = :$PORT )' | grep -q '\"bulkhead\"' && ! ss -Htnp | grep -q 'pid=$PID,'"
n_inet=$(nsenter -t "$PID" -n cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 | grep -vc 'local_address')
check "QEMU's network namespace has no TCP or UDP socket ($n_inet)" test "$n_inet" = 0
n_listen=$(nsenter -t "$PID" -n awk 'NR > 1 && $4 == "00010000"' /proc/net/unix | wc -l)
check "QEMU's network namespace has no listening unix socket ($n_listen)" test "$n_listen" = 0
exec 3<&-

# 4. Who may connect: over loopback, root (and --user) only.
check "another local user (uid 65534) gets nothing" test -z "$(banner "$PORT" 65534)"
check "... and the refusal is said, with the uid" wait_for "$T/vnc.out" "(uid 65534) refused" 5
check "root still gets the greeting after it" test "$(banner "$PORT")" = "RFB 003.008"
# A client that sends and closes before the relay looks it up leaves
# no established socket (FIN_WAIT, TIME_WAIT: these show uid 0): it
# must not pass for root's. The relay is stopped while uid 65534
# connects, sends and closes, then let go.
kill -STOP "${VNCPIDS[0]}"
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"RFB 003.008\n")
s.close()' "$PORT"
sleep 1
kill -CONT "${VNCPIDS[0]}"
check "a client gone before the lookup is refused, not taken for root's" \
	wait_for "$T/vnc.out" "(uid -1) refused" 10
# More clients than relay slots (8), one after another, some reset
# rather than closed: each slot is freed when its client goes.
for i in $(seq 1 12); do
	if [ $((i % 2)) = 0 ]; then
		python3 -c 'import socket,struct,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.recv(12); s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack("ii",1,0)); s.close()' "$PORT" 2>/dev/null
	else
		banner "$PORT" > /dev/null
	fi
done
check "after 12 clients came and went (half reset), the next is served" test "$(banner "$PORT")" = "RFB 003.008"
UPORT=$(free_port $((PORT + 1)))
start_vnc "$T/user.out" "$P" --listen "127.0.0.1:$UPORT" --user nobody
wait_for "$T/user.out" "vnc on" 10
check "--user nobody lets uid 65534 in" test "$(banner "$UPORT" 65534)" = "RFB 003.008"

# 5. By VM id, on the default address: 127.0.0.1:5900+ID (or the next
#    free port: vncunused).
start_vnc "$T/id.out" "$VMID"
wait_for "$T/id.out" "vnc on" 10
DPORT=$(sed -n 's/.*vnc on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$T/id.out")
check "vnc ID: 127.0.0.1, from port 5900+$VMID (${DPORT:-none})" \
	test "${DPORT:-0}" -ge $((5900 + VMID)) -a "${DPORT:-0}" -lt $((6000 + VMID))
check "vnc ID: the display answers there" test "$(banner "${DPORT:-0}")" = "RFB 003.008"

# 6. Hostile input.
RPORT=$(free_port $((UPORT + 1)))
expect "a non-loopback --listen is refused without --allow-remote" 2 "not a loopback address: VNC here has no password" \
	"$BULKHEAD" vnc "$P" --listen "0.0.0.0:$RPORT"
check "... and nothing listens there" bash -c "! ss -Htln '( sport = :$RPORT )' | grep -q ."
expect "a malformed --listen: status 2" 2 "expected IPV4:PORT" "$BULKHEAD" vnc "$P" --listen "127.0.0.1:99999"
expect "an unknown VM: status 2, as for shutdown" 2 "$P-none: no such VM" "$BULKHEAD" vnc "$P-none"
# The monitor itself takes only a connected unix socket: a TCP socket
# sent on the control socket is refused before the worker sees it.
out=$(python3 - "/run/bulkhead/vm/$P/control.sock" <<'EOF'
import array, socket, sys
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendmsg([b"vnc\n"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [t.fileno()]))])
print(s.recv(512).decode().strip())
EOF
)
check "the monitor refuses a TCP socket as a VNC client ($out)" grep -q "not a unix stream socket" <<< "$out"

# 7. A VM without vnc: no display device, and vnc refuses it.
mkcfg "$T/plain.cfg" "$P-plain" ""
if "$BULKHEAD" create "$T/plain.cfg" > "$T/plain.out" 2>&1; then
	PPID_=$(vm_field "$P-plain" pid)
	check "a VM without vnc: no VGA card, no VNC server" \
		bash -c "! tr '\0' '\n' < /proc/$PPID_/cmdline | grep -qx -e -vnc -e 'VGA,id=bh-vga'"
	expect "vnc of a VM without vnc = 1 is refused" 1 "has no display: its config does not say vnc = 1" \
		"$BULKHEAD" vnc "$P-plain" --listen "127.0.0.1:$RPORT"
else
	not_ok "create without vnc: $(cat "$T/plain.out")"
	not_ok "vnc of a VM without vnc = 1 is refused: no VM"
fi

# 8. An unmodified (HVM) guest booted by SeaBIOS, no kernel: its
#    firmware's text screen (it finds no bootable disk and says so).
truncate -s 1M "$T/empty.img"
{
	echo "name = \"$P-hvm\""
	echo 'type = "hvm"'
	echo 'accel = "tcg"'
	echo 'memory = 128'
	echo 'vnc = 1'
	echo 'boot = "c"'
	echo "disk = [ '$T/empty.img,raw,hda,w' ]"
} > "$T/hvm.cfg"
HPORT=$(free_port $((RPORT + 1)))
HW=0 HH=0 HB=0
if "$BULKHEAD" create "$T/hvm.cfg" > "$T/hvm.out" 2>&1; then
	start_vnc "$T/hvm-vnc.out" "$P-hvm" --listen "127.0.0.1:$HPORT"
	wait_for "$T/hvm-vnc.out" "vnc on" 10
	for _ in $(seq 20); do
		timeout 60 vncsnapshot -quiet "127.0.0.1:$((HPORT - 5900))" "$T/h.jpg" > /dev/null 2>&1 &&
			djpeg -pnm "$T/h.jpg" > "$T/h.ppm" 2> /dev/null &&
			read -r HW HH HB <<< "$(ppm "$T/h.ppm" 2> /dev/null)"
		# Until the firmware sets text mode, QEMU shows its own
		# 640x480 "Guest has not initialized the display" screen.
		[ "${HW:-0}x${HH:-0}" = 720x400 ] && [ "${HB:-0}" -gt 1000 ] && break
		sleep 3
	done
	check "HVM: the capture is the VGA text screen, 720x400 (${HW:-?}x${HH:-?})" test "${HW:-0}x${HH:-0}" = 720x400
	check "HVM: SeaBIOS's text is on it (${HB:-0} bright pixels)" test "${HB:-0}" -gt 1000
	destroy_prefix "$P-hvm"
else
	not_ok "HVM: create with vnc = 1: $(head -c 300 "$T/hvm.out")"
	not_ok "HVM: no capture"
fi

# 9. Who may connect through one of the host's own addresses that is
#    not loopback (--allow-remote): a local user still, so the same
#    check. The address is on an interface the test makes (a veth pair:
#    these kernels have no dummy driver).
DUMMY=bhvnc$$
OWNIP=198.18.$(($$ % 250)).1
if ip link add "$DUMMY" type veth peer name "${DUMMY}p" 2> /dev/null &&
	ip addr add "$OWNIP/32" dev "$DUMMY" && ip link set "$DUMMY" up; then
	OPORT=$(free_port $((HPORT + 1)))
	start_vnc "$T/own.out" "$P" --listen "$OWNIP:$OPORT" --allow-remote
	wait_for "$T/own.out" "vnc on" 10
	check "--allow-remote: uid 65534 from the host's own $OWNIP gets nothing" \
		test -z "$(banner "$OPORT" 65534 "$OWNIP")"
	check "... and the refusal names the uid" wait_for "$T/own.out" "(uid 65534) refused" 5
	check "--allow-remote: root from $OWNIP gets the greeting" test "$(banner "$OPORT" "" "$OWNIP")" = "RFB 003.008"
else
	not_ok "an interface with $OWNIP: cannot make it"
	not_ok "... no refusal"
	not_ok "... no greeting"
fi

# 10. --unix PATH: a unix socket, root's and 0600 (or --user's), peer
#     credentials checked; its directory must be root's (sticky if
#     others write) and nothing at PATH is followed.
unix_banner() { # PATH [AS-UID]: the greeting a unix client gets
	local run=()
	[ -n "${2:-}" ] && run=(setpriv --reuid="$2" --regid="$2" --clear-groups
		--inh-caps=+dac_override --ambient-caps=+dac_override)
	timeout 10 "${run[@]}" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
print(s.recv(12).decode().strip())' "$1" 2> /dev/null
}
U=$T/u
mkdir -m 0755 "$U" && chmod 0711 "$T"
start_vnc "$T/unix.out" "$P" --unix "$U/vnc.sock"
check "--unix: listening on the path" wait_for "$T/unix.out" "vnc on $U/vnc.sock" 10
MODE=$(stat -c '%U %a %F' "$U/vnc.sock" 2>&1)
check "--unix: the socket is root's, mode 600 ($MODE)" test "$MODE" = "root 600 socket"
check "--unix: root's client gets the greeting" test "$(unix_banner "$U/vnc.sock")" = "RFB 003.008"
# uid 65534 with CAP_DAC_OVERRIDE gets past the mode: its peer
# credentials still refuse it.
check "--unix: uid 65534 (past the mode) gets nothing" test -z "$(unix_banner "$U/vnc.sock" 65534)"
check "... refused by its peer credentials, named" wait_for "$T/unix.out" "(uid 65534) refused" 5
start_vnc "$T/unixu.out" "$P" --unix "$U/user.sock" --user nobody
wait_for "$T/unixu.out" "vnc on" 10
MODE=$(stat -c '%U %a' "$U/user.sock" 2>&1)
B=$(timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
print(s.recv(12).decode().strip())' "$U/user.sock" 2> /dev/null)
check "--unix --user nobody: the socket is nobody's, 600 ($MODE); uid 65534 gets the greeting" \
	test "$MODE/$B" = "nobody 600/RFB 003.008"
mkdir -m 0777 "$T/open"
expect "--unix in a directory others write, not sticky: refused" 2 "not sticky" \
	"$BULKHEAD" vnc "$P" --unix "$T/open/vnc.sock"
mkdir -m 1777 "$T/sticky"
expect "--unix --user in a sticky directory others write: refused (the user could rename it)" 2 \
	"writable by root alone" "$BULKHEAD" vnc "$P" --unix "$T/sticky/vnc.sock" --user nobody
ln -s "$T/target.sock" "$U/link.sock"
expect "--unix at a symlink: refused" 2 "exists" "$BULKHEAD" vnc "$P" --unix "$U/link.sock"
check "... and its target was not made" test ! -e "$T/target.sock"
kill "${VNCPIDS[-1]}" "${VNCPIDS[-2]}" 2> /dev/null
check "--unix: the socket goes when vnc stops" wait_gone_path "$U/user.sock"

# 11. A device model that never answers a handover (evil-dm): the client
#     already relayed keeps flowing, and the stuck one is given up on.
mkdir -p "$T/prefix/bin" "$T/prefix/share/qemu"
cp "${EVIL:-build/tests/evil-dm}" "$T/prefix/bin/evil-dm"
mkcfg "$T/stall.cfg" "$P-stall" "" 'vnc = 1' "device_model_override = \"$T/prefix/bin/evil-dm\""
sed -i "s/bulkhead.run=/evil=late-vnc-stall bulkhead.run=/" "$T/stall.cfg"
if "$BULKHEAD" create "$T/stall.cfg" > "$T/stall-create.out" 2>&1; then
	SPORT=$(free_port $((HPORT + 10)))
	start_vnc "$T/stall.out" "$P-stall" --listen "127.0.0.1:$SPORT"
	wait_for "$T/stall.out" "vnc on" 10
	read -r FLOW STUCK <<< "$(timeout 90 python3 tests/e2e/vnc-stall.py "$SPORT")"
	check "a handover that hangs: the first client still flows (worst echo ${FLOW:-?} s)" \
		python3 -c "import sys; sys.exit(not float('${FLOW:-99}') < 2)"
	check "... and the stuck client is closed in bounded time (${STUCK:-?} s more)" \
		test "${STUCK:-open}" != open -a "${STUCK:-99}" -le 40
	destroy_prefix "$P-stall"
else
	not_ok "create with an evil device model: $(head -c 300 "$T/stall-create.out")"
	not_ok "... no relay"
fi

# 11b. A user listening first on the VM's port (5900 + id): vnc does not
#      move to the next port, where a viewer aimed at the VM's port
#      would not look, leaving it the user's fake display.
#      A VM of its own: the first relay of this suite holds $P's port.
mkcfg "$T/sq.cfg" "$P-sq" "" 'vnc = 1'
"$BULKHEAD" create "$T/sq.cfg" > /dev/null 2>&1
SQ=$((5900 + $(vm_field "$P-sq" vmid)))
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("listening", flush=True); time.sleep(60)' "$SQ" > "$T/squat.out" 2>&1 &
VNCPIDS+=($!)
wait_for "$T/squat.out" listening 10
timeout 20 "$BULKHEAD" vnc "$P-sq" > "$T/squatvnc.out" 2>&1
check "a user's listener on 5900+id: vnc refuses to move on, naming its uid" \
	grep -q "port $SQ is held by a listener of uid 65534" "$T/squatvnc.out"
kill "${VNCPIDS[-1]}" 2> /dev/null
destroy_prefix "$P-sq"

# 12. The VM goes: bulkhead vnc ends by itself. One that was stopped
#     meanwhile does not hand a client to a new VM made with the name
#     (and, likely, the id) of the old one: it is pinned to its VM.
PPORT=$(free_port $((HPORT + 20)))
start_vnc "$T/pin.out" "$P" --listen "127.0.0.1:$PPORT"
wait_for "$T/pin.out" "vnc on" 10
kill -STOP "${VNCPIDS[-1]}"
"$BULKHEAD" destroy "$P" > /dev/null 2>&1
check "vnc ends when its VM is destroyed" wait_for "$T/vnc.out" "the VM is gone" 10
"$BULKHEAD" create "$T/vnc.cfg" > "$T/create2.out" 2>&1
kill -CONT "${VNCPIDS[-1]}"
check "a vnc of the VM destroyed gives a new VM of its name nothing" test -z "$(banner "$PPORT")"
check "... and says its VM is gone" wait_for "$T/pin.out" "the VM is gone" 10
exit "$FAILED"
