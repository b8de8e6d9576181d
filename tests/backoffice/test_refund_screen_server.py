"""F8 on another till's receipt, on the composed till, against the real back-office server
(PostgreSQL, uvicorn on loopback): the sale is found through the server, a race lost to
another till is refused by the server (IT-711) with nothing paid out, and the refund then
goes through: reserved, committed in this till's ledger, confirmed on the server."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from ireti_till.server.schema import refund_reservations
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from tests.backoffice.helpers import enrolled_composed_till, ring
from tests.backoffice.test_stream import enrol
from tests.ui.conftest import Keyboard, wait_closed, wait_dialog
from tests.ui.test_app_wiring import CASHIER_PIN, sign_in


def _reserved(engine: Engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(refund_reservations.c.till_id,
                                   refund_reservations.c.state)).all()
    out: dict[str, set[str]] = {}
    for till, state in rows:
        out.setdefault(str(till), set()).add(str(state))
    return out


def test_f8_refunds_another_tills_sale_through_the_real_back_office(
        qtbot: QtBot, make_till, server_url: str, server_engine: Engine,
        data_dir: Path) -> None:
    t09, t03 = make_till("T09", server_url), make_till("T03", server_url)
    sale = ring(t09.ledger, "T09", 1, lines=2, qty=2)[0]  # 2 x 1.50 on each line, cash
    assert t09.sync.run_once() is not None
    token = enrol(server_engine, "T01")  # the composed till is T01 of store S1
    with enrolled_composed_till(qtbot, data_dir, server_url, token) as till:
        qtbot.waitUntil(lambda: till.backoffice.peek() is not None, timeout=30_000)
        keyboard = Keyboard(qtbot)
        sign_in(qtbot, till, CASHIER_PIN)
        keyboard.press(Qt.Key.Key_F8)
        dialog = wait_dialog(qtbot, "refund_dialog")
        assert dialog.remote is not None
        keyboard.type(f"t09-{sale.receipt_no:06d}")
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.lines.hasFocus(), timeout=15_000)
        assert dialog.summary.text().startswith(
            f"Rung on till T09 · Receipt T09-{sale.receipt_no:06d}")
        keyboard.press(Qt.Key.Key_Down)
        keyboard.press(Qt.Key.Key_Plus)  # one unit of line 2
        assert dialog.quote_label.text().startswith("Refund €1.50: €1.50 cash from the drawer")
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.reason.hasFocus())
        keyboard.type("faulty")
        # meanwhile T03 takes both units of line 2: the server refuses T01's reservation
        t03_ref = uuid.uuid4()
        CrossTillRefunds(t03.factory).reserve(t03_ref, str(sale.sale_id), {2: 2})
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "IT-711" in dialog.error.text(), timeout=15_000)
        assert dialog.record is None
        with till.ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM refunds").scalar_one() == 0
        assert _reserved(server_engine) == {"T03": {"reserved"}}
        CrossTillRefunds(t03.factory).release(t03_ref)  # T03's customer changed their mind
        dialog.reason.setFocus()
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.record is not None, timeout=15_000)
        record = dialog.record
        assert record.amount.minor == 150 and record.sale_id == sale.sale_id
        assert record.till_id == "T01"
        assert _reserved(server_engine) == {"T01": {"confirmed"}, "T03": {"released"}}
        left = CrossTillRefunds(t03.factory).find(sale_id=str(sale.sale_id))
        assert [ln.refundable for ln in left.lines] == [2, 1]
        qtbot.waitUntil(lambda: dialog.ready_to_close)
        keyboard.press(Qt.Key.Key_Return)
        wait_closed(qtbot, till.window)
