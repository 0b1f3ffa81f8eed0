#!/bin/bash
# Golden tests for config accept/reject. For each config/NAME.cfg, the
# file config/NAME.expect holds the exit status on its first line and the
# exact stderr after it. @DIR@ in a config is the fixture directory.
# config/NAME.args, if there, holds create's key=value arguments (as
# xl's: they replace the file's values), one a line.
# Rejected configs are run through a real `create` (not a dry run) to show
# that nothing is started and nothing is left behind.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BULKHEAD=$(realpath "$BULKHEAD")
src=$PWD/tests/golden/config
fx=$(mktemp -d /tmp/bh-golden-XXXXXX)
trap 'rm -rf "$fx"' EXIT

# Fixtures: files of every type a config might name.
: > "$fx/kernel"
: > "$fx/initrd"
truncate -s 1M "$fx/disk.img"
truncate -s 1M "$fx/disk2.img"
printf 'QFI\373' > "$fx/looks-like-qcow2.img"
mkdir "$fx/dir"
mkfifo "$fx/fifo"
ln -s disk.img "$fx/link.img"
ln -s . "$fx/linkdir"
cp "$src"/*.cfg "$fx/"
sed -i "s|@DIR@|$fx|g" "$fx"/*.cfg
printf 'name = "ok"\nkernel = "%s/kernel"\nname = "x\0y"\n' "$fx" > "$fx/bad-nul-byte.cfg"
printf 'name = "a\nb"\nkernel = "/k"\n' > "$fx/bad-newline-in-string.cfg"

snapshot() {
	ls /run/bulkhead/vm /run/bulkhead/ids 2>/dev/null | tr '\n' ' '
	ps -eo uid= | awk '$1 > 131072 && $1 <= 131072 + 32751' | wc -l
}

cd "$fx"
plan "$(ls ./*.cfg | wc -l)" # one result per config
for cfg in *.cfg; do
	name=${cfg%.cfg}
	exp="$src/$name.expect"
	if [ ! -f "$exp" ]; then
		not_ok "golden $name: no $name.expect"
		continue
	fi
	want_rc=$(head -n 1 "$exp")
	case "$name" in
	good-*) args=(create --dry-run "$cfg") ;;
	*) args=(create "$cfg") ;;
	esac
	if [ -f "$src/$name.args" ]; then
		mapfile -t extra < <(sed "s|@DIR@|$fx|g" "$src/$name.args")
		args+=("${extra[@]}")
	fi
	before=$(snapshot)
	"$BULKHEAD" "${args[@]}" > out.txt 2> err.txt
	rc=$?
	after=$(snapshot)
	sed -i "s|$fx|@DIR@|g" err.txt out.txt
	if [ "$rc" != "$want_rc" ]; then
		not_ok "golden $name: exit $rc, want $want_rc ($(head -c 300 err.txt))"
	elif ! diff -u <(tail -n +2 "$exp") err.txt > diff.txt; then
		not_ok "golden $name: stderr differs: $(cat diff.txt | tail -n +3 | head -c 400)"
	elif [ "$before" != "$after" ]; then
		not_ok "golden $name: left something behind ($before -> $after)"
	else
		ok "golden $name"
	fi
done
exit "$FAILED"
