#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs and that are missing.
#
# usage: deps.sh [PACKAGE...]   (default: the full list below)
set -euo pipefail
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(linux-source-6.1 qemu-system-x86 qemu-system-arm
	      gcc libc6-dev make flex bison bc libelf-dev libssl-dev python3 cpio xz-utils
	      rsync busybox-static ccache git gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	      gcc-i686-linux-gnu libc6-dev-i386-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	      gcc-powerpc64-linux-gnu
	      liburing-dev libnuma-dev libcap-dev sparse libibverbs-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages (${missing[*]}) and not root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null ||
	{ echo "deps: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
