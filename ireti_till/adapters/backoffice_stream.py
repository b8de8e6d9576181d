"""The till's end of the back office's event stream (``GET /v1/stream``, server-sent events).

``BackofficeStream`` keeps one streaming httpx request open on a daemon thread, with the
till's token (keyring) and the pinned certificate, and reconnects with jittered exponential
backoff (0.5 s doubling to 15 s) sending ``Last-Event-ID`` so nothing routed to the till is
missed. Each message becomes a frozen notice on a ``NoticeBoard``:

* ``board.wait(pi, timeout)`` lets the card flow sleep until the reader's result for that
  PaymentIntent arrives instead of polling; it returns at once (None) when the stream is not
  connected or drops, so the caller falls back to polling.
* ``board.refund_hooks`` are called (on the stream thread) with each ``RefundNotice``: the
  composition root connects them to the refund service (a refund that failed after Stripe
  accepted it).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine

from ireti_till.adapters.backoffice_client import _context, check_url
from ireti_till.adapters.backoffice_feed import SqlFeedStore
from ireti_till.adapters.backoffice_wiring import TOKEN_NAME, Secrets
from ireti_till.domain.poll_schedule import PollSchedule
from ireti_till.domain.stream_notices import (
    Notice,
    ReaderActionNotice,
    RefundNotice,
    notice_from,
)

log = logging.getLogger(__name__)
Connection = tuple[str, str, str | None]  # url, token, pinned certificate (PEM) or None


class NoticeBoard:
    """Thread-safe: the stream thread posts, the card flow waits."""

    def __init__(self, keep: int = 256) -> None:
        self._cond = threading.Condition()
        self._reader: dict[str, ReaderActionNotice] = {}
        self._keep = keep
        self._connected = False
        self._generation = 0  # bumped on every disconnect
        self.refund_hooks: list[Callable[[RefundNotice], None]] = []
        self.received = 0

    @property
    def connected(self) -> bool:
        with self._cond:
            return self._connected

    def set_connected(self, up: bool) -> None:
        with self._cond:
            if self._connected and not up:
                self._generation += 1
            self._connected = up
            self._cond.notify_all()

    def post(self, notice: Notice) -> None:
        with self._cond:
            self.received += 1
            if isinstance(notice, ReaderActionNotice):
                old = self._reader.get(notice.payment_intent)
                if old is None or not old.final or notice.final:
                    self._reader[notice.payment_intent] = notice
                while len(self._reader) > self._keep:
                    self._reader.pop(next(iter(self._reader)))
                self._cond.notify_all()
                return
        for hook in list(self.refund_hooks):
            try:
                hook(notice)
            except Exception:  # a hook must never stop the stream
                log.exception("refund notice hook failed")

    def latest(self, payment_intent: str) -> ReaderActionNotice | None:
        with self._cond:
            return self._reader.get(payment_intent)

    def wait(self, payment_intent: str, timeout: float) -> ReaderActionNotice | None:
        """The final notice for ``payment_intent`` once it is here (within ``timeout``).

        None at once if the stream is not connected, and as soon as it drops: poll then."""
        with self._cond:
            generation = self._generation

            def ready() -> bool:
                found = self._reader.get(payment_intent)
                return (found is not None and found.final) or not self._connected \
                    or self._generation != generation

            self._cond.wait_for(ready, timeout)
            found = self._reader.get(payment_intent)
            return found if found is not None and found.final else None


class BackofficeStream:
    def __init__(self, connection: Callable[[], Connection | None], board: NoticeBoard,
                 reader_id: Callable[[], str | None] = lambda: None, *,
                 base_backoff_s: float = 0.5, max_backoff_s: float = 15.0,
                 read_timeout_s: float = 10.0) -> None:
        self._connection, self._reader_id, self.board = connection, reader_id, board
        self._base, self._max, self._read_timeout = base_backoff_s, max_backoff_s, read_timeout_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._response: httpx.Response | None = None
        self.last_event_id: int | None = None
        self.connects = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="backoffice-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            response.close()
        if self._thread is not None:
            self._thread.join(5)
        self.board.set_connected(False)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self._follow():
                    failures = 0
            except Exception as exc:  # noqa: BLE001 - any failure: down, retry later
                log.info("back-office stream down: %s", type(exc).__name__)
            self.board.set_connected(False)
            failures += 1
            delay = min(self._max, self._base * 2 ** min(failures - 1, 10))
            self._stop.wait(delay * (0.75 + random.random() / 2))

    def _follow(self) -> bool:
        """Follow the stream until it ends; True if it was connected at some point."""
        found = self._connection()
        if found is None:
            return False
        url, token, cert = found
        check_url(url)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        reader = self._reader_id()
        params = {"reader": reader} if reader else {}
        verify: Any = _context(cert) if cert else True
        timeout = httpx.Timeout(5.0, read=self._read_timeout)
        with httpx.Client(timeout=timeout, verify=verify, trust_env=False) as client, \
                client.stream("GET", url.rstrip("/") + "/v1/stream", headers=headers,
                              params=params) as response:
            if response.status_code != 200:
                log.info("back-office stream refused: HTTP %s", response.status_code)
                return False
            self._response = response
            try:
                self._read(response)
            finally:
                self._response = None
        return True

    def _read(self, response: httpx.Response) -> None:
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            if line:
                if not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = fields.get(name, "") + value.removeprefix(" ")
                continue
            self._dispatch(fields)
            fields = {}

    def _dispatch(self, fields: dict[str, str]) -> None:
        if fields.get("event") == "hello":
            self.connects += 1
            self.board.set_connected(True)
            return
        try:
            summary = json.loads(fields.get("data", ""))
        except ValueError:
            return
        notice = notice_from(summary) if isinstance(summary, dict) else None
        if notice is not None:
            self.board.post(notice)
        if fields.get("id", "").isdigit():
            self.last_event_id = int(fields["id"])


def stream_for(engine: Engine, secrets: Secrets, board: NoticeBoard,
               reader_id: Callable[[], str | None] = lambda: None) -> BackofficeStream:
    """The stream of the back office this till is enrolled with (idle while not enrolled)."""
    store = SqlFeedStore(engine)

    def connection() -> Connection | None:
        url, token = store.get_state("url"), secrets.get(TOKEN_NAME)
        if not url or not token:
            return None
        return url, token, store.get_state("cert_pem") or None

    return BackofficeStream(connection, board, reader_id)


class ReaderPause:
    """``pause`` for ``CardPayments.follow``: wait for the stream's notice when connected,
    else the ``PollSchedule``'s growing, jittered wait. A notice wakes the flow once (the
    same notice again means the look after it saw nothing new: the schedule takes over)."""

    def __init__(self, board: NoticeBoard, schedule: PollSchedule | None = None,
                 slice_s: float = 0.25) -> None:
        self.board, self.schedule, self._slice = board, schedule or PollSchedule(), slice_s
        self._used: set[str] = set()

    def __call__(self, intent_id: str | None, stop: threading.Event, looks: int) -> bool:
        seen = self.board.latest(intent_id) if intent_id else None
        fresh = seen is None or not seen.final or seen.event_id not in self._used
        streaming = bool(intent_id) and self.board.connected and fresh
        delay = self.schedule.delay(looks, streaming=streaming, rand=random.random())
        if not streaming or intent_id is None:
            return stop.wait(delay)
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0 and not stop.is_set():
            notice = self.board.wait(intent_id, min(self._slice, left))
            if notice is not None:
                self._used.add(notice.event_id)
                break
            if not self.board.connected:  # the stream dropped: back to polling
                return stop.wait(self.schedule.delay(looks, rand=random.random()))
        return stop.is_set()
