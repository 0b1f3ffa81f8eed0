#!/bin/sh
# The source tree follows the process boundaries (ARCHITECTURE.md,
# "Processes"): a folder under src/ is either one process's code or
# shared code. This fails when
#   - a folder under src/ is in neither list below;
#   - a binary links (DWARF compile units: what the linker really took) a
#     process folder's code that is not one of the processes it runs;
#   - a file includes a header from another process's folder, except for
#     the few entries in FORK_INCLUDES (and says which).
# Usage: check-layout.sh [BUILD_DIR]   (default build)
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}

PROCESS_FOLDERS="cli monitor qmpworker copier backends probe"
SHARED_FOLDERS="common config ipc host jail plan vhost"

# binary: the processes that run its image. The monitor, the QMP worker
# and the copier are forked from the CLI's image (no exec of their own
# yet), so bulkhead holds all four.
BINARIES="
bulkhead:cli,monitor,qmpworker,copier
bulkhead-blk:backends
bulkhead-rng:backends
bulkhead-net:backends
bulkhead-probe:probe
"

# Cross-process includes that exist because one process forks the next
# from its own image: the CLI fills the monitor's launch and starts it
# (monitor_main), the monitor starts the worker (worker_run) and the
# copier (copier_run).
FORK_INCLUDES="
src/cli/cmd_create.c:src/monitor/monitor.h
src/cli/monitor_fork.c:src/monitor/monitor.h
src/cli/reattach.c:src/monitor/monitor.h
src/monitor/worker_spawn.c:src/qmpworker/worker.h
src/monitor/copier_spawn.c:src/copier/copier.h
"

fail=0
bad() { echo "layout: $*"; fail=1; }
# in_list WORD LIST: LIST is words separated by spaces or newlines.
in_list() { case " $(echo $2) " in *" $1 "*) return 0 ;; esac; return 1; }

for d in src/*/; do
	f=$(basename "$d")
	in_list "$f" "$PROCESS_FOLDERS" || in_list "$f" "$SHARED_FOLDERS" ||
		bad "src/$f/ is neither a process folder nor a shared one (scripts/check-layout.sh)"
done

for entry in $BINARIES; do
	bin=${entry%%:*}
	allowed=$(echo "${entry#*:}" | tr , ' ')
	if [ ! -f "$BUILD/$bin" ]; then
		bad "$BUILD/$bin is missing (build first)"
		continue
	fi
	units=$(readelf --debug-dump=info "$BUILD/$bin" 2>/dev/null |
		grep -A8 DW_TAG_compile_unit | grep DW_AT_name |
		awk '{print $NF}' | grep '^src/' | sort -u)
	[ -n "$units" ] || bad "$bin: no compile units found (built without -g?)"
	for u in $units; do
		f=$(echo "$u" | cut -d/ -f2)
		if in_list "$f" "$PROCESS_FOLDERS" && ! in_list "$f" "$allowed"; then
			bad "$bin links $u, code of another process ($f)"
		fi
	done
done

for src in $(find src -name '*.c' -o -name '*.h' | sort); do
	own=$(echo "$src" | cut -d/ -f2)
	dir=$(dirname "$src")
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$src"); do
		target=$(realpath -m --relative-to=. "$dir/$inc")
		f=$(echo "$target" | cut -d/ -f2)
		[ "$f" = "$own" ] && continue
		in_list "$f" "$PROCESS_FOLDERS" || continue
		in_list "$src:$target" "$FORK_INCLUDES" ||
			bad "$src includes $target from another process's folder"
	done
done

[ "$fail" = 0 ] && echo "layout: every binary links only its processes' code and shared code"
exit "$fail"
