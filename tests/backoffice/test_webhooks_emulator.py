"""The emulator's webhook delivery on its own: Stripe's signature (checked with the SDK),
retries with backoff, ``delivery_success`` on /v1/events, a receiver that hangs never slows
the API, and the ``ireti-till emulator --webhook-url`` command."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe

from ireti_till.training import Emulator, EmulatorConfig
from ireti_till.training.webhooks import WebhookConfig
from tests.backoffice.helpers import wait_for

SECRET = "whsec_test_ireti_h8_emulator"


class Receiver:
    """A loopback endpoint that verifies like the back office and answers as told."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.answers: list[int] = []  # answers to give first (then 200)
        self.hang = threading.Event()  # set: requests block until released
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if owner.hang.is_set():
                    owner.release.wait(30)
                status = owner.answers.pop(0) if owner.answers else 200
                if status == 200:
                    event = stripe.Webhook.construct_event(
                        body, self.headers["Stripe-Signature"], SECRET, tolerance=300)
                    owner.events.append(json.loads(body))
                    assert event.id
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def _pi(emu: Emulator) -> Any:
    client = stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url})
    return client, client.v1.payment_intents.create(params={
        "amount": 500, "currency": "eur", "payment_method_types": ["card_present"],
        "capture_method": "manual"})


def test_signed_delivery_with_retries_and_delivery_success() -> None:
    with receiver() as r:
        r.answers = [500, 503]  # two failures, then accepted
        hooks = WebhookConfig(r.url, SECRET, base_s=0.05, max_s=0.1)
        with Emulator.start(EmulatorConfig(rate_limit=None, webhooks=hooks)) as emu:
            client, pi = _pi(emu)
            assert emu.webhooks is not None and emu.webhooks.wait_idle(10)
            assert [e["type"] for e in r.events] == ["payment_intent.created"]
            assert r.events[0]["data"]["object"]["id"] == pi.id
            assert emu.webhooks.stats.attempts == 3 and emu.webhooks.stats.delivered == 1
            ok = client.v1.events.list(params={"delivery_success": True})
            assert [e.id for e in ok.data] == [r.events[0]["id"]]
            assert ok.data[0].pending_webhooks == 0
            assert client.v1.events.list(params={"delivery_success": False}).data == []


def test_a_hanging_receiver_never_slows_the_api() -> None:
    with receiver() as r:
        r.hang.set()
        hooks = WebhookConfig(r.url, SECRET, timeout_s=30, workers=1)
        with Emulator.start(EmulatorConfig(rate_limit=None, webhooks=hooks)) as emu:
            client, _ = _pi(emu)
            t0 = time.monotonic()
            for _ in range(5):  # each emits an event while the first delivery hangs
                client.v1.payment_intents.create(params={"amount": 100, "currency": "eur"})
            assert time.monotonic() - t0 < 5  # not waiting on the 30 s hang
            assert emu.webhooks is not None and emu.webhooks.pending() == 6
            r.release.set()
            assert emu.webhooks.wait_idle(20) and len(r.events) == 6


def test_the_emulator_command_delivers_webhooks() -> None:
    with receiver() as r:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ireti_till", "emulator", "--rate-limit", "0",
             "--webhook-url", r.url, "--webhook-secret", SECRET],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
            assert r.url in proc.stdout.readline()
            client = stripe.StripeClient("sk_test_x", base_addresses={"api": url})
            client.v1.payment_intents.create(params={"amount": 100, "currency": "eur"})
            wait_for(lambda: len(r.events) == 1, what="webhook delivered")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)
        assert proc.returncode == 0
    bad = subprocess.run([sys.executable, "-m", "ireti_till", "emulator", "--webhook-url",
                          "http://example.org/hook", "--webhook-secret", SECRET],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "loopback only" in bad.stderr
