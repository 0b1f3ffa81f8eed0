#!/bin/bash
# The command line itself, as a user meets it before any VM: --version,
# help, help COMMAND, COMMAND --help, and the exit status of a mistake
# (2, as for every usage error). Needs no root and starts nothing.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
cmds=$("$BULKHEAD" help | sed -n 's/^  \([a-z-]*\).*/\1/p' | grep -v '^help$')
n=$(wc -w <<< "$cmds")
plan $((9 + 2 * n))
expect "--version names the build" 0 '^bulkhead [0-9a-f]\{7,\}\(-dirty\)\?$\|^bulkhead [0-9][0-9.]*' \
	"$BULKHEAD" --version
expect "help lists every command and itself" 0 "help \[COMMAND\]" "$BULKHEAD" help
expect "--help is help" 0 "^usage: bulkhead COMMAND" "$BULKHEAD" --help
expect "no command: usage, status 2" 2 "^usage: bulkhead COMMAND" "$BULKHEAD"
expect "an unknown command: named, status 2" 2 "unknown command 'frob'" "$BULKHEAD" frob
expect "help of an unknown command: named, status 2" 2 "unknown command 'frob'" \
	"$BULKHEAD" help frob
check "help lists the 17 commands of this version, or more" \
	test "$n" -ge 17
expect "a VM id no VM has: named, status 2" 2 "32750: no VM with that id" \
	"$BULKHEAD" destroy 32750
expect "help vnc: where it listens by default" 0 "default 127.0.0.1:5900+ID" \
	"$BULKHEAD" help vnc
for c in $cmds; do
	expect "help $c: its usage line" 0 "^usage: bulkhead $c" "$BULKHEAD" help "$c"
	expect "$c --help: the same, and nothing run" 0 "^usage: bulkhead $c" \
		"$BULKHEAD" "$c" --help
done
exit "$FAILED"
