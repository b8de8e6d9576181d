#!/usr/bin/env bash
# One entry point for people and CI:
#   bash .ci/dev.sh till [ARGS...]   start the till (training mode unless a Stripe key is set)
#   bash .ci/dev.sh test [ARGS...]   run the whole test suite headless
# Each sets itself up on a fresh machine: system libraries for Qt, a virtualenv in .venv,
# and the project with its test extras (re-installed when pyproject.toml changes).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "Ireti Till needs Python 3.11 or newer; found $("$PY" --version 2>&1)" >&2; exit 1; }

bash .ci/system-deps.sh

if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.ireti-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,packaging]"
  echo "$want" > "$stamp"
fi

cmd=${1:-till}; shift || true
case "$cmd" in
  till) exec .venv/bin/ireti-till "$@" ;;
  test) export QT_QPA_PLATFORM=offscreen; exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash .ci/dev.sh till|test [ARGS...]" >&2; exit 2 ;;
esac
