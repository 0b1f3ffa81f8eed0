#!/bin/bash
# Capture a fixture for the audit golden tests from live processes:
#   capture.sh DIR PID HOSTPID
# copies what `bulkhead audit` reads (status, limits, cmdline, cgroup,
# comm, the ns links) for PID and HOSTPID into DIR/proc/, and models
# each root as a directory holding the top-level names that process sees
# (a root that is the host's becomes a link to the host's).
# What git cannot keep is recorded as text, and run.sh applies it to a
# copy, so no verdict depends on who owns the checkout:
#   status.owner  the uid that owns /proc/PID/status (dumpable or not)
#   fds           of PID's open files, one "N SIZE" line each: a regular
#                 file and its size, or "N -" for anything else; the
#                 fdinfo/N files (open flags) are copied as they are
set -eu
dir=$1 pid=$2 host=$3
for p in "$pid" "$host"; do
	d=$dir/proc/$p
	mkdir -p "$d/ns"
	for f in status limits cmdline cgroup comm; do cat /proc/$p/$f > "$d/$f"; done
	stat -c %u /proc/$p/status > "$d/status.owner"
	for n in mnt pid net ipc uts; do ln -sfn "$(readlink /proc/$p/ns/$n)" "$d/ns/$n"; done
done
mkdir -p "$dir/proc/$pid/fdinfo"
: > "$dir/proc/$pid/fds"
for f in /proc/$pid/fd/*; do
	n=$(basename "$f")
	cat /proc/$pid/fdinfo/$n > "$dir/proc/$pid/fdinfo/$n"
	if [ -f "$f" ]; then
		echo "$n $(stat -L -c %s "$f")"
	else
		echo "$n -"
	fi >> "$dir/proc/$pid/fds"
done
mkdir -p "$dir/proc/$host/root"
for e in $(ls /proc/$host/root); do mkdir -p "$dir/proc/$host/root/$e" && touch "$dir/proc/$host/root/$e/.keep"; done
if [ "$(stat -L -c %d:%i /proc/$pid/root)" = "$(stat -L -c %d:%i /proc/$host/root)" ]; then
	ln -sfn "../$host/root" "$dir/proc/$pid/root"
else
	mkdir -p "$dir/proc/$pid/root"
	for e in $(ls /proc/$pid/root); do mkdir -p "$dir/proc/$pid/root/$e" && touch "$dir/proc/$pid/root/$e/.keep"; done
fi
