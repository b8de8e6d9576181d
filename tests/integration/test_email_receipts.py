"""Email receipts: queued like any other job, sent when the local SMTP server is up."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from trading_day_support import Clock, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.printers.email_smtp import SmtpConfig, SmtpMailer
from ireti_till.domain.errors import InputError
from ireti_till.services.printing import PrintQueue


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


def test_an_email_receipt_waits_for_the_server_then_is_sent(ledger: Ledger) -> None:
    port = free_port()
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, sender="till@shop.test",
                                   starttls=False, timeout=2.0))
    queue = PrintQueue(ledger.uow_factory, Clock(), None, till_id="T01", store="Ireti Shop",
                       mail=mailer)
    with ledger.uow_factory() as u:
        s = u.sales.add(sale(1250, cash=1250))
        u.commit()
    with pytest.raises(InputError) as bad:
        queue.email_receipt(s, "not an address")
    assert bad.value.code == "IT-626"
    queue.email_receipt(s, "customer@example.test")
    assert queue.run_once() == 0  # no server yet: stays queued
    [job] = queue.jobs()
    assert job.state == "failed" and "IT-627" in (job.last_error or "")
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert queue.run_once() == 1
    finally:
        controller.stop()
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["customer@example.test"]
    body = envelope.content.decode()
    assert "T01-000001" in body and "Ireti Shop" in body and "12.50" in body
    assert queue.jobs()[0].state == "printed"
