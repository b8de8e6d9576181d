"""Find, quantity, discount, price override, cancel: keyboard only, focus always comes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from ireti_till.ui.main_window import MainWindow
from tests.ui.conftest import Keyboard, gtin, wait_closed, wait_dialog


def _lines(window: MainWindow) -> list[tuple[str, int]]:
    return [(ln.name, ln.quantity) for ln in window.table.basket_model.lines()]


def test_find_product_by_name_with_arrow_keys(qtbot: QtBot, fake_window: MainWindow,
                                              keyboard: Keyboard) -> None:
    keyboard.press(Qt.Key.Key_F2)
    dialog = wait_dialog(qtbot, "product_search_dialog")
    keyboard.type("o")  # Bread, white loaf / Coffee / Chocolate / ...
    qtbot.waitUntil(lambda: dialog.results.count() > 2)
    keyboard.type("ra")  # "ora": Orange juice only
    qtbot.waitUntil(lambda: dialog.results.count() == 1)
    assert "Orange juice 1 l" in dialog.results.item(0).text()
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == [("Orange juice 1 l", 1)]


def test_find_by_sku_uses_pending_quantity_and_down_key(qtbot: QtBot, fake_window: MainWindow,
                                                         keyboard: Keyboard) -> None:
    keyboard.type("4*")
    keyboard.press(Qt.Key.Key_F2)
    dialog = wait_dialog(qtbot, "product_search_dialog")
    keyboard.type("SKU-000")
    qtbot.waitUntil(lambda: dialog.results.count() >= 9)
    keyboard.press(Qt.Key.Key_Down)
    keyboard.press(Qt.Key.Key_Down)
    chosen = dialog.results.currentItem().data(Qt.ItemDataRole.UserRole)
    assert dialog.results.currentRow() == 2
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == [(chosen.name, 4)]


def test_find_with_nothing_typed_keeps_dialog_open(qtbot: QtBot, fake_window: MainWindow,
                                                   keyboard: Keyboard) -> None:
    keyboard.press(Qt.Key.Key_F2)
    dialog = wait_dialog(qtbot, "product_search_dialog")
    keyboard.press(Qt.Key.Key_Return)
    assert dialog.isVisible() and "IT-110" in dialog.error.text()
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == []


def test_quantity_edit_refuses_bad_values(qtbot: QtBot, fake_window: MainWindow,
                                          keyboard: Keyboard) -> None:
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F6)
    dialog = wait_dialog(qtbot, "quantity_dialog")
    for bad, code in (("0", "IT-131"), ("-1", "IT-130"), ("1e6", "IT-130"), ("1000000", "IT-131")):
        keyboard.type(bad)  # the field's text is selected after each refusal
        keyboard.press(Qt.Key.Key_Return)
        assert dialog.isVisible() and code in dialog.error.text(), bad
        assert _lines(fake_window) == [("Bread, white loaf", 1)]
    keyboard.type("3")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == [("Bread, white loaf", 3)]
    assert fake_window.totals.due.text() == Money(750, "EUR").format()


def test_double_click_edits_that_line_and_focus_stays_on_scan(
        qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    keyboard.scan(gtin(1))
    keyboard.scan(gtin(2))
    table = fake_window.table
    first = table.visualRect(table.basket_model.index(0, 1)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    assert fake_window.scan.field.hasFocus()  # a click selects, the caret stays
    assert table.selected_line() == 1
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    dialog = wait_dialog(qtbot, "quantity_dialog")
    assert dialog.field.text() == "1"
    keyboard.type("2")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == [("Bread, white loaf", 2), ("Milk 1 l", 1)]


def test_up_down_in_scan_field_select_line_for_void(qtbot: QtBot, fake_window: MainWindow,
                                                     keyboard: Keyboard) -> None:
    for n in (1, 2, 3):
        keyboard.scan(gtin(n))
    keyboard.press(Qt.Key.Key_Up)
    keyboard.press(Qt.Key.Key_Up)
    keyboard.press(Qt.Key.Key_F9)
    assert _lines(fake_window) == [("Milk 1 l", 1), ("Coffee beans 500 g", 1)]
    assert "Voided line 1" in fake_window.messages.text()


def test_line_and_basket_discount(qtbot: QtBot, fake_window: MainWindow,
                                  keyboard: Keyboard) -> None:
    keyboard.scan(gtin(3))  # 8.99
    keyboard.scan(gtin(6))  # 12.99
    keyboard.press(Qt.Key.Key_F7)
    dialog = wait_dialog(qtbot, "discount_dialog")
    assert dialog.scope_line.isChecked() and dialog.kind_percent.isChecked()
    keyboard.type("10")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    line = fake_window.table.basket_model.lines()[-1]
    assert line.discount == Money(130, "EUR") and line.discount_text == "10%"
    keyboard.press(Qt.Key.Key_F7)
    dialog = wait_dialog(qtbot, "discount_dialog")
    keyboard.type("ba")  # B: whole basket, A: amount
    assert dialog.scope_basket.isChecked() and dialog.kind_amount.isChecked()
    assert dialog.field.text() == ""
    keyboard.type("2,50")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    assert fake_window.totals.discount.isVisible()
    assert "-€2.50" in fake_window.totals.discount.text()
    assert fake_window.totals.due.text() == Money(899 + 1299 - 130 - 250, "EUR").format()


@pytest.mark.parametrize(("value", "code"), [("150", "IT-140"), ("1e1", "IT-140")])
def test_bad_percentages_are_refused(qtbot: QtBot, fake_window: MainWindow,
                                     keyboard: Keyboard, value: str, code: str) -> None:
    keyboard.scan(gtin(3))
    keyboard.press(Qt.Key.Key_F7)
    dialog = wait_dialog(qtbot, "discount_dialog")
    keyboard.type(value)
    keyboard.press(Qt.Key.Key_Return)
    assert dialog.isVisible() and code in dialog.error.text()
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, fake_window)
    assert fake_window.table.basket_model.lines()[0].discount == Money(0, "EUR")


def test_price_override_needs_a_reason_and_a_sane_price(
        qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    keyboard.scan(gtin(5))  # dish soap 3.49
    keyboard.press(Qt.Key.Key_F11)
    dialog = wait_dialog(qtbot, "price_override_dialog")
    keyboard.type("2.99")
    keyboard.press(Qt.Key.Key_Return)  # moves to the reason
    assert dialog.reason.hasFocus()
    keyboard.press(Qt.Key.Key_Return)
    assert "IT-142" in dialog.error.text()
    dialog.price.setText("-1")
    keyboard.type("damaged")
    keyboard.press(Qt.Key.Key_Return)
    assert "IT-103" in dialog.error.text()
    dialog.price.setText("1000000.00")
    keyboard.press(Qt.Key.Key_Return)
    assert "IT-104" in dialog.error.text() and dialog.isVisible()
    dialog.price.setText("2.99")
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, fake_window)
    line = fake_window.table.basket_model.lines()[0]
    assert line.unit_price == Money(299, "EUR") and line.override_reason == "damaged"


@pytest.mark.parametrize("key", [Qt.Key.Key_F2, Qt.Key.Key_F4, Qt.Key.Key_F6, Qt.Key.Key_F7,
                                 Qt.Key.Key_F11])
def test_focus_returns_to_scan_field_after_each_dialog(
        qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard, key: Qt.Key) -> None:
    keyboard.scan(gtin(1))
    keyboard.press(key)
    qtbot.waitUntil(lambda: fake_window.controller.dialog is not None
                    and QApplication.activeModalWidget() is fake_window.controller.dialog
                    and not fake_window.scan.field.hasFocus())
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == [("Bread, white loaf", 1)]
    keyboard.scan(gtin(2))  # and scanning carries on at once
    assert len(_lines(fake_window)) == 2


def test_esc_clears_then_asks_to_cancel_the_sale(qtbot: QtBot, fake_window: MainWindow,
                                                 keyboard: Keyboard) -> None:
    keyboard.scan(gtin(1))
    keyboard.type("40063")
    keyboard.press(Qt.Key.Key_Escape)
    assert fake_window.scan.field.text() == ""
    assert fake_window.controller.dialog is None
    keyboard.press(Qt.Key.Key_Escape)
    wait_dialog(qtbot, "cancel_sale_dialog")
    keyboard.press(Qt.Key.Key_N)  # keep selling
    wait_closed(qtbot, fake_window)
    assert len(_lines(fake_window)) == 1
    keyboard.press(Qt.Key.Key_Escape)
    wait_dialog(qtbot, "cancel_sale_dialog")
    keyboard.press(Qt.Key.Key_Y)
    wait_closed(qtbot, fake_window)
    assert _lines(fake_window) == []
    assert fake_window.totals.due.text() == Money(0, "EUR").format()


def test_click_on_empty_table_area_keeps_focus(fake_window: MainWindow) -> None:
    QTest.mouseClick(fake_window.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert fake_window.scan.field.hasFocus()


def test_quick_cash_keys(qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    keyboard.scan(gtin(3))  # 8.99: quick cash 8.99, 10, 20, 50, 100
    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    assert [b.text().split("\n")[1] for b in cash.quick_buttons][:3] == ["F4", "Ctrl+2", "Ctrl+3"]
    with qtbot.waitSignal(fake_window.controller.sale_completed) as paid:
        keyboard.press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert paid.args[0].tenders[0].tendered == Money(2000, "EUR")
    assert paid.args[0].change == Money(1101, "EUR")


def test_cash_key_twice_is_exact_cash(qtbot: QtBot, fake_window: MainWindow,
                                      keyboard: Keyboard) -> None:
    keyboard.scan(gtin(3))
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.type("50")  # even with an amount typed, F4 means exact
    with qtbot.waitSignal(fake_window.controller.sale_completed) as paid:
        keyboard.press(Qt.Key.Key_F4)
    assert paid.args[0].change == Money(0, "EUR")
