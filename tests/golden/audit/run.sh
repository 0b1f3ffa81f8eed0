#!/bin/bash
# Golden tests for `bulkhead audit` on fixture /proc trees (captured by
# capture.sh, or derived by hand where a README says so). CASE.expect is
# the exit status on its first line and the exact output after it.
set -u
cd "$(dirname "$0")/../../.."
. tests/lib.sh
BULKHEAD=$(realpath "$BULKHEAD")
cd tests/golden/audit
plan "$(ls -d ./*/ | wc -l)" # one result per captured case
for dir in */; do
	c=${dir%/}
	target="" host=""
	for p in "$c"/proc/*/; do
		p=$(basename "$p")
		if grep -q '^qemu' "$c/proc/$p/comm"; then target=$p; else host=$p; fi
	done
	# A copy, with each status file's recorded owner applied.
	work=$(mktemp -d /tmp/bh-golden-audit-XXXXXX)
	cp -a "$c" "$work/"
	for o in "$work/$c"/proc/*/status.owner; do
		[ -e "$o" ] && chown "$(cat "$o")" "${o%.owner}"
	done
	out=$("$BULKHEAD" audit "$target" --proc-root "$work/$c/proc" --host-pid "$host" 2>&1)
	rc=$?
	rm -rf "$work"
	if [ ! -f "$c.expect" ]; then
		not_ok "audit golden $c: no $c.expect"
	elif ! diff -u <(tail -n +2 "$c.expect") <(echo "$out") > /dev/null; then
		not_ok "audit golden $c: output differs: $(diff <(tail -n +2 "$c.expect") <(echo "$out") | head -c 400)"
	elif [ "$rc" != "$(head -n 1 "$c.expect")" ]; then
		not_ok "audit golden $c: exit $rc"
	else
		ok "audit golden $c: $(echo "$out" | head -n 1 | sed 's/.*: //')"
	fi
done
exit "$FAILED"
