"""Every error code the till can show is explained in the docs (DESIGN §8: messages carry a
code that the troubleshooting guide explains), and no code means two unrelated things."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"IT-\d{3}")
RAISED = re.compile(r"""code\s*=\s*["'](IT-\d{3})["']|\((IT-\d{3})\)""")


def _raised() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "ireti_till").rglob("*.py"):
        for m in RAISED.finditer(path.read_text(encoding="utf-8")):
            code = m.group(1) or m.group(2)
            found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def _documented() -> set[str]:
    docs = list((ROOT / "docs").glob("*.md")) + list((ROOT / "docs" / "errors").glob("*.md"))
    return {c for d in docs for c in CODE.findall(d.read_text(encoding="utf-8"))}


def test_the_scan_finds_the_codes() -> None:
    raised = _raised()
    assert len(raised) > 100 and "IT-121" in raised and "IT-373" in raised


def test_every_raised_code_is_documented() -> None:
    missing = {c: sorted(p) for c, p in _raised().items() if c not in _documented()}
    assert not missing, f"codes shown to people but explained nowhere in docs/: {missing}"
