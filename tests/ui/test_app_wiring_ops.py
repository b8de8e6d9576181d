"""Ops wiring in the real composition: the instance lock, the ops menu by role, the
metrics/backup jobs on their BackgroundScheduler. No sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.services.staff_ports import AuditFilter
from ireti_till.ui import error_screen
from ireti_till.ui.error_screen import ErrorWindow, StartupProblem
from tests.ui.conftest import open_till
from tests.ui.test_app_wiring import ADMIN_PIN, CASHIER_PIN, SUPERVISOR_PIN, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, products=False, background=True)


def test_a_second_till_on_the_same_data_dir_is_refused(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ireti_till import app as app_module

    shown: list[StartupProblem] = []

    class Recording(ErrorWindow):
        def __init__(self, problem: StartupProblem) -> None:
            super().__init__(problem)
            shown.append(problem)

    monkeypatch.setattr(error_screen, "ErrorWindow", Recording)
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    first = InstanceLock(data_dir)
    assert first.acquire()
    try:
        assert app_module.main(["--data-dir", str(data_dir)]) == 2
    finally:
        first.release()
    assert [p.code for p in shown] == ["IT-504"]
    assert "already running" in shown[0].title
    assert not (data_dir / "ledger.sqlite3").exists()  # nothing was opened


def test_the_till_holds_the_lock_while_it_runs(data_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ireti_till import app as app_module

    seen: list[bool] = []
    real_run = app_module._run

    def spy(*args: Any) -> int:
        probe = InstanceLock(data_dir)
        seen.append(probe.acquire())
        return real_run(*args)

    monkeypatch.setattr(app_module, "_run", spy)
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    assert app_module.main(["--data-dir", str(data_dir)]) == 0
    assert seen == [False]  # held during the run
    probe = InstanceLock(data_dir)
    assert probe.acquire()  # and released at the end
    probe.release()


def test_metrics_menu_for_supervisors_and_admins_not_cashiers(qtbot: QtBot, till: Any) -> None:
    window, ops = till.window, till.ops.get()
    view_menu = window.findChild(QMenu, "menu_view")
    help_menu = window.findChild(QMenu, "menu_help")
    names = {a.objectName() for a in help_menu.actions()}
    assert {"action_health", "action_support_bundle"} <= names
    assert not ops.menu.metrics_action.isVisible()
    sign_in(qtbot, till, CASHIER_PIN)
    assert not ops.menu.metrics_action.isVisible()
    assert not view_menu.menuAction().isVisible()
    till.staff.lock()
    sign_in(qtbot, till, SUPERVISOR_PIN, "Bola")
    assert ops.menu.metrics_action.isVisible() and view_menu.menuAction().isVisible()
    ops.menu.metrics_action.trigger()
    assert ops.menu.metrics_panel is not None and ops.menu.metrics_panel.isVisible()
    ops.menu.metrics_panel.close()
    till.staff.lock()
    sign_in(qtbot, till, ADMIN_PIN, "Chidi")
    assert ops.menu.metrics_action.isVisible()


def test_ops_jobs_flush_metrics_and_back_up(qtbot: QtBot, till: Any) -> None:
    ops = till.ops.get()
    assert ops.jobs.scheduler.running
    ops.recorder.count("payment.attempts")
    ops.jobs.request_flush()
    qtbot.waitUntil(lambda: any(True for _ in ops.store.counters("m", 0, 2**40)),
                    timeout=10_000)
    ops.jobs.request_backup()
    audit = till.staff.services.audit.get()
    qtbot.waitUntil(lambda: audit.search(AuditFilter(kind="backup")) != [], timeout=20_000)
    assert list((till.data_dir / "backups").glob("ireti-till-*.sqlite3"))
    ops.recorder.count("payment.attempts")
    till.window.close()
    till.close()
    assert not ops.jobs.scheduler.running
    assert ops.recorder.pending() == 0  # flushed at shutdown
