#!/usr/bin/env bash
# System tools the Linux packaging needs (build, sign, verify, and the Authenticode dry run).
# CI calls this before the packaging tests. Debian 12 / Ubuntu 22.04+ package names.
#   dpkg-dev     dpkg-deb, dpkg-architecture (building and installing the .deb)
#   fakeroot     not needed with dpkg-deb --root-owner-group; kept for maintainers' tooling
#   gnupg        gpg/gpgv: SHA256SUMS.asc and per-artifact .sig
#   minisign     the alternative signature (.minisig)
#   osslsigncode Authenticode signing/verification of Windows PE files on Linux (tests)
#   openssl      throwaway code-signing certificate for that dry run
#   binutils     objdump: glibc floor for the .deb Depends, ELF checks in tests
#   xz-utils     .deb compression
set -euo pipefail
PACKAGES=(dpkg-dev fakeroot gnupg minisign osslsigncode openssl binutils xz-utils)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-build-deps.sh: all present (${PACKAGES[*]})"
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
