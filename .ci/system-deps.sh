#!/usr/bin/env bash
# Installs the system libraries Qt needs to run offscreen (and under Xvfb), a font, and the
# tools the packaging tests use. Safe to run again: it only installs what is missing.
# Needs root (or sudo) and Debian/Ubuntu's apt; elsewhere it says what to install and goes on.
set -euo pipefail

PKGS=(
  # Qt 6 offscreen / xcb (DESIGN §13)
  libglib2.0-0 libegl1 libgl1 libx11-6 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1
  # python venv on bare Debian
  python3-venv
  # the back-office tests: a real PostgreSQL server (started by the tests as a throwaway
  # cluster) and headless Chromium with its driver for the back-office page
  postgresql chromium chromium-driver
)
if [[ "${IRETI_WITH_PACKAGING:-1}" == "1" && -f packaging/linux/build-deps.txt ]]; then
  mapfile -t extra < <(grep -vE '^\s*(#|$)' packaging/linux/build-deps.txt)
  PKGS+=("${extra[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; make sure these are installed: ${PKGS[*]}" >&2
  exit 0
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: please install (as root): apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# python3-venv may be unavailable where Python comes from elsewhere (pyenv): do not fail on it.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
  rest=()
  for p in "${missing[@]}"; do [[ $p == python3-venv ]] || rest+=("$p"); done
  $SUDO apt-get install -y -q --no-install-recommends "${rest[@]}" >/dev/null
}
