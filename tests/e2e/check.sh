#!/bin/bash
# bulkhead check: the probe, run in a running VM's jail, finds every
# escape blocked; the same probe run unconfined as root finds escapes, so
# it is shown to work; the VM is unharmed and nothing is left behind.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 27
# Every attempt bulkhead-probe makes, on every host (skipped ones included).
# It runs as the device model (the default) and, with --as, as each of
# the VM's other children, under that child's own confinement row.
ATTEMPTS=102
P=bhtest-chk-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
PROBE=$(dirname "$(realpath "$BULKHEAD")")/bulkhead-probe
[ -x "$PROBE" ] || PROBE=$(dirname "$(dirname "$(realpath "$BULKHEAD")")")/bulkhead-probe

mkcfg "$T/c.cfg" "$P-a" ""
if "$BULKHEAD" create "$T/c.cfg" > "$T/c.out" 2>&1; then
	PID=$(vm_field "$P-a" pid)
	"$BULKHEAD" check "$P-a" > "$T/check.txt" 2>&1
	rc=$?
	check "check: exit 0 (nothing escaped)" test "$rc" = 0
	check "check: no ESCAPED line" bash -c "! grep -q ESCAPED '$T/check.txt'"
	grep ESCAPED "$T/check.txt" | sed 's/^/# /'
	echo "# probe in the jail: $(grep -E ': [0-9]+ attempts, [0-9]+ escaped, [0-9]+ skipped$' "$T/check.txt")"
	echo "# jail skips: $(grep -E '^ *skipped ' "$T/check.txt" | awk '{print $2}' | tr '\n' ' ')"
	"$BULKHEAD" check "$P-a" --json > "$T/check.json" 2>&1
	check "check --json: $ATTEMPTS attempts, 0 escaped, skipped only for a Landlock ABI" python3 -c '
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["attempts"] == int(sys.argv[2]) and r["escaped"] == 0, r
assert len(r["results"]) == r["attempts"]
for x in r["results"]:
    assert x["result"] == "blocked" or (x["result"] == "skipped" and
        re.fullmatch(r"needs Landlock ABI \d+ to be blocked; this kernel has \d+", x["detail"])), x
ids = {x["attempt"] for x in r["results"]}
for need in ["setuid-root", "capabilities", "read-shadow", "mknod-block", "chroot-escape",
             "grow-file", "see-processes", "ptrace", "fork-bomb", "memory-bomb", "mount",
             "bpf", "perf", "keyctl", "io-uring", "module-load", "reboot",
             "host-loopback-tcp", "host-abstract-socket", "host-dev-log",
             "host-journal-socket", "host-dbus-socket", "socket-family-bit32", "socket-sweep",
             "tiocsti", "inherited-fds", "log-fd-writable", "list-root", "list-dev",
             "ioctl-dev", "tcp-bind", "signal-out", "signal-other-uid", "clone3-plain",
             "setns-pidfd", "tun-reconfigure", "loop-ioctl", "cdrom-ioctl"]:
    assert need in ids, need
# Every socket family the review named, and every netlink protocol.
for fam in ["inet", "inet6", "unix", "packet", "vsock", "alg", "key", "xdp", "bluetooth"]:
    assert "socket-" + fam in ids, fam
for nl in ["route", "netfilter", "uevent", "audit", "sock-diag", "generic", "xfrm",
           "connector", "fib-lookup", "usersock", "crypto"]:
    assert "netlink-" + nl in ids, nl
# Every namespace flag through every call that can ask for it.
for call in ["clone", "clone3", "unshare"]:
    for ns in ["user", "ns", "pid", "net", "ipc", "uts", "cgroup", "time"]:
        if (call, ns) != ("clone", "time"):
            assert call + "-new" + ns in ids, call + "-new" + ns' "$T/check.json" "$ATTEMPTS"
	# The bombs' outcome, not their wording: blocked, and how.
	check "check: fork bomb blocked: a fork refused (EAGAIN) below pids.max" python3 -c '
import json, re, sys
r = {x["attempt"]: x for x in json.load(open(sys.argv[1]))["results"]}["fork-bomb"]
m = re.fullmatch(r"fork refused after (\d+) forks: Resource temporarily unavailable \(pids limit (\d+)\)", r["detail"])
assert r["result"] == "blocked" and m and 0 < int(m[1]) < int(m[2]), r' "$T/check.json"
	check "check: memory bomb blocked: SIGKILLed before twice the limit" python3 -c '
import json, re, sys
r = {x["attempt"]: x for x in json.load(open(sys.argv[1]))["results"]}["memory-bomb"]
assert r["result"] == "blocked", r
assert re.fullmatch(r"the child was killed by signal 9 \(Killed\) before \d+ MiB", r["detail"]), r' "$T/check.json"
	# check --as LEVEL: the probe under the backend's, the worker's and
	# the copier's rows. What escapes at each level is pinned exactly,
	# and why:
	#  backend: nothing (new pid namespace; its own cgroup, pids.max 4);
	#  worker and copier: nothing. Each is pid 1 of a pid namespace of
	#  its own, as a backend is (the launcher has no pid there: before
	#  that, both shared the host's and escaped see-processes). Their
	#  bombs are stopped by the group the monitor gives each (pids.max
	#  8, 256 MiB).
	for lv in backend: worker: copier:; do
		as=${lv%%:*} want=${lv#*:}
		"$BULKHEAD" check "$P-a" --as "$as" --json > "$T/as-$as.json" 2> "$T/as-$as.err"
		rc=$?
		sed 's/^/# '"$as"': /' "$T/as-$as.err"
		python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["results"]:
    if x["result"] == "escaped":
        print("# %s: escaped %s %s" % (r["as"], x["attempt"], x["detail"]))' "$T/as-$as.json" 2> /dev/null
		check "check --as $as: exit $([ -n "$want" ] && echo 1 || echo 0), $ATTEMPTS attempts, escaped exactly {$want}" python3 -c '
import json, re, sys
r = json.load(open(sys.argv[1]))
rc, want = int(sys.argv[2]), set(filter(None, sys.argv[4].split(",")))
assert rc == (1 if want else 0), rc
assert r["as"] == sys.argv[3] and r["attempts"] == int(sys.argv[5]), r
esc = {x["attempt"] for x in r["results"] if x["result"] == "escaped"}
assert esc == want and r["escaped"] == len(want), esc
# Skipped: where the kernel lacks the Landlock ABI; and signal-out at
# every --as level, where the probe is pid 1 of its own pid namespace and
# kill(1) would reach only itself.
for x in r["results"]:
    assert x["result"] in ("blocked", "escaped") or re.fullmatch(
        r"needs Landlock ABI \d+ to be blocked; this kernel has \d+", x["detail"]) or (
        x["attempt"] == "signal-out" and
        x["detail"] == "this probe is pid 1: no one to signal"), x
res = {x["attempt"]: x for x in r["results"]}
if sys.argv[3] == "backend":  # its own cgroup: 4 tasks
    assert re.fullmatch(r"fork refused after [1-3] forks: .* \(pids limit 4\)",
                        res["fork-bomb"]["detail"]), res["fork-bomb"]
    assert re.match(r"the child was killed by signal 9 ", res["memory-bomb"]["detail"])
else:  # the helper group: 8 tasks, 256 MiB
    assert re.fullmatch(r"fork refused after [1-7] forks: .* \(pids limit 8\)",
                        res["fork-bomb"]["detail"]), res["fork-bomb"]
    assert re.fullmatch(r"the child was killed by signal 9 \(Killed\) before \d+ MiB",
                        res["memory-bomb"]["detail"]), res["memory-bomb"]' \
			"$T/as-$as.json" "$rc" "$as" "$want" "$ATTEMPTS"
	done
	"$BULKHEAD" check "$P-a" --as nobody > "$T/as-bad.out" 2>&1
	check "check --as: an unknown level is a usage error (exit 2)" test $? = 2
	check "check: the VM still runs afterwards" test -d /proc/$PID
	check "check: no probe cgroup left" bash -c "! ls -d /sys/fs/cgroup/bulkhead/.probe-* /sys/fs/cgroup/*/bulkhead/.probe-* 2>/dev/null | grep -q ."
	check "check: no probe root left" test ! -e /run/bulkhead/vm/$P-a/probe-root
else
	not_ok "check: create failed: $(cat "$T/c.out")"
fi

# The same probe, unconfined as root, must report every attempt escaped
# (or skipped where this kernel lacks the call or the Landlock ABI), so
# each attempt is shown to detect its escape. It runs in namespaces and
# a root made here, never on the host: a private mount namespace with a
# tmpfs root holding stand-ins for what the attempts look for (fake
# /etc/shadow, /dev/sda...), its own proc, sysfs and devpts, the host's
# /usr read-only for bash, ip and python3; new pid, net, ipc and uts
# namespaces with lo up, a veth pair and the canaries listening; a
# controlling terminal; an inherited fd; small bombs (32 forks, 32 MiB);
# listeners at the host's logging and bus socket paths; a stand-in for
# root's log as the probe's fd 2; a process of another uid (a VM's).
R=$T/root
mkdir "$R"
cp "$PROBE" "$T/probe"
cat > "$T/outer.sh" << EOF_OUTER
set -eu
mount -t tmpfs -o mode=0755 bh-probe-control "$R"
cd "$R"
mkdir -p etc root tmp home var/log boot proc sys usr dev/shm dev/pts \
	run/systemd/journal run/dbus
echo 'root:*:19000:0:99999:7:::' > etc/shadow
echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
chmod 600 etc/shadow
: > root/.bashrc
for l in bin sbin lib lib64; do
	[ -L /\$l ] && ln -s "\$(readlink /\$l)" \$l
done
mount --bind /usr usr
mount -o remount,bind,ro usr
mount -t proc proc proc
mount -t sysfs sysfs sys
mount -t devpts -o newinstance,ptmxmode=0666 devpts dev/pts
ln -s pts/ptmx dev/ptmx
mknod -m 666 dev/null c 1 3
mknod -m 666 dev/zero c 1 5
mknod -m 666 dev/urandom c 1 9
mknod -m 666 dev/tty c 5 0
: > dev/sda
: > dev/vda
cp "$T/probe" "$T/inner.sh" "$T/run.py" .
# pid 1 of the namespace moves into the new root, the root of its mount
# namespace (/proc/1/root is it; a chroot would also refuse user
# namespaces), and the host's tree leaves the namespace.
pivot_root . .
umount -l .
cd /
exec /bin/bash /inner.sh
EOF_OUTER
cat > "$T/inner.sh" << 'EOF_INNER'
set -eu
ip link set lo up
ip link add name bhp0 type veth peer name bhp1
exec python3 /run.py
EOF_INNER
cat > "$T/run.py" << 'EOF_RUN'
import os, pty, signal, socket, sys
tcp = socket.socket()
tcp.bind(("127.0.0.1", 0))
tcp.listen(8)
ab = socket.socket(socket.AF_UNIX)
ab.bind("\0bulkhead-control-canary")
ab.listen(8)
port = tcp.getsockname()[1]
paths = []
for path, kind in (("/dev/log", socket.SOCK_DGRAM),
                   ("/run/systemd/journal/socket", socket.SOCK_DGRAM),
                   ("/run/dbus/system_bus_socket", socket.SOCK_STREAM)):
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path)
    if kind == socket.SOCK_STREAM:
        s.listen(8)
    paths.append(s)
other = os.fork()  # another VM's process: its uid, asleep
if other == 0:
    os.setgroups([])
    os.setresgid(131073, 131073, 131073)
    os.setresuid(131073, 131073, 131073)
    while True:
        signal.pause()
LOG = "/var/log/bulkhead-monitor.log"
out = os.dup(1)
pid, master = pty.fork()  # the child's controlling terminal
if pid == 0:
    os.dup2(out, 1)
    log = os.open(LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    os.close(log)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    # fd 3 inherited; whatever held that number (it depends on what this
    # script was started with) is closed-on-exec or already copied.
    if null != 3:
        os.dup2(null, 3)
    os.execv("/probe", ["/probe", "--canary-tcp", str(port),
                        "--canary-abstract", "bulkhead-control-canary",
                        "--memory-limit", str(32 << 20), "--pids-limit", "32"])
try:
    while os.read(master, 4096):
        pass
except OSError:
    pass
rc = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
os.kill(other, signal.SIGKILL)
os.waitpid(other, 0)
sys.stderr.write(open(LOG).read())  # the probe's own stderr
sys.exit(rc)
EOF_RUN
before=$(stat -c '%y %z' /)
timeout 120 unshare --mount --propagation private --pid --fork --net --ipc --uts \
	bash "$T/outer.sh" < /dev/null > "$T/root.txt" 2> "$T/root.err"
rc=$?
# When the control itself broke, say where (TAP comments).
grep -qE '^(blocked|escaped|skipped) ' "$T/root.txt" || sed 's/^/# control: /' "$T/root.err" | head -20
check "probe unconfined as root: exit 1" test "$rc" = 1
check "probe unconfined as root: all $ATTEMPTS attempts reported" \
	test "$(grep -cE '^(blocked|escaped|skipped) ' "$T/root.txt")" = "$ATTEMPTS"
check "probe unconfined as root: no attempt blocked" bash -c "! grep '^blocked ' '$T/root.txt'"
check "probe unconfined as root: skipped only where the kernel lacks the call, namespace, family or ABI" \
	bash -c "! grep '^skipped ' '$T/root.txt' | grep -vE ': this kernel has no such (call|namespace|family|protocol)\$|^skipped [a-z-]+ needs Landlock ABI [0-9]+ to be blocked; this kernel has [0-9]+\$'"
n=$(grep -c '^escaped ' "$T/root.txt")
sk=$(grep -c '^skipped ' "$T/root.txt")
check "probe unconfined as root: exactly $ATTEMPTS - $sk skipped = $n escapes" \
	test "$n" = "$((ATTEMPTS - sk))"
echo "# probe unconfined: $n escaped, $sk skipped: $(grep '^skipped ' "$T/root.txt" | cut -d' ' -f2 | tr '\n' ' ')"
# What it created, it created in its own root: the host's / is as it
# was (its times change with any entry made or removed there), and none
# of the probe's names exists on the host.
check "probe unconfined: left the host's / untouched" test "$(stat -c '%y %z' /)" = "$before"
check "probe unconfined: made nothing on the host" bash -c '! ls -d /bulkhead-probe-was-here /tmp/bulkhead-probe-was-here /dev/bulkhead-probe /dev/probe-sda /dev/shm/probe 2>/dev/null | grep -q .'
check "probe unconfined: its root and namespaces are gone" bash -c "! grep -q bh-probe-control /proc/mounts && test -z \"\$(ls -A '$R')\""

# Every count of attempts in the docs is the probe's.
for doc in "README.md:# ([0-9]+) escape attempts from inside its jail" \
	"SECURITY.md:reports ([0-9]+) escape attempts as blocked" \
	"SECURITY.md:report all ([0-9]+) escaped" \
	"docs/man/bulkhead.1:per escape attempt \\(([0-9]+): " \
	"docs/SUPPORT.md:\\| ([0-9]+) escape attempts in a running VM"; do
	f=${doc%%:*} re=${doc#*:}
	check "docs: $f says $ATTEMPTS attempts ('$re')" python3 -c '
import re, sys
text = open(sys.argv[1]).read().replace("\n", " ")
found = re.findall(sys.argv[2], text)
assert found == [sys.argv[3]], found' "$f" "$re" "$ATTEMPTS"
done

"$BULKHEAD" check "$P-none" > "$T/none.out" 2>&1
check "check: unknown VM exits 1" test $? = 1
mkcfg "$T/u.cfg" "$P-u" "" "dm_restrict = 0"
if "$BULKHEAD" create "$T/u.cfg" > /dev/null 2>&1; then
	"$BULKHEAD" check "$P-u" > "$T/u.out" 2>&1
	check "check: refuses an unrestricted VM" test $? = 1 -a -n "$(grep 'not deprivileged' "$T/u.out")"
fi
exit "$FAILED"
