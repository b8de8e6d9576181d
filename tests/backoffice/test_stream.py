"""GET /v1/stream end to end: the server relays each till its own events, the till's stream
client turns them into notices, reconnects after a restart and misses nothing."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from ireti_till.adapters.backoffice_stream import BackofficeStream, NoticeBoard
from ireti_till.domain.stream_notices import RefundNotice
from ireti_till.server import auth, webhooks_store
from ireti_till.server.app import create_app
from ireti_till.server.webhooks import ENV_SECRET
from ireti_till.training.webhooks import signature_header
from tests.backoffice.helpers import wait_for
from tests.backoffice.pg import free_port

SECRET = "whsec_test_ireti_h8_stream"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SECRET, SECRET)


@contextlib.contextmanager
def server_on(engine: Engine, port: int) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(create_app(engine, secure_cookies=False),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="server start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def enrol(engine: Engine, till: str) -> str:
    return auth.redeem(engine, till, auth.make_enrolment(engine, till, "S1"))


_n = iter(range(1, 10_000))


def webhook(url: str, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    event = {"id": f"evt_s{next(_n)}", "object": "event", "type": type_,
             "created": int(time.time()), "livemode": False, "data": {"object": obj}}
    payload = json.dumps(event).encode()
    answer = httpx.post(url + "/stripe/webhook", content=payload, timeout=10,
                        headers={"Stripe-Signature": signature_header(payload, SECRET)})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pi(id_: str, till: str, status: str = "requires_capture") -> dict[str, Any]:
    return {"id": id_, "object": "payment_intent", "status": status,
            "metadata": {"till_id": till}}


def reader_obj(reader: str, pi_id: str, status: str = "succeeded") -> dict[str, Any]:
    return {"id": reader, "object": "terminal.reader",
            "action": {"type": "process_payment_intent", "status": status,
                       "failure_code": None if status == "succeeded" else "card_declined",
                       "process_payment_intent": {"payment_intent": pi_id}}}


@contextlib.contextmanager
def following(url: str, token: str, reader: str | None = None) -> Iterator[BackofficeStream]:
    board = NoticeBoard()
    stream = BackofficeStream(lambda: (url, token, None), board, lambda: reader,
                              base_backoff_s=0.05, max_backoff_s=0.2)
    stream.start()
    try:
        wait_for(lambda: board.connected, what="stream connected")
        yield stream
    finally:
        stream.stop()


def test_each_till_gets_its_own_events_and_the_reader_result_wakes_the_waiter(
        server_engine: Engine) -> None:
    t1, t2 = enrol(server_engine, "T1"), enrol(server_engine, "T2")
    with server_on(server_engine, free_port()) as url, \
            following(url, t1, "tmr_one") as s1, following(url, t2, "tmr_two") as s2:
        webhook(url, "payment_intent.created", pi("pi_a", "T1", "requires_payment_method"))
        got: list[Any] = []
        waiter = threading.Thread(target=lambda: got.append(s1.board.wait("pi_a", 10)))
        waiter.start()
        webhook(url, "terminal.reader.action_succeeded", reader_obj("tmr_one", "pi_a"))
        waiter.join(10)
        assert got and got[0] is not None
        assert (got[0].type, got[0].reader_id, got[0].status) == (
            "terminal.reader.action_succeeded", "tmr_one", "succeeded")
        webhook(url, "terminal.reader.action_failed", reader_obj("tmr_two", "pi_b", "failed"))
        assert s2.board.wait("pi_b", 10) is not None
        assert s2.board.latest("pi_b").failure_code == "card_declined"  # type: ignore[union-attr]
        assert s1.board.latest("pi_b") is None and s2.board.latest("pi_a") is None


def test_a_failed_refund_reaches_the_till_that_owns_the_payment(server_engine: Engine) -> None:
    token = enrol(server_engine, "T1")
    seen: list[RefundNotice] = []
    with server_on(server_engine, free_port()) as url, following(url, token) as s:
        s.board.refund_hooks.append(seen.append)
        webhook(url, "payment_intent.succeeded", pi("pi_r", "T1", "succeeded"))
        webhook(url, "refund.created", {"id": "re_1", "object": "refund", "amount": 450,
                                        "currency": "eur", "payment_intent": "pi_r",
                                        "status": "pending", "metadata": {"refund_id": "R1"}})
        answer = webhook(url, "refund.failed", {
            "id": "re_1", "object": "refund", "amount": 450, "currency": "eur",
            "payment_intent": "pi_r", "status": "failed",
            "failure_reason": "expired_or_canceled_card",
            "metadata": {"refund_id": "R1"}})
        assert answer["status"] == "routed"
        wait_for(lambda: len(seen) == 2, timeout=10, what="refund notices")
    assert [(n.type, n.failed) for n in seen] == [("refund.created", False),
                                                 ("refund.failed", True)]
    assert (seen[1].refund, seen[1].refund_id, seen[1].amount_minor, seen[1].currency,
            seen[1].failure_reason) == ("re_1", "R1", 450, "EUR", "expired_or_canceled_card")


def test_after_a_server_restart_the_stream_resumes_and_misses_nothing(
        server_engine: Engine) -> None:
    token = enrol(server_engine, "T1")
    port = free_port()
    board = NoticeBoard()
    stream = BackofficeStream(lambda: (f"http://127.0.0.1:{port}", token, None), board,
                              base_backoff_s=0.05, max_backoff_s=0.2)
    stream.start()
    try:
        with server_on(server_engine, port) as url:
            wait_for(lambda: board.connected, what="connected")
            webhook(url, "payment_intent.canceled", pi("pi_1", "T1", "canceled"))
            wait_for(lambda: board.latest("pi_1") is not None, what="first notice")
        wait_for(lambda: not board.connected, what="disconnected")
        assert board.wait("pi_2", 5) is None  # down: returns at once, the caller polls
        for n in (2, 3):  # routed while the till is away
            webhooks_store.store_event(server_engine, {
                "id": f"evt_away{n}", "type": "payment_intent.canceled", "created": 1,
                "data": {"object": pi(f"pi_{n}", "T1", "canceled")}})
        with server_on(server_engine, port):
            wait_for(lambda: board.latest("pi_3") is not None, what="missed notices")
        assert board.latest("pi_2") is not None and stream.connects == 2
    finally:
        stream.stop()


def test_the_stream_needs_a_till_token(server_url: str) -> None:
    answer = httpx.get(server_url + "/v1/stream", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "IT-701"
    bad = httpx.get(server_url + "/v1/stream", headers={"Authorization": "Bearer nope"},
                    timeout=5)
    assert bad.status_code == 401


def test_a_reader_moves_within_a_store_but_never_to_another_store(
        server_url: str, server_engine: Engine) -> None:
    t1, t2 = enrol(server_engine, "T1"), enrol(server_engine, "T2")
    other = auth.redeem(server_engine, "X1", auth.make_enrolment(server_engine, "X1", "S2"))
    webhooks_store.register_reader(server_engine, "T1", "S1", "tmr_shared")
    webhooks_store.register_reader(server_engine, "T2", "S1", "tmr_shared")  # same store
    refused = httpx.get(server_url + "/v1/stream", params={"reader": "tmr_shared"},
                        headers={"Authorization": f"Bearer {other}"}, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "IT-765"
    bad = httpx.get(server_url + "/v1/stream", params={"reader": "nope"},
                    headers={"Authorization": f"Bearer {t1}"}, timeout=5)
    assert bad.status_code == 422
    stored = webhooks_store.store_event(server_engine, {
        "id": "evt_r", "type": "terminal.reader.action_succeeded", "created": 1,
        "data": {"object": reader_obj("tmr_shared", "pi_z")}})
    assert stored.till_id == "T2" and t2
