"""The fast start through the real composition root (app.main / build_till).

A first start takes the full path (no database yet); the next start shows the sign-in
screen on the stdlib reads before the ledger is opened, a cashier signs in (the PIN waits
for the staff services), rings a cash sale that is committed, and the audit trail has its
``start`` entry. A subprocess checks that SQLAlchemy, Stripe, ESC/POS and the parts built
after the first screen (trading day, operations, payments) are not imported when it takes
input.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import ireti_till.app as app_module
from ireti_till.adapters.config_file import load_config
from ireti_till.composition.ledger import LedgerOpener, prepare_ledger
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.money import Money
from ireti_till.services.staff_ports import AuditFilter
from tests.ui.conftest import Keyboard

REPO = Path(__file__).resolve().parents[2]
CASHIER_PIN = "4829"
DEMO_GTIN = "2000000010007"  # BAK-00001 in resources/catalog/demo_catalog.csv


@pytest.fixture
def started_once(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                 caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Path:
    """main() once on an empty data folder (full path: migrate, demo catalog and staff)."""
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    with caplog.at_level(logging.INFO, logger="ireti_till.adapters.db.preflight"):
        assert app_module.main(["--data-dir", str(data_dir), "--training"]) == 0
    assert "fast start not possible (no database yet)" in caplog.text
    assert "IRETI_READY" in capsys.readouterr().out
    monkeypatch.delenv("IRETI_BENCH_EXIT_ON_READY")
    caplog.clear()
    return data_dir


def test_the_second_start_is_fast(started_once: Path, monkeypatch: pytest.MonkeyPatch,
                                  caplog: pytest.LogCaptureFixture,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    with caplog.at_level(logging.INFO, logger="ireti_till.adapters.db.preflight"):
        assert app_module.main(["--data-dir", str(started_once), "--training"]) == 0
    assert "fast start not possible" not in caplog.text
    assert "IRETI_READY" in capsys.readouterr().out


def _build_fast(qtbot: QtBot, data_dir: Path) -> Any:
    config = load_config(data_dir)
    opener = LedgerOpener(data_dir, prepare_ledger(config, True), fast=True,
                          need_catalog=True)
    opener.begin()
    till = app_module.build_till(data_dir, force_training=True, config=config,
                                 opener=opener)
    assert opener.reads is not None
    assert opener.ident is None  # the screen is built and the ledger is not even opening
    qtbot.addWidget(till.window)
    till.window.show()
    qtbot.waitExposed(till.window)
    till.window.activateWindow()
    return till


@pytest.fixture
def fast_till(qtbot: QtBot, started_once: Path) -> Iterator[Any]:
    till = _build_fast(qtbot, started_once)
    yield till
    till.window.close()
    till.close()


def test_sign_in_screen_before_the_ledger_then_a_committed_sale(
        qtbot: QtBot, fast_till: Any) -> None:
    keyboard = Keyboard(qtbot)
    screen = fast_till.staff.sign_in
    qtbot.waitUntil(lambda: fast_till.window.stack.currentWidget() is screen
                    and screen.pad.field.hasFocus())
    assert "4829" in screen.demo.text() and screen.users.count() == 5  # Anyone + 4 demo
    keyboard.type(CASHIER_PIN)  # typed before the ledger opens: the check waits for it
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fast_till.staff.current is not None
                    and fast_till.window.scan.field.hasFocus(), timeout=20_000)
    assert fast_till.staff.current.name == "Ada (training)"
    keyboard.scan(DEMO_GTIN)
    service = fast_till.window.controller.service
    assert len(service.view().lines) == 1
    sale = service.pay_cash(Money(100_000, fast_till.config.store.currency))
    with fast_till.ledger.read_uow() as uow:
        assert uow.sales.get(sale.sale_id) is not None
    starts = fast_till.staff.services.audit.get().search(AuditFilter(kind="start"))
    assert len(starts) == 2  # the first start and this one


def test_a_sale_before_the_late_start_waits_for_the_trading_day(
        qtbot: QtBot, fast_till: Any) -> None:
    """The trading day is built after the first screen (the late start); a sign-in and a
    cash sale before that build it on the spot: the training shift opens, the sale is
    checked against it and its receipt job is queued, nothing fails for want of it."""
    from PySide6.QtWidgets import QMenu

    from ireti_till.services.checkout import Outcome

    keyboard = Keyboard(qtbot)
    screen = fast_till.staff.sign_in
    qtbot.waitUntil(lambda: screen.pad.field.hasFocus())
    assert not fast_till.trading_day.done and fast_till.lifecycle.starters  # not built yet
    keyboard.type(CASHIER_PIN)
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fast_till.staff.current is not None
                    and fast_till.window.scan.field.hasFocus(), timeout=20_000)
    keyboard.scan(DEMO_GTIN)
    state = fast_till.window.controller.checkout.pay_cash(
        Money(100_000, fast_till.config.store.currency))
    assert state.outcome is Outcome.PAID and state.completed is not None
    day = fast_till.trading_day.get()  # built by the sign-in's training shift
    assert day.shifts.current() is not None
    assert any(job.kind == "receipt" and job.ref == state.completed.receipt_code
               for job in day.queue.jobs())
    assert fast_till.window.findChild(QMenu, "menu_shift") is None  # the menus come later
    fast_till.start_background()
    assert fast_till.window.findChild(QMenu, "menu_shift") is not None


#: what a fast start must not have imported when the first screen takes input: the ORM,
#: Stripe, the ESC/POS library, and the parts built after it (the trading day's services
#: and menus, operations, card payments)
NOT_BEFORE_THE_FIRST_SCREEN = (
    "sqlalchemy", "stripe", "escpos", "ireti_till.adapters.db.ledger",
    "ireti_till.adapters.trading_day_wiring", "ireti_till.services.shifts",
    "ireti_till.services.printing", "ireti_till.ui.shift.menu", "ireti_till.ui.shift.wiring",
    "ireti_till.composition.operations", "ireti_till.composition.payments",
    "ireti_till.adapters.payments_wiring", "ireti_till.adapters.ops_wiring",
    "ireti_till.ui.ops", "ireti_till.ui.card_tender", "ireti_till.services.payments_core",
)


def test_nothing_heavy_is_imported_until_the_first_screen_takes_input(
        started_once: Path) -> None:
    # The moment the first screen holds the focus (``tricks.when_focused`` then calls
    # ``window_shown``, which starts the ledger and the rest): list the modules loaded.
    driver = (
        "import sys\n"
        "from ireti_till.adapters.db import opener\n"
        "shown = opener.LedgerOpener.window_shown\n"
        "def noted(self):\n"
        "    print('LOADED_AT_READY', ' '.join(sorted(sys.modules)), flush=True)\n"
        "    shown(self)\n"
        "opener.LedgerOpener.window_shown = noted\n"
        "import ireti_till.app as app\n"
        "sys.exit(app.main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IRETI_BENCH_EXIT_ON_READY": "1"}
    env.pop("IRETI_DATA_DIR", None)
    out = subprocess.run([sys.executable, "-c", driver, "--data-dir", str(started_once),
                          "--training"], capture_output=True, text=True, env=env, cwd=REPO,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    [line] = [ln for ln in out.stdout.splitlines() if ln.startswith("LOADED_AT_READY ")]
    loaded = set(line.split()[1:])
    assert "ireti_till.ui.main_window" in loaded  # the listing is of a real first screen
    assert "ireti_till.ui.staff.sign_in" in loaded
    early = sorted(m for m in loaded
                   if any(m == bad or m.startswith(bad + ".") for bad in
                          NOT_BEFORE_THE_FIRST_SCREEN))
    assert early == []


def test_a_late_failure_opens_the_blocking_error_screen(
        qtbot: QtBot, started_once: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QApplication

    import ireti_till.adapters.staff_wiring as staff_prep
    from ireti_till.ui.error_screen import ErrorWindow

    def broken(*_args: object, **_kwargs: object) -> None:
        raise LedgerError("The disk failed", code="IT-203")

    monkeypatch.setattr(staff_prep, "prepare_staff", broken)
    till = _build_fast(qtbot, started_once)
    till.opener.window_shown()  # as main() does once the screen has the focus

    def error_windows() -> list[ErrorWindow]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ErrorWindow) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(error_windows()), timeout=20_000)
    [screen] = error_windows()
    qtbot.addWidget(screen)
    assert screen.screen_widget.problem.code == "IT-203"
    assert not till.window.isVisible()  # nobody trades on this till
    with pytest.raises(LedgerError):
        till.staff.services.staff.sign_in("4829")
    till.window.close()
    till.opener.discard()
