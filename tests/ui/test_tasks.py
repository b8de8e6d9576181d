"""ui/tasks: work runs on the pool, results and errors come back on the GUI thread, nothing
of a screen is freed on a pool thread, and a deleted screen gets no callback."""

from __future__ import annotations

import logging
import threading
from typing import Any, ClassVar

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ireti_till.domain.errors import InputError, TillError
from ireti_till.ui.tasks import Task, TaskRunner

MAIN = threading.main_thread()


@pytest.fixture
def tasks(qtbot: QtBot) -> Any:
    runner = TaskRunner(workers=2)
    yield runner
    runner.shutdown()
    qtbot.waitUntil(lambda: not runner._closures)  # results still queued are delivered


def test_the_task_runs_off_the_gui_thread_and_the_result_comes_back_on_it(
        qtbot: QtBot, tasks: TaskRunner) -> None:
    seen: list[tuple[str, Any, bool]] = []
    tasks.run(lambda: threading.current_thread() is MAIN,
              lambda on_main: seen.append(("done", on_main, threading.current_thread() is MAIN)))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [("done", False, True)]


def test_errors_come_back_as_till_errors(qtbot: QtBot, tasks: TaskRunner,
                                         caplog: pytest.LogCaptureFixture) -> None:
    errors: list[TillError] = []

    def refused() -> None:
        raise InputError("No such file", code="IT-182")

    def broken() -> None:
        raise ZeroDivisionError("boom")

    with caplog.at_level(logging.ERROR, logger="ireti_till.ui"):
        tasks.run(refused, lambda _r: None, errors.append, what="the import")
        tasks.run(broken, lambda _r: None, errors.append, what="the health checks")
        qtbot.waitUntil(lambda: len(errors) == 2)
    by_code = {e.code: e for e in errors}
    assert str(by_code["IT-182"]) == "No such file (IT-182)"
    assert "The health checks failed unexpectedly (ZeroDivisionError)" in str(by_code["IT-190"])
    assert "the health checks failed" in caplog.text and "ZeroDivisionError: boom" in caplog.text
    assert "No such file" not in caplog.text  # a TillError is the screen's to show, not a bug


def test_a_deleted_screen_gets_no_callback(qtbot: QtBot, tasks: TaskRunner) -> None:
    screen = QWidget()
    release = threading.Event()
    called: list[str] = []
    first = tasks.run(lambda: release.wait(10), lambda _r: called.append("done"), owner=screen)
    assert first is not None
    shiboken6.delete(screen)  # the screen was closed while its task ran
    release.set()
    qtbot.waitUntil(lambda: first.done() and not tasks._closures)  # delivered, or dropped
    assert called == []


class _Tracked(QObject):
    """A Python-owned QObject that records the thread its wrapper is freed on."""

    freed_on: ClassVar[list[bool]] = []

    def __del__(self) -> None:
        _Tracked.freed_on.append(threading.current_thread() is MAIN)


def test_what_a_task_holds_is_freed_on_the_gui_thread(qtbot: QtBot, tasks: TaskRunner) -> None:
    _Tracked.freed_on = []
    done: list[int] = []
    for n in range(40):
        held_by_task, held_by_callback = _Tracked(), _Tracked()
        tasks.run(lambda obj=held_by_task, n=n: (obj, n)[1],
                  lambda result, obj=held_by_callback: done.append(result))
        del held_by_task, held_by_callback
    qtbot.waitUntil(lambda: len(done) == 40 and len(_Tracked.freed_on) == 80)
    assert all(_Tracked.freed_on)


def test_progress_reported_from_the_pool_runs_on_the_gui_thread(
        qtbot: QtBot, tasks: TaskRunner) -> None:
    steps: list[tuple[int, bool]] = []
    report = tasks.on_gui(lambda n: steps.append((n, threading.current_thread() is MAIN)))
    tasks.run(lambda: [report(n) for n in range(3)], lambda _r: None)
    qtbot.waitUntil(lambda: len(steps) == 3)
    assert steps == [(0, True), (1, True), (2, True)]


def test_a_pin_check_is_refused_while_one_runs_and_a_refresh_is_coalesced(
        qtbot: QtBot, tasks: TaskRunner) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    results: list[str] = []
    gate = threading.Event()
    pin: Task[str] = Task(parent, results.append, lambda e: results.append(str(e)),
                          what="the PIN check", when_busy="refuse", tasks=tasks)
    assert pin.start(lambda: gate.wait(10) and "first")
    assert not pin.start(lambda: "second")  # refused: nothing runs
    gate.set()
    qtbot.waitUntil(lambda: results == ["first"] and not pin.running)

    gate.clear()
    refresh: Task[str] = Task(parent, results.append, lambda e: results.append(str(e)),
                              what="the refresh", tasks=tasks)
    refresh.start(lambda: gate.wait(10) and "a")
    refresh.start(lambda: "b")
    refresh.start(lambda: "c")  # only the newest of those asked for meanwhile runs
    gate.set()
    qtbot.waitUntil(lambda: results[-1] == "c" and not refresh.running)
    assert results == ["first", "a", "c"]


def test_after_shutdown_nothing_starts(qtbot: QtBot) -> None:
    runner = TaskRunner(workers=1)
    runner.shutdown()
    assert runner.run(lambda: 1, lambda _r: None) is None
