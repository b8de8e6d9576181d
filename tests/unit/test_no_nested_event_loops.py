"""No nested event loops in the till (issue 11): dialogs open with ``open()`` and report
through signals or callbacks.

A nested loop (``dialog.exec()``, ``QEventLoop``, the static helpers such as
``QMessageBox.information`` or ``QFileDialog.getSaveFileName``) delivers timers, worker
signals and reader updates *inside* the call that opened it, re-entering code that is half
way through. This test reads every module of ``ireti_till/`` (AST, not text) and fails on
any of them. The one loop allowed is the application's own, ``QApplication.exec()``, in
``app.py``, ``commands/selftest.py`` and ``ui/error_wiring.py`` (the start-up error screen,
run by ``app.main`` instead of the till's loop when the till cannot start).
"""

from __future__ import annotations

import ast
from pathlib import Path

import ireti_till

ROOT = Path(ireti_till.__file__).parent

#: the application's own loop, and nowhere else
APP_LOOP_FILES = frozenset({"app.py", "commands/selftest.py", "ui/error_wiring.py"})
APP_RECEIVERS = frozenset({"app", "qapp", "application", "QApplication", "QCoreApplication",
                           "QGuiApplication"})

#: class -> static helpers that run a modal dialog in a nested loop
STATIC_HELPERS: dict[str, frozenset[str]] = {
    "QMessageBox": frozenset({"information", "warning", "critical", "question", "about",
                              "aboutQt"}),
    "QFileDialog": frozenset({"getSaveFileName", "getOpenFileName", "getOpenFileNames",
                              "getExistingDirectory", "getSaveFileUrl", "getOpenFileUrl",
                              "getOpenFileUrls", "getExistingDirectoryUrl",
                              "getOpenFileContent"}),
    "QInputDialog": frozenset({"getText", "getInt", "getDouble", "getItem",
                               "getMultiLineText"}),
    "QColorDialog": frozenset({"getColor"}),
    "QFontDialog": frozenset({"getFont"}),
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def nested_loops(source: str, relative: str) -> list[str]:
    """Each nested event loop in ``source`` as ``"path:line: what"``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{relative}:{node.lineno}"
        if isinstance(func, ast.Attribute) and func.attr in ("exec", "exec_"):
            receiver = _name(func.value)
            if relative in APP_LOOP_FILES and receiver in APP_RECEIVERS:
                continue
            found.append(f"{where}: {receiver or '?'}.{func.attr}()")
        elif _name(func) == "QEventLoop":
            found.append(f"{where}: QEventLoop()")
        elif isinstance(func, ast.Attribute) and func.attr in STATIC_HELPERS.get(
                _name(func.value), frozenset()):
            found.append(f"{where}: {_name(func.value)}.{func.attr}()")
    return found


def test_no_module_of_the_till_runs_a_nested_event_loop() -> None:
    found: list[str] = []
    modules = sorted(ROOT.rglob("*.py"))
    assert len(modules) > 100  # the scan really reads the package
    for path in modules:
        relative = path.relative_to(ROOT).as_posix()
        found += nested_loops(path.read_text(encoding="utf-8"), relative)
    assert found == [], "use open() and signals/callbacks (ui/dialogs/asks.py):\n" + \
        "\n".join(found)


def test_the_scan_catches_each_kind_of_nested_loop() -> None:
    source = """
dialog.exec()
self.menu.exec_(pos)
OverrideDialog(a, b).exec()
loop = QEventLoop()
loop2 = QtCore.QEventLoop(self)
QMessageBox.information(w, "t", "x")
QtWidgets.QFileDialog.getSaveFileName(w)
QInputDialog.getText(w, "t", "l")
app.exec()
"""
    found = nested_loops(source, "ui/somewhere.py")
    assert [f.split(": ", 1)[1] for f in found] == [
        "dialog.exec()", "menu.exec_()", "OverrideDialog.exec()", "QEventLoop()",
        "QEventLoop()", "QMessageBox.information()", "QFileDialog.getSaveFileName()",
        "QInputDialog.getText()", "app.exec()"]
    assert [f.split(":")[1] for f in found] == [str(n) for n in range(2, 11)]


def test_only_the_application_loop_is_allowed_and_only_where_it_starts() -> None:
    source = "app.exec()\nQApplication.exec()\ndialog.exec()\n" \
             "QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)\n"
    assert nested_loops(source, "app.py") == ["app.py:3: dialog.exec()"]
    assert nested_loops(source, "commands/selftest.py") == [
        "commands/selftest.py:3: dialog.exec()"]
    assert len(nested_loops(source, "ui/main_window.py")) == 3
