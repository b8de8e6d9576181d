"""Recording payment metrics cheaply, and flushing them per minute to a store (port).

The payment path calls ``observe_latency`` / ``count`` / ``gauge``: each appends one tuple to
a list under a lock (a few hundred nanoseconds; see benchmarks/bench_metrics.py) and never
touches a histogram, the disk or the network. ``flush()`` (the worker's once-a-minute job and
shutdown) swaps the list out, builds one HdrHistogram per operation and minute, and hands
frozen ``MinuteBatch`` values to the ``MetricsSink`` port, which persists them and rolls them
up into hours. Queries live in ``services/metrics_query.py``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hdrh.histogram import HdrHistogram

from ireti_till.domain.metrics import (
    Counter,
    ErrorCategory,
    category_of_code,
    classify_error,
    label_key,
)

log = logging.getLogger(__name__)

# Latencies are whole milliseconds from 1 ms to 1 hour, 2 significant figures (1 % error).
LOWEST_MS = 1
HIGHEST_MS = 3_600_000
SIG_FIGS = 2


def new_histogram() -> Any:
    return HdrHistogram(LOWEST_MS, HIGHEST_MS, SIG_FIGS)


def encode_histogram(hist: Any) -> bytes:
    blob: bytes = hist.encode()
    return blob


def decode_histogram(blob: bytes) -> Any:
    """Decode a stored blob; raises ValueError for anything that is not a valid histogram."""
    try:
        hist = HdrHistogram.decode(blob)
    except Exception as exc:  # hdrh raises many kinds (zlib, binascii, TypeError, its own)
        raise ValueError(f"not a histogram blob: {type(exc).__name__}: {exc}") from exc
    if hist.get_total_count() < 0:
        raise ValueError("histogram with a negative count")
    return hist


@dataclass(frozen=True, slots=True)
class MinuteBatch:
    """Everything recorded during one minute (``minute`` = Unix time // 60)."""

    minute: int
    histograms: Mapping[str, bytes] = field(default_factory=dict)  # op -> encoded histogram
    counters: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (name, labels)
    gauges: Mapping[tuple[str, str], float] = field(default_factory=dict)  # last value wins


class MetricsSink(Protocol):
    def add_minutes(self, batches: Sequence[MinuteBatch]) -> None:
        """Persist the batches, merging with rows already stored for the same minute and
        rolling them up into hour rows, in one transaction."""
        ...


_LATENCY, _COUNT, _GAUGE = 0, 1, 2


def _labels(labels: Mapping[str, str]) -> str:
    if len(labels) == 1:  # the common case (code=..., category=...): no sort needed
        for k, v in labels.items():
            return f"{k}={v}"
    return label_key(labels)


class MetricsRecorder:
    """Thread-safe, cheap metric recording with periodic flushing to a ``MetricsSink``."""

    def __init__(
        self,
        sink: MetricsSink | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_pending: int = 1_000_000,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[tuple[float, int, str, str, float]] = []
        self._max_pending = max_pending
        self.dropped = 0

    # -- the hot path -------------------------------------------------------------------
    def observe_latency(self, op: str, ms: float) -> None:
        sample = (self._clock(), _LATENCY, op, "", ms)
        with self._lock:
            if len(self._pending) < self._max_pending:
                self._pending.append(sample)
            else:
                self.dropped += 1

    def count(self, name: str, labels: Mapping[str, str] | None = None, n: int = 1) -> None:
        sample = (self._clock(), _COUNT, name, _labels(labels) if labels else "", float(n))
        with self._lock:
            if len(self._pending) < self._max_pending:
                self._pending.append(sample)
            else:
                self.dropped += 1

    def gauge(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        sample = (self._clock(), _GAUGE, name, _labels(labels) if labels else "", value)
        with self._lock:
            self._pending.append(sample)

    @contextmanager
    def timed(self, op: str) -> Iterator[None]:
        """``with recorder.timed(Op.CAPTURE): ...`` records the block's wall time."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe_latency(op, (time.perf_counter() - start) * 1000.0)

    # -- helpers the payment engine calls ----------------------------------------------
    def payment_attempt(self) -> None:
        self.count(Counter.PAYMENT_ATTEMPTS)

    def payment_approved(self, amount_minor: int, currency: str) -> None:
        self.count(Counter.PAYMENT_APPROVED)
        self.count(Counter.PAYMENT_AMOUNT, {"currency": currency.upper()}, amount_minor)

    def payment_declined(self, decline_code: str | None) -> None:
        self.count(Counter.PAYMENT_DECLINED, {"code": decline_code or "unknown"})

    def stripe_error(
        self, error_type: str | None, *, code: str | None = None, http_status: int | None = None
    ) -> ErrorCategory:
        category = classify_error(error_type, code=code, http_status=http_status)
        self.count(Counter.PAYMENT_ERRORS, {"category": category.value})
        return category

    # -- hooks for the payment engine (wired in app.py) ----------------------------------
    def stripe_call_observer(self) -> Callable[[str, float, str | None], None]:
        """For ``StripeGateway(on_call=...)``: (operation, seconds, error code or None)."""

        def on_call(op: str, seconds: float, error_code: str | None) -> None:
            self.observe_latency(f"stripe.{op}", seconds * 1000.0)
            if error_code is not None and not error_code.startswith("IT-31"):
                # declines are counted by the payment service, by decline code
                self.count(Counter.PAYMENT_ERRORS,
                           {"category": category_of_code(error_code).value})

        return on_call

    def payment_observer(self) -> Callable[[str, float, dict[str, str]], None]:
        """For ``PaymentContext(observe=...)``: maps the services' metric names."""

        def observe(name: str, value: float, labels: dict[str, str]) -> None:
            if name == "card_attempt":
                self.count(Counter.PAYMENT_ATTEMPTS, n=int(value))
            elif name == "card_approved":
                self.count(Counter.PAYMENT_APPROVED, n=int(value))
                if labels.get("amount_minor", "").isdigit():
                    self.count(Counter.PAYMENT_AMOUNT,
                               {"currency": labels.get("currency", "?").upper()},
                               int(labels["amount_minor"]))
            elif name == "refund_sent":
                if labels.get("amount_minor", "").isdigit():
                    self.count(Counter.REFUND_AMOUNT,
                               {"currency": labels.get("currency", "?").upper()},
                               int(labels["amount_minor"]))
            elif name == "refunds_failed":
                self.count(Counter.REFUNDS_FAILED, n=int(value))
            elif name == "reader_disconnect":
                self.count(Counter.READER_DISCONNECTS, n=int(value))
            elif name == "card_declined":
                self.payment_declined(labels.get("decline_code"))
            elif name == "event_sweep_lag_s":
                self.gauge(Counter.EVENT_SWEEP_LAG_S, value)
            elif name == "outbox_result":
                self.count("outbox.result", labels, int(value))
                if labels.get("kind") == "refund":
                    verdict = labels.get("verdict")
                    if verdict == "done":
                        self.count(Counter.REFUNDS, n=int(value))
                    elif verdict == "surface":
                        self.count(Counter.REFUNDS_FAILED, n=int(value))
            elif name.endswith("_ms"):  # e.g. "tender_ms": a latency
                self.observe_latency(name[:-3], value)
            else:
                self.count(name, labels or None, int(value))

        return observe

    def queue_state(self, depth: int, oldest_age_s: float | None, refunds_pending: int) -> None:
        """Gauges for the payment queue (the ops scheduler samples them every minute)."""
        self.gauge(Counter.QUEUE_DEPTH, float(depth))
        self.gauge(Counter.QUEUE_OLDEST_AGE_S, float(oldest_age_s or 0.0))
        self.gauge(Counter.REFUNDS_PENDING, float(refunds_pending))

    # -- flushing -------------------------------------------------------------------------
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def drain(self) -> list[MinuteBatch]:
        """Take everything recorded so far and group it into per-minute batches."""
        with self._lock:
            samples, self._pending = self._pending, []
        hists: dict[int, dict[str, Any]] = {}
        counters: dict[int, dict[tuple[str, str], int]] = {}
        gauges: dict[int, dict[tuple[str, str], float]] = {}
        for ts, kind, name, labels, value in samples:
            minute = int(ts // 60)
            if kind == _LATENCY:
                per_op = hists.setdefault(minute, {})
                hist = per_op.get(name)
                if hist is None:
                    hist = per_op[name] = new_histogram()
                hist.record_value(min(HIGHEST_MS, max(LOWEST_MS, round(value))))
            elif kind == _COUNT:
                bucket = counters.setdefault(minute, {})
                bucket[(name, labels)] = bucket.get((name, labels), 0) + int(value)
            else:
                gauges.setdefault(minute, {})[(name, labels)] = value
        minutes = sorted(set(hists) | set(counters) | set(gauges))
        return [
            MinuteBatch(
                m,
                {op: encode_histogram(h) for op, h in hists.get(m, {}).items()},
                counters.get(m, {}),
                gauges.get(m, {}),
            )
            for m in minutes
        ]

    def flush(self) -> int:
        """Persist what was recorded; returns the number of minute batches written.

        A failing sink (disk full, locked database) keeps the samples for the next flush
        rather than losing them, and the failure is logged, never raised into the caller."""
        batches = self.drain()
        if not batches or self._sink is None:
            return 0
        try:
            self._sink.add_minutes(batches)
        except Exception:
            log.exception("metrics flush failed; %d minute(s) kept for the next try", len(batches))
            self._requeue(batches)
            return 0
        return len(batches)

    def _requeue(self, batches: Sequence[MinuteBatch]) -> None:
        """Put flushed-but-unsaved minutes back as samples (histograms via their values)."""
        restored: list[tuple[float, int, str, str, float]] = []
        for b in batches:
            ts = b.minute * 60.0
            for op, blob in b.histograms.items():
                hist = decode_histogram(blob)
                for item in hist.get_recorded_iterator():
                    for _ in range(int(item.count_at_value_iterated_to)):
                        restored.append((ts, _LATENCY, op, "", float(item.value_iterated_to)))
            for (name, labels), n in b.counters.items():
                restored.append((ts, _COUNT, name, labels, float(n)))
            for (name, labels), v in b.gauges.items():
                restored.append((ts, _GAUGE, name, labels, v))
        with self._lock:
            room = max(0, self._max_pending - len(self._pending))
            self.dropped += max(0, len(restored) - room)
            self._pending[:0] = restored[:room]


class _QueueItemLike(Protocol):
    kind: str
    state: str


class _QueueLike(Protocol):
    count: int
    oldest_age_s: float | None
    items: tuple[Any, ...]


def record_queue_gauges(recorder: MetricsRecorder, summary: _QueueLike) -> None:
    """Sample ``PaymentsCore.queue_summary()`` into the queue gauges.

    Wiring (the lead): in the ops scheduler, every minute before the flush:
    ``record_queue_gauges(recorder, payments.core.queue_summary())``."""
    pending = sum(1 for i in summary.items
                  if getattr(i, "kind", "") == "refund" and getattr(i, "state", "") != "failed")
    recorder.queue_state(summary.count, summary.oldest_age_s, pending)
