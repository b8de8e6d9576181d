"""POST /stripe/webhook against the real server and PostgreSQL: each refusal with its answer,
replays stored once, and the emulator's signed deliveries surviving a server that is down."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
import uvicorn
from sqlalchemy import Engine, text

from ireti_till.server import auth
from ireti_till.server.app import create_app
from ireti_till.server.webhooks import ENV_SECRET, MAX_BODY
from ireti_till.training import Emulator, EmulatorConfig
from ireti_till.training.webhooks import WebhookConfig, signature_header
from tests.backoffice.helpers import wait_for
from tests.backoffice.pg import free_port

SECRET = "whsec_test_ireti_h8_0123456789"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SECRET, SECRET)


def event(type_: str = "payment_intent.succeeded", id_: str = "evt_1",
          **obj: Any) -> dict[str, Any]:
    body = {"id": "pi_1", "object": "payment_intent", "status": "succeeded",
            "metadata": {"till_id": "T1"}, **obj}
    return {"id": id_, "object": "event", "type": type_, "created": int(time.time()),
            "livemode": False, "data": {"object": body}}


def post(url: str, payload: bytes, sig: str | None = None, secret: str = SECRET,
         t: int | None = None) -> httpx.Response:
    header = sig if sig is not None else signature_header(payload, secret, t)
    return httpx.post(url + "/stripe/webhook", content=payload, timeout=10,
                      headers={"Stripe-Signature": header, "Content-Type": "application/json"})


def rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id, type, status, till_id FROM stripe_events "
                                      "ORDER BY seq")).all())


def code(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def test_a_signed_event_is_stored_and_routed_to_its_till(server_url: str,
                                                         server_engine: Engine) -> None:
    auth.make_enrolment(server_engine, "T1", "S1")
    answer = post(server_url, json.dumps(event()).encode())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": True, "replay": False, "status": "routed"}
    assert [tuple(r) for r in rows(server_engine)] == [
        ("evt_1", "payment_intent.succeeded", "routed", "T1")]


def test_a_forged_signature_is_refused_and_nothing_stored(server_url: str,
                                                          server_engine: Engine) -> None:
    payload = json.dumps(event()).encode()
    forged = post(server_url, payload, secret="whsec_not_the_right_one")
    assert (forged.status_code, code(forged)) == (400, "IT-760")
    missing = post(server_url, payload, sig="")
    assert (missing.status_code, code(missing)) == (400, "IT-760")
    tampered = signature_header(payload, SECRET)
    changed = post(server_url, payload.replace(b"succeeded", b"canceled"), sig=tampered)
    assert (changed.status_code, code(changed)) == (400, "IT-760")
    assert rows(server_engine) == []


def test_a_stale_timestamp_is_refused(server_url: str, server_engine: Engine) -> None:
    payload = json.dumps(event()).encode()
    stale = post(server_url, payload, t=int(time.time()) - 301)
    assert (stale.status_code, code(stale)) == (400, "IT-761")
    assert rows(server_engine) == []
    fresh = post(server_url, payload, t=int(time.time()) - 240)
    assert fresh.status_code == 200


def test_a_replayed_event_id_is_acknowledged_but_processed_once(
        server_url: str, server_engine: Engine) -> None:
    auth.make_enrolment(server_engine, "T1", "S1")
    payload = json.dumps(event()).encode()
    assert post(server_url, payload).json()["replay"] is False
    again = post(server_url, payload)
    assert again.status_code == 200 and again.json()["replay"] is True
    other = event(status="canceled")  # same id, other content: still the first one counts
    assert post(server_url, json.dumps(other).encode()).json()["replay"] is True
    assert len(rows(server_engine)) == 1


def test_an_unknown_type_is_stored_and_acknowledged_unprocessed(
        server_url: str, server_engine: Engine) -> None:
    answer = post(server_url, json.dumps(event("customer.created", "evt_u")).encode())
    assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    assert [tuple(r) for r in rows(server_engine)] == [
        ("evt_u", "customer.created", "ignored", None)]


def test_a_body_over_the_cap_is_refused(server_url: str, server_engine: Engine) -> None:
    big = json.dumps(event(description="x" * MAX_BODY)).encode()
    answer = post(server_url, big)
    assert (answer.status_code, code(answer)) == (413, "IT-762")
    chunked = httpx.post(server_url + "/stripe/webhook", timeout=10,
                         content=iter([big[:MAX_BODY // 2], big[MAX_BODY // 2:]]),
                         headers={"Stripe-Signature": signature_header(big, SECRET)})
    assert (chunked.status_code, code(chunked)) == (413, "IT-762")
    assert rows(server_engine) == []


def test_not_json_and_no_secret(server_url: str, server_engine: Engine,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    junk = post(server_url, b"not json")
    assert (junk.status_code, code(junk)) == (400, "IT-764")
    monkeypatch.delenv(ENV_SECRET)
    unset = post(server_url, json.dumps(event()).encode())
    assert (unset.status_code, code(unset)) == (503, "IT-763")
    assert SECRET not in unset.text


@contextlib.contextmanager
def server_on(engine: Engine, port: int) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(create_app(engine, secure_cookies=False),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="server start")
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def test_server_down_while_stripe_retries_then_each_event_stored_once(
        server_engine: Engine) -> None:
    auth.make_enrolment(server_engine, "T1", "S1")
    port = free_port()
    hooks = WebhookConfig(f"http://127.0.0.1:{port}/stripe/webhook", SECRET, base_s=0.2,
                          max_s=0.5)
    with Emulator.start(EmulatorConfig(rate_limit=None, webhooks=hooks)) as emu:
        client = stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url})
        pi = client.v1.payment_intents.create(params={
            "amount": 1250, "currency": "eur", "payment_method_types": ["card_present"],
            "capture_method": "manual", "metadata": {"till_id": "T1"}})
        client.v1.payment_intents.cancel(pi.id)
        assert emu.webhooks is not None
        wait_for(lambda: emu.webhooks.stats.failed_attempts >= 4, what="failed deliveries")
        assert rows(server_engine) == []
        with server_on(server_engine, port):
            assert emu.webhooks.wait_idle(20)
        stats = emu.webhooks.stats
        emitted = [e["id"] for e in emu.state.events]
    stored = rows(server_engine)
    assert sorted(r.id for r in stored) == sorted(emitted)  # every event, exactly once
    assert {r.type for r in stored} == {"payment_intent.created", "payment_intent.canceled"}
    assert all(r.till_id == "T1" for r in stored)
    assert stats.delivered == len(emitted) and stats.given_up == 0
