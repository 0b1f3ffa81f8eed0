#!/bin/sh
# Static analysis: cppcheck and clang-tidy over src/. Quiet means clean;
# every suppression is listed here with its reason.
set -eu
cd "$(dirname "$0")/.."
# cppcheck:
#  missingIncludeSystem - system headers are not cppcheck's to read.
#  unusedFunction       - the library serves the CLI and the tests; the
#                          linker, not cppcheck, sees both.
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--std=c11 -D_GNU_SOURCE --inline-suppr \
	--suppress=missingIncludeSystem --suppress=unusedFunction \
	src
# clang-tidy: bug-finding checks only (style is clang-format's job).
#  bugprone-easily-swappable-parameters, -reserved-identifier,
#  -assignment-in-if-condition, -narrowing-conversions,
#  -implicit-widening-of-multiplication-result - style opinions that fire
#      on idiomatic C (and on system macros); -Wconversion-level checks
#      are left to the compiler warnings in the Makefile.
#  clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling -
#      flags every memcpy/snprintf, i.e. C11 Annex K advice glibc lacks.
#  clang-analyzer-valist.Uninitialized - clang 14 reports a va_list passed
#      to a helper after va_start (log.c, util.c, cfgfile.c) as
#      uninitialized; the helpers are only reached after va_start.
CHECKS='-*,bugprone-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-bugprone-assignment-in-if-condition,-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result,-clang-analyzer-valist.Uninitialized'
out=$(clang-tidy --quiet -checks="$CHECKS" --warnings-as-errors='*' \
	$(find src -name '*.c' | sort) -- -std=c11 -D_GNU_SOURCE 2>&1) || {
	echo "$out" | grep -E 'warning|error' | head -40
	exit 1
}
# clang-format: the style in .clang-format; a file it would change fails.
unformatted=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' |
	while read -r f; do clang-format "$f" | cmp -s - "$f" || echo "$f"; done)
if [ -n "$unformatted" ]; then
	echo "clang-format would change:" $unformatted "(run clang-format -i on them)"
	exit 1
fi
echo "lint: cppcheck, clang-tidy and clang-format clean"
