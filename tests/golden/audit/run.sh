#!/bin/bash
# Golden tests for `bulkhead audit` on fixture /proc trees (captured by
# capture.sh, or derived by hand where a README says so). CASE.expect is
# the exit status on its first line and the exact text output after it;
# CASE.json, where there is one, the exact output of --json.
# What git cannot keep is recorded in the fixture and applied to a copy
# here (capture.sh says how): the owner of each status file, which the
# not-dumpable verdict reads, and the audited process's open files, whose
# sizes the FSIZE verdict reads. A fixture that does not record its
# target's status owner fails: the verdict would be the checkout's owner.
# Without an fds record the audit sees no open file (FSIZE is then
# judged against its 1 MiB floor).
set -u
cd "$(dirname "$0")/../../.."
. tests/lib.sh
BULKHEAD=$(realpath "$BULKHEAD")
cd tests/golden/audit
plan "$(ls -d ./*/ | wc -l)" # one result per captured case

# apply DIR: give the copy in DIR what its records say.
apply() {
	local o d n size
	for o in "$1"/proc/*/status.owner; do
		[ -e "$o" ] && chown "$(cat "$o")" "${o%.owner}"
	done
	for d in "$1"/proc/*/; do
		[ -f "$d/fds" ] || continue
		mkdir "$d/fd" || return 1
		while read -r n size; do
			if [ "$size" = - ]; then
				mkfifo "$d/fd/$n"
			else
				truncate -s "$size" "$d/fd/$n"
			fi || return 1
		done < "$d/fds"
	done
}

for dir in */; do
	c=${dir%/}
	target="" host=""
	for p in "$c"/proc/*/; do
		p=$(basename "$p")
		if grep -q '^qemu' "$c/proc/$p/comm"; then target=$p; else host=$p; fi
	done
	if [ ! -f "$c/proc/$target/status.owner" ]; then
		not_ok "audit golden $c: no proc/$target/status.owner"
		continue
	fi
	work=$(mktemp -d /tmp/bh-golden-audit-XXXXXX)
	cp -a "$c" "$work/"
	if ! apply "$work/$c"; then
		not_ok "audit golden $c: cannot apply its records"
		rm -rf "$work"
		continue
	fi
	args=(audit "$target" --proc-root "$work/$c/proc" --host-pid "$host")
	out=$("$BULKHEAD" "${args[@]}" 2>&1)
	rc=$?
	json=$("$BULKHEAD" "${args[@]}" --json 2>&1)
	rm -rf "$work"
	if [ ! -f "$c.expect" ]; then
		not_ok "audit golden $c: no $c.expect"
	elif ! diff -u <(tail -n +2 "$c.expect") <(echo "$out") > /dev/null; then
		not_ok "audit golden $c: output differs: $(diff <(tail -n +2 "$c.expect") <(echo "$out") | head -c 400)"
	elif [ "$rc" != "$(head -n 1 "$c.expect")" ]; then
		not_ok "audit golden $c: exit $rc"
	elif [ -f "$c.json" ] && ! diff -u "$c.json" <(echo "$json") > /dev/null; then
		not_ok "audit golden $c: --json differs: $(diff "$c.json" <(echo "$json") | head -c 400)"
	else
		ok "audit golden $c: $(echo "$out" | head -n 1 | sed 's/.*: //')"
	fi
done
exit "$FAILED"
