#!/bin/bash
# make install / uninstall, the man pages and completion it installs, and
# the systemd units with bulkhead-guests (autostart at boot, every VM
# ended at host shutdown), run from an installed tree. Two installs, both
# in the test's own directory: one under DESTDIR (what a package build
# does), one live (PREFIX and SYSCONFDIR in the test's directory, so the
# units and the script name real paths and can be run).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
plan 28
P=bhtest-inst-$$
T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
D=$T/dest
L=$T/live

# 1. A DESTDIR install, as dpkg-buildpackage makes one.
expect "make install DESTDIR=... PREFIX=/usr succeeds" 0 "" \
	make -s install DESTDIR="$D" PREFIX=/usr
want=$(DESTDIR="$D" PREFIX=/usr sh scripts/install.sh list | sort)
have=$(cd "$D" && find . ! -type d | sed 's/^\.//' | sort)
check "it installs exactly the manifest's $(echo "$want" | wc -l) files" \
	test "$want" = "$have"
[ "$want" = "$have" ] || diff <(echo "$want") <(echo "$have") | sed 's/^/# /'
check "binaries are root's and 0755, the rest 0644" bash -c "
	cd '$D' && ! find . -type f ! -user root -printf '%p\n' | grep . &&
	! find usr/libexec/bulkhead -type f ! -perm 0755 | grep . &&
	! find usr/share etc usr/lib -type f ! -perm 0644 | grep ."
check "sbin/bulkhead is a relative link into libexec/bulkhead" \
	test "$(readlink "$D/usr/sbin/bulkhead")" = ../libexec/bulkhead/bulkhead
check "the installed bulkhead --version is the build's ($("$BULKHEAD" --version))" \
	test "$("$D/usr/sbin/bulkhead" --version)" = "$("$BULKHEAD" --version)"
check "the installed bulkhead prints its support matrix as JSON" bash -c \
	"'$D/usr/sbin/bulkhead' features --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) > 10'"
for page in "1 bulkhead" "5 bulkhead.cfg" "5 bulkhead-policy.cfg" "8 bulkhead-guests"; do
	set -- $page
	check "man -M finds $2($1) in the install" bash -c \
		"MANPAGER=cat man -M '$D/usr/share/man' $1 $2 2>/dev/null | grep -q '^NAME'"
done

# Completion: every command bulkhead's help lists, and no other.
complete_words() { # WORDS...: what completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		bulkhead() { :; }; _bulkhead; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$D/usr/share/bash-completion/completions/bulkhead" "$@" | sort
}
cmds=$("$BULKHEAD" help 2>&1 | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort)
check "completion offers every command of bulkhead help ($(echo $cmds | wc -w))" \
	test "$(complete_words bulkhead "" | grep -v -- --version)" = "$cmds"
check "completion offers check's --as levels" \
	test "$(complete_words bulkhead check --as "" | tr '\n' ' ')" = "backend copier dm worker "

# A config the admin edited is kept by install and by uninstall.
echo "# edited" >> "$D/etc/bulkhead/example.cfg"
check "install again keeps the edited example.cfg" bash -c \
	"make -s install DESTDIR='$D' PREFIX=/usr | grep -q 'keeping .*example.cfg' && grep -q edited '$D/etc/bulkhead/example.cfg'"
expect "make uninstall succeeds" 0 "" make -s uninstall DESTDIR="$D" PREFIX=/usr
left=$(cd "$D" && find . ! -type d | sed 's/^\.//')
check "uninstall leaves only the edited config (left: $(echo $left))" \
	test "$left" = /etc/bulkhead/example.cfg

# 2. A live install: the units name real paths.
make -s install PREFIX="$L/usr" SYSCONFDIR="$L/etc" > /dev/null
U=$L/usr/lib/systemd/system
check "systemd-analyze verify passes both units" \
	systemd-analyze verify --man=no "$U/bulkhead-host-init.service" "$U/bulkhead-guests.service"
check "the guests unit never kills monitors (KillMode=process)" \
	grep -qx KillMode=process "$U/bulkhead-guests.service"
G=$L/usr/libexec/bulkhead/bulkhead-guests
AUTO=$L/etc/bulkhead/auto
mkcfg "$AUTO/a.cfg" "$P-a" ""
mkcfg "$AUTO/b.cfg" "$P-b" ""
mkcfg "$AUTO/zz-bad.cfg" "$P-bad" "" "memory = -5"
others=$("$BULKHEAD" list | awk -v p="$P-" 'NR > 1 && index($1, p) != 1 { print $1 }')
if [ -n "$others" ]; then
	# stop ends every VM on the host: never run it next to VMs not ours.
	skip_rest "bulkhead-guests stop ends every VM, and other VMs run here: $(echo $others)"
	exit "$FAILED"
fi
"$G" start > "$T/start.out" 2>&1
rc=$?
sed 's/^/# /' "$T/start.out"
check "start creates both autostart VMs from the installed bulkhead" bash -c \
	"'$BULKHEAD' list | grep -q '^$P-a ' && '$BULKHEAD' list | grep -q '^$P-b '"
check "start reports the config bulkhead refuses, starts the rest, and fails (rc $rc)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'zz-bad.cfg: not a config' '$T/start.out'"
for v in a b; do wait_for "$(vm_field "$P-$v" console_log)" BULKHEAD-GUEST-READY 120; done
"$G" start > "$T/start2.out" 2>&1
check "start again creates nothing twice" bash -c \
	"[ \$('$BULKHEAD' list | grep -c '^$P-') = 2 ] && grep -q '$P-a: already running' '$T/start2.out'"
LOG_a=$(vm_field "$P-a" console_log)
LOG_b=$(vm_field "$P-b" console_log)
expect "stop (ON_SHUTDOWN=shutdown) ends every VM, status 0" 0 "every VM is down" "$G" stop
check "... each guest saw its power button and powered off" bash -c \
	"for l in '$LOG_a' '$LOG_b'; do grep -aq BULKHEAD-POWERBUTTON \$l && grep -aq 'reboot: Power down' \$l || exit 1; done"
check "... and nothing of them is left" bash -c \
	"! ls -d /run/bulkhead/vm/$P-* 2>/dev/null && ! '$BULKHEAD' list | grep -q '^$P-'"

# A guest that ignores the button is destroyed after SHUTDOWN_TIMEOUT.
rm -f "$AUTO/zz-bad.cfg" "$AUTO/b.cfg"
mkcfg "$AUTO/a.cfg" "$P-a" nobutton
echo "SHUTDOWN_TIMEOUT=3" > "$L/etc/default/bulkhead-guests"
"$G" start > /dev/null 2>&1
wait_for "$(vm_field "$P-a" console_log)" BULKHEAD-GUEST-READY 120
LOG_a=$(vm_field "$P-a" console_log)
s=$(date +%s)
expect "stop destroys a guest that ignores its button" 0 "every VM is down" "$G" stop
check "... after the timeout, not at once or much later ($(($(date +%s) - s)) s)" \
	bash -c "[ $(($(date +%s) - s)) -ge 3 ] && [ $(($(date +%s) - s)) -lt 30 ] && grep -aq BULKHEAD-POWERBUTTON-IGNORED '$LOG_a'"

# ON_SHUTDOWN=save: saved at stop, restored by the next start.
mkcfg "$AUTO/a.cfg" "$P-a" ""
printf 'ON_SHUTDOWN=save\nSAVE_DIR=%s\n' "$T/save" > "$L/etc/default/bulkhead-guests"
"$G" start > /dev/null 2>&1
wait_for "$(vm_field "$P-a" console_log)" BULKHEAD-GUEST-READY 120
expect "stop with ON_SHUTDOWN=save saves the autostarted VM" 0 "every VM is down" "$G" stop
check "... into SAVE_DIR/NAME.save" test -s "$T/save/$P-a.save"
"$G" start > "$T/start3.out" 2>&1
sed 's/^/# /' "$T/start3.out"
check "start restores it from the save file, and removes the file" bash -c \
	"'$BULKHEAD' list | grep -q '^$P-a .* running' && grep -q 'restoring' '$T/start3.out' && ! test -e '$T/save/$P-a.save'"
"$G" stop > /dev/null 2>&1
make -s uninstall PREFIX="$L/usr" SYSCONFDIR="$L/etc" > /dev/null 2>&1
exit "$FAILED"
