#!/usr/bin/env bash
# System tools the Linux packaging needs (build, sign, verify, and the Authenticode dry run),
# listed with the reason for each in build-deps.txt beside this script (which
# .ci/system-deps.sh also reads). Debian 12 / Ubuntu 22.04+ package names.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t PACKAGES < <(grep -vE '^\s*(#|$)' "$HERE/build-deps.txt")
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
