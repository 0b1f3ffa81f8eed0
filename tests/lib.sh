# Shared helpers for the shell test suites. Each result is one line:
#   ok - NAME | not ok - NAME: why | skip - NAME: why
# run-all.sh counts them. Sourced; expects bash.

BULKHEAD=${BULKHEAD:-build/bulkhead}
GUEST=${GUEST:-build/guest}
FAILED=0

# plan N: the number of results this suite prints (TAP's "1..N"), first:
# run-all.sh fails a suite that prints another number.
PLANNED=0 RESULTS=0
plan() {
	PLANNED=$1
	echo "1..$1"
}
ok() {
	echo "ok - $*"
	RESULTS=$((RESULTS + 1))
}
not_ok() {
	echo "not ok - $*"
	FAILED=1
	RESULTS=$((RESULTS + 1))
}
skip() {
	echo "skip - $*"
	RESULTS=$((RESULTS + 1))
}
# skip_rest REASON: the host cannot run the rest of this suite. One skip
# line stands for the remaining results, and says how many (run-all.sh
# counts it as that many), then the suite ends.
skip_rest() {
	echo "skip - $* [skips the remaining $((PLANNED - RESULTS)) of $PLANNED]"
	exit "$FAILED"
}

# check NAME COMMAND...: ok if the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi
}

# expect NAME RC PATTERN COMMAND...: ok if COMMAND exits with RC and its
# output (stdout and stderr) matches PATTERN.
expect() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pat" <<< "$out"; then
		ok "$name"
	else
		not_ok "$name: rc $rc: $out"
	fi
}

# wait_for FILE PATTERN SECONDS: grep -a until found or timeout.
wait_for() {
	local file=$1 pat=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -aq -- "$pat" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# vm_field NAME FIELD: a field of NAME from `list --json`.
vm_field() {
	"$BULKHEAD" list --json | python3 -c '
import json, sys
for vm in json.load(sys.stdin):
    if vm["name"] == sys.argv[1]:
        print(vm[sys.argv[2]])' "$1" "$2"
}

# need_arg HELPER VALUE: a helper handed an empty argument (a lookup
# before it failed) must not answer for nobody (uid_procs "" would say 0,
# alive "" yes): it says so and exits its shell, so a check around it, a
# loop over it or the suite itself fails.
need_arg() {
	[ -n "$2" ] && return 0
	echo "not ok - $1: called with an empty argument (a lookup before it failed)" >&2
	exit 2
}

# Is pid $1 a live process: has it a thread that is not a zombie? (Its
# leader may have exited and show Z while other threads run.)
alive() {
	need_arg alive "${1:-}"
	local f
	for f in /proc/"$1"/task/[0-9]*/status; do
		grep -q '^State:.*[ZX]' "$f" 2>/dev/null && continue
		[ -e "$f" ] && return 0
	done
	return 1
}

# Processes (thread groups) of which a live thread (not a zombie) has $1
# as real, effective, saved or filesystem uid. Credentials are per
# thread: one thread may hold a uid its leader does not, and a group's
# leader may have exited (Z) while its threads run; every thread counts.
uid_procs() {
	need_arg uid_procs "${1:-}"
	grep -H -e '^State:' -e '^Uid:' /proc/[0-9]*/task/[0-9]*/status 2>/dev/null |
		awk -v u="$1" '
		{ split($1, p, "/") }
		$1 ~ /:State:$/ { s = $2 }
		$1 ~ /:Uid:$/ && s != "Z" && s != "X" && ($2 == u || $3 == u || $4 == u || $5 == u) { hit[p[3]] = 1 }
		END { n = 0; for (g in hit) n++; print n }'
}

# A config for the test guest. mkcfg FILE NAME CMDLINE-RUN [EXTRA LINES...]
mkcfg() {
	local file=$1 name=$2 run=$3
	shift 3
	{
		echo "name = \"$name\""
		# An extra "memory = N" line replaces the default.
		case " $* " in *"memory = "*) ;; *) echo "memory = 128" ;; esac
		echo "kernel = \"$PWD/$GUEST/vmlinuz\""
		echo "ramdisk = \"$PWD/$GUEST/initramfs.cpio.gz\""
		echo "cmdline = \"console=ttyS0 quiet panic=-1 bulkhead.run=$run\""
		echo "accel = \"tcg\""
		for l in "$@"; do echo "$l"; done
	} > "$file"
}

# peer_net BRIDGE NS VETH CIDR: a bridge with no address on the host and
# a peer on it: network namespace NS whose eth0 (the far end of veth
# VETH, enslaved to BRIDGE) has CIDR. The caller deletes NS, VETH and
# BRIDGE. Fails if any step does.
peer_net() {
	ip link add "$1" type bridge && ip link set "$1" up &&
		ip netns add "$2" &&
		ip link add "$3" type veth peer name eth0 netns "$2" &&
		ip link set "$3" master "$1" up &&
		ip -n "$2" addr add "$4" dev eth0 &&
		ip -n "$2" link set eth0 up
}

# wait_gone NAME SECONDS: VM NAME's runtime dir is gone within SECONDS.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "/run/bulkhead/vm/$1" ] || return 0
		sleep 0.1
	done
	return 1
}

# No cgroup of VM $1 left in any hierarchy (v2 or v1).
cgroup_gone() {
	need_arg cgroup_gone "${1:-}"
	! ls -d /sys/fs/cgroup/bulkhead/"$1" /sys/fs/cgroup/*/bulkhead/"$1" 2>/dev/null | grep -q .
}

# Destroy VM $1 and every VM named $1-..., and remove their logs (test
# cleanup: tests remove only what they created).
destroy_prefix() {
	need_arg destroy_prefix "${1:-}" # "" would be every VM on the host
	local d
	# "$1" and "$1-..." only: run 123's prefix is also the start of run
	# 1234's, whose VMs are not this run's to destroy.
	for d in /run/bulkhead/vm/"$1" /run/bulkhead/vm/"$1"-*; do
		[ -d "$d" ] && "$BULKHEAD" destroy "$(basename "$d")" >/dev/null 2>&1
	done
	rm -rf /var/log/bulkhead/"$1" /var/log/bulkhead/"$1"-*
	return 0
}

# ids_of PREFIX: the VM ids in use by VMs whose name starts with PREFIX
# (an id file holds its VM's name), sorted, on one line. A test compares
# these, not every id on the host: another test's VMs come and go.
ids_of() {
	need_arg ids_of "${1:-}"
	local f n
	for f in /run/bulkhead/ids/*; do
		n=$(cat "$f" 2>/dev/null) || continue
		case "$n" in "$1"*) echo "${f##*/}" ;; esac
	done | sort -n | tr '\n' ' '
}


# other_vm_uids PREFIX: " uid uid ... " of the running VMs whose name
# does not start with PREFIX. Once a test's VM is destroyed its VM id,
# and with it its uid, may go to another test's VM (destroy frees the id
# only when no process of the uid is left): those processes are not the
# test's to count.
other_vm_uids() {
	need_arg other_vm_uids "${1:-}"
	echo " $("$BULKHEAD" list --json | python3 -c '
import json, sys
print(" ".join(str(v["uid"]) for v in json.load(sys.stdin) if not v["name"].startswith(sys.argv[1])))' "$1") "
}

# holds_pidfd HOLDER PID: process HOLDER has a pidfd open on process PID
# (a pidfd's fdinfo names the pid it refers to).
holds_pidfd() {
	need_arg holds_pidfd "${1:-}"
	need_arg holds_pidfd "${2:-}"
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "anon_inode:[pidfd]" ] &&
			grep -qP "^Pid:\t$2$" "/proc/$1/fdinfo/${f##*/}" 2>/dev/null &&
			return 0
	done
	return 1
}

# Sanitizer checks run only where a sanitizer is: SANITIZERS names what
# $BULKHEAD was built with ("ASan+UBSan"), empty for a normal build, and
# SANITIZED is 1 or 0, for a suite's plan (plan $((N + SANITIZED))).
sanitizers_of() {
	local s=
	grep -qa __asan_init "$1" 2>/dev/null && s=ASan
	grep -qa __ubsan_handle_ "$1" 2>/dev/null && s=${s:+$s+}UBSan
	echo "$s"
}
SANITIZERS=$(sanitizers_of "$BULKHEAD")
SANITIZED=$([ -n "$SANITIZERS" ] && echo 1 || echo 0)

# Is FILE open in any process?
held_open() {
	need_arg held_open "${1:-}"
	find /proc/[0-9]*/fd -lname "$1" 2>/dev/null | grep -q .
}

# san_check NAME LOG: in a sanitized build only (one result; none in a
# normal build, which has no report to find). Waits until no process
# holds LOG open: the processes writing it (a monitor, its QMP worker)
# have exited, so LeakSanitizer, which runs at exit, has had its say.
# Then LOG must hold no AddressSanitizer, LeakSanitizer or UBSan report.
san_check() {
	local name=$1 log=$2 i
	[ "$SANITIZED" = 1 ] || return 0
	for ((i = 0; i < 100; i++)); do
		held_open "$log" || break
		sleep 0.1
	done
	if held_open "$log"; then
		not_ok "$name: $log still open 10 s on; its writers have not exited"
	elif [ ! -e "$log" ]; then
		not_ok "$name: no log $log"
	elif grep -qE 'Sanitizer|runtime error' "$log"; then
		not_ok "$name: $SANITIZERS report in $log: $(grep -m1 -E 'ERROR|runtime error' "$log")"
	else
		ok "$name: exited; no AddressSanitizer, LeakSanitizer or UBSan report in its log ($SANITIZERS build)"
	fi
}
