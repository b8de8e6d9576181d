"""F8 on a receipt of another till (issue 14), on the real composition: the sale is asked of
the back office on a worker thread (here a switchable stand-in for the server's answers, to
drive each branch of the screen; the same path against the real server on PostgreSQL is
tests/backoffice/test_refund_screen_server.py); offline
the screen says so; a reservation refused (IT-711) pays nothing; then the refund goes through
the same picker, is reserved, committed and confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.refunds_remote_repo import SqlRemoteRefundLog
from ireti_till.adapters.refund_wiring import SqlRefundUnitOfWorkFactory
from ireti_till.domain.errors import BackofficeError
from ireti_till.services.backoffice_refunds import RemoteLine, RemoteSale, RemoteTender
from ireti_till.services.refund_remote import RemoteRefunds
from ireti_till.services.refund_remote_ports import RemoteState
from tests.ui.conftest import (
    Keyboard,
    cash_sale,
    gtin,
    open_refund,
    open_till,
    wait_closed,
    wait_dialog,
)
from tests.ui.test_app_wiring import CASHIER_PIN, sign_in


class Server:
    """The back office's answers (CrossTillRefunds' interface), switchable."""

    def __init__(self) -> None:
        self.online, self.refuse = False, True
        self.sale = RemoteSale(
            "T09", str(uuid.uuid4()), 7, "EUR", 450, datetime.now(UTC).isoformat(),
            (RemoteLine(1, "TEA", "Tea", 1, 1, 150), RemoteLine(2, "CAKE", "Cake", 2, 2, 300)),
            (RemoteTender(1, "cash", 450, 450, None, None, None),))
        self.reserved: list[tuple[uuid.UUID, dict[int, int], dict[int, int] | None]] = []
        self.confirmed: list[uuid.UUID] = []

    def _up(self) -> None:
        if not self.online:
            raise BackofficeError("away", code="IT-712")

    def find(self, **_query: Any) -> RemoteSale:
        self._up()
        return self.sale

    def reserve(self, refund_id: uuid.UUID, sale_id: str, lines: dict[int, int],
                legs: dict[int, int] | None = None) -> None:
        self._up()
        if self.refuse:
            raise BackofficeError("Line 2 of this sale is already refunded or reserved by "
                                  "another till (2 of 2). Nothing was reserved.", code="IT-711")
        self.reserved.append((refund_id, lines, legs))

    def confirm(self, refund_id: uuid.UUID) -> None:
        self._up()
        self.confirmed.append(refund_id)

    def release(self, refund_id: uuid.UUID) -> None:
        self._up()


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, background=True)


def _signed_in_with(qtbot: QtBot, till: Any, server: Server) -> SqlRemoteRefundLog:
    """A cashier signed in; the refund screen's back office is ``server``. The till's
    ``remote_refunds`` log is returned."""
    sign_in(qtbot, till, CASHIER_PIN)
    qtbot.waitUntil(lambda: till.refund_screen.peek() is not None)
    screen = till.refund_screen.peek()
    log = SqlRemoteRefundLog(till.ledger.engine)
    remote = RemoteRefunds(screen.service(), SqlRefundUnitOfWorkFactory(till.ledger.engine),
                           lambda: server, log, SystemClock())  # type: ignore[arg-type,return-value]
    screen.remote = lambda: remote
    return log


def test_f8_refunds_a_sale_of_another_till_through_the_back_office(
        qtbot: QtBot, till: Any) -> None:
    keyboard = Keyboard(qtbot)
    server = Server()
    log = _signed_in_with(qtbot, till, server)
    keyboard.press(Qt.Key.Key_F8)
    dialog = wait_dialog(qtbot, "refund_dialog")
    keyboard.type("t09-000007")
    keyboard.press(Qt.Key.Key_Return)  # offline: said so, with its code
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "IT-714" in dialog.error.text() and "not reachable" in dialog.error.text()
    assert dialog.view is None and dialog.lines.rowCount() == 0
    server.online = True
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.lines.hasFocus())
    assert dialog.summary.text().startswith("Rung on till T09 · Receipt T09-000007")
    assert dialog.lines.rowCount() == 2
    keyboard.press(Qt.Key.Key_Down)
    keyboard.press(Qt.Key.Key_Plus)  # one cake
    assert dialog.quote_label.text().startswith("Refund €1.50: €1.50 cash from the drawer")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("stale")
    keyboard.press(Qt.Key.Key_Return)  # refused by the server: nothing paid out
    qtbot.waitUntil(lambda: "IT-711" in dialog.error.text())
    assert dialog.record is None and server.reserved == []
    assert dialog.quote_label.text().startswith("Refund €1.50")  # not still "Reserving..."
    with till.ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM refunds").scalar_one() == 0
    server.refuse = False
    dialog.reason.setFocus()
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None)
    record = dialog.record
    assert record.amount.minor == 150 and record.sale_id == uuid.UUID(server.sale.sale_id)
    assert server.reserved == [(record.refund_id, {2: 1}, {1: 150})]
    assert server.confirmed == [record.refund_id]
    assert log.get(record.refund_id).state is RemoteState.CONFIRMED  # type: ignore[union-attr]
    assert "T09-000007" in dialog.paper.text() and "Pay €1.50 from the drawer" in \
        dialog.status.text()
    qtbot.waitUntil(lambda: dialog.ready_to_close)
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)


def test_an_enrolled_till_wires_the_remote_branch_and_its_settle_job(
        qtbot: QtBot, data_dir: Path) -> None:
    import socket

    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.backoffice_wiring import TOKEN_NAME
    from ireti_till.adapters.secrets import SecretStore

    with socket.socket() as probe:  # a loopback port nobody listens on: the server is away
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gen = open_till(qtbot, data_dir)
    till = next(gen)
    try:
        SqlFeedStore(till.ledger.engine).set_state("url", f"http://127.0.0.1:{port}")
        SecretStore(data_dir, training=True).set(TOKEN_NAME, "till-token")
        till.start_background()
        qtbot.waitUntil(lambda: till.backoffice.peek() is not None, timeout=10_000)
        scheduler = till.ops.get().jobs.scheduler
        qtbot.waitUntil(lambda: scheduler.has("refunds-remote-settle"))
        sign_in(qtbot, till, CASHIER_PIN)
        keyboard = Keyboard(qtbot)
        keyboard.press(Qt.Key.Key_F8)
        dialog = wait_dialog(qtbot, "refund_dialog")
        assert dialog.remote is not None
        keyboard.type("T09-000007")
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15_000)
        assert "IT-714" in dialog.error.text()
        keyboard.press(Qt.Key.Key_Escape)
        wait_closed(qtbot, till.window)
    finally:
        next(gen, None)


def test_an_amount_refund_of_an_own_sale_is_reserved_on_the_back_office(
        qtbot: QtBot, till: Any) -> None:
    keyboard = Keyboard(qtbot)
    server = Server()
    server.online, server.refuse = True, False
    log = _signed_in_with(qtbot, till, server)
    dialog = open_refund(qtbot, keyboard, cash_sale(qtbot, till, keyboard, "2*" + gtin(3)))
    dialog.amount.setFocus()
    keyboard.type("5")
    assert dialog.quote_label.text().startswith("Refund €5.00: €5.00 cash from the drawer")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("goodwill")
    keyboard.press(Qt.Key.Key_Return)  # on a worker thread: record, reserve, refund, confirm
    qtbot.waitUntil(lambda: dialog.record is not None)
    record = dialog.record
    assert record.amount.minor == 500
    assert server.reserved == [(record.refund_id, {}, {1: 500})]  # the money, no units
    assert server.confirmed == [record.refund_id]
    assert log.get(record.refund_id).state is RemoteState.CONFIRMED  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: dialog.ready_to_close)
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
