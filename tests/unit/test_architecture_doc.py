"""docs/architecture.md names nothing that does not exist: every module path it mentions is
a file, and every ``name()`` / ``Name.method()`` / dotted ``module.name`` it mentions in
backticks is defined in the source (a ``def``, a ``class``, or an assignment)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
TICKS = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^[\w./]+\.py$")
CALL = re.compile(r"^[A-Za-z_][\w.]*\(")  # compose(...), Till.start_background()
#: words in backticks that are Stripe's, SQL's or the standard library's, not ours
FOREIGN = {"GET", "metadata", "search", "process_payment_intent", "set_reader_display",
           "cancel_action", "shutdown", "open", "exec", "get", "resolve", "fail", "peek",
           "then", "kick", "stop", "decide", "last_seen_at"}


@cache
def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "ireti_till").rglob("*.py"))


def _defined(name: str) -> bool:
    pattern = rf"^\s*(def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*[:=]"
    return re.search(pattern, _source(), re.MULTILINE) is not None


def _tokens() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    found = TICKS.findall(text)
    for block in re.findall(r"```\n(.*?)```", text, re.DOTALL):  # the phase and flow charts
        found += re.findall(r"\b[A-Za-z_][\w.]*\(", block)
    return found


def test_every_module_path_exists() -> None:
    missing = []
    for token in _tokens():
        if PATH.match(token):
            candidates = [ROOT / token, ROOT / "ireti_till" / token]
            if "/" not in token:  # a bare file name: anywhere in the code, tests, benchmarks
                candidates += [p for top in ("ireti_till", "tests", "benchmarks")
                               for p in (ROOT / top).rglob(token)]
            if not any(c.exists() for c in candidates):
                missing.append(token)
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_function_and_class_named_exists() -> None:
    missing = []
    for token in _tokens():
        if not CALL.match(token):
            continue
        name = token.split("(", 1)[0].rsplit(".", 1)[-1]
        if name not in FOREIGN and not _defined(name):
            missing.append(token)
    assert not missing, f"docs/architecture.md names functions that do not exist: {missing}"


def test_the_start_up_and_checkout_sections_are_there() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("compose", "attach_operations", "wire_staff", "wire_payments",
                 "CheckoutService", "ApprovalRequired", "Deferred"):
        assert f"{name}" in text and _defined(name), name
