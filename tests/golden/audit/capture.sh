#!/bin/bash
# Capture a fixture for the audit golden tests from live processes:
#   capture.sh DIR PID HOSTPID
# copies what `bulkhead audit` reads (status, limits, cmdline, cgroup,
# comm, the ns links) for PID and HOSTPID into DIR/proc/, and models
# each root as a directory holding the top-level names that process sees
# (a root that is the host's becomes a link to the host's).
set -eu
dir=$1 pid=$2 host=$3
for p in "$pid" "$host"; do
	d=$dir/proc/$p
	mkdir -p "$d/ns"
	for f in status limits cmdline cgroup comm; do cat /proc/$p/$f > "$d/$f"; done
	# Who owns status tells dumpable from not; git keeps no owners.
	stat -c %u /proc/$p/status > "$d/status.owner"
	for n in mnt pid net ipc uts; do ln -sfn "$(readlink /proc/$p/ns/$n)" "$d/ns/$n"; done
done
mkdir -p "$dir/proc/$host/root"
for e in $(ls /proc/$host/root); do mkdir -p "$dir/proc/$host/root/$e" && touch "$dir/proc/$host/root/$e/.keep"; done
if [ "$(stat -L -c %d:%i /proc/$pid/root)" = "$(stat -L -c %d:%i /proc/$host/root)" ]; then
	ln -sfn "../$host/root" "$dir/proc/$pid/root"
else
	mkdir -p "$dir/proc/$pid/root"
	for e in $(ls /proc/$pid/root); do mkdir -p "$dir/proc/$pid/root/$e" && touch "$dir/proc/$pid/root/$e/.keep"; done
fi
