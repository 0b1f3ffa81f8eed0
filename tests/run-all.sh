#!/bin/bash
# Every test suite, normal and ASan/UBSan builds. One line per result
# (ok / not ok / skip) and a closing "N passed, N failed, N skipped".
# Exit status 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOGS=build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
pass=0 fail=0 skipped=0

tally() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case "$line" in
		"ok - "*) pass=$((pass + 1)) ;;
		"not ok - "*) fail=$((fail + 1)) ;;
		"skip - "*) skipped=$((skipped + 1)) ;;
		esac
	done
}

# A cmocka case that called skip(): "CASE: REASON", the reason being the
# "SKIPPED: ..." line the case printed before it.
skipped_cases() {
	awk '/^\[ RUN +\] / { c = $NF; r = "" }
		/^SKIPPED: / && c != "" { r = $0 }
		/^\[  SKIPPED \] / && c != "" { print c ": " (r == "" ? "no reason printed" : r); c = "" }
		/^\[ +(OK|FAILED|ERROR) +\] / { c = "" }' "$1"
}

# One line per binary; a binary whose main() skipped everything (a
# "SKIPPED:" line and no cmocka run) is one skip, and a case that
# skipped in a binary that ran is one skip line of its own beside the
# binary's ok (its other cases passed).
unit() {
	local dir=$1 label=$2 t name log ran c
	for t in "$dir"/tests/test_*; do
		name=$(basename "$t")
		log=$LOGS/$name.$label.log
		if "$t" > "$log" 2>&1; then
			ran=$(grep -o '[0-9]* test(s) run' "$log")
			if [ -z "$ran" ] && grep -q "SKIPPED" "$log"; then
				echo "skip - unit $name ($label): $(grep SKIPPED "$log")"
			else
				c=$(skipped_cases "$log" | wc -l)
				if [ "$c" = 0 ]; then
					echo "ok - unit $name ($label): $ran"
				else
					echo "ok - unit $name ($label): $ran, $c of them skipped (below), the rest passed"
				fi
				skipped_cases "$log" | while IFS= read -r c; do
					echo "skip - unit $name $c ($label)"
				done
			fi
		else
			echo "not ok - unit $name ($label): see $LOGS/$name.$label.log"
			grep -E 'FAIL|ERROR|error' "$LOGS/$name.$label.log" | head -5
		fi
	done
}

fuzz() {
	local f name out
	for f in build/fuzz/fuzz_*; do
		name=${f#build/fuzz/fuzz_}
		out=$(mktemp -d)
		if "$f" -max_total_time="$FUZZ_SECONDS" -max_len=4096 "$out" \
			"tests/fuzz/corpus/$name" > "$LOGS/fuzz_$name.log" 2>&1; then
			echo "ok - fuzz $name: $(grep -o 'Done [0-9]* runs' "$LOGS/fuzz_$name.log") in ${FUZZ_SECONDS}s"
		else
			echo "not ok - fuzz $name: see $LOGS/fuzz_$name.log"
		fi
		rm -rf "$out"
	done
}

# suite NAME CMD...: run one suite with a time limit (SUITE_SECONDS, 600
# by default). Its lines pass through. The suite declares its plan, TAP's
# "1..N" line (lib.sh's plan), before its results. A failure of its own
# is added when the suite times out, exits non-zero (a check failed, a
# helper refused an empty argument, the script died), declares no plan,
# or prints a number of results other than its plan (it stopped early or
# skipped checks without saying so).
SUITE_SECONDS=${SUITE_SECONDS:-600}
suite() {
	local name=$1 rc out planned ran start
	shift
	out=$(mktemp)
	start=$SECONDS
	timeout --kill-after=10 "$SUITE_SECONDS" "$@" | tee "$out"
	rc=${PIPESTATUS[0]}
	# A comment line, not a result: where make check spends its time.
	echo "# suite $name: $((SECONDS - start)) s"
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
	ran=$(grep -cE '^(ok|not ok|skip) - ' "$out")
	# lib.sh's skip_rest: one line that stands for K results.
	local k
	k=$(sed -n 's/^skip - .* \[skips the remaining \([0-9][0-9]*\) of [0-9][0-9]*\]$/\1/p' "$out" | head -n 1)
	[ -n "$k" ] && ran=$((ran - 1 + k))
	rm -f "$out"
	case $rc in
	0) ;;
	124) echo "not ok - suite $name: still running after ${SUITE_SECONDS}s" ;;
	129 | 1[3-9][0-9] | 2[0-5][0-9]) echo "not ok - suite $name: killed by signal $((rc - 128))" ;;
	*) echo "not ok - suite $name: exited with status $rc" ;;
	esac
	if [ -z "$planned" ]; then
		echo "not ok - suite $name: declared no plan (1..N); $ran results"
	elif [ "$planned" != "$ran" ]; then
		echo "not ok - suite $name: planned $planned results, printed $ran"
	fi
}

suites() {
	unit build normal
	unit build/asan asan
	if sh scripts/lint.sh > "$LOGS/lint.log" 2>&1; then
		echo "ok - lint: cppcheck, clang-tidy, clang-format"
	else
		echo "not ok - lint: $(grep -E 'error|warning' "$LOGS/lint.log" | head -3)"
	fi
	if sh scripts/check-layout.sh > "$LOGS/layout.log" 2>&1; then
		echo "ok - layout: binaries link only their processes' code"
	else
		echo "not ok - layout: $(head -3 "$LOGS/layout.log")"
	fi
	if sh scripts/check-function-length.sh > "$LOGS/function-length.log" 2>&1; then
		echo "ok - function length: privileged functions are at most 80 lines"
	else
		echo "not ok - function length: $(grep FAIL "$LOGS/function-length.log" | head -3)"
	fi
	if bash scripts/process-table.sh --check > "$LOGS/process-table.log" 2>&1; then
		echo "ok - ARCHITECTURE.md's process table matches the code"
	else
		echo "not ok - process table: $(head -3 "$LOGS/process-table.log")"
	fi
	if build/bulkhead features --markdown | cmp -s - docs/SUPPORT.md; then
		echo "ok - docs/SUPPORT.md matches the feature table"
	else
		echo "not ok - docs/SUPPORT.md is stale: make docs/SUPPORT.md"
	fi
	fuzz
	suite cli bash tests/cli.sh
	suite vhost/frontend bash tests/vhost/frontend.sh
	suite vhost/frontend-asan env BUILD=build/asan LABEL="(asan) " bash tests/vhost/frontend.sh
	if [ "$(id -u)" != 0 ]; then
		echo "skip - golden and end-to-end suites: need root (namespaces, uids, /run/bulkhead)"
	else
		if build/bulkhead host-init > "$LOGS/host-init.log" 2>&1; then
			echo "ok - host-init (idempotent: accounts, dirs, report)"
		else
			echo "not ok - host-init: $(cat "$LOGS/host-init.log")"
		fi
		suite golden env BULKHEAD=build/bulkhead bash tests/golden/run.sh
		suite golden-asan env BULKHEAD=build/asan/bulkhead bash tests/golden/run.sh | sed 's/^\(ok\|not ok\) - golden/\1 - golden (asan)/'
		suite e2e/boot bash tests/e2e/boot.sh
		suite e2e/boot-asan env BULKHEAD=build/asan/bulkhead bash tests/e2e/boot.sh | sed 's/^\(ok\|not ok\) - /\1 - (asan) /'
		suite e2e/lifecycle bash tests/e2e/lifecycle.sh
		suite e2e/cdrom bash tests/e2e/cdrom.sh
		suite e2e/vnc bash tests/e2e/vnc.sh
		# The relay copies a client's and QEMU's bytes as root.
		suite e2e/vnc-asan env BULKHEAD=build/asan/bulkhead bash tests/e2e/vnc.sh | sed 's/^\(ok\|not ok\) - /\1 - (asan) /'
		suite e2e/imglock bash tests/e2e/imglock.sh
		suite e2e/blockdev bash tests/e2e/blockdev.sh
		suite e2e/hvm bash tests/e2e/hvm.sh
		suite e2e/paths bash tests/e2e/paths.sh
		suite e2e/xlsyntax bash tests/e2e/xlsyntax.sh
		suite e2e/backends bash tests/e2e/backends.sh
		suite e2e/churn bash tests/e2e/churn.sh
		suite e2e/actions bash tests/e2e/actions.sh
		suite e2e/shutdown bash tests/e2e/shutdown.sh
		suite e2e/install bash tests/e2e/install.sh
		suite e2e/events bash tests/e2e/events.sh
		suite e2e/review15-events bash tests/e2e/review15-events.sh
		suite package/deb bash tests/package/deb.sh
		suite e2e/saverestore bash tests/e2e/saverestore.sh
		suite e2e/deputy bash tests/e2e/deputy.sh
		suite e2e/policy bash tests/e2e/policy.sh
		suite e2e/recovery bash tests/e2e/recovery.sh
		suite e2e/worker bash tests/e2e/worker.sh
		suite e2e/control bash tests/e2e/control.sh
		# The hostile device model is parsed by the sanitized monitor.
		suite e2e/hostile-qmp-asan env BULKHEAD=build/asan/bulkhead bash tests/e2e/hostile-qmp.sh | sed 's/^\(ok\|not ok\) - /\1 - (asan) /'
		suite e2e/uids bash tests/e2e/uids.sh
		suite e2e/idrange bash tests/e2e/idrange.sh
		suite e2e/override bash tests/e2e/override.sh
		suite e2e/cgroups bash tests/e2e/cgroups.sh
		suite e2e/iothrottle bash tests/e2e/iothrottle.sh
		suite e2e/net bash tests/e2e/net.sh
		suite e2e/antispoof bash tests/e2e/antispoof.sh
		suite e2e/bpdu bash tests/e2e/bpdu.sh
		suite e2e/review14-tenant-spoof bash tests/e2e/review14-tenant-spoof.sh
		suite e2e/review15-tenant bash tests/e2e/review15-tenant.sh
		suite e2e/review15-antispoof bash tests/e2e/review15-antispoof.sh
		suite e2e/passt bash tests/e2e/passt.sh
		suite e2e/netbe bash tests/e2e/netbe.sh
		suite e2e/netbe-hostile bash tests/e2e/netbe-hostile.sh
		suite e2e/netbe-bounce bash tests/e2e/netbe-bounce.sh
		suite e2e/passt-inbound bash tests/e2e/passt-inbound.sh
		suite e2e/review15-passt bash tests/e2e/review15-passt.sh
		suite e2e/check bash tests/e2e/check.sh
		suite golden/audit bash tests/golden/audit/run.sh
		suite e2e/audit bash tests/e2e/audit.sh
		suite e2e/audit-libvirt bash tests/e2e/audit-libvirt.sh
	fi
}

tally < <(suites 2>&1)
echo
echo "$pass passed, $fail failed, $skipped skipped in $SECONDS s"
[ "$fail" = 0 ]
