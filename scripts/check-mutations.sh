#!/bin/bash
# make check-mutations: does the test suite notice when a restriction is
# gone? Each mutant removes one step of the jail (Landlock, our seccomp
# filter, one namespace flag, the rlimits, the cgroup join, the
# bounding-set drop, the fd closing) from a scratch copy of this tree,
# rebuilds it and runs the suites that should notice, cheapest first,
# until one goes red. A mutant no suite notices "survived": the claim it
# stands for is not proven by the tests, and the script exits 1.
#
# Not part of make check: one rebuild and up to a few real boots per
# mutant. Needs root, a built tree and the guest (make all guest).
# Every suite runs inside its own mount and UTS namespaces, because a
# mutant that forgets CLONE_NEWNS or CLONE_NEWUTS would otherwise build
# the jail's root or set the jail's hostname in the host's. VMs a mutant
# leaves behind are destroyed with the unmutated binary.
#
#   scripts/check-mutations.sh [NAME...]   only the named mutants
# Each suite's output is kept in build/mutation-logs/.
set -u
cd "$(dirname "$0")/.."
SRC=$(pwd)
LOCK=/tmp/bulkhead-e2e.lock
SUITE_SECONDS=${SUITE_SECONDS:-600}
REPORT=build/mutations.md
LOGS=build/mutation-logs
WORK=$(mktemp -d /tmp/bh-mutants-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
rm -rf "$LOGS"
mkdir -p "$LOGS"

[ "$(id -u)" = 0 ] || { echo "check-mutations: needs root" >&2; exit 2; }
[ -x build/bulkhead ] && [ -d build/guest ] ||
	{ echo "check-mutations: run make all guest first" >&2; exit 2; }

# --- the mutants -----------------------------------------------------------
# mutant NAME SUITES WHAT FILE OLD NEW [FILE OLD NEW...]: replace the
# exact text OLD, which must occur exactly once in FILE, by NEW. SUITES is
# a comma list of unit/test_X and e2e/X, run in that order.
NAMES=() SUITES=() WHATS=() EDITS=()
mutant() {
	NAMES+=("$1") SUITES+=("$2") WHATS+=("$3")
	shift 3
	local e=""
	while [ $# -ge 3 ]; do
		e+="$1"$'\x1f'"$2"$'\x1f'"$3"$'\x1e'
		shift 3
	done
	EDITS+=("$e")
}

J=src/jail/jail.c
mutant landlock e2e/check,e2e/boot \
	"the Landlock ruleset (jail_landlock_apply)" \
	$J 'if (p->landlock != JAIL_LL_NONE &&' 'if (0 && p->landlock != JAIL_LL_NONE &&'
mutant seccomp unit/test_levels,e2e/check,e2e/boot \
	"bulkhead's outer seccomp filter (jail_seccomp_apply)" \
	$J 'if (p->seccomp && jail_seccomp_apply' 'if (0 && p->seccomp && jail_seccomp_apply'
for ns in NEWNS NEWPID NEWNET NEWIPC NEWUTS; do
	mutant "ns-${ns#NEW}" e2e/check,e2e/boot \
		"CLONE_$ns from every clone3 of a jailed child" \
		$J 'ca.flags = flags | (pidfd ? CLONE_PIDFD : 0);' \
		"ca.flags = (flags & ~(unsigned long)CLONE_$ns) | (pidfd ? CLONE_PIDFD : 0);"
done
for ns in NEWNS NEWNET NEWIPC; do
	mutant "worker-ns-${ns#NEW}" unit/test_levels,e2e/boot,e2e/worker \
		"CLONE_$ns from the unshare of a forked child (QMP worker, copier)" \
		$J 'unshare((int)p->ns_new) < 0)' \
		"unshare((int)(p->ns_new & ~(unsigned long)CLONE_$ns)) < 0)"
done
mutant rlimits e2e/check,e2e/boot \
	"the rlimits (jail_set_rlimits)" \
	$J 'if (p->rlimits &&' 'if (0 && p->rlimits &&'
mutant cgroup e2e/check,e2e/cgroups \
	"the cgroup join (cgroup_enter_self)" \
	$J 'if (p->cgroup && cgroup_enter_self' 'if (0 && p->cgroup && cgroup_enter_self'
mutant capbset e2e/check,e2e/boot \
	"the bounding-set drop and its verification" \
	src/jail/privs.c 'for (int cap = 0; cap <= 63; cap++) {' 'for (int cap = 0; cap < 0; cap++) {' \
	src/jail/privs.c 'if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0) {' 'if (0) {'
mutant capbset-unverified e2e/check,e2e/boot \
	"the bounding-set drop only (its verification stays)" \
	src/jail/privs.c 'for (int cap = 0; cap <= 63; cap++) {' 'for (int cap = 0; cap < 0; cap++) {'
mutant fd-close e2e/check,e2e/cdrom,e2e/boot \
	"the closing of every fd not on the child's list (close_range)" \
	src/jail/fds.c 'if (close_range((unsigned)n + 1, ~0U, 0) < 0)' 'if (0 && close_range((unsigned)n + 1, ~0U, 0) < 0)'
mutant vnc-tcp-socket unit/test_qmp,e2e/vnc \
	"the unix-socket check of a VNC client's fd, and the CLI's relay (QEMU gets the TCP socket)" \
	src/host/hostfile.c 'domain != AF_UNIX ||' '0 ||' \
	src/host/hostfile.c 'type != SOCK_STREAM) {' '0) {' \
	src/cli/cmd_vnc.c 'cli_vm_request(o->name, CTL_VNC, NULL, sv[1],' 'cli_vm_request(o->name, CTL_VNC, NULL, c,'
mutant vnc-any-peer e2e/vnc \
	"bulkhead vnc's check of who a loopback client is" \
	src/cli/cmd_vnc.c 'if (uid == 0 || (o->user && uid == o->user))' 'if (1)'

# --- running ---------------------------------------------------------------
apply() { # EDITS-STRING: apply each edit to $WORK; fails if one does not match once
	local rec file old new
	while IFS= read -r -d $'\x1e' rec; do
		IFS=$'\x1f' read -r file old new <<< "$rec"
		python3 - "$WORK/$file" "$old" "$new" << 'EOF' || return 1
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
n = text.count(old)
if n != 1:
    sys.exit(f"{path}: the text to mutate occurs {n} times: {old}")
open(path, "w").write(text.replace(old, new))
EOF
	done <<< "$1"
}

restore() {
	local rec file
	while IFS= read -r -d $'\x1e' rec; do
		file=${rec%%$'\x1f'*}
		# A fresh mtime: make must rebuild what the mutant built.
		cp "$SRC/$file" "$WORK/$file"
	done <<< "$1"
}

vm_ids() { "$SRC/build/bulkhead" list 2>/dev/null | awk 'NR > 1 {print $1}' | sort; }

# run_suite SPEC LOG: 0 green, 1 red. The first failing line goes to LOG.
run_suite() {
	local spec=$1 log=$2 rc before
	case $spec in
	unit/*)
		(cd "$WORK" && timeout "$SUITE_SECONDS" "build/tests/${spec#unit/}") > "$log" 2>&1
		rc=$?
		[ "$rc" = 0 ] && return 0
		# cmocka names the failed tests last; the first error says why.
		{ grep -E '^\[  FAILED  \] [a-z]' "$log" | tail -1 | tr -d '\n'
		  grep -m1 -E 'ERROR|error' "$log" | sed 's/^/: /'; } > "$log.first"
		[ -s "$log.first" ] || echo "exit $rc" > "$log.first"
		return 1 ;;
	e2e/*)
		# The lock is held from the list before to the cleanup after,
		# so the VMs that appear in between are this suite's alone.
		exec 9> "$LOCK"
		flock 9
		before=$(vm_ids)
		(cd "$WORK" && timeout --kill-after=10 "$SUITE_SECONDS" \
			unshare --mount --uts --propagation private \
			bash "tests/e2e/${spec#e2e/}.sh") > "$log" 2>&1 9>&-
		rc=$?
		# What the mutant's run left: destroy it with the real binary.
		comm -13 <(echo "$before") <(vm_ids) | while read -r id; do
			[ -n "$id" ] && "$SRC/build/bulkhead" destroy "$id" > /dev/null 2>&1
		done 9>&-
		exec 9>&-
		local plan results
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -1)
		results=$(grep -cE '^(ok|not ok|skip) - ' "$log")
		if [ "$rc" = 0 ] && ! grep -q '^not ok - ' "$log" && [ "${plan:-x}" = "$results" ]; then
			return 0
		fi
		# A failed create prints its warnings first: TCG's says nothing
		# about the mutant, the error line after it does.
		{ grep -m1 '^not ok - ' "$log" || echo "exit $rc, $results of ${plan:-no} planned results"; } |
			sed 's/ bulkhead: warning: \*\*\*.*\*\*\*$//' |
			awk '{ print (length($0) > 160 ? substr($0, 1, 70) " ... " substr($0, length($0) - 85) : $0) }' > "$log.first"
		grep -m1 -A1 '^not ok - .*create failed: bulkhead: warning: \*\*\*' "$log" |
			sed -n '2s/^bulkhead: error: /  /p' >> "$log.first"
		return 1 ;;
	esac
	echo "unknown suite $spec" > "$log.first"
	return 1
}

build_work() { make -C "$WORK" -j2 all > "$WORK/build.log" 2>&1; }

echo "check-mutations: copying the tree to $WORK"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$WORK"
mkdir -p "$WORK/build"
cp -a build/guest "$WORK/build/"
build_work || { tail -20 "$WORK/build.log"; echo "check-mutations: the unmutated tree does not build" >&2; exit 2; }

want=("$@")
selected() {
	[ ${#want[@]} = 0 ] && return 0
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

# The suites must be green without a mutant, or a red one proves nothing.
declare -A baseline=()
for i in "${!NAMES[@]}"; do
	selected "${NAMES[$i]}" || continue
	IFS=, read -r -a ss <<< "${SUITES[$i]}"
	for s in "${ss[@]}"; do baseline[$s]=1; done
done
for s in "${!baseline[@]}"; do
	echo "check-mutations: baseline $s"
	log=$LOGS/baseline.${s//\//_}.log
	if ! run_suite "$s" "$log"; then
		echo "check-mutations: $s is red without a mutant: $(cat "$log.first"); see $log" >&2
		exit 2
	fi
done

survived=0
{
	echo "| mutant | removed | verdict | first red check |"
	echo "|---|---|---|---|"
} > "$REPORT"
for i in "${!NAMES[@]}"; do
	name=${NAMES[$i]}
	selected "$name" || continue
	start=$SECONDS
	verdict="survived" first="(every listed suite stayed green: ${SUITES[$i]})"
	if ! apply "${EDITS[$i]}"; then
		verdict="did not apply" first="the source changed; update the mutant"
	elif ! build_work; then
		verdict="killed by the build" first=$(grep -m1 error "$WORK/build.log")
	else
		IFS=, read -r -a ss <<< "${SUITES[$i]}"
		for s in "${ss[@]}"; do
			log=$LOGS/$name.${s//\//_}.log
			if ! run_suite "$s" "$log"; then
				verdict="killed by $s"
				first=$(tr -s "\n" " " < "$log.first")
				break
			fi
		done
	fi
	restore "${EDITS[$i]}"
	case $verdict in killed*) ;; *) survived=$((survived + 1)) ;; esac
	echo "check-mutations: $name: $verdict ($((SECONDS - start)) s): $first"
	first=${first//|/\\|}
	echo "| $name | ${WHATS[$i]} | $verdict | \`$first\` |" >> "$REPORT"
done
build_work > /dev/null 2>&1 || true
echo
cat "$REPORT"
echo
echo "check-mutations: $survived mutant(s) survived; table in $REPORT"
[ "$survived" = 0 ]
