"""Staff screens offscreen: sign-in by keyboard and touch, lock/switch, override dialog,
users admin, audit viewer, idle lock. No sleeps: signals and waitUntil only."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import OverrideKind
from ireti_till.domain.refund_policy import RefundContext, default_matrix
from ireti_till.domain.staff import Role
from ireti_till.services.staff_ports import AuditFilter
from ireti_till.ui.staff import (
    AuditViewer,
    IdleWatcher,
    OverrideDialog,
    SignInScreen,
    StaffSession,
    UsersScreen,
)
from ireti_till.ui.staff.users_screen import AddUserDialog, ResetPinDialog
from tests.unit.test_staff_fakes import world


def shown(qtbot: QtBot, widget):  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def open_window(qtbot: QtBot, object_name: str):  # type: ignore[no-untyped-def]
    found = []

    def shown_now() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if w.objectName() == object_name and w.isVisible()]
        return len(found) == 1

    qtbot.waitUntil(shown_now)
    return found[0]


def type_pin(qtbot: QtBot, field, pin: str) -> None:  # type: ignore[no-untyped-def]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    QTest.keyClicks(field, pin)
    QTest.keyClick(field, Qt.Key.Key_Return)


def choose(users: QListWidget, first_name: str) -> None:
    for i in range(users.count()):
        if users.item(i).text().startswith(first_name):
            users.setCurrentRow(i)
            return
    raise AssertionError(first_name)


def test_training_sign_in_by_keyboard_shows_demo_pins(qtbot: QtBot) -> None:
    w = world()
    screen = shown(qtbot, SignInScreen(w.staff))
    assert "4829" in screen.demo.text() and screen.demo.isVisible()
    qtbot.waitUntil(screen.pad.field.hasFocus)
    with qtbot.waitSignal(screen.signed_in) as signal:
        type_pin(qtbot, screen.pad.field, "4829")
    assert signal.args[0] == w.user("Ada")
    assert screen.pad.field.text() == ""  # the PIN never stays in the field


def test_touch_keys_and_wrong_pin_message(qtbot: QtBot) -> None:
    w = world()
    screen = shown(qtbot, SignInScreen(w.staff))
    choose(screen.users, "Tunde")
    for key in "1111":
        screen.findChild(QPushButton, f"sign_in_pin_{key}").click()
    assert screen.pad.field.text() == "1111"
    screen.findChild(QPushButton, "sign_in_pin_enter").click()
    qtbot.waitUntil(lambda: "IT-401" in screen.error.text())
    for key in "7153":
        screen.findChild(QPushButton, f"sign_in_pin_{key}").click()
    with qtbot.waitSignal(screen.signed_in) as signal:
        screen.findChild(QPushButton, "sign_in_pin_enter").click()
    assert signal.args[0] == w.user("Tunde")


def test_live_first_start_asks_for_the_admin(qtbot: QtBot) -> None:
    w = world(training=False)  # a live till with nobody yet
    screen = shown(qtbot, SignInScreen(w.staff))
    assert screen.pages.currentWidget() is screen.first_admin
    form = screen.first_admin
    form.admin_name.setText("Grace Admin")
    form.pin.setText("860274")
    form.pin2.setText("860275")
    QTest.keyClick(form.pin2, Qt.Key.Key_Return)
    assert "IT-415" in form.error.text()
    form.pin.setText("123456")
    form.pin2.setText("123456")
    QTest.keyClick(form.pin2, Qt.Key.Key_Return)
    assert "IT-41" in form.error.text()
    form.pin.setText("860274")
    form.pin2.setText("860274")
    QTest.keyClick(form.pin2, Qt.Key.Key_Return)
    assert screen.pages.currentIndex() == 0 and not screen.demo.isVisible()
    with qtbot.waitSignal(screen.signed_in) as signal:
        type_pin(qtbot, screen.pad.field, "860274")
    assert signal.args[0].role is Role.ADMIN


def test_lock_and_switch_cashier_keeps_each_basket(qtbot: QtBot) -> None:
    w = world()
    baskets: dict[str, list[str]] = {}
    session: StaffSession[list[str]] = StaffSession(
        w.staff, lambda m: baskets.setdefault(m.user_id, []))
    screen = shown(qtbot, SignInScreen(w.staff))
    screen.signed_in.connect(session.sign_in)
    with qtbot.waitSignal(session.cashier_changed) as changed:
        type_pin(qtbot, screen.pad.field, "4829")
    ada_basket = changed.args[1]
    ada_basket.append("milk")
    with qtbot.waitSignal(session.locked):
        session.lock("idle")
    screen.lock(session.current)
    assert "Ada" in screen.title.text() and screen.selected_user_id() == w.user("Ada").user_id
    choose(screen.users, "Tunde")
    with qtbot.waitSignal(session.cashier_changed) as changed:
        type_pin(qtbot, screen.pad.field, "7153")
    assert changed.args[1] == [] and session.parked() == [w.user("Ada").user_id]
    session.lock()
    choose(screen.users, "Ada")
    with qtbot.waitSignal(session.cashier_changed) as changed:
        type_pin(qtbot, screen.pad.field, "4829")
    assert changed.args[1] is ada_basket and ada_basket == ["milk"]
    assert "lock_screen" in w.kinds()


def test_override_dialog_refuses_self_then_accepts_supervisor(qtbot: QtBot) -> None:
    w = world()
    bola = w.user("Bola")
    sale = uuid.uuid4()
    dialog = shown(qtbot, OverrideDialog(w.overrides, bola, OverrideKind.VOID_PAID_SALE,
                                         Money(1299, "EUR"), "customer changed mind", sale))
    labels = [dialog.approver.itemText(i) for i in range(dialog.approver.count())]
    assert not any(text.startswith("Bola") for text in labels)
    type_pin(qtbot, dialog.pad.field, "394817")  # Bola's own PIN, by PIN alone
    qtbot.waitUntil(lambda: "IT-431" in dialog.error.text())
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.accepted):
        type_pin(qtbot, dialog.pad.field, "860274")
    assert dialog.approval is not None
    assert (dialog.approval.approver_id, dialog.approval.sale_id) == (w.user("Chidi").user_id,
                                                                      sale)


def test_override_dialog_needs_a_reason_and_handles_refund_decisions(qtbot: QtBot) -> None:
    w = world()
    ada = w.user("Ada")
    ctx = RefundContext(Money(6000, "EUR"), ada, receipt=True)
    decision = default_matrix("EUR").decide(ctx)
    dialog = shown(qtbot, OverrideDialog(w.overrides, ada, OverrideKind.REFUND_ABOVE_LIMIT,
                                         ctx.amount, "", None, decision))
    qtbot.waitUntil(dialog.reason.hasFocus)
    labels = [dialog.approver.itemText(i) for i in range(dialog.approver.count())]
    assert [t.split()[0] for t in labels[1:]] == ["Bola", "Chidi"]
    type_pin(qtbot, dialog.pad.field, "394817")
    assert "IT-433" in dialog.error.text()
    dialog.reason.setText("faulty kettle")
    with qtbot.waitSignal(dialog.accepted):
        type_pin(qtbot, dialog.pad.field, "394817")
    assert dialog.approval is not None and dialog.approval.kind is OverrideKind.REFUND_ABOVE_LIMIT


def test_override_dialog_escape_cancels(qtbot: QtBot) -> None:
    w = world()
    dialog = shown(qtbot, OverrideDialog(w.overrides, w.user("Ada"), OverrideKind.NO_SALE_DRAWER,
                                         None, "change", None))
    with qtbot.waitSignal(dialog.rejected):
        QTest.keyClick(dialog.pad.field, Qt.Key.Key_Escape)
    assert dialog.approval is None and w.store.overrides == []


def test_users_screen_add_disable_reset_unlock(qtbot: QtBot) -> None:
    w = world()
    admin = w.user("Chidi")
    screen = shown(qtbot, UsersScreen(w.staff, admin))
    assert screen.table.rowCount() == 4
    screen.buttons["add"].click()  # opens with open(): found among the top-level windows
    add = open_window(qtbot, "add_user_dialog")
    assert isinstance(add, AddUserDialog)
    add.user_name.setText("Efe Okafor")
    add.pin.setText("5827")
    add.pin2.setText("5827")
    with qtbot.waitSignal(add.accepted):
        QTest.keyClick(add.pin2, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 5)  # refreshed once it closed
    efe = add.member
    assert efe is not None
    screen.select_user(efe.user_id)
    screen.buttons["toggle"].click()
    assert not w.staff.get(efe.user_id).active
    screen.select_user(admin.user_id)
    screen.buttons["toggle"].click()
    assert "IT-406" in screen.error.text()
    screen.select_user(efe.user_id)
    screen.buttons["reset"].click()
    reset = open_window(qtbot, "reset_pin_dialog")
    assert isinstance(reset, ResetPinDialog)
    reset.pin.setText("6093")
    reset.pin2.setText("6093")
    with qtbot.waitSignal(reset.accepted):
        QTest.keyClick(reset.pin2, Qt.Key.Key_Return)
    for _ in range(w.staff.lockout.max_failures):
        with pytest.raises(AuthorisationError):
            w.staff.sign_in("0000", w.user("Tunde").user_id)
    screen.refresh()
    tunde_row = next(r for r in range(screen.table.rowCount())
                     if screen.table.item(r, 0).text().startswith("Tunde"))
    assert screen.table.item(tunde_row, 3).text().startswith("locked")
    screen.select_user(w.user("Tunde").user_id)
    screen.buttons["unlock"].click()
    assert not w.staff.lock_state(w.user("Tunde").user_id).locked


def test_add_user_dialog_shows_policy_errors(qtbot: QtBot) -> None:
    w = world()
    add = shown(qtbot, AddUserDialog(w.staff, w.user("Chidi")))
    add.user_name.setText("Kemi")
    add.role.setCurrentIndex(1)  # supervisor
    add.pin.setText("5827")
    add.pin2.setText("5827")
    QTest.keyClick(add.pin2, Qt.Key.Key_Return)
    assert "IT-411" in add.error.text() and add.isVisible()


def test_audit_viewer_filters_exports_and_verifies(qtbot: QtBot, tmp_path: Path) -> None:
    w = world()
    w.staff.sign_in("4829")
    w.staff.sign_in("7153")
    viewer = shown(qtbot, AuditViewer(w.audit, w.staff, w.user("Chidi")))
    assert viewer.table.rowCount() == 3  # demo staff created + two sign-ins
    viewer.user.setCurrentIndex(viewer.user.findText(w.user("Ada").name))
    viewer.findChild(QPushButton, "audit_search").click()
    assert viewer.table.rowCount() == 1 and viewer.table.item(0, 2).text() == "sign_in"
    target = tmp_path / "audit.csv"
    viewer.findChild(QPushButton, "audit_export").click()  # the file dialog opens
    save = open_window(qtbot, "save_file_dialog")
    save.selectFile(str(target))
    save.accept()
    qtbot.waitUntil(target.exists)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert len(rows) == 2 and rows[1][2] == "sign_in"
    assert "exported" in viewer.status.text() and w.kinds()[-1] == "audit_export"
    viewer.findChild(QPushButton, "audit_verify").click()
    assert viewer.status.text().startswith("OK")


def test_audit_viewer_export_needs_admin(qtbot: QtBot) -> None:
    w = world()
    viewer = shown(qtbot, AuditViewer(w.audit, w.staff, w.user("Bola")))
    assert not viewer.findChild(QPushButton, "audit_export").isEnabled()
    with pytest.raises(AuthorisationError):
        AuditViewer(w.audit, w.staff, w.user("Ada"))


def test_idle_watcher_fires_and_input_resets_it(qtbot: QtBot) -> None:
    watcher = IdleWatcher()
    app = QApplication.instance()
    app.installEventFilter(watcher)
    try:
        watcher.set_timeout_ms(60_000)
        target = shown(qtbot, QListWidget())
        watcher.pause()
        assert not watcher.is_active()
        watcher.resume()
        remaining_before = watcher._timer.remainingTime()
        event = QMouseEvent(QEvent.Type.MouseButtonPress, QPoint(1, 1), QPoint(1, 1),
                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(target, event)
        assert watcher.is_active() and watcher._timer.remainingTime() >= remaining_before - 50
        watcher.set_timeout_ms(20)
        with qtbot.waitSignal(watcher.idle_timeout, timeout=2000):
            pass
        with pytest.raises(ValueError):
            watcher.set_timeout_ms(0)
    finally:
        app.removeEventFilter(watcher)


def test_sign_in_on_the_real_ledger_from_the_thread_pool(qtbot: QtBot, data_dir: Path) -> None:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db import migrate
    from ireti_till.adapters.db.engine import make_engine
    from ireti_till.adapters.pin_hash import ScryptPinHasher
    from ireti_till.adapters.staff_wiring import build_staff_context

    engine = make_engine(data_dir / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    try:
        ctx = build_staff_context(engine, data_dir, training=True, till_id="T01",
                                  clock=SystemClock(), hasher=ScryptPinHasher(b"p" * 32, n=16))
        ctx.staff.ensure_demo_staff()
        screen = shown(qtbot, SignInScreen(ctx.staff))
        type_pin(qtbot, screen.pad.field, "0101")
        qtbot.waitUntil(lambda: "IT-401" in screen.error.text())
        with qtbot.waitSignal(screen.signed_in) as signal:
            type_pin(qtbot, screen.pad.field, "394817")
        assert signal.args[0].role is Role.SUPERVISOR
        assert [e.kind for e in ctx.audit.search(AuditFilter())][:2] == ["sign_in",
                                                                        "sign_in_failed"]
        assert ctx.audit.verify().ok
    finally:
        engine.dispose()


def test_override_dialog_lists_only_approvers_the_matrix_allows(qtbot: QtBot) -> None:
    w = world()
    ada = w.user("Ada")
    ctx = RefundContext(Money(150_000, "EUR"), ada, receipt=True)
    decision = default_matrix("EUR").decide(ctx)
    dialog = shown(qtbot, OverrideDialog(w.overrides, ada, OverrideKind.REFUND_ABOVE_LIMIT,
                                         ctx.amount, "", None, decision))
    labels = [dialog.approver.itemText(i) for i in range(1, dialog.approver.count())]
    assert [t.split()[0] for t in labels] == ["Chidi"]
