#!/bin/sh
# make install / make uninstall: put bulkhead where a Debian admin looks
# for it, or take exactly that away again. One file list (manifest) serves
# both directions, so uninstall removes what install wrote and nothing
# else. Variables (as make passes them): DESTDIR, PREFIX, SBINDIR,
# LIBEXECDIR, MANDIR, BASHCOMPDIR, UNITDIR, SYSCONFDIR, BUILD.
#
# The binaries go together into LIBEXECDIR/bulkhead: the CLI finds its
# probe and backends next to /proc/self/exe, which resolves the
# SBINDIR/bulkhead link to there.
set -eu
mode=${1:?usage: install.sh install|uninstall|list}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
LIBEXECDIR=${LIBEXECDIR:-$PREFIX/libexec}
MANDIR=${MANDIR:-$PREFIX/share/man}
BASHCOMPDIR=${BASHCOMPDIR:-$PREFIX/share/bash-completion/completions}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
# bulkhead reads /etc/bulkhead whatever the prefix (policy.cfg, auto/).
SYSCONFDIR=${SYSCONFDIR:-/etc}
BUILD=${BUILD:-build}
PKGDIR=$LIBEXECDIR/bulkhead

# mode source destination: one line per installed file.
manifest() {
	for b in bulkhead bulkhead-probe bulkhead-blk bulkhead-rng bulkhead-net; do
		echo "0755 $BUILD/$b $PKGDIR/$b"
	done
	echo "0755 dist/bulkhead-guests $PKGDIR/bulkhead-guests"
	for m in docs/man/*.1; do
		echo "0644 $m $MANDIR/man1/${m##*/}"
	done
	for m in docs/man/*.5; do
		echo "0644 $m $MANDIR/man5/${m##*/}"
	done
	for m in docs/man/*.8; do
		echo "0644 $m $MANDIR/man8/${m##*/}"
	done
	echo "0644 dist/bash-completion $BASHCOMPDIR/bulkhead"
	for u in dist/*.service; do
		echo "0644 $u $UNITDIR/${u##*/}"
	done
	echo "0644 dist/example.cfg $SYSCONFDIR/bulkhead/example.cfg"
	echo "0644 dist/bulkhead-guests.default $SYSCONFDIR/default/bulkhead-guests"
}

# Files an admin edits: never overwritten, removed only if unchanged.
is_conffile() {
	case "$1" in "$SYSCONFDIR"/*) return 0 ;; esac
	return 1
}

# The units and the guests script name the installed paths.
subst() {
	sed -e "s|@SBINDIR@|$SBINDIR|g" -e "s|@PKGDIR@|$PKGDIR|g" \
		-e "s|@SYSCONFDIR@|$SYSCONFDIR|g" "$1"
}

do_install() {
	manifest | while read -r perm src dst; do
		[ -e "$src" ] || {
			echo "install: $src is missing (run make all first)" >&2
			exit 1
		}
		if is_conffile "$dst" && [ -e "$DESTDIR$dst" ]; then
			echo "install: keeping $DESTDIR$dst (edited by the admin?)"
			continue
		fi
		mkdir -p "$DESTDIR${dst%/*}"
		case "$src" in
		dist/*) subst "$src" >"$DESTDIR$dst.new" ;;
		*) cp "$src" "$DESTDIR$dst.new" ;;
		esac
		chmod "$perm" "$DESTDIR$dst.new"
		mv -f "$DESTDIR$dst.new" "$DESTDIR$dst"
	done
	mkdir -p "$DESTDIR$SBINDIR" "$DESTDIR$SYSCONFDIR/bulkhead/auto"
	ln -sfn "$(relpath "$SBINDIR" "$PKGDIR/bulkhead")" "$DESTDIR$SBINDIR/bulkhead"
}

# PKGDIR/bulkhead as seen from SBINDIR, so the link works under DESTDIR
# and after the tree is moved.
relpath() {
	python3 -c 'import os,sys; print(os.path.relpath(sys.argv[2], sys.argv[1]))' "$1" "$2"
}

do_uninstall() {
	manifest | while read -r perm src dst; do
		f=$DESTDIR$dst
		[ -e "$f" ] || continue
		if is_conffile "$dst" && ! subst "$src" | cmp -s - "$f"; then
			echo "uninstall: keeping $f (changed since install)"
			continue
		fi
		rm -f "$f"
	done
	[ -L "$DESTDIR$SBINDIR/bulkhead" ] && rm -f "$DESTDIR$SBINDIR/bulkhead"
	# Only directories that are ours and now empty.
	for d in "$PKGDIR" "$SYSCONFDIR/bulkhead/auto" "$SYSCONFDIR/bulkhead"; do
		rmdir "$DESTDIR$d" 2>/dev/null || true
	done
}

case "$mode" in
install) do_install ;;
uninstall) do_uninstall ;;
list) manifest | awk '{ print $3 }'; echo "$SBINDIR/bulkhead" ;;
*) echo "usage: install.sh install|uninstall|list" >&2; exit 2 ;;
esac
