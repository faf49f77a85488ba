#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one kernel out of tree.
#
# usage: [KBUILD_TARGETS="mm/gup.o ..."] [KBUILD_MAKEVARS="V=x ..."]
#        kbuild.sh TREE OUT ARCH FRAGMENT...
#
# KBUILD_TARGETS builds those targets instead of the boot image, each one
# tried even when another fails (make -k).  KBUILD_MAKEVARS, one
# assignment a line, go to every make (the coverage kernel's gcov flags).
# The .config is alldefconfig plus the fragments, regenerated every time
# (kbuild rebuilds only objects whose options changed).  Every line of the
# fragments must hold in the result, or the build stops naming the option:
# a dependency that silently turned an option off would make tests lie.
# Builds are serialised on build/.kbuild.lock (or $KBUILD_LOCK): the
# machine has two cores.
set -euo pipefail
tree=$1 out=$2 arch=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
lock=${KBUILD_LOCK:-$(dirname "$here")/../build/.kbuild.lock}

case $arch in
x86_64) karch=x86_64 image=bzImage cross= ;;
arm64) karch=arm64 image=Image cross=aarch64-linux-gnu- ;;
i386) karch=i386 image=bzImage cross= ;;
arm) karch=arm image=zImage cross=arm-linux-gnueabihf- ;;
powerpc) karch=powerpc image=vmlinux cross=powerpc64-linux-gnu- ;;
s390) karch=s390 image=bzImage cross=s390x-linux-gnu- ;;
mips) karch=mips image=vmlinux cross=mips64el-linux-gnuabi64- ;;
riscv) karch=riscv image=Image cross=riscv64-linux-gnu- ;;
*) echo "kbuild: unknown arch '$arch' (x86_64, arm64, i386, arm, powerpc, s390, mips or riscv)" >&2; exit 1 ;;
esac

mkdir -p "$out"
cat "$@" > "$out/fragment.config"
# Paths under the checkout are hashed relative to it, so another clone of
# the repository shares the compiler cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$here/../.." && pwd)}
mk() {
	flock "$lock" make -s -C "$tree" O="$(cd "$out" && pwd)" ARCH=$karch \
		CROSS_COMPILE=$cross CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
		-j"$(nproc)" "${makevars[@]}" "$@"
}
makevars=()
[ -z "${KBUILD_MAKEVARS:-}" ] ||
	mapfile -t makevars < <(grep -v "^$" <<<"$KBUILD_MAKEVARS")

mk KCONFIG_ALLCONFIG="$(cd "$out" && pwd)/fragment.config" alldefconfig >/dev/null
"$here/kconfig-check" "$out/fragment.config" "$out/.config"
if [ -n "${KBUILD_TARGETS:-}" ]; then
	mk -k $KBUILD_TARGETS
	exit
fi
mk $image
# The last line names the boot image; harness.sh boots what it names.
if [ "$image" = vmlinux ]; then
	echo "kbuild: $out/vmlinux"
else
	echo "kbuild: $out/arch/$karch/boot/$image"
fi
