#!/bin/bash
# Root is no confused deputy (SECURITY.md, "Host paths"): an unprivileged
# user who owns a directory on a VM's paths redirects each kind of path
# (disk rw/ro/isolated, cdrom at create and at cd-insert, kernel, ramdisk,
# save target, restore source, the config) with a symlink in the last or
# a middle component, a hard link, another user's file, a /proc magic
# link or a FIFO, at files only root can reach. Each attempt must be
# refused with a reason, and the target must never be opened (inotify
# sees no open of it) nor a file be made where the user cannot write.
# The same kinds of path still work for a root-owned file in root's
# directories and for the user's own file in the user's own directory.
#
# The user is an account in a private copy of /etc (setpriv needs none,
# but a tenant's config must belong to one): the host's /etc/passwd,
# group and shadow are never touched, and there is nothing to remove
# afterwards but the test's files.
#
# A config the user owns may also name only files the user could open
# itself with the same access (review F2): /etc/shadow, root's 0600
# image or kernel, a file below root's 0700 directory, root's 0644 image
# read-write, root's 0600 save file, and (into the VM of the user's
# config) root's 0600 medium at cd-insert are refused for it; root's 0644
# image read-only works, and root's own config still names root's 0600
# files. Root's config that others may write is refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

# A tenant's config must belong to an account (policy review): the test
# user gets one in a private mount namespace over a copy of /etc, as in
# uids.sh and policy.sh, so the host's /etc is never written.
if [ "${BH_DEP_INNER:-}" != 1 ]; then
	P=bhtest-dep-$$
	T=$(mktemp -d /tmp/bh-e2e-XXXXXX)
	trap 'destroy_prefix "$P"; rm -rf "$T"' EXIT
	BH_DEP_INNER=1 BH_DEP_T=$T BH_DEP_P=$P BH_DEP_HOST=$$ \
		unshare -m --propagation private bash "$0"
	exit $?
fi
plan 40
P=$BH_DEP_P T=$BH_DEP_T
trap 'destroy_prefix "$P"' EXIT

# A uid no account, no process and no bulkhead range uses.
EU=
for u in $(seq 61000 61100); do
	getent passwd "$u" > /dev/null && continue
	getent passwd "$((u + 1))" > /dev/null && continue
	[ "$(uid_procs "$u")" = 0 ] && [ "$(uid_procs "$((u + 1))")" = 0 ] || continue
	EU=$u
	break
done
[ -n "$EU" ] || { not_ok "deputy: no free uid for the test user"; exit 1; }
OTHER=$((EU + 1)) # a second user (no account), whose image EU must not get
chmod 755 "$T" && cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc &&
	[ "$(stat -c %d:%i /etc/passwd)" != "$(stat -c %d:%i "/proc/$BH_DEP_HOST/root/etc/passwd")" ] &&
	echo "bhdepu$EU:x:$EU:$EU::/nonexistent:/usr/sbin/nologin" >> /etc/passwd &&
	echo "bhdepu$EU:x:$EU:" >> /etc/group ||
	{ not_ok "deputy: no private /etc for the test user"; exit 1; }
as_user() { setpriv --reuid="$EU" --regid="$EU" --clear-groups -- "$@"; }

fail_setup() { not_ok "deputy: setup: $*"; exit 1; }
chmod 755 "$T" || fail_setup chmod
# Root's: a 0700 directory holding what the user must never reach.
R=$T/root
U=$T/u
mkdir -m 700 "$R" && mkdir -m 755 "$U" && chown "$EU:$EU" "$U" || fail_setup "dirs"
echo "SECRET-$$" > "$R/secret.img" && truncate -s 1M "$R/secret.img" &&
	chmod 600 "$R/secret.img" || fail_setup "secret"
cp "$GUEST/vmlinuz" "$R/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$R/initrd" || fail_setup "kernel copy"
mkdir -p "$T/iso" && echo "iso-$$" > "$T/iso/HELLO.TXT" &&
	genisoimage -quiet -r -o "$R/A.iso" "$T/iso" || fail_setup genisoimage
mkcfg "$R/secret.cfg" "$P-secret" "" && chmod 600 "$R/secret.cfg" || fail_setup "root config"
# Root's, in a directory the user may search: a 0600 image and kernel,
# and a 0644 image the user may read.
S=$T/pub
mkdir -m 755 "$S" && truncate -s 1M "$S/secret.img" && chmod 600 "$S/secret.img" &&
	cp "$GUEST/vmlinuz" "$S/vmlinuz" && chmod 600 "$S/vmlinuz" &&
	truncate -s 1M "$S/shared.img" && chmod 644 "$S/shared.img" &&
	cp "$R/A.iso" "$S/A.iso" && chmod 600 "$S/A.iso" || fail_setup "root's files"
# The user's own: an image, a medium, a kernel; then the redirections,
# each made by the user.
as_user truncate -s 1M "$U/own.img" && as_user cp "$R/A.iso" "$U/own.iso" 2> /dev/null ||
	{ cp "$R/A.iso" "$U/own.iso" && chown "$EU:$EU" "$U/own.iso"; } || fail_setup "own files"
# The user's configs boot the user's own copies: the build tree may sit
# in a directory the user cannot search (a clone in a 0700 mktemp dir).
cp "$GUEST/vmlinuz" "$U/vmlinuz" && cp "$GUEST/initramfs.cpio.gz" "$U/initrd" &&
	chown "$EU:$EU" "$U/vmlinuz" "$U/initrd" || fail_setup "own kernel"
U_BOOT=("kernel = \"$U/vmlinuz\"" "ramdisk = \"$U/initrd\"")
# A "device model" of the user's own: root must never run it.
cp /bin/true "$U/evil-qemu" && chown "$EU:$EU" "$U/evil-qemu" || fail_setup "own binary"
for l in secret.img:link.img A.iso:link.iso vmlinuz:link-kernel initrd:link-initrd \
	secret.cfg:link.cfg; do
	as_user ln -s "$R/${l%%:*}" "$U/${l#*:}" || fail_setup "symlink $l"
done
as_user ln -s "$R" "$U/d" || fail_setup "dir symlink"
as_user mkfifo "$U/fifo" || fail_setup mkfifo
# A hard link to root's file in the user's directory, as a host with
# fs.protected_hardlinks=0 would let the user make it (root makes it here).
ln "$R/secret.img" "$U/hard.img" || fail_setup "hard link"
# Another user's 0600 image, in the user's directory.
truncate -s 1M "$U/other.img" && chown "$OTHER:$OTHER" "$U/other.img" &&
	chmod 600 "$U/other.img" || fail_setup "other's image"

# opens FILE... -- CMD...: run CMD (at most 20 s) while watching the
# files for opens; prints "RC OPENS" and leaves CMD's output in $T/out.
opens() {
	python3 - "$T/out" "$@" << 'EOF'
import ctypes, os, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
out, args = sys.argv[1], sys.argv[2:]
sep = args.index("--")
files, cmd = args[:sep], args[sep + 1:]
fd = libc.inotify_init1(os.O_NONBLOCK)
for f in files:
    if libc.inotify_add_watch(fd, f.encode(), 0x20 | 0x1) < 0:  # OPEN|ACCESS
        sys.exit("cannot watch " + f)
with open(out, "w") as o:
    try:
        rc = subprocess.call(cmd, stdout=o, stderr=subprocess.STDOUT, timeout=20)
    except subprocess.TimeoutExpired:
        rc = "hung"
time.sleep(0.3)
n = 0
try:
    while True:
        b = os.read(fd, 65536)
        n += len(b) // 16  # no names: watches on files
except BlockingIOError:
    pass
print(rc, n)
EOF
}

# refused NAME PATTERN TARGET CMD...: CMD fails, says PATTERN, and
# TARGET was never opened.
refused() {
	local name=$1 pat=$2 target=$3 r
	shift 3
	r=$(opens "$target" -- "$@")
	if [ "${r%% *}" != 0 ] && [ "${r%% *}" != hung ] && [ "${r#* }" = 0 ] &&
		grep -q -- "$pat" "$T/out"; then
		ok "$name"
	else
		not_ok "$name: rc and opens of $target: $r: $(head -c 300 "$T/out")"
	fi
	destroy_prefix "$P-x"
	destroy_prefix "$P-secret"
}

# cfg FILE NAME LINES...: the test guest's config with LINES; a kernel or
# ramdisk line replaces the guest's.
cfg() {
	local file=$1 name=$2 l
	shift 2
	mkcfg "$file" "$name" ""
	for l in "$@"; do
		case $l in kernel\ =* | ramdisk\ =*) sed -i "/^${l%% *} = /d" "$file" ;; esac
		echo "$l" >> "$file"
	done
}

# try KIND-NAME TARGET PATTERN LINES...: create a VM whose config has
# LINES (kernel and ramdisk are the guest's unless LINES set them).
try_cfg() {
	local name=$1 target=$2 pat=$3
	shift 3
	cfg "$T/x.cfg" "$P-x" "$@"
	refused "$name" "$pat" "$target" "$BULKHEAD" create "$T/x.cfg"
}

SYM="symlink (not followed)"
try_cfg "disk rw: symlink as last component refused" "$R/secret.img" "$SYM" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/link.img' ]"
try_cfg "disk ro: symlink as last component refused" "$R/secret.img" "$SYM" \
	"disk = [ 'vdev=xvda, access=ro, target=$U/link.img' ]"
try_cfg "disk isolated: symlink as last component refused" "$R/secret.img" "$SYM" \
	"disk = [ 'vdev=xvda, access=rw, backendtype=isolated, target=$U/link.img' ]"
try_cfg "disk rw: symlink as a middle component refused" "$R/secret.img" "d is a symlink" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/d/secret.img' ]"
try_cfg "disk rw: hard link to root's file in the user's dir refused" "$R/secret.img" "owner does not own" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/hard.img' ]"
try_cfg "disk rw: another user's image in the user's dir refused" "$U/other.img" "owner does not own" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/other.img' ]"
try_cfg "disk rw: /proc/self/root magic link refused" "$R/secret.img" "proc is on proc" \
	"disk = [ 'vdev=xvda, access=rw, target=/proc/self/root$R/secret.img' ]"
try_cfg "disk rw: FIFO refused" "$U/fifo" "not a regular file" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/fifo' ]"
try_cfg "cdrom at create: symlink as last component refused" "$R/A.iso" "$SYM" \
	"disk = [ 'vdev=hdc, devtype=cdrom, target=$U/link.iso' ]"
try_cfg "cdrom at create: symlink as a middle component refused" "$R/A.iso" "d is a symlink" \
	"disk = [ 'vdev=hdc, devtype=cdrom, target=$U/d/A.iso' ]"
try_cfg "kernel: symlink refused" "$R/vmlinuz" "$SYM" "kernel = \"$U/link-kernel\""
try_cfg "kernel: symlink as a middle component refused" "$R/vmlinuz" "d is a symlink" "kernel = \"$U/d/vmlinuz\""
try_cfg "ramdisk: symlink refused" "$R/initrd" "$SYM" "ramdisk = \"$U/link-initrd\""
# try_user NAME TARGET PATTERN LINES...: try_cfg with a config the user owns.
try_user() {
	local name=$1 target=$2 pat=$3
	shift 3
	cfg "$T/x.cfg" "$P-x" "${U_BOOT[@]}" "$@"
	chown "$EU:$EU" "$T/x.cfg"
	refused "$name" "$pat" "$target" "$BULKHEAD" create "$T/x.cfg"
	rm -f "$T/x.cfg"
}
NOT="the config's owner, may not"
try_user "user's config: /etc/shadow as a disk refused" /etc/shadow "$NOT read it" \
	"disk = [ 'vdev=xvda, access=ro, target=/etc/shadow' ]"
try_user "user's config: root's 0600 image as a disk refused" "$S/secret.img" "$NOT read it" \
	"disk = [ 'vdev=xvda, access=ro, target=$S/secret.img' ]"
try_user "user's config: root's image below root's 0700 dir refused" "$R/secret.img" \
	"$NOT search directory root" "disk = [ 'vdev=xvda, access=ro, target=$R/secret.img' ]"
try_user "user's config: root's 0644 image read-write refused" "$S/shared.img" \
	"$NOT read and write it" "disk = [ 'vdev=xvda, access=rw, target=$S/shared.img' ]"
try_user "user's config: root's 0600 kernel refused" "$S/vmlinuz" "$NOT read it" \
	"kernel = \"$S/vmlinuz\""
# A file the kernel makes up, in the user's own /proc/PID: root writing
# a user namespace's uid_map maps it onto host root.
as_user sleep 60 &
UPID=$!
try_user "user's config: its own process's /proc/PID/uid_map as a disk refused" \
	"/proc/$UPID/uid_map" "a filesystem the kernel makes up" \
	"disk = [ 'vdev=xvda, access=rw, target=/proc/$UPID/uid_map' ]"
kill "$UPID" 2>/dev/null
wait "$UPID" 2>/dev/null
# Keys that choose how root acts, not which files: root's alone.
try_user "user's config: dm_restrict = 0 refused" "$U/evil-qemu" \
	"dm_restrict: not in a config owned by uid $EU" "dm_restrict = 0" \
	"device_model_override = \"$U/evil-qemu\""
try_user "user's config: device_model_override refused, the binary never opened" "$U/evil-qemu" \
	"device_model_override: not in a config owned by uid $EU" "device_model_override = \"$U/evil-qemu\""
# Root's config that others may write is theirs to fill: refused.
cfg "$T/x.cfg" "$P-x" "disk = [ 'vdev=xvda, access=ro, target=/etc/shadow' ]"
chmod 666 "$T/x.cfg"
refused "config: root's, writable by others, refused" "writable by group or others" \
	/etc/shadow "$BULKHEAD" create "$T/x.cfg"
rm -f "$T/x.cfg"
refused "config: symlink to root's config refused" "$SYM" "$R/secret.cfg" "$BULKHEAD" create "$U/link.cfg"
refused "config: symlink as a middle component refused" "d is a symlink" "$R/secret.cfg" "$BULKHEAD" create "$U/d/secret.cfg"
refused "config: a FIFO is refused at once, no hang" "not a regular file" "$U/fifo" "$BULKHEAD" create "$U/fifo"

# The legitimate cases: a VM from the user's own config, with the user's
# own kernel and image (user-owned, in the user's directory), a
# medium-less drive, and root's 0644 image, read-only, in root's
# directory.
N=$P-ok
cfg "$U/ok.cfg" "$N" "${U_BOOT[@]}" \
	"disk = [ 'vdev=xvda, access=rw, target=$U/own.img', 'vdev=xvdb, access=ro, target=$S/shared.img', 'vdev=hdc, devtype=cdrom, target=' ]"
chown "$EU:$EU" "$U/ok.cfg"
expect "legit: the user's config, kernel and image in the user's dir, root's 0644 image read-only" 0 "" \
	"$BULKHEAD" create "$U/ok.cfg"
refused "cd-insert: symlink as last component refused" "$SYM" "$R/A.iso" "$BULKHEAD" cd-insert "$N" hdc "$U/link.iso"
refused "cd-insert: symlink as a middle component refused" "d is a symlink" "$R/A.iso" "$BULKHEAD" cd-insert "$N" hdc "$U/d/A.iso"
refused "cd-insert: root's 0600 medium into the user's VM refused" "$NOT read it" "$S/A.iso" \
	"$BULKHEAD" cd-insert "$N" hdc "$S/A.iso"
expect "legit: cd-insert of the user's own medium" 0 "medium inserted" "$BULKHEAD" cd-insert "$N" hdc "$U/own.iso"
refused "save -c: through a symlinked directory refused" "d is a symlink" "$R" "$BULKHEAD" save -c "$N" "$U/d/evil.save"
check "save -c: no file made in root's directory" test ! -e "$R/evil.save"
refused "save -c: into the user's directory refused" "not root's" "$R" "$BULKHEAD" save -c "$N" "$U/mine.save"
expect "legit: save into root's directory" 0 "saved and destroyed" "$BULKHEAD" save "$N" "$R/vm.save"
as_user ln -s "$R/vm.save" "$U/link.save" || fail_setup "save symlink"
refused "restore: symlink to root's save file refused" "$SYM" "$R/vm.save" "$BULKHEAD" restore "$U/ok.cfg" "$U/link.save"
refused "restore: symlink as a middle component refused" "d is a symlink" "$R/vm.save" "$BULKHEAD" restore "$U/ok.cfg" "$U/d/vm.save"
refused "restore: the user's config with root's save file refused" "$NOT search directory root" \
	"$R/vm.save" "$BULKHEAD" restore "$U/ok.cfg" "$R/vm.save"
# Root's config, the same VM but for root's 0600 image: root's files.
sed "s|$S/shared.img|$S/secret.img|" "$U/ok.cfg" > "$R/ok.cfg" || fail_setup "root's ok.cfg"
expect "legit: root's config restores root's save file, with root's 0600 image" 0 "" \
	"$BULKHEAD" restore "$R/ok.cfg" "$R/vm.save"
check "legit: the restored VM runs" test "$(vm_field "$N" state)" = running
expect "legit: cd-insert of root's 0600 medium into root's VM" 0 "medium inserted" \
	"$BULKHEAD" cd-insert "$N" hdc "$S/A.iso"
exit "$FAILED"
