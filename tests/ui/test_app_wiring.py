"""The real composition root (app.build_till) in a tmp data dir: staff sign-in wired in.

Sign-in screen first; a training cashier signs in by PIN and rings a cash sale; Ctrl+L
locks and the same cashier resumes their basket; a price override asks a supervisor at
the point of action (approved, and cancelled); voids are audited with ids and amounts;
staff menus follow the role. No sleeps: waitUntil and timers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from ireti_till.services.staff_ports import AuditFilter
from tests.ui.conftest import Keyboard, gtin, open_till, wait_closed, wait_dialog

CASHIER_PIN, SUPERVISOR_PIN, ADMIN_PIN = "4829", "394817", "860274"


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir)


def sign_in(qtbot: QtBot, till: Any, pin: str, who: str = "Anyone") -> None:
    screen = till.staff.sign_in
    qtbot.waitUntil(lambda: till.window.stack.currentWidget() is screen
                    and screen.pad.field.hasFocus())
    users = screen.users
    users.setCurrentRow(next(i for i in range(users.count())
                             if users.item(i).text().startswith(who)))
    QTest.keyClicks(screen.pad.field, pin)
    QTest.keyClick(screen.pad.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.staff.current is not None
                    and till.window.scan.field.hasFocus())


def audit(till: Any, kind: str) -> list[Any]:
    found = till.staff.services.audit.get().search(AuditFilter(kind=kind))
    return sorted(found, key=lambda e: e.seq)


def answer_override(qtbot: QtBot, pin: str | None, reason: str = "") -> Callable[[], None]:
    """Arm a timer that types ``pin`` into the supervisor dialog (None: press Esc)."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "override_dialog":
            QTimer.singleShot(10, act)
            return
        if reason:
            dialog.reason.setText(reason)  # type: ignore[attr-defined]
        if pin is None:
            dialog.reject()  # type: ignore[attr-defined]
            return
        field: QLineEdit = dialog.pad.field  # type: ignore[attr-defined]
        QTest.keyClicks(field, pin)
        QTest.keyClick(field, Qt.Key.Key_Return)

    return lambda: QTimer.singleShot(0, act)


def test_sign_in_screen_first_then_a_cashier_rings_a_cash_sale(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    window = till.window
    assert window.stack.currentWidget() is till.staff.sign_in
    assert not window.controller.enabled  # sale keys stop until someone signs in
    assert "4829" in till.staff.sign_in.demo.text()
    assert [e.kind for e in audit(till, "start")] == ["start"]
    sign_in(qtbot, till, CASHIER_PIN)
    qtbot.waitUntil(lambda: window.status.cashier.text() == "Cashier: Ada (training)")
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)
    receipt = wait_dialog(qtbot, "receipt_dialog")
    assert receipt.sale.cashier == "Ada (training)"
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, window)
    with till.ledger.read_uow() as uow:
        assert uow.sales.count() == 1
    assert [e.actor for e in audit(till, "sign_in")] == [till.staff.current.user_id]


def test_lock_keeps_the_basket_for_the_same_cashier(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.scan(gtin(2))
    keyboard.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: till.window.stack.currentWidget() is till.staff.sign_in)
    assert till.staff.current is None
    qtbot.waitUntil(lambda: "(locked)" in till.window.status.cashier.text())
    assert [e.details["reason"] for e in audit(till, "lock_screen")] == ["lock"]
    sign_in(qtbot, till, CASHIER_PIN)
    assert till.window.table.basket_model.rowCount() == 1


def test_idle_timeout_locks_the_till(qtbot: QtBot, till: Any) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    assert till.staff.idle is not None and till.staff.idle.timeout_ms == 5 * 60_000
    till.staff.idle.set_timeout_ms(20)
    qtbot.waitUntil(lambda: till.window.stack.currentWidget() is till.staff.sign_in)
    assert [e.details["reason"] for e in audit(till, "lock_screen")] == ["idle"]


def _price_override(qtbot: QtBot, till: Any, keyboard: Keyboard, pin: str | None) -> Any:
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F11)
    dialog = wait_dialog(qtbot, "price_override_dialog")
    dialog.price.setText("0.10")
    dialog.reason.setText("damaged packaging")
    answer_override(qtbot, pin)()
    QTest.keyClick(dialog.reason, Qt.Key.Key_Return)
    return dialog


def test_price_override_asks_a_supervisor_at_the_point_of_action(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    _price_override(qtbot, till, keyboard, SUPERVISOR_PIN)
    wait_closed(qtbot, till.window)
    line = till.window.controller.service.view().lines[0]
    assert line.unit_price.minor == 10 and line.override_reason == "damaged packaging"
    approved = audit(till, "override_approved")
    assert len(approved) == 1 and approved[0].details["override"] == "price_override"


def test_a_cancelled_override_changes_nothing(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    dialog = _price_override(qtbot, till, keyboard, None)
    qtbot.waitUntil(lambda: "IT-437" in dialog.error.text())
    assert till.window.controller.service.view().lines[0].override_reason is None
    assert audit(till, "override_approved") == []
    dialog.reject()
    qtbot.waitUntil(lambda: till.window.controller.dialog is None)
    wait_closed(qtbot, till.window)


def test_voids_are_audited_with_ids_and_amounts(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    service = till.window.controller.service
    sale_id = str(service.sale_id)
    keyboard.scan(gtin(1))
    keyboard.scan(gtin(2))
    amount = service.view().lines[-1].total.minor
    keyboard.press(Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: len(service.view().lines) == 1)
    till.window.controller.cancel_sale()
    voids = [e.details for e in audit(till, "void")]
    assert voids[0]["scope"] == "line" and voids[0]["amount_minor"] == amount
    assert voids[0]["sale_id"] == sale_id
    assert voids[1]["scope"] == "sale" and voids[1]["sale_id"] == sale_id
    assert till.staff.services.audit.get().verify().ok


def test_staff_menus_follow_the_role(qtbot: QtBot, till: Any) -> None:
    staff = till.staff
    sign_in(qtbot, till, CASHIER_PIN)
    assert not staff.users_action.isVisible() and not staff.audit_action.isVisible()
    staff.lock()
    sign_in(qtbot, till, SUPERVISOR_PIN, "Bola")
    assert staff.audit_action.isVisible() and not staff.users_action.isVisible()
    staff.lock()
    sign_in(qtbot, till, ADMIN_PIN, "Chidi")
    assert staff.users_action.isVisible()
    users = staff.open_users()
    assert users is not None and users.objectName() == "users_screen"
    users.close()


def test_no_sale_needs_a_supervisor_and_is_audited(qtbot: QtBot, till: Any) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    answer_override(qtbot, SUPERVISOR_PIN, reason="change for the float")()
    till.staff.no_sale_action.trigger()
    qtbot.waitUntil(lambda: len(audit(till, "drawer_open")) == 1)
    assert "No sale" in till.window.messages.text()


def test_close_records_stop(qtbot: QtBot, data_dir: Path) -> None:
    from ireti_till.app import build_till

    till = build_till(data_dir, force_training=True, seed_demo=False)
    audit_log = till.staff.services.audit.get()
    till.window.close()
    till.close()
    assert [e.kind for e in audit_log.search(AuditFilter(kind="stop"))] == ["stop"]


def test_a_discount_above_the_threshold_needs_a_supervisor(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F7)
    dialog = wait_dialog(qtbot, "discount_dialog")
    dialog.field.setText("5")  # 5 % is within the default 10 %: no supervisor
    QTest.keyClick(dialog.field, Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    assert audit(till, "override_approved") == []
    keyboard.press(Qt.Key.Key_F7)
    dialog = wait_dialog(qtbot, "discount_dialog")
    dialog.field.setText("50")
    answer_override(qtbot, SUPERVISOR_PIN, reason="loyal customer")()
    QTest.keyClick(dialog.field, Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    line = till.window.controller.service.view().lines[0]
    assert line.discount_text == "50%"
    approved = audit(till, "override_approved")
    assert [a.details["override"] for a in approved] == ["discount_above_threshold"]


def test_sign_out_needs_an_empty_basket_and_a_supervisor_with_unsent_work(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    staff = till.staff
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.scan(gtin(1))
    assert not staff.sign_out()  # the basket is not empty
    assert "Finish or cancel" in till.window.messages.text()
    till.window.controller.cancel_sale()
    staff.unsent_work = lambda: 2
    answer_override(qtbot, None)()  # nobody approves
    assert not staff.sign_out()  # the PIN dialog opens; nothing has happened yet
    qtbot.waitUntil(lambda: "IT-437" in till.window.messages.text())
    assert staff.current is not None
    answer_override(qtbot, SUPERVISOR_PIN)()
    assert not staff.sign_out()  # ends once the supervisor's PIN is checked
    qtbot.waitUntil(lambda: till.window.stack.currentWidget() is staff.sign_in)
    assert staff.current is None and staff.sign_in.title.text() == "Sign in"
    approved = audit(till, "override_approved")
    assert [a.details["override"] for a in approved] == ["sign_out_unsent"]
    assert len(audit(till, "sign_out")) == 1


def test_the_till_is_typed_and_frozen_and_later_parts_resolve_in_their_phase(
        qtbot: QtBot, data_dir: Path) -> None:
    import dataclasses

    from ireti_till.ui.refunds.attach import RefundScreen

    till = next(open_till(qtbot, data_dir))
    try:
        with pytest.raises(dataclasses.FrozenInstanceError):
            till.refund_screen = None  # nothing is attached from outside
        with pytest.raises(dataclasses.FrozenInstanceError):
            till.extra = 1
        assert not till.refund_screen.done and not till.ops.done  # phases 5-6 not run yet
        till.start_background()
        assert isinstance(till.refund_screen.get(), RefundScreen)
        assert till.ops.get().jobs is not None and till.cards.done
    finally:
        till.window.close()
        till.close()
