"""Fixtures for the sale-screen tests: a window on fakes, and one on the real ledger.

Keys are sent to whatever widget has the keyboard focus, like a real keyboard or scanner,
so a test fails if focus is not where a cashier expects it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ireti_till.ui.main_window import MainWindow, ScreenContext
from tests.fakes import demo_products, make_sale_service, make_settings


class Keyboard:
    """Types into the focused widget, as a scanner or a cashier would."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def type(self, text: str) -> None:
        QTest.keyClicks(self.focus(), text)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
              ) -> None:
        QTest.keyClick(self.focus(), key, modifier)

    def scan(self, code: str) -> None:
        self.type(code)
        self.press(Qt.Key.Key_Return)


def wait_dialog(qtbot: QtBot, name: str) -> Any:
    """Wait until dialog ``name`` is the active modal window and holds the keyboard focus."""

    def ready() -> bool:
        active = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        return (active is not None and active.objectName() == name and focus is not None
                and (focus is active or active.isAncestorOf(focus)))

    qtbot.waitUntil(ready)
    return QApplication.activeModalWidget()


def wait_closed(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until no dialog is open and the scan field has the focus again."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None
                    and window.scan.field.hasFocus())


def gtin(n: int) -> str:
    """The barcode of demo product ``n`` (tests/fakes.py)."""
    product = demo_products()[n - 1]
    assert product.gtin is not None
    return product.gtin


def show(qtbot: QtBot, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.scan.field.hasFocus())
    return window


@pytest.fixture
def keyboard(qtbot: QtBot) -> Keyboard:
    return Keyboard(qtbot)


@pytest.fixture
def fake_window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    service, _factory, _clock = make_sale_service()
    ctx = ScreenContext(store=make_settings(), training=True, cashier="Ada",
                        receipts_dir=tmp_path / "receipts")
    return show(qtbot, MainWindow(service, ctx))

def open_till(qtbot: QtBot, data_dir: Path, *, products: bool = True,
              background: bool = False, **build: Any) -> Iterator[Any]:
    """The real till (training) on ``data_dir``: demo products, window shown; with
    ``background`` the late wiring (ops, payments) starts too. Closed afterwards."""
    from ireti_till.app import build_till

    till = build_till(data_dir, force_training=True, seed_demo=False, **build)
    if products:
        with till.ledger.uow_factory() as uow:
            uow.catalog.upsert_many(demo_products(till.config.store.currency))
            uow.commit()
    qtbot.addWidget(till.window)
    till.window.show()
    qtbot.waitExposed(till.window)
    till.window.activateWindow()
    if background:
        till.start_background()
    yield till
    till.window.close()
    till.close()


@pytest.fixture
def real_till(qtbot: QtBot, data_dir: Path) -> Iterator[object]:
    yield from open_till(qtbot, data_dir, cashier="Ada")


def cash_sale(qtbot: QtBot, till: Any, keyboard: Keyboard, *codes: str) -> str:
    """Scan ``codes``, pay cash (F4, Enter) and close the receipt: the sale's receipt code."""
    for code in codes:
        keyboard.scan(code)
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)
    receipt = wait_dialog(qtbot, "receipt_dialog")
    code = str(receipt.sale.receipt_code)
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    return code


def open_refund(qtbot: QtBot, keyboard: Keyboard, code: str) -> Any:
    """F8, the receipt ``code`` typed and Enter: the refund dialog, its lines shown."""
    keyboard.press(Qt.Key.Key_F8)
    dialog = wait_dialog(qtbot, "refund_dialog")
    keyboard.type(code)
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.lines.hasFocus())
    return dialog
