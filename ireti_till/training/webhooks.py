"""The emulator delivers its events as signed webhooks, the way Stripe does.

Each event is POSTed as JSON to the configured URL with ``Stripe-Signature: t=<unix>,
v1=<hex HMAC-SHA256 of "t.body" with the endpoint secret>``. A delivery that does not get a
2xx answer is retried with exponential backoff (Stripe: up to three days; here ``base_s``
doubling up to ``max_s``, ``max_attempts`` tries). Deliveries run on their own threads from
a queue: emitting an event never waits on the network, so the emulator's request handling
is never blocked by a slow or absent receiver. Events are independent: one that is being
retried does not hold back the others (Stripe does not promise order either)."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """``t=…,v1=…`` for ``payload`` signed with ``secret`` at ``timestamp`` (now)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    base_s: float = 1.0
    max_s: float = 60.0
    max_attempts: int = 16
    timeout_s: float = 10.0
    workers: int = 4

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
            raise ValueError(f"webhook URL {self.url!r}: http(s) on loopback only")
        if not self.secret.startswith("whsec_"):
            raise ValueError("the webhook secret must start with whsec_")


@dataclass
class DeliveryStats:
    delivered: int = 0
    attempts: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    #: event id -> time.time() of the 2xx answer
    delivered_at: dict[str, float] = field(default_factory=dict)
    #: event id -> time.time() the event was emitted
    emitted_at: dict[str, float] = field(default_factory=dict)


class WebhookSender:
    def __init__(self, config: WebhookConfig,
                 on_result: Callable[[str, bool], None] = lambda _id, _ok: None) -> None:
        self.config = config
        self._on_result = on_result  # (event id, delivered?) after each attempt
        self.stats = DeliveryStats()
        self._heap: list[tuple[float, int, int, bytes, str]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._busy = 0
        self._stopped = False
        self._client = httpx.Client(timeout=config.timeout_s, verify=False)  # noqa: S501 - loopback test receiver
        self._threads = [threading.Thread(target=self._run, name=f"emulator-webhooks-{i}",
                                          daemon=True) for i in range(config.workers)]
        for thread in self._threads:
            thread.start()

    def enqueue(self, event: dict[str, Any]) -> None:
        """Queue ``event`` (a public copy) for delivery; returns at once."""
        body = json.dumps(event, separators=(",", ":")).encode()
        with self._cond:
            self.stats.emitted_at[str(event["id"])] = time.time()
            heapq.heappush(self._heap, (time.monotonic(), next(self._order), 1, body,
                                        str(event["id"])))
            self._cond.notify()

    def _next(self) -> tuple[int, bytes, str] | None:
        with self._cond:
            while not self._stopped:
                if self._heap and self._heap[0][0] <= time.monotonic():
                    _due, _n, attempt, body, event_id = heapq.heappop(self._heap)
                    self._busy += 1
                    return attempt, body, event_id
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                self._cond.wait(wait)
        return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            attempt, body, event_id = job
            ok = self._post(body)
            try:
                self._on_result(event_id, ok)
            except Exception:  # bookkeeping must never stop delivery
                log.exception("webhook result hook failed")
            with self._cond:
                self._busy -= 1
                self.stats.attempts += 1
                if ok:
                    self.stats.delivered += 1
                    self.stats.delivered_at[event_id] = time.time()
                else:
                    self.stats.failed_attempts += 1
                    if attempt >= self.config.max_attempts:
                        self.stats.given_up += 1
                        log.warning("webhook %s: gave up after %d attempts", event_id, attempt)
                    else:
                        delay = min(self.config.max_s, self.config.base_s * 2 ** (attempt - 1))
                        heapq.heappush(self._heap, (time.monotonic() + delay,
                                                    next(self._order), attempt + 1, body,
                                                    event_id))
                self._cond.notify_all()

    def _post(self, body: bytes) -> bool:
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Stripe-Signature": signature_header(body, self.config.secret),
                   "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
        try:
            answer = self._client.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError:
            return False
        return 200 <= answer.status_code < 300

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._busy

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or in flight (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.config.timeout_s + 1)
        self._client.close()
