"""The docs tell the truth: every command, option, menu path and metric name they name exists.

Tolerant of docs being added in parallel: it reads whatever ``docs/*.md`` (and README.md)
hold today. A doc may name something that does not exist yet only inside a line containing
"(planned)".
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from ireti_till import cli
from ireti_till.domain.alerts import RUNBOOK_ANCHORS
from ireti_till.domain.metrics import Counter
from ireti_till.ui.ops.menu_paths import MENU_PATHS

ROOT = Path(__file__).resolve().parents[2]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
COMMAND = re.compile(r"ireti-till((?:[ \t]+(?:[a-z][a-z-]*|--?[a-z][a-z-]*))*)")
MENU = re.compile(r"(?:\*\*|\"|“)([A-Z][A-Za-z]+ > [^*\"”\n]+?)(?:\*\*|\"|”)")
METRIC = re.compile(r"`((?:payment|refund|reader|queue|events|stripe|outbox)\.[a-z_.]+)`")
TRUE_FALSE = ("to be confirmed", "Admin > Readers", "Admin > Stripe",
              "point the till's Stripe base address at it")


def _lines() -> list[tuple[str, int, str]]:
    out = []
    for doc in DOCS:
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            if "(planned)" not in line:
                out.append((doc.name, n, line))
    return out


def _help(words: tuple[str, ...], sub: tuple[str, ...] = ()) -> str:
    """The command's --help; ``sub``: its own sub-command (``server cert``), if any."""
    module = cli.COMMANDS[words][0] if hasattr(cli, "COMMANDS") else None
    assert module, words
    import importlib

    main = importlib.import_module(module).main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()), \
            contextlib.suppress(SystemExit):
        main([*sub, "--help"])
    return buf.getvalue()


def _commands() -> dict[tuple[str, ...], str]:
    table = getattr(cli, "COMMANDS", None)
    assert isinstance(table, dict), "cli.COMMANDS: the command table the docs are checked against"
    return {k: v[0] for k, v in table.items()}


def test_every_command_and_option_named_in_the_docs_exists() -> None:
    commands = _commands()
    helps: dict[tuple[str, ...], str] = {}
    problems = []
    for doc, n, line in _lines():
        for m in COMMAND.finditer(line):
            words = m.group(1).split()
            if not words or words[0].startswith("-"):
                continue  # the till itself: ireti-till [--data-dir] [--training]
            key = next((k for k in sorted(commands, key=len, reverse=True)
                        if tuple(words[:len(k)]) == k), None)
            if key is None:
                problems.append(f"{doc}:{n}: no command `ireti-till {' '.join(words[:2])}`")
                continue
            sub = tuple(words[len(key):len(key) + 1])  # server *cert* --out
            sub = () if not sub or sub[0].startswith("-") else sub
            text = helps.setdefault(key + sub, _help(key, sub))
            for opt in (w for w in words[len(key):] if w.startswith("--")):
                if opt not in text:
                    problems.append(f"{doc}:{n}: `ireti-till {' '.join(key)}` has no {opt}")
    assert not problems, "\n".join(problems)


def test_every_menu_path_named_in_the_docs_exists() -> None:
    problems = [f"{doc}:{n}: {m.group(1)!r} is not a menu path (ireti_till/ui/ops/menu_paths.py)"
                for doc, n, line in _lines() for m in MENU.finditer(line)
                if m.group(1).strip() not in MENU_PATHS]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "module"), sorted(MENU_PATHS.items()))
def test_each_registered_menu_path_is_built_by_its_module(path: str, module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    menu, item = path.split(" > ", 1)
    titles = {t.replace("&", "") for t in re.findall(r'"(&?[A-Z&][A-Za-z&]*)"', source)}
    assert menu in titles or menu == "Till", (menu, module)  # "S&hift": Alt+H
    assert f'"{item}"' in source, f"{module} does not build {item!r}"


def _recorded_metric_names() -> set[str]:
    names = {c.value for c in Counter}
    gateway = (ROOT / "ireti_till" / "adapters" / "stripe_gateway.py").read_text("utf-8")
    names |= {f"stripe.{op}" for op in re.findall(r'_call\("([a-z_]+)"', gateway)}
    names |= {"outbox.result"}
    return names


def _metric_lines() -> list[str]:
    """The Payment metrics section of operations.md, and any other line about metrics."""
    ops = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = ops.split("## Payment metrics", 1)[1].split("\n## ", 1)[0].splitlines()
    return section + [line for _d, _n, line in _lines() if "metric" in line.lower()]


def test_documented_metric_names_are_the_recorded_ones() -> None:
    recorded = _recorded_metric_names()
    documented = {m.group(1) for line in _metric_lines() for m in METRIC.finditer(line)}
    assert documented <= recorded, f"documented, never recorded: {sorted(documented - recorded)}"
    counters = {c.value for c in Counter}
    assert counters <= documented, f"recorded, not documented: {sorted(counters - documented)}"


def test_known_false_statements_are_gone() -> None:
    found = [f"{doc}:{n}: {bad!r}" for doc, n, line in _lines() for bad in TRUE_FALSE
             if bad in line]
    assert not found, "\n".join(found)


def test_every_alert_links_to_a_runbook_procedure() -> None:
    runbook = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', runbook))
    missing = {k: a for k, a in RUNBOOK_ANCHORS.items() if a not in anchors}
    assert not missing, missing


def test_the_runbook_has_25_procedures_with_trigger_steps_and_verification() -> None:
    text = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    procedures = re.split(r"\n### ", text)[1:]
    assert len(procedures) >= 25, len(procedures)
    for proc in procedures:
        title = proc.splitlines()[0]
        for part in ("**Trigger:**", "**Steps:**", "**Verify:**"):
            assert part in proc, f"{title}: no {part}"
