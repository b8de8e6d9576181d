"""Refused input on the sale screen: a visible message with its code, a beep, and a basket
that is exactly as it was."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from ireti_till.ui.main_window import MainWindow
from tests.ui.conftest import Keyboard, gtin, wait_closed, wait_dialog


def _basket(window: MainWindow) -> tuple[object, ...]:
    return window.table.basket_model.lines()


def _refused_scan(qtbot: QtBot, window: MainWindow, keyboard: Keyboard, raw: str) -> str:
    keyboard.scan(gtin(1))
    before = _basket(window)
    due = window.totals.due.text()
    with qtbot.waitSignal(window.messages.alerted) as beep:
        keyboard.scan(raw)
    assert _basket(window) == before
    assert window.totals.due.text() == due
    assert window.scan.field.hasFocus()
    assert window.scan.field.text() == ""  # ready for the next scan
    assert window.messages.text() == beep.args[0]
    return window.messages.text()


def test_unknown_barcode(qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    text = _refused_scan(qtbot, fake_window, keyboard, "4006381333931")
    assert "IT-110" in text and "not in the catalog" in text


def test_bad_check_digit(qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    good = gtin(2)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    text = _refused_scan(qtbot, fake_window, keyboard, bad)
    assert "IT-121" in text


def test_scanner_garbage_200_chars(qtbot: QtBot, fake_window: MainWindow,
                                   keyboard: Keyboard) -> None:
    garbage = ("%B4242424242424242^DOE/J^2512" * 8)[:200]
    text = _refused_scan(qtbot, fake_window, keyboard, garbage)
    assert "(IT-1" in text
    assert "4242424242424242" not in text  # a card swipe is never echoed


def test_long_digit_string_is_refused_without_echo(qtbot: QtBot, fake_window: MainWindow,
                                                   keyboard: Keyboard) -> None:
    text = _refused_scan(qtbot, fake_window, keyboard, "4" * 200)
    assert "IT-1" in text and "4444444444" not in text


def test_control_characters_are_stripped_from_a_scan(fake_window: MainWindow,
                                                     keyboard: Keyboard) -> None:
    # Scanners may send a prefix/suffix or GS separators; the field passes them on raw.
    fake_window.scan.field.setText(f"\x02{gtin(3)}\x1d\x03")
    keyboard.press(Qt.Key.Key_Return)
    assert [ln.name for ln in _basket(fake_window)] == ["Coffee beans 500 g"]


def test_quantity_prefix_out_of_range(qtbot: QtBot, fake_window: MainWindow,
                                      keyboard: Keyboard) -> None:
    keyboard.scan(gtin(1))
    with qtbot.waitSignal(fake_window.messages.alerted):
        keyboard.type("0*")
    assert "IT-131" in fake_window.messages.text()
    assert fake_window.scan.pending_quantity is None
    # A scanner that sends prefix and code in one burst: refused as a whole.
    fake_window.scan.field.setText(f"1000000*{gtin(2)}")
    with qtbot.waitSignal(fake_window.messages.alerted):
        keyboard.press(Qt.Key.Key_Return)
    assert "IT-131" in fake_window.messages.text()
    assert len(_basket(fake_window)) == 1
    fake_window.scan.field.setText(f"-2*{gtin(2)}")
    with qtbot.waitSignal(fake_window.messages.alerted):
        keyboard.press(Qt.Key.Key_Return)
    assert len(_basket(fake_window)) == 1


def test_pending_quantity_cleared_by_esc(fake_window: MainWindow, keyboard: Keyboard) -> None:
    keyboard.type("3*")
    assert fake_window.scan.quantity_chip.isVisible()
    keyboard.press(Qt.Key.Key_Escape)
    assert fake_window.scan.pending_quantity is None
    keyboard.scan(gtin(4))
    assert _basket(fake_window)[-1].quantity == 1  # type: ignore[attr-defined]


def test_cash_below_due_is_refused(qtbot: QtBot, fake_window: MainWindow,
                                   keyboard: Keyboard) -> None:
    keyboard.scan(gtin(3))  # 8.99
    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.type("5")
    assert cash.change.text() == f"Still to pay: {Money(399, 'EUR').format()}"
    keyboard.press(Qt.Key.Key_Return)
    assert cash.isVisible() and cash.error.isVisible()
    assert "IT-150" in cash.error.text()
    assert fake_window.controller.service.view().total == Money(899, "EUR")
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, fake_window)
    assert len(_basket(fake_window)) == 1


def test_cash_amount_with_comma_and_exponent(qtbot: QtBot, fake_window: MainWindow,
                                             keyboard: Keyboard) -> None:
    keyboard.scan(gtin(2))  # 1.19
    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.type("1e3")
    assert cash.change.text() == "Change: –"
    keyboard.press(Qt.Key.Key_Return)
    assert "IT-103" in cash.error.text() and cash.isVisible()
    assert cash.amount.selectedText() == "1e3"  # typing again replaces it
    keyboard.type("1,5")
    assert cash.change.text() == f"Change due: {Money(31, 'EUR').format()}"
    with qtbot.waitSignal(fake_window.controller.sale_completed) as paid:
        keyboard.press(Qt.Key.Key_Return)
    assert paid.args[0].tenders[0].tendered == Money(150, "EUR")
    assert paid.args[0].change == Money(31, "EUR")


def test_empty_basket_cash_and_void_explain(qtbot: QtBot, fake_window: MainWindow,
                                            keyboard: Keyboard) -> None:
    with qtbot.waitSignal(fake_window.pad.unavailable):
        keyboard.press(Qt.Key.Key_F4)
    assert "Scan an item first" in fake_window.messages.text()
    assert fake_window.controller.dialog is None
    assert fake_window.scan.field.hasFocus()


def test_very_long_message_is_shortened_on_screen_only(fake_window: MainWindow) -> None:
    from ireti_till.domain.errors import InputError

    long = InputError("x" * 400, code="IT-180")
    fake_window.messages.error(long)
    shown = fake_window.messages.findChild(type(fake_window.status.cashier), "message_text")
    assert len(shown.text()) <= 180 and shown.text().endswith("…")
    assert fake_window.messages.text() == str(long)
    assert shown.toolTip() == str(long)
