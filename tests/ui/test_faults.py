"""Storage faults under the sale screen: a clear message, nothing lost, trading goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from ireti_till.ui.main_window import MainWindow, ScreenContext
from tests.fakes import (
    FakeCatalogRepository,
    FakeUnitOfWorkFactory,
    make_sale_service,
    make_settings,
)
from tests.ui.conftest import Keyboard, gtin, show, wait_closed, wait_dialog


@pytest.fixture
def till(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, FakeUnitOfWorkFactory]:
    service, factory, _clock = make_sale_service()
    ctx = ScreenContext(store=make_settings(), training=True, cashier="Ada",
                        receipts_dir=tmp_path / "receipts")
    return show(qtbot, MainWindow(service, ctx)), factory


def test_failed_commit_keeps_the_basket_and_the_retry_records_one_sale(
        qtbot: QtBot, till: tuple[MainWindow, FakeUnitOfWorkFactory], keyboard: Keyboard) -> None:
    window, factory = till
    keyboard.scan(gtin(1))
    keyboard.scan(gtin(2))
    factory.ledger.fail_next_commits = 1
    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)  # exact cash: the disk "fails"
    assert cash.isVisible() and "IT-20" in cash.error.text()
    assert factory.ledger.sales == {}
    assert window.controller.service.view().total == Money(369, "EUR")
    with qtbot.waitSignal(window.controller.sale_completed):
        keyboard.press(Qt.Key.Key_Return)  # try again: it works
    assert len(factory.ledger.sales) == 1
    wait_dialog(qtbot, "receipt_dialog")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, window)


def test_catalog_read_error_is_reported_and_basket_kept(
        qtbot: QtBot, till: tuple[MainWindow, FakeUnitOfWorkFactory], keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, _factory = till
    keyboard.scan(gtin(1))

    def broken(self: object, code: str) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(FakeCatalogRepository, "by_gtin", broken)
    with qtbot.waitSignal(window.messages.alerted):
        keyboard.scan(gtin(2))
    assert "IT-200" in window.messages.text()
    assert [ln.name for ln in window.table.basket_model.lines()] == ["Bread, white loaf"]
    assert window.scan.field.hasFocus()
    monkeypatch.undo()
    keyboard.scan(gtin(2))  # the disk is back: trading goes on
    assert len(window.table.basket_model.lines()) == 2


def test_search_error_shows_in_the_dialog(
        qtbot: QtBot, till: tuple[MainWindow, FakeUnitOfWorkFactory], keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, _factory = till

    def broken(self: object, text: str, limit: int = 50) -> list[object]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(FakeCatalogRepository, "search", broken)
    keyboard.press(Qt.Key.Key_F2)
    dialog = wait_dialog(qtbot, "product_search_dialog")
    keyboard.type("milk")
    dialog.refresh()
    assert "IT-200" in dialog.error.text() and dialog.results.count() == 0
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, window)
