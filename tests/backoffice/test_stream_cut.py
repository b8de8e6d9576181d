"""A card sale followed through the back-office stream: the stream is cut while the reader
waits for the card, the till falls back to polling Stripe, takes the payment once, and the
late webhooks after the server returns change nothing (never a second charge)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ireti_till.adapters.backoffice_stream import BackofficeStream, NoticeBoard, ReaderPause
from ireti_till.domain.payment import AttemptState as S
from ireti_till.domain.poll_schedule import PollSchedule
from ireti_till.server import auth
from ireti_till.server.webhooks import ENV_SECRET
from ireti_till.services.card_payments import CardStatus
from ireti_till.training import Emulator, EmulatorConfig
from ireti_till.training.webhooks import WebhookConfig
from tests.backoffice.helpers import wait_for
from tests.backoffice.pg import free_port
from tests.backoffice.test_stream import server_on
from tests.faults.support import Rig, register_reader, sale_template

SECRET = "whsec_test_ireti_h8_cut"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SECRET, SECRET)


def test_stream_cut_mid_sale_falls_back_to_polling_and_charges_once(
        server_engine: Engine, tmp_path: Path) -> None:
    from tests.faults.crash_harness import template_db

    token = auth.redeem(server_engine, "T1", auth.make_enrolment(server_engine, "T1", "S1"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    hooks = WebhookConfig(url + "/stripe/webhook", SECRET, base_s=0.2, max_s=0.5)
    with Emulator.start(EmulatorConfig(rate_limit=None, webhooks=hooks)) as emu:
        rig = Rig(emu, template_db(tmp_path / "till.sqlite3"), "")
        rig.reader_id = register_reader(rig.gateway, "T1")
        board = NoticeBoard()
        stream = BackofficeStream(lambda: (url, token, None), board, lambda: rig.reader_id,
                                  base_backoff_s=0.05, max_backoff_s=0.2)
        requests: Counter[str] = Counter()
        emu.observers.append(lambda req, out: requests.update([f"{req.method} {req.path}"]))
        stop = threading.Event()
        done: list[CardStatus] = []
        pause = ReaderPause(board, PollSchedule(first_s=0.2, max_s=0.5, stream_wait_s=30))
        try:
            with server_on(server_engine, port):
                stream.start()
                wait_for(lambda: board.connected, what="stream connected")
                sale = sale_template(1250, till_id="T1")
                rig.tender.begin(sale)
                first = rig.cards.start(sale.sale_id)
                assert first.state is S.ON_READER
                follower = threading.Thread(target=lambda: done.append(rig.cards.follow(
                    first.attempt_id, stop, pause=pause)), daemon=True)
                follower.start()
                wait_for(lambda: requests["GET " + f"/v1/terminal/readers/{rig.reader_id}"]
                         >= 1, what="first look")
                looks_before = requests[f"GET /v1/terminal/readers/{rig.reader_id}"]
            # the server is gone: the stream is cut while the customer holds the card
            wait_for(lambda: not board.connected, what="stream cut")
            emu.simulate.present(rig.reader_id, "approve")
            follower.join(20)
            assert done and done[0].phase == "approved" and done[0].sale_completed
            assert requests[f"GET /v1/terminal/readers/{rig.reader_id}"] > looks_before
            assert emu.webhooks is not None and emu.webhooks.stats.failed_attempts > 0
            with server_on(server_engine, port):  # back: the late webhooks arrive
                assert emu.webhooks.wait_idle(20)
                wait_for(lambda: board.latest(rig.intents()[0]["id"]) is not None,
                         what="late notice")
                assert rig.cards.poll(first.attempt_id).phase == "approved"
        finally:
            stop.set()
            stream.stop()
            rig.close()
        intents = [p for p in rig.intents() if p["metadata"].get("till_id") == "T1"]
        charges = [c for c in emu.state.charges.values() if c.get("captured")]
    assert len(intents) == 1 and intents[0]["status"] == "succeeded"
    assert intents[0]["amount_received"] == 1250
    assert len(charges) == 1
    assert requests["POST /v1/payment_intents"] == 1
