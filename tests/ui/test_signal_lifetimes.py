"""The rare SIGSEGV of the full suite, and the rule that keeps it away.

Root cause (found with gdb: ``PySide::SignalManager::callPythonMetaMethod`` calling a bound
method whose ``self`` was freed): PySide6 holds the ``self`` of a bound method of a plain
Python object (not a ``QObject``) *without* keeping it alive. When such a slot gets a queued
call (a signal emitted on another thread) and the object dies before the GUI thread delivers
it, Qt calls the method on freed memory. ``bootstrap/late.start_soon`` connected the import
thread's signal to ``till.start_background`` (``Till`` is a dataclass): a test that ran
``app.main()`` and quit before ``LATE_START_MS`` left the single-shot timer pending; a later
test's event processing fired it, the ``Till`` was freed as the timer let go of it, and the
queued call then ran on it ("'Till' object has no attribute 'starters'", or SIGSEGV).

The rule: a signal that may be emitted off the GUI thread is connected to a QObject's method,
a lambda, or a function (PySide keeps those alive), never to a bound method of a plain object.
``ui/tasks.TaskRunner`` delivers every background result that way.
"""

from __future__ import annotations

import ast
import gc
import importlib
from pathlib import Path

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

PACKAGE = Path(__file__).resolve().parents[2] / "ireti_till"
#: receivers reached through a local name that are widgets (QObjects)
KNOWN_QOBJECT_RECEIVERS = {("ireti_till.ui.sale_controller", "parts.table.move_selection"),
                           ("ireti_till.ui.printing.status_relay", "bar.set_note")}  # QStatusBar


class PlainTill:
    """Stands for ``app.Till``: a plain object, not a QObject."""

    def __init__(self, window: QObject, calls: list[str]) -> None:
        self.window = window
        self.calls = calls
        self.starters = ["ops"]

    def start_background(self) -> None:
        self.calls.append(self.starters[0])


def test_start_soon_keeps_the_till_alive_until_the_queued_call(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    from ireti_till import app

    window = QWidget()
    qtbot.addWidget(window)
    calls: list[str] = []
    app.start_soon(PlainTill(window, calls))  # type: ignore[arg-type]  # the only reference is given away
    gc.collect()
    qtbot.waitUntil(lambda: calls == ["ops"], timeout=10_000)


def _plain_bound_method_receivers() -> list[str]:
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls_name, call in _connect_calls(tree):
            target = call.args[0]
            if not isinstance(target, ast.Attribute):
                continue  # a lambda or a function: kept alive by PySide
            text = ast.unparse(target)
            root = target
            while isinstance(root.value, ast.Attribute):
                root = root.value
            base = root.value
            if isinstance(base, ast.Name) and base.id == "self":
                if text.count(".") == 1 and not _is_qobject(module, cls_name):
                    found.append(f"{module}: {cls_name}.connect({text})")
            elif (module, text) not in KNOWN_QOBJECT_RECEIVERS:
                found.append(f"{module}: connect({text})")
    return found


def _connect_calls(tree: ast.AST) -> list[tuple[str | None, ast.Call]]:
    calls: list[tuple[str | None, ast.Call]] = []

    def visit(node: ast.AST, cls: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                    and child.func.attr == "connect" and child.args
                    and not _is_sqlish(child.func.value)):
                calls.append((cls, child))
            visit(child, cls)

    visit(tree, None)
    return calls


def _is_sqlish(node: ast.expr) -> bool:
    text = ast.unparse(node)
    return text in {"sqlite3"} or text.endswith("engine")


def _is_qobject(module: str, cls_name: str | None) -> bool:
    if cls_name is None:
        return False
    cls = getattr(importlib.import_module(module), cls_name, None)
    return isinstance(cls, type) and issubclass(cls, QObject)


def test_no_signal_is_connected_to_a_bound_method_of_a_plain_object() -> None:
    assert _plain_bound_method_receivers() == []
