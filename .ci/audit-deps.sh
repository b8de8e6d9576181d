#!/usr/bin/env bash
# Audit the installed Python dependencies for known vulnerabilities (pip-audit).
#
#   .ci/audit-deps.sh [PYTHON]        PYTHON defaults to .venv/bin/python
#
# Fails (exit 1) on a vulnerability that has a fixed version: pip-audit does not report a
# severity, so every fixable one is treated as high (conservative). Known, accepted findings
# can be listed in IRETI_AUDIT_IGNORE (space-separated ids, e.g. "GHSA-xxxx PYSEC-2024-1").
# Offline-tolerant: when the vulnerability service cannot be reached it says so and exits 0.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${1:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
if ! "$PYTHON" -m pip_audit --version >/dev/null 2>&1; then
    echo "audit-deps: pip-audit is not installed in $PYTHON (pip install 'pip-audit>=2.7,<3')" >&2
    exit 2
fi
OUT="$(mktemp)"; ERR="$(mktemp)"
trap 'rm -f "$OUT" "$ERR"' EXIT
"$PYTHON" -m pip_audit --local --skip-editable --progress-spinner off --format json \
    --timeout "${IRETI_AUDIT_TIMEOUT:-20}" >"$OUT" 2>"$ERR"
rc=$?
if [ $rc -ne 0 ] && ! [ -s "$OUT" ]; then
    if grep -qiE "connection|resolve|timed? ?out|unreachable|max retries|network|SSL|proxy" "$ERR"; then
        echo "audit-deps: the vulnerability service could not be reached; audit skipped (not a failure)."
        sed -n '1,3p' "$ERR" | sed 's/^/audit-deps:   /'
        exit 0
    fi
    echo "audit-deps: pip-audit failed (exit $rc):" >&2
    cat "$ERR" >&2
    exit 2
fi
IRETI_AUDIT_IGNORE="${IRETI_AUDIT_IGNORE:-}" "$PYTHON" - "$OUT" <<'PY'
import json
import os
import sys

ignored = set(os.environ.get("IRETI_AUDIT_IGNORE", "").split())
data = json.load(open(sys.argv[1], encoding="utf-8"))
deps = data.get("dependencies", data) if isinstance(data, dict) else data
failing, other = [], []
for dep in deps:
    for vuln in dep.get("vulns", []):
        ids = {vuln.get("id", "")} | set(vuln.get("aliases", []))
        line = f"{dep['name']} {dep.get('version', '?')}: {vuln.get('id')}"
        fixes = vuln.get("fix_versions") or []
        if ids & ignored:
            other.append(line + " (ignored by IRETI_AUDIT_IGNORE)")
        elif fixes:
            failing.append(line + f" -> fixed in {', '.join(fixes)}")
        else:
            other.append(line + " (no fixed version yet)")
print(f"audit-deps: {len(deps)} packages audited")
for line in other:
    print(f"audit-deps: note   {line}")
for line in failing:
    print(f"audit-deps: FIX    {line}")
if failing:
    print(f"audit-deps: {len(failing)} fixable vulnerabilities: upgrade, or list the id in "
          "IRETI_AUDIT_IGNORE with a reason in the change record")
    sys.exit(1)
print("audit-deps: no fixable vulnerabilities")
PY
