"""The composed till and the back office's stream (issue 15): an enrolled till follows the
stream of a real back-office server on loopback, its card flow waits on it, and closing
the till stops it; a till that is not enrolled starts nothing and polls."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.backoffice.helpers import enrolled_composed_till
from tests.backoffice.pg import free_port
from tests.backoffice.test_stream import enrol, server_on
from tests.ui.conftest import open_till


def test_an_enrolled_till_follows_the_stream_and_stops_it_at_close(
        qtbot: QtBot, server_engine: Engine, data_dir: Path) -> None:
    token = enrol(server_engine, "T1")
    with server_on(server_engine, free_port()) as url:
        with enrolled_composed_till(qtbot, data_dir, url, token) as till:
            runtime = till.payments.get()
            qtbot.waitUntil(lambda: runtime.worker is not None, timeout=30_000)
            wiring = runtime.stream
            assert wiring is not None
            assert runtime.worker.card_pause is wiring.pause
            qtbot.waitUntil(lambda: wiring.board.connected, timeout=15_000)
            assert wiring.board.refund_hooks  # failed refunds reach the refund leg
        assert not wiring.board.connected
        assert runtime.worker.scheduler.running is False


def test_a_till_that_is_not_enrolled_starts_no_stream(qtbot: QtBot, data_dir: Path) -> None:
    opened = open_till(qtbot, data_dir, products=False, background=True)
    till = next(opened)
    try:
        runtime = till.payments.get()
        qtbot.waitUntil(lambda: runtime.worker is not None, timeout=30_000)
        assert runtime.stream is None
        assert runtime.worker.card_pause is None  # CardPayments.follow: the PollSchedule
        assert runtime.worker.poll_every is None
    finally:
        next(opened, None)


def test_an_enrolled_till_sends_its_active_alerts(qtbot: QtBot, server_engine: Engine,
                                                  data_dir: Path) -> None:
    """The running till's AlertService is what the back office's alerts job sends: the first
    run sends the till's set (possibly empty) under a revision."""
    from sqlalchemy import text

    token = enrol(server_engine, "T1")

    def revision() -> int:
        with server_engine.connect() as conn:
            return int(conn.execute(text("SELECT alerts_revision FROM tills WHERE id = 'T1'"))
                       .scalar_one())

    with server_on(server_engine, free_port()) as url, \
            enrolled_composed_till(qtbot, data_dir, url, token) as till:
        qtbot.waitUntil(lambda: revision() > 0, timeout=30_000)
        bo = till.backoffice.get()
        # the till notes the answer just after the server committed it
        qtbot.waitUntil(lambda: bo.alerts.pending()[1] == revision(), timeout=10_000)
        assert bo.alerts.pending()[0] >= bo.alerts.pending()[1] > 0
        assert [j[0] for j in bo.jobs()][-2:] == ["backoffice-alerts", "backoffice-prune"]
