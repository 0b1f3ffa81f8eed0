#!/bin/sh
# Functions of the privileged processes stay short enough to audit: none
# in src/cli, src/monitor, src/jail or src/host is longer than MAX lines
# (from the line with its return type to its closing brace). A longer
# one is listed in EXCEPTIONS below with the reason it must be longer.
# Relies on the project's style: a definition's name starts a line, its
# body closes with "}" alone at the start of a line.
set -eu
cd "$(dirname "$0")/.."
MAX=80
FOLDERS="src/cli src/monitor src/jail src/host"

# file:function	reason
EXCEPTIONS="
"

out=$(find $FOLDERS -name '*.c' | sort | xargs awk -v max="$MAX" '
	FNR == 1 { name = ""; prev = "" }
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && prev !~ /^$/ && prev !~ /;$/ {
		name = $0; sub(/\(.*/, "", name); start = FNR - 1
	}
	/^}/ && name != "" {
		n = FNR - start + 1
		if (n > max) print FILENAME ":" name " " n
		name = ""
	}
	{ prev = $0 }')

fail=0
report=$(echo "$out" | while read -r fn n; do
	[ -n "$fn" ] || continue
	case "$EXCEPTIONS" in
	*"$fn	"*) echo "function-length: $fn is $n lines (listed exception)" ;;
	*) echo "function-length: $fn is $n lines (max $MAX) FAIL" ;;
	esac
done)
[ -z "$report" ] || echo "$report"
case "$report" in *FAIL*) fail=1 ;; esac
[ "$fail" = 0 ] && echo "function-length: no function in $FOLDERS is longer than $MAX lines, but the listed exceptions"
exit "$fail"
