"""MetricsRecorder: thread-safe, grouped per minute, and a failing sink loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ireti_till.domain.metrics import Counter
from ireti_till.services.metrics import MetricsRecorder, MinuteBatch, decode_histogram


class _Sink:
    def __init__(self, fail: int = 0) -> None:
        self.batches: list[MinuteBatch] = []
        self.fail = fail

    def add_minutes(self, batches: Sequence[MinuteBatch]) -> None:
        if self.fail:
            self.fail -= 1
            raise OSError(28, "No space left on device")
        self.batches.extend(batches)


def test_samples_are_grouped_per_minute() -> None:
    now = [600.0]
    sink = _Sink()
    rec = MetricsRecorder(sink, clock=lambda: now[0])
    rec.observe_latency("tender", 850.4)
    rec.payment_attempt()
    rec.payment_declined("insufficient_funds")
    now[0] = 661.0
    rec.observe_latency("tender", 1200)
    rec.gauge(Counter.QUEUE_DEPTH, 3)
    rec.gauge(Counter.QUEUE_DEPTH, 5)
    assert rec.flush() == 2 and rec.pending() == 0
    first, second = sink.batches
    assert (first.minute, second.minute) == (10, 11)
    assert first.counters == {("payment.attempts", ""): 1,
                              ("payment.declined", "code=insufficient_funds"): 1}
    assert decode_histogram(first.histograms["tender"]).get_total_count() == 1
    assert second.gauges == {("queue.depth", ""): 5.0}


def test_concurrent_recording_loses_nothing() -> None:
    sink = _Sink()
    rec = MetricsRecorder(sink, clock=lambda: 60.0)
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        for i in range(2000):
            rec.observe_latency("stripe.capture", 100 + i % 50)
            rec.count(Counter.PAYMENT_ATTEMPTS)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.flush()
    (batch,) = sink.batches
    assert batch.counters[("payment.attempts", "")] == 16000
    assert decode_histogram(batch.histograms["stripe.capture"]).get_total_count() == 16000


def test_failed_flush_keeps_samples_for_the_next_one() -> None:
    sink = _Sink(fail=1)
    rec = MetricsRecorder(sink, clock=lambda: 120.0)
    for ms in (10, 20, 20, 3000):
        rec.observe_latency("tender", ms)
    rec.payment_approved(1250, "eur")
    assert rec.flush() == 0 and rec.pending() > 0
    assert rec.flush() == 1
    (batch,) = sink.batches
    hist = decode_histogram(batch.histograms["tender"])
    assert hist.get_total_count() == 4 and hist.get_max_value() >= 2990
    assert batch.counters[("payment.amount_minor", "currency=EUR")] == 1250


def test_bounded_memory_when_never_flushed() -> None:
    rec = MetricsRecorder(None, clock=lambda: 0.0, max_pending=100)
    for _ in range(150):
        rec.observe_latency("tender", 5)
    assert rec.pending() == 100 and rec.dropped == 50


def test_timed_and_error_helpers() -> None:
    sink = _Sink()
    rec = MetricsRecorder(sink, clock=lambda: 0.0)
    with rec.timed("stripe.refund"):
        pass
    assert rec.stripe_error("rate_limit_error").value == "rate_limit"
    rec.flush()
    assert sink.batches[0].counters == {("payment.errors", "category=rate_limit"): 1}
    assert "stripe.refund" in sink.batches[0].histograms


def test_hooks_for_the_gateway_and_the_payment_services() -> None:
    sink = _Sink()
    rec = MetricsRecorder(sink, clock=lambda: 0.0)
    on_call = rec.stripe_call_observer()
    on_call("create_intent", 0.25, None)
    on_call("process_on_reader", 1.5, "IT-321")  # reader offline
    on_call("capture_intent", 0.1, "IT-342")  # network
    on_call("process_on_reader", 0.3, "IT-311")  # a decline: counted by the service instead
    observe = rec.payment_observer()
    observe("card_attempt", 1, {})
    observe("card_approved", 1, {})
    observe("card_declined", 1, {"decline_code": "insufficient_funds"})
    observe("event_sweep_lag_s", 42.0, {})
    observe("outbox_result", 1, {"kind": "refund", "verdict": "done"})
    observe("tender_ms", 2300, {})
    rec.flush()
    (batch,) = sink.batches
    assert set(batch.histograms) == {"stripe.create_intent", "stripe.process_on_reader",
                                     "stripe.capture_intent", "tender"}
    assert batch.counters[("payment.errors", "category=reader")] == 1
    assert batch.counters[("payment.errors", "category=network")] == 1
    assert ("payment.errors", "category=card") not in batch.counters
    assert batch.counters[("payment.declined", "code=insufficient_funds")] == 1
    assert batch.counters[("refund.count", "")] == 1
    assert batch.gauges[("events.sweep_lag_s", "")] == 42.0
