#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack Debian's linux-source-6.1 into build/src/upstream (read only from
# then on) and make the working trees build/src/ours and build/src/base
# from it.  Re-running is cheap; a new Debian upload, or a tree left half
# unpacked, is unpacked again.
#
# usage: unpack.sh BUILDDIR
set -euo pipefail
build=$1
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "unpack: $tarball missing (package linux-source-6.1)" >&2; exit 1; }
debver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
src=$build/src
stamp=$src/upstream/.gup-unpacked

if [ "$(cat "$stamp" 2>/dev/null)" != "$debver" ]; then
	echo "unpack: linux-source-6.1 $debver into $src/upstream"
	rm -rf "$src/upstream" "$src/upstream.tmp" "$src/ours" "$src/base"
	mkdir -p "$src/upstream.tmp"
	tar -xJf "$tarball" -C "$src/upstream.tmp" --strip-components=1
	mv "$src/upstream.tmp" "$src/upstream"
	echo "$debver" > "$stamp"
fi
v=$(make -s -C "$src/upstream" kernelversion 2>/dev/null)
case $v in
6.1.*) ;;
*) echo "unpack: linux-source-6.1 holds Linux '$v', the series is for 6.1.y" >&2; exit 1 ;;
esac
for t in ours base; do
	if [ "$(cat "$src/$t/.gup-unpacked" 2>/dev/null)" != "$debver" ]; then
		rm -rf "$src/$t"
		cp -a "$src/upstream" "$src/$t"
	fi
done
echo "upstream: Linux $v (Debian linux-source-6.1 $debver)"
